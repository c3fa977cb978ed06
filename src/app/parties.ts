import { calculateJwkThumbprint, importJWK } from 'jose';
import { weakPublicKey } from '../crypto/index.js';
import type { z } from 'zod';
import { authorize, mayHandOverToken, type Actor } from '../domain/authorization.js';
import { DomainError } from '../domain/errors.js';
import { resolveRevocation, storedRevocation, type RevocationReason, type RevocationRequest } from '../domain/key-revocation.js';
import type { PartyKind, Role } from '../schemas/common.js';
import type { CreateMemberBody, CreatePartyBody, Ed25519PublicJwk, KeyView, MemberView, PartyView } from '../schemas/party.js';
import type { DB } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import { nowIso, sha256Hex, type Unit } from './deps.js';
import { corridorsSignedWith, lockCorridors, voidGuaranteesOfCompromisedKey } from './corridors.js';
import { appendLog } from './log.js';

type KeyRow = DB['party_keys'];
type MemberRow = DB['members'];

export function toKeyView(row: KeyRow): z.infer<typeof KeyView> {
  const jwk = JSON.parse(row.jwk) as { x: string };
  return {
    kid: row.kid,
    partyId: row.party_id,
    jwk: { kty: 'OKP', crv: 'Ed25519', x: jwk.x, kid: row.kid, alg: 'EdDSA', use: 'sig' },
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    revocationReason: row.revocation_reason as RevocationReason | null,
    compromisedSince: row.compromised_since,
  };
}

export function toMemberView(row: MemberRow): z.infer<typeof MemberView> {
  return { id: row.id, partyId: row.party_id, name: row.name, role: row.role as Role, createdAt: row.created_at, disabledAt: row.disabled_at };
}

export async function loadParties(tx: Tx): Promise<PartyView[]> {
  const parties = await tx.selectFrom('parties').selectAll().orderBy('created_at').orderBy('id').execute();
  const keys = await tx.selectFrom('party_keys').selectAll().orderBy('created_at').execute();
  return parties.map((p) => ({
    id: p.id,
    kind: p.kind as PartyKind,
    name: p.name,
    shortName: p.short_name,
    createdAt: p.created_at,
    keys: keys.filter((k) => k.party_id === p.id).map(toKeyView),
  }));
}

export async function getParty(tx: Tx, id: string): Promise<PartyView> {
  const p = await tx.selectFrom('parties').selectAll().where('id', '=', id).executeTakeFirst();
  if (!p) throw new DomainError('not_found', `no party with id ${id}`);
  const keys = await tx.selectFrom('party_keys').selectAll().where('party_id', '=', id).orderBy('created_at').execute();
  return { id: p.id, kind: p.kind as PartyKind, name: p.name, shortName: p.short_name, createdAt: p.created_at, keys: keys.map(toKeyView) };
}

/**
 * Creates a party. `actor` is null only for `passage init`, which creates the mediator that
 * runs the server before anyone can authenticate.
 */
export async function createParty(u: Unit, actor: Actor | null, body: z.infer<typeof CreatePartyBody>): Promise<PartyView> {
  if (actor) authorize(actor, 'party.manage');
  const id = body.id ?? u.deps.newId('pty');
  const dup = await u.tx.selectFrom('parties').select('id').where((eb) => eb.or([eb('id', '=', id), eb('name', '=', body.name)])).executeTakeFirst();
  if (dup) throw new DomainError('duplicate', `a party with this ${dup.id === id ? 'id' : 'name'} already exists`);
  const row = { id, kind: body.kind, name: body.name, short_name: body.shortName ?? body.name, created_at: nowIso(u.deps) };
  await u.tx.insertInto('parties').values(row).execute();
  await appendLog(u, { actor: actor?.memberId ?? 'system', action: 'party.created', subject: `party/${id}`, payload: { id, kind: row.kind, name: row.name, shortName: row.short_name } });
  return { id, kind: body.kind, name: row.name, shortName: row.short_name, createdAt: row.created_at, keys: [] };
}

export async function listMembers(tx: Tx, partyId: string): Promise<z.infer<typeof MemberView>[]> {
  await getParty(tx, partyId);
  const rows = await tx.selectFrom('members').selectAll().where('party_id', '=', partyId).orderBy('created_at').execute();
  return rows.map(toMemberView);
}

export async function createMember(u: Unit, actor: Actor | null, partyId: string, body: z.infer<typeof CreateMemberBody>): Promise<z.infer<typeof MemberView>> {
  await getParty(u.tx, partyId);
  if (actor && actor.partyId !== partyId) {
    // The mediator may give a party its first admin, nothing more (authorization.ts, `handover`).
    const admin = await u.tx.selectFrom('members').select('id').where('party_id', '=', partyId).where('role', '=', 'admin').where('disabled_at', 'is', null).executeTakeFirst();
    authorize(actor, 'member.manage', { partyId, handover: admin === undefined && body.role === 'admin' });
  } else if (actor) authorize(actor, 'member.manage', { partyId });
  const row = { id: u.deps.newId('mem'), party_id: partyId, name: body.name, role: body.role, created_at: nowIso(u.deps), disabled_at: null };
  await u.tx.insertInto('members').values(row).execute();
  await appendLog(u, { actor: actor?.memberId ?? 'system', action: 'member.created', subject: `member/${row.id}`, payload: { id: row.id, partyId, name: row.name, role: row.role } });
  return toMemberView(row);
}

async function getMember(tx: Tx, memberId: string): Promise<MemberRow> {
  const m = await tx.selectFrom('members').selectAll().where('id', '=', memberId).executeTakeFirst();
  if (!m) throw new DomainError('not_found', `no member with id ${memberId}`);
  return m;
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/**
 * Issues an API token for a member. The secret is returned once and stored only as its SHA-256.
 * A member may always issue itself one (to rotate it); a party's admins issue their members'.
 * The mediator's admins hand a token over only to an admin of a party that cannot act by
 * itself (none of its members holds a working token of its own) and who holds none: a party's
 * first admin, or one restoring a party locked out. Such a token is marked handed over and only
 * makes its holder a token of its own (authorization.ts, `HANDED_OVER_TOKEN_MAY`), which retires
 * it — in the same transaction, and once: a second request with it finds it retired.
 */
export async function issueToken(u: Unit, actor: (Actor & { tokenId?: string; handedOver?: boolean }) | null, memberId: string, label = ''): Promise<{ id: string; memberId: string; label: string; createdAt: string; revokedAt: null; handedOver: boolean; token: string }> {
  const member = await getMember(u.tx, memberId);
  const self = actor !== null && actor.memberId === memberId;
  const handedOver = actor !== null && actor.partyId !== member.party_id;
  if (actor && handedOver) {
    const partyActs = await u.tx
      .selectFrom('tokens')
      .innerJoin('members', 'members.id', 'tokens.member_id')
      .select('tokens.id')
      .where('members.party_id', '=', member.party_id)
      .where('members.disabled_at', 'is', null)
      .where('tokens.revoked_at', 'is', null)
      .where('tokens.handed_over_by', 'is', null)
      .executeTakeFirst();
    const holds = await u.tx.selectFrom('tokens').select('id').where('member_id', '=', memberId).where('revoked_at', 'is', null).executeTakeFirst();
    authorize(actor, 'member.manage', { partyId: member.party_id, handover: mayHandOverToken({ role: member.role as Role, holdsToken: holds !== undefined }, { actsByItself: partyActs !== undefined }) });
  } else if (actor && !self) authorize(actor, 'member.manage', { partyId: member.party_id });
  if (member.disabled_at) throw new DomainError('transition_not_allowed', 'the member is disabled');
  const now = nowIso(u.deps);
  if (self && actor.handedOver === true && actor.tokenId !== undefined) {
    // Retired before the new one exists, and only if still in force: of two requests racing with
    // the same handed-over token, the second finds it retired and makes nothing.
    const used = await u.tx.updateTable('tokens').set({ revoked_at: now }).where('id', '=', actor.tokenId).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) throw new DomainError('unauthenticated', 'this handed-over token has already made a token of your own and no longer works');
    await appendLog(u, { actor: actor.memberId, action: 'token.revoked', subject: `member/${memberId}`, payload: { tokenId: actor.tokenId, reason: 'replaced the token handed over' } });
  }
  let secret = 'psg_';
  for (const b of u.deps.randomBytes(32)) secret += TOKEN_ALPHABET[b % 64];
  const row = { id: u.deps.newId('tok'), member_id: memberId, hash: sha256Hex(secret), label, created_at: now, revoked_at: null, handed_over_by: handedOver ? (actor?.memberId ?? null) : null };
  await u.tx.insertInto('tokens').values(row).execute();
  await appendLog(u, { actor: actor?.memberId ?? 'system', action: 'token.issued', subject: `member/${memberId}`, payload: { tokenId: row.id, label, ...(handedOver ? { handedOver: true } : {}) } });
  if (self) {
    // Any other token handed over to this member stops too: the member now has its own.
    const retired = await u.tx.selectFrom('tokens').select('id').where('member_id', '=', memberId).where('handed_over_by', 'is not', null).where('revoked_at', 'is', null).orderBy('id').execute();
    for (const t of retired) {
      await u.tx.updateTable('tokens').set({ revoked_at: now }).where('id', '=', t.id).execute();
      await appendLog(u, { actor: actor.memberId, action: 'token.revoked', subject: `member/${memberId}`, payload: { tokenId: t.id, reason: 'replaced the token handed over' } });
    }
  }
  return { id: row.id, memberId, label, createdAt: row.created_at, revokedAt: null, handedOver, token: secret };
}

export async function revokeToken(u: Unit, actor: Actor, tokenId: string): Promise<{ id: string; revokedAt: string }> {
  const tok = await u.tx.selectFrom('tokens').selectAll().where('id', '=', tokenId).executeTakeFirst();
  if (!tok) throw new DomainError('not_found', `no token with id ${tokenId}`);
  const member = await getMember(u.tx, tok.member_id);
  // A member may always revoke its own token.
  if (member.id !== actor.memberId) authorize(actor, 'member.manage', { partyId: member.party_id, handover: true });
  if (tok.revoked_at) return { id: tok.id, revokedAt: tok.revoked_at };
  const revokedAt = nowIso(u.deps);
  await u.tx.updateTable('tokens').set({ revoked_at: revokedAt }).where('id', '=', tokenId).execute();
  await appendLog(u, { actor: actor.memberId, action: 'token.revoked', subject: `member/${member.id}`, payload: { tokenId } });
  return { id: tok.id, revokedAt };
}

export async function listTokens(tx: Tx, actor: Actor, memberId: string): Promise<{ id: string; memberId: string; label: string; createdAt: string; revokedAt: string | null; handedOver: boolean }[]> {
  const member = await getMember(tx, memberId);
  if (member.id !== actor.memberId) authorize(actor, 'member.manage', { partyId: member.party_id, handover: true });
  const rows = await tx.selectFrom('tokens').select(['id', 'member_id', 'label', 'created_at', 'revoked_at', 'handed_over_by']).where('member_id', '=', memberId).orderBy('created_at').execute();
  return rows.map((r) => ({ id: r.id, memberId: r.member_id, label: r.label, createdAt: r.created_at, revokedAt: r.revoked_at, handedOver: r.handed_over_by !== null }));
}

/** Resolves a bearer token to the acting member, or null. */
export async function authenticate(tx: Tx, token: string): Promise<(Actor & { memberName: string; partyName: string; tokenId: string; handedOver: boolean }) | null> {
  if (!token.startsWith('psg_') || token.length > 200) return null;
  const row = await tx
    .selectFrom('tokens')
    .innerJoin('members', 'members.id', 'tokens.member_id')
    .innerJoin('parties', 'parties.id', 'members.party_id')
    .select(['members.id as memberId', 'members.name as memberName', 'members.role as role', 'members.disabled_at as disabledAt', 'parties.id as partyId', 'parties.kind as partyKind', 'parties.name as partyName', 'tokens.revoked_at as revokedAt', 'tokens.handed_over_by as handedOverBy', 'tokens.id as tokenId'])
    .where('tokens.hash', '=', sha256Hex(token))
    .executeTakeFirst();
  if (!row || row.revokedAt || row.disabledAt) return null;
  return { memberId: row.memberId, memberName: row.memberName, role: row.role as Role, partyId: row.partyId, partyKind: row.partyKind as PartyKind, partyName: row.partyName, tokenId: row.tokenId, handedOver: row.handedOverBy !== null };
}

/** Registers a party's Ed25519 public key. Its kid is the RFC 7638 thumbprint. */
export async function registerKey(u: Unit, actor: Actor, partyId: string, jwk: z.infer<typeof Ed25519PublicJwk>): Promise<z.infer<typeof KeyView>> {
  authorize(actor, 'key.manage', { partyId });
  await getParty(u.tx, partyId);
  if (jwk.d !== undefined) throw new DomainError('key_invalid', 'this JWK contains a private key ("d"): send only the public key, and treat this one as compromised');
  const pub = { kty: 'OKP' as const, crv: 'Ed25519' as const, x: jwk.x };
  try {
    await importJWK(pub, 'EdDSA');
  } catch (e) {
    throw new DomainError('key_invalid', `not a usable Ed25519 public key: ${(e as Error).message}`);
  }
  const weak = weakPublicKey(new Uint8Array(Buffer.from(jwk.x, 'base64url')));
  if (weak) throw new DomainError('key_invalid', `not a usable Ed25519 public key: ${weak}`, { details: [{ path: '/jwk/x', message: weak }] });
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  if (jwk.kid !== undefined && jwk.kid !== kid) throw new DomainError('key_invalid', `kid must be the RFC 7638 thumbprint of the key (${kid})`);
  const existing = await u.tx.selectFrom('party_keys').selectAll().where('kid', '=', kid).executeTakeFirst();
  if (existing) {
    if (existing.party_id !== partyId) throw new DomainError('duplicate', 'this key is registered to another party');
    // A revoked key stays revoked: registering it again answered 201 with the revoked record,
    // and the app said "registered". Refused, saying why; a new key is what the party needs.
    if (existing.revoked_at !== null) {
      const why = existing.revocation_reason === 'compromised' ? 'was reported compromised' : 'was revoked';
      throw new DomainError('key_revoked', `this key ${why} (${existing.revoked_at}) and cannot be registered again: generate a new key pair`, { details: [{ path: '/jwk', message: 'a revoked key' }] });
    }
    return toKeyView(existing);
  }
  // The key's registration time is its log entry's: a compromise "since registration" (the
  // default) is then exactly the moment `passage verify` reads from the log, not a clock read a
  // few milliseconds earlier.
  const entry = await appendLog(u, { actor: actor.memberId, action: 'key.registered', subject: `party/${partyId}`, payload: { kid, jwk: pub } });
  const row = { kid, party_id: partyId, jwk: JSON.stringify(pub), created_at: entry.time, created_by: actor.memberId, revoked_at: null, revocation_reason: null, compromised_since: null, compromised_at: null };
  await u.tx.insertInto('party_keys').values(row).execute();
  return toKeyView(row);
}

/**
 * Revokes a key of the actor's own party, saying why (src/domain/key-revocation.ts). `superseded`
 * (routine rotation) only stops the key signing: every guarantee it made keeps binding and no
 * corridor changes. `compromised` also voids, in this same transaction, the guarantees it made at
 * or after `since` over terms still in play (src/domain/guarantee-rules.ts). A key retired as
 * superseded may later be declared compromised; a compromise is never withdrawn or moved.
 */
export async function revokeKey(u: Unit, actor: Actor, partyId: string, kid: string, request: RevocationRequest): Promise<z.infer<typeof KeyView> & { voidedCorridorIds: string[] }> {
  authorize(actor, 'key.manage', { partyId });
  // A compromise voids guarantees on the corridors this key signed: those are locked first, as
  // every corridor change locks its corridor before anything else (lockCorridors), so signing on
  // them at the same moment waits instead of deadlocking against this revocation.
  if (request.reason === 'compromised') await lockCorridors(u, await corridorsSignedWith(u.tx, kid));
  const q = u.tx.selectFrom('party_keys').selectAll().where('kid', '=', kid).where('party_id', '=', partyId);
  // PostgreSQL: two revocations of one key at once serialise here (the second sees the first's).
  const row = await (u.deps.store.engine === 'postgres' ? q.forUpdate() : q).executeTakeFirst();
  if (!row) throw new DomainError('not_found', `party ${partyId} has no key ${kid}`);
  const prior = storedRevocation({ revokedAt: row.revoked_at, reason: row.revocation_reason, compromisedSince: row.compromised_since, compromisedAt: row.compromised_at });
  const { change, voidSince } = resolveRevocation(request, { createdAt: row.created_at, revocation: prior }, nowIso(u.deps));
  if (change === null) return { ...toKeyView(row), voidedCorridorIds: [] };
  const updated = { ...row, revoked_at: change.revokedAt, revocation_reason: change.reason, compromised_since: change.compromisedSince, compromised_at: change.compromisedAt };
  await u.tx
    .updateTable('party_keys')
    .set({ revoked_at: updated.revoked_at, revocation_reason: updated.revocation_reason, compromised_since: updated.compromised_since, compromised_at: updated.compromised_at })
    .where('kid', '=', kid)
    .execute();
  // The log says why, and for a compromise from when: `passage verify` holds every voiding to it.
  await appendLog(u, { actor: actor.memberId, action: 'key.revoked', subject: `party/${partyId}`, payload: { kid, reason: change.reason, ...(voidSince !== null ? { since: voidSince } : {}) } });
  // What a compromised key signed from `since` on can no longer be told from a thief's signature:
  // those guarantees over terms still in play stop binding, in this same transaction.
  const voidedCorridorIds = voidSince === null ? [] : await voidGuaranteesOfCompromisedKey(u, actor, kid, voidSince);
  return { ...toKeyView(updated), voidedCorridorIds };
}
