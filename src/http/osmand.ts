import type { Deps } from '../app/deps.js';

/**
 * The OsmAnd / Traccar Client listener on its own port (issue 5). Resolves once listening, with
 * the address and a function that stops it.
 */
export async function startOsmandListener(_deps: Deps, _opts: { host: string; port: number }): Promise<{ address: string; close: () => Promise<void> } | undefined> {
  return undefined;
}
