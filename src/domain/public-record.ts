import { signedWhileCompromised, type GuaranteeRecord } from './guarantee-rules.js';

/**
 * What the public may be told about a corridor: only terms every required party guaranteed
 * (DESIGN.md, "Lifecycle of a corridor"). A corridor's terms are versioned; an amendment is a new
 * version that one party wrote and the others have not signed, and a guarantee made with a key
 * later declared compromised stops binding when that is declared. So the public outputs (the
 * page, the calendar, GeoJSON, KML, CSV, CAP) never read a corridor's *current* terms: they read
 * the last version that was fully guaranteed, and say when and why it stopped being so.
 * Pure: the callers load the versions, guarantees and withdrawal from the store.
 */

/** One version of a corridor's terms, as far as who had to guarantee it and when it was made. */
export interface VersionInfo {
  readonly version: number;
  /** When the version was recorded (an amendment's instant), epoch ms. */
  readonly createdAt: number;
  readonly requiredGuarantors: readonly string[];
}

/** Why a version's guarantee stopped holding. */
export type GuaranteeEnd =
  /** A party amended the terms: a new version, not (yet) guaranteed by every party. */
  | { readonly cause: 'amended' }
  /** A required party's key was declared compromised, voiding its guarantee: it must sign again. */
  | { readonly cause: 'key_compromised'; readonly partyId: string }
  /** A party withdrew the corridor. */
  | { readonly cause: 'withdrawn' };

/** An interval in which one version was guaranteed by every required party: [from, until). */
export interface GuaranteedSpan {
  readonly version: number;
  readonly from: number;
  /** When it stopped (null: it holds). */
  readonly until: number | null;
  readonly endedBy: GuaranteeEnd | null;
}

interface Piece {
  from: number;
  until: number;
  end: GuaranteeEnd | null;
}

/** Sorted, disjoint union; where pieces overlap the later end (and its cause) wins. */
function union(pieces: Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const p of [...pieces].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && p.from <= last.until) {
      if (p.until > last.until) {
        last.until = p.until;
        last.end = p.end;
      }
    } else out.push({ ...p });
  }
  return out;
}

/** Where both hold; each piece ends as the first of the two to end does. */
function intersect(a: readonly Piece[], b: readonly Piece[]): Piece[] {
  const out: Piece[] = [];
  for (const x of a) {
    for (const y of b) {
      const from = Math.max(x.from, y.from);
      const until = Math.min(x.until, y.until);
      if (from < until) out.push({ from, until, end: x.until <= y.until ? x.end : y.end });
    }
  }
  return out.sort((p, q) => p.from - q.from);
}

/**
 * When each version of a corridor was guaranteed by every party it required, oldest first. A
 * party's guarantee of a version binds from when it was recorded until the next version is made
 * (an amendment) or, when its key was declared compromised from before it was made, until that
 * declaration (`bindingGuarantors` at an instant reads the same: history before a declaration is
 * not rewritten). A withdrawal ends whatever held then.
 */
export function guaranteedSpans(versions: readonly VersionInfo[], guarantees: readonly GuaranteeRecord[], withdrawnAt: number | null = null): GuaranteedSpan[] {
  const sorted = [...versions].sort((a, b) => a.version - b.version);
  const spans: GuaranteedSpan[] = [];
  sorted.forEach((v, i) => {
    const next = sorted[i + 1];
    const cap = next ? next.createdAt : Number.POSITIVE_INFINITY;
    if (v.requiredGuarantors.length === 0) return;
    let all: Piece[] | null = null;
    for (const party of new Set(v.requiredGuarantors)) {
      const mine = guarantees
        .filter((g) => g.partyId === party && g.version === v.version)
        .flatMap((g): Piece[] => {
          const from = Date.parse(g.createdAt);
          const voidedAt = g.keyCompromise !== null && signedWhileCompromised(g.createdAt, g.keyCompromise) ? Date.parse(g.keyCompromise.declaredAt) : Number.POSITIVE_INFINITY;
          const until = Math.min(voidedAt, cap);
          const end: GuaranteeEnd | null = until === Number.POSITIVE_INFINITY ? null : voidedAt <= cap ? { cause: 'key_compromised', partyId: party } : { cause: 'amended' };
          return Number.isNaN(from) || !(from < until) ? [] : [{ from, until, end }];
        });
      const pieces = union(mine);
      all = all === null ? pieces : intersect(all, pieces);
      if (all.length === 0) break;
    }
    for (const p of all ?? []) {
      let { until, end } = p;
      if (withdrawnAt !== null) {
        if (withdrawnAt <= p.from) continue;
        if (withdrawnAt < until) {
          until = withdrawnAt;
          end = { cause: 'withdrawn' };
        }
      }
      spans.push({ version: v.version, from: p.from, until: until === Number.POSITIVE_INFINITY ? null : until, endedBy: until === Number.POSITIVE_INFINITY ? null : end });
    }
  });
  return spans.sort((a, b) => a.from - b.from);
}

/**
 * Where a corridor stands for the public at `at`: the version shown (the last guaranteed by then)
 * and whether its guarantee holds. `guaranteed`: it holds. `ran_its_course`: it stopped holding
 * only after that version's last window had ended (a key declared compromised later, say) — the
 * corridor is shown as it closed. `ended_early`: it stopped holding while windows were still to
 * run (or running) — the corridor was called off at `since`, for the reason given. Null: never
 * guaranteed by then, so never public.
 */
export type PublicStanding =
  | { readonly kind: 'guaranteed'; readonly version: number; readonly since: number }
  | { readonly kind: 'ran_its_course'; readonly version: number }
  | { readonly kind: 'ended_early'; readonly version: number; readonly since: number; readonly endedBy: GuaranteeEnd };

export function publicStanding(spans: readonly GuaranteedSpan[], at: number, lastWindowEnd: (version: number) => number): PublicStanding | null {
  const span = [...spans].reverse().find((s) => s.from <= at);
  if (!span) return null;
  if (span.until === null || span.until > at || span.endedBy === null) return { kind: 'guaranteed', version: span.version, since: span.from };
  if (lastWindowEnd(span.version) <= span.until) return { kind: 'ran_its_course', version: span.version };
  return { kind: 'ended_early', version: span.version, since: span.until, endedBy: span.endedBy };
}

/**
 * Which guaranteed span speaks for each calendar occurrence (by UID). A span speaks for the
 * occurrences of its version's windows that had not ended when it began to hold (one that ended
 * before was never agreed in those terms); where spans share a UID (an amendment that kept the
 * window, a guarantee given again), the later one speaks. An occurrence only an earlier span had
 * — an amendment moved or dropped its window — stays as that span's, which is what lets a
 * calendar show it cancelled rather than silently lose it; and a window that ran under an earlier
 * version stays as it ran. Sorted by start, then end (else in the order given).
 */
export function calendarOccurrences<T extends { readonly uid: string; readonly start: number; readonly end: number }>(
  spans: readonly GuaranteedSpan[],
  occurrencesOf: (version: number) => readonly T[],
): { span: GuaranteedSpan; occurrence: T }[] {
  const byUid = new Map<string, { span: GuaranteedSpan; occurrence: T }>();
  for (const span of [...spans].sort((a, b) => a.from - b.from)) {
    for (const occurrence of occurrencesOf(span.version)) if (occurrence.end > span.from) byUid.set(occurrence.uid, { span, occurrence });
  }
  return [...byUid.values()].sort((a, b) => a.occurrence.start - b.occurrence.start || a.occurrence.end - b.occurrence.end);
}

/**
 * The events that change what a corridor's public calendar entries say, counted: its iCalendar
 * SEQUENCE. Every amendment, every time it became guaranteed again (after the first), every
 * voiding of a guarantee, every suspension, resumption and withdrawal. It only rises, and rises
 * whenever an event's status or text may have changed (RFC 5545 §3.8.7.4): a calendar client keeps
 * the copy with the higher SEQUENCE.
 */
export const ICS_SEQUENCE_EVENTS = ['corridor.amended', 'corridor.guaranteed', 'guarantee.voided', 'corridor.suspended', 'corridor.resumed', 'corridor.withdrawn'] as const;

export function icsSequence(counts: Readonly<Partial<Record<(typeof ICS_SEQUENCE_EVENTS)[number], number>>>): number {
  const n = (k: (typeof ICS_SEQUENCE_EVENTS)[number]): number => counts[k] ?? 0;
  // The first guarantee is the event's creation, not a change of it.
  return n('corridor.amended') + Math.max(0, n('corridor.guaranteed') - 1) + n('guarantee.voided') + n('corridor.suspended') + n('corridor.resumed') + n('corridor.withdrawn');
}
