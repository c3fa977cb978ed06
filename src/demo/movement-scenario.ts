import type { Deps } from '../app/deps.js';
import type { DemoContext } from './demo-context.js';

/** Loads the Sumy → Poltava convoy: movement, vehicles, tracker devices, manifest (issue 5). */
export async function loadMovementDemo(_deps: Deps, _ctx: DemoContext): Promise<void> {}
