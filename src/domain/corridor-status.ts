import type { z } from 'zod';
import type { CorridorState, StatusReason as StatusReasonZ } from '../schemas/corridor.js';

type StatusReasonSchema = z.infer<typeof StatusReasonZ>;
import type { WindowSpec } from './windows.js';
import { expandStoredWindows, formatLocal, formatUtc, mergeIntervals, subtractIntervals, windowsAround, type MergedWindow } from './windows.js';

export interface SuspensionRecord {
  /** Its id, where the caller has one: what names it, as two suspensions may share a start. */
  readonly id?: string;
  readonly since: number;
  /** When it was resumed, or null while it holds. */
  readonly until: number | null;
  readonly reason: string;
}

export interface StatusInput {
  readonly corridorId: string;
  readonly version: number;
  readonly state: CorridorState;
  readonly windows: readonly WindowSpec[];
  readonly requiredGuarantors: readonly { id: string; name: string }[];
  /** Parties whose guarantee over the current version holds. */
  readonly signedParties: readonly string[];
  /**
   * Guarantees of the current version voided because the key they were made with was declared
   * compromised from before them (guarantee-rules.ts): named in the reason, so a reader learns why
   * a party that signed is missing and what it must do.
   */
  readonly compromisedKeyGuarantees?: readonly { partyId: string; kid: string; compromisedSince: string; keyRevokedAt: string }[];
  readonly suspensions: readonly SuspensionRecord[];
  readonly at: number;
}

export interface WindowInstance {
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly startLocal: string;
  readonly endLocal: string;
}

/** The reason codes of the API's schema (src/schemas/corridor.ts), which this module produces. */
export type StatusReasonCode = StatusReasonSchema['code'];

export interface StatusReason {
  readonly code: StatusReasonCode;
  readonly message: string;
  readonly missingGuarantors?: { id: string; name: string }[];
  readonly since?: string;
  readonly reason?: string;
  /** The suspension in force (code `suspended`), when its record had an id. */
  readonly suspensionId?: string;
}

export interface CorridorStatus {
  readonly corridorId: string;
  readonly version: number;
  readonly at: string;
  /** The lifecycle state, with `closed` once the last window has ended. */
  readonly state: CorridorState;
  readonly open: boolean;
  readonly currentWindow: WindowInstance | null;
  readonly nextWindow: WindowInstance | null;
  readonly reasons: StatusReason[];
}

function instance(iv: MergedWindow, windows: readonly WindowSpec[]): WindowInstance {
  const tz = windows[iv.windowIndex]?.timeZone ?? 'UTC';
  return { start: formatUtc(iv.start), end: formatUtc(iv.end), timeZone: tz, startLocal: formatLocal(iv.start, tz), endLocal: formatLocal(iv.end, tz) };
}

/** Whether a suspension covers instant `at`. */
function suspensionAt(suspensions: readonly SuspensionRecord[], at: number): SuspensionRecord | undefined {
  return suspensions.find((s) => s.since <= at && (s.until === null || at < s.until));
}

/**
 * Whether a corridor is open at `at`, and why not. Open means: its lifecycle allows it
 * (guaranteed, or suspended at another time), every required guarantor signed the current
 * version, `at` falls in a window, and no suspension covers `at`. Never stored: computed.
 */
export function computeStatus(input: StatusInput): CorridorStatus {
  const { intervals, problem } = expandStoredWindows(input.windows);
  if (problem !== undefined) {
    // Terms stored under older rules that these no longer expand: never open, and say why.
    return {
      corridorId: input.corridorId,
      version: input.version,
      at: formatUtc(input.at),
      state: input.state,
      open: false,
      currentWindow: null,
      nextWindow: null,
      reasons: [{ code: 'unreadable_windows', message: `its stored windows can no longer be expanded (${problem}); the parties must amend them` }],
    };
  }
  // Windows that overlap or touch are one: the corridor stays open across the seam, and "open
  // until" is the end of the whole run, as the scheduler announces it (windowsAround).
  const around = windowsAround(intervals, input.at);
  const current = around.current ?? undefined;
  const next = around.next ?? undefined;
  const lastEnd = intervals.reduce((m, iv) => Math.max(m, iv.end), Number.NEGATIVE_INFINITY);
  const reasons: StatusReason[] = [];
  const signed = new Set(input.signedParties);
  const missing = input.requiredGuarantors.filter((p) => !signed.has(p.id));
  let state = input.state;

  switch (input.state) {
    case 'draft':
      reasons.push({ code: 'draft', message: 'the corridor is a draft and has not been proposed' });
      break;
    case 'withdrawn':
      reasons.push({ code: 'withdrawn', message: 'the corridor was withdrawn' });
      break;
    case 'rejected':
      reasons.push({ code: 'rejected', message: 'the corridor was rejected' });
      break;
    default:
      break;
  }
  if ((input.state === 'proposed' || input.state === 'guaranteed' || input.state === 'suspended') && input.at >= lastEnd) {
    state = 'closed';
  }
  if (state === 'closed') reasons.push({ code: 'expired', message: `its last window ended at ${formatUtc(lastEnd)}` });
  if (missing.length > 0 && input.state !== 'withdrawn' && input.state !== 'rejected') {
    const revoked = missing.flatMap((m) => {
      const r = input.compromisedKeyGuarantees?.find((x) => x.partyId === m.id);
      return r ? [`${m.name}’s guarantee was made with key ${r.kid}, declared compromised at ${r.keyRevokedAt} (since ${r.compromisedSince}): it must sign again with a key that stands`] : [];
    });
    reasons.push({
      code: 'not_guaranteed',
      message: `not yet guaranteed by ${missing.map((m) => m.name).join(' and ')}${revoked.length > 0 ? ` (${revoked.join('; ')})` : ''}`,
      missingGuarantors: missing,
    });
  }
  const susp = suspensionAt(input.suspensions, input.at);
  if (susp && (input.state === 'guaranteed' || input.state === 'suspended')) {
    reasons.push({ code: 'suspended', message: `suspended since ${formatUtc(susp.since)}: ${susp.reason}`, since: formatUtc(susp.since), reason: susp.reason, ...(susp.id === undefined ? {} : { suspensionId: susp.id }) });
  }
  if (!current && state !== 'closed') {
    reasons.push({
      code: 'outside_window',
      message: next ? `outside its windows; the next opens at ${formatUtc(next.start)}` : 'outside its windows',
    });
  }
  const lifecycleAllows = input.state === 'guaranteed' || input.state === 'suspended';
  const open = lifecycleAllows && missing.length === 0 && current !== undefined && susp === undefined && state !== 'closed';
  return {
    corridorId: input.corridorId,
    version: input.version,
    at: formatUtc(input.at),
    state,
    open,
    currentWindow: current ? instance(current, input.windows) : null,
    nextWindow: next ? instance(next, input.windows) : null,
    reasons: open ? [] : reasons,
  };
}

/**
 * The instants at which the corridor's ceasefire zone holds: its windows, while guaranteed,
 * minus suspensions. Sorted, disjoint [start, end) in epoch ms. What the geo index consumes.
 */
export function activeIntervals(input: Omit<StatusInput, 'at'>): [number, number][] {
  if (input.state !== 'guaranteed' && input.state !== 'suspended') return [];
  const signed = new Set(input.signedParties);
  if (!input.requiredGuarantors.every((p) => signed.has(p.id))) return [];
  // Windows that no longer expand hold no ceasefire (see computeStatus): fail closed.
  const merged = mergeIntervals(expandStoredWindows(input.windows).intervals);
  return subtractIntervals(
    merged,
    input.suspensions.map((s) => [s.since, s.until ?? Number.POSITIVE_INFINITY]),
  );
}
