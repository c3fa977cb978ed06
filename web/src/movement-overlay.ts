/**
 * Movements on the operations map, drawn on a 2D canvas laid over maplibre's WebGL canvas.
 *
 * Why not a maplibre layer: every change to a maplibre source redraws the whole map (500
 * corridors with their zones, the basemap, …), and in software rendering (SwiftShader, as in
 * CI and on machines without a GPU) such a redraw costs tens of milliseconds. Trackers report
 * every second, so with a layer each second cost at least one full redraw. Here a fix only
 * changes a dot in this canvas: the map itself is not redrawn, the dots are (one path of
 * arcs, a couple of milliseconds for 1,000 dots). When the map moves, the dots are redrawn in
 * the same frame (maplibre's `render` event), so they never lag behind the map.
 *
 * Hidden from assistive technology and transparent to the pointer; the movement list under the
 * map carries the same information as text. Hover and click use {@link DotOverlay.dotAt}.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import type { LatestPosition } from './api.js';

export interface Dot {
  readonly deviceId: string;
  movementId: string;
  vehicle: string;
  at: string;
  lon: number;
  lat: number;
}

export interface DotFix {
  readonly movementId: string;
  readonly deviceId: string;
  readonly at: string;
  readonly lat: number;
  readonly lon: number;
}

/** One dot per tracker at its newest fix (the first listed wins), from `GET /positions/latest`; trackers without a fix have none. */
export function movementDots(positions: readonly LatestPosition[]): Dot[] {
  const out = new Map<string, Dot>();
  for (const p of positions) {
    if (p.lon === null || p.lat === null || out.has(p.deviceId)) continue;
    out.set(p.deviceId, { deviceId: p.deviceId, movementId: p.movementId, vehicle: p.vehicle ?? p.deviceId, at: p.at ?? '', lon: p.lon, lat: p.lat });
  }
  return [...out.values()];
}

/**
 * Applies fixes to the dots keyed by device id: known ones move (and keep their vehicle), new
 * ones are added. O(fixes), whatever the number of dots. Returns how many were added.
 */
export function applyFixes(dots: Map<string, Dot>, fixes: Iterable<DotFix>): number {
  let added = 0;
  for (const f of fixes) {
    const d = dots.get(f.deviceId);
    if (d) {
      d.lon = f.lon;
      d.lat = f.lat;
      d.at = f.at;
      d.movementId = f.movementId;
    } else {
      dots.set(f.deviceId, { deviceId: f.deviceId, movementId: f.movementId, vehicle: f.deviceId, at: f.at, lon: f.lon, lat: f.lat });
      added++;
    }
  }
  return added;
}

/** The dot nearest to (x, y) within `tol` pixels, from the positions of the last drawing. */
export function nearestDot(xy: Float32Array, n: number, x: number, y: number, tol: number): number {
  let best = -1;
  let bestD = tol * tol;
  for (let i = 0; i < n; i++) {
    const dx = (xy[2 * i] as number) - x;
    const dy = (xy[2 * i + 1] as number) - y;
    const d = dx * dx + dy * dy;
    if (d <= bestD) {
      bestD = d;
      best = i;
    }
  }
  return best;
}

export interface DotStyle {
  readonly fill: string;
  readonly stroke: string;
  /** Radius of the fill, and width of the stroke drawn around it (as maplibre's circle-stroke). */
  readonly radius: number;
  readonly strokeWidth: number;
}

export class DotOverlay {
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D | null;
  private dots = new Map<string, Dot>();
  /** Screen positions (CSS pixels) of the dots drawn last, and which dots they are. */
  private xy = new Float32Array(0);
  private shown: Dot[] = [];
  private frame = 0;
  /** Drawings so far, and the time they took in all (ms; for the benchmark). */
  draws = 0;
  drawMs = 0;

  constructor(
    private readonly map: MapLibreMap,
    private readonly style: DotStyle,
    private readonly onDrawn?: (visible: number) => void,
  ) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'dot-overlay';
    this.canvas.setAttribute('aria-hidden', 'true');
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', pointerEvents: 'none' });
    map.getCanvas().after(this.canvas);
    this.ctx = this.canvas.getContext('2d');
    this.resize();
    map.on('resize', () => {
      this.resize();
      this.draw();
    });
    // The map moved or redrew: redraw the dots in the same frame.
    map.on('render', () => this.draw());
  }

  private resize(): void {
    const c = this.map.getCanvas();
    const w = c.clientWidth;
    const h = c.clientHeight;
    const dpr = window.devicePixelRatio || 1;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
  }

  get size(): number {
    return this.dots.size;
  }

  /** Replaces every dot. */
  set(dots: Iterable<Dot>): void {
    this.dots = new Map([...dots].map((d) => [d.deviceId, { ...d }]));
    this.schedule();
  }

  /** Moves (or adds) the dots of the given fixes; the map is not redrawn, only the dots. */
  update(fixes: Iterable<DotFix>): void {
    applyFixes(this.dots, fixes);
    this.schedule();
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw(): void {
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.frame = 0;
    const ctx = this.ctx;
    // Nothing drawn and nothing to draw (a map without movements): leave the canvas alone.
    if (!ctx || (this.dots.size === 0 && this.shown.length === 0 && this.draws > 0)) return;
    const t0 = performance.now();
    const dpr = this.canvas.width / Math.max(1, this.canvas.clientWidth || this.map.getCanvas().clientWidth);
    const w = this.canvas.width / dpr;
    const h = this.canvas.height / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    if (this.xy.length < this.dots.size * 2) this.xy = new Float32Array(this.dots.size * 2);
    const { radius: r, strokeWidth: sw } = this.style;
    const m = r + sw;
    const shown: Dot[] = [];
    let n = 0;
    for (const d of this.dots.values()) {
      const p = this.map.project([d.lon, d.lat]);
      if (p.x < -m || p.y < -m || p.x > w + m || p.y > h + m) continue;
      this.xy[2 * n] = p.x;
      this.xy[2 * n + 1] = p.y;
      shown.push(d);
      n++;
    }
    this.shown = shown;
    // The halo (stroke around the fill, as maplibre's circle-stroke draws it), then the fills.
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = this.xy[2 * i] as number;
      const y = this.xy[2 * i + 1] as number;
      ctx.moveTo(x + r + sw / 2, y);
      ctx.arc(x, y, r + sw / 2, 0, 2 * Math.PI);
    }
    ctx.lineWidth = sw;
    ctx.strokeStyle = this.style.stroke;
    ctx.stroke();
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      const x = this.xy[2 * i] as number;
      const y = this.xy[2 * i + 1] as number;
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fillStyle = this.style.fill;
    ctx.fill();
    this.draws++;
    this.drawMs += performance.now() - t0;
    this.onDrawn?.(n);
  }

  /** The dot under a point of the map (CSS pixels), if any. */
  dotAt(point: { x: number; y: number }, tol = this.style.radius + this.style.strokeWidth + 1): Dot | undefined {
    const i = nearestDot(this.xy, this.shown.length, point.x, point.y, tol);
    return i >= 0 ? this.shown[i] : undefined;
  }
}
