import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import { createMember, createParty, getParty, issueToken, listMembers, listTokens, loadParties, registerKey, revokeKey, revokeToken } from '../../app/parties.js';
import { CreateMemberBody, CreatePartyBody, IssuedToken, IssueTokenBody, KeyView, MemberView, MeView, PartyView, RegisterKeyBody, RevokedKeyView, RevokeKeyBody, TokenView } from '../../schemas/party.js';
import { actorOf, commonErrors, IdParam, write } from '../context.js';

export function partyRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;

  r.get('/me', { schema: { tags: ['parties'], summary: 'Who the token belongs to', response: { 200: MeView, ...commonErrors } } }, async (req) => {
    const actor = actorOf(req);
    const member = await db.selectFrom('members').selectAll().where('id', '=', actor.memberId).executeTakeFirstOrThrow();
    return {
      member: { id: member.id, partyId: member.party_id, name: member.name, role: actor.role, createdAt: member.created_at, disabledAt: member.disabled_at },
      party: await getParty(db, actor.partyId),
      tokenId: actor.tokenId,
      handedOverToken: actor.handedOver,
    };
  });

  r.get('/parties', { schema: { tags: ['parties'], summary: 'List parties and their public keys', response: { 200: z.array(PartyView), ...commonErrors } } }, async (req) => {
    actorOf(req);
    return loadParties(db);
  });

  r.post('/parties', { schema: { tags: ['parties'], summary: 'Create a party (mediator admins)', body: CreatePartyBody, response: { 201: PartyView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => createParty(u, actor, req.body)),
  );

  r.get('/parties/:id', { schema: { tags: ['parties'], params: IdParam, response: { 200: PartyView, ...commonErrors } } }, async (req) => {
    actorOf(req);
    return getParty(db, req.params.id);
  });

  r.get('/parties/:id/members', { schema: { tags: ['parties'], params: IdParam, response: { 200: z.array(MemberView), ...commonErrors } } }, async (req) => {
    actorOf(req);
    return listMembers(db, req.params.id);
  });

  r.post('/parties/:id/members', { schema: { tags: ['parties'], summary: 'Add a member (the party’s admins, or mediator admins)', params: IdParam, body: CreateMemberBody, response: { 201: MemberView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => createMember(u, actor, req.params.id, req.body)),
  );

  r.get('/members/:id/tokens', { schema: { tags: ['tokens'], params: IdParam, response: { 200: z.array(TokenView), ...commonErrors } } }, async (req) => listTokens(db, actorOf(req), req.params.id));

  r.post('/members/:id/tokens', { schema: { tags: ['tokens'], summary: 'Issue an API token (shown once)', params: IdParam, body: IssueTokenBody, response: { 201: IssuedToken, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => issueToken(u, actor, req.params.id, req.body.label), {
      onceOnly: (t) => `token ${t.id} was issued by the first request with this Idempotency-Key, and its secret is shown only once: issue another (and revoke ${t.id})`,
    }),
  );

  r.post('/tokens/:id/revoke', { schema: { tags: ['tokens'], summary: 'Revoke an API token', params: IdParam, response: { 200: z.object({ id: z.string(), revokedAt: z.string() }), ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => revokeToken(u, actor, req.params.id)),
  );

  r.get('/parties/:id/keys', { schema: { tags: ['keys'], params: IdParam, response: { 200: z.array(KeyView), ...commonErrors } } }, async (req) => {
    actorOf(req);
    return (await getParty(db, req.params.id)).keys;
  });

  r.post('/parties/:id/keys', { schema: { tags: ['keys'], summary: 'Register a public Ed25519 key (JWK) of your own party', params: IdParam, body: RegisterKeyBody, response: { 201: KeyView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => registerKey(u, actor, req.params.id, req.body.jwk)),
  );

  r.post(
    '/parties/:id/keys/:kid/revoke',
    {
      schema: {
        tags: ['keys'],
        summary: 'Revoke a key of your own party, saying why: superseded (routine rotation) or compromised (lost or stolen)',
        description: [
          'Body: {"reason": "superseded"} or {"reason": "compromised", "since"?: RFC 3339}. The reason is required (400 without it). A revoked key signs nothing more (422 key_revoked) either way.',
          '`superseded` (RFC 5280 superseded / cessationOfOperation): the key was never compromised, so every guarantee it made while it stood is still the party’s word and keeps binding — no corridor changes state. The guarantee views show `keyRevokedAt` with `keyRevocationReason: "superseded"` and `valid: true`.',
          '`compromised` (RFC 5280 keyCompromise, `since` as its invalidityDate): guarantees the key made at or after `since` (default: the key’s registration, i.e. all of them; not in the future, not before the registration) are voided in the same transaction. Each corridor whose current version such a guarantee signed and which is proposed, guaranteed or suspended (and not past its last window) returns to proposed (a suspension in force stays), is logged `guarantee.voided` and, if open then, announced closed; the party must sign again with a key that stands. Guarantees made before `since` stand.',
          'A key revoked as superseded may later be revoked again as compromised; a compromise is never withdrawn or moved (409). Repeating the same revocation changes nothing.',
        ].join('\n\n'),
        params: IdParam.extend({ kid: z.string().min(1).max(100) }),
        body: RevokeKeyBody,
        response: { 200: RevokedKeyView, ...commonErrors },
      },
    },
    (req, reply) => write(deps, req, reply, 200, (u, actor) => revokeKey(u, actor, req.params.id, req.params.kid, req.body)),
  );
}
