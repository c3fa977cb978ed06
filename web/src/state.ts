/**
 * What the map shows for a corridor at any instant: the same rules as the API's status
 * (src/domain/corridor-status.ts), run in the browser so the timeline slider needs no request
 * per corridor per instant. Windows are expanded once per corridor with the domain's own
 * expandWindows (RRULE and DST included).
 */
import { expandWindows, type Interval } from '../../src/domain/windows.js';
import type { CorridorView } from '../../src/schemas/corridor.js';

export type DisplayState = 'open' | 'scheduled' | 'waiting' | 'suspended' | 'closed' | 'rejected' | 'draft';

/** Legend order. */
export const DISPLAY_STATES: readonly DisplayState[] = ['open', 'scheduled', 'waiting', 'suspended', 'closed', 'rejected', 'draft'];

/** Colours that keep 4.5:1 contrast with white text and on the light basemap. */
export const STATE_COLOURS: Record<DisplayState, string> = {
  open: '#1a7f37',
  scheduled: '#0b5cad',
  waiting: '#8a5300',
  suspended: '#b3261e',
  closed: '#5f6368',
  rejected: '#6f3a91',
  draft: '#4d4d4d',
};

export interface Prepared {
  readonly view: CorridorView;
  readonly intervals: readonly Interval[];
  readonly firstStart: number;
  readonly lastEnd: number;
  /** Required guarantors without a valid guarantee of the current version. */
  readonly missing: readonly string[];
  readonly suspensions: readonly { since: number; until: number | null; reason: string; incident: CorridorView['suspensions'][number]['incident'] }[];
}

export function prepare(view: CorridorView): Prepared {
  let intervals: Interval[];
  try {
    intervals = expandWindows(view.terms.windows);
  } catch {
    intervals = [];
  }
  const signed = new Set(view.guarantees.filter((g) => g.valid && g.version === view.version).map((g) => g.partyId));
  return {
    view,
    intervals,
    firstStart: intervals.reduce((m, iv) => Math.min(m, iv.start), Number.POSITIVE_INFINITY),
    lastEnd: intervals.reduce((m, iv) => Math.max(m, iv.end), Number.NEGATIVE_INFINITY),
    missing: view.terms.requiredGuarantors.filter((p) => !signed.has(p)),
    suspensions: view.suspensions.map((s) => ({ since: Date.parse(s.since), until: s.until === null ? null : Date.parse(s.until), reason: s.reason, incident: s.incident ?? null })),
  };
}

type Guarantee = CorridorView['guarantees'][number];

/**
 * Where a required party's guarantee stands (the server's rule: src/domain/guarantee-rules.ts):
 * `signed` while one binds — also when the key it was made with was since retired (superseded),
 * or reported compromised only from after it; `compromised` when the one it gave over the current
 * version was made with a key compromised at the time (it must sign again); `void` when it signed
 * only earlier versions; else `waiting`.
 */
export type GuaranteeStanding = 'signed' | 'compromised' | 'void' | 'waiting';

export interface PartyGuarantee {
  readonly standing: GuaranteeStanding;
  /** The guarantee that binds, if any. */
  readonly current: Guarantee | undefined;
  /** The guarantee of the current version voided by its key's compromise, when none binds. */
  readonly compromised: Guarantee | undefined;
  /** Every other guarantee the party gave (earlier versions, compromised keys), oldest first. */
  readonly others: readonly Guarantee[];
}

export function partyGuarantee(view: CorridorView, partyId: string): PartyGuarantee {
  const mine = view.guarantees.filter((g) => g.partyId === partyId);
  const current = mine.find((g) => g.valid && g.version === view.version);
  const compromised = current ? undefined : mine.filter((g) => g.version === view.version && !g.valid).at(-1);
  const others = mine.filter((g) => g !== current && g !== compromised);
  const standing: GuaranteeStanding = current ? 'signed' : compromised ? 'compromised' : others.length > 0 ? 'void' : 'waiting';
  return { standing, current, compromised, others };
}

/** What became of the key a guarantee was made with, for a note beside it. */
export type KeyFate = { kind: 'standing' } | { kind: 'retired'; at: string } | { kind: 'compromised'; at: string; since: string; voids: boolean };

export function keyFate(g: Guarantee): KeyFate {
  if (g.keyRevokedAt === null) return { kind: 'standing' };
  if (g.keyRevocationReason === 'superseded') return { kind: 'retired', at: g.keyRevokedAt };
  const since = g.keyCompromisedSince ?? g.keyRevokedAt;
  return { kind: 'compromised', at: g.keyRevokedAt, since, voids: Date.parse(g.createdAt) >= Date.parse(since) };
}

export interface Picture {
  readonly state: DisplayState;
  /** The window in force at the instant, if any. */
  readonly current: Interval | undefined;
  /** The next window after the instant, if any. */
  readonly next: Interval | undefined;
  readonly suspension: Prepared['suspensions'][number] | undefined;
}

/** The corridor's state at instant `at` (epoch ms), by the API's rules. */
export function pictureAt(p: Prepared, at: number): Picture {
  const current = p.intervals.find((iv) => iv.start <= at && at < iv.end);
  const next = p.intervals.find((iv) => iv.start > at);
  const lifecycle = p.view.state;
  const suspension = lifecycle === 'guaranteed' || lifecycle === 'suspended' ? p.suspensions.find((s) => s.since <= at && (s.until === null || at < s.until)) : undefined;
  const base = { current, next, suspension };
  if (lifecycle === 'rejected' || lifecycle === 'withdrawn') return { ...base, state: 'rejected' };
  if (lifecycle === 'draft') return { ...base, state: 'draft' };
  if (lifecycle === 'closed' || at >= p.lastEnd) return { ...base, state: 'closed' };
  if (lifecycle === 'proposed' || p.missing.length > 0) return { ...base, state: 'waiting' };
  if (suspension) return { ...base, state: 'suspended' };
  if (current) return { ...base, state: 'open' };
  return { ...base, state: 'scheduled' };
}

/** The span the timeline covers: every window of every corridor, and now, with a day's margin. */
export function timelineRange(ps: readonly Prepared[], now: number): [number, number] {
  let lo = now;
  let hi = now;
  for (const p of ps) {
    if (Number.isFinite(p.firstStart)) lo = Math.min(lo, p.firstStart);
    if (Number.isFinite(p.lastEnd)) hi = Math.max(hi, p.lastEnd);
  }
  const day = 86_400_000;
  return [Math.floor((lo - day) / 3_600_000) * 3_600_000, Math.ceil((hi + day) / 3_600_000) * 3_600_000];
}
