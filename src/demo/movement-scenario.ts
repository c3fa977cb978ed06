import { inTransaction, type Deps } from '../app/deps.js';
import { acknowledgeMovement, notifyMovement } from '../app/movements.js';
import type { MovementInput } from '../schemas/movement.js';
import type { DemoContext } from './demo-context.js';

/**
 * The Sumy → Poltava convoy of 8 March 2022 (illustrative: public reports say about 5,000 people
 * left with ICRC that day; this is one small convoy of it, with invented plates and counts).
 * Notified by the convoy operator, shared with Ukraine, Russia and the receiving operator at
 * Poltava (the consignee of its cargo, which alone confirms delivery), acknowledged by all three.
 * It has not departed: `passage simulate` drives it, over the OsmAnd protocol, like the drivers'
 * phones, and records the receipt as the receiving operator.
 */
export async function loadMovementDemo(deps: Deps, ctx: DemoContext): Promise<void> {
  const operator = ctx.actors.get('convoy-operator');
  const corridorId = ctx.corridors['sumy-poltava'];
  if (!operator || !corridorId) throw new Error('the movement demo needs the convoy operator and the Sumy → Poltava corridor');
  const [bus1, bus2, bus3] = ctx.trackerDevices;
  const input: MovementInput = {
    corridorId,
    title: 'Sumy → Poltava evacuation convoy (illustrative)',
    plannedDeparture: ctx.t('2022-03-08T10:00:00+02:00'),
    vehicles: [
      { plate: 'ICRC-01 (lead)', type: 'car', seats: 4 },
      { plate: 'BM 0101 AA', type: 'bus', seats: 55, ...(bus1 ? { trackerDeviceId: bus1 } : {}) },
      { plate: 'BM 0202 AA', type: 'bus', seats: 55, ...(bus2 ? { trackerDeviceId: bus2 } : {}) },
      { plate: 'BM 0303 AA', type: 'bus', seats: 55, ...(bus3 ? { trackerDeviceId: bus3 } : {}) },
    ],
    manifest: {
      people: { adults: 82, children: 51, elderly: 19, wounded: 3, personsWithDisabilities: 4 },
      cargo: [
        { id: 'insulin', item: 'Insulin for Poltava regional hospital', category: 'medicine', quantity: 300, unit: 'doses' },
        { id: 'baby-food', item: 'Infant formula', category: 'food', quantity: 120, unit: 'kg' },
      ],
    },
    // The cargo is for the receiving operator at Poltava: it alone confirms delivery by receipt.
    distribution: ['ua', 'ru', 'poltava-aid'],
    receivingPartyId: 'poltava-aid',
    rules: {},
    notes: 'Illustrative demo movement based on public reports of 8 March 2022; not a record of events.',
  };
  const m = await inTransaction(deps, (u) => notifyMovement(u, operator, input));
  for (const key of ['ua-liaison', 'ru-liaison', 'receiving-operator']) {
    const a = ctx.actors.get(key);
    if (a) await inTransaction(deps, (u) => acknowledgeMovement(u, a, m.id));
  }
  ctx.extra.movementId = m.id;
  ctx.extra.movement = { id: m.id, corridorId, trackerDevices: [...ctx.trackerDevices], checkpoints: ['lokhvytsia', 'lubny'], operatorMember: 'convoy-operator', receiverMember: 'receiving-operator' };
}
