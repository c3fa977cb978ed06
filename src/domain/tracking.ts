/**
 * Live rules over a tracker's fixes (issue 5). Pure: the caller supplies, per fix, whether it lies
 * in the corridor's zone (from the deconfliction index), whether the ceasefire holds at its time,
 * and distances to checkpoints and the destination. Each rule raises its alert once per episode
 * and clears it when the episode ends; the state carries what an episode needs to be recognised.
 */

export const LIVE_ALERT_TYPES = ['off_route', 'stopped', 'moving_while_closed', 'no_signal', 'arrived'] as const;
export type LiveAlertType = (typeof LIVE_ALERT_TYPES)[number];
export const COUNT_ALERT_TYPES = ['count_discrepancy', 'cargo_discrepancy'] as const;
export type AlertType = LiveAlertType | (typeof COUNT_ALERT_TYPES)[number];

export interface RuleConfig {
  /** Off-route once more than this many consecutive fixes lie outside the zone … */
  readonly offRouteFixes: number;
  /** … or the vehicle has been outside for more than this many seconds. */
  readonly offRouteSeconds: number;
  /** Below this speed (m/s) a vehicle counts as stopped. */
  readonly stoppedSpeedMps: number;
  /** Stopped for more than this many minutes away from a checkpoint raises `stopped`. */
  readonly stoppedMinutes: number;
  /** Within this distance (m) of a checkpoint, the origin or the destination, stopping is expected. */
  readonly checkpointRadiusM: number;
  /** At or above this speed (m/s) a vehicle counts as moving (for `moving_while_closed`). */
  readonly movingSpeedMps: number;
  /** No contact for more than this many minutes raises `no_signal`. */
  readonly noSignalMinutes: number;
  /** Within this distance (m) of the destination raises `arrived`. */
  readonly arrivalRadiusM: number;
}

export const DEFAULT_RULES: RuleConfig = {
  offRouteFixes: 3,
  offRouteSeconds: 120,
  stoppedSpeedMps: 1,
  stoppedMinutes: 10,
  checkpointRadiusM: 1500,
  movingSpeedMps: 2,
  noSignalMinutes: 10,
  arrivalRadiusM: 2000,
};

/** What the rules remember about one device between fixes (stored as JSON). */
export interface DeviceRuleState {
  /** Time (epoch ms) of the newest fix evaluated; older fixes arriving late are stored, not evaluated. */
  lastAt: number | null;
  lastLon: number | null;
  lastLat: number | null;
  outSince: number | null;
  outCount: number;
  slowSince: number | null;
  /** Open episodes: type → alert id. */
  open: Partial<Record<LiveAlertType, string>>;
}

export function initialRuleState(): DeviceRuleState {
  return { lastAt: null, lastLon: null, lastLat: null, outSince: null, outCount: 0, slowSince: null, open: {} };
}

export interface RuleFix {
  readonly at: number;
  readonly lon: number;
  readonly lat: number;
  /** m/s when the tracker reported it. */
  readonly speed?: number | null | undefined;
}

export interface FixContext {
  /** Whether the fix lies in the corridor's zone; undefined when that cannot be told (no zone ever holds). */
  readonly inZone: boolean | undefined;
  /** Whether the corridor's ceasefire holds at the fix's time. */
  readonly corridorActive: boolean;
  /** Metres to the nearest checkpoint, origin or destination. */
  readonly nearestStopM: number;
  /** Metres to the destination. */
  readonly destinationM: number;
}

export interface Transition {
  readonly type: LiveAlertType;
  readonly action: 'raise' | 'clear';
  readonly at: number;
  readonly details: Record<string, unknown>;
}

const EARTH_R = 6_371_008.8;
const RAD = Math.PI / 180;

/** Great-circle metres (haversine on the mean sphere; within 0.5 % of the ellipsoid — enough for radii). */
export function haversineM(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_R * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * A fix dated further ahead of the server's clock than this comes from a phone whose clock is
 * wrong (a date lost with a flat battery, a bad year). It is stored as sent, but neither judged
 * nor shown as the device's latest position: one such fix would otherwise make every correct fix
 * after it look like a late retry, switching the device's rules off until real time caught up.
 * (`passage simulate` sends nothing dated after now: see `replayableAt`.)
 */
export const MAX_FIX_AHEAD_MS = 12 * 3_600_000;

/**
 * The earliest fix date stored: before it a tracker has lost its date (OsmAnd `timestamp=0` is
 * 1970, a GPS week-number rollover lands in 1999 or 1980, a reset phone in 0001). Stored, such a
 * fix would sit in the movement's track and occupy its (device, time) key for good.
 */
export const EARLIEST_FIX_MS = Date.UTC(2000, 0, 1);
/**
 * Fixes dated further ahead of the server's clock than this are refused: a wrong year, not a
 * clock a little off (up to `MAX_FIX_AHEAD_MS` ahead, a fix is judged; beyond, stored unjudged).
 */
export const MAX_FIX_STORED_AHEAD_MS = 366 * 86_400_000;

/** Why a fix dated `at` is not stored when the server's clock reads `now`, or undefined. */
export function fixTimeProblem(at: number, now: number): string | undefined {
  if (at < EARLIEST_FIX_MS) return `${new Date(at).toISOString()} is before 2000-01-01: the tracker's clock has lost its date`;
  if (at > now + MAX_FIX_STORED_AHEAD_MS) return `${new Date(at).toISOString()} is more than a year ahead of the server's clock: the tracker's clock is wrong`;
  return undefined;
}

/**
 * The values a fix's measurements can take. Outside them a value is a broken sensor, an unset
 * field sent as a sentinel or a unit mix-up (a battery fraction sent as a percentage), not a
 * reading: 300 m/s is 1,080 km/h; altitudes from the Dead Sea's shore to well above an aircraft's.
 */
export const FIX_MEASUREMENTS = {
  speed: { min: 0, max: 300, unit: 'm/s' },
  bearing: { min: 0, max: 360, unit: 'degrees' },
  altitude: { min: -1_000, max: 50_000, unit: 'm' },
  accuracy: { min: 0, max: 1_000_000, unit: 'm' },
  battery: { min: 0, max: 100, unit: '%' },
} as const;
export type FixMeasurement = keyof typeof FIX_MEASUREMENTS;

/** Why `value` cannot be the fix's `name`, or undefined. */
export function measurementProblem(name: FixMeasurement, value: number): string | undefined {
  const r = FIX_MEASUREMENTS[name];
  return value >= r.min && value <= r.max ? undefined : `must be in [${r.min}, ${r.max}] ${r.unit}`;
}

/**
 * A tracker report's measurements with each impossible one taken as unknown. For the phone
 * protocols (OsmAnd, Traccar Client): a phone cannot correct what its sensors report, and
 * refusing the report would block its whole upload queue behind one bad bearing.
 */
export function plausibleMeasurements<T extends { [K in FixMeasurement]?: number | undefined }>(report: T): T {
  let out = report;
  for (const name of Object.keys(FIX_MEASUREMENTS) as FixMeasurement[]) {
    const v = report[name];
    if (v !== undefined && measurementProblem(name, v) !== undefined) out = { ...out, [name]: undefined };
  }
  return out;
}

/** The latest fix time taken at face value when the server's clock reads `now` (ms). */
export function credibleUntil(now: number): number {
  return now + MAX_FIX_AHEAD_MS;
}

/**
 * Whether a fix belongs to the movement its device is on now: not when dated up to the device's
 * release from an earlier movement (a phone's offline buffer uploaded after the tracker joined the
 * next convoy) — that is the earlier movement's, and filed here it would show one convoy's track
 * to another's distribution.
 */
export function belongsToCurrentMovement(fixAt: number, releasedAt: number | null): boolean {
  return releasedAt === null || fixAt > releasedAt;
}

/**
 * Whether the live rules judge a stored fix. They watch a convoy on its way: from its departure
 * (before it, buses driving to the staging area, perhaps before the window opens, raise nothing;
 * arriving or aborting releases the trackers). They skip a late retry (not newer than the
 * device's last judged fix), a fix the device itself marks invalid (OsmAnd valid=false: no GPS
 * fix, a stale location) and one dated beyond `credibleUntil` (a wrong phone clock). Every fix
 * is stored and counts as contact either way.
 */
export function isJudged(fix: { readonly at: number; readonly valid?: unknown }, ctx: { readonly movementState: string; readonly departedAt?: number | null; readonly lastJudgedAt: number | null; readonly now: number }): boolean {
  if (ctx.movementState !== 'departed') return false;
  // Dated before the departure (sent late, or a wrong clock): the convoy was not yet on its way.
  if (ctx.departedAt !== undefined && ctx.departedAt !== null && fix.at < ctx.departedAt) return false;
  if (ctx.lastJudgedAt !== null && fix.at <= ctx.lastJudgedAt) return false;
  return fix.valid !== false && fix.at <= credibleUntil(ctx.now);
}

/**
 * The fix's speed: as reported, else derived from the previous fix; undefined when unknown. A
 * negative reported speed means "unknown" (iOS reports -1 without a speed fix, and Traccar Client
 * forwards it), not "stopped".
 */
export function speedOf(state: DeviceRuleState, fix: RuleFix): number | undefined {
  if (fix.speed !== undefined && fix.speed !== null && Number.isFinite(fix.speed) && fix.speed >= 0) return fix.speed;
  if (state.lastAt === null || state.lastLon === null || state.lastLat === null || fix.at <= state.lastAt) return undefined;
  return haversineM(state.lastLon, state.lastLat, fix.lon, fix.lat) / ((fix.at - state.lastAt) / 1000);
}

/**
 * Applies one fix (newer than `state.lastAt`) to the rules. Mutates and returns `state`; returns the
 * alerts to raise or clear. `newId` names a raised alert (so a later clear can refer to it).
 */
export function evaluateFix(state: DeviceRuleState, fix: RuleFix, ctx: FixContext, cfg: RuleConfig, newId: () => string): Transition[] {
  const out: Transition[] = [];
  const raise = (type: LiveAlertType, details: Record<string, unknown>): void => {
    if (state.open[type] !== undefined) return;
    state.open[type] = newId();
    out.push({ type, action: 'raise', at: fix.at, details });
  };
  const clear = (type: LiveAlertType, details: Record<string, unknown> = {}): void => {
    if (state.open[type] === undefined) return;
    out.push({ type, action: 'clear', at: fix.at, details });
    delete state.open[type];
  };
  const where = { lon: fix.lon, lat: fix.lat };
  // Any fix ends a silence.
  clear('no_signal', { ...where });

  if (ctx.inZone === false) {
    state.outCount += 1;
    state.outSince ??= fix.at;
    if (state.outCount > cfg.offRouteFixes || fix.at - state.outSince > cfg.offRouteSeconds * 1000) {
      raise('off_route', { ...where, since: new Date(state.outSince).toISOString(), fixesOutside: state.outCount });
    }
  } else if (ctx.inZone === true) {
    state.outCount = 0;
    state.outSince = null;
    clear('off_route', { ...where });
  }

  const speed = speedOf(state, fix);
  if (speed !== undefined) {
    if (speed < cfg.stoppedSpeedMps && ctx.nearestStopM > cfg.checkpointRadiusM) {
      state.slowSince ??= fix.at;
      if (fix.at - state.slowSince > cfg.stoppedMinutes * 60_000) raise('stopped', { ...where, since: new Date(state.slowSince).toISOString() });
    } else {
      state.slowSince = null;
      clear('stopped', { ...where });
    }
    const moving = speed >= cfg.movingSpeedMps;
    if (moving && !ctx.corridorActive) raise('moving_while_closed', { ...where, speedMps: Math.round(speed * 10) / 10 });
    else if (!moving || ctx.corridorActive) clear('moving_while_closed', { ...where });
  }

  if (ctx.destinationM <= cfg.arrivalRadiusM) raise('arrived', { ...where, distanceM: Math.round(ctx.destinationM) });
  else clear('arrived', { ...where });

  state.lastAt = fix.at;
  state.lastLon = fix.lon;
  state.lastLat = fix.lat;
  return out;
}

/** A heartbeat or fix was received: a silence ends. */
export function evaluateContact(state: DeviceRuleState, at: number): Transition[] {
  if (state.open.no_signal === undefined) return [];
  delete state.open.no_signal;
  return [{ type: 'no_signal', action: 'clear', at, details: {} }];
}

/** Whether a device last heard from at `lastSeen` has been silent too long at `now`; raises once. */
export function evaluateSilence(state: DeviceRuleState, lastSeen: number, now: number, cfg: RuleConfig, newId: () => string): Transition[] {
  if (state.open.no_signal !== undefined || now - lastSeen <= cfg.noSignalMinutes * 60_000) return [];
  state.open.no_signal = newId();
  return [{ type: 'no_signal', action: 'raise', at: now, details: { lastSeen: new Date(lastSeen).toISOString(), silentMinutes: Math.floor((now - lastSeen) / 60_000) } }];
}
