/**
 * Read-only use cases for the public page: what a civilian may know, and nothing else.
 * Only corridors every required party guaranteed (open, scheduled, suspended, recently
 * closed) are shown, with origin, destination, route, purposes, eligibility, windows and the
 * suspension reason. Never proposals under negotiation, contacts, hazards, sites, movements,
 * positions or who signed with which key.
 */
import { computeStatus, type StatusReason } from '../domain/corridor-status.js';
import { guaranteedSpans, publicStanding, type GuaranteedSpan, type PublicStanding } from '../domain/public-record.js';
import { expandStoredWindows, windowsAround } from '../domain/windows.js';
import type { Terms } from '../schemas/corridor.js';
import type { IncidentKind } from '../schemas/incident.js';
import { translator } from '../i18n/index.js';
import type { Lang, MessageKey } from '../i18n/messages.js';
import { getSetting } from './bootstrap.js';
import { guaranteeRecord, loadCorridors, type LoadedCorridor } from './corridors.js';
import { ledgerTimelineView } from './ledger.js';
import type { Deps } from './deps.js';
import type { Tx } from '../store/store.js';

export type PublicGroup = 'open' | 'next' | 'suspended' | 'closed';

/**
 * Why a corridor was called off before its windows ran out (shown with it, closed): a required
 * party's guarantee voided because its key was declared compromised (`party`: its name), its terms
 * amended (renegotiated: the new terms, not guaranteed, are never shown), or withdrawn (`reason`:
 * the withdrawing party's words, as written).
 */
export type CalledOff = { readonly cause: 'amended' } | { readonly cause: 'key_compromised'; readonly party: string } | { readonly cause: 'withdrawn'; readonly reason: string };

export interface PublicCorridor {
  readonly id: string;
  /** The version of the terms shown: the last one every required party guaranteed. */
  readonly version: number;
  readonly title: string;
  readonly group: PublicGroup;
  readonly origin: { name: string; coordinates: [number, number] };
  readonly destination: { name: string; coordinates: [number, number] };
  readonly route: [number, number][];
  readonly widthM: number;
  readonly direction: string;
  readonly purposes: string[];
  readonly eligibility: string[];
  /** The zone the corridor was agreed in (its first window's). */
  readonly timeZone: string;
  /** The window in force (open) or the next one (next, suspended), epoch ms; windows that touch are one. */
  readonly window: { start: number; end: number; timeZone: string } | null;
  /** When it closed: its last window's end, or when it was called off (closed). */
  readonly closedAt: number | null;
  /** Set when it was called off before its windows ran out (closed), with why. */
  readonly calledOff: CalledOff | null;
  /** When the last of its windows ends, if more follow the one shown (recurring windows), epoch ms. */
  readonly lastWindowEnd: number | null;
  /** The suspension in force; `incidentKind` when a confirmed incident caused it (shown translated). */
  readonly suspension: { since: number; reason: string; incidentKind?: IncidentKind } | null;
}

export interface PublicPicture {
  readonly at: number;
  readonly demo: boolean;
  readonly corridors: PublicCorridor[];
}

/** How long a closed (or called-off) corridor stays listed. */
export const RECENTLY_CLOSED_MS = 7 * 86_400_000;

function toPublic(
  id: string,
  version: number,
  t: Terms,
  group: PublicGroup,
  extra: Pick<PublicCorridor, 'window' | 'closedAt' | 'suspension'> & { calledOff?: CalledOff },
  lastWindowEnd: number | null = null,
): PublicCorridor {
  return {
    id,
    version,
    // The title of the terms shown, never the row's (an amendment's new title is not guaranteed).
    title: t.title,
    group,
    origin: { name: t.origin.name, coordinates: [t.origin.coordinates[0], t.origin.coordinates[1]] },
    destination: { name: t.destination.name, coordinates: [t.destination.coordinates[0], t.destination.coordinates[1]] },
    route: t.route.coordinates.map((p) => [p[0], p[1]] as [number, number]),
    widthM: t.widthM,
    direction: t.direction,
    purposes: [...t.purposes],
    eligibility: [...t.eligibility],
    timeZone: t.windows[0]?.timeZone ?? 'UTC',
    window: extra.window,
    closedAt: extra.closedAt,
    calledOff: extra.calledOff ?? null,
    suspension: extra.suspension,
    lastWindowEnd: extra.window ? lastWindowEnd : null,
  };
}

/** Suspension ids per IN list: far below SQLite's 32,766 parameters and PostgreSQL's 65,535. */
const IN_LIST = 500;

/**
 * Of the suspensions given (those a public output shows), the ones a confirmed incident caused,
 * by suspension id, with the incident's kind: the public reads those in its own language, not
 * the reason as recorded. Reads only the incidents these suspensions name, one IN list of
 * suspension ids at a time — never every confirmed incident, on an anonymous request.
 */
export async function incidentKindsBySuspension(db: Tx, suspensionIds: Iterable<string>, chunk: number = IN_LIST): Promise<Map<string, IncidentKind>> {
  const ids = [...new Set(suspensionIds)];
  const kinds = new Map<string, IncidentKind>();
  for (let i = 0; i < ids.length; i += chunk) {
    const rows = await db
      .selectFrom('suspensions')
      .innerJoin('incidents', 'incidents.id', 'suspensions.incident_id')
      .select(['suspensions.id as suspension_id', 'incidents.kind as kind'])
      .where('suspensions.id', 'in', ids.slice(i, i + chunk))
      .where('incidents.state', '=', 'confirmed')
      .execute();
    for (const r of rows) kinds.set(r.suspension_id, r.kind as IncidentKind);
  }
  return kinds;
}

/**
 * A suspension's reason as the public reads it — in English in the language-neutral feeds
 * (GeoJSON, KML, CSV, CAP), in the reader's language in the iCalendar feed: the mediator's words,
 * or for one a confirmed incident caused, which kind of incident — not the recorded "Shelling
 * (confirmed incident inc_…)" with its internal id. The public page translates the same by
 * `incidentKind`.
 */
export function publicSuspensionReason(reason: string, incidentKind: IncidentKind | undefined, lang: Lang = 'en'): string {
  if (incidentKind === undefined) return reason;
  const tr = translator(lang);
  return tr('public.reasonIncident', { kind: tr(`incident.kind.${incidentKind}` as MessageKey) });
}

/** Why a corridor was called off, in `lang` (English in the language-neutral feeds). */
export function publicCalledOffReason(c: CalledOff, lang: Lang = 'en'): string {
  const tr = translator(lang);
  if (c.cause === 'key_compromised') return tr('public.calledOff.keyCompromised', { party: c.party });
  if (c.cause === 'amended') return tr('public.calledOff.amended');
  return c.reason.trim() === '' ? tr('public.calledOff.withdrawn') : `${tr('public.calledOff.withdrawn')}: ${c.reason}`;
}

/**
 * The suspension in force as the public reads it. Found by its id, never by its start: a
 * suspension lifted and the next begun in the same instant share one.
 */
function publicSuspension(reason: StatusReason, incidentKindOf: ReadonlyMap<string, IncidentKind>): NonNullable<PublicCorridor['suspension']> {
  const kind = reason.suspensionId === undefined ? undefined : incidentKindOf.get(reason.suspensionId);
  return { since: Date.parse(reason.since ?? ''), reason: publicSuspensionReason(reason.reason ?? '', kind), ...(kind ? { incidentKind: kind } : {}) };
}

/** A corridor that every required party guaranteed at some time, with what the public outputs read of it. */
export interface PublicRecord {
  readonly corridor: LoadedCorridor;
  /** When each version was guaranteed by every party it required, oldest first (never empty). */
  readonly spans: GuaranteedSpan[];
  /** The terms of each version that was ever guaranteed. */
  readonly termsOf: ReadonlyMap<number, Terms>;
  /** When and why it was withdrawn (the withdrawing party's words). */
  readonly withdrawal: { readonly at: number; readonly reason: string } | null;
}

/**
 * Every corridor ever guaranteed by all the parties it required, with the history that says which
 * terms the public may read (src/domain/public-record.ts): its versions, guarantees and withdrawal,
 * in a fixed number of queries whatever the number of corridors.
 */
export async function publicRecords(db: Tx): Promise<PublicRecord[]> {
  const all = (await loadCorridors(db, { incidents: false })).filter((c) => c.row.state !== 'draft' && c.guarantees.length > 0);
  if (all.length === 0) return [];
  const ids = all.map((c) => c.row.id);
  const vq = db.selectFrom('corridor_versions').select(['corridor_id', 'version', 'terms', 'created_at']);
  const versions = await (ids.length <= IN_LIST ? vq.where('corridor_id', 'in', ids) : vq).execute();
  const wq = db.selectFrom('events').select(['corridor_id', 'time', 'payload']).where('type', '=', 'corridor.withdrawn').where('audience', 'is', null);
  const withdrawals = await (ids.length <= IN_LIST ? wq.where('corridor_id', 'in', ids) : wq).orderBy('id').execute();
  const versionsOf = new Map<string, { version: number; createdAt: number; terms: Terms }[]>();
  for (const v of versions) {
    const list = versionsOf.get(v.corridor_id) ?? [];
    list.push({ version: Number(v.version), createdAt: Date.parse(v.created_at), terms: JSON.parse(v.terms) as Terms });
    versionsOf.set(v.corridor_id, list);
  }
  const withdrawalOf = new Map(withdrawals.map((w) => [w.corridor_id ?? '', { at: Date.parse(w.time), reason: (JSON.parse(w.payload) as { reason?: string }).reason ?? '' }]));
  const out: PublicRecord[] = [];
  for (const c of all) {
    const vs = versionsOf.get(c.row.id) ?? [];
    const withdrawal = c.row.state === 'withdrawn' ? (withdrawalOf.get(c.row.id) ?? { at: Date.parse(c.row.updated_at), reason: '' }) : null;
    const spans = guaranteedSpans(
      vs.map((v) => ({ version: v.version, createdAt: v.createdAt, requiredGuarantors: v.terms.requiredGuarantors })),
      c.guarantees.map(guaranteeRecord),
      withdrawal?.at ?? null,
    );
    if (spans.length === 0) continue;
    const wanted = new Set(spans.map((s) => s.version));
    out.push({ corridor: c, spans, termsOf: new Map(vs.filter((v) => wanted.has(v.version)).map((v) => [v.version, v.terms])), withdrawal });
  }
  return out;
}

/** The end of the last window of a version's terms (−∞ when none expands). */
export function lastWindowEndOf(terms: Terms | undefined): number {
  return (terms ? expandStoredWindows(terms.windows).intervals : []).reduce((m, iv) => Math.max(m, iv.end), Number.NEGATIVE_INFINITY);
}

/** Where a record stands for the public at `at` (see `publicStanding`). */
export function standingOf(r: PublicRecord, at: number): PublicStanding | null {
  return publicStanding(r.spans, at, (v) => lastWindowEndOf(r.termsOf.get(v)));
}

/** Why a record's guarantee ended, as the public reads it. */
export function calledOffOf(r: PublicRecord, s: Extract<PublicStanding, { kind: 'ended_early' }>, names: ReadonlyMap<string, string>): CalledOff {
  const e = s.endedBy;
  if (e.cause === 'key_compromised') return { cause: 'key_compromised', party: names.get(e.partyId) ?? e.partyId };
  if (e.cause === 'withdrawn') return { cause: 'withdrawn', reason: r.withdrawal?.reason ?? '' };
  return { cause: 'amended' };
}

/**
 * The public picture at `at` (default now): grouped, each group in the order a reader needs.
 * Only terms every required party guaranteed are shown — the last such version, never an
 * amendment awaiting signatures. A corridor whose guarantee ended while windows were still to run
 * (a key declared compromised, terms amended, withdrawn) is shown closed, with when and why, for
 * as long as a closed corridor is; it does not vanish.
 */
export async function publicPicture(deps: Deps, at: number = deps.now()): Promise<PublicPicture> {
  const db = deps.store.db;
  const names = new Map((await db.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  const shown: { corridor: PublicCorridor; suspended?: StatusReason }[] = [];
  for (const r of await publicRecords(db)) {
    const standing = standingOf(r, at);
    const terms = standing ? r.termsOf.get(standing.version) : undefined;
    if (!standing || !terms) continue;
    const id = r.corridor.row.id;
    if (standing.kind === 'ended_early') {
      if (at - standing.since > RECENTLY_CLOSED_MS) continue;
      shown.push({ corridor: toPublic(id, standing.version, terms, 'closed', { window: null, closedAt: standing.since, suspension: null, calledOff: calledOffOf(r, standing, names) }) });
      continue;
    }
    // The guaranteed terms as they stood: every required party had signed them.
    const s = computeStatus({
      corridorId: id,
      version: standing.version,
      state: 'guaranteed',
      windows: terms.windows,
      requiredGuarantors: terms.requiredGuarantors.map((p) => ({ id: p, name: names.get(p) ?? p })),
      signedParties: terms.requiredGuarantors,
      suspensions: r.corridor.suspensions.map((x) => ({ id: x.id, since: Date.parse(x.since), until: x.until === null ? null : Date.parse(x.until), reason: x.reason })),
      at,
    });
    // Windows that no longer expand leave the corridor neither open nor next: it is not shown.
    const intervals = expandStoredWindows(terms.windows).intervals;
    const lastEnd = intervals.reduce((m, iv) => Math.max(m, iv.end), Number.NEGATIVE_INFINITY);
    const susp = s.reasons.find((x) => x.code === 'suspended');
    // Windows that touch are one (computeStatus merges them): open until the end of the run.
    const win = s.currentWindow ?? s.nextWindow;
    const window = win ? { start: Date.parse(win.start), end: Date.parse(win.end), timeZone: win.timeZone } : null;
    // A recurring corridor shows one window; say until when the others run.
    const later = window !== null && windowsAround(intervals, window.end).next !== null ? lastEnd : null;
    if (susp) {
      if (s.state === 'closed' && at - lastEnd > RECENTLY_CLOSED_MS) continue;
      shown.push({ corridor: toPublic(id, standing.version, terms, 'suspended', { window: s.state === 'closed' ? null : window, closedAt: s.state === 'closed' ? lastEnd : null, suspension: null }, later), suspended: susp });
    } else if (s.open) {
      shown.push({ corridor: toPublic(id, standing.version, terms, 'open', { window, closedAt: null, suspension: null }, later) });
    } else if (s.state === 'closed') {
      if (at - lastEnd > RECENTLY_CLOSED_MS) continue;
      shown.push({ corridor: toPublic(id, standing.version, terms, 'closed', { window: null, closedAt: lastEnd, suspension: null }) });
    } else if (s.nextWindow) {
      shown.push({ corridor: toPublic(id, standing.version, terms, 'next', { window, closedAt: null, suspension: null }, later) });
    }
  }
  // Why each shown suspension holds: only their incidents are read.
  const incidentKindOf = await incidentKindsBySuspension(db, shown.flatMap((x) => x.suspended?.suspensionId ?? []));
  const out = shown.map((x) => (x.suspended ? { ...x.corridor, suspension: publicSuspension(x.suspended, incidentKindOf) } : x.corridor));
  const key = (c: PublicCorridor): number =>
    c.group === 'open' ? (c.window?.end ?? 0) : c.group === 'next' ? (c.window?.start ?? 0) : c.group === 'suspended' ? -(c.suspension?.since ?? 0) : -(c.closedAt ?? 0);
  out.sort((a, b) => key(a) - key(b) || a.title.localeCompare(b.title));
  return { at, demo: (await getSetting(deps, 'demo_loaded')) !== undefined, corridors: out };
}

/** One round as the public page shows it: public entries only. */
export interface PublicRound {
  readonly number: number;
  readonly title: string;
  readonly startDate: string;
  readonly endDate: string;
  readonly venue: string;
  readonly agreed: { itemId: string; title: string }[];
  readonly open: { itemId: string; title: string; outcome: string }[];
}

/**
 * The talks as the public may know them: the same timeline as `/public/ledger.json`
 * (`ledgerTimelineView` read with no viewer, so only public rounds and agenda items).
 */
export async function publicTalks(deps: Deps): Promise<PublicRound[]> {
  const { rounds } = await ledgerTimelineView(deps.store.db, null);
  return rounds.map((r) => ({ number: r.number, title: r.title, startDate: r.startDate, endDate: r.endDate, venue: r.venue, agreed: r.agreed, open: r.open }));
}
