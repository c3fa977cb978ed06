/**
 * Read-only use cases for the public page: what a civilian may know, and nothing else.
 * Only corridors every required party guaranteed (open, scheduled, suspended, recently
 * closed) are shown, with origin, destination, route, purposes, eligibility, windows and the
 * suspension reason. Never proposals under negotiation, contacts, hazards, sites, movements,
 * positions or who signed with which key.
 */
import type { StatusReason } from '../domain/corridor-status.js';
import { expandStoredWindows } from '../domain/windows.js';
import type { CorridorView } from '../schemas/corridor.js';
import type { IncidentKind } from '../schemas/incident.js';
import { translator } from '../i18n/index.js';
import type { Lang, MessageKey } from '../i18n/messages.js';
import { getSetting } from './bootstrap.js';
import { loadCorridors, statusOf, toCorridorView } from './corridors.js';
import { ledgerTimelineView } from './ledger.js';
import type { Deps } from './deps.js';
import type { Tx } from '../store/store.js';

export type PublicGroup = 'open' | 'next' | 'suspended' | 'closed';

export interface PublicCorridor {
  readonly id: string;
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
  /** The window in force (open) or the next one (next, suspended), epoch ms. */
  readonly window: { start: number; end: number; timeZone: string } | null;
  /** When its last window ended (closed). */
  readonly closedAt: number | null;
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

/** How long a closed corridor stays listed. */
export const RECENTLY_CLOSED_MS = 7 * 86_400_000;

const PUBLIC_STATES = new Set(['guaranteed', 'suspended']);

function toPublic(view: CorridorView, group: PublicGroup, extra: Pick<PublicCorridor, 'window' | 'closedAt' | 'suspension'>, lastWindowEnd: number | null = null): PublicCorridor {
  const t = view.terms;
  return {
    id: view.id,
    title: view.title,
    group,
    origin: { name: t.origin.name, coordinates: [t.origin.coordinates[0], t.origin.coordinates[1]] },
    destination: { name: t.destination.name, coordinates: [t.destination.coordinates[0], t.destination.coordinates[1]] },
    route: t.route.coordinates.map((p) => [p[0], p[1]] as [number, number]),
    widthM: t.widthM,
    direction: t.direction,
    purposes: [...t.purposes],
    eligibility: [...t.eligibility],
    timeZone: t.windows[0]?.timeZone ?? 'UTC',
    ...extra,
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

/**
 * The suspension in force as the public reads it. Found by its id, never by its start: a
 * suspension lifted and the next begun in the same instant share one.
 */
function publicSuspension(reason: StatusReason, incidentKindOf: ReadonlyMap<string, IncidentKind>): NonNullable<PublicCorridor['suspension']> {
  const kind = reason.suspensionId === undefined ? undefined : incidentKindOf.get(reason.suspensionId);
  return { since: Date.parse(reason.since ?? ''), reason: publicSuspensionReason(reason.reason ?? '', kind), ...(kind ? { incidentKind: kind } : {}) };
}

/** The public picture at `at` (default now): grouped, each group in the order a reader needs. */
export async function publicPicture(deps: Deps, at: number = deps.now()): Promise<PublicPicture> {
  const db = deps.store.db;
  const names = new Map((await db.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  const all = await loadCorridors(db);
  const shown: { corridor: PublicCorridor; suspended?: StatusReason }[] = [];
  for (const loaded of all.filter((c) => PUBLIC_STATES.has(c.row.state))) {
    const view = toCorridorView(loaded);
    const s = statusOf(loaded, at, names);
    // Windows that no longer expand leave the corridor neither open nor next: it is not shown.
    const intervals = expandStoredWindows(view.terms.windows).intervals;
    const lastEnd = intervals.reduce((m, iv) => Math.max(m, iv.end), Number.NEGATIVE_INFINITY);
    const susp = s.reasons.find((r) => r.code === 'suspended');
    const win = s.currentWindow ?? s.nextWindow;
    const window = win ? { start: Date.parse(win.start), end: Date.parse(win.end), timeZone: win.timeZone } : null;
    // A recurring corridor shows one window; say until when the others run.
    const later = window !== null && intervals.some((iv) => iv.start >= window.end) ? lastEnd : null;
    // Only a corridor every required party guaranteed is public; a suspended one whose
    // guarantees were voided by an amendment is back under negotiation.
    if (s.reasons.some((r) => r.code === 'not_guaranteed')) continue;
    if (susp) {
      if (s.state === 'closed' && at - lastEnd > RECENTLY_CLOSED_MS) continue;
      shown.push({ corridor: toPublic(view, 'suspended', { window: s.state === 'closed' ? null : window, closedAt: s.state === 'closed' ? lastEnd : null, suspension: null }, later), suspended: susp });
    } else if (s.open) {
      shown.push({ corridor: toPublic(view, 'open', { window, closedAt: null, suspension: null }, later) });
    } else if (s.state === 'closed') {
      if (at - lastEnd > RECENTLY_CLOSED_MS) continue;
      shown.push({ corridor: toPublic(view, 'closed', { window: null, closedAt: lastEnd, suspension: null }) });
    } else if (s.nextWindow) {
      shown.push({ corridor: toPublic(view, 'next', { window, closedAt: null, suspension: null }, later) });
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
