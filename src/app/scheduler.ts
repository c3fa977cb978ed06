import type { CorridorState } from '../schemas/corridor.js';
import { computeStatus } from '../domain/corridor-status.js';
import { expandStoredWindows, formatUtc, mergeIntervals } from '../domain/windows.js';
import { bindingParties, loadCorridors } from './corridors.js';
import type { Deps } from './deps.js';
import { emitEvent } from './events.js';
import { dispatchDeliveries, enqueueDeliveries, fetchSender, type Sender } from './webhooks.js';

const WATERMARK = 'windows.watermark';

/** A window boundary the scheduler announces. */
export interface WindowBoundary {
  readonly at: number;
  readonly type: 'corridor.opened' | 'corridor.closed';
  readonly corridorId: string;
  readonly payload: Record<string, unknown>;
}

class Lost extends Error {}

/**
 * Window starts and ends in (from, to], for corridors guaranteed then: a start is announced if
 * the corridor is open at that instant, an end if it was open just before. Windows that overlap
 * or touch count as one. Suspensions are announced by their own events, not here.
 */
export async function windowBoundaries(deps: Deps, from: number, to: number): Promise<WindowBoundary[]> {
  const db = deps.store.db;
  const out: WindowBoundary[] = [];
  for (const c of await loadCorridors(db, { states: ['guaranteed', 'suspended', 'closed'], incidents: false })) {
    const id = c.row.id;
    const intervals = mergeIntervals(expandStoredWindows(c.terms.windows).intervals);
    const tz = c.terms.windows[0]?.timeZone ?? 'UTC';
    const status = (at: number) =>
      computeStatus({
        corridorId: id,
        version: c.row.current_version,
        state: c.row.state as CorridorState,
        windows: c.terms.windows,
        requiredGuarantors: c.terms.requiredGuarantors.map((p) => ({ id: p, name: p })),
        // Guarantees as they stood at that instant: a corridor guaranteed mid-window was not open
        // at the window's start (its guarantee announced the opening itself, then); one whose
        // key was revoked before it no longer held.
        signedParties: bindingParties(c, at),
        suspensions: c.suspensions.map((s) => ({ since: Date.parse(s.since), until: s.until === null ? null : Date.parse(s.until), reason: s.reason })),
        at,
      });
    for (const [start, end] of intervals) {
      const window = { start: formatUtc(start), end: formatUtc(end), timeZone: tz };
      const base = { corridorId: id, title: c.terms.title, version: c.row.current_version, window };
      if (start > from && start <= to && status(start).open) out.push({ at: start, type: 'corridor.opened', corridorId: id, payload: { ...base, state: 'open', at: window.start } });
      if (end > from && end <= to && status(end - 1).open) out.push({ at: end, type: 'corridor.closed', corridorId: id, payload: { ...base, state: 'closed', at: window.end } });
    }
  }
  out.sort((a, b) => a.at - b.at || a.corridorId.localeCompare(b.corridorId) || a.type.localeCompare(b.type));
  return out;
}

/**
 * Announces window boundaries up to now, exactly once across restarts and processes: the
 * watermark (the instant up to which boundaries were announced) moves by compare-and-set in the
 * same transaction as the events. On the first run the watermark starts at now (history is
 * not replayed); after downtime, the boundaries missed are announced late, never skipped.
 */
export async function tickWindows(deps: Deps): Promise<number> {
  const db = deps.store.db;
  const now = deps.now();
  const row = await db.selectFrom('scheduler_state').select('value').where('key', '=', WATERMARK).executeTakeFirst();
  if (!row) {
    try {
      await db.insertInto('scheduler_state').values({ key: WATERMARK, value: formatUtc(now) }).execute();
    } catch {
      /* another process initialised it */
    }
    return 0;
  }
  const from = Date.parse(row.value);
  if (!(now > from)) return 0;
  const boundaries = await windowBoundaries(deps, from, now);
  try {
    await deps.store.transaction(async (tx) => {
      const moved = await tx.updateTable('scheduler_state').set({ value: formatUtc(now) }).where('key', '=', WATERMARK).where('value', '=', row.value).executeTakeFirst();
      if (Number(moved.numUpdatedRows) !== 1) throw new Lost();
      for (const b of boundaries) await emitEvent({ tx, deps }, { type: b.type, subject: `corridor/${b.corridorId}`, corridorId: b.corridorId, payload: b.payload });
    });
  } catch (e) {
    if (e instanceof Lost) return 0;
    throw e;
  }
  return boundaries.length;
}

export interface SchedulerOptions {
  /** Milliseconds between ticks (default 250). */
  readonly intervalMs?: number;
  readonly send?: Sender;
  readonly onError?: (e: unknown) => void;
}

/**
 * Background work of `passage serve` (issue 6): window opened/closed events that survive
 * restarts, never emitted twice or skipped; webhook deliveries from the outbox, off the request
 * path (a slow receiver holds only its own queue). Returns a stop function.
 */
export function startScheduler(deps: Deps, opts: SchedulerOptions = {}): () => Promise<void> {
  const interval = opts.intervalMs ?? 250;
  const inFlight = new Map<string, Promise<void>>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let lastError = '';
  const report = (e: unknown): void => {
    if (opts.onError) return opts.onError(e);
    const text = (e as Error)?.message ?? String(e);
    if (text !== lastError) process.stderr.write(`passage scheduler: ${text}\n`);
    lastError = text;
  };
  const tick = async (): Promise<void> => {
    try {
      await tickWindows(deps);
      await enqueueDeliveries(deps);
      await dispatchDeliveries(deps, inFlight, opts.send ?? fetchSender, () => !stopped);
    } catch (e) {
      if (!stopped) report(e);
    }
  };
  const loop = (): void => {
    if (stopped) return;
    running = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, interval);
    });
  };
  loop();
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
    await Promise.allSettled([...inFlight.values()]);
  };
}
