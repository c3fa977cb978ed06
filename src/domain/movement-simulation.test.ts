import { describe, expect, it } from 'vitest';
import { planConvoy, planEnd, replayableAt } from './movement-simulation.js';
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

  it('replays nothing dated after now: a day not over yet moves earlier as a whole, one already over stays as planned', () => {
    const now = Date.parse('2022-03-08T09:00:00.250Z');
    const options = { route, checkpoints: cps, devices: ['a', 'b', 'c'], stopAt: 'lokhvytsia', stopMinutes: 40, strayDevice: 'c' };
    // Departing an hour ago, the convoy is still on its way: as planned, most of it lies ahead.
    const planned = planConvoy({ ...options, start: now - 3_600_000 });
    expect(planEnd(planned)).toBe(planned.receiptAt);
    expect(planned.fixes.filter((f) => f.at > now).length).toBeGreaterThan(planned.fixes.length / 2);
    const { plan, shiftMs } = replayableAt(planned, now);
    expect(shiftMs).toBeLessThan(0);
    expect(Math.abs(shiftMs % 1000)).toBe(0);
    const times = [plan.departAt, ...plan.fixes.map((f) => f.at), ...plan.counts.map((c) => c.at), plan.arrivalAt, plan.receiptAt];
    expect(Math.max(...times)).toBeLessThanOrEqual(now);
    expect(now - planEnd(plan)).toBeLessThan(1000);
    // The same day, only earlier: every record keeps its place relative to the departure.
    expect(plan.fixes.map((f) => [f.deviceId, f.at - plan.departAt, f.lat, f.lon, f.speedKn])).toEqual(planned.fixes.map((f) => [f.deviceId, f.at - planned.departAt, f.lat, f.lon, f.speedKn]));
    expect(plan.counts.map((c) => c.at - plan.departAt)).toEqual(planned.counts.map((c) => c.at - planned.departAt));
    expect(plan.departAt).toBe(planned.departAt + shiftMs);
    // A day that is over is replayed as planned.
    const earlier = planConvoy({ ...options, start: now - 7 * 3_600_000 });
    expect(replayableAt(earlier, now)).toEqual({ plan: earlier, shiftMs: 0 });
  });
});
