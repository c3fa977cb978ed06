import { describe, expect, it } from 'vitest';
import { belongsToCurrentMovement, DEFAULT_RULES, evaluateFix, evaluateSilence, fixTimeProblem, haversineM, initialRuleState, isJudged, MAX_FIX_AHEAD_MS, MAX_FIX_STORED_AHEAD_MS, measurementProblem, plausibleMeasurements, type FixContext, type Transition } from './tracking.js';

const T0 = Date.parse('2022-03-08T09:00:00Z');
const inZone: FixContext = { inZone: true, corridorActive: true, nearestStopM: 50_000, destinationM: 100_000 };
let n = 0;
const id = (): string => `alr_${++n}`;

function run(fixes: { at: number; lon?: number; lat?: number; speed?: number; ctx?: Partial<FixContext> }[], cfg = DEFAULT_RULES) {
  const s = initialRuleState();
  const all: Transition[] = [];
  for (const f of fixes) all.push(...evaluateFix(s, { at: f.at, lon: f.lon ?? 33, lat: f.lat ?? 50, speed: f.speed ?? 15 }, { ...inZone, ...(f.ctx ?? {}) }, cfg, id));
  return { s, all };
}

describe('which movement a fix belongs to', () => {
  it('to the one its device is on now, unless dated up to the device’s release from an earlier one', () => {
    expect(belongsToCurrentMovement(T0, null)).toBe(true);
    expect(belongsToCurrentMovement(T0 + 1, T0)).toBe(true);
    expect(belongsToCurrentMovement(T0, T0)).toBe(false);
    expect(belongsToCurrentMovement(T0 - 60_000, T0)).toBe(false);
  });
});

describe('which fixes the rules judge', () => {
  const now = T0 + 3_600_000;
  const departed = { movementState: 'departed', lastJudgedAt: T0, now };
  it('judges a departed convoy’s new, valid, credibly dated fixes', () => {
    expect(isJudged({ at: T0 + 1000 }, departed)).toBe(true);
    expect(isJudged({ at: T0 + 1000, valid: true }, departed)).toBe(true);
    expect(isJudged({ at: now + MAX_FIX_AHEAD_MS }, departed)).toBe(true);
    expect(isJudged({ at: T0 - 1000 }, { ...departed, lastJudgedAt: null })).toBe(true);
  });
  it('skips fixes before departure, late retries, invalid fixes and ones from a clock far ahead', () => {
    for (const movementState of ['notified', 'arrived', 'aborted']) expect(isJudged({ at: T0 + 1000 }, { ...departed, movementState })).toBe(false);
    expect(isJudged({ at: T0 }, departed)).toBe(false);
    expect(isJudged({ at: T0 - 1 }, departed)).toBe(false);
    expect(isJudged({ at: T0 + 1000, valid: false }, departed)).toBe(false);
    expect(isJudged({ at: now + MAX_FIX_AHEAD_MS + 1 }, departed)).toBe(false);
    // Dated before the departure (a late upload, a wrong clock): the convoy was not on its way yet.
    expect(isJudged({ at: T0 - 1000 }, { ...departed, lastJudgedAt: null, departedAt: T0 })).toBe(false);
    expect(isJudged({ at: T0 }, { ...departed, lastJudgedAt: null, departedAt: T0 })).toBe(true);
  });
});

describe('live rules', () => {
  it('raises off-route once after more than N fixes outside the zone, and clears it on return', () => {
    const out = { ctx: { inZone: false } };
    const { all } = run([0, 1, 2, 3, 4, 5].map((i) => ({ at: T0 + i * 5000, ...(i < 5 ? out : {}) })));
    expect(all.filter((t) => t.type === 'off_route').map((t) => t.action)).toEqual(['raise', 'clear']);
    expect(all[0]).toMatchObject({ type: 'off_route', at: T0 + 3 * 5000, details: { fixesOutside: 4 } });
  });

  it('raises off-route after T seconds outside even with few fixes', () => {
    const { all } = run([{ at: T0, ctx: { inZone: false } }, { at: T0 + 121_000, ctx: { inZone: false } }]);
    expect(all.map((t) => `${t.type}:${t.action}`)).toEqual(['off_route:raise']);
  });

  it('leaves off-route alone when zone membership cannot be told', () => {
    const { all, s } = run([{ at: T0, ctx: { inZone: false } }, { at: T0 + 1000, ctx: { inZone: undefined } }]);
    expect(all).toEqual([]);
    expect(s.outCount).toBe(1);
  });

  it('takes a negative reported speed for unknown and derives it from the fixes, so a moving bus is not "stopped"', () => {
    // ~1 km a minute northwards, each fix reporting -1 (no speed fix on the phone).
    const moving = run([0, 5, 11, 12, 13].map((m) => ({ at: T0 + m * 60_000, lat: 50 + m * 0.009, speed: -1 })));
    expect(moving.all).toEqual([]);
    // Standing still with the same -1: the derived speed is 0 from the second fix on (the first
    // has nothing to derive from), and stopped is raised as usual once that lasts.
    const still = run([0, 5, 11, 16].map((m) => ({ at: T0 + m * 60_000, speed: -1 })));
    expect(still.all.map((t) => `${t.type}:${t.action}`)).toEqual(['stopped:raise']);
  });

  it('raises stopped after T minutes below the speed threshold away from a checkpoint, not near one', () => {
    const away = run([0, 5, 11, 12].map((m) => ({ at: T0 + m * 60_000, speed: 0 })));
    expect(away.all.map((t) => `${t.type}:${t.action}`)).toEqual(['stopped:raise']);
    const near = run([0, 5, 11, 30].map((m) => ({ at: T0 + m * 60_000, speed: 0, ctx: { nearestStopM: 300 } })));
    expect(near.all).toEqual([]);
    const resumed = run([...[0, 11].map((m) => ({ at: T0 + m * 60_000, speed: 0 })), { at: T0 + 12 * 60_000, speed: 12 }]);
    expect(resumed.all.map((t) => `${t.type}:${t.action}`)).toEqual(['stopped:raise', 'stopped:clear']);
  });

  it('derives speed from consecutive fixes when the tracker sends none', () => {
    const s = initialRuleState();
    const ctx = { ...inZone, corridorActive: false };
    expect(evaluateFix(s, { at: T0, lon: 33, lat: 50 }, ctx, DEFAULT_RULES, id)).toEqual([]);
    const t = evaluateFix(s, { at: T0 + 60_000, lon: 33, lat: 50.01 }, ctx, DEFAULT_RULES, id); // ≈ 1.1 km/min
    expect(t.map((x) => x.type)).toEqual(['moving_while_closed']);
  });

  it('raises moving-while-closed once while the corridor is closed or suspended, and clears when it opens or the vehicle stops', () => {
    const { all } = run([
      { at: T0, ctx: { corridorActive: false } },
      { at: T0 + 1000, ctx: { corridorActive: false } },
      { at: T0 + 2000, ctx: { corridorActive: true } },
      { at: T0 + 3000, ctx: { corridorActive: false } },
      { at: T0 + 4000, speed: 0, ctx: { corridorActive: false } },
    ]);
    expect(all.filter((t) => t.type === 'moving_while_closed').map((t) => t.action)).toEqual(['raise', 'clear', 'raise', 'clear']);
  });

  it('raises arrived within the destination radius, once', () => {
    const { all } = run([{ at: T0, ctx: { destinationM: 1500 } }, { at: T0 + 1000, ctx: { destinationM: 800 } }]);
    expect(all.map((t) => `${t.type}:${t.action}`)).toEqual(['arrived:raise']);
  });

  it('raises no-signal once after T minutes of silence and clears it on the next fix', () => {
    const s = initialRuleState();
    expect(evaluateSilence(s, T0, T0 + 9 * 60_000, DEFAULT_RULES, id)).toEqual([]);
    expect(evaluateSilence(s, T0, T0 + 11 * 60_000, DEFAULT_RULES, id)).toHaveLength(1);
    expect(evaluateSilence(s, T0, T0 + 20 * 60_000, DEFAULT_RULES, id)).toEqual([]);
    const t = evaluateFix(s, { at: T0 + 21 * 60_000, lon: 33, lat: 50, speed: 10 }, inZone, DEFAULT_RULES, id);
    expect(t.map((x) => `${x.type}:${x.action}`)).toEqual(['no_signal:clear']);
  });

  it('measures great-circle metres', () => {
    expect(haversineM(34.798, 50.908, 34.551, 49.588)).toBeGreaterThan(146_000);
    expect(haversineM(34.798, 50.908, 34.551, 49.588)).toBeLessThan(149_000);
  });
});

describe('what a fix may say', () => {
  const NOW = Date.parse('2022-03-08T10:00:00Z');
  it('dates: from 2000-01-01 to a year ahead of the server clock', () => {
    expect(fixTimeProblem(Date.UTC(2000, 0, 1), NOW)).toBeUndefined();
    expect(fixTimeProblem(Date.UTC(2000, 0, 1) - 1, NOW)).toMatch(/before 2000-01-01/);
    expect(fixTimeProblem(0, NOW)).toMatch(/^1970-01-01T00:00:00.000Z is before 2000-01-01/);
    expect(fixTimeProblem(NOW + MAX_FIX_STORED_AHEAD_MS, NOW)).toBeUndefined();
    expect(fixTimeProblem(NOW + MAX_FIX_STORED_AHEAD_MS + 1, NOW)).toMatch(/more than a year ahead/);
  });
  it('measurements: within their ranges, bounds included', () => {
    expect(measurementProblem('speed', 0)).toBeUndefined();
    expect(measurementProblem('speed', 300)).toBeUndefined();
    expect(measurementProblem('speed', 300.1)).toBe('must be in [0, 300] m/s');
    expect(measurementProblem('bearing', 360)).toBeUndefined();
    expect(measurementProblem('bearing', -0.5)).toMatch(/\[0, 360\]/);
    expect(measurementProblem('battery', 101)).toMatch(/\[0, 100\] %/);
    expect(measurementProblem('altitude', -430)).toBeUndefined(); // the Dead Sea shore
    expect(measurementProblem('accuracy', Number.NaN)).toMatch(/\[0, 1000000\]/);
  });
  it('a phone report keeps its possible readings and loses only the impossible ones', () => {
    const r = { deviceId: 'p', speed: 1e300, bearing: 999, altitude: 120, accuracy: 5, battery: 500, lat: 50, lon: 33 };
    expect(plausibleMeasurements(r)).toEqual({ ...r, speed: undefined, bearing: undefined, battery: undefined });
    const fine = { deviceId: 'p', speed: 10, bearing: 90 };
    expect(plausibleMeasurements(fine)).toBe(fine);
  });
});
