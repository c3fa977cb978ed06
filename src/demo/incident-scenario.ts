import type { Deps } from '../app/deps.js';
import { inTransaction } from '../app/deps.js';
import { matchIncident, reportIncident } from '../app/incidents.js';
import { parseRfc3339 } from '../domain/windows.js';
import { IncidentInput } from '../schemas/incident.js';
import type { DemoContext } from './demo-context.js';

/**
 * Loads the 5 March shelling report on the Mariupol route, awaiting the mediator's confirmation
 * (issue 6). Confirming it (`passage incidents confirm <id>`, or POST /incidents/{id}/confirm)
 * suspends the Mariupol → Zaporizhzhia corridor under its default suspension policy, from the
 * time of the shelling. Illustrative, like the rest of the demo.
 */
export async function loadIncidentDemo(deps: Deps, ctx: DemoContext): Promise<void> {
  const reporter = ctx.actors.get('ua-liaison');
  const corridorId = ctx.corridors['mariupol-zaporizhzhia'];
  if (!reporter || !corridorId) return;
  const input = IncidentInput.parse({
    kind: 'shelling',
    severity: 'severe',
    // On the route between Mariupol and Nikolske.
    geometry: { type: 'Point', coordinates: [37.4265, 47.1485] },
    occurredAt: ctx.t('2022-03-05T11:30:00+02:00'),
    description: 'Shelling reported on the route near Mariupol as the evacuation was to start; evacuation postponed (illustrative, after public reports)',
    evidence: [{ sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', name: 'statement-mariupol-city-council.txt (illustrative placeholder)' }],
    casualties: null,
  });
  const corridorIds = await matchIncident(deps, input.geometry, parseRfc3339(input.occurredAt) ?? deps.now());
  const view = await inTransaction(deps, (u) => reportIncident(u, reporter, input, corridorIds));
  ctx.extra.incidents = { 'mariupol-shelling': view.id };
}
