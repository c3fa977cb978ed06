/**
 * Bursts of live events turned into few calls: a call runs once the events pause for `quietMs`,
 * but never later than `maxWaitMs` after the first event it answers — so a stream that never
 * pauses (a tracker reporting every half second) still refreshes at least that often, instead of
 * waiting for a quiet spell that never comes. One call at a time: events during a call bring one
 * more call after it.
 */
export interface Coalescer {
  /** An event arrived: a call is due (soon, or at the latest `maxWaitMs` after the first waiting event). */
  poke(): void;
  /** No call any more (the page was left). */
  cancel(): void;
}

export function coalescer(run: () => void | Promise<void>, opts: { quietMs: number; maxWaitMs: number }, now: () => number = () => Date.now()): Coalescer {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let firstAt = 0;
  let running = false;
  let again = false;
  let cancelled = false;
  const fire = async (): Promise<void> => {
    timer = undefined;
    if (cancelled) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await run();
    } catch {
      /* the next event tries again */
    } finally {
      running = false;
    }
    if (again && !cancelled) {
      again = false;
      poke();
    }
  };
  const poke = (): void => {
    if (cancelled) return;
    const t = now();
    if (timer === undefined) firstAt = t;
    else clearTimeout(timer);
    const due = Math.min(t + opts.quietMs, firstAt + opts.maxWaitMs);
    timer = setTimeout(() => void fire(), Math.max(0, due - t));
  };
  return {
    poke,
    cancel() {
      cancelled = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
