import type { Deps } from './deps.js';

/**
 * Background work of `passage serve` (issue 6: window opened/closed events that survive
 * restarts, never emitted twice or skipped; webhook deliveries). Returns a stop function.
 */
export function startScheduler(_deps: Deps): () => Promise<void> {
  return async () => {};
}
