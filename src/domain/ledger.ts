/**
 * The negotiation ledger's pure rules: what a round, position, statement or protocol must
 * satisfy, who may read an entry, and the derived views (position matrix, open points,
 * timeline). Nothing here touches storage or the clock.
 */
import { isAllowed, type Actor } from './authorization.js';
import { DomainError, type ErrorCode, type ErrorDetail } from './errors.js';
import type {
  AgendaItemView,
  Outcome,
  PositionInput,
  PositionView,
  ProtocolInput,
  ProtocolText,
  RoundBody,
  RoundInput,
  RoundView,
  StatementInput,
  Visibility,
} from '../schemas/ledger.js';
import { PROTOCOL_TYPE } from '../schemas/ledger.js';

type Problem = { code: ErrorCode; detail: ErrorDetail };

/** What the rules need to know about the rest of the ledger. */
export interface LedgerContext {
  readonly partyExists: (id: string) => boolean;
  /** A party's kind (`belligerent`, `mediator`, …), when it exists; absent: every party counts as a belligerent. */
  readonly partyKind?: (id: string) => string | undefined;
  readonly itemExists: (id: string) => boolean;
  /** An agenda item's visibility (`public`, `parties`, `mediator`), when it exists. */
  readonly itemVisibility?: (id: string) => string | undefined;
  /** The round's dates when it exists (and is visible to the writer), with its delegations' parties and its agenda's items. */
  readonly round: (id: string) => { number: number; startDate: string; endDate: string; delegations?: readonly { partyId: string }[]; agenda?: readonly { itemId: string }[] } | undefined;
  /** Every other round's number and dates, to keep rounds in order. */
  readonly otherRounds: readonly { id: string; number: number; startDate: string }[];
  /** Today's date where it is latest (UTC+14, YYYY-MM-DD): no position or statement is dated after it. */
  readonly today?: string;
  /**
   * The party's positions on the item as the writer reads them, but for the entry `exceptId` (the
   * one being corrected): the current one is among those of the latest `statedOn`.
   */
  readonly positionsOf?: (partyId: string, itemId: string, exceptId?: string) => readonly Pick<PositionInput, 'text' | 'kind' | 'condition' | 'statedOn'>[];
}

/**
 * The years a ledger date may have: four digits, 0000–9999, as RFC 3339 writes them (a year
 * before 100 is kept as written, not read as 19xx).
 */
export const DATE_YEARS = '0000–9999';

/** Whether a calendar date YYYY-MM-DD names a real day (proleptic Gregorian, years 0000–9999). */
export function isRealDate(d: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d);
  if (!m) return false;
  // Not Date.UTC(y, …): it reads a year 0–99 as 1900–1999, so 0033-04-03 was refused.
  const t = new Date(0);
  t.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return t.getUTCFullYear() === Number(m[1]) && t.getUTCMonth() === Number(m[2]) - 1 && t.getUTCDate() === Number(m[3]);
}

/**
 * The earliest date a position or a statement may carry. Nothing said in a negotiation this
 * ledger records is older than the twentieth century; a date before it is a typing mistake
 * (0022-03-03 for 2022-03-03), not history.
 */
export const EARLIEST_STATED_ON = '1900-01-01';

/** Today's date in UTC+14, the zone where a day starts first: a date after it is in the future everywhere. */
export function latestToday(nowMs: number): string {
  return new Date(nowMs + 14 * 3_600_000).toISOString().slice(0, 10);
}

/** A statement's or position's date: not before 1900, not after today anywhere on Earth. */
function checkStatedDate(path: string, d: string, ctx: LedgerContext): Problem | undefined {
  if (d < EARLIEST_STATED_ON) return { code: 'validation_failed', detail: { path, message: `${d} is before ${EARLIEST_STATED_ON}: dates in the ledger are from 1900 on (a mistyped year?)` } };
  if (ctx.today !== undefined && d > ctx.today) return { code: 'validation_failed', detail: { path, message: `${d} is in the future: it is ${ctx.today} at the latest anywhere on Earth` } };
  return undefined;
}

const isBelligerent = (ctx: LedgerContext, id: string): boolean => (ctx.partyKind?.(id) ?? 'belligerent') === 'belligerent';

/**
 * The parties that must sign a round's protocol: its belligerent delegations. The mediator (or
 * an observer) recorded among a round's delegations before this rule signs nothing: a protocol
 * "signed by every delegation" is signed by the belligerents.
 */
export function requiredSignatories(delegations: readonly string[], partyKind: (id: string) => string | undefined): string[] {
  return delegations.filter((id) => partyKind(id) === 'belligerent');
}

function throwFirst(problems: Problem[]): void {
  const first = problems[0];
  if (first) throw new DomainError(first.code, first.detail.message, { details: problems.map((p) => p.detail) });
}

function checkDates(dates: [string, string][]): Problem[] {
  return dates.filter(([, d]) => !isRealDate(d)).map(([path, d]) => ({ code: 'validation_failed' as const, detail: { path, message: `${d} is not a calendar date (YYYY-MM-DD, a day the month has, years ${DATE_YEARS})` } }));
}

const unknownItem = (path: string, id: string): Problem => ({ code: 'unknown_agenda_item', detail: { path, message: `no agenda item with id ${id}: create it first (POST /agenda-items)` } });
const unknownParty = (path: string, id: string): Problem => ({ code: 'unknown_party', detail: { path, message: `no party with id ${id}` } });

/** The round as stored: defaults filled, endDate set. */
export function normaliseRound(input: RoundInput): RoundBody {
  const { endDate, mediatorPartyId, ...rest } = input;
  return { ...rest, endDate: endDate ?? input.startDate, ...(mediatorPartyId !== undefined ? { mediatorPartyId } : {}) };
}

/**
 * Rules on a round: real dates, in order (start ≤ end < next round; after the previous round's
 * start and before the next one's), known parties (each delegation once) and agenda items.
 */
export function assertRoundInput(input: RoundInput, ctx: LedgerContext, selfId?: string): void {
  const r = normaliseRound(input);
  const problems = checkDates([
    ['/startDate', r.startDate],
    ['/endDate', r.endDate],
    ...(r.nextRound?.date ? [['/nextRound/date', r.nextRound.date] as [string, string]] : []),
  ]);
  if (problems.length > 0) return throwFirst(problems);
  if (r.endDate < r.startDate) problems.push({ code: 'dates_out_of_order', detail: { path: '/endDate', message: `the round ends (${r.endDate}) before it starts (${r.startDate})` } });
  if (r.nextRound?.date !== undefined && r.nextRound.date <= r.endDate) {
    problems.push({ code: 'dates_out_of_order', detail: { path: '/nextRound/date', message: `the next round (${r.nextRound.date}) must come after this one ends (${r.endDate})` } });
  }
  for (const o of ctx.otherRounds) {
    if (o.id === selfId) continue;
    if (o.number === r.number) problems.push({ code: 'duplicate', detail: { path: '/number', message: `round ${r.number} is already recorded (${o.id}); correct it instead` } });
    else if ((o.number < r.number && o.startDate > r.startDate) || (o.number > r.number && o.startDate < r.startDate)) {
      problems.push({ code: 'dates_out_of_order', detail: { path: '/startDate', message: `round ${r.number} on ${r.startDate} is out of order with round ${o.number} on ${o.startDate}` } });
    }
  }
  const seen = new Set<string>();
  r.delegations.forEach((d, i) => {
    if (!ctx.partyExists(d.partyId)) problems.push(unknownParty(`/delegations/${i}/partyId`, d.partyId));
    else if (!isBelligerent(ctx, d.partyId)) {
      // A round whose only delegation was the mediator made a protocol the mediator alone "signed by every delegation".
      problems.push({ code: 'validation_failed', detail: { path: `/delegations/${i}/partyId`, message: `party ${d.partyId} is a ${ctx.partyKind?.(d.partyId) ?? 'non-belligerent'} party: a round's delegations are the belligerent parties that negotiate and sign (name the mediator in mediatorPartyId)` } });
    }
    if (seen.has(d.partyId)) problems.push({ code: 'validation_failed', detail: { path: `/delegations/${i}/partyId`, message: `party ${d.partyId} has two delegations` } });
    seen.add(d.partyId);
  });
  if (r.mediatorPartyId !== undefined) {
    if (!ctx.partyExists(r.mediatorPartyId)) problems.push(unknownParty('/mediatorPartyId', r.mediatorPartyId));
    else if (ctx.partyKind !== undefined && ctx.partyKind(r.mediatorPartyId) !== 'mediator') {
      problems.push({ code: 'validation_failed', detail: { path: '/mediatorPartyId', message: `party ${r.mediatorPartyId} is a ${ctx.partyKind(r.mediatorPartyId) ?? ''} party, not a mediator` } });
    }
  }
  const items = new Set<string>();
  r.agenda.forEach((a, i) => {
    if (!ctx.itemExists(a.itemId)) problems.push(unknownItem(`/agenda/${i}/itemId`, a.itemId));
    if (items.has(a.itemId)) problems.push({ code: 'validation_failed', detail: { path: `/agenda/${i}/itemId`, message: `agenda item ${a.itemId} is listed twice` } });
    items.add(a.itemId);
  });
  throwFirst(problems);
}

/**
 * Rules on a position: known item, a belligerent party and known round at which that party had
 * a delegation; a real date from 1900 to today, not after its source; a condition when
 * conditional; not the party's current position on the item once more (`selfId`: the entry
 * being corrected, which is not compared with itself).
 */
export function assertPositionInput(input: PositionInput, ctx: LedgerContext, selfId?: string): void {
  const problems = checkDates([
    ['/statedOn', input.statedOn],
    ['/source/date', input.source.date],
  ]);
  if (problems.length > 0) return throwFirst(problems);
  const when = checkStatedDate('/statedOn', input.statedOn, ctx);
  if (when) problems.push(when);
  if (!ctx.itemExists(input.itemId)) problems.push(unknownItem('/itemId', input.itemId));
  const wider = widerThanItem(ctx, '/visibility', input.itemId, input.visibility);
  if (wider) problems.push(wider);
  if (!ctx.partyExists(input.partyId)) problems.push(unknownParty('/partyId', input.partyId));
  else if (!isBelligerent(ctx, input.partyId)) {
    problems.push({ code: 'validation_failed', detail: { path: '/partyId', message: `party ${input.partyId} is a ${ctx.partyKind?.(input.partyId) ?? ''} party: positions are the belligerent parties'` } });
  }
  if (input.roundId !== null) {
    const round = ctx.round(input.roundId);
    if (round === undefined) problems.push({ code: 'unknown_round', detail: { path: '/roundId', message: `no round with id ${input.roundId}` } });
    else if (round.delegations !== undefined && !round.delegations.some((d) => d.partyId === input.partyId)) {
      problems.push({ code: 'validation_failed', detail: { path: '/roundId', message: `party ${input.partyId} had no delegation at round ${round.number}: tie the position to a round it attended, or to none (roundId null)` } });
    }
  }
  if (input.source.date < input.statedOn) {
    problems.push({ code: 'dates_out_of_order', detail: { path: '/source/date', message: `the source (${input.source.date}) cannot report a position before it was stated (${input.statedOn})` } });
  }
  if (input.kind === 'conditional' && !input.condition) problems.push({ code: 'validation_failed', detail: { path: '/condition', message: 'a conditional position says on what condition' } });
  throwFirst(problems);
  // The current position is the latest stated (two recorded for the same day are both current).
  const others = ctx.positionsOf?.(input.partyId, input.itemId, selfId) ?? [];
  const latest = others.reduce((d, p) => (p.statedOn > d ? p.statedOn : d), '');
  const same = (p: (typeof others)[number]): boolean => p.statedOn === latest && p.text === input.text && p.kind === input.kind && (p.condition ?? '') === (input.condition ?? '') && p.statedOn === input.statedOn;
  if (others.some(same)) {
    throw new DomainError('duplicate', `this is already party ${input.partyId}'s current position on ${input.itemId} (same text, kind, condition and date): correct that entry instead of recording it again`, { details: [{ path: '/text', message: 'the same as the current position' }] });
  }
}

const REACH: Record<string, number> = { mediator: 0, parties: 1, public: 2 };

/**
 * An entry that names an agenda item is read by more people than the item when its visibility is
 * wider: the item's id (which says what it is about: "secret-prisoner-swap-channel") would reach
 * readers the item is hidden from. Refused when the entry is written.
 */
function widerThanItem(ctx: LedgerContext, path: string, itemId: string, visibility: string): Problem | undefined {
  const item = ctx.itemVisibility?.(itemId);
  if (item === undefined || (REACH[visibility] ?? 0) <= (REACH[item] ?? 0)) return undefined;
  return { code: 'validation_failed', detail: { path, message: `agenda item ${itemId} is ${item === 'mediator' ? 'the mediator’s only' : 'shared with the parties only'}: an entry about it may not be ${visibility}` } };
}

/** Rules on a statement: a source not older than the words, known tags, no two texts in one language. */
export function assertStatementInput(input: StatementInput, ctx: LedgerContext): void {
  const problems = checkDates([
    ['/saidOn', input.saidOn],
    ['/source/date', input.source.date],
  ]);
  if (problems.length > 0) return throwFirst(problems);
  const when = checkStatedDate('/saidOn', input.saidOn, ctx);
  if (when) problems.push(when);
  if (input.source.date < input.saidOn) {
    problems.push({ code: 'dates_out_of_order', detail: { path: '/source/date', message: `the source (${input.source.date}) cannot report words said later (${input.saidOn})` } });
  }
  if (input.speaker.partyId !== undefined && !ctx.partyExists(input.speaker.partyId)) problems.push(unknownParty('/speaker/partyId', input.speaker.partyId));
  input.tags.itemIds.forEach((id, i) => {
    if (!ctx.itemExists(id)) problems.push(unknownItem(`/tags/itemIds/${i}`, id));
    const wider = widerThanItem(ctx, `/tags/itemIds/${i}`, id, input.visibility);
    if (wider) problems.push(wider);
  });
  input.tags.roundIds.forEach((id, i) => {
    if (ctx.round(id) === undefined) problems.push({ code: 'unknown_round', detail: { path: `/tags/roundIds/${i}`, message: `no round with id ${id}` } });
  });
  const langs = new Set([input.original.lang]);
  input.translations.forEach((t, i) => {
    if (langs.has(t.lang)) problems.push({ code: 'validation_failed', detail: { path: `/translations/${i}/lang`, message: `there is already a text in ${t.lang}` } });
    langs.add(t.lang);
  });
  if (input.original.text === null && input.translations.length === 0) {
    problems.push({ code: 'validation_failed', detail: { path: '/translations', message: 'without the original words, give at least one translation' } });
  }
  throwFirst(problems);
}

/** Rules on a protocol: every point on a known agenda item of its round's agenda, one point per item. */
export function assertProtocolInput(input: ProtocolInput, ctx: LedgerContext, roundId?: string): void {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  const agenda = roundId === undefined ? undefined : ctx.round(roundId)?.agenda;
  input.points.forEach((p, i) => {
    if (!ctx.itemExists(p.itemId)) problems.push(unknownItem(`/points/${i}/itemId`, p.itemId));
    else if (agenda !== undefined && !agenda.some((a) => a.itemId === p.itemId)) {
      problems.push({ code: 'validation_failed', detail: { path: `/points/${i}/itemId`, message: `agenda item ${p.itemId} is not on the round's agenda: a protocol records what the round agreed (add the item to the round first)` } });
    }
    const wider = widerThanItem(ctx, `/points/${i}/itemId`, p.itemId, input.visibility);
    if (wider) problems.push(wider);
    if (seen.has(p.itemId)) problems.push({ code: 'validation_failed', detail: { path: `/points/${i}/itemId`, message: `agenda item ${p.itemId} has two points` } });
    seen.add(p.itemId);
  });
  throwFirst(problems);
}

/** The agreed text object of one version of a protocol: what each delegation signs. */
export function buildProtocolText(protocolId: string, version: number, round: Pick<RoundView, 'id' | 'number' | 'startDate' | 'venue' | 'delegations'>, input: ProtocolInput, partyKind: (id: string) => string | undefined = () => 'belligerent'): ProtocolText {
  return {
    type: PROTOCOL_TYPE,
    protocolId,
    version,
    roundId: round.id,
    roundNumber: round.number,
    date: round.startDate,
    venue: round.venue.name,
    title: input.title,
    signatories: requiredSignatories(round.delegations.map((d) => d.partyId), partyKind),
    points: input.points.map((p) => ({ itemId: p.itemId, text: p.text })),
    text: input.text,
  };
}

// ---- visibility -------------------------------------------------------------------------------

/** Whether a viewer (null: anonymous) may read an entry of this visibility. */
export function canRead(viewer: Actor | null, visibility: Visibility | string): boolean {
  if (viewer === null) return visibility === 'public';
  return isAllowed(viewer, 'ledger.read', { visibility });
}

/** Who an entry concerns whatever its visibility: a position's party, a protocol's signatories. */
export interface EntryConcerns {
  readonly kind: string;
  /** A position's party. */
  readonly partyId: string | null;
  /** A protocol's signatories (and any party that signed a version of it). */
  readonly signatories?: readonly string[];
}

/**
 * Whether the viewer's party is the one the entry speaks for: a position's own party, or a
 * delegation that signs (or signed) a protocol. Such a party reads the entry and every version of
 * it whatever the visibility the mediator gave it: a party recording its position as
 * mediator-only read back "no position", and a delegation lost sight of a protocol it signed once
 * the mediator narrowed it.
 */
export function isConcerned(viewer: Actor | null, e: EntryConcerns): boolean {
  if (viewer === null) return false;
  if (e.kind === 'position') return e.partyId !== null && e.partyId === viewer.partyId;
  if (e.kind === 'protocol') return (e.signatories ?? []).includes(viewer.partyId);
  return false;
}

/** Whether a viewer may read an entry (or one version of it) of this visibility, given whom the entry concerns. */
export function canReadEntry(viewer: Actor | null, visibility: Visibility | string, e: EntryConcerns): boolean {
  return canRead(viewer, visibility) || isConcerned(viewer, e);
}

/** The visibilities a viewer may read, most open first. */
export function readableVisibilities(viewer: Actor | null): Visibility[] {
  return (['public', 'parties', 'mediator'] as const).filter((v) => canRead(viewer, v));
}

// ---- derived views ----------------------------------------------------------------------------

const byDateThenCreated = <T extends { statedOn: string; createdAt: string; id: string }>(a: T, b: T): number =>
  a.statedOn.localeCompare(b.statedOn) || a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id);

export interface MatrixCell {
  readonly partyId: string;
  readonly latest: PositionView | null;
  readonly history: PositionView[];
}

/**
 * Agenda items × parties: each party's positions on each item, oldest first, and the latest.
 * Answers "how has each side's position on neutrality changed since round 1?".
 */
export function positionMatrix(items: readonly Pick<AgendaItemView, 'id' | 'title'>[], partyIds: readonly string[], positions: readonly PositionView[]): { item: { id: string; title: string }; cells: MatrixCell[] }[] {
  return items.map((item) => ({
    item: { id: item.id, title: item.title },
    cells: partyIds.map((partyId) => {
      const history = positions.filter((p) => p.itemId === item.id && p.partyId === partyId).sort(byDateThenCreated);
      return { partyId, latest: history[history.length - 1] ?? null, history };
    }),
  }));
}

export interface OpenPointResult {
  readonly itemId: string;
  readonly title: string;
  readonly outcome: Outcome;
  readonly openSince: string;
  readonly sinceRound: number;
  readonly rounds: number[];
}

const roundOrder = (a: Pick<RoundBody, 'startDate' | 'number'>, b: Pick<RoundBody, 'startDate' | 'number'>): number => a.startDate.localeCompare(b.startDate) || a.number - b.number;

/**
 * Which points are still open, and since when: an item is open when the latest round that
 * discussed it did not agree it; it has been open since the first round after its last agreement.
 */
export function openPoints(rounds: readonly Pick<RoundBody, 'number' | 'startDate' | 'agenda'>[], items: readonly Pick<AgendaItemView, 'id' | 'title'>[]): OpenPointResult[] {
  const sorted = [...rounds].sort(roundOrder);
  const out: OpenPointResult[] = [];
  for (const item of items) {
    let streak: { date: string; number: number }[] = [];
    let last: Outcome | undefined;
    for (const r of sorted) {
      const entry = r.agenda.find((a) => a.itemId === item.id);
      if (!entry) continue;
      last = entry.outcome;
      streak = entry.outcome === 'agreed' ? [] : [...streak, { date: r.startDate, number: r.number }];
    }
    const first = streak[0];
    if (last !== undefined && last !== 'agreed' && first) {
      out.push({ itemId: item.id, title: item.title, outcome: last, openSince: first.date, sinceRound: first.number, rounds: streak.map((s) => s.number) });
    }
  }
  return out.sort((a, b) => a.openSince.localeCompare(b.openSince) || a.itemId.localeCompare(b.itemId));
}

/** "2022-03-07, Belovezhskaya Pushcha" or "to be set". */
export function describeNextRound(next: RoundBody['nextRound']): string {
  if (next === null || next.date === undefined) return next?.note ? `to be set (${next.note})` : 'to be set';
  return [next.date, next.venue].filter(Boolean).join(', ');
}

export interface TimelineProtocol {
  readonly id: string;
  readonly roundId: string;
  readonly title: string;
  readonly state: 'open' | 'signed';
  readonly agreementId: string | null;
  /** The current version: what a delegation signs now. */
  readonly version: number;
  /** The delegations' party ids: each signs. */
  readonly signatories: readonly string[];
  /** The delegations whose signature of the current version counts (ledger-protocol.ts). */
  readonly signedBy: readonly string[];
  /** Signatures of the current version made with a key revoked since (what the talks page notes). */
  readonly keyNotes: readonly { readonly partyId: string; readonly reason: 'superseded' | 'compromised'; readonly compromised: boolean }[];
}

/** Rounds in order, each with its agreed and open points and its protocols. */
export function ledgerTimeline(rounds: readonly RoundView[], items: readonly Pick<AgendaItemView, 'id' | 'title'>[], protocols: readonly TimelineProtocol[]) {
  const title = new Map(items.map((i) => [i.id, i.title]));
  return [...rounds].sort(roundOrder).map((r) => ({
    roundId: r.id,
    number: r.number,
    title: r.title,
    startDate: r.startDate,
    endDate: r.endDate,
    venue: r.venue.name,
    agreed: r.agenda.filter((a) => a.outcome === 'agreed' && title.has(a.itemId)).map((a) => ({ itemId: a.itemId, title: title.get(a.itemId) ?? a.itemId })),
    open: r.agenda.filter((a) => a.outcome !== 'agreed' && title.has(a.itemId)).map((a) => ({ itemId: a.itemId, title: title.get(a.itemId) ?? a.itemId, outcome: a.outcome })),
    protocols: protocols.filter((p) => p.roundId === r.id).map((p) => ({ id: p.id, title: p.title, state: p.state, agreementId: p.agreementId, version: p.version, signatories: [...p.signatories], signedBy: [...p.signedBy], keyNotes: [...p.keyNotes] })),
    nextRound: describeNextRound(r.nextRound),
    next: r.nextRound,
  }));
}

// ---- CSV with HXL -----------------------------------------------------------------------------

export interface HxlColumn<T> {
  readonly header: string;
  /** An HXL hashtag with attributes, e.g. `#org+party+code`. */
  readonly hxl: string;
  readonly value: (row: T) => string | number | null | undefined;
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  // A leading =, +, -, @ would be a formula in a spreadsheet: neutralise it (OWASP CSV injection).
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 CSV: a header row, then the HXL hashtag row, then one row per record; CRLF line ends. */
export function toHxlCsv<T>(columns: readonly HxlColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => csvCell(c.header)).join(','), columns.map((c) => c.hxl).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(c.value(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
