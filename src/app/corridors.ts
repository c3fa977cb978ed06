import { sql } from 'kysely';
import type { EventType } from '../domain/event-types.js';
import { authorize, type Actor } from '../domain/authorization.js';
import { applyTransition, canApply, guaranteedSince, suspensionStart, type CorridorAction } from '../domain/corridor-lifecycle.js';
import { computeStatus, type CorridorStatus, type SuspensionRecord } from '../domain/corridor-status.js';
import { assertSignable, assertTermsChanged, assertTermsInput, buildTerms, canonicalJson, canonicalTermsBytes } from '../domain/corridor-terms.js';
import { DomainError } from '../domain/errors.js';
import { assertGuarantee, bindingGuarantors, guaranteeVoid, isFullyGuaranteed, type GuaranteeRecord } from '../domain/guarantee-rules.js';
import { storedRevocation, type KeyRevocation } from '../domain/key-revocation.js';
import { suspensionIncident } from '../domain/suspension-policy.js';
import { formatUtc, parseRfc3339 } from '../domain/windows.js';
import type { CorridorState, CorridorView, Terms, TermsInput } from '../schemas/corridor.js';
import type { IncidentKind } from '../schemas/incident.js';
import type { DB } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import { nowIso, type Unit } from './deps.js';
import { emitEvent } from './events.js';
import { jwsEvidence } from './jws.js';
import { appendLog } from './log.js';

type CorridorRow = DB['corridors'];
/** A stored guarantee, with the revocation of the key it was made with (nulls while it stands). */
type GuaranteeRow = DB['guarantees'] & {
  key_revoked_at: string | null;
  key_revocation_reason: string | null;
  key_compromised_since: string | null;
  key_compromised_at: string | null;
};
/** A stored suspension, with the kind and distribution of the confirmed incident that caused it (nulls for the mediator's own). */
type SuspensionRow = DB['suspensions'] & { incident_kind: string | null; incident_distribution: string | null };

export interface LoadedCorridor {
  readonly row: CorridorRow;
  readonly terms: Terms;
  readonly termsText: string;
  readonly guarantees: GuaranteeRow[];
  readonly suspensions: SuspensionRow[];
}

/** On PostgreSQL, locks the corridor row so concurrent signatures and amendments serialise. */
async function lockCorridor(u: Unit, id: string): Promise<void> {
  if (u.deps.store.engine === 'postgres') await sql`SELECT id FROM corridors WHERE id = ${id} FOR UPDATE`.execute(u.tx);
}

/**
 * Locks several corridors at once, in id order, before anything is appended to the log. Every
 * corridor change locks its corridor and then the log's one state row (appendLog); a use case
 * that changes several corridors and locked each only when it came to it would hold the log row
 * while waiting for the next corridor, and PostgreSQL broke the resulting deadlocks by failing
 * one request (a key's compromise voiding, an incident's confirmation). Lock order everywhere:
 * corridors (ascending id), then the log.
 */
export async function lockCorridors(u: Unit, ids: readonly string[]): Promise<void> {
  if (u.deps.store.engine !== 'postgres' || ids.length === 0) return;
  const sorted = [...new Set(ids)].sort();
  await sql`SELECT id FROM corridors WHERE id IN (${sql.join(sorted)}) ORDER BY id FOR UPDATE`.execute(u.tx);
}

/** The corridors a key has signed guarantees on. */
export async function corridorsSignedWith(tx: Tx, kid: string): Promise<string[]> {
  const rows = await tx.selectFrom('guarantees').select('corridor_id').where('kid', '=', kid).execute();
  return [...new Set(rows.map((r) => r.corridor_id))].sort();
}

export async function loadCorridor(tx: Tx, id: string): Promise<LoadedCorridor> {
  const [c] = await loadCorridors(tx, { ids: [id] });
  if (!c) throw new DomainError('not_found', `no corridor with id ${id}`);
  return c;
}

/**
 * Corridors with their current terms, guarantees and suspensions in four queries whatever their
 * number (not four per corridor), oldest first; all of them, or those with the given ids/states.
 * Each suspension carries its incident's kind and distribution (for members' views) unless
 * `incidents` is false: the public outputs, the scheduler and the zone index never show them,
 * and reading them would touch a row of the incidents table per suspension ever made.
 */
export async function loadCorridors(tx: Tx, filter: { ids?: readonly string[]; states?: readonly CorridorState[]; incidents?: boolean } = {}): Promise<LoadedCorridor[]> {
  if (filter.ids?.length === 0 || filter.states?.length === 0) return [];
  let q = tx.selectFrom('corridors').selectAll().orderBy('created_at').orderBy('id');
  if (filter.ids) q = q.where('id', 'in', [...filter.ids]);
  if (filter.states) q = q.where('state', 'in', [...filter.states]);
  const rows = await q.execute();
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  // Large selections read the child tables whole rather than through a huge IN list.
  const versions = await (ids.length <= 500
    ? tx.selectFrom('corridor_versions').select(['corridor_id', 'version', 'terms']).where('corridor_id', 'in', ids)
    : tx.selectFrom('corridor_versions').select(['corridor_id', 'version', 'terms'])
  ).execute();
  const gq = tx
    .selectFrom('guarantees')
    .leftJoin('party_keys', 'party_keys.kid', 'guarantees.kid')
    .selectAll('guarantees')
    .select(['party_keys.revoked_at as key_revoked_at', 'party_keys.revocation_reason as key_revocation_reason', 'party_keys.compromised_since as key_compromised_since', 'party_keys.compromised_at as key_compromised_at']);
  const guarantees: GuaranteeRow[] = await (ids.length <= 500 ? gq.where('guarantees.corridor_id', 'in', ids) : gq).orderBy('guarantees.created_at').orderBy('guarantees.id').execute();
  const sq =
    filter.incidents === false
      ? tx.selectFrom('suspensions').selectAll('suspensions').select([sql<string | null>`NULL`.as('incident_kind'), sql<string | null>`NULL`.as('incident_distribution')])
      : tx.selectFrom('suspensions').leftJoin('incidents', 'incidents.id', 'suspensions.incident_id').selectAll('suspensions').select(['incidents.kind as incident_kind', 'incidents.distribution as incident_distribution']);
  const suspensions: SuspensionRow[] = await (ids.length <= 500 ? sq.where('suspensions.corridor_id', 'in', ids) : sq).orderBy('suspensions.since').execute();
  const group = <T extends { corridor_id: string }>(xs: T[]): Map<string, T[]> => {
    const m = new Map<string, T[]>();
    for (const x of xs) m.set(x.corridor_id, [...(m.get(x.corridor_id) ?? []), x]);
    return m;
  };
  const current = new Map(rows.map((r) => [r.id, r.current_version]));
  const terms = new Map(versions.filter((v) => current.get(v.corridor_id) === Number(v.version)).map((v) => [v.corridor_id, v.terms]));
  const g = group(guarantees);
  const su = group(suspensions);
  return rows.map((row) => {
    const text = terms.get(row.id);
    if (text === undefined) throw new Error(`corridor ${row.id} has no terms for version ${row.current_version}`);
    return { row, terms: JSON.parse(text) as Terms, termsText: text, guarantees: g.get(row.id) ?? [], suspensions: su.get(row.id) ?? [] };
  });
}

/** A stored guarantee as the domain's rules on whether it binds read it. */
export function guaranteeRecord(g: GuaranteeRow): GuaranteeRecord {
  const r = keyRevocationOf(g);
  return { partyId: g.party_id, version: g.version, createdAt: g.created_at, keyCompromise: r?.compromisedSince ? { since: r.compromisedSince, declaredAt: r.compromisedAt ?? r.revokedAt } : null };
}

/** The revocation of the key a guarantee was made with, as the domain reads it (null while it stands). */
function keyRevocationOf(g: GuaranteeRow): KeyRevocation | null {
  return storedRevocation({ revokedAt: g.key_revoked_at, reason: g.key_revocation_reason, compromisedSince: g.key_compromised_since, compromisedAt: g.key_compromised_at });
}

/**
 * The parties whose guarantee of the corridor's current version binds (guarantee-rules.ts): not
 * those made with a key compromised at the time. With `at`: those whose guarantee bound at that instant.
 */
export function bindingParties(c: LoadedCorridor, at?: number): string[] {
  return bindingGuarantors(c.guarantees.map(guaranteeRecord), c.row.current_version, at);
}

/** Guarantees of the current version that the compromise of their key voided. */
function compromisedKeyGuarantees(c: LoadedCorridor): { partyId: string; kid: string; compromisedSince: string; keyRevokedAt: string }[] {
  return c.guarantees.flatMap((g) => {
    const record = guaranteeRecord(g);
    const k = record.keyCompromise;
    return k !== null && guaranteeVoid(record, c.row.current_version) === 'key_compromised' ? [{ partyId: g.party_id, kid: g.kid, compromisedSince: k.since, keyRevokedAt: k.declaredAt }] : [];
  });
}

export function toCorridorView(c: LoadedCorridor): CorridorView {
  return {
    id: c.row.id,
    title: c.row.title,
    state: c.row.state as CorridorState,
    version: c.row.current_version,
    proposerPartyId: c.row.proposer_party_id,
    createdAt: c.row.created_at,
    updatedAt: c.row.updated_at,
    terms: c.terms,
    guarantees: c.guarantees.map((g) => ({
      id: g.id,
      corridorId: g.corridor_id,
      partyId: g.party_id,
      memberId: g.member_id,
      kid: g.kid,
      version: g.version,
      jws: g.jws,
      valid: guaranteeVoid(guaranteeRecord(g), c.row.current_version) === null,
      keyRevokedAt: g.key_revoked_at,
      keyRevocationReason: keyRevocationOf(g)?.reason ?? null,
      keyCompromisedSince: keyRevocationOf(g)?.compromisedSince ?? null,
      createdAt: g.created_at,
    })),
    suspensions: c.suspensions.map((s) => ({
      id: s.id,
      since: s.since,
      until: s.until,
      reason: s.reason,
      incident: incidentOfSuspension(s),
      suspendedBy: s.suspended_by,
      resumedBy: s.resumed_by,
      resumeReason: s.resume_reason,
    })),
  };
}

async function termsContext(tx: Tx): Promise<{ partyExists: (id: string) => boolean; agreementExists: (id: string) => boolean }> {
  const parties = new Set((await tx.selectFrom('parties').select('id').execute()).map((r) => r.id));
  const agreements = new Set((await tx.selectFrom('agreements').select('id').execute()).map((r) => r.id));
  return { partyExists: (id) => parties.has(id), agreementExists: (id) => agreements.has(id) };
}

/** Tells subscribers (SSE, webhooks, feeds) what happened to a corridor; every member may see corridors. */
async function corridorEvent(u: Unit, id: string, type: EventType, extra: Record<string, unknown> = {}): Promise<void> {
  const c = await loadCorridor(u.tx, id);
  await emitEvent(u, { type, subject: `corridor/${id}`, corridorId: id, payload: { corridorId: id, title: c.terms.title, version: c.row.current_version, state: c.row.state, ...extra } });
}

async function setState(u: Unit, c: LoadedCorridor, state: CorridorState, extra: Partial<CorridorRow> = {}): Promise<void> {
  await u.tx
    .updateTable('corridors')
    .set({ state, updated_at: nowIso(u.deps), ...extra })
    .where('id', '=', c.row.id)
    .execute();
}

export async function proposeCorridor(u: Unit, actor: Actor, input: TermsInput & { draft?: boolean }): Promise<CorridorView> {
  authorize(actor, 'corridor.propose');
  const { draft, ...termsInput } = input;
  assertTermsInput(termsInput, await termsContext(u.tx));
  const id = u.deps.newId('cor');
  const terms = buildTerms(id, 1, termsInput);
  assertSignable(canonicalJson(terms), 'the terms');
  const text = canonicalJson(terms);
  const now = nowIso(u.deps);
  const state: CorridorState = draft ? 'draft' : applyTransition('draft', 'propose');
  await u.tx.insertInto('corridors').values({ id, state, current_version: 1, proposer_party_id: actor.partyId, title: terms.title, created_at: now, updated_at: now }).execute();
  await u.tx.insertInto('corridor_versions').values({ corridor_id: id, version: 1, terms: text, created_at: now, created_by: actor.memberId }).execute();
  await appendLog(u, { actor: actor.memberId, action: draft ? 'corridor.drafted' : 'corridor.proposed', subject: `corridor/${id}`, payload: { terms } });
  if (!draft) await corridorEvent(u, id, 'corridor.proposed');
  return toCorridorView(await loadCorridor(u.tx, id));
}

function assertBaseVersion(c: LoadedCorridor, baseVersion: number | undefined): void {
  if (baseVersion === undefined) {
    throw new DomainError('precondition_required', `say which version you change: send If-Match: "${c.row.current_version}" or baseVersion`, {
      extra: { currentVersion: c.row.current_version },
    });
  }
  if (baseVersion !== c.row.current_version) {
    throw new DomainError('version_conflict', `the corridor is at version ${c.row.current_version}, not ${baseVersion}; reload and apply your change again`, {
      extra: { currentVersion: c.row.current_version },
    });
  }
}

/** Amends the terms: a new version, back to proposed; guarantees of earlier versions no longer count. */
export async function amendCorridor(u: Unit, actor: Actor, id: string, body: { baseVersion?: number | undefined; terms: TermsInput; reason: string }): Promise<CorridorView> {
  await lockCorridor(u, id);
  const c = await loadCorridor(u.tx, id);
  authorize(actor, 'corridor.amend', { proposerPartyId: c.row.proposer_party_id });
  const next = applyTransition(c.row.state as CorridorState, 'amend');
  assertBaseVersion(c, body.baseVersion);
  assertTermsInput(body.terms, await termsContext(u.tx));
  const version = c.row.current_version + 1;
  const terms = buildTerms(id, version, body.terms);
  assertSignable(canonicalJson(terms), 'the terms');
  assertTermsChanged(c.terms, terms);
  // The corridor as it stood a moment ago: open, it closes now (the new terms await guarantees).
  const before = statusOf(c, u.deps.now(), await partyNames(u.tx));
  const now = nowIso(u.deps);
  await u.tx.insertInto('corridor_versions').values({ corridor_id: id, version, terms: canonicalJson(terms), created_at: now, created_by: actor.memberId }).execute();
  const updated = await u.tx
    .updateTable('corridors')
    .set({ state: next, current_version: version, title: terms.title, updated_at: now })
    .where('id', '=', id)
    .where('current_version', '=', c.row.current_version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new DomainError('version_conflict', 'the corridor changed while amending; reload and retry');
  // A suspension in force outlives the amendment: only the mediator ends one (resume). The new
  // version, once every guarantor signs it, is guaranteed but suspended.
  const voided = c.guarantees.filter((g) => guaranteeVoid(guaranteeRecord(g), c.row.current_version) === null).map((g) => g.id);
  await appendLog(u, { actor: actor.memberId, action: 'corridor.amended', subject: `corridor/${id}`, payload: { fromVersion: c.row.current_version, reason: body.reason, terms, voidedGuarantees: voided } });
  await corridorEvent(u, id, 'corridor.amended', { reason: body.reason, voidedGuarantees: voided.length });
  // Announced as closed, as a window's end is (and as a compromised key's voiding is), so the
  // public CAP alert says it closed early (an Update: seek shelter): no ceasefire holds under
  // terms not yet guaranteed.
  if (before.open && before.currentWindow) {
    const w = before.currentWindow;
    await emitEvent(u, { type: 'corridor.closed', subject: `corridor/${id}`, corridorId: id, payload: { corridorId: id, title: c.terms.title, version: c.row.current_version, window: { start: w.start, end: w.end, timeZone: w.timeZone }, state: 'closed', at: formatUtc(u.deps.now()) } });
  }
  return toCorridorView(await loadCorridor(u.tx, id));
}

/** Withdraw, reject, propose a draft: transitions that only need a reason. */
export async function transitionCorridor(u: Unit, actor: Actor, id: string, action: Extract<CorridorAction, 'withdraw' | 'reject' | 'propose'>, body: { reason?: string; baseVersion?: number | undefined }): Promise<CorridorView> {
  await lockCorridor(u, id);
  const c = await loadCorridor(u.tx, id);
  const target = { proposerPartyId: c.row.proposer_party_id, requiredGuarantors: c.terms.requiredGuarantors };
  authorize(actor, action === 'propose' ? 'corridor.amend' : action === 'withdraw' ? 'corridor.withdraw' : 'corridor.reject', target);
  const next = applyTransition(c.row.state as CorridorState, action);
  if (body.baseVersion !== undefined) assertBaseVersion(c, body.baseVersion);
  await setState(u, c, next);
  const verb = ({ withdraw: 'withdrawn', reject: 'rejected', propose: 'proposed' } as const)[action];
  await appendLog(u, { actor: actor.memberId, action: `corridor.${verb}`, subject: `corridor/${id}`, payload: { version: c.row.current_version, reason: body.reason ?? '' } });
  await corridorEvent(u, id, `corridor.${verb}`, { reason: body.reason ?? '' });
  return toCorridorView(await loadCorridor(u.tx, id));
}

/**
 * Suspends a guaranteed corridor from `since` (default now). A `since` before its previous
 * suspension ended is refused, or with `clampSince` (an incident that happened earlier,
 * confirmed now) moved up to that instant. `incidentId`: the confirmed incident that caused it.
 */
export async function suspendCorridor(u: Unit, actor: Actor, id: string, body: { reason: string; since?: string | undefined }, opts: { clampSince?: boolean; incidentId?: string } = {}): Promise<CorridorView> {
  authorize(actor, 'corridor.suspend');
  await lockCorridor(u, id);
  const c = await loadCorridor(u.tx, id);
  const next = applyTransition(c.row.state as CorridorState, 'suspend');
  const now = u.deps.now();
  const requested = body.since === undefined ? undefined : parseRfc3339(body.since);
  if (body.since !== undefined && requested === undefined) throw new DomainError('invalid_time', `since is not an RFC 3339 date-time: ${body.since}`, { details: [{ path: '/since', message: 'not RFC 3339' }] });
  const ended = c.suspensions.flatMap((s) => (s.until === null ? [] : [Date.parse(s.until)]));
  const standing = c.guarantees.filter((g) => guaranteeVoid(guaranteeRecord(g), c.row.current_version) === null).map((g) => ({ partyId: g.party_id, createdAt: g.created_at }));
  const windowStarts = c.terms.windows.map((w) => parseRfc3339(w.start) ?? Number.NaN);
  const since = suspensionStart(requested, now, ended, opts.clampSince, guaranteedSince(c.terms.requiredGuarantors, standing, windowStarts));
  const row = { id: u.deps.newId('sus'), corridor_id: id, since: new Date(since).toISOString(), until: null, reason: body.reason, suspended_by: actor.memberId, resumed_by: null, resume_reason: null, incident_id: opts.incidentId ?? null };
  await u.tx.insertInto('suspensions').values(row).execute();
  await setState(u, c, next);
  await appendLog(u, { actor: actor.memberId, action: 'corridor.suspended', subject: `corridor/${id}`, payload: { suspensionId: row.id, since: row.since, reason: body.reason, version: c.row.current_version } });
  await corridorEvent(u, id, 'corridor.suspended', { since: row.since, reason: body.reason, suspensionId: row.id });
  return toCorridorView(await loadCorridor(u.tx, id));
}

export async function resumeCorridor(u: Unit, actor: Actor, id: string, body: { reason: string }): Promise<CorridorView> {
  authorize(actor, 'corridor.resume');
  await lockCorridor(u, id);
  const c = await loadCorridor(u.tx, id);
  const next = applyTransition(c.row.state as CorridorState, 'resume');
  const now = nowIso(u.deps);
  await u.tx.updateTable('suspensions').set({ until: now, resumed_by: actor.memberId, resume_reason: body.reason }).where('corridor_id', '=', id).where('until', 'is', null).execute();
  await setState(u, c, next);
  await appendLog(u, { actor: actor.memberId, action: 'corridor.resumed', subject: `corridor/${id}`, payload: { reason: body.reason, version: c.row.current_version } });
  await corridorEvent(u, id, 'corridor.resumed', { reason: body.reason, at: now });
  return toCorridorView(await loadCorridor(u.tx, id));
}

/** The exact RFC 8785 bytes of a version's terms. */
export async function getTermsText(tx: Tx, id: string, version?: number): Promise<{ text: string; version: number }> {
  const row = await tx.selectFrom('corridors').select('current_version').where('id', '=', id).executeTakeFirst();
  if (!row) throw new DomainError('not_found', `no corridor with id ${id}`);
  const v = version ?? row.current_version;
  const ver = await tx.selectFrom('corridor_versions').select('terms').where('corridor_id', '=', id).where('version', '=', v).executeTakeFirst();
  if (!ver) throw new DomainError('not_found', `corridor ${id} has no version ${v} (current: ${row.current_version})`);
  return { text: ver.terms, version: v };
}

/** Verifies and records one party's guarantee over the current terms. */
export async function submitGuarantee(u: Unit, actor: Actor, id: string, jws: string): Promise<CorridorView> {
  authorize(actor, 'corridor.sign');
  await lockCorridor(u, id);
  const c = await loadCorridor(u.tx, id);
  const state = c.row.state as CorridorState;
  const evidence = await jwsEvidence(u.tx, jws.trim(), { lockKey: u.deps.store.engine === 'postgres' });
  // A guarantee voided by its key's revocation does not count: the party signs again.
  const current = bindingParties(c);
  assertGuarantee(evidence, {
    signerPartyId: actor.partyId,
    currentTerms: canonicalTermsBytes(c.terms),
    currentVersion: c.row.current_version,
    requiredGuarantors: c.terms.requiredGuarantors,
    signedParties: current,
  });
  const fullyGuaranteed = isFullyGuaranteed(c.terms.requiredGuarantors, [...current, actor.partyId]);
  const next = applyTransition(state, 'sign', { fullyGuaranteed, suspensionInForce: c.suspensions.some((s) => s.until === null) });
  const given = { id: u.deps.newId('gua'), corridor_id: id, version: c.row.current_version, party_id: actor.partyId, member_id: actor.memberId, kid: String(evidence.kid), jws: jws.trim() };
  // Recorded at its log entry's time: whether a compromise's `since` voids it is then the same
  // question for the corridor view and for `passage verify`, which reads the entry's time.
  const entry = await appendLog(u, { actor: actor.memberId, action: 'guarantee.given', subject: `corridor/${id}`, payload: { guaranteeId: given.id, partyId: actor.partyId, version: given.version, kid: given.kid, jws: given.jws } });
  const row = { ...given, created_at: entry.time };
  await u.tx.insertInto('guarantees').values(row).execute();
  await setState(u, c, next);
  // Every guarantee is announced, the last one too: `corridor.guaranteed` names no party.
  await corridorEvent(u, id, 'guarantee.given', { partyId: actor.partyId });
  if (fullyGuaranteed) {
    await appendLog(u, { actor: 'system', action: 'corridor.guaranteed', subject: `corridor/${id}`, payload: { version: row.version, guarantors: c.terms.requiredGuarantors } });
    await corridorEvent(u, id, 'corridor.guaranteed');
    // Guaranteed inside one of its windows, it opens now: say so, as the scheduler does when a
    // window starts (the feeds' CAP alert chain begins here; the window's end closes it).
    const now = u.deps.now();
    const st = statusOf(await loadCorridor(u.tx, id), now, await partyNames(u.tx));
    if (st.open && st.currentWindow) {
      const window = { start: st.currentWindow.start, end: st.currentWindow.end, timeZone: st.currentWindow.timeZone };
      await emitEvent(u, { type: 'corridor.opened', subject: `corridor/${id}`, corridorId: id, payload: { corridorId: id, title: c.terms.title, version: row.version, window, state: 'open', at: formatUtc(now) } });
    }
  }
  return toCorridorView(await loadCorridor(u.tx, id));
}

/**
 * After a party declared its key compromised from `since` (in this transaction): voids the
 * guarantees that key made at or after `since` over the current version of each corridor still in
 * play, returning it to proposed (a suspension in force stays: see corridor-lifecycle.ts); those
 * made before `since` stand. The party signs again with a key that stands. Each corridor's voiding
 * is logged (`guarantee.voided`, with the `since` it follows from) and announced; one that was open
 * at this moment is announced as closed, as a window's end is, so the public alert says it closed early.
 * Corridors past their last window, withdrawn or rejected keep their state: the view still shows
 * the guarantee void. Returns the ids of the corridors whose guarantees were voided.
 */
export async function voidGuaranteesOfCompromisedKey(u: Unit, actor: Actor, kid: string, since: string): Promise<string[]> {
  const ids = await corridorsSignedWith(u.tx, kid);
  await lockCorridors(u, ids); // all of them before the first voiding is logged
  const names = await partyNames(u.tx);
  const now = u.deps.now();
  const voidedIn: string[] = [];
  for (const id of ids) {
    await lockCorridor(u, id);
    const c = await loadCorridor(u.tx, id);
    const voided = c.guarantees.filter((g) => g.kid === kid && guaranteeVoid(guaranteeRecord(g), c.row.current_version) === 'key_compromised');
    const state = c.row.state as CorridorState;
    if (voided.length === 0 || !canApply(state, 'void')) continue;
    // The corridor as it stood a moment ago, before the compromise was declared.
    const before = statusOf({ ...c, guarantees: c.guarantees.map((g) => (g.kid === kid ? { ...g, key_revocation_reason: 'superseded', key_compromised_since: null, key_compromised_at: null } : g)) }, now, names);
    if (before.state === 'closed') continue;
    await setState(u, c, applyTransition(state, 'void'));
    const partyId = voided[0]?.party_id ?? '';
    const guaranteeIds = voided.map((g) => g.id);
    await appendLog(u, { actor: actor.memberId, action: 'guarantee.voided', subject: `corridor/${id}`, payload: { guaranteeIds, partyId, kid, version: c.row.current_version, reason: 'key compromised', since } });
    await corridorEvent(u, id, 'guarantee.voided', { partyId, kid, guaranteeIds, reason: 'key_compromised', since });
    if (before.open && before.currentWindow) {
      const w = before.currentWindow;
      await emitEvent(u, { type: 'corridor.closed', subject: `corridor/${id}`, corridorId: id, payload: { corridorId: id, title: c.terms.title, version: c.row.current_version, window: { start: w.start, end: w.end, timeZone: w.timeZone }, state: 'closed', at: formatUtc(now) } });
    }
    voidedIn.push(id);
  }
  return voidedIn;
}

export interface CorridorFilter {
  readonly state?: CorridorState | undefined;
  readonly party?: string | undefined;
  readonly agreement?: string | undefined;
  readonly purpose?: string | undefined;
  readonly openAt?: number | undefined;
}

export async function listCorridors(tx: Tx, filter: CorridorFilter = {}): Promise<CorridorView[]> {
  const out: CorridorView[] = [];
  const names = await partyNames(tx);
  for (const c of await loadCorridors(tx, filter.state ? { states: [filter.state] } : {})) {
    const t = c.terms;
    if (filter.party && c.row.proposer_party_id !== filter.party && !t.requiredGuarantors.includes(filter.party)) continue;
    if (filter.agreement && t.agreementId !== filter.agreement) continue;
    if (filter.purpose && !t.purposes.includes(filter.purpose as never)) continue;
    if (filter.openAt !== undefined && !statusOf(c, filter.openAt, names).open) continue;
    out.push(toCorridorView(c));
  }
  return out;
}

async function partyNames(tx: Tx): Promise<Map<string, string>> {
  return new Map((await tx.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
}

/** The confirmed incident that caused a suspension (kind; id unless the report is restricted), or null for the mediator's own. */
export function incidentOfSuspension(s: SuspensionRow): { id: string | null; kind: IncidentKind } | null {
  if (s.incident_id === null || s.incident_kind === null) return null;
  return suspensionIncident({ id: s.incident_id, kind: s.incident_kind as IncidentKind, distribution: s.incident_distribution === null ? null : (JSON.parse(s.incident_distribution) as string[]) });
}

function suspensionRecords(rows: readonly SuspensionRow[]): SuspensionRecord[] {
  return rows.map((s) => ({ id: s.id, since: Date.parse(s.since), until: s.until === null ? null : Date.parse(s.until), reason: s.reason }));
}

export function statusOf(c: LoadedCorridor, at: number, names: Map<string, string>): CorridorStatus {
  return computeStatus({
    corridorId: c.row.id,
    version: c.row.current_version,
    state: c.row.state as CorridorState,
    windows: c.terms.windows,
    requiredGuarantors: c.terms.requiredGuarantors.map((id) => ({ id, name: names.get(id) ?? id })),
    signedParties: bindingParties(c),
    compromisedKeyGuarantees: compromisedKeyGuarantees(c),
    suspensions: suspensionRecords(c.suspensions),
    at,
  });
}

export async function corridorStatus(tx: Tx, id: string, at: number): Promise<CorridorStatus> {
  return statusOf(await loadCorridor(tx, id), at, await partyNames(tx));
}
