import { densifyGeodesic } from './geo/geodesic.js';
import { haversineM } from './tracking.js';

/**
 * A scripted convoy for `passage simulate` (illustrative): buses driving a corridor's route at a
 * steady speed, one fix a minute each, stopping at a named checkpoint, one bus leaving the route
 * for a while, and the counts made on the way. Pure: the CLI sends what this plans.
 */

export interface SimFix {
  readonly deviceId: string;
  readonly at: number;
  readonly lat: number;
  readonly lon: number;
  /** knots, as the OsmAnd protocol has it */
  readonly speedKn: number;
  readonly bearing: number;
}

export interface SimCount {
  readonly at: number;
  readonly kind: 'checkpoint' | 'arrival';
  readonly checkpointId: string | null;
  readonly name: string;
}

export interface SimPlan {
  /** When the convoy departs (its departure count). */
  readonly departAt: number;
  readonly fixes: SimFix[];
  readonly counts: SimCount[];
  readonly arrivalAt: number;
  /** When the receiving operator confirms the cargo: the plan's last record. */
  readonly receiptAt: number;
}

export interface SimOptions {
  readonly route: readonly (readonly [number, number])[];
  readonly checkpoints: readonly { id: string; name: string; coordinates: readonly [number, number] }[];
  readonly devices: readonly string[];
  readonly start: number;
  /** km/h */
  readonly speedKmh?: number;
  readonly fixEverySec?: number;
  /** the checkpoint where the convoy stops, and for how long */
  readonly stopAt?: string;
  readonly stopMinutes?: number;
  /** the device that leaves the route, how far (m) and for how many fixes */
  readonly strayDevice?: string;
  readonly strayM?: number;
  readonly strayFixes?: number;
}

const KMH_KN = 1 / 1.852;

function bearingOf(a: readonly [number, number], b: readonly [number, number]): number {
  const r = Math.PI / 180;
  const y = Math.sin((b[0] - a[0]) * r) * Math.cos(b[1] * r);
  const x = Math.cos(a[1] * r) * Math.sin(b[1] * r) - Math.sin(a[1] * r) * Math.cos(b[1] * r) * Math.cos((b[0] - a[0]) * r);
  return ((Math.atan2(y, x) / r + 360) % 360);
}

/** The point `d` metres along a polyline, and the distance of each vertex along it. */
function along(line: readonly [number, number][], cum: readonly number[], d: number): { p: [number, number]; bearing: number } {
  let i = 1;
  while (i < line.length - 1 && (cum[i] ?? 0) < d) i++;
  const a = line[i - 1] as [number, number];
  const b = line[i] as [number, number];
  const seg = (cum[i] ?? 0) - (cum[i - 1] ?? 0);
  const f = seg > 0 ? Math.min(1, Math.max(0, (d - (cum[i - 1] ?? 0)) / seg)) : 0;
  return { p: [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f], bearing: bearingOf(a, b) };
}

export function planConvoy(o: SimOptions): SimPlan {
  const line = densifyGeodesic(o.route.map(([a, b]) => [a, b] as [number, number]), 1000);
  const cum = [0];
  for (let i = 1; i < line.length; i++) cum.push((cum[i - 1] ?? 0) + haversineM((line[i - 1] as [number, number])[0], (line[i - 1] as [number, number])[1], (line[i] as [number, number])[0], (line[i] as [number, number])[1]));
  const total = cum.at(-1) ?? 0;
  const speed = ((o.speedKmh ?? 60) * 1000) / 3600;
  const every = (o.fixEverySec ?? 60) * 1000;
  const stopMs = (o.stopMinutes ?? 30) * 60_000;
  // Distance along the route of each checkpoint (nearest densified vertex).
  const cpAlong = o.checkpoints.map((c) => {
    let best = 0;
    let bestD = Number.POSITIVE_INFINITY;
    line.forEach((p, i) => {
      const d = haversineM(p[0], p[1], c.coordinates[0], c.coordinates[1]);
      if (d < bestD) {
        bestD = d;
        best = cum[i] ?? 0;
      }
    });
    return { ...c, d: best };
  });
  const stop = cpAlong.find((c) => c.id === o.stopAt);
  const fixes: SimFix[] = [];
  let arrivalAt = o.start;
  const lastBusAt = new Map<string, number>();
  o.devices.forEach((deviceId, k) => {
    const t0 = o.start + k * 90_000; // buses leave 90 s apart
    const moveTime = (total / speed) * 1000;
    const duration = moveTime + (stop ? stopMs : 0);
    const strayFrom = total * 0.8;
    let strayLeft = deviceId === o.strayDevice ? (o.strayFixes ?? 6) : 0;
    for (let t = 0; t <= duration + every; t += every) {
      const tt = Math.min(t, duration);
      let d: number;
      let moving = true;
      if (!stop) d = (tt / 1000) * speed;
      else {
        const reach = (stop.d / speed) * 1000;
        if (tt < reach) d = (tt / 1000) * speed;
        else if (tt < reach + stopMs) {
          d = stop.d;
          moving = false;
        } else d = ((tt - stopMs) / 1000) * speed;
      }
      d = Math.min(d, total);
      if (d >= total) moving = false;
      const { p, bearing } = along(line, cum, d);
      let lon = p[0];
      let lat = p[1];
      if (strayLeft > 0 && d >= strayFrom) {
        // Leave the route to the right of the direction of travel.
        const off = o.strayM ?? 8000;
        const r = ((bearing + 90) * Math.PI) / 180;
        lat += (off * Math.cos(r)) / 111_320;
        lon += (off * Math.sin(r)) / (111_320 * Math.cos((lat * Math.PI) / 180));
        strayLeft -= 1;
      }
      fixes.push({ deviceId, at: t0 + tt, lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6, speedKn: moving ? Math.round((o.speedKmh ?? 60) * KMH_KN * 10) / 10 : 0, bearing: Math.round(bearing) });
      if (tt >= duration) break;
    }
    lastBusAt.set(deviceId, t0 + duration);
    arrivalAt = Math.max(arrivalAt, t0 + duration);
  });
  // Counts: at each checkpoint once the last bus has reached it, and at arrival.
  const lastStart = o.start + (o.devices.length - 1) * 90_000;
  const counts: SimCount[] = cpAlong.map((c) => {
    const reach = (c.d / speed) * 1000 + (stop && c.d > stop.d ? stopMs : 0);
    return { at: lastStart + reach + (c.id === o.stopAt ? stopMs / 2 : 60_000), kind: 'checkpoint' as const, checkpointId: c.id, name: c.name };
  });
  counts.push({ at: arrivalAt + 5 * 60_000, kind: 'arrival', checkpointId: null, name: 'destination' });
  fixes.sort((a, b) => a.at - b.at);
  counts.sort((a, b) => a.at - b.at);
  return { departAt: o.start, fixes, counts, arrivalAt, receiptAt: arrivalAt + 30 * 60_000 };
}

/** The time of the plan's last record (fix, count or receipt). */
export function planEnd(plan: SimPlan): number {
  return Math.max(plan.receiptAt, plan.arrivalAt, ...plan.counts.map((c) => c.at), ...plan.fixes.map((f) => f.at));
}

/**
 * The plan as a replay at `now` may send it: a phone never sends a fix from the future, nor does
 * an officer record a count before it is made. A plan whose day is over by `now` is sent as
 * planned; one that would run past `now` is moved earlier, whole and by whole seconds, so that
 * its last record is dated no later than `now`. `shiftMs` says by how much (0 or negative).
 */
export function replayableAt(plan: SimPlan, now: number): { plan: SimPlan; shiftMs: number } {
  const over = planEnd(plan) - now;
  if (over <= 0) return { plan, shiftMs: 0 };
  const shiftMs = -Math.ceil(over / 1000) * 1000;
  const by = (t: number): number => t + shiftMs;
  return {
    plan: {
      departAt: by(plan.departAt),
      fixes: plan.fixes.map((f) => ({ ...f, at: by(f.at) })),
      counts: plan.counts.map((c) => ({ ...c, at: by(c.at) })),
      arrivalAt: by(plan.arrivalAt),
      receiptAt: by(plan.receiptAt),
    },
    shiftMs,
  };
}
