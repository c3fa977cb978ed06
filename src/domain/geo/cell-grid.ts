/**
 * The coverage grid: 1°×1° tiles, each cut into ROWS_PER_DEG rows and a per-tile number
 * of columns chosen so cells are about square (≈ 2 km). Only tiles that some zone or
 * site reaches exist; `tileIndex` maps a global tile number (lat+90)*360 + (lon+180) to
 * a tile slot, −1 for none.
 *
 * Every row carries the coefficients of a local frame (see geodesic.ts `frameAt`) at its
 * centre latitude, and the frame coordinates of a cell's four corners relative to the
 * cell centre (identical for every cell of a row), so a cell's geometry costs no trig.
 */
import { DEG, frameAt } from './geodesic.js';

export const ROWS_PER_DEG = 56;
/** doubles per row in `rows`: phi0, g, dg, m, hm, kl, 4 corners (x, y), circumradius */
export const ROW_STRIDE = 15;
export const R_PHI0 = 0;
export const R_G = 1;
export const R_DG = 2;
export const R_M = 3;
export const R_HM = 4;
export const R_KL = 5;
export const R_CORNERS = 6;
export const R_RC = 14;

const TILE_COUNT = 180 * 360;

export class CellGrid {
  /** tile number -> tile slot, or −1 */
  readonly tileIndex = new Int32Array(TILE_COUNT).fill(-1);
  /** per tile slot: number of columns */
  tileCols = new Int32Array(64);
  /** per tile slot: id of its first cell (cells are row-major inside a tile) */
  tileCellBase = new Int32Array(64);
  tileCount = 0;
  cellCount = 0;
  /** per row id (tileSlot*ROWS_PER_DEG + row): ROW_STRIDE doubles */
  rows = new Float64Array(64 * ROWS_PER_DEG * ROW_STRIDE);
  /** set when tiles are added, so owners can grow per-cell arrays */
  onGrow: ((cellCount: number) => void) | undefined;

  /** Makes sure every tile overlapping the box (degrees) exists. */
  ensureBox(latMin: number, latMax: number, lonMin: number, lonMax: number): void {
    const t0 = Math.max(-90, Math.floor(latMin));
    const t1 = Math.min(89, Math.floor(latMax));
    const l0 = Math.max(-180, Math.floor(lonMin));
    const l1 = Math.min(179, Math.floor(lonMax));
    const before = this.cellCount;
    for (let tl = t0; tl <= t1; tl++) {
      for (let tn = l0; tn <= l1; tn++) this.ensureTile(tl, tn);
    }
    if (this.cellCount !== before && this.onGrow !== undefined) this.onGrow(this.cellCount);
  }

  private ensureTile(tlat: number, tlon: number): void {
    const key = (tlat + 90) * 360 + (tlon + 180);
    if ((this.tileIndex[key] as number) >= 0) return;
    const slot = this.tileCount++;
    if (slot >= this.tileCols.length) {
      const n = this.tileCols.length * 2;
      this.tileCols = growInt32(this.tileCols, n);
      this.tileCellBase = growInt32(this.tileCellBase, n);
      const rows = new Float64Array(n * ROWS_PER_DEG * ROW_STRIDE);
      rows.set(this.rows);
      this.rows = rows;
    }
    const midF = frameAt((tlat + 0.5) * DEG);
    const cols = Math.max(1, Math.round((ROWS_PER_DEG * midF.g) / midF.m));
    this.tileIndex[key] = slot;
    this.tileCols[slot] = cols;
    this.tileCellBase[slot] = this.cellCount;
    this.cellCount += cols * ROWS_PER_DEG;
    const dPhi = DEG / ROWS_PER_DEG;
    const dLam = DEG / cols;
    for (let r = 0; r < ROWS_PER_DEG; r++) {
      const phi0 = (tlat + (r + 0.5) / ROWS_PER_DEG) * DEG;
      const f = frameAt(phi0);
      const o = (slot * ROWS_PER_DEG + r) * ROW_STRIDE;
      const rows = this.rows;
      rows[o + R_PHI0] = phi0;
      rows[o + R_G] = f.g;
      rows[o + R_DG] = f.dg;
      rows[o + R_M] = f.m;
      rows[o + R_HM] = f.hm;
      rows[o + R_KL] = f.kl;
      let rc = 0;
      let k = 0;
      for (const sp of [-0.5, 0.5]) {
        for (const sl of [-0.5, 0.5]) {
          const dp = sp * dPhi;
          const dl = sl * dLam;
          const x = (f.g + f.dg * dp) * dl;
          const y = f.m * dp + f.hm * dp * dp + f.kl * dl * dl;
          rows[o + R_CORNERS + k++] = x;
          rows[o + R_CORNERS + k++] = y;
          rc = Math.max(rc, Math.hypot(x, y));
        }
      }
      // parallels bow by kl·dLam² (< 0.1 m) between the corners; keep a metre in hand
      rows[o + R_RC] = rc + 1;
    }
  }
}

function growInt32(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}

/** Conservative degrees of latitude and longitude spanned by `metres` around latitude `latDeg`. */
export function degreesFor(metres: number, latDegMaxAbs: number): [number, number] {
  const dLat = (metres / 6335000) / DEG;
  const phi = Math.min(89.9, latDegMaxAbs + dLat) * DEG;
  const dLon = (metres / (6378137 * Math.cos(phi))) / DEG;
  return [dLat, Math.min(dLon, 360)];
}
