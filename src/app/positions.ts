import { sql } from 'kysely';
import type { Actor } from '../domain/authorization.js';
import { activeIntervals } from '../domain/corridor-status.js';
import { isActiveAt } from '../domain/geo/deconfliction-engine.js';
import { canCountMovement, canOperateMovement, rulesOf } from '../domain/movement.js';
import { belongsToCurrentMovement, credibleUntil, evaluateContact, isJudged, evaluateFix, evaluateSilence, haversineM, type DeviceRuleState, type RuleConfig, type Transition } from '../domain/tracking.js';
import type { CorridorState, Terms } from '../schemas/corridor.js';
import type { MovementInput } from '../schemas/movement.js';
import type { TrackerReport } from '../domain/tracking-protocol.js';
import type { Store } from '../store/store.js';
import { bindingParties, loadCorridor } from './corridors.js';
import { inTransaction, sha256Hex, type Deps, type Unit } from './deps.js';
import { geoIndexFor } from './geo.js';
import { emitEvent } from './events.js';
import { appendLog, logSize } from './log.js';
import { audienceOf, clearAlert, raiseAlert } from './movements.js';

/**
 * One report from a tracker as ingested: the protocol's report (src/domain/tracking-protocol.ts)
 * with its time settled (the server's time when the tracker sent none) and the flags folded
 * into the attributes kept with the fix.
 */
export type Report = Omit<TrackerReport, 'at' | 'charging' | 'valid' | 'attributes'> & {
  readonly at: number;
  /** `at` as stored (`Date.toISOString`), when the sender already wrote it that way: saves formatting it again. */
  readonly atText?: string | undefined;
  readonly attributes?: Record<string, unknown> | undefined;
};

export type IngestOutcome = { ok: true; accepted: number; duplicates: number; heartbeats: number; outdated: number } | { ok: false; unknownDevices: string[] };

interface Pending {
  readonly reports: readonly Report[];
  readonly via: 'osmand' | 'json';
  readonly actor: Actor | undefined;
  readonly resolve: (o: IngestOutcome) => void;
  readonly reject: (e: unknown) => void;
}

interface MovementInfo {
  readonly id: string;
  readonly state: string;
  readonly operatorPartyId: string;
  readonly distribution: readonly string[];
  readonly audience: string[];
  readonly corridorId: string;
  readonly rules: RuleConfig;
  /** When it departed (ms), or null: the rules judge no fix dated before. */
  readonly departedAt: number | null;
}

interface DeviceEntry {
  readonly movementId: string;
  /** When the device was last released from an earlier movement (ms), or null: a fix dated up to then is that movement's. */
  readonly releasedAt: number | null;
  lastAt: string | null;
  readonly state: DeviceRuleState;
}

interface CorridorInfo {
  readonly active: [number, number][];
  readonly stops: [number, number][];
  readonly destination: [number, number];
}

const MEDIATOR_VIEW = { partyId: '', partyKind: 'mediator' as const };
/** Largest number of reports committed together (bounds one transaction's size). */
const MAX_GROUP_REPORTS = 40_000;
/** Rows per multi-row INSERT on SQLite (12 parameters each; SQLite allows 32,766). */
const INSERT_ROWS = 100;
/** SQL parameters per IN list (SQLite's limit is 32,766). */
const CHUNK = 5_000;

function chunks<T>(xs: readonly T[], n = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

/**
 * Where positions come in, from both doors (JSON batches and the OsmAnd listener). Group commit:
 * requests that arrive while a transaction is being committed wait and are committed together in
 * the next one, so an fsync is shared by every request in the group, the log gets one entry per
 * committed group (a hash of its fixes, not one leaf per fix), and each request is answered only
 * after its fixes are durable. The live rules run in the same transaction.
 */
export class PositionIngest {
  private queue: Pending[] = [];
  private running = false;
  private movements = new Map<string, MovementInfo>();
  /**
   * Registered trackers as the database holds them after the last committed group: movement,
   * newest fix, live-rule state. Only an ingest writes a device's rule state while it is
   * registered; registering and releasing devices are logged under `movement/…`, and another
   * process's groups under `positions`, either of which empties the cache (follow), and a failed
   * group empties it too.
   */
  private devices = new Map<string, DeviceEntry>();
  private corridors = new Map<string, CorridorInfo>();
  private seenLog = -1;
  private readonly insertStmts = new Map<number, import('better-sqlite3').Statement>();

  /**
   * The cached multi-row INSERT for `rows` rows (one per size; at most INSERT_ROWS of them). The
   * chunks use INSERT OR IGNORE: SQLite runs it a fifth faster than the same statement with ON
   * CONFLICT (device_id, at) DO NOTHING. OR IGNORE would also skip a row breaking another
   * constraint (NOT NULL), but a chunk that stores fewer rows than it holds is replayed row by row
   * with the strict ON CONFLICT form (`rows` = 1), which raises that error.
   */
  private insertStatement(raw: import('better-sqlite3').Database, rows: number): import('better-sqlite3').Statement {
    let stmt = this.insertStmts.get(rows);
    if (!stmt) {
      const values = new Array(rows).fill('(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      const columns = '(device_id, at, movement_id, lat, lon, speed, bearing, altitude, accuracy, battery, attributes, received_at)';
      stmt = raw.prepare(
        rows === 1
          ? `INSERT INTO positions ${columns} VALUES ${values} ON CONFLICT (device_id, at) DO NOTHING`
          : `INSERT OR IGNORE INTO positions ${columns} VALUES ${values}`,
      );
      this.insertStmts.set(rows, stmt);
    }
    return stmt;
  }
  private deviceStmt: import('better-sqlite3').Statement | undefined;
  private seenStmt: import('better-sqlite3').Statement | undefined;
  private fixStmt: import('better-sqlite3').Statement | undefined;

  constructor(private readonly deps: Deps) {}

  submit(reports: readonly Report[], via: 'osmand' | 'json', actor?: Actor): Promise<IngestOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ reports, via, actor, resolve, reject });
      if (!this.running) {
        this.running = true;
        // Start on the next turn of the event loop, not now: with SQLite a whole transaction runs
        // without yielding, so requests that arrived in the same poll phase would otherwise each
        // commit alone. setImmediate runs after the poll phase, when they have all been queued.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        let n = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || n + (this.queue[take]?.reports.length ?? 0) <= MAX_GROUP_REPORTS)) n += this.queue[take++]?.reports.length ?? 0;
        const group = this.queue.splice(0, take);
        try {
          const outcomes = await inTransaction(this.deps, (u) => this.commit(u, group));
          group.forEach((p, i) => p.resolve(outcomes[i] as IngestOutcome));
        } catch (e) {
          this.devices.clear(); // the rules may have changed cached states the rollback undid
          for (const p of group) p.reject(e);
        }
        // Let the requests that arrived meanwhile queue up before the next group is taken.
        await new Promise<void>((r) => setImmediate(r));
      }
    } finally {
      this.running = false;
    }
  }

  /** Forgets cached movements and corridors changed since the last look (follows the log, like the geo index). */
  private async follow(u: Unit): Promise<void> {
    const size = await logSize(u.tx);
    if (this.seenLog >= 0 && size !== this.seenLog) {
      const subjects = await u.tx.selectFrom('log_entries').select('subject').distinct().where('idx', '>=', this.seenLog).where('idx', '<', size).execute();
      for (const { subject } of subjects) {
        if (subject.startsWith('movement/')) {
          this.movements.delete(subject.slice(9));
          this.devices.clear();
        } else if (subject.startsWith('corridor/')) this.corridors.delete(subject.slice(9));
        // Fixes committed by another process (a second server on the same database): its groups
        // moved device states on. Our own groups' entries are skipped (see the end of commit).
        else if (subject === 'positions') this.devices.clear();
      }
    } else if (this.seenLog < 0) {
      this.movements.clear();
      this.corridors.clear();
      this.devices.clear();
    }
    this.seenLog = size;
  }

  private async movementInfo(u: Unit, ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !this.movements.has(id));
    for (const part of chunks(missing)) {
      const rows = await u.tx.selectFrom('movements').select(['id', 'state', 'operator_party_id', 'corridor_id', 'body', 'departed_at']).where('id', 'in', part).execute();
      for (const r of rows) {
        const input = JSON.parse(r.body) as MovementInput;
        const vis = { operatorPartyId: r.operator_party_id, distribution: input.distribution };
        this.movements.set(r.id, { id: r.id, state: r.state, ...vis, audience: audienceOf(vis), corridorId: r.corridor_id, rules: rulesOf(input), departedAt: r.departed_at === null ? null : Date.parse(r.departed_at) });
      }
    }
    for (const id of new Set(ids)) {
      const m = this.movements.get(id);
      if (m && !this.corridors.has(m.corridorId)) {
        const c = await loadCorridor(u.tx, m.corridorId);
        this.corridors.set(m.corridorId, corridorInfo(c.terms, c.row.state as CorridorState, c.row.current_version, bindingParties(c), c.suspensions));
      }
    }
  }

  private async commit(u: Unit, group: readonly Pending[]): Promise<IngestOutcome[]> {
    const now = this.deps.now();
    const nowText = new Date(now).toISOString();
    await this.follow(u);
    // 1. Which devices are registered to a movement now (one query per 5,000 devices).
    const unique = new Set<string>(); // (not flatMap: it cost as much as the rest of this step)
    for (const p of group) for (const r of p.reports) unique.add(r.deviceId);
    const deviceIds = [...unique];
    const devices = new Map<string, DeviceEntry>();
    const lookup: string[] = [];
    for (const id of deviceIds) {
      const cached = this.devices.get(id);
      if (cached) devices.set(id, cached);
      else lookup.push(id);
    }
    const remember = (id: string, d: DeviceEntry): void => {
      devices.set(id, d);
      this.devices.set(id, d);
    };
    const raw = this.deps.store.sqlite;
    if (lookup.length === 0) {
      // every device known
    } else if (raw) {
      // SQLite hot path: one cached statement per device (a primary-key lookup) instead of a
      // query compiled and prepared anew for every group.
      this.deviceStmt ??= raw.prepare('SELECT movement_id, released_at, last_at, rule_state FROM tracker_devices WHERE device_id = ? AND movement_id IS NOT NULL');
      for (const id of lookup) {
        const r = this.deviceStmt.get(id) as { movement_id: string; released_at: string | null; last_at: string | null; rule_state: string } | undefined;
        if (r) remember(id, { movementId: r.movement_id, releasedAt: r.released_at === null ? null : Date.parse(r.released_at), lastAt: r.last_at, state: JSON.parse(r.rule_state) as DeviceRuleState });
      }
    } else {
      for (const part of chunks(lookup)) {
        const rows = await u.tx.selectFrom('tracker_devices').select(['device_id', 'movement_id', 'released_at', 'last_at', 'rule_state']).where('device_id', 'in', part).where('movement_id', 'is not', null).execute();
        for (const r of rows) remember(r.device_id, { movementId: r.movement_id as string, releasedAt: r.released_at == null ? null : Date.parse(r.released_at), lastAt: r.last_at, state: JSON.parse(r.rule_state) as DeviceRuleState });
      }
    }
    await this.movementInfo(u, [...new Set([...devices.values()].map((d) => d.movementId))]);
    // 2. Per request: every device must be known (and, for JSON, operated by the sender's party or the mediator).
    const outcomes: IngestOutcome[] = [];
    const rejected = new Map<string, { n: number; via: string }>();
    const accepted: { p: number; r: Report }[] = [];
    group.forEach((p, i) => {
      const unknown = new Set<string>();
      for (const r of p.reports) {
        const d = devices.get(r.deviceId);
        const m = d ? this.movements.get(d.movementId) : undefined;
        const allowed = m !== undefined && (p.actor === undefined || canOperateMovement(p.actor, m) || (p.actor.partyKind === 'mediator' && canCountMovement(p.actor, m)));
        if (!allowed) unknown.add(r.deviceId);
      }
      if (unknown.size > 0) {
        for (const id of unknown) rejected.set(id, { n: (rejected.get(id)?.n ?? 0) + 1, via: p.via });
        outcomes[i] = { ok: false, unknownDevices: [...unknown] };
      } else {
        outcomes[i] = { ok: true, accepted: 0, duplicates: 0, heartbeats: 0, outdated: 0 };
        for (const r of p.reports) accepted.push({ p: i, r });
      }
    });
    // 3. Insert the fixes; the database says which are new (idempotent on device and time). A fix
    // of the device's earlier movement (src/domain/tracking.ts) is kept out, and counted.
    const fixes = accepted.filter((a) => {
      if (a.r.lat === undefined || a.r.lon === undefined) return false;
      if (belongsToCurrentMovement(a.r.at, (devices.get(a.r.deviceId) as DeviceEntry).releasedAt)) return true;
      (outcomes[a.p] as { outdated: number }).outdated += 1;
      return false;
    });
    const isNew = await this.insertFixes(u, fixes, devices, nowText);
    const byDevice = new Map<string, Report[]>();
    let stored = 0;
    for (const a of accepted) {
      if (a.r.lat === undefined) (outcomes[a.p] as { heartbeats: number }).heartbeats += 1;
    }
    for (let k = 0; k < fixes.length; k++) {
      const a = fixes[k] as { p: number; r: Report };
      const o = outcomes[a.p] as { accepted: number; duplicates: number; heartbeats: number };
      // New in the database (a repeat within the group, or of a stored fix, is not).
      if (isNew[k]) {
        stored += 1;
        o.accepted += 1;
        let list = byDevice.get(a.r.deviceId);
        if (!list) byDevice.set(a.r.deviceId, (list = []));
        list.push(a.r);
      } else o.duplicates += 1;
    }
    // 4. Live rules over the new fixes, newest state per device; one index lookup for all of them.
    const contacted = new Set(accepted.map((a) => a.r.deviceId));
    const evaluated: { deviceId: string; fix: Report; info: MovementInfo; corridor: CorridorInfo; probe: number | undefined; active: boolean }[] = [];
    const judged = new Set<string>(); // devices with a fix the rules look at in this group
    const horizon = credibleUntil(now);
    for (const [deviceId, list] of byDevice) {
      const d = devices.get(deviceId);
      const info = d ? this.movements.get(d.movementId) : undefined;
      const corridor = info ? this.corridors.get(info.corridorId) : undefined;
      if (!d || !info || !corridor) continue;
      list.sort((a, b) => a.at - b.at);
      for (const fix of list) {
        // The domain says which stored fixes the rules look at (src/domain/tracking.ts, isJudged).
        if (!isJudged({ at: fix.at, valid: fix.attributes?.valid }, { movementState: info.state, departedAt: info.departedAt, lastJudgedAt: d.state.lastAt, now })) continue;
        const active = isActiveAt(corridor.active, fix.at);
        // The zone's shape does not change with time: when the ceasefire does not hold at the fix's
        // time, ask the index at an instant when it does, to tell off-route from on-route.
        const probe = active ? fix.at : corridor.active[0]?.[0];
        evaluated.push({ deviceId, fix, info, corridor, probe, active });
        judged.add(deviceId);
      }
    }
    let zones: string[][] = [];
    const probes = evaluated.filter((e) => e.probe !== undefined);
    if (probes.length > 0) {
      const idx = geoIndexFor(this.deps);
      await idx.sync(u.tx);
      zones = idx.checkNow(probes.map((e) => ({ lon: e.fix.lon as number, lat: e.fix.lat as number, at: e.probe as number })), { viewer: MEDIATOR_VIEW }).map((r) => r.corridors);
    }
    let zi = 0;
    const transitions: { deviceId: string; info: MovementInfo; t: Transition; alertId: string | undefined }[] = [];
    const newId = (): string => this.deps.newId('alr');
    for (const e of evaluated) {
      const d = devices.get(e.deviceId) as { state: DeviceRuleState };
      const inZone = e.probe === undefined ? undefined : (zones[zi++] ?? []).includes(e.info.corridorId);
      const lon = e.fix.lon as number;
      const lat = e.fix.lat as number;
      let nearest = Number.POSITIVE_INFINITY;
      for (const s of e.corridor.stops) nearest = Math.min(nearest, haversineM(lon, lat, s[0], s[1]));
      const before = { ...d.state.open };
      const ts = evaluateFix(d.state, { at: e.fix.at, lon, lat, speed: e.fix.speed }, { inZone, corridorActive: e.active, nearestStopM: nearest, destinationM: haversineM(lon, lat, e.corridor.destination[0], e.corridor.destination[1]) }, e.info.rules, newId);
      for (const t of ts) transitions.push({ deviceId: e.deviceId, info: e.info, t, alertId: t.action === 'raise' ? d.state.open[t.type] : before[t.type] });
    }
    for (const deviceId of contacted) {
      const d = devices.get(deviceId);
      const info = d ? this.movements.get(d.movementId) : undefined;
      // Heard from without a fix to judge (a heartbeat, a late retry, an invalid fix): contact only.
      if (!d || !info || judged.has(deviceId)) continue;
      const before = { ...d.state.open };
      for (const t of evaluateContact(d.state, now)) transitions.push({ deviceId, info, t, alertId: before[t.type] });
    }
    await this.applyTransitions(u, transitions);
    // 5. Devices: last seen (every contact), newest fix, rule state — one statement.
    await this.updateDevices(u, contacted, devices, byDevice, nowText, horizon);
    // 5b. One `movement.positions` event per movement with new fixes in this group (not one per
    // fix): the newest new fix of each of its devices, for the movement's audience only.
    if (byDevice.size > 0) {
      const perMovement = new Map<string, { info: MovementInfo; fixes: { deviceId: string; at: string; lat: number; lon: number; speed: number | null }[] }>();
      for (const [deviceId, list] of byDevice) {
        const d = devices.get(deviceId);
        const info = d ? this.movements.get(d.movementId) : undefined;
        if (!info) continue;
        const newest = newestUntil(list, horizon);
        if (!newest) continue;
        let m = perMovement.get(info.id);
        if (!m) perMovement.set(info.id, (m = { info, fixes: [] }));
        m.fixes.push({ deviceId, at: new Date(newest.at).toISOString(), lat: newest.lat as number, lon: newest.lon as number, speed: newest.speed ?? null });
      }
      for (const { info, fixes: fs } of perMovement.values()) {
        await emitEvent(u, { type: 'movement.positions', subject: `movement/${info.id}`, corridorId: info.corridorId, audience: info.audience, payload: { movementId: info.id, fixes: fs } });
      }
    }
    // 6. Unknown devices, counted for the mediator.
    for (const [deviceId, { n, via }] of rejected) {
      await u.tx
        .insertInto('position_rejections')
        .values({ device_id: deviceId, count: n, first_at: nowText, last_at: nowText, last_via: via })
        .onConflict((oc) => oc.column('device_id').doUpdateSet({ count: sql`position_rejections.count + ${n}`, last_at: nowText, last_via: via }))
        .execute();
    }
    // 7. One log entry for the committed group: a hash of its fixes, never the fixes themselves.
    if (stored > 0) {
      const all = [...byDevice.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const lines: string[] = [];
      let from = Number.POSITIVE_INFINITY;
      let to = Number.NEGATIVE_INFINITY;
      for (const [deviceId, list] of all) {
        for (const f of list) {
          lines.push(`${deviceId}\t${f.atText ?? new Date(f.at).toISOString()}\t${f.lat}\t${f.lon}\n`);
          if (f.at < from) from = f.at;
          if (f.at > to) to = f.at;
        }
      }
      // Restricted (docs/log.md): how many fixes, from how many trackers and when tell every member
      // when convoys move; the commitment binds them all the same, and the mediator may open it.
      const entry = await appendLog(u, { actor: 'system', action: 'positions.recorded', subject: 'positions', payload: { fixes: lines.length, devices: all.length, from: new Date(from).toISOString(), to: new Date(to).toISOString(), fixesSha256: sha256Hex(lines.join('')) }, restricted: true });
      // Our own entry changes nothing we cache: the next group need not re-read the log for it.
      if (this.seenLog === entry.index) this.seenLog = entry.index + 1;
    }
    return outcomes;
  }

  /**
   * The hot path. One INSERT … SELECT over a JSON array (json_each on SQLite, jsonb_to_recordset on
   * PostgreSQL) stores a whole group in one statement with one constant SQL text, instead of one
   * prepared statement run per row through the query builder; RETURNING names the rows that were
   * new, so a retried fix is neither stored twice nor judged twice.
   */
  private async insertFixes(u: Unit, accepted: readonly { r: Report }[], devices: Map<string, { movementId: string }>, receivedAt: string): Promise<boolean[]> {
    const isNew = new Array<boolean>(accepted.length).fill(false);
    const fixes = accepted.map((a) => a.r);
    // Rows go in in the table's key order, time then device: each lands just after the one before
    // it, at the right edge of the table and of its movement's run in the index, instead of
    // wherever its device's fixes happen to fall (about a third faster on SQLite). The sort is
    // stable, so of two copies of a fix in one group the first to arrive is the one stored.
    const order = keyOrder(fixes);
    const raw = this.deps.store.sqlite;
    if (raw) {
      // SQLite: cached prepared multi-row INSERT OR IGNOREs (up to 100 rows per statement), run
      // inside Kysely's open transaction (same connection), the parameters bound from one flat
      // array. Binding 100 rows at once costs far less per row than a statement per fix (and
      // RETURNING would halve the rate). When a chunk stores fewer rows than it holds — a retry,
      // rare — it is undone to its savepoint and replayed row by row to learn which were new.
      const params: unknown[] = [];
      for (let i = 0; i < order.length; i += INSERT_ROWS) {
        const end = Math.min(i + INSERT_ROWS, order.length);
        params.length = 0;
        for (let j = i; j < end; j++) pushFixRow(params, fixes[order[j] as number] as Report, devices, receivedAt);
        raw.exec('SAVEPOINT positions_chunk');
        const storedRows = this.insertStatement(raw, end - i).run(params).changes;
        if (storedRows !== end - i) {
          raw.exec('ROLLBACK TO positions_chunk');
          const one = this.insertStatement(raw, 1);
          for (let j = i; j < end; j++) {
            const row: unknown[] = [];
            const k = order[j] as number;
            pushFixRow(row, fixes[k] as Report, devices, receivedAt);
            isNew[k] = one.run(row).changes > 0;
          }
        } else {
          for (let j = i; j < end; j++) isNew[order[j] as number] = true;
        }
        raw.exec('RELEASE positions_chunk');
      }
      return isNew;
    }
    const index = new Map<string, number>();
    const sorted = order.map((k) => fixes[k] as Report);
    for (const k of order) {
      const f = fixes[k] as Report;
      const key = `${f.deviceId}\u0000${f.at}`;
      if (!index.has(key)) index.set(key, k);
    }
    for (const part of chunks(sorted, 10_000)) {
      const rows = part.map((f) => {
        const row: unknown[] = [];
        pushFixRow(row, f, devices);
        return row;
      });
      const json = JSON.stringify(rows);
      const q =
        this.deps.store.engine === 'sqlite'
          ? sql<{ device_id: string; at: string }>`INSERT INTO positions (device_id, at, movement_id, lat, lon, speed, bearing, altitude, accuracy, battery, attributes, received_at)
              SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10, ${receivedAt}
              FROM json_each(${json}) WHERE true
              ON CONFLICT (device_id, at) DO NOTHING RETURNING device_id, at`
          : sql<{ device_id: string; at: string }>`INSERT INTO positions (device_id, at, movement_id, lat, lon, speed, bearing, altitude, accuracy, battery, attributes, received_at)
              SELECT v->>0, v->>1, v->>2, (v->>3)::double precision, (v->>4)::double precision, (v->>5)::double precision, (v->>6)::double precision, (v->>7)::double precision, (v->>8)::double precision, (v->>9)::double precision, v->>10, ${receivedAt}
              FROM jsonb_array_elements(${json}::jsonb) AS v
              ON CONFLICT (device_id, at) DO NOTHING RETURNING device_id, at`;
      const res = await q.execute(u.tx);
      for (const r of res.rows) {
        const k = index.get(`${r.device_id}\u0000${Date.parse(r.at)}`);
        if (k !== undefined) isNew[k] = true;
      }
    }
    return isNew;
  }

  private async updateDevices(u: Unit, contacted: Set<string>, devices: Map<string, DeviceEntry>, byDevice: Map<string, Report[]>, nowText: string, horizon: number): Promise<void> {
    const rows: unknown[][] = [];
    for (const deviceId of contacted) {
      const d = devices.get(deviceId);
      if (!d) continue;
      const list = byDevice.get(deviceId) ?? [];
      const newest = newestUntil(list, horizon);
      const newestAt = newest === undefined ? undefined : new Date(newest.at).toISOString();
      const newer = newestAt !== undefined && (d.lastAt === null || newestAt > d.lastAt);
      if (newer) d.lastAt = newestAt; // the cached entry follows the row
      rows.push([deviceId, nowText, newer ? 1 : 0, newer ? newestAt : null, newest?.lat ?? null, newest?.lon ?? null, newest?.speed ?? null, JSON.stringify(d.state)]);
    }
    const raw = this.deps.store.sqlite;
    if (raw) {
      // SQLite: two cached statements, one primary-key update per device (a JSON array joined
      // with json_each cost five times as much per device).
      this.seenStmt ??= raw.prepare('UPDATE tracker_devices SET last_seen = ?, rule_state = ? WHERE device_id = ?');
      this.fixStmt ??= raw.prepare('UPDATE tracker_devices SET last_seen = ?, last_at = ?, last_lat = ?, last_lon = ?, last_speed = ?, rule_state = ? WHERE device_id = ?');
      for (const [deviceId, seen, newer, at, lat, lon, speed, state] of rows as [string, string, number, string | null, number | null, number | null, number | null, string][]) {
        if (newer === 1) this.fixStmt.run(seen, at, lat, lon, speed, state, deviceId);
        else this.seenStmt.run(seen, state, deviceId);
      }
      return;
    }
    for (const part of chunks(rows)) {
      const json = JSON.stringify(part);
      if (this.deps.store.engine === 'sqlite') {
        await sql`UPDATE tracker_devices SET last_seen = j.value->>1,
            last_at = CASE WHEN j.value->>2 = 1 THEN j.value->>3 ELSE last_at END,
            last_lat = CASE WHEN j.value->>2 = 1 THEN j.value->>4 ELSE last_lat END,
            last_lon = CASE WHEN j.value->>2 = 1 THEN j.value->>5 ELSE last_lon END,
            last_speed = CASE WHEN j.value->>2 = 1 THEN j.value->>6 ELSE last_speed END,
            rule_state = j.value->>7
          FROM json_each(${json}) AS j WHERE tracker_devices.device_id = j.value->>0`.execute(u.tx);
      } else {
        await sql`UPDATE tracker_devices SET last_seen = j.v->>1,
            last_at = CASE WHEN (j.v->>2)::int = 1 THEN j.v->>3 ELSE last_at END,
            last_lat = CASE WHEN (j.v->>2)::int = 1 THEN (j.v->>4)::double precision ELSE last_lat END,
            last_lon = CASE WHEN (j.v->>2)::int = 1 THEN (j.v->>5)::double precision ELSE last_lon END,
            last_speed = CASE WHEN (j.v->>2)::int = 1 THEN (j.v->>6)::double precision ELSE last_speed END,
            rule_state = j.v->>7
          FROM jsonb_array_elements(${json}::jsonb) AS j(v) WHERE tracker_devices.device_id = j.v->>0`.execute(u.tx);
      }
    }
  }

  private async applyTransitions(u: Unit, ts: readonly { deviceId: string; info: MovementInfo; t: Transition; alertId: string | undefined }[]): Promise<void> {
    for (const { deviceId, info, t, alertId } of ts) {
      if (!alertId) continue;
      const at = new Date(t.at).toISOString();
      if (t.action === 'raise') await raiseAlert(u, info.audience, info.corridorId, { id: alertId, movementId: info.id, deviceId, type: t.type, key: t.type, at, details: t.details });
      else await clearAlert(u, info.id, info.audience, info.corridorId, { id: alertId, type: t.type, device_id: deviceId }, at, t.details);
    }
  }

  /**
   * The no-signal rule: trackers of departed movements not heard from for longer than their
   * movement's threshold raise `no_signal` once (a fix or heartbeat clears it). Run periodically.
   */
  async sweepSilence(): Promise<number> {
    return inTransaction(this.deps, async (u) => {
      await this.follow(u);
      const now = this.deps.now();
      const rows = await u.tx
        .selectFrom('tracker_devices')
        .innerJoin('movements', 'movements.id', 'tracker_devices.movement_id')
        .select(['tracker_devices.device_id as deviceId', 'tracker_devices.movement_id as movementId', 'tracker_devices.last_seen as lastSeen', 'tracker_devices.rule_state as ruleState', 'movements.departed_at as departedAt'])
        .where('movements.state', '=', 'departed')
        .execute();
      await this.movementInfo(u, [...new Set(rows.map((r) => r.movementId as string))]);
      let raised = 0;
      for (const r of rows) {
        const info = this.movements.get(r.movementId as string);
        const since = Date.parse(r.lastSeen ?? r.departedAt ?? '');
        if (!info || !Number.isFinite(since)) continue;
        const state = JSON.parse(r.ruleState) as DeviceRuleState;
        const ts = evaluateSilence(state, since, now, info.rules, () => this.deps.newId('alr'));
        if (ts.length === 0) continue;
        await this.applyTransitions(u, ts.map((t) => ({ deviceId: r.deviceId, info, t, alertId: state.open[t.type] })));
        await u.tx.updateTable('tracker_devices').set({ rule_state: JSON.stringify(state) }).where('device_id', '=', r.deviceId).execute();
        this.devices.delete(r.deviceId); // read afresh by the next group
        raised += ts.length;
      }
      return raised;
    });
  }
}

/** The newest of `fixes` dated no later than `until` (fixes beyond it come from a wrong clock). */
function newestUntil(fixes: readonly Report[], until: number): Report | undefined {
  let newest: Report | undefined;
  for (const f of fixes) if (f.at <= until && (!newest || f.at > newest.at)) newest = f;
  return newest;
}

/** Indices of `fixes` in the positions table's key order (time, then device), stable among equal keys. */
function keyOrder(fixes: readonly Report[]): number[] {
  const order = Array.from({ length: fixes.length }, (_, k) => k);
  return order.sort((a, b) => {
    const x = fixes[a] as Report;
    const y = fixes[b] as Report;
    return x.at - y.at || (x.deviceId < y.deviceId ? -1 : x.deviceId > y.deviceId ? 1 : 0);
  });
}

/** Appends a fix's columns, in the positions table's order, `received_at` last when given. */
function pushFixRow(out: unknown[], f: Report, devices: Map<string, { movementId: string }>, receivedAt?: string): void {
  out.push(
    f.deviceId,
    f.atText ?? new Date(f.at).toISOString(),
    devices.get(f.deviceId)?.movementId ?? '',
    f.lat,
    f.lon,
    f.speed ?? null,
    f.bearing ?? null,
    f.altitude ?? null,
    f.accuracy ?? null,
    f.battery ?? null,
    f.attributes && Object.keys(f.attributes).length > 0 ? JSON.stringify(f.attributes) : null,
  );
  if (receivedAt !== undefined) out.push(receivedAt);
}

function corridorInfo(terms: Terms, state: CorridorState, version: number, signed: string[], suspensions: { since: string; until: string | null; reason: string }[]): CorridorInfo {
  const active = activeIntervals({
    corridorId: terms.corridorId,
    version,
    state,
    windows: terms.windows,
    requiredGuarantors: terms.requiredGuarantors.map((id) => ({ id, name: id })),
    signedParties: signed,
    suspensions: suspensions.map((s) => ({ since: Date.parse(s.since), until: s.until === null ? null : Date.parse(s.until), reason: s.reason })),
  });
  const stops: [number, number][] = [terms.origin.coordinates, terms.destination.coordinates, ...terms.checkpoints.map((c) => c.coordinates)].map(([a, b]) => [a, b]);
  return { active, stops, destination: [terms.destination.coordinates[0], terms.destination.coordinates[1]] };
}

const ingests = new WeakMap<Store, PositionIngest>();

/** The store's one ingest queue (both doors share it, so their requests commit together). */
export function positionIngestFor(deps: Deps): PositionIngest {
  let p = ingests.get(deps.store);
  if (!p) {
    p = new PositionIngest(deps);
    ingests.set(deps.store, p);
  }
  return p;
}

