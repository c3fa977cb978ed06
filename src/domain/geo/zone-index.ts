/**
 * The deconfliction engine's index (the public entry point is deconfliction-engine.ts):
 * at this point, at this instant, which ceasefire zones and
 * protected sites apply? Exact to the metre against the geodesic reference (reference.ts),
 * and fast enough to answer millions of points a second on one core.
 *
 * Data layout (all contiguous typed arrays; see docs/deconfliction.md):
 *  - `grid` (cell-grid.ts): ≈ 2 km cells in 1° tiles, each row with a local frame.
 *  - `cellRec[5·cell]` = [first entry in entA, edge entries, inside entries, site entries,
 *    first run in entB]. A cell's entries are one contiguous block of `entA`: edge
 *    entries (grouped by corridor), then inside entries, then site entries.
 *  - `entA[e]` = slot (| INSIDE for sites). An inside entry means the whole cell is
 *    certainly in the zone: no distance maths at all. An edge entry has a partner in
 *    `entB` (same position in the cell's run block) = (first vertex << 6) | segment count:
 *    the run of the corridor's segments that can reach the cell. A corridor that passes
 *    a cell several times (a route that doubles back) has one edge entry per run. Inside
 *    entries carry no run, which saves 4 bytes on most entries.
 *  - `vtx`: every corridor's route densified to ≤ 6 km geodesic pieces, interleaved
 *    [lat, lon] in radians; a slot owns vertices [cVs, cVs + cVc).
 *  - `table[h·slotCap + slot]`: for each hour since `hourBase` and each corridor, 0 = not
 *    active at any instant of the hour, 1 = active the whole hour, 2 = look at the
 *    intervals. Hour-major, so the rows a batch touches stay in cache. Hours outside the
 *    table fall back to the intervals, so the table is an accelerator, never a truth.
 *
 * Updates never rebuild: a new corridor or site is rasterised and each cell it touches
 * gets a fresh copy of its entry block appended at the end of `entA`/`entB` (the old
 * block becomes garbage, reclaimed by `compact`, which runs when garbage passes half).
 * Removal is lazy: the slot's column in the time table goes to 0 and its intervals to
 * none, so its remaining entries answer "inactive". Every method runs to completion
 * synchronously, so a query never sees a half-applied update.
 */
import { CellGrid, ROWS_PER_DEG, ROW_STRIDE, R_CORNERS, R_DG, R_G, R_HM, R_KL, R_M, R_PHI0, R_RC, degreesFor } from './cell-grid.js';
import { DEG, densifyGeodesic, distanceToGeodesicSegment, frameErrorBound, inverseGeodesic, reachLatitude } from './geodesic.js';
import { edgeTooLong, MAX_INDEX_LAT, type CheckOptions, type CheckPoint, type CheckResult, type ZoneCorridor, type ZoneSite } from './zone-types.js';


const INSIDE = 0x80000000;
const SLOT_MASK = 0x7fffffff;
const MAX_RUN = 63;
/** longest geodesic piece a route is cut into, metres */
const SEG_MAX = 6000;
/** bound on any cell's circumradius used in error bounds, metres */
const RC_BOUND = 1600;
/** slack on every classification, metres */
const MARGIN = 1;
const HOUR = 3_600_000;
const TABLE_MAX_BYTES = 16 * 1024 * 1024;
/** densified polygon site edges: a lon/lat chord of 500 m strays < 1 cm from the geodesic */
const POLY_SEG_MAX = 500;
const MAX_SITE_RADIUS = 50_000;

const EMPTY_LIST: string[] = Object.freeze([] as string[]) as string[];
const EMPTY_RESULT: CheckResult = Object.freeze({ corridors: EMPTY_LIST, sites: EMPTY_LIST });
const EMPTY_RESULT_D: CheckResult = Object.freeze({
  corridors: EMPTY_LIST,
  sites: EMPTY_LIST,
  distances: Object.freeze({}) as Record<string, number>,
});

/** A growable list of (cell, a, b) entries, the output of rasterisation. */
class EntryList {
  cell = new Uint32Array(1024);
  a = new Uint32Array(1024);
  b = new Uint32Array(1024);
  n = 0;
  push(cell: number, a: number, b: number): void {
    if (this.n === this.cell.length) {
      const size = this.n * 2;
      this.cell = growU32(this.cell, size);
      this.a = growU32(this.a, size);
      this.b = growU32(this.b, size);
    }
    this.cell[this.n] = cell;
    this.a[this.n] = a;
    this.b[this.n] = b;
    this.n++;
  }
}

function growU32(a: Uint32Array, n: number): Uint32Array<ArrayBuffer> {
  const b = new Uint32Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}
function growF64(a: Float64Array, n: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}
function growI32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}
function growU8(a: Uint8Array, n: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(n);
  b.set(a.subarray(0, Math.min(a.length, n)));
  return b;
}

function checkPosition(p: unknown, what: string): asserts p is [number, number] {
  if (!Array.isArray(p) || p.length < 2) throw new RangeError(`${what}: not a [lon, lat] position`);
  const [lon, lat] = p as [unknown, unknown];
  if (typeof lon !== 'number' || typeof lat !== 'number' || !(lon >= -180 && lon <= 180) || !(lat >= -MAX_INDEX_LAT && lat <= MAX_INDEX_LAT)) {
    throw new RangeError(`${what}: position out of range`);
  }
}

function checkIntervals(active: readonly (readonly [number, number])[], what: string): Float64Array {
  const iv = new Float64Array(active.length * 2);
  let prevEnd = -Infinity;
  active.forEach((pair, k) => {
    const [s, e] = pair;
    if (!Number.isFinite(s) || !Number.isFinite(e) || !(s < e) || s < prevEnd) {
      throw new RangeError(`${what}: interval ${k} is empty, unsorted or overlaps the previous one`);
    }
    iv[2 * k] = s;
    iv[2 * k + 1] = e;
    prevEnd = e;
  });
  return iv;
}

function isActiveIn(iv: Float64Array, t: number): boolean {
  for (let k = 0; k < iv.length; k += 2) {
    if (t < (iv[k] as number)) return false;
    if (t < (iv[k + 1] as number)) return true;
  }
  return false;
}

export interface EngineStats {
  corridors: number;
  sites: number;
  cells: number;
  entries: number;
  /** segment runs of edge entries */
  runs: number;
  garbageEntries: number;
  vertices: number;
  tableHours: number;
  /** bytes held in the index's typed arrays */
  bytes: number;
}

export class DeconflictionEngine {
  private readonly grid = new CellGrid();
  private cellRec = new Uint32Array(0);
  private entA = new Uint32Array(1024);
  private entB = new Uint32Array(1024);
  private entLen = 0;
  private garbage = 0;
  private runLen = 0;
  private runGarbage = 0;

  private vtx = new Float64Array(1024);
  private vtxLen = 0;

  // corridor slots
  private cSlots = 0;
  private cHalfW = new Float64Array(64);
  private cErr = new Float64Array(64);
  private cVs = new Uint32Array(64);
  private cVc = new Uint32Array(64);
  private cEntries = new Uint32Array(64);
  private cAlive = new Uint8Array(64);
  private cId: string[] = [];
  private cIv: Float64Array[] = [];
  private readonly cById = new Map<string, number>();

  // time table
  private hourBase = 0;
  private hourSpan = 0;
  private slotCap = 64;
  private table = new Uint8Array(0);

  // site slots
  private sSlots = 0;
  private sLat = new Float64Array(64);
  private sLon = new Float64Array(64);
  private sR = new Float64Array(64);
  private sErr = new Float64Array(64);
  private sEntries = new Uint32Array(64);
  private sAlive = new Uint8Array(64);
  private sId: string[] = [];
  private sPoly: (Float64Array[] | null)[] = [];
  private sVisible: string[][] = [];
  private readonly sById = new Map<string, number>();
  private visCache = new Map<string | undefined, Uint8Array>();

  // rasterisation scratch, indexed by cell
  private markGen = new Uint32Array(0);
  private markRec = new Int32Array(0);
  private gen = 0;

  // query scratch
  private qKey = new Uint32Array(0);
  private qRow = new Int32Array(0);
  private qLam = new Float64Array(0);
  /** lat, lon, at of each point, so the cell-ordered pass reads typed arrays, not scattered objects */
  private qLat = new Float64Array(0);
  private qLon = new Float64Array(0);
  private qAt = new Float64Array(0);
  private qOrder = new Uint32Array(0);
  private qTmp = new Uint32Array(0);
  private qTmpKey = new Uint32Array(0);

  constructor(corridors: readonly ZoneCorridor[] = [], sites: readonly ZoneSite[] = []) {
    this.grid.onGrow = (n) => this.growCells(n);
    const seen = new Set<string>();
    const cSlotsNew: number[] = [];
    for (const c of corridors) {
      if (seen.has(c.id)) throw new RangeError(`corridor ${c.id}: duplicate id`);
      seen.add(c.id);
      const slot = this.addCorridorSlot(c);
      this.cById.set(c.id, slot);
      cSlotsNew.push(slot);
    }
    seen.clear();
    const sSlotsNew: number[] = [];
    for (const s of sites) {
      if (seen.has(s.id)) throw new RangeError(`site ${s.id}: duplicate id`);
      seen.add(s.id);
      const slot = this.addSiteSlot(s);
      this.sById.set(s.id, slot);
      sSlotsNew.push(slot);
    }
    this.resetTable();
    const list = new EntryList();
    for (const slot of cSlotsNew) this.rasterCorridor(slot, list);
    const split = list.n;
    for (const slot of sSlotsNew) this.rasterSite(slot, list);
    this.buildCsr(list, split);
    this.vtx = growF64(this.vtx, Math.max(16, this.vtxLen)); // trim
  }

  // ---------------------------------------------------------------- queries

  /**
   * Per point, in order: the corridors whose zone holds there and then, and the sites the
   * viewer may see that contain it. Lists that would be empty are one shared frozen
   * empty array; results are not to be mutated.
   */
  check(points: readonly CheckPoint[], options: CheckOptions = {}): CheckResult[] {
    const n = points.length;
    const out = new Array<CheckResult>(n);
    const wantD = options.distances === true;
    const empty = wantD ? EMPTY_RESULT_D : EMPTY_RESULT;
    const mask = this.visibilityMask(options.viewerPartyId);
    this.locateAll(points);
    const order = n > 32 ? this.sortByCell(n) : this.identityOrder(n);
    const key = this.qKey;
    const qRow = this.qRow;
    const qLam = this.qLam;
    const cellRec = this.cellRec;
    const entA = this.entA;
    const rows = this.grid.rows;
    const table = this.table;
    const slotCap = this.slotCap;
    const hourBase = this.hourBase;
    const hourSpan = this.hourSpan;
    const cIv = this.cIv;
    const cId = this.cId;
    const sId = this.sId;
    const qLat = this.qLat;
    const qLon = this.qLon;
    const qAt = this.qAt;
    for (let k = 0; k < n; k++) {
      const i = order[k] as number;
      const cellKey = key[i] as number;
      if (cellKey === 0) {
        out[i] = empty;
        continue;
      }
      const c5 = (cellKey - 1) * 5;
      const a0 = cellRec[c5] as number;
      const nE = cellRec[c5 + 1] as number;
      const nI = cellRec[c5 + 2] as number;
      const nS = cellRec[c5 + 3] as number;
      if (nE + nI + nS === 0) {
        out[i] = empty;
        continue;
      }
      const at = qAt[i] as number;
      const lat = qLat[i] as number;
      const lon = qLon[i] as number;
      let corridors: string[] | null = null;
      let distances: Record<string, number> | null = null;
      let px = 0;
      let py = 0;
      const o = (qRow[i] as number) * ROW_STRIDE;
      const lam0 = qLam[i] as number;
      if (nE > 0 || nS > 0 || wantD) {
        const dp = lat * DEG - (rows[o + R_PHI0] as number);
        const dl = lon * DEG - lam0;
        px = ((rows[o + R_G] as number) + (rows[o + R_DG] as number) * dp) * dl;
        py = (rows[o + R_M] as number) * dp + (rows[o + R_HM] as number) * dp * dp + (rows[o + R_KL] as number) * dl * dl;
      }
      if (nE + nI > 0) {
        const hIdx = Math.floor(at / HOUR) - hourBase;
        const tOff = hIdx >= 0 && hIdx < hourSpan ? hIdx * slotCap : -1;
        const b0 = cellRec[c5 + 4] as number;
        let lastHit = -1;
        for (let j = 0; j < nE; j++) {
          const slot = entA[a0 + j] as number;
          if (slot === lastHit) continue;
          const st = tOff >= 0 ? (table[tOff + slot] as number) : 2;
          if (st === 0) continue;
          if (st === 2 && !isActiveIn(cIv[slot] as Float64Array, at)) continue;
          if (!this.edgeHit(b0 + j, slot, px, py, o, lam0, lat, lon)) continue;
          lastHit = slot;
          if (corridors === null) corridors = [];
          const id = cId[slot] as string;
          corridors.push(id);
          if (wantD) {
            if (distances === null) distances = {};
            distances[id] = this.distanceInCell(a0, b0, j, nE, slot, px, py, o, lam0, lat, lon);
          }
        }
        const iEnd = a0 + nE + nI;
        for (let e = a0 + nE; e < iEnd; e++) {
          const slot = entA[e] as number;
          const st = tOff >= 0 ? (table[tOff + slot] as number) : 2;
          if (st === 0) continue;
          if (st === 2 && !isActiveIn(cIv[slot] as Float64Array, at)) continue;
          if (corridors === null) corridors = [];
          const id = cId[slot] as string;
          corridors.push(id);
          if (wantD) {
            if (distances === null) distances = {};
            distances[id] = this.distanceFull(slot, px, py, o, lam0, lat, lon);
          }
        }
      }
      let sites: string[] | null = null;
      if (nS > 0) {
        const sEnd = a0 + nE + nI + nS;
        for (let e = a0 + nE + nI; e < sEnd; e++) {
          const a = entA[e] as number;
          const slot = a & SLOT_MASK;
          if (mask[slot] !== 1) continue;
          if (a < INSIDE && !this.siteHit(slot, px, py, o, lam0, lat, lon)) continue;
          if (sites === null) sites = [];
          sites.push(sId[slot] as string);
        }
      }
      if (corridors === null && sites === null) out[i] = empty;
      else if (wantD) out[i] = { corridors: corridors ?? EMPTY_LIST, sites: sites ?? EMPTY_LIST, distances: distances ?? {} };
      else out[i] = { corridors: corridors ?? EMPTY_LIST, sites: sites ?? EMPTY_LIST };
    }
    return out;
  }

  /** Number of corridors and sites, index size and bytes of typed arrays held. */
  stats(): EngineStats {
    let bytes =
      this.cellRec.byteLength +
      this.entA.byteLength +
      this.entB.byteLength +
      this.vtx.byteLength +
      this.table.byteLength +
      this.grid.rows.byteLength +
      this.grid.tileIndex.byteLength +
      this.markGen.byteLength +
      this.markRec.byteLength;
    for (const a of [this.cHalfW, this.cErr, this.cVs, this.cVc, this.cEntries, this.cAlive]) bytes += a.byteLength;
    for (const iv of this.cIv) bytes += iv.byteLength + 64;
    for (const a of [this.sLat, this.sLon, this.sR, this.sErr, this.sEntries, this.sAlive]) bytes += a.byteLength;
    return {
      corridors: this.cById.size,
      sites: this.sById.size,
      cells: this.grid.cellCount,
      entries: this.entLen - this.garbage,
      runs: this.runLen - this.runGarbage,
      garbageEntries: this.garbage,
      vertices: this.vtxLen / 2,
      tableHours: this.hourSpan,
      bytes,
    };
  }

  // ---------------------------------------------------------------- updates

  /** Adds or replaces a corridor (a new version): in the very next answer. */
  upsertCorridor(c: ZoneCorridor): void {
    const old = this.cById.get(c.id);
    const slot = this.addCorridorSlot(c); // validates before anything changes
    if (old !== undefined) this.killCorridor(old);
    this.cById.set(c.id, slot);
    this.ensureSlotCapacity();
    this.writeTimeColumn(slot);
    const list = new EntryList();
    this.rasterCorridor(slot, list);
    this.patchCells(list, true);
    this.maybeCompact();
  }

  removeCorridor(id: string): boolean {
    const slot = this.cById.get(id);
    if (slot === undefined) return false;
    this.killCorridor(slot);
    this.cById.delete(id);
    this.maybeCompact();
    return true;
  }

  /** Replaces when a corridor's zone holds (suspension, resumption, new guarantee). O(hours in table). */
  setCorridorActive(id: string, active: readonly (readonly [number, number])[]): void {
    const slot = this.cById.get(id);
    if (slot === undefined) throw new RangeError(`corridor ${id}: unknown`);
    this.cIv[slot] = checkIntervals(active, `corridor ${id}`);
    this.writeTimeColumn(slot);
  }

  upsertSite(s: ZoneSite): void {
    const old = this.sById.get(s.id);
    const slot = this.addSiteSlot(s);
    if (old !== undefined) this.killSite(old);
    this.sById.set(s.id, slot);
    this.visCache.clear();
    const list = new EntryList();
    this.rasterSite(slot, list);
    this.patchCells(list, false);
    this.maybeCompact();
  }

  removeSite(id: string): boolean {
    const slot = this.sById.get(id);
    if (slot === undefined) return false;
    this.killSite(slot);
    this.sById.delete(id);
    this.visCache.clear();
    this.maybeCompact();
    return true;
  }

  /** Copies live entries (and vertices) into fresh arrays, dropping garbage; re-spans the time table. */
  compact(): void {
    // vertices: repack live corridors, remember each slot's shift
    const shift = new Float64Array(this.cSlots);
    let vLive = 0;
    for (let s = 0; s < this.cSlots; s++) if (this.cAlive[s] === 1) vLive += (this.cVc[s] as number) * 2;
    const vtx = new Float64Array(Math.max(16, vLive));
    let vp = 0;
    for (let s = 0; s < this.cSlots; s++) {
      if (this.cAlive[s] !== 1) continue;
      const from = (this.cVs[s] as number) * 2;
      const len = (this.cVc[s] as number) * 2;
      vtx.set(this.vtx.subarray(from, from + len), vp);
      shift[s] = vp / 2 - (this.cVs[s] as number);
      this.cVs[s] = vp / 2;
      vp += len;
    }
    this.vtx = vtx;
    this.vtxLen = vp;
    const rec = this.cellRec;
    const cells = this.grid.cellCount;
    let liveA = 0;
    let liveB = 0;
    for (let c = 0; c < cells; c++) {
      liveA += (rec[5 * c + 1] as number) + (rec[5 * c + 2] as number) + (rec[5 * c + 3] as number);
      liveB += rec[5 * c + 1] as number;
    }
    const oldA = this.entA;
    const oldB = this.entB;
    const entA = new Uint32Array(Math.max(16, liveA));
    const entB = new Uint32Array(Math.max(16, liveB));
    let wa = 0;
    let wb = 0;
    for (let c = 0; c < cells; c++) {
      const a0 = rec[5 * c] as number;
      const nE = rec[5 * c + 1] as number;
      const nI = rec[5 * c + 2] as number;
      const nS = rec[5 * c + 3] as number;
      const b0 = rec[5 * c + 4] as number;
      const firstA = wa;
      const firstB = wb;
      for (let j = 0; j < nE; j++) {
        const slot = oldA[a0 + j] as number;
        if (this.cAlive[slot] !== 1) continue;
        const b = oldB[b0 + j] as number;
        entA[wa++] = slot;
        entB[wb++] = (((b >>> 6) + (shift[slot] as number)) * 64 + (b & 63)) >>> 0;
      }
      const nE2 = wa - firstA;
      for (let e = a0 + nE; e < a0 + nE + nI; e++) {
        const slot = oldA[e] as number;
        if (this.cAlive[slot] === 1) entA[wa++] = slot;
      }
      const nI2 = wa - firstA - nE2;
      for (let e = a0 + nE + nI; e < a0 + nE + nI + nS; e++) {
        const a = oldA[e] as number;
        if (this.sAlive[a & SLOT_MASK] === 1) entA[wa++] = a;
      }
      rec[5 * c] = firstA;
      rec[5 * c + 1] = nE2;
      rec[5 * c + 2] = nI2;
      rec[5 * c + 3] = wa - firstA - nE2 - nI2;
      rec[5 * c + 4] = firstB;
    }
    this.entA = entA;
    this.entB = entB;
    this.entLen = wa;
    this.runLen = wb;
    this.garbage = 0;
    this.runGarbage = 0;
    this.resetTable();
  }
  // ---------------------------------------------------------------- slots

  private addCorridorSlot(c: ZoneCorridor): number {
    const what = `corridor ${String(c.id)}`;
    if (typeof c.id !== 'string' || c.id === '') throw new RangeError('corridor: id must be a non-empty string');
    if (!(c.widthM > 0) || !Number.isFinite(c.widthM)) throw new RangeError(`${what}: widthM must be a positive number`);
    if (!Array.isArray(c.route) || c.route.length < 1) throw new RangeError(`${what}: route needs at least one position`);
    c.route.forEach((p, k) => {
      checkPosition(p, `${what}: route[${k}]`);
      const q = c.route[k - 1];
      if (q !== undefined && edgeTooLong(q, p)) throw new RangeError(`${what}: route[${k}] edge too long or crosses the antimeridian`);
    });
    const iv = checkIntervals(c.active, what);
    const dense = densifyGeodesic(c.route, SEG_MAX);
    if (dense.length === 1) dense.push(dense[0] as [number, number]);
    const slot = this.cSlots;
    if (slot >= this.cHalfW.length) {
      const n = slot * 2;
      this.cHalfW = growF64(this.cHalfW, n);
      this.cErr = growF64(this.cErr, n);
      this.cVs = growU32(this.cVs, n);
      this.cVc = growU32(this.cVc, n);
      this.cEntries = growU32(this.cEntries, n);
      this.cAlive = growU8(this.cAlive, n);
    }
    if (this.vtxLen + dense.length * 2 > this.vtx.length) {
      this.vtx = growF64(this.vtx, Math.max(this.vtx.length * 2, this.vtxLen + dense.length * 2));
    }
    const vs = this.vtxLen / 2;
    for (const [lon, lat] of dense) {
      this.vtx[this.vtxLen++] = lat * DEG;
      this.vtx[this.vtxLen++] = lon * DEG;
    }
    const h = c.widthM / 2;
    this.cHalfW[slot] = h;
    // Latitude-aware: the frame errs more towards the poles (geodesic.ts), and the bound decides when to measure exactly.
    this.cErr[slot] = frameErrorBound(h + RC_BOUND + SEG_MAX, reachLatitude(dense.map((v) => v[1]), h + RC_BOUND + SEG_MAX));
    this.cVs[slot] = vs;
    this.cVc[slot] = dense.length;
    this.cEntries[slot] = 0;
    this.cAlive[slot] = 1;
    this.cId[slot] = c.id;
    this.cIv[slot] = iv;
    this.cSlots = slot + 1;
    // tiles the zone can reach
    let latMin = 90;
    let latMax = -90;
    let lonMin = 180;
    let lonMax = -180;
    for (const [lon, lat] of dense) {
      latMin = Math.min(latMin, lat);
      latMax = Math.max(latMax, lat);
      lonMin = Math.min(lonMin, lon);
      lonMax = Math.max(lonMax, lon);
    }
    const [dLat, dLon] = degreesFor(h + RC_BOUND + 100, Math.max(Math.abs(latMin), Math.abs(latMax)));
    this.grid.ensureBox(latMin - dLat, latMax + dLat, lonMin - dLon, lonMax + dLon);
    return slot;
  }

  private killCorridor(slot: number): void {
    this.cAlive[slot] = 0;
    this.cIv[slot] = new Float64Array(0);
    this.writeTimeColumn(slot);
    this.garbage += this.cEntries[slot] as number;
  }

  private addSiteSlot(s: ZoneSite): number {
    const what = `site ${String(s.id)}`;
    if (typeof s.id !== 'string' || s.id === '') throw new RangeError('site: id must be a non-empty string');
    if (!Array.isArray(s.visibleTo)) throw new RangeError(`${what}: visibleTo must be a list of party ids`);
    let poly: Float64Array[] | null = null;
    let latMin: number;
    let latMax: number;
    let lonMin: number;
    let lonMax: number;
    let lat0 = 0;
    let lon0 = 0;
    let r = 0;
    if (s.polygon !== undefined) {
      if (!Array.isArray(s.polygon) || s.polygon.length === 0) throw new RangeError(`${what}: polygon needs rings`);
      poly = [];
      latMin = 90;
      latMax = -90;
      lonMin = 180;
      lonMax = -180;
      for (const [k, ring] of s.polygon.entries()) {
        if (!Array.isArray(ring) || ring.length < 4) throw new RangeError(`${what}: ring ${k} needs at least 4 positions`);
        ring.forEach((p, j) => checkPosition(p, `${what}: ring ${k}[${j}]`));
        const f = ring[0] as [number, number];
        const l = ring[ring.length - 1] as [number, number];
        if (f[0] !== l[0] || f[1] !== l[1]) throw new RangeError(`${what}: ring ${k} is not closed`);
        const dense = densifyGeodesic(ring, POLY_SEG_MAX);
        const flat = new Float64Array(dense.length * 2);
        dense.forEach(([lon, lat], j) => {
          flat[2 * j] = lon;
          flat[2 * j + 1] = lat;
          latMin = Math.min(latMin, lat);
          latMax = Math.max(latMax, lat);
          lonMin = Math.min(lonMin, lon);
          lonMax = Math.max(lonMax, lon);
        });
        poly.push(flat);
      }
    } else {
      if (s.center === undefined || s.radiusM === undefined) throw new RangeError(`${what}: needs center and radiusM, or polygon`);
      checkPosition(s.center, `${what}: center`);
      if (!(s.radiusM > 0 && s.radiusM <= MAX_SITE_RADIUS)) throw new RangeError(`${what}: radiusM must be in (0, 50000]`);
      [lon0, lat0] = s.center;
      r = s.radiusM;
      const [dLat, dLon] = degreesFor(r, Math.abs(lat0));
      latMin = lat0 - dLat;
      latMax = lat0 + dLat;
      lonMin = lon0 - dLon;
      lonMax = lon0 + dLon;
    }
    const slot = this.sSlots;
    if (slot >= this.sLat.length) {
      const n = slot * 2;
      this.sLat = growF64(this.sLat, n);
      this.sLon = growF64(this.sLon, n);
      this.sR = growF64(this.sR, n);
      this.sErr = growF64(this.sErr, n);
      this.sEntries = growU32(this.sEntries, n);
      this.sAlive = growU8(this.sAlive, n);
    }
    this.sLat[slot] = lat0 * DEG;
    this.sLon[slot] = lon0 * DEG;
    this.sR[slot] = r;
    this.sErr[slot] = frameErrorBound(r + RC_BOUND, reachLatitude([lat0], r + RC_BOUND));
    this.sEntries[slot] = 0;
    this.sAlive[slot] = 1;
    this.sId[slot] = s.id;
    this.sPoly[slot] = poly;
    this.sVisible[slot] = [...s.visibleTo];
    this.sSlots = slot + 1;
    const [dLat, dLon] = degreesFor(RC_BOUND + 100, Math.max(Math.abs(latMin), Math.abs(latMax)));
    this.grid.ensureBox(latMin - dLat, latMax + dLat, lonMin - dLon, lonMax + dLon);
    return slot;
  }

  private killSite(slot: number): void {
    this.sAlive[slot] = 0;
    this.garbage += this.sEntries[slot] as number;
  }

  private visibilityMask(party: string | undefined): Uint8Array {
    const cached = this.visCache.get(party);
    if (cached !== undefined && cached.length >= this.sSlots) return cached;
    const mask = new Uint8Array(Math.max(1, this.sSlots));
    for (let s = 0; s < this.sSlots; s++) {
      if (this.sAlive[s] !== 1) continue;
      if (party === undefined || (this.sVisible[s] as string[]).includes(party)) mask[s] = 1;
    }
    if (this.visCache.size > 256) this.visCache.clear();
    this.visCache.set(party, mask);
    return mask;
  }

  // ---------------------------------------------------------------- time table

  private resetTable(): void {
    let lo = Infinity;
    let hi = -Infinity;
    for (let s = 0; s < this.cSlots; s++) {
      const iv = this.cIv[s] as Float64Array;
      if (iv.length === 0) continue;
      lo = Math.min(lo, iv[0] as number);
      hi = Math.max(hi, iv[iv.length - 1] as number);
    }
    this.slotCap = Math.max(64, this.cHalfW.length);
    if (lo === Infinity) {
      this.hourBase = 0;
      this.hourSpan = 0;
    } else {
      this.hourBase = Math.floor(lo / HOUR);
      const need = Math.ceil(hi / HOUR) - this.hourBase;
      this.hourSpan = Math.max(0, Math.min(need, Math.floor(TABLE_MAX_BYTES / this.slotCap)));
    }
    this.table = new Uint8Array(this.hourSpan * this.slotCap);
    for (let s = 0; s < this.cSlots; s++) this.writeTimeColumn(s);
  }

  private ensureSlotCapacity(): void {
    if (this.cSlots <= this.slotCap) return;
    const oldCap = this.slotCap;
    const cap = Math.max(oldCap * 2, this.cSlots);
    const span = Math.min(this.hourSpan, Math.floor(TABLE_MAX_BYTES / cap));
    const t = new Uint8Array(span * cap);
    for (let h = 0; h < span; h++) t.set(this.table.subarray(h * oldCap, h * oldCap + oldCap), h * cap);
    this.slotCap = cap;
    this.hourSpan = span;
    this.table = t;
  }

  private writeTimeColumn(slot: number): void {
    if (slot >= this.slotCap) return;
    const iv = this.cIv[slot] as Float64Array;
    const t = this.table;
    const cap = this.slotCap;
    let j = 0;
    for (let h = 0; h < this.hourSpan; h++) {
      const t0 = (this.hourBase + h) * HOUR;
      const t1 = t0 + HOUR;
      while (j < iv.length && (iv[j + 1] as number) <= t0) j += 2;
      let st = 0;
      if (j < iv.length) {
        const s = iv[j] as number;
        const e = iv[j + 1] as number;
        if (s <= t0 && e >= t1) st = 1;
        else if (s < t1) st = 2;
      }
      t[h * cap + slot] = st;
    }
  }

  // ---------------------------------------------------------------- rasterisation

  private growCells(n: number): void {
    if (this.cellRec.length >= n * 5) return;
    const rec = new Uint32Array(Math.max(n * 5, Math.floor(this.cellRec.length * 1.5)));
    rec.set(this.cellRec);
    this.cellRec = rec;
  }
  private ensureScratch(): void {
    const n = this.grid.cellCount;
    if (this.markGen.length < n) {
      this.markGen = new Uint32Array(n);
      this.markRec = new Int32Array(n);
      this.gen = 0;
    }
    this.gen++;
    if (this.gen === 0xffffffff) {
      this.markGen.fill(0);
      this.gen = 1;
    }
  }

  /**
   * Emits the corridor's entries, grouped by cell. A cell is reached when some segment
   * lies within halfWidth + circumradius of its centre; it is inside when one segment's
   * capsule holds all four corners with the error bound and a metre to spare.
   * Scratch per reached cell (a "record"): its cell id, inside flag and a linked list of
   * runs; segments arrive in route order, so a run grows while segments stay consecutive.
   */
  private rasterCorridor(slot: number, out: EntryList): void {
    this.ensureScratch();
    const grid = this.grid;
    const rows = grid.rows;
    const tileIndex = grid.tileIndex;
    const tileCols = grid.tileCols;
    const tileCellBase = grid.tileCellBase;
    const vtx = this.vtx;
    const h = this.cHalfW[slot] as number;
    const err = this.cErr[slot] as number;
    const inner = Math.max(0, h - err - MARGIN);
    const inner2 = inner * inner;
    const vs = this.cVs[slot] as number;
    const vc = this.cVc[slot] as number;
    const markGen = this.markGen;
    const markRec = this.markRec;
    const gen = this.gen;
    let nRec = 0;
    let nRun = 0;
    for (let k = 0; k + 1 < vc; k++) {
      const v = vs + k;
      const aPhi = vtx[2 * v] as number;
      const aLam = vtx[2 * v + 1] as number;
      const bPhi = vtx[2 * v + 2] as number;
      const bLam = vtx[2 * v + 3] as number;
      const reach = h + RC_BOUND + err + MARGIN + 50;
      const latLo = Math.min(aPhi, bPhi) / DEG;
      const latHi = Math.max(aPhi, bPhi) / DEG;
      const [dLat, dLon] = degreesFor(reach, Math.max(Math.abs(latLo), Math.abs(latHi)));
      const lonLo = Math.min(aLam, bLam) / DEG - dLon;
      const lonHi = Math.max(aLam, bLam) / DEG + dLon;
      const gr0 = Math.max(0, Math.floor((latLo - dLat + 90) * ROWS_PER_DEG));
      const gr1 = Math.min(180 * ROWS_PER_DEG - 1, Math.floor((latHi + dLat + 90) * ROWS_PER_DEG));
      const tn0 = Math.max(-180, Math.floor(lonLo));
      const tn1 = Math.min(179, Math.floor(lonHi));
      for (let gr = gr0; gr <= gr1; gr++) {
        const tl = Math.floor(gr / ROWS_PER_DEG);
        const r = gr - tl * ROWS_PER_DEG;
        for (let tn = tn0; tn <= tn1; tn++) {
          const tslot = tileIndex[tl * 360 + (tn + 180)] as number;
          if (tslot < 0) continue;
          const cols = tileCols[tslot] as number;
          const c0 = Math.max(0, Math.floor((lonLo - tn) * cols));
          const c1 = Math.min(cols - 1, Math.floor((lonHi - tn) * cols));
          if (c0 > c1) continue;
          const o = (tslot * ROWS_PER_DEG + r) * ROW_STRIDE;
          const phi0 = rows[o + R_PHI0] as number;
          const g = rows[o + R_G] as number;
          const dg = rows[o + R_DG] as number;
          const m = rows[o + R_M] as number;
          const hm = rows[o + R_HM] as number;
          const kl = rows[o + R_KL] as number;
          const rc = rows[o + R_RC] as number;
          const outer = h + rc + err + MARGIN;
          const outer2 = outer * outer;
          const adp = aPhi - phi0;
          const bdp = bPhi - phi0;
          const ag = g + dg * adp;
          const bg = g + dg * bdp;
          const ayp = m * adp + hm * adp * adp;
          const byp = m * bdp + hm * bdp * bdp;
          const cellBase = (tileCellBase[tslot] as number) + r * cols;
          const dLam = DEG / cols;
          const lamStart = tn * DEG + (c0 + 0.5) * dLam;
          for (let c = c0; c <= c1; c++) {
            const lam0 = lamStart + (c - c0) * dLam;
            const adl = aLam - lam0;
            const bdl = bLam - lam0;
            const ax = ag * adl;
            const ay = ayp + kl * adl * adl;
            const bx = bg * bdl;
            const by = byp + kl * bdl * bdl;
            const d2 = segDist2(0, 0, ax, ay, bx, by);
            if (d2 > outer2) continue;
            const cell = cellBase + c;
            let rec: number;
            if (markGen[cell] === gen) {
              rec = markRec[cell] as number;
              const run = this.rLast[rec] as number;
              const rvs = this.runVs[run] as number;
              const rcnt = this.runCnt[run] as number;
              if (rvs + rcnt === v && rcnt < MAX_RUN) this.runCnt[run] = rcnt + 1;
              else if (rvs + rcnt - 1 !== v) {
                if (nRun === this.runVs.length) this.growRuns();
                this.runVs[nRun] = v;
                this.runCnt[nRun] = 1;
                this.runNext[nRun] = -1;
                this.runNext[run] = nRun;
                this.rLast[rec] = nRun;
                nRun++;
              }
            } else {
              if (nRec === this.rCell.length) this.growRecs();
              if (nRun === this.runVs.length) this.growRuns();
              rec = nRec++;
              markGen[cell] = gen;
              markRec[cell] = rec;
              this.rCell[rec] = cell;
              this.rInside[rec] = 0;
              this.rFirst[rec] = nRun;
              this.rLast[rec] = nRun;
              this.runVs[nRun] = v;
              this.runCnt[nRun] = 1;
              this.runNext[nRun] = -1;
              nRun++;
            }
            if (this.rInside[rec] === 0 && d2 <= inner2) {
              let all = true;
              for (let q = 0; q < 8; q += 2) {
                const cx = rows[o + R_CORNERS + q] as number;
                const cy = rows[o + R_CORNERS + q + 1] as number;
                if (segDist2(cx, cy, ax, ay, bx, by) > inner2) {
                  all = false;
                  break;
                }
              }
              if (all) this.rInside[rec] = 1;
            }
          }
        }
      }
    }
    let count = 0;
    for (let rec = 0; rec < nRec; rec++) {
      const cell = this.rCell[rec] as number;
      if (this.rInside[rec] === 1) {
        out.push(cell, (slot | INSIDE) >>> 0, 0);
        count++;
        continue;
      }
      for (let run = this.rFirst[rec] as number; run >= 0; run = this.runNext[run] as number) {
        out.push(cell, slot, ((this.runVs[run] as number) * 64 + (this.runCnt[run] as number)) >>> 0);
        count++;
      }
    }
    this.cEntries[slot] = count;
  }

  // rasterisation records and runs (see rasterCorridor)
  private rCell = new Int32Array(4096);
  private rInside = new Uint8Array(4096);
  private rFirst = new Int32Array(4096);
  private rLast = new Int32Array(4096);
  private runVs = new Int32Array(8192);
  private runCnt = new Int32Array(8192);
  private runNext = new Int32Array(8192);

  private growRecs(): void {
    const n = this.rCell.length * 2;
    this.rCell = growI32(this.rCell, n);
    this.rFirst = growI32(this.rFirst, n);
    this.rLast = growI32(this.rLast, n);
    this.rInside = growU8(this.rInside, n);
  }

  private growRuns(): void {
    const n = this.runVs.length * 2;
    this.runVs = growI32(this.runVs, n);
    this.runCnt = growI32(this.runCnt, n);
    this.runNext = growI32(this.runNext, n);
  }
  /** Emits a site's entries: circles by centre distance, polygons by edge boxes and centre tests. */
  private rasterSite(slot: number, out: EntryList): void {
    const grid = this.grid;
    const rows = grid.rows;
    const poly = this.sPoly[slot] ?? null;
    let count = 0;
    if (poly === null) {
      const sPhi = this.sLat[slot] as number;
      const sLam = this.sLon[slot] as number;
      const r = this.sR[slot] as number;
      const err = this.sErr[slot] as number;
      const [dLat, dLon] = degreesFor(r + RC_BOUND + err + MARGIN + 50, Math.abs(sPhi / DEG));
      this.forEachCell(sPhi / DEG - dLat, sPhi / DEG + dLat, sLam / DEG - dLon, sLam / DEG + dLon, (cell, o, lam0) => {
        const dp = sPhi - (rows[o + R_PHI0] as number);
        const dl = sLam - lam0;
        const x = ((rows[o + R_G] as number) + (rows[o + R_DG] as number) * dp) * dl;
        const y = (rows[o + R_M] as number) * dp + (rows[o + R_HM] as number) * dp * dp + (rows[o + R_KL] as number) * dl * dl;
        const d = Math.hypot(x, y);
        const rc = rows[o + R_RC] as number;
        if (d - rc > r + err + MARGIN) return;
        out.push(cell, (d + rc <= r - err - MARGIN ? slot | INSIDE : slot) >>> 0, 0);
        count++;
      });
    } else {
      let latMin = 90;
      let latMax = -90;
      let lonMin = 180;
      let lonMax = -180;
      for (const ring of poly) {
        for (let j = 0; j < ring.length; j += 2) {
          lonMin = Math.min(lonMin, ring[j] as number);
          lonMax = Math.max(lonMax, ring[j] as number);
          latMin = Math.min(latMin, ring[j + 1] as number);
          latMax = Math.max(latMax, ring[j + 1] as number);
        }
      }
      // cells whose lon/lat box some edge's box touches are edge cells; the rest of the
      // box is inside or outside as its centre is
      const edgeCells = new Set<number>();
      const eps = 1e-7;
      for (const ring of poly) {
        for (let j = 0; j + 3 < ring.length; j += 2) {
          const x0 = Math.min(ring[j] as number, ring[j + 2] as number) - eps;
          const x1 = Math.max(ring[j] as number, ring[j + 2] as number) + eps;
          const y0 = Math.min(ring[j + 1] as number, ring[j + 3] as number) - eps;
          const y1 = Math.max(ring[j + 1] as number, ring[j + 3] as number) + eps;
          this.forEachCell(y0, y1, x0, x1, (cell) => {
            edgeCells.add(cell);
          });
        }
      }
      this.forEachCell(latMin, latMax, lonMin, lonMax, (cell, o, lam0) => {
        if (edgeCells.has(cell)) {
          out.push(cell, slot, 0);
          count++;
        } else if (pointInRings(poly, lam0 / DEG, (rows[o + R_PHI0] as number) / DEG)) {
          out.push(cell, (slot | INSIDE) >>> 0, 0);
          count++;
        }
      });
    }
    this.sEntries[slot] = count;
  }

  /** Visits every existing cell whose lon/lat box overlaps the given box. */
  private forEachCell(latLo: number, latHi: number, lonLo: number, lonHi: number, fn: (cell: number, rowOffset: number, lam0: number) => void): void {
    const grid = this.grid;
    const gr0 = Math.max(0, Math.floor((latLo + 90) * ROWS_PER_DEG));
    const gr1 = Math.min(180 * ROWS_PER_DEG - 1, Math.floor((latHi + 90) * ROWS_PER_DEG));
    const tn0 = Math.max(-180, Math.floor(lonLo));
    const tn1 = Math.min(179, Math.floor(lonHi));
    for (let gr = gr0; gr <= gr1; gr++) {
      const tl = Math.floor(gr / ROWS_PER_DEG);
      const r = gr - tl * ROWS_PER_DEG;
      for (let tn = tn0; tn <= tn1; tn++) {
        const tslot = grid.tileIndex[tl * 360 + (tn + 180)] as number;
        if (tslot < 0) continue;
        const cols = grid.tileCols[tslot] as number;
        const c0 = Math.max(0, Math.floor((lonLo - tn) * cols));
        const c1 = Math.min(cols - 1, Math.floor((lonHi - tn) * cols));
        const o = (tslot * ROWS_PER_DEG + r) * ROW_STRIDE;
        const cellBase = (grid.tileCellBase[tslot] as number) + r * cols;
        for (let c = c0; c <= c1; c++) fn(cellBase + c, o, (tn + (c + 0.5) / cols) * DEG);
      }
    }
  }

  /** Counting sort of a full rasterisation into the per-cell blocks: edge, inside, site entries. */
  private buildCsr(list: EntryList, split: number): void {
    const cells = this.grid.cellCount;
    const rec = new Uint32Array(cells * 5);
    for (let k = 0; k < list.n; k++) {
      const c5 = (list.cell[k] as number) * 5;
      if (k >= split) (rec[c5 + 3] as number)++;
      else if ((list.a[k] as number) >= INSIDE) (rec[c5 + 2] as number)++;
      else (rec[c5 + 1] as number)++;
    }
    let posA = 0;
    let posB = 0;
    for (let c = 0; c < cells; c++) {
      rec[5 * c] = posA;
      rec[5 * c + 4] = posB;
      posA += (rec[5 * c + 1] as number) + (rec[5 * c + 2] as number) + (rec[5 * c + 3] as number);
      posB += rec[5 * c + 1] as number;
    }
    const entA = new Uint32Array(Math.max(16, posA));
    const entB = new Uint32Array(Math.max(16, posB));
    const fill = new Uint32Array(cells * 3);
    for (let k = 0; k < list.n; k++) {
      const cell = list.cell[k] as number;
      const c5 = cell * 5;
      const a = list.a[k] as number;
      if (k >= split) entA[(rec[c5] as number) + (rec[c5 + 1] as number) + (rec[c5 + 2] as number) + (fill[3 * cell + 2] as number)++] = a;
      else if (a >= INSIDE) entA[(rec[c5] as number) + (rec[c5 + 1] as number) + (fill[3 * cell + 1] as number)++] = a & SLOT_MASK;
      else {
        const j = (fill[3 * cell] as number)++;
        entA[(rec[c5] as number) + j] = a;
        entB[(rec[c5 + 4] as number) + j] = list.b[k] as number;
      }
    }
    this.cellRec = rec;
    this.entA = entA;
    this.entB = entB;
    this.entLen = posA;
    this.runLen = posB;
    this.garbage = 0;
    this.runGarbage = 0;
  }
  /**
   * Gives every cell in the (cell-grouped) list a fresh block: its live entries plus the
   * new ones, in the edge / inside / site order. Blocks are appended; old ones become garbage.
   */
  private patchCells(list: EntryList, isCorridor: boolean): void {
    let k = 0;
    while (k < list.n) {
      const cell = list.cell[k] as number;
      let k1 = k + 1;
      while (k1 < list.n && list.cell[k1] === cell) k1++;
      const c5 = cell * 5;
      const a0 = this.cellRec[c5] as number;
      const nE = this.cellRec[c5 + 1] as number;
      const nI = this.cellRec[c5 + 2] as number;
      const nS = this.cellRec[c5 + 3] as number;
      const b0 = this.cellRec[c5 + 4] as number;
      const needA = this.entLen + nE + nI + nS + (k1 - k);
      if (needA > this.entA.length) this.entA = growU32(this.entA, Math.max(needA, Math.floor(this.entA.length * 1.25) + 1024));
      const needB = this.runLen + nE + (k1 - k);
      if (needB > this.entB.length) this.entB = growU32(this.entB, Math.max(needB, Math.floor(this.entB.length * 1.25) + 1024));
      const entA = this.entA;
      const entB = this.entB;
      const firstA = this.entLen;
      const firstB = this.runLen;
      let wa = firstA;
      let wb = firstB;
      let dropped = 0;
      for (let j = 0; j < nE; j++) {
        const slot = entA[a0 + j] as number;
        if (this.cAlive[slot] !== 1) {
          dropped++;
          continue;
        }
        entA[wa++] = slot;
        entB[wb++] = entB[b0 + j] as number;
      }
      if (isCorridor) {
        for (let q = k; q < k1; q++) {
          if ((list.a[q] as number) >= INSIDE) continue;
          entA[wa++] = list.a[q] as number;
          entB[wb++] = list.b[q] as number;
        }
      }
      const nE2 = wa - firstA;
      for (let e = a0 + nE; e < a0 + nE + nI; e++) {
        const slot = entA[e] as number;
        if (this.cAlive[slot] !== 1) dropped++;
        else entA[wa++] = slot;
      }
      if (isCorridor) {
        for (let q = k; q < k1; q++) {
          const a = list.a[q] as number;
          if (a >= INSIDE) entA[wa++] = a & SLOT_MASK;
        }
      }
      const nI2 = wa - firstA - nE2;
      for (let e = a0 + nE + nI; e < a0 + nE + nI + nS; e++) {
        const a = entA[e] as number;
        if (this.sAlive[a & SLOT_MASK] !== 1) dropped++;
        else entA[wa++] = a;
      }
      if (!isCorridor) for (let q = k; q < k1; q++) entA[wa++] = list.a[q] as number;
      this.entLen = wa;
      this.runLen = wb;
      this.garbage += nE + nI + nS - dropped;
      this.runGarbage += nE;
      this.cellRec[c5] = firstA;
      this.cellRec[c5 + 1] = nE2;
      this.cellRec[c5 + 2] = nI2;
      this.cellRec[c5 + 3] = wa - firstA - nE2 - nI2;
      this.cellRec[c5 + 4] = firstB;
      k = k1;
    }
  }
  private maybeCompact(): void {
    if ((this.garbage > 1 << 16 && this.garbage * 2 > this.entLen) || (this.runGarbage > 1 << 16 && this.runGarbage * 2 > this.runLen)) this.compact();
  }

  // ---------------------------------------------------------------- point tests

  /** Cell keys (cell + 1, 0 = nowhere), frame rows and cell-centre longitudes of every point. */
  private locateAll(points: readonly CheckPoint[]): void {
    const n = points.length;
    if (this.qKey.length < n) {
      const size = Math.max(n, 1024);
      this.qKey = new Uint32Array(size);
      this.qRow = new Int32Array(size);
      this.qLam = new Float64Array(size);
      this.qLat = new Float64Array(size);
      this.qLon = new Float64Array(size);
      this.qAt = new Float64Array(size);
      this.qOrder = new Uint32Array(size);
      this.qTmp = new Uint32Array(size);
      this.qTmpKey = new Uint32Array(size);
    }
    const grid = this.grid;
    const tileIndex = grid.tileIndex;
    const tileCols = grid.tileCols;
    const tileCellBase = grid.tileCellBase;
    const key = this.qKey;
    const qRow = this.qRow;
    const qLam = this.qLam;
    const qLat = this.qLat;
    const qLon = this.qLon;
    const qAt = this.qAt;
    for (let i = 0; i < n; i++) {
      const p = points[i] as CheckPoint;
      const lat = p.lat;
      const lon = p.lon;
      qLat[i] = lat;
      qLon[i] = lon;
      qAt[i] = p.at;
      key[i] = 0;
      if (!(lat >= -90 && lat < 90 && lon >= -180 && lon < 180) || !Number.isFinite(p.at)) continue;
      const tl = Math.floor(lat);
      const tn = Math.floor(lon);
      const tslot = tileIndex[(tl + 90) * 360 + (tn + 180)] as number;
      if (tslot < 0) continue;
      const cols = tileCols[tslot] as number;
      const r = Math.min(ROWS_PER_DEG - 1, Math.floor((lat - tl) * ROWS_PER_DEG));
      const c = Math.min(cols - 1, Math.floor((lon - tn) * cols));
      key[i] = (tileCellBase[tslot] as number) + r * cols + c + 1;
      qRow[i] = tslot * ROWS_PER_DEG + r;
      qLam[i] = (tn + (c + 0.5) / cols) * DEG;
    }
  }

  private identityOrder(n: number): Uint32Array {
    const order = this.qOrder;
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }

  /** LSD radix sort of point indices by cell key, 11 bits a pass: the batch then sweeps memory in order. */
  private sortByCell(n: number): Uint32Array {
    let src = this.qOrder;
    let dst = this.qTmp;
    let srcKey = this.qTmpKey;
    const key = this.qKey;
    let maxKey = 0;
    for (let i = 0; i < n; i++) {
      src[i] = i;
      const k = key[i] as number;
      srcKey[i] = k;
      if (k > maxKey) maxKey = k;
    }
    const counts = new Uint32Array(2048);
    let dstKey = new Uint32Array(n);
    for (let shift = 0; shift < 32 && maxKey >>> shift !== 0; shift += 11) {
      counts.fill(0);
      for (let i = 0; i < n; i++) (counts[((srcKey[i] as number) >>> shift) & 2047] as number)++;
      let sum = 0;
      for (let d = 0; d < 2048; d++) {
        const c = counts[d] as number;
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const k = srcKey[i] as number;
        const d = (k >>> shift) & 2047;
        const at = (counts[d] as number)++;
        dst[at] = src[i] as number;
        dstKey[at] = k;
      }
      [src, dst] = [dst, src];
      [srcKey, dstKey] = [dstKey, srcKey];
    }
    this.qOrder = src;
    this.qTmp = dst;
    this.qTmpKey = srcKey.length >= dstKey.length ? srcKey : dstKey;
    return src;
  }

  /**
   * Is the point within the half-width of a segment of run `runIndex`? Vertices are
   * projected into the frame of the point's cell (row offset o, centre longitude lam0).
   */
  private edgeHit(runIndex: number, slot: number, px: number, py: number, o: number, lam0: number, lat: number, lon: number): boolean {
    const b = this.entB[runIndex] as number;
    const v0 = b >>> 6;
    const cnt = b & 63;
    const h = this.cHalfW[slot] as number;
    const err = this.cErr[slot] as number;
    const lo = h - err;
    const hi = h + err;
    const lo2 = lo > 0 ? lo * lo : 0;
    const hi2 = hi * hi;
    const rows = this.grid.rows;
    const vtx = this.vtx;
    const phi0 = rows[o + R_PHI0] as number;
    const g = rows[o + R_G] as number;
    const dg = rows[o + R_DG] as number;
    const m = rows[o + R_M] as number;
    const hm = rows[o + R_HM] as number;
    const kl = rows[o + R_KL] as number;
    let dp = (vtx[2 * v0] as number) - phi0;
    let dl = (vtx[2 * v0 + 1] as number) - lam0;
    let ax = (g + dg * dp) * dl;
    let ay = m * dp + hm * dp * dp + kl * dl * dl;
    let unsure = false;
    for (let q = 1; q <= cnt; q++) {
      const v = v0 + q;
      dp = (vtx[2 * v] as number) - phi0;
      dl = (vtx[2 * v + 1] as number) - lam0;
      const bx = (g + dg * dp) * dl;
      const by = m * dp + hm * dp * dp + kl * dl * dl;
      const d2 = segDist2(px, py, ax, ay, bx, by);
      if (d2 <= lo2) return true;
      if (d2 <= hi2) unsure = true;
      ax = bx;
      ay = by;
    }
    if (!unsure) return false;
    // within the frame's error of the boundary: decide with exact geodesics
    for (let q = 0; q < cnt; q++) {
      const v = v0 + q;
      const d = distanceToGeodesicSegment(
        lat,
        lon,
        (vtx[2 * v] as number) / DEG,
        (vtx[2 * v + 1] as number) / DEG,
        (vtx[2 * v + 2] as number) / DEG,
        (vtx[2 * v + 3] as number) / DEG,
      );
      if (d <= h) return true;
    }
    return false;
  }

  /** Distance to the centre line over the runs of this corridor's edge entries in the cell, from the j-th on. */
  private distanceInCell(a0: number, b0: number, j0: number, nE: number, slot: number, px: number, py: number, o: number, lam0: number, lat: number, lon: number): number {
    let best = Infinity;
    let bestV = -1;
    for (let j = j0; j < nE && this.entA[a0 + j] === slot; j++) {
      const b = this.entB[b0 + j] as number;
      const r = this.nearestInRange(b >>> 6, (b >>> 6) + (b & 63), px, py, o, lam0);
      if (r[0] < best) {
        best = r[0];
        bestV = r[1];
      }
    }
    return this.finishDistance(slot, best, bestV, lat, lon);
  }

  /** Distance to the centre line scanning the whole route (inside entries keep no run). */
  private distanceFull(slot: number, px: number, py: number, o: number, lam0: number, lat: number, lon: number): number {
    const vs = this.cVs[slot] as number;
    const r = this.nearestInRange(vs, vs + (this.cVc[slot] as number) - 1, px, py, o, lam0);
    return this.finishDistance(slot, r[0], r[1], lat, lon);
  }

  /** [squared frame distance, first vertex of the nearest segment] over segments v0…v1−1. */
  private nearestInRange(v0: number, v1: number, px: number, py: number, o: number, lam0: number): [number, number] {
    const rows = this.grid.rows;
    const vtx = this.vtx;
    const phi0 = rows[o + R_PHI0] as number;
    const g = rows[o + R_G] as number;
    const dg = rows[o + R_DG] as number;
    const m = rows[o + R_M] as number;
    const hm = rows[o + R_HM] as number;
    const kl = rows[o + R_KL] as number;
    let best = Infinity;
    let bestV = -1;
    let dp = (vtx[2 * v0] as number) - phi0;
    let dl = (vtx[2 * v0 + 1] as number) - lam0;
    let ax = (g + dg * dp) * dl;
    let ay = m * dp + hm * dp * dp + kl * dl * dl;
    for (let v = v0 + 1; v <= v1; v++) {
      dp = (vtx[2 * v] as number) - phi0;
      dl = (vtx[2 * v + 1] as number) - lam0;
      const bx = (g + dg * dp) * dl;
      const by = m * dp + hm * dp * dp + kl * dl * dl;
      const d2 = segDist2(px, py, ax, ay, bx, by);
      if (d2 < best) {
        best = d2;
        bestV = v - 1;
      }
      ax = bx;
      ay = by;
    }
    return [best, bestV];
  }

  /** The frame distance is within cErr; when that bound is loose, re-measure the nearest segment exactly. */
  private finishDistance(slot: number, best2: number, bestV: number, lat: number, lon: number): number {
    if (bestV < 0) return NaN;
    if ((this.cErr[slot] as number) <= 0.05) return Math.sqrt(best2);
    const vtx = this.vtx;
    return distanceToGeodesicSegment(
      lat,
      lon,
      (vtx[2 * bestV] as number) / DEG,
      (vtx[2 * bestV + 1] as number) / DEG,
      (vtx[2 * bestV + 2] as number) / DEG,
      (vtx[2 * bestV + 3] as number) / DEG,
    );
  }

  private siteHit(slot: number, px: number, py: number, o: number, lam0: number, lat: number, lon: number): boolean {
    const poly = this.sPoly[slot] ?? null;
    if (poly !== null) return pointInRings(poly, lon, lat);
    const rows = this.grid.rows;
    const dp = (this.sLat[slot] as number) - (rows[o + R_PHI0] as number);
    const dl = (this.sLon[slot] as number) - lam0;
    const x = ((rows[o + R_G] as number) + (rows[o + R_DG] as number) * dp) * dl;
    const y = (rows[o + R_M] as number) * dp + (rows[o + R_HM] as number) * dp * dp + (rows[o + R_KL] as number) * dl * dl;
    const d2 = (px - x) * (px - x) + (py - y) * (py - y);
    const r = this.sR[slot] as number;
    const err = this.sErr[slot] as number;
    if (d2 <= (r - err) * (r - err)) return true;
    if (d2 > (r + err) * (r + err)) return false;
    return inverseGeodesic(lat, lon, (this.sLat[slot] as number) / DEG, (this.sLon[slot] as number) / DEG).s12 <= r;
  }
}

/** Squared distance from (px, py) to the segment (ax, ay)–(bx, by). */
function segDist2(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const ux = bx - ax;
  const uy = by - ay;
  const wx = px - ax;
  const wy = py - ay;
  const len2 = ux * ux + uy * uy;
  let t = len2 > 0 ? (wx * ux + wy * uy) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const dx = wx - t * ux;
  const dy = wy - t * uy;
  return dx * dx + dy * dy;
}

/** Even-odd test over flat [lon, lat, …] rings whose chords are short enough to be geodesics. */
function pointInRings(rings: readonly Float64Array[], x: number, y: number): boolean {
  let inside = false;
  for (const ring of rings) {
    const n = ring.length;
    for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
      const xi = ring[i] as number;
      const yi = ring[i + 1] as number;
      const xj = ring[j] as number;
      const yj = ring[j + 1] as number;
      if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Builds an engine over the corridors and sites. */
export function buildDeconflictionEngine(corridors: readonly ZoneCorridor[], sites: readonly ZoneSite[] = []): DeconflictionEngine {
  return new DeconflictionEngine(corridors, sites);
}
