/**
 * Movement page (`/app/movements/{id}`): the manifest (vehicles, people by category, cargo),
 * the live track on a map (GET /movements/{id}/track, re-read when the event stream says a
 * movement or position changed), its alerts, and the reconciliation table — departed, each
 * checkpoint, arrived by category; cargo dispatched vs received — with discrepancies
 * highlighted (in colour and in words). Reached from the map's movement list and from the
 * corridor page.
 */
import { stillCurrent } from '../nav.js';
import type { GeoJSONSource } from 'maplibre-gl';
import * as maplibregl from 'maplibre-gl';
import { api, type AlertView, type CorridorView, type MovementView, type MovementWarning, type ReconciliationView } from '../api.js';
import type { Ctx } from '../context.js';
import { clear, h, labelled, scrollBox, type Child } from '../dom.js';
import { coalescer, type Coalescer } from '../coalesce.js';
import { busyNow, captureStatus, keepingInput } from '../live.js';
import { subscribe } from '../events.js';
import { both, suspensionWhy } from '../format.js';
import { problemDetail } from '../feedback.js';
import { lang, t, tValue, type MessageKey } from '../i18n.js';
import { createMap, type CorridorMap } from '../map.js';
import { pictureAt, prepare } from '../state.js';
import { trackLayers } from '../track.js';
import { movementActionsSection } from './movement-actions.js';

const TZ = 'Europe/Kyiv';

let activeMap: CorridorMap | null = null;
let unsubscribe: (() => void) | null = null;
let refresher: Coalescer | null = null;

/**
 * Live events are applied once they pause for this long, but at most this long after the first
 * of them: a convoy whose trackers report every half second still moves on the page every second.
 */
const LIVE_QUIET_MS = 250;
const LIVE_MAX_WAIT_MS = 1000;

export function disposeMovement(): void {
  unsubscribe?.();
  unsubscribe = null;
  refresher?.cancel();
  refresher = null;
  activeMap?.map.remove();
  activeMap = null;
}

const when = (iso: string | null | undefined, tz = TZ): string => (iso ? both(Date.parse(iso), tz) : '—');
const sum = (xs: Record<string, number>): number => Object.values(xs).reduce((a, b) => a + b, 0);
const signed = (n: number | null): string => (n === null ? '' : n > 0 ? `+${n}` : String(n));

/** A link to a movement's page, for the map and corridor pages. */
export function movementLink(m: Pick<MovementView, 'id' | 'title'>): HTMLElement {
  return h('a', { href: `/app/movements/${encodeURIComponent(m.id)}`, 'data-link': true, class: 'movement-link' }, m.title);
}

/** A table of movements (title → movement page, state, planned departure), or null when none. */
export function movementTable(movements: readonly MovementView[], tz = TZ): HTMLElement {
  if (movements.length === 0) return h('p', {}, t('movement.none'));
  return h(
    'table',
    { class: 'list', id: 'movement-list' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('movement.list')), h('th', { scope: 'col' }, t('movement.state')), h('th', { scope: 'col' }, t('movement.planned')))),
    h(
      'tbody',
      {},
      movements.map((m) => h('tr', { 'data-key': `movement:${m.id}` }, h('td', {}, movementLink(m)), h('td', {}, t(`movement.state.${m.state}` as MessageKey)), h('td', {}, when(m.plannedDeparture, tz)))),
    ),
  );
}

/**
 * A movement's warning in the reader's language, from its data: when it was notified, the
 * corridor was not open at the planned departure (the instant in the corridor's zone and UTC),
 * and why — suspended since when, after which confirmed incident; not yet guaranteed by whom;
 * outside its windows, and when the next opened. Judged once, at notification: a neutral note
 * (not an alarm, and not the corridor's state now — its page says that). A warning stored before
 * the server gave data, or one the app has no words for, shows the server's sentence.
 */
function warningNote(w: MovementWarning, tz: string, ctx: Ctx): HTMLElement {
  const at = (iso: string): string => when(iso, tz);
  if (w.code !== 'corridor_not_open') return h('p', { class: 'note-neutral movement-warning', 'data-warning': w.code }, w.message);
  if (!w.plannedDeparture || !w.reasons) return h('p', { class: 'note-neutral movement-warning', 'data-warning': w.code }, t('movement.warning.notOpenThen'), problemDetail(w.message));
  const reasons = w.reasons.map((r) => {
    if (r.code === 'suspended') return t('movement.warning.suspended', { since: r.since ? at(r.since) : '—', why: suspensionWhy(r) });
    if (r.code === 'not_guaranteed') return t('reason.not_guaranteed', { parties: (r.missingGuarantors ?? []).map((g) => ctx.partyName(g.id)).join(', ') });
    if (r.code === 'outside_window') return w.nextWindowStart ? t('movement.warning.outsideNext', { at: at(w.nextWindowStart) }) : t('reason.outside_window');
    return t(`reason.${r.code}` as MessageKey, { parties: '', reason: r.reason ?? '' });
  });
  return h('p', { class: 'note-neutral movement-warning', 'data-warning': w.code, title: w.message }, t('movement.warning.notOpen', { at: at(w.plannedDeparture), reasons: reasons.join('; ') }));
}

function stageName(stage: string, checkpointId: string | null, cps: Map<string, string>): string {
  if (stage === 'checkpoint') return (checkpointId && cps.get(checkpointId)) ?? checkpointId ?? stage;
  return t(`movement.stage.${stage}` as MessageKey);
}

function manifestSection(m: MovementView, ctx: Ctx): HTMLElement {
  const people = Object.entries(m.manifest.people).filter(([, n]) => n > 0);
  return h(
    'section',
    { 'aria-labelledby': 'h-manifest', class: 'card' },
    h('h2', { id: 'h-manifest' }, t('movement.manifest')),
    h(
      'table',
      { class: 'list', id: 'manifest-vehicles' },
      h('caption', {}, t('movement.vehicles')),
      h('thead', {}, h('tr', {}, [t('movement.plate'), t('movement.vehicleType'), t('movement.seats'), t('movement.tracker')].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, m.vehicles.map((v) => h('tr', {}, h('td', {}, v.plate), h('td', {}, labelled(tValue('vehicle', v.type), v.type)), h('td', { class: 'num' }, v.seats ?? '—'), h('td', {}, v.trackerDeviceId ?? '—')))),
    ),
    h(
      'table',
      { class: 'list', id: 'manifest-people' },
      h('caption', {}, t('movement.people')),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('movement.category')), h('th', { scope: 'col', class: 'num' }, t('movement.count')))),
      h(
        'tbody',
        {},
        people.map(([k, n]) => h('tr', {}, h('td', {}, t(`people.${k}` as MessageKey)), h('td', { class: 'num' }, n))),
        h('tr', { class: 'total' }, h('th', { scope: 'row' }, '∑'), h('td', { class: 'num' }, sum(m.manifest.people))),
      ),
    ),
    m.manifest.cargo.length > 0
      ? h(
          'table',
          { class: 'list', id: 'manifest-cargo' },
          h('caption', {}, t('movement.cargo')),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('movement.item')), h('th', { scope: 'col' }, t('movement.category')), h('th', { scope: 'col', class: 'num' }, t('movement.quantity')))),
          h('tbody', {}, m.manifest.cargo.map((c) => h('tr', {}, h('td', {}, c.item), h('td', {}, labelled(tValue('cargo', c.category), c.category)), h('td', { class: 'num' }, `${c.quantity} ${c.unit}`)))),
        )
      : null,
    h('p', { class: 'small' }, `${t('movement.operator')}: ${ctx.partyName(m.operatorPartyId)}`),
    m.receivingPartyId ? h('p', { class: 'small', id: 'movement-receiver' }, `${t('movement.receiver')}: ${ctx.partyName(m.receivingPartyId)}`) : null,
    m.acknowledgements.length > 0 ? h('p', { class: 'small' }, `${t('movement.acknowledged')}: ${m.acknowledgements.map((a) => ctx.partyName(a.partyId)).join(', ')}`) : null,
    m.awaitingAcknowledgement.length > 0 ? h('p', { class: 'small' }, `${t('movement.awaiting')}: ${m.awaitingAcknowledgement.map((p) => ctx.partyName(p)).join(', ')}`) : null,
  );
}

const capitalise = (s: string): string => s.charAt(0).toLocaleUpperCase(lang()) + s.slice(1);

function alertsBody(alerts: readonly AlertView[], cps: Map<string, string>, tz: string): HTMLElement {
  if (alerts.length === 0) return h('p', {}, t('movement.noAlerts'));
  const sorted = [...alerts].sort((a, b) => (a.state === b.state ? b.raisedAt.localeCompare(a.raisedAt) : a.state === 'open' ? -1 : 1));
  return h(
    'ul',
    { class: 'alerts', id: 'movement-alerts' },
    sorted.map((a) => {
      const first = a.details.firstAppeared as { stage?: string; checkpointId?: string | null } | undefined;
      const what = [a.details.category ? t(`people.${String(a.details.category)}` as MessageKey) : null, a.details.item ? String(a.details.item) : null, typeof a.details.difference === 'number' ? signed(a.details.difference) : null, first?.stage ? t('movement.firstAt', { stage: stageName(first.stage, first.checkpointId ?? null, cps) }) : null]
        .filter(Boolean)
        .join(' · ');
      return h(
        'li',
        { class: `alert alert-${a.state}`, 'data-type': a.type, 'data-state': a.state, 'data-key': `alert:${a.id}` },
        // "Arrived — cleared", "Прибуття — знято": the alert first, then its state (a badge
        // before a noun read as one ungrammatical phrase).
        h('strong', {}, capitalise(t(`movement.alertType.${a.type}` as MessageKey))),
        ' — ',
        h('span', { class: `badge ${a.state === 'open' ? 'badge-open-alert' : 'badge-cleared'}` }, t(a.state === 'open' ? 'movement.alert.open' : 'movement.alert.cleared')),
        a.deviceId ? ` — ${a.deviceId}` : '',
        what ? ` — ${what}` : '',
        h('br'),
        h('span', { class: 'small' }, t('movement.alert.raised', { at: when(a.raisedAt, tz) }), a.clearedAt ? ` · ${t('movement.alert.clearedAt', { at: when(a.clearedAt, tz) })}` : ''),
      );
    }),
  );
}

/**
 * The reconciliation table. Before departure nothing has been counted: the first column is the
 * plan (not "Departed") and the status says counting starts at departure, not that counts match.
 */
function reconBody(r: ReconciliationView, cps: Map<string, string>, departed: boolean): HTMLElement {
  // Columns: departed, then every stage met in any row (checkpoints in order, arrived, received).
  const stageKeys: { key: string; stage: string; checkpointId: string | null }[] = [];
  for (const row of [...r.people, ...r.cargo]) {
    for (const s of row.stages) {
      const key = `${s.stage}:${s.checkpointId ?? ''}`;
      if (!stageKeys.some((k) => k.key === key)) stageKeys.push({ key, stage: s.stage, checkpointId: s.checkpointId });
    }
  }
  const peopleKeys = stageKeys.filter((k) => k.stage !== 'received');
  const cell = (counted: number | null | undefined, diff: number | null | undefined, isFirst: boolean, stage = ''): HTMLElement => {
    if (counted === null || counted === undefined) return h('td', { class: 'num muted' }, t('movement.notCounted'));
    const bad = diff !== null && diff !== undefined && diff !== 0;
    return h('td', { class: `num${bad ? ' discrepancy' : ''}${isFirst ? ' first' : ''}` }, String(counted), bad ? h('span', { class: 'diff' }, ` (${signed(diff ?? 0)})`) : null, isFirst ? h('span', { class: 'visually-hidden' }, ` ⚠ ${t('movement.firstAt', { stage })}`) : null);
  };
  const rowOf = (label: string, expected: number, stages: ReconciliationView['people'][number]['stages'], keys: typeof stageKeys, difference: number | null, first: ReconciliationView['people'][number]['firstDiscrepancy']): HTMLElement => {
    const bad = difference !== null && difference !== 0;
    return h(
      'tr',
      { class: bad ? 'discrepancy-row' : '' },
      h('th', { scope: 'row' }, label),
      h('td', { class: 'num' }, expected),
      keys.map((k) => {
        const s = stages.find((x) => `${x.stage}:${x.checkpointId ?? ''}` === k.key);
        const isFirst = !!first && first.stage === k.stage && (first.checkpointId ?? '') === (k.checkpointId ?? '');
        return cell(s?.counted, s?.difference, isFirst, stageName(k.stage, k.checkpointId, cps));
      }),
      h('td', { class: `num${bad ? ' discrepancy' : ''}` }, difference === null ? '—' : signed(difference), bad && first ? h('span', { class: 'small block' }, t('movement.firstAt', { stage: stageName(first.stage, first.checkpointId, cps) })) : null),
    );
  };
  const people = r.people.filter((p) => p.planned > 0 || p.expected > 0 || p.stages.some((s) => (s.counted ?? 0) > 0));
  const head = (what: string, first: string, keys: typeof stageKeys): HTMLElement =>
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, what), h('th', { scope: 'col', class: 'num' }, first), keys.map((k) => h('th', { scope: 'col', class: 'num' }, stageName(k.stage, k.checkpointId, cps))), h('th', { scope: 'col', class: 'num' }, t('movement.difference'))));
  const totals = (): HTMLElement | null => {
    if (people.length < 2) return null;
    const exp = people.reduce((a, p) => a + p.expected, 0);
    const per = peopleKeys.map((k) => {
      const xs = people.map((p) => p.stages.find((s) => `${s.stage}:${s.checkpointId ?? ''}` === k.key)?.counted ?? null);
      return xs.every((x) => x === null) ? null : xs.reduce((a: number, x) => a + (x ?? 0), 0);
    });
    return h('tr', { class: 'total' }, h('th', { scope: 'row' }, '∑'), h('td', { class: 'num' }, exp), per.map((n) => cell(n, n === null ? null : n - exp, false)), h('td', {}, ''));
  };
  return h(
    'div',
    {},
    departed ? h('p', { class: r.balanced ? 'ok' : 'error', id: 'recon-status' }, t(r.balanced ? 'movement.balanced' : 'movement.unbalanced')) : h('p', { id: 'recon-status' }, t('movement.notDeparted')),
    // Wide tables (a column per checkpoint): in their own scroll box, with its "scroll sideways"
    // hint while they are wider than it, like the other wide tables of the app.
    scrollBox(
      h(
        'table',
        { class: 'list recon', id: 'recon-people' },
        h('caption', { id: 'recon-people-caption' }, t('movement.peopleRecon')),
        head(t('movement.category'), t(departed ? 'movement.stage.departed' : 'movement.plannedCount'), peopleKeys),
        h(
          'tbody',
          {},
          people.map((p) => rowOf(t(`people.${p.category}` as MessageKey), p.expected, p.stages, peopleKeys, p.difference, p.firstDiscrepancy)),
          totals(),
        ),
      ),
      t('common.tableOf', { name: t('movement.peopleRecon') }),
      t('common.scrollHint'),
    ),
    r.cargo.length > 0
      ? scrollBox(
          h(
            'table',
            { class: 'list recon', id: 'recon-cargo' },
            h('caption', { id: 'recon-cargo-caption' }, t('movement.cargoRecon')),
            head(t('movement.item'), t(departed ? 'movement.dispatched' : 'movement.plannedCount'), stageKeys),
            h('tbody', {}, r.cargo.map((c) => rowOf(`${c.item} (${c.unit})`, c.expected, c.stages, stageKeys, c.difference, c.firstDiscrepancy))),
          ),
          t('common.tableOf', { name: t('movement.cargoRecon') }),
          t('common.scrollHint'),
        )
      : null,
  );
}

export async function renderMovement(main: HTMLElement, ctx: Ctx, id: string, notice?: string): Promise<void> {
  clear(main);
  main.append(h('p', {}, t('common.loading')));
  const stillHere = stillCurrent();
  const m = await api.movement(id);
  const [corridor, track, alerts, recon] = await Promise.all([api.corridor(m.corridorId).catch(() => null as CorridorView | null), api.movementTrack(id).catch(() => null), api.movementAlerts(id).catch(() => [] as AlertView[]), api.reconciliation(id).catch(() => null)]);
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!stillHere()) return;
  const tz = corridor?.terms.windows[0]?.timeZone ?? TZ;
  const cps = new Map<string, string>((corridor?.terms.checkpoints ?? []).flatMap((c) => (c.id ? [[c.id, c.name] as [string, string]] : [])));
  clear(main);

  const mapEl = h('div', { id: 'movement-map', class: 'map small-map', role: 'region', 'aria-label': t('movement.trackLabel') });
  const trackText = h('p', { id: 'track-last', class: 'small', 'aria-live': 'polite' });
  const alertsSlot = h('div', { id: 'alerts-slot' }, alertsBody(alerts, cps, tz));
  const reconSlot = h('div', { id: 'recon-slot' }, recon ? reconBody(recon, cps, m.departedAt !== null) : h('p', {}, '—'));
  const stateSlot = h('span', { id: 'movement-state', class: 'badge badge-movement' }, t(`movement.state.${m.state}` as MessageKey));

  const times = (v: MovementView): Child[] => [
    `${t('movement.corridor')}: `,
    corridor ? h('a', { href: `/app/corridors/${encodeURIComponent(corridor.id)}`, 'data-link': true }, corridor.title) : v.corridorId,
    ' · ',
    `${t('movement.planned')}: ${when(v.plannedDeparture, tz)}`,
    v.departedAt ? ` · ${t('movement.departed')}: ${when(v.departedAt, tz)}` : '',
    v.arrivedAt ? ` · ${t('movement.arrived')}: ${when(v.arrivedAt, tz)}` : '',
  ];
  const timesSlot = h('p', { id: 'movement-times' }, times(m));
  const actions = (v: MovementView): HTMLElement | null => movementActionsSection(v, ctx, corridor?.terms.checkpoints ?? [], tz, (message) => renderMovement(main, ctx, id, message));
  // What this member records next, by the reconciliation it adds to.
  const actionsSlot = h('div', { id: 'movement-actions-slot' }, actions(m));
  const manifestSlot = h('div', { id: 'manifest-slot' }, manifestSection(m, ctx));

  main.append(
    h(
      'div',
      { class: 'movement' },
      h('h1', {}, t('movement.title', { title: m.title }), ' ', stateSlot),
      timesSlot,
      h('p', { id: 'movement-msg', class: notice ? 'msg ok' : 'msg', role: 'status' }, notice ?? ''),
      m.warnings.map((w) => warningNote(w, tz, ctx)),
      h('div', { class: 'movement-grid' }, h('section', { 'aria-labelledby': 'h-track' }, h('h2', { id: 'h-track' }, t('movement.track')), mapEl, trackText), h('section', { 'aria-labelledby': 'h-alerts', class: 'card' }, h('h2', { id: 'h-alerts' }, t('movement.alerts')), alertsSlot)),
      actionsSlot,
      h('section', { 'aria-labelledby': 'h-recon' }, h('h2', { id: 'h-recon' }, t('movement.reconciliation')), reconSlot),
      manifestSlot,
    ),
  );

  disposeMovement();
  const cmap = createMap(mapEl, ctx.config);
  activeMap = cmap;
  if (corridor) cmap.setCorridors([{ view: corridor, state: pictureAt(prepare(corridor), Date.now()).state }], true);
  cmap.onSelect((cid) => ctx.navigate(`/app/corridors/${cid}`));
  const empty: GeoJSON.FeatureCollection = { type: 'FeatureCollection', features: [] };
  let current = track ? trackLayers(track) : { lines: empty, heads: empty, last: null };
  const describe = (): void => {
    trackText.textContent = current.last ? t('movement.lastFix', { vehicle: current.last.device, at: when(current.last.at, tz) }) : t('movement.noTrack');
  };
  describe();
  const map = cmap.map;
  const ready = (): void => {
    map.addSource('track', { type: 'geojson', data: current.lines });
    map.addSource('track-heads', { type: 'geojson', data: current.heads });
    map.addLayer({ id: 'track-line', type: 'line', source: 'track', layout: { 'line-cap': 'round', 'line-join': 'round' }, paint: { 'line-color': ['get', 'colour'], 'line-width': 2.5, 'line-opacity': 0.85 } });
    map.addLayer({ id: 'track-heads', type: 'circle', source: 'track-heads', paint: { 'circle-radius': 6, 'circle-color': ['get', 'colour'], 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } });
    const popup = new maplibregl.Popup({ closeButton: false, closeOnClick: false, offset: 8 });
    map.on('mousemove', 'track-heads', (e) => {
      const p = e.features?.[0]?.properties as { device?: string; at?: string } | undefined;
      if (p?.device) popup.setLngLat(e.lngLat).setText(t('movement.lastFix', { vehicle: p.device, at: when(p.at, tz) })).addTo(map);
    });
    map.on('mouseleave', 'track-heads', () => popup.remove());
  };
  if (map.loaded()) ready();
  else map.once('load', ready);

  // Live: any event of this movement re-reads the track, alerts and reconciliation, and the
  // state, times, manifest and actions where the movement itself changed (another member
  // acknowledged it, recorded its departure …). Coalesced, and applied at least once a second
  // while events keep coming (`coalescer`): a debounce alone waited for a pause that a convoy
  // reporting every half second never makes, and the page stood still while it moved.
  let shown = m;
  const refresh = async (): Promise<void> => {
    const [fresh, tr, al, rc] = await Promise.all([api.movement(id), api.movementTrack(id), api.movementAlerts(id), api.reconciliation(id)]);
    if (activeMap !== cmap) return;
    current = trackLayers(tr);
    void (map.getSource('track') as GeoJSONSource | undefined)?.setData(current.lines);
    void (map.getSource('track-heads') as GeoJSONSource | undefined)?.setData(current.heads);
    describe();
    // Swapped at once, keeping the member's place (`keepingInput`): the focus on a link, a button
    // or the reconciliation's scroll box, how far that box is scrolled, what is typed in the forms.
    await keepingInput(main, async () => {
      stateSlot.textContent = t(`movement.state.${fresh.state}` as MessageKey);
      clear(alertsSlot);
      alertsSlot.append(alertsBody(al, cps, tz));
      clear(reconSlot);
      reconSlot.append(reconBody(rc, cps, fresh.departedAt !== null));
      if (fresh.updatedAt !== shown.updatedAt) {
        shown = fresh;
        timesSlot.replaceChildren(...flat(times(fresh)));
        manifestSlot.replaceChildren(manifestSection(fresh, ctx));
        // The forms offered follow the movement's state; what is typed in them stays.
        if (!busyNow(actionsSlot)) {
          const carry = captureStatus(actionsSlot);
          const next = actions(fresh);
          actionsSlot.replaceChildren(...(next ? [next] : []));
          carry(actionsSlot);
        }
      }
    });
    mapEl.dataset.live = String(Date.now());
  };
  refresher = coalescer(refresh, { quietMs: LIVE_QUIET_MS, maxWaitMs: LIVE_MAX_WAIT_MS });
  const mine = refresher;
  unsubscribe = subscribe((e) => {
    // Only this movement's events (its lifecycle, fixes, alerts, incidents near it) change this page.
    if ((e.data as { subject?: unknown } | null)?.subject !== `movement/${id}`) return;
    mine.poke();
  });
}

/** Children as `h` takes them, flattened for `replaceChildren`. */
function flat(children: Child[]): (Node | string)[] {
  return children.flatMap((c) => (c === null || c === undefined || c === false ? [] : Array.isArray(c) ? flat(c) : [typeof c === 'number' ? String(c) : c]));
}
