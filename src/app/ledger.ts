/**
 * The negotiation ledger's use cases (issue 8). Each write is one transaction: the entry's new
 * version, its current-state row and a log entry land together. Nothing is deleted; a correction
 * is a new version with a reason. Every read takes the viewer (null: anonymous) and returns only
 * what that viewer may read; an entry it may not read is "not found", never "forbidden".
 *
 * The log commits to every version. Public versions are logged in full; for entries shared with
 * the parties or kept by the mediator the log holds the SHA-256 of the version's canonical JSON
 * instead, so the log (readable by every member) never discloses them, yet still binds them.
 */
import { sql, type Kysely } from 'kysely';
import { authorize, type Actor } from '../domain/authorization.js';
import { assertSignable, canonicalJson } from '../domain/corridor-terms.js';
import { DomainError } from '../domain/errors.js';
import { signedWhileCompromised } from '../domain/guarantee-rules.js';
import { storedRevocation } from '../domain/key-revocation.js';
import {
  assertPositionInput,
  assertProtocolInput,
  assertRoundInput,
  assertStatementInput,
  buildProtocolText,
  canReadEntry,
  latestToday,
  ledgerTimeline,
  normaliseRound,
  openPoints,
  positionMatrix,
  readableVisibilities,
  requiredSignatories,
  type EntryConcerns,
  type LedgerContext,
} from '../domain/ledger.js';
import { assertProtocolSignature, assertRoundStarted, assertSignatories, countingSignatories, isProtocolSigned, protocolKeyNotes, signatureCounts, type ProtocolSignatureRecord } from '../domain/ledger-protocol.js';
import type {
  AgendaItemInput,
  AgendaItemView,
  LedgerExport,
  PublicLedgerExport,
  PositionInput,
  PositionView,
  ProtocolInput,
  ProtocolText,
  ProtocolView,
  RoundBody,
  RoundInput,
  RoundView,
  StatementInput,
  StatementView,
  Visibility,
} from '../schemas/ledger.js';
import type { LedgerTables } from '../store/migrations/0003-ledger.js';
import type { DB } from '../store/schema.js';
import type { Tx } from '../store/store.js';
import { nowIso, sha256Hex, type Unit } from './deps.js';
import { jwsEvidence } from './jws.js';
import { appendLog } from './log.js';

type LedgerDb = Kysely<DB & LedgerTables>;
type EntryRow = LedgerTables['ledger_entries'];
type Kind = 'agenda_item' | 'round' | 'position' | 'statement' | 'protocol';

/** The ledger's tables on a handle or transaction. */
export function ledgerDb(tx: Tx): LedgerDb {
  return tx.withTables<LedgerTables>() as unknown as LedgerDb;
}

const PREFIX: Record<Exclude<Kind, 'agenda_item'>, string> = { round: 'rnd', position: 'pos', statement: 'stm', protocol: 'prt' };
const NOUN: Record<Kind, string> = { agenda_item: 'agenda item', round: 'round', position: 'position', statement: 'statement', protocol: 'protocol' };

// ---- rows and views -------------------------------------------------------------------------

interface Located {
  readonly visibility: Visibility;
  readonly roundId: string | null;
  readonly itemId: string | null;
  readonly partyId: string | null;
  readonly occurredOn: string;
}

function meta(row: EntryRow, reason: string) {
  return { version: row.current_version, createdAt: row.created_at, createdBy: row.created_by, updatedAt: row.updated_at, reason };
}

async function lastReasons(tx: Tx, rows: readonly EntryRow[]): Promise<Map<string, string>> {
  if (rows.length === 0) return new Map();
  const versions = await ledgerDb(tx)
    .selectFrom('ledger_versions')
    .select(['entry_id', 'version', 'reason'])
    .where('entry_id', 'in', rows.map((r) => r.id))
    .execute();
  const current = new Map(rows.map((r) => [r.id, r.current_version]));
  return new Map(versions.filter((v) => current.get(v.entry_id) === Number(v.version)).map((v) => [v.entry_id, v.reason]));
}

/** The parties that signed a version of each protocol (or of `protocolId`). */
async function signersOf(tx: Tx, protocolId?: string): Promise<Map<string, string[]>> {
  let q = ledgerDb(tx).selectFrom('ledger_signatures').select(['protocol_id', 'party_id']);
  if (protocolId !== undefined) q = q.where('protocol_id', '=', protocolId);
  const map = new Map<string, string[]>();
  for (const s of await q.execute()) map.set(s.protocol_id, [...(map.get(s.protocol_id) ?? []), s.party_id]);
  return map;
}

/** Whom an entry concerns whatever its visibility (domain/ledger.ts, `isConcerned`). */
function concernsOf(row: Pick<EntryRow, 'kind' | 'party_id' | 'body' | 'id'>, signers: Map<string, string[]>): EntryConcerns {
  if (row.kind !== 'protocol') return { kind: row.kind, partyId: row.party_id };
  return { kind: row.kind, partyId: null, signatories: [...(JSON.parse(row.body) as ProtocolBody).text.signatories, ...(signers.get(row.id) ?? [])] };
}

async function rowsOf(tx: Tx, kind: Kind, viewer: Actor | null): Promise<EntryRow[]> {
  let q = ledgerDb(tx).selectFrom('ledger_entries').selectAll().where('kind', '=', kind);
  // A party reads its own positions and the protocols it signs whatever their visibility: filtered below.
  if (viewer === null || (kind !== 'position' && kind !== 'protocol')) q = q.where('visibility', 'in', readableVisibilities(viewer));
  const rows = await q.orderBy('occurred_on').orderBy('created_at').orderBy('id').execute();
  const signers = kind === 'protocol' && viewer !== null ? await signersOf(tx) : new Map<string, string[]>();
  return rows.filter((r) => canReadEntry(viewer, r.visibility, concernsOf(r, signers))).map((r) => ({ ...r, current_version: Number(r.current_version) }));
}

async function rowOf(tx: Tx, kind: Kind, id: string, viewer: Actor | null): Promise<EntryRow> {
  const row = await ledgerDb(tx).selectFrom('ledger_entries').selectAll().where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
  // An entry the viewer may not read does not exist for them.
  if (!row || !canReadEntry(viewer, row.visibility, concernsOf(row, kind === 'protocol' ? await signersOf(tx, id) : new Map()))) throw new DomainError('not_found', `no ${NOUN[kind]} with id ${id}`);
  return { ...row, current_version: Number(row.current_version) };
}

/** Whom the entry `id` concerns, to judge which of its versions a viewer reads. */
async function entryConcerns(tx: Tx, row: Pick<EntryRow, 'kind' | 'party_id' | 'body' | 'id'>): Promise<EntryConcerns> {
  return concernsOf(row, row.kind === 'protocol' ? await signersOf(tx, row.id) : new Map());
}

function agendaItemView(row: EntryRow, reason: string): AgendaItemView {
  const body = JSON.parse(row.body) as Omit<AgendaItemInput, 'id'>;
  return { id: row.id, title: body.title, description: body.description, visibility: row.visibility as Visibility, ...meta(row, reason) };
}

function positionView(row: EntryRow, reason: string): PositionView {
  return { id: row.id, ...(JSON.parse(row.body) as PositionInput), ...meta(row, reason) };
}

function statementView(row: EntryRow, reason: string): StatementView {
  return { id: row.id, ...(JSON.parse(row.body) as StatementInput), ...meta(row, reason) };
}

interface ProtocolBody {
  readonly input: ProtocolInput;
  readonly text: ProtocolText;
}

// ---- writing --------------------------------------------------------------------------------

async function logVersion(u: Unit, actor: Actor, action: string, id: string, kind: Kind, version: number, visibility: Visibility, reason: string, bodyText: string, extra: Record<string, unknown> = {}): Promise<void> {
  const payload = {
    kind,
    id,
    version,
    visibility,
    reason,
    sha256: sha256Hex(bodyText),
    ...(visibility === 'public' ? { body: JSON.parse(bodyText) as unknown } : {}),
    ...extra,
  };
  // A version not every member may read is logged as a commitment only: its reason too is for its readers.
  await appendLog(u, { actor: actor.memberId, action, subject: `ledger/${id}`, payload, restricted: visibility !== 'public' });
}

async function insertEntry(u: Unit, actor: Actor, id: string, kind: Kind, at: Located, body: unknown): Promise<void> {
  const db = ledgerDb(u.tx);
  const now = nowIso(u.deps);
  const text = canonicalJson(body);
  await db
    .insertInto('ledger_entries')
    .values({ id, kind, current_version: 1, visibility: at.visibility, round_id: at.roundId, item_id: at.itemId, party_id: at.partyId, occurred_on: at.occurredOn, body: text, created_at: now, created_by: actor.memberId, updated_at: now })
    .execute();
  await db.insertInto('ledger_versions').values({ entry_id: id, version: 1, body: text, visibility: at.visibility, reason: 'recorded', created_at: now, created_by: actor.memberId }).execute();
  await logVersion(u, actor, `ledger.${kind}.recorded`, id, kind, 1, at.visibility, 'recorded', text);
}

function assertBase(row: EntryRow, baseVersion: number): void {
  if (baseVersion !== row.current_version) {
    throw new DomainError('version_conflict', `the ${NOUN[row.kind as Kind]} is at version ${row.current_version}, not ${baseVersion}; reload and apply your correction again`, {
      extra: { currentVersion: row.current_version },
    });
  }
}

async function lockEntry(u: Unit, id: string): Promise<void> {
  if (u.deps.store.engine === 'postgres') await sql`SELECT id FROM ledger_entries WHERE id = ${id} FOR UPDATE`.execute(u.tx);
}

async function reviseEntry(u: Unit, actor: Actor, row: EntryRow, baseVersion: number, reason: string, at: Located, body: unknown): Promise<number> {
  assertBase(row, baseVersion);
  const db = ledgerDb(u.tx);
  const now = nowIso(u.deps);
  const text = canonicalJson(body);
  const version = row.current_version + 1;
  await db.insertInto('ledger_versions').values({ entry_id: row.id, version, body: text, visibility: at.visibility, reason, created_at: now, created_by: actor.memberId }).execute();
  const updated = await db
    .updateTable('ledger_entries')
    .set({ current_version: version, visibility: at.visibility, round_id: at.roundId, item_id: at.itemId, party_id: at.partyId, occurred_on: at.occurredOn, body: text, updated_at: now })
    .where('id', '=', row.id)
    .where('current_version', '=', row.current_version)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) throw new DomainError('version_conflict', `the ${NOUN[row.kind as Kind]} changed while correcting it; reload and retry`);
  await logVersion(u, actor, `ledger.${row.kind}.corrected`, row.id, row.kind as Kind, version, at.visibility, reason, text, { fromVersion: row.current_version });
  return version;
}

/** Each party's kind (`belligerent`, `mediator`, …). */
async function partyKinds(tx: Tx): Promise<Map<string, string>> {
  return new Map((await tx.selectFrom('parties').select(['id', 'kind']).execute()).map((p) => [p.id, p.kind]));
}

/** What validation needs, as the writer sees the ledger. */
async function context(u: Unit, viewer: Actor): Promise<LedgerContext> {
  const tx = u.tx;
  const kinds = await partyKinds(tx);
  const itemRows = await rowsOf(tx, 'agenda_item', viewer);
  const items = new Set(itemRows.map((r) => r.id));
  const itemVisibility = new Map(itemRows.map((r) => [r.id, r.visibility]));
  const rounds = (await rowsOf(tx, 'round', viewer)).map((r) => ({ id: r.id, body: JSON.parse(r.body) as RoundBody }));
  const byId = new Map(rounds.map((r) => [r.id, r.body]));
  const positions = (await rowsOf(tx, 'position', viewer)).map((r) => ({ id: r.id, ...(JSON.parse(r.body) as PositionInput) }));
  return {
    partyExists: (id) => kinds.has(id),
    partyKind: (id) => kinds.get(id),
    itemExists: (id) => items.has(id),
    itemVisibility: (id) => itemVisibility.get(id),
    round: (id) => byId.get(id),
    otherRounds: rounds.map((r) => ({ id: r.id, number: r.body.number, startDate: r.body.startDate })),
    today: latestToday(u.deps.now()),
    positionsOf: (partyId, itemId, exceptId) => positions.filter((p) => p.partyId === partyId && p.itemId === itemId && p.id !== exceptId),
  };
}

// ---- agenda items ---------------------------------------------------------------------------

export async function createAgendaItem(u: Unit, actor: Actor, input: AgendaItemInput): Promise<AgendaItemView> {
  authorize(actor, 'ledger.record');
  const exists = await ledgerDb(u.tx).selectFrom('ledger_entries').select('id').where('id', '=', input.id).executeTakeFirst();
  if (exists) throw new DomainError('duplicate', `agenda item ${input.id} already exists; correct it instead`);
  const { id, ...body } = input;
  await insertEntry(u, actor, id, 'agenda_item', { visibility: input.visibility, roundId: null, itemId: id, partyId: null, occurredOn: '0000-00-00' }, body);
  return getAgendaItem(u.tx, actor, id);
}

export async function reviseAgendaItem(u: Unit, actor: Actor, id: string, rev: { baseVersion: number; reason: string; item: Omit<AgendaItemInput, 'id'> }): Promise<AgendaItemView> {
  authorize(actor, 'ledger.record');
  await lockEntry(u, id);
  const row = await rowOf(u.tx, 'agenda_item', id, actor);
  await reviseEntry(u, actor, row, rev.baseVersion, rev.reason, { visibility: rev.item.visibility, roundId: null, itemId: id, partyId: null, occurredOn: '0000-00-00' }, rev.item);
  return getAgendaItem(u.tx, actor, id);
}

export async function listAgendaItems(tx: Tx, viewer: Actor | null): Promise<AgendaItemView[]> {
  const rows = await rowsOf(tx, 'agenda_item', viewer);
  const reasons = await lastReasons(tx, rows);
  return rows.map((r) => agendaItemView(r, reasons.get(r.id) ?? '')).sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

export async function getAgendaItem(tx: Tx, viewer: Actor | null, id: string): Promise<AgendaItemView> {
  const row = await rowOf(tx, 'agenda_item', id, viewer);
  return agendaItemView(row, (await lastReasons(tx, [row])).get(id) ?? '');
}

// ---- rounds ---------------------------------------------------------------------------------

async function protocolIdsByRound(tx: Tx, viewer: Actor | null): Promise<Map<string, string[]>> {
  const map = new Map<string, string[]>();
  for (const p of await rowsOf(tx, 'protocol', viewer)) {
    if (p.round_id === null) continue;
    map.set(p.round_id, [...(map.get(p.round_id) ?? []), p.id]);
  }
  return map;
}

/** A round as the viewer sees it: agenda entries on items hidden from them are left out. */
function roundView(row: EntryRow, reason: string, visibleItems: Set<string>, protocolIds: string[]): RoundView {
  const body = JSON.parse(row.body) as RoundBody;
  return { id: row.id, ...body, agenda: body.agenda.filter((a) => visibleItems.has(a.itemId)), ...meta(row, reason), protocolIds };
}

export async function createRound(u: Unit, actor: Actor, input: RoundInput): Promise<RoundView> {
  authorize(actor, 'ledger.record');
  assertRoundInput(input, await context(u, actor));
  const body = normaliseRound(input);
  const id = u.deps.newId(PREFIX.round);
  await insertEntry(u, actor, id, 'round', { visibility: body.visibility, roundId: id, itemId: null, partyId: null, occurredOn: body.startDate }, body);
  return getRound(u.tx, actor, id);
}

export async function reviseRound(u: Unit, actor: Actor, id: string, rev: { baseVersion: number; reason: string; round: RoundInput }): Promise<RoundView> {
  authorize(actor, 'ledger.record');
  await lockEntry(u, id);
  const row = await rowOf(u.tx, 'round', id, actor);
  assertRoundInput(rev.round, await context(u, actor), id);
  const body = normaliseRound(rev.round);
  await reviseEntry(u, actor, row, rev.baseVersion, rev.reason, { visibility: body.visibility, roundId: id, itemId: null, partyId: null, occurredOn: body.startDate }, body);
  return getRound(u.tx, actor, id);
}

export async function listRounds(tx: Tx, viewer: Actor | null): Promise<RoundView[]> {
  const rows = await rowsOf(tx, 'round', viewer);
  const reasons = await lastReasons(tx, rows);
  const itemRows = await rowsOf(tx, 'agenda_item', viewer);
  const items = new Set(itemRows.map((r) => r.id));
  const protocols = await protocolIdsByRound(tx, viewer);
  return rows.map((r) => roundView(r, reasons.get(r.id) ?? '', items, protocols.get(r.id) ?? [])).sort((a, b) => a.startDate.localeCompare(b.startDate) || a.number - b.number);
}

export async function getRound(tx: Tx, viewer: Actor | null, id: string): Promise<RoundView> {
  const row = await rowOf(tx, 'round', id, viewer);
  const itemRows = await rowsOf(tx, 'agenda_item', viewer);
  const items = new Set(itemRows.map((r) => r.id));
  return roundView(row, (await lastReasons(tx, [row])).get(id) ?? '', items, (await protocolIdsByRound(tx, viewer)).get(id) ?? []);
}

// ---- positions ------------------------------------------------------------------------------

const positionAt = (p: PositionInput): Located => ({ visibility: p.visibility, roundId: p.roundId, itemId: p.itemId, partyId: p.partyId, occurredOn: p.statedOn });

export async function createPosition(u: Unit, actor: Actor, input: PositionInput): Promise<PositionView> {
  authorize(actor, 'ledger.position', { partyId: input.partyId });
  assertPositionInput(input, await context(u, actor));
  const id = u.deps.newId(PREFIX.position);
  await insertEntry(u, actor, id, 'position', positionAt(input), input);
  return getPosition(u.tx, actor, id);
}

export async function revisePosition(u: Unit, actor: Actor, id: string, rev: { baseVersion: number; reason: string; position: PositionInput }): Promise<PositionView> {
  await lockEntry(u, id);
  const row = await rowOf(u.tx, 'position', id, actor);
  authorize(actor, 'ledger.position', { partyId: row.party_id ?? '' });
  authorize(actor, 'ledger.position', { partyId: rev.position.partyId });
  assertPositionInput(rev.position, await context(u, actor), id);
  await reviseEntry(u, actor, row, rev.baseVersion, rev.reason, positionAt(rev.position), rev.position);
  return getPosition(u.tx, actor, id);
}

export interface PositionFilter {
  readonly item?: string | undefined;
  readonly party?: string | undefined;
  readonly round?: string | undefined;
}

export async function listPositions(tx: Tx, viewer: Actor | null, f: PositionFilter = {}): Promise<PositionView[]> {
  const itemRows = await rowsOf(tx, 'agenda_item', viewer);
  const items = new Set(itemRows.map((r) => r.id));
  const rows = (await rowsOf(tx, 'position', viewer)).filter(
    (r) => items.has(r.item_id ?? '') && (f.item === undefined || r.item_id === f.item) && (f.party === undefined || r.party_id === f.party) && (f.round === undefined || r.round_id === f.round),
  );
  const reasons = await lastReasons(tx, rows);
  return rows.map((r) => positionView(r, reasons.get(r.id) ?? ''));
}

export async function getPosition(tx: Tx, viewer: Actor | null, id: string): Promise<PositionView> {
  const row = await rowOf(tx, 'position', id, viewer);
  return positionView(row, (await lastReasons(tx, [row])).get(id) ?? '');
}

// ---- statements -----------------------------------------------------------------------------

const statementAt = (s: StatementInput): Located => ({ visibility: s.visibility, roundId: s.tags.roundIds[0] ?? null, itemId: null, partyId: s.speaker.partyId ?? null, occurredOn: s.saidOn });

export async function createStatement(u: Unit, actor: Actor, input: StatementInput): Promise<StatementView> {
  authorize(actor, 'ledger.record');
  assertStatementInput(input, await context(u, actor));
  const id = u.deps.newId(PREFIX.statement);
  await insertEntry(u, actor, id, 'statement', statementAt(input), input);
  return getStatement(u.tx, actor, id);
}

export async function reviseStatement(u: Unit, actor: Actor, id: string, rev: { baseVersion: number; reason: string; statement: StatementInput }): Promise<StatementView> {
  authorize(actor, 'ledger.record');
  await lockEntry(u, id);
  const row = await rowOf(u.tx, 'statement', id, actor);
  assertStatementInput(rev.statement, await context(u, actor));
  await reviseEntry(u, actor, row, rev.baseVersion, rev.reason, statementAt(rev.statement), rev.statement);
  return getStatement(u.tx, actor, id);
}

export interface StatementFilter {
  readonly round?: string | undefined;
  readonly item?: string | undefined;
  readonly party?: string | undefined;
  readonly speaker?: string | undefined;
}

export async function listStatements(tx: Tx, viewer: Actor | null, f: StatementFilter = {}): Promise<StatementView[]> {
  const rows = await rowsOf(tx, 'statement', viewer);
  const reasons = await lastReasons(tx, rows);
  const itemRows = await rowsOf(tx, 'agenda_item', viewer);
  const items = new Set(itemRows.map((r) => r.id));
  const rounds = new Set((await rowsOf(tx, 'round', viewer)).map((r) => r.id));
  return rows
    .map((r) => statementView(r, reasons.get(r.id) ?? ''))
    .map((s) => ({ ...s, tags: { roundIds: s.tags.roundIds.filter((id) => rounds.has(id)), itemIds: s.tags.itemIds.filter((id) => items.has(id)) } }))
    .filter(
      (s) =>
        (f.round === undefined || s.tags.roundIds.includes(f.round)) &&
        (f.item === undefined || s.tags.itemIds.includes(f.item)) &&
        (f.party === undefined || s.speaker.partyId === f.party) &&
        (f.speaker === undefined || s.speaker.name.toLowerCase().includes(f.speaker.toLowerCase())),
    );
}

export async function getStatement(tx: Tx, viewer: Actor | null, id: string): Promise<StatementView> {
  const row = await rowOf(tx, 'statement', id, viewer);
  return statementView(row, (await lastReasons(tx, [row])).get(id) ?? '');
}

// ---- protocols ------------------------------------------------------------------------------

async function assertAgreement(tx: Tx, id: string | null): Promise<void> {
  if (id === null) return;
  const found = await tx.selectFrom('agreements').select('id').where('id', '=', id).executeTakeFirst();
  if (!found) throw new DomainError('unknown_agreement', `no agreement with id ${id}`, { details: [{ path: '/agreementId', message: 'unknown agreement' }] });
}

/** A protocol's signatures, oldest first, each with what became of its key (key-revocation.ts). */
async function protocolSignatures(tx: Tx, protocolId: string) {
  const rows = await ledgerDb(tx)
    .selectFrom('ledger_signatures')
    .leftJoin('party_keys', 'party_keys.kid', 'ledger_signatures.kid')
    .selectAll('ledger_signatures')
    .select(['party_keys.revoked_at as key_revoked_at', 'party_keys.revocation_reason as key_revocation_reason', 'party_keys.compromised_since as key_compromised_since'])
    .where('protocol_id', '=', protocolId)
    .orderBy('ledger_signatures.created_at')
    .orderBy('ledger_signatures.id')
    .execute();
  return rows.map((s) => {
    const revocation = storedRevocation({ revokedAt: s.key_revoked_at, reason: s.key_revocation_reason, compromisedSince: s.key_compromised_since, compromisedAt: null });
    const since = revocation?.compromisedSince ?? null;
    const record: ProtocolSignatureRecord = { partyId: s.party_id, version: Number(s.version), createdAt: s.created_at, keyCompromise: since === null ? null : { since } };
    return { row: s, record, reason: revocation?.reason ?? null, since };
  });
}

async function protocolView(tx: Tx, row: EntryRow, reason: string, viewer: Actor | null): Promise<ProtocolView> {
  const body = JSON.parse(row.body) as ProtocolBody;
  const all = await protocolSignatures(tx, row.id);
  const counting = countingSignatories(all.map((s) => s.record), row.current_version);
  // A signature carries the text it signed (the JWS payload): one over a version the viewer may
  // not read (a mediator-only or parties-only draft, later made public) is not shown to it.
  const versions = await ledgerDb(tx).selectFrom('ledger_versions').select(['version', 'visibility']).where('entry_id', '=', row.id).execute();
  const visibilityOf = new Map(versions.map((v) => [Number(v.version), v.visibility]));
  const concerns = await entryConcerns(tx, row);
  const sigs = all.filter((s) => canReadEntry(viewer, visibilityOf.get(s.record.version) ?? 'mediator', concerns));
  const kinds = await partyKinds(tx);
  return {
    id: row.id,
    roundId: body.text.roundId,
    // Signed when every belligerent delegation signed: a mediator listed as a delegation before that rule signs nothing.
    state: isProtocolSigned(requiredSignatories(body.text.signatories, (id) => kinds.get(id)), counting) ? 'signed' : 'open',
    agreementId: body.input.agreementId,
    visibility: row.visibility as Visibility,
    text: body.text,
    signatures: sigs.map(({ row: s, record, reason, since }) => ({
      id: s.id,
      protocolId: s.protocol_id,
      partyId: s.party_id,
      memberId: s.member_id,
      kid: s.kid,
      version: record.version,
      jws: s.jws,
      valid: signatureCounts(record, row.current_version),
      keyRevokedAt: s.key_revoked_at,
      keyRevocationReason: reason,
      keyCompromisedSince: since,
      keyCompromised: signedWhileCompromised(s.created_at, record.keyCompromise),
      createdAt: s.created_at,
    })),
    ...meta(row, reason),
  };
}

export async function createProtocol(u: Unit, actor: Actor, roundId: string, input: ProtocolInput): Promise<ProtocolView> {
  authorize(actor, 'ledger.record');
  const round = await getRound(u.tx, actor, roundId);
  assertProtocolInput(input, await context(u, actor), roundId);
  await assertAgreement(u.tx, input.agreementId);
  const id = u.deps.newId(PREFIX.protocol);
  const kinds = await partyKinds(u.tx);
  const body: ProtocolBody = { input, text: buildProtocolText(id, 1, round, input, (p) => kinds.get(p)) };
  assertSignatories(body.text);
  assertSignable(canonicalJson(body.text), 'the protocol text and its points');
  await insertEntry(u, actor, id, 'protocol', { visibility: input.visibility, roundId, itemId: null, partyId: null, occurredOn: round.startDate }, body);
  return getProtocol(u.tx, actor, id);
}

/** Corrects the protocol: a new version of its text; signatures over earlier versions no longer count. */
export async function reviseProtocol(u: Unit, actor: Actor, id: string, rev: { baseVersion: number; reason: string; protocol: ProtocolInput }): Promise<ProtocolView> {
  authorize(actor, 'ledger.record');
  await lockEntry(u, id);
  const row = await rowOf(u.tx, 'protocol', id, actor);
  const old = JSON.parse(row.body) as ProtocolBody;
  const round = await getRound(u.tx, actor, old.text.roundId);
  assertProtocolInput(rev.protocol, await context(u, actor), round.id);
  await assertAgreement(u.tx, rev.protocol.agreementId);
  const kinds = await partyKinds(u.tx);
  const body: ProtocolBody = { input: rev.protocol, text: buildProtocolText(id, row.current_version + 1, round, rev.protocol, (p) => kinds.get(p)) };
  assertSignatories(body.text);
  assertSignable(canonicalJson(body.text), 'the protocol text and its points');
  await reviseEntry(u, actor, row, rev.baseVersion, rev.reason, { visibility: rev.protocol.visibility, roundId: round.id, itemId: null, partyId: null, occurredOn: round.startDate }, body);
  return getProtocol(u.tx, actor, id);
}

export async function getProtocol(tx: Tx, viewer: Actor | null, id: string): Promise<ProtocolView> {
  const row = await rowOf(tx, 'protocol', id, viewer);
  return protocolView(tx, row, (await lastReasons(tx, [row])).get(id) ?? '', viewer);
}

export async function listProtocols(tx: Tx, viewer: Actor | null, f: { round?: string | undefined } = {}): Promise<ProtocolView[]> {
  const rows = (await rowsOf(tx, 'protocol', viewer)).filter((r) => f.round === undefined || r.round_id === f.round);
  const reasons = await lastReasons(tx, rows);
  const out: ProtocolView[] = [];
  for (const r of rows) out.push(await protocolView(tx, r, reasons.get(r.id) ?? '', viewer));
  return out;
}

/** The exact RFC 8785 bytes of a version of the protocol's agreed text: what delegations sign. */
export async function getProtocolText(tx: Tx, viewer: Actor | null, id: string, version?: number): Promise<{ text: string; version: number }> {
  const row = await rowOf(tx, 'protocol', id, viewer);
  const v = version ?? row.current_version;
  const ver = await ledgerDb(tx).selectFrom('ledger_versions').select(['body', 'visibility']).where('entry_id', '=', id).where('version', '=', v).executeTakeFirst();
  // Each version has its own visibility (as the history shows): one the viewer may not read is not there for it.
  if (!ver || !canReadEntry(viewer, ver.visibility, await entryConcerns(tx, row))) throw new DomainError('not_found', `protocol ${id} has no version ${v} that you may read (current: ${row.current_version})`);
  return { text: canonicalJson((JSON.parse(ver.body) as ProtocolBody).text), version: v };
}

/** Verifies and records one delegation's signature over the protocol's current text. */
export async function signProtocol(u: Unit, actor: Actor, id: string, jwsInput: string): Promise<ProtocolView> {
  authorize(actor, 'ledger.sign');
  await lockEntry(u, id);
  const row = await rowOf(u.tx, 'protocol', id, actor);
  const body = JSON.parse(row.body) as ProtocolBody;
  const jws = jwsInput.trim();
  const ev = await jwsEvidence(u.tx, jws);
  // A signature made with a key compromised at the time no longer counts: its party signs again.
  const signed = countingSignatories((await protocolSignatures(u.tx, id)).map((s) => s.record), row.current_version);
  const kinds = await partyKinds(u.tx);
  // The belligerent delegations sign: a mediator listed as a delegation before that rule does not.
  const signatories = requiredSignatories(body.text.signatories, (p) => kinds.get(p));
  assertProtocolSignature(ev, {
    signerPartyId: actor.partyId,
    currentText: new TextEncoder().encode(canonicalJson(body.text)),
    currentVersion: row.current_version,
    roundNumber: body.text.roundNumber,
    signatories,
    signedParties: signed,
  });
  assertRoundStarted(body.text, latestToday(u.deps.now()));
  const made = { id: u.deps.newId('sig'), protocol_id: id, version: row.current_version, party_id: actor.partyId, member_id: actor.memberId, kid: String(ev.kid), jws };
  // A protocol not every member may read is signed in the log as a commitment only (who signed,
  // with which key, is for its readers too); its opening carries the visibility it is read by.
  const restricted = row.visibility !== 'public';
  const visibility = row.visibility;
  // Recorded at its log entry's time, as a guarantee is (corridors.ts, submitGuarantee).
  const entry = await appendLog(u, { actor: actor.memberId, action: 'ledger.protocol.signed', subject: `ledger/${id}`, payload: { signatureId: made.id, partyId: made.party_id, version: made.version, kid: made.kid, jws: restricted ? undefined : jws, jwsSha256: sha256Hex(jws), visibility }, restricted });
  const sig = { ...made, created_at: entry.time };
  await ledgerDb(u.tx).insertInto('ledger_signatures').values(sig).execute();
  await ledgerDb(u.tx).updateTable('ledger_entries').set({ updated_at: sig.created_at }).where('id', '=', id).execute();
  if (isProtocolSigned(signatories, [...signed, actor.partyId])) {
    await appendLog(u, { actor: 'system', action: 'ledger.protocol.fully_signed', subject: `ledger/${id}`, payload: { version: sig.version, signatories, visibility }, restricted });
  }
  return getProtocol(u.tx, actor, id);
}

// ---- history, views, export -----------------------------------------------------------------

/** Every version of an entry, oldest first, with the reason for each correction. */
export async function entryHistory(tx: Tx, viewer: Actor | null, id: string) {
  const row = await ledgerDb(tx).selectFrom('ledger_entries').select(['id', 'kind', 'visibility', 'party_id', 'body']).where('id', '=', id).executeTakeFirst();
  const concerns = row === undefined ? undefined : await entryConcerns(tx, row);
  if (!row || !concerns || !canReadEntry(viewer, row.visibility, concerns)) throw new DomainError('not_found', `no ledger entry with id ${id}`);
  const versions = await ledgerDb(tx).selectFrom('ledger_versions').selectAll().where('entry_id', '=', id).orderBy('version').execute();
  // Earlier versions stay as private as they were: a version the viewer may not read is withheld
  // (the party a position speaks for, or a protocol's delegation, reads every version).
  return versions
    .filter((v) => canReadEntry(viewer, v.visibility, concerns))
    .map((v) => ({ version: Number(v.version), body: JSON.parse(v.body) as unknown, visibility: v.visibility as Visibility, reason: v.reason, createdAt: v.created_at, createdBy: v.created_by }));
}

async function partyNames(tx: Tx): Promise<Map<string, string>> {
  return new Map((await tx.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
}

/** Agenda items × parties: the latest position and its history (parties: delegations and those with positions). */
export async function ledgerMatrix(tx: Tx, viewer: Actor | null, f: { item?: string | undefined } = {}) {
  const items = (await listAgendaItems(tx, viewer)).filter((i) => f.item === undefined || i.id === f.item);
  const positions = await listPositions(tx, viewer);
  const rounds = await listRounds(tx, viewer);
  const names = await partyNames(tx);
  const ids: string[] = [];
  for (const id of [...rounds.flatMap((r) => r.delegations.map((d) => d.partyId)), ...positions.map((p) => p.partyId)]) if (!ids.includes(id)) ids.push(id);
  return { parties: ids.map((id) => ({ id, name: names.get(id) ?? id })), rows: positionMatrix(items, ids, positions) };
}

export async function ledgerTimelineView(tx: Tx, viewer: Actor | null) {
  const items = await listAgendaItems(tx, viewer);
  const rounds = await listRounds(tx, viewer);
  const kinds = await partyKinds(tx);
  const protocols = (await listProtocols(tx, viewer)).map((p) => {
    const signedBy = [...new Set(p.signatures.filter((s) => s.valid).map((s) => s.partyId))];
    return {
      id: p.id,
      roundId: p.roundId,
      title: p.text.title,
      state: p.state,
      agreementId: p.agreementId,
      version: p.text.version,
      signatories: requiredSignatories(p.text.signatories, (id) => kinds.get(id)),
      signedBy,
      keyNotes: protocolKeyNotes(p.signatures, p.text.version, signedBy),
    };
  });
  return { rounds: ledgerTimeline(rounds, items, protocols), openPoints: openPoints(rounds, items) };
}

/**
 * The public entries as anyone may read them (`/public/ledger.json`): `exportLedger` with no viewer,
 * less every member id — who recorded an entry (`createdBy`), which member signed (`memberId`).
 * Parties and key ids stay: they are what a reader needs to verify a signature.
 */
export async function publicLedgerExport(tx: Tx, at: string): Promise<PublicLedgerExport> {
  const all = await exportLedger(tx, null, at);
  const entry = <T extends { createdBy: string }>({ createdBy: _member, ...rest }: T): Omit<T, 'createdBy'> => rest;
  return {
    ...all,
    agendaItems: all.agendaItems.map(entry),
    rounds: all.rounds.map(entry),
    positions: all.positions.map(entry),
    statements: all.statements.map(entry),
    protocols: all.protocols.map((p) => ({ ...entry(p), signatures: p.signatures.map(({ memberId: _member, ...sig }) => sig) })),
  };
}

export async function exportLedger(tx: Tx, viewer: Actor | null, at: string): Promise<LedgerExport> {
  return {
    exportedAt: at,
    visibility: readableVisibilities(viewer),
    agendaItems: await listAgendaItems(tx, viewer),
    rounds: await listRounds(tx, viewer),
    positions: await listPositions(tx, viewer),
    statements: await listStatements(tx, viewer),
    protocols: await listProtocols(tx, viewer),
  };
}
