import { z } from 'zod';
import { REVOCATION_CHOICES, REVOCATION_REASONS } from '../domain/key-revocation.js';
import { Line, OptionalLine, PartyKind, Rfc3339, Role } from './common.js';

export const Slug = z.string().min(2).max(40).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');

export const CreatePartyBody = z.object({
  id: Slug.optional().describe('a short stable id; generated when absent'),
  kind: PartyKind,
  name: Line(200),
  shortName: Line(40).optional(),
}).strict();

export const CreateMemberBody = z.object({
  name: Line(200),
  role: Role,
}).strict();

export const IssueTokenBody = z.object({ label: OptionalLine(200).default('') }).strict();

export const Ed25519PublicJwk = z
  .object({
    kty: z.literal('OKP'),
    crv: z.literal('Ed25519'),
    x: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'x must be the base64url of a 32-byte Ed25519 public key'),
    kid: z.string().max(200).optional(),
    alg: z.literal('EdDSA').optional(),
    use: z.literal('sig').optional(),
    d: z.string().optional().describe('never send this: a private key must not leave its owner'),
  })
  .describe('Ed25519 public key as a JWK (RFC 8037)');

export const RegisterKeyBody = z.object({ jwk: Ed25519PublicJwk }).strict();

export const KeyView = z.object({
  kid: z.string().describe('RFC 7638 JWK thumbprint (SHA-256)'),
  partyId: z.string(),
  jwk: z.object({ kty: z.string(), crv: z.string(), x: z.string(), kid: z.string(), alg: z.string(), use: z.string() }),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  revocationReason: z.enum(REVOCATION_REASONS).nullable().describe('why it was revoked: superseded (routine rotation; what it signed still binds) or compromised (lost or stolen; what it signed from compromisedSince on is void); null while it stands'),
  compromisedSince: z.string().nullable().describe('for a compromised key: from when its signatures are suspect (guarantees recorded at or after this instant are void)'),
});
z.globalRegistry.add(KeyView, { id: 'PartyKey' });

export const RevokedKeyView = KeyView.extend({
  voidedCorridorIds: z
    .array(z.string())
    .describe('corridors whose guarantee by this key this request voided (returned to proposed): none for superseded, nor when the revocation was already recorded'),
});

export const RevocationReason = z.enum(REVOCATION_REASONS, { error: REVOCATION_CHOICES });

export const RevokeKeyBody = z
  .object(
    {
      reason: RevocationReason.describe(
        'superseded: routine rotation (new liaison officer, scheduled change) — the key signs nothing more and every guarantee it made still binds. compromised: lost or stolen — guarantees it made at or after `since` are void and their corridors return to proposed until the party signs again',
      ),
      since: Rfc3339.optional().describe(
        'only with compromised: from when the key is suspect (RFC 5280 invalidityDate); not in the future, not before the key was registered. Default: its registration, i.e. everything it signed',
      ),
    },
    { error: (iss) => (iss.input === undefined || iss.input === null ? `the body must say why the key is revoked: ${REVOCATION_CHOICES}` : undefined) },
  ).strict()
  .describe('Why the key is revoked (RFC 5280 revocation reasons superseded / keyCompromise)');

export const MemberView = z.object({
  id: z.string(),
  partyId: z.string(),
  name: z.string(),
  role: Role,
  createdAt: z.string(),
  disabledAt: z.string().nullable(),
});
z.globalRegistry.add(MemberView, { id: 'Member' });

export const PartyView = z.object({
  id: z.string(),
  kind: PartyKind,
  name: z.string(),
  shortName: z.string(),
  createdAt: z.string(),
  keys: z.array(KeyView),
});
export type PartyView = z.infer<typeof PartyView>;
z.globalRegistry.add(PartyView, { id: 'Party' });

export const TokenView = z.object({
  id: z.string(),
  memberId: z.string(),
  label: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().nullable(),
  handedOver: z.boolean().describe('issued by another party’s member (the mediator handing a party its first admin’s first token): it can only issue its holder a token of its own, which retires it'),
});
export const IssuedToken = TokenView.extend({
  token: z.string().describe('the secret; shown once, stored only as a hash'),
});

export const MeView = z.object({
  member: MemberView,
  party: PartyView,
  tokenId: z.string().describe('the id of the token this request was made with (to revoke it once replaced)'),
  handedOverToken: z.boolean().describe('this token was handed over by the mediator: until its holder issues itself a token (POST /members/{id}/tokens), which retires it, it can do nothing else'),
});
