/**
 * The picture at a glance: the map coloured by state at the chosen instant, the timeline
 * slider, the legend, and the same corridors as a list (keyboard and screen-reader users
 * get everything the map shows).
 */
import { stillCurrent } from '../nav.js';
import { api, type CorridorView, type LatestPosition, type MovementView, type SiteView } from '../api.js';
import { movementTable } from './movement.js';
import { subscribe } from '../events.js';
import { coalescer } from '../coalesce.js';
import { keepPlace } from '../live.js';
import type { Ctx } from '../context.js';
import { clear, h, scrollBox } from '../dom.js';
import { formatUtcShort, span, suspensionWhy, zoned } from '../format.js';
import { t } from '../i18n.js';
import { createMap, legend, type CorridorMap, type MovementFix } from '../map.js';
import { DISPLAY_STATES, pictureAt, prepare, STATE_COLOURS, timelineRange, type DisplayState, type Prepared } from '../state.js';

const STEP_MS = 15 * 60_000;
let activeMap: CorridorMap | null = null;
let unsubscribe: (() => void) | null = null;
let ticker: ReturnType<typeof setInterval> | undefined;

let stopRefresher: (() => void) | null = null;

export function disposeOverview(): void {
  unsubscribe?.();
  unsubscribe = null;
  stopRefresher?.();
  stopRefresher = null;
  clearInterval(ticker);
  activeMap?.map.remove();
  activeMap = null;
}

export function stateBadge(state: DisplayState): HTMLElement {
  return h('span', { class: `badge state-${state}`, style: { background: STATE_COLOURS[state] } }, t(`state.${state}`));
}

/** Live fixes: a burst ends after this quiet spell… */
const FIX_QUIET_MS = 150;
/** …or this long after its first fix; and map updates are at least this far apart. */
const FIX_MAX_WAIT_MS = 1000;
const FIX_MIN_INTERVAL_MS = 1000;

export async function renderOverview(main: HTMLElement, ctx: Ctx): Promise<void> {
  clear(main);
  main.append(h('p', {}, t('common.loading')));
  const current = stillCurrent();
  const [views, sites, positions0, incidents0, movements]: [CorridorView[], SiteView[] | null, LatestPosition[] | null, GeoJSON.FeatureCollection | null, MovementView[] | null] = await Promise.all([
    api.corridors(),
    api.sites(),
    api.positions(),
    api.incidents(),
    api.movements(),
  ]);
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!current()) return;
  let positions = positions0;
  let incidents = incidents0;
  let prepared: Prepared[] = views.map(prepare);
  const now = Date.now();
  const params = new URLSearchParams(location.search);
  const atParam = params.get('at');
  const atValid = atParam !== null && atParam !== '' && !Number.isNaN(Date.parse(atParam));
  let at = atValid ? Date.parse(atParam) : now;
  // Following the clock until the user picks another instant: live updates show "now".
  let followNow = !atValid;
  // An instant the app cannot read is said, not silently replaced by now.
  const atNote = atParam !== null && !atValid ? h('p', { class: 'msg error', id: 'at-invalid', role: 'status' }, t('map.atInvalid', { at: atParam })) : null;
  // The picture at an instant shows only what had happened by then.
  const incidentsAt = (): GeoJSON.FeatureCollection | null =>
    incidents && { ...incidents, features: incidents.features.filter((f) => !(Date.parse(String(f.properties?.occurredAt ?? '')) > at)) };
  const [lo, hi] = timelineRange(prepared, now);
  const range = [Math.min(lo, at), Math.max(hi, at)] as const;

  clear(main);
  const mapEl = h('div', { id: 'map', class: 'map', role: 'region', 'aria-label': t('map.label') });
  const slider = h('input', {
    id: 'timeline',
    type: 'range',
    min: String(Math.floor(range[0] / STEP_MS)),
    max: String(Math.ceil(range[1] / STEP_MS)),
    step: '1',
    value: String(Math.round(at / STEP_MS)),
    'aria-describedby': 'timeline-help',
  });
  const out = h('output', { id: 'timeline-value', for: 'timeline', 'aria-live': 'polite' });
  const nowBtn = h('button', { type: 'button', id: 'timeline-now' }, t('timeline.now'));
  const listBody = h('tbody');
  const legendSlot = h('div');
  // The movements the party may see, kept up to date by movement events (a new one, a departure …).
  const movementsSlot = h('div', { id: 'overview-movements-slot' });
  const drawMovements = (ms: MovementView[] | null): void => {
    // Drawn again live: a member tabbing through the list keeps their place (`keepPlace`).
    const restore = keepPlace(movementsSlot);
    movementsSlot.replaceChildren(...(ms !== null && ms.length > 0 ? [h('section', { 'aria-labelledby': 'mov-h', id: 'overview-movements' }, h('h2', { id: 'mov-h' }, t('movement.list')), movementTable(ms))] : []));
    restore();
  };
  drawMovements(movements);

  const listSection = h(
    'section',
    { 'aria-labelledby': 'list-h' },
    h('h2', { id: 'list-h' }, t('list.title')),
    views.length === 0
      ? h('p', {}, t('list.empty'))
      : // In its own scrolling box: the windows' dates are long in Ukrainian and Russian, and the
        // page itself must not scroll sideways on a phone.
        scrollBox(h('table', { class: 'list', id: 'corridor-list' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('public.route')), h('th', { scope: 'col' }, t('list.state')), h('th', { scope: 'col' }, t('corridor.windows')))), listBody), t('common.tableOf', { name: t('list.title') }), t('common.scrollHint')),
  );
  main.append(
    h('h1', { class: 'visually-hidden' }, t('nav.map')),
    h(
      'div',
      { class: 'overview' },
      mapEl,
      h(
        'aside',
        { class: 'panel' },
        atNote,
        h('div', { class: 'timeline' }, h('label', { for: 'timeline' }, t('timeline.label')), slider, h('div', { class: 'timeline-row' }, out, nowBtn), h('p', { id: 'timeline-help', class: 'small' }, t('timeline.help'))),
        legendSlot,
      ),
    ),
    listSection,
    movementsSlot,
  );

  disposeOverview();
  const cmap = createMap(mapEl, ctx.config);
  activeMap = cmap;
  cmap.onSelect((id) => ctx.navigate(`/app/corridors/${id}`));
  // A click on a movement's dot opens its page.
  cmap.onMovementClick((id) => ctx.navigate(`/app/movements/${encodeURIComponent(id)}`));
  cmap.setSites(sites);
  cmap.setMovements(positions);
  cmap.setIncidents(incidentsAt());

  // Movements with a dot on the map, for the legend's count (kept up to date by live fixes too):
  // a convoy whose trackers have sent nothing yet has no dot, so it is not counted.
  const shownOn = (ps: typeof positions): Set<string> => new Set((ps ?? []).filter((p) => p.lat !== null && p.lon !== null).map((p) => p.movementId));
  let movementIdsShown = shownOn(positions);
  let stateCounts: Partial<Record<DisplayState, number>> = {};
  const drawLegend = (): void => {
    const counts: Partial<Record<DisplayState | 'sites' | 'movements' | 'incidents', number>> = {
      sites: sites?.filter((x) => x.state === 'active').length ?? 0,
      movements: movementIdsShown.size,
      incidents: incidentsAt()?.features.length ?? 0,
      ...stateCounts,
    };
    clear(legendSlot);
    legendSlot.append(legend(counts));
  };
  let zoneTimer: ReturnType<typeof setTimeout> | undefined;
  const draw = (fit: boolean): void => {
    const items = prepared.map((p) => ({ p, pic: pictureAt(p, at) }));
    cmap.setCorridors(items.map(({ p, pic }) => ({ view: p.view, state: pic.state })), fit);
    cmap.setIncidents(incidentsAt());
    stateCounts = {};
    for (const { pic } of items) stateCounts[pic.state] = (stateCounts[pic.state] ?? 0) + 1;
    drawLegend();
    out.textContent = `${zoned(at, 'Europe/Kyiv')} (Europe/Kyiv) · ${formatUtcShort(at)}`;
    // A screen reader announces the instant, not the slider's step number.
    slider.setAttribute('aria-valuetext', out.textContent);
    mapEl.dataset.at = new Date(at).toISOString();
    mapEl.dataset.states = JSON.stringify(Object.fromEntries(items.map(({ p, pic }) => [p.view.id, pic.state])));
    // Drawn again by the clock, the slider and live events: the focus on a corridor's link, and
    // how far the list's box is scrolled, stay (`keepPlace`).
    const restore = keepPlace(listSection);
    clear(listBody);
    for (const { p, pic } of items.sort((a, b) => DISPLAY_STATES.indexOf(a.pic.state) - DISPLAY_STATES.indexOf(b.pic.state))) {
      // Open or next; once none is left, the last one, said to be over (not a bare "—").
      const last = pic.current ?? pic.next ? undefined : p.intervals.at(-1);
      const iv = pic.current ?? pic.next ?? last;
      const tz = p.view.terms.windows[iv?.windowIndex ?? 0]?.timeZone ?? 'UTC';
      listBody.append(
        h(
          'tr',
          { 'data-corridor': p.view.id, 'data-state': pic.state, 'data-key': `corridor:${p.view.id}` },
          h('th', { scope: 'row' }, h('a', { href: `/app/corridors/${p.view.id}`, 'data-link': true }, p.view.title)),
          h('td', {}, stateBadge(pic.state), pic.suspension ? h('div', { class: 'small', 'data-suspension-reason': '' }, suspensionWhy(pic.suspension)) : null, pic.state === 'waiting' && p.missing.length > 0 ? h('div', { class: 'small' }, p.missing.map((id) => ctx.partyName(id)).join(', ')) : null),
          h('td', { class: 'small window-cell' }, last ? `${t('overview.lastWindow')}: ` : '', iv ? span(iv.start, iv.end, tz) : '—'),
        ),
      );
    }
    restore();
    clearTimeout(zoneTimer);
    zoneTimer = setTimeout(() => {
      void api.zones(new Date(at).toISOString()).then((fc) => cmap.setZones(fc));
    }, 250);
  };

  slider.addEventListener('input', () => {
    followNow = false;
    at = Number(slider.value) * STEP_MS;
    draw(false);
  });
  slider.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('at', new Date(at).toISOString());
    history.replaceState(null, '', url);
  });
  nowBtn.addEventListener('click', () => {
    followNow = true;
    at = Date.now();
    slider.value = String(Math.round(at / STEP_MS));
    const url = new URL(location.href);
    url.searchParams.delete('at');
    history.replaceState(null, '', url);
    draw(false);
  });
  draw(true);

  // Live: `movement.positions` events move only the trackers they name (the dot overlay, keyed by
  // device id; the newest fix per tracker wins), applied once per burst and at most once a second — no refetch, no
  // work that grows with the number of features. Any other event the party may see refreshes
  // the picture, at most once a second; incidents (and positions, after tracker events) are
  // re-read alone when only they changed.
  let pendingKinds = new Set<string>();
  const refresh = async (): Promise<void> => {
    const kinds = pendingKinds;
    pendingKinds = new Set();
    const all = kinds.has('other');
    if (all || kinds.has('movements')) drawMovements(await api.movements());
    if (all || kinds.has('position')) {
      positions = await api.positions();
      newestAt.clear();
      for (const p of positions ?? []) if (p.at) newestAt.set(p.deviceId, Date.parse(p.at));
      movementIdsShown = shownOn(positions);
      cmap.setMovements(positions);
    }
    if (all || kinds.has('incident')) {
      incidents = await api.incidents();
      cmap.setIncidents(incidentsAt());
    }
    if (all) {
      prepared = (await api.corridors()).map(prepare);
      if (followNow) {
        at = Date.now();
        slider.value = String(Math.round(at / STEP_MS));
      }
      draw(false);
    } else drawLegend(); // corridors unchanged: no redraw of them or of the list
    mapEl.dataset.live = String(Date.now());
  };
  // Once a burst of events pauses, and at least once a second while they keep coming.
  const refresher = coalescer(refresh, { quietMs: 1000, maxWaitMs: 1000 });
  stopRefresher = () => refresher.cancel();
  // Windows open and close by the clock alone: advance "now" every minute.
  ticker = setInterval(() => {
    if (!followNow) return;
    at = Date.now();
    slider.value = String(Math.round(at / STEP_MS));
    draw(false);
  }, 60_000);
  const newestAt = new Map<string, number>();
  for (const p of positions ?? []) if (p.at) newestAt.set(p.deviceId, Date.parse(p.at));
  let pendingFixes = new Map<string, MovementFix>();
  let fixesApplied = 0;
  let fixTimer: ReturnType<typeof setTimeout> | undefined;
  let firstPendingAt = 0;
  let lastFlushAt = Number.NEGATIVE_INFINITY;
  const flushFixes = (): void => {
    fixTimer = undefined;
    lastFlushAt = performance.now();
    const fixes = [...pendingFixes.values()];
    pendingFixes = new Map();
    let newMovement = false;
    for (const f of fixes) {
      if (!movementIdsShown.has(f.movementId)) {
        movementIdsShown.add(f.movementId);
        newMovement = true;
      }
    }
    cmap.updateMovements(fixes);
    if (newMovement) drawLegend();
    fixesApplied += fixes.length;
    // For tests and the benchmark: how many tracker moves were applied in place.
    mapEl.dataset.fixes = String(fixesApplied);
    mapEl.dataset.live = String(Date.now());
  };
  const onPositions = (data: unknown): void => {
    const p = (data as { data?: { movementId?: unknown; fixes?: unknown } } | null)?.data;
    if (!p || typeof p.movementId !== 'string' || !Array.isArray(p.fixes)) return;
    for (const f of p.fixes as { deviceId?: unknown; at?: unknown; lat?: unknown; lon?: unknown }[]) {
      if (typeof f.deviceId !== 'string' || typeof f.at !== 'string' || typeof f.lat !== 'number' || typeof f.lon !== 'number') continue;
      const ms = Date.parse(f.at);
      if ((newestAt.get(f.deviceId) ?? Number.NEGATIVE_INFINITY) > ms) continue; // an older fix arriving late
      newestAt.set(f.deviceId, ms);
      pendingFixes.set(f.deviceId, { movementId: p.movementId, deviceId: f.deviceId, at: f.at, lat: f.lat, lon: f.lon });
    }
    if (pendingFixes.size === 0) return;
    // One map update (so one redraw) per burst of events, and at most one a second: wait for
    // a quiet spell (the events of one ingest arrive together), but no longer than a second
    // after the first waiting fix, and never sooner than a second after the last update.
    const now = performance.now();
    if (fixTimer === undefined) firstPendingAt = now;
    else clearTimeout(fixTimer);
    const due = Math.max(Math.min(now + FIX_QUIET_MS, firstPendingAt + FIX_MAX_WAIT_MS), lastFlushAt + FIX_MIN_INTERVAL_MS);
    fixTimer = setTimeout(flushFixes, Math.max(0, due - now));
  };
  unsubscribe = subscribe((e) => {
    if (e.type === 'movement.positions') {
      onPositions(e.data);
      return;
    }
    // Movement events (alerts, arrival, …) never change a corridor: re-read positions only, and
    // the movements list where a movement's own record changed (not for its alerts).
    pendingKinds.add(/position|tracker|^movement\./.test(e.type) ? 'position' : /^incident/.test(e.type) ? 'incident' : 'other');
    if (/^movement\./.test(e.type) && !/^movement\.(alert|incident_nearby)/.test(e.type)) pendingKinds.add('movements');
    refresher.poke();
  });
}
