import { describe, expect, it } from 'vitest';
import { planConvoy } from './movement-simulation.js';
import { haversineM } from './tracking.js';

const route: [number, number][] = [[34.798, 50.908], [34.0, 50.52], [33.265, 50.36], [32.997, 50.019], [34.551, 49.588]];
const cps = [{ id: 'lokhvytsia', name: 'Lokhvytsia', coordinates: [33.265, 50.36] as [number, number] }, { id: 'lubny', name: 'Lubny', coordinates: [32.997, 50.019] as [number, number] }];

describe('convoy simulation plan', () => {
  it('drives every bus to the destination, stops at the checkpoint, and sends one bus off the route', () => {
    const start = Date.parse('2022-03-08T08:00:00Z');
    const plan = planConvoy({ route, checkpoints: cps, devices: ['a', 'b', 'c'], start, stopAt: 'lokhvytsia', stopMinutes: 30, strayDevice: 'c' });
    for (const d of ['a', 'b', 'c']) {
      const f = plan.fixes.filter((x) => x.deviceId === d);
      const last = f.at(-1)!;
      expect(haversineM(last.lon, last.lat, 34.551, 49.588)).toBeLessThan(100);
      const stopped = f.filter((x) => x.speedKn === 0 && haversineM(x.lon, x.lat, 33.265, 50.36) < 1500);
      expect(stopped.length).toBeGreaterThanOrEqual(25);
    }
    expect(plan.counts.map((c) => c.checkpointId ?? c.kind)).toEqual(['lokhvytsia', 'lubny', 'arrival']);
    expect(plan.fixes.map((f) => f.at)).toEqual([...plan.fixes.map((f) => f.at)].sort((a, b) => a - b));
  });
});
