/**
 * Propose a corridor, or amend one: waypoints entered by name (offline gazetteer), by
 * coordinates, or drawn on the map (a click appends a waypoint; each waypoint is a numbered
 * marker that can be dragged to move it, the list and the preview following live); width, direction, purposes, eligibility, one window
 * in its agreed time zone, and the parties whose guarantee it needs.
 */
import { stillCurrent } from '../nav.js';
import { localInputValue, zonedToRfc3339 } from '../../../src/i18n/index.js';
import { api, type CorridorView } from '../api.js';
import { busySubmit } from '../busy.js';
import type { Ctx } from '../context.js';
import * as maplibregl from 'maplibre-gl';
import { clear, field, h, nextId } from '../dom.js';
import { clearFieldError, clearFieldErrors, fieldByPath, parseCoordinate, setFieldError, showProblem } from '../feedback.js';
import { loadGazetteer, searchPlaces, type Place } from '../gazetteer.js';
import { t, type MessageKey } from '../i18n.js';
import { createMap, type CorridorMap } from '../map.js';
import { ELIGIBILITY, PURPOSES } from '../../../src/domain/vocabulary.js';
import { checkLocalTime } from '../localtime.js';
import { confirmAction } from '../confirm.js';
import { buildTerms, termsChanged } from '../../../src/domain/corridor-terms.js';
import type { TermsInput } from '../../../src/schemas/corridor.js';
import { noteOnCorridorPage } from './corridor.js';
import { checkpointsOf, coordName, markerLabel, movedWaypoint, nameAt, waypointAt, waypointsOfTerms, type Waypoint } from '../waypoints.js';

const TIME_ZONES = ['Europe/Kyiv', 'Europe/Moscow', 'Europe/Minsk', 'Europe/Warsaw', 'UTC'];
let activeMap: CorridorMap | null = null;
/**
 * The waypoints being entered, kept for one re-render of the same form (switching the language
 * re-renders the page; the typed fields come back by `restoreFields`, the list from here).
 */
let draft: { key: string; waypoints: Waypoint[] } | null = null;
let keepDraft = false;
/** On around re-rendering for another language (then off): the form's waypoints survive it. */
export function keepProposeDraft(on: boolean): void {
  keepDraft = on;
}
export function disposePropose(): void {
  activeMap?.map.remove();
  activeMap = null;
}

function checkboxes(name: string, values: readonly string[], checked: readonly string[], label: (v: string) => string): HTMLElement {
  return h(
    'div',
    { class: 'checks', id: `f-${name}s` },
    values.map((v) => {
      const id = nextId(`${name}-${v}`);
      return h('span', { class: 'check' }, h('input', { type: 'checkbox', id, name, value: v, checked: checked.includes(v) }), h('label', { for: id }, label(v)));
    }),
  );
}

export async function renderPropose(main: HTMLElement, ctx: Ctx, amend?: CorridorView): Promise<void> {
  clear(main);
  const terms = amend?.terms;
  const key = amend ? `amend:${amend.id}:${amend.version}` : 'propose';
  const waypoints: Waypoint[] = keepDraft && draft?.key === key ? draft.waypoints : terms ? waypointsOfTerms(terms) : [];
  keepDraft = false;
  draft = { key, waypoints };
  const current = stillCurrent();
  const places = await loadGazetteer();
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!current()) return;

  const tz0 = terms?.windows[0]?.timeZone ?? 'Europe/Kyiv';
  const start0 = terms?.windows[0] ? Date.parse(terms.windows[0].start) : Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3_600_000;
  const end0 = terms?.windows[0] ? Date.parse(terms.windows[0].end) : start0 + 8 * 3_600_000;

  const title = h('input', { id: 'f-title', name: 'title', required: true, maxlength: '300', value: terms?.title ?? '' });
  const width = h('input', { id: 'f-width', name: 'widthM', type: 'number', min: '100', max: '50000', step: '1', required: true, value: String(terms?.widthM ?? 2000) });
  const direction = h('select', { id: 'f-direction', name: 'direction' }, (['outbound', 'inbound', 'both'] as const).map((d) => h('option', { value: d, selected: (terms?.direction ?? 'outbound') === d }, t(`direction.${d}`))));
  const tz = h('select', { id: 'f-tz', name: 'timeZone' }, [...new Set([tz0, ...TIME_ZONES])].map((z) => h('option', { value: z, selected: z === tz0 }, z)));
  const start = h('input', { id: 'f-start', name: 'start', type: 'datetime-local', required: true, value: localInputValue(start0, tz0) });
  const end = h('input', { id: 'f-end', name: 'end', type: 'datetime-local', required: true, value: localInputValue(end0, tz0) });
  const rrule = h('input', { id: 'f-rrule', name: 'rrule', placeholder: 'FREQ=DAILY;COUNT=3', value: terms?.windows[0]?.rrule ?? '' });
  const initial = { start: start.value, end: end.value, rrule: rrule.value };
  const notes = h('textarea', { id: 'f-notes', name: 'notes', rows: '2', maxlength: '5000' }, terms?.notes ?? '');
  // An amendment voids every guarantee: the log and the other parties deserve a reason.
  // (Checked on submit with the app's own words, not the browser's bubble.)
  const reason = h('input', { id: 'f-reason', name: 'reason', maxlength: '2000', ...(amend ? { 'aria-required': 'true' } : {}) });
  const belligerents = ctx.parties.filter((p) => p.kind === 'belligerent').map((p) => p.id);
  const guarantorBox = checkboxes('guarantor', ctx.parties.filter((p) => p.kind !== 'observer').map((p) => p.id), terms?.requiredGuarantors ?? belligerents, (id) => ctx.partyName(id));
  const purposeBox = checkboxes('purpose', PURPOSES, terms?.purposes ?? ['evacuation'], (v) => t(`purpose.${v}` as MessageKey));
  const eligibilityBox = checkboxes('eligibility', ELIGIBILITY, terms?.eligibility ?? ['civilians'], (v) => t(`eligibility.${v}` as MessageKey));

  // Waypoints: search by name, type coordinates, or click the map.
  const search = h('input', { id: 'f-search', name: 'place', list: 'places', autocomplete: 'off', 'aria-describedby': 'f-search-help' });
  const datalist = h('datalist', { id: 'places' });
  const addByName = h('button', { type: 'button', id: 'add-place' }, t('propose.addWaypoint'));
  const wpName = h('input', { id: 'wp-name', name: 'wpName' });
  const wpLat = h('input', { id: 'wp-lat', name: 'wpLat', type: 'number', step: 'any', min: '-90', max: '90' });
  const wpLon = h('input', { id: 'wp-lon', name: 'wpLon', type: 'number', step: 'any', min: '-180', max: '180' });
  const addByCoords = h('button', { type: 'button', id: 'add-coords' }, t('propose.addWaypoint'));
  const wpList = h('ol', { id: 'waypoints', class: 'waypoints' });
  const mapEl = h('div', { id: 'propose-map', class: 'map small-map', role: 'region', 'aria-label': t('map.label') });
  const error = h('p', { class: 'error', role: 'alert', id: 'propose-error' });

  // One draggable marker per waypoint, numbered as in the list. The markers are for pointer
  // users; they are hidden from assistive technology and not focusable, since the list above
  // offers the same (add, reorder, remove, exact coordinates) with the keyboard.
  const markers: maplibregl.Marker[] = [];
  let dragging = -1;
  const syncMarkers = (): void => {
    if (!activeMap) return;
    const map = activeMap.map;
    while (markers.length > waypoints.length) markers.pop()?.remove();
    waypoints.forEach((w, i) => {
      let m = markers[i];
      if (!m) {
        const el = h('div', { class: 'wp-marker', 'aria-hidden': 'true' });
        const marker = new maplibregl.Marker({ element: el, draggable: true, anchor: 'center' }).setLngLat([w.lon, w.lat]).addTo(map);
        marker.on('dragstart', () => {
          dragging = markers.indexOf(marker);
        });
        marker.on('drag', () => {
          const k = markers.indexOf(marker);
          const at = marker.getLngLat();
          const old = waypoints[k];
          if (!old) return;
          waypoints[k] = movedWaypoint(old, places, at.lng, at.lat);
          redraw({ fit: false });
        });
        marker.on('dragend', () => {
          dragging = -1;
          const k = markers.indexOf(marker);
          const w2 = waypoints[k];
          if (w2) marker.setLngLat([w2.lon, w2.lat]); // snap to the rounded coordinates kept
          redraw({ fit: false });
        });
        markers[i] = marker;
        m = marker;
      }
      const el = m.getElement();
      el.textContent = markerLabel(i);
      el.dataset.index = String(i);
      el.dataset.end = i === 0 ? 'origin' : i === waypoints.length - 1 && i > 0 ? 'destination' : 'via';
      el.title = w.name;
      if (i !== dragging) m.setLngLat([w.lon, w.lat]);
    });
  };

  /** Rebuilds the list, the markers and the preview; `fit` frames the route (not while drawing on the map). */
  const redraw = ({ fit = true }: { fit?: boolean } = {}): void => {
    clear(wpList);
    waypoints.forEach((w, i) => {
      const cid = nextId('cp');
      wpList.append(
        h(
          'li',
          { 'data-waypoint': w.name },
          h('span', { class: 'wp' }, w.name === coordName(w.lon, w.lat) ? w.name : `${w.name} (${w.lat.toFixed(4)}, ${w.lon.toFixed(4)})`),
          i > 0 && i < waypoints.length - 1
            ? h('span', { class: 'check' }, h('input', { type: 'checkbox', id: cid, checked: w.checkpoint, onchange: (e: Event) => (w.checkpoint = (e.target as HTMLInputElement).checked) }), h('label', { for: cid }, t('propose.checkpoint')))
            : null,
          i > 0 ? h('button', { type: 'button', class: 'small-btn', 'aria-label': `${t('propose.up')}: ${w.name}`, onclick: () => { waypoints.splice(i - 1, 0, ...waypoints.splice(i, 1)); redraw(); } }, '↑') : null,
          h('button', { type: 'button', class: 'small-btn', 'aria-label': `${t('propose.remove')}: ${w.name}`, onclick: () => { waypoints.splice(i, 1); redraw(); } }, '×'),
        ),
      );
    });
    syncMarkers();
    if (activeMap && waypoints.length >= 2) {
      const coords = waypoints.map((w) => [w.lon, w.lat] as [number, number]);
      activeMap.setCorridors([{ view: previewView(coords, Number(width.value) || 1000, waypoints), state: 'draft' }], fit);
    } else activeMap?.setCorridors([], false);
  };
  const add = (name: string, lon: number, lat: number, auto: boolean): void => {
    waypoints.push({ name, lon, lat, checkpoint: false, auto });
    redraw();
  };
  search.addEventListener('input', () => {
    clear(datalist);
    for (const p of searchPlaces(places, search.value)) datalist.append(h('option', { value: p[0] }, `${p[0]} (${p[2].toFixed(2)}, ${p[1].toFixed(2)})`));
  });
  const addSearched = (): void => {
    clearFieldError(search);
    if (search.value.trim() === '') return;
    const found: Place | undefined = searchPlaces(places, search.value, 1)[0];
    if (!found) {
      setFieldError(search, t('propose.noPlace', { name: search.value.trim() }));
      search.focus();
      return;
    }
    add(found[0], found[1], found[2], true);
    search.value = '';
    search.focus();
  };
  addByName.addEventListener('click', addSearched);
  search.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addSearched();
    }
  });
  addByCoords.addEventListener('click', () => {
    // An input of type number reads '' for text that is not a number; the range is checked here
    // (min/max alone do not stop a click), so nothing out of range reaches the list or the map.
    clearFieldError(wpLat);
    clearFieldError(wpLon);
    const lat = parseCoordinate(wpLat.value, 90);
    const lon = parseCoordinate(wpLon.value, 180);
    if (lat === null) setFieldError(wpLat, t('propose.latInvalid'));
    if (lon === null) setFieldError(wpLon, t('propose.lonInvalid'));
    if (lat === null || lon === null) {
      (lat === null ? wpLat : wpLon).focus();
      return;
    }
    const typed = wpName.value.trim();
    add(typed || nameAt(places, lon, lat), lon, lat, typed === '');
    wpName.value = wpLat.value = wpLon.value = '';
  });
  for (const input of [wpLat, wpLon]) input.addEventListener('input', () => clearFieldError(input));

  const form = h(
    'form',
    {
      id: 'propose-form',
      class: 'propose',
      // Empty fields are said by the app, at each field and in the user's language — not by the
      // browser's bubble, in the browser's language, one field at a time.
      novalidate: true,
      onsubmit: busySubmit(async () => {
        error.textContent = '';
        clearFieldErrors(form);
        const empty = ([[title, title.value.trim()], [width, width.value.trim()], [start, start.value], [end, end.value]] as const).filter(([, v]) => v === '').map(([el]) => el);
        for (const el of empty) setFieldError(el, t('problem.required'));
        if (empty.length > 0) {
          error.textContent = t('problem.seeField');
          empty[0]?.focus();
          return;
        }
        if (waypoints.length < 2) {
          error.textContent = t('propose.needTwo');
          return;
        }
        if (!checkTimes()) {
          error.textContent = t('problem.seeField');
          form.querySelector<HTMLElement>('[aria-invalid=true]')?.focus();
          return;
        }
        // In the order the amended terms had them (then any newly ticked): the boxes' own order
        // would rewrite the signed document without changing what it says.
        const checked = (name: string, before: readonly string[] = []): string[] => {
          const now = [...form.querySelectorAll<HTMLInputElement>(`input[name="${name}"]:checked`)].map((i) => i.value);
          return [...before.filter((v) => now.includes(v)), ...now.filter((v) => !before.includes(v))];
        };
        const first = waypoints[0] as Waypoint;
        const last = waypoints[waypoints.length - 1] as Waypoint;
        const body = {
          title: title.value.trim(),
          route: { type: 'LineString', coordinates: waypoints.map((w) => [w.lon, w.lat]) },
          widthM: Number(width.value),
          origin: { name: first.name, coordinates: [first.lon, first.lat] },
          destination: { name: last.name, coordinates: [last.lon, last.lat] },
          checkpoints: checkpointsOf(waypoints, terms),
          direction: direction.value,
          purposes: checked('purpose', terms?.purposes),
          eligibility: checked('eligibility', terms?.eligibility),
          // The form edits the first window; an amendment keeps the others as they were.
          // A window left as it was is sent as it was (the inputs hold whole minutes only).
          windows: [
            terms?.windows[0] && start.value === initial.start && end.value === initial.end && tz.value === tz0 && rrule.value === initial.rrule
              ? terms.windows[0]
              : { start: zonedToRfc3339(start.value, tz.value), end: zonedToRfc3339(end.value, tz.value), timeZone: tz.value, ...(rrule.value.trim() ? { rrule: rrule.value.trim() } : {}) },
            ...(terms?.windows.slice(1) ?? []),
          ],
          requiredGuarantors: checked('guarantor', terms?.requiredGuarantors),
          notes: notes.value,
          // What the form does not show is kept as it was (its suspension policy too: left out, it
          // would be dropped — a change of the signed terms nobody asked for).
          ...(terms ? { capacity: terms.capacity, hazards: terms.hazards, contacts: terms.contacts, agreementId: terms.agreementId, legalBasis: terms.legalBasis, ...(terms.suspensionPolicy ? { suspensionPolicy: terms.suspensionPolicy } : {}) } : {}),
        };
        // An amendment that changes nothing is not sent (the server would refuse it): said here,
        // without a dialog about guarantees it would void for nothing.
        const unchanged = (): boolean => {
          try {
            return !termsChanged(amend?.terms as CorridorView['terms'], buildTerms(amend?.id ?? '', amend?.version ?? 1, body as unknown as TermsInput));
          } catch {
            return false; // what the browser cannot compare, the server judges
          }
        };
        if (amend && unchanged()) {
          error.textContent = t('amend.nothingChanged', { version: amend.version });
          return;
        }
        if (amend && reason.value.trim() === '') {
          setFieldError(reason, t('amend.needReason'));
          reason.focus();
          return;
        }
        // Say what an amendment costs before it is made: the guarantees that bind now stop
        // binding — every required party's (the corridor stops being guaranteed), or only some
        // (it was not guaranteed yet); none, and nothing is lost.
        const binding = amend ? [...new Set(amend.guarantees.filter((g) => g.valid && g.version === amend.version).map((g) => g.partyId))] : [];
        const names = binding.map((p) => ctx.partyName(p)).join(', ');
        const guaranteed = amend !== undefined && amend.terms.requiredGuarantors.every((p) => binding.includes(p));
        if (amend && binding.length > 0) {
          const words = guaranteed ? t('amend.confirm', { parties: names, version: amend.version + 1 }) : t('amend.confirmSome', { parties: names, before: amend.version, version: amend.version + 1 });
          if (!(await confirmAction(words, t('amend.confirmButton')))) return;
        }
        try {
          const view = amend ? await api.amend(amend.id, amend.version, { terms: body, reason: reason.value.trim() }) : await api.propose(body);
          // The corridor page says what the amendment did.
          if (amend) {
            const waiting = view.terms.requiredGuarantors.map((p) => ctx.partyName(p)).join(', ');
            noteOnCorridorPage(view.id, [t('amend.done', { version: view.version, parties: waiting }), binding.length > 0 ? t('amend.doneVoided', { parties: names, before: amend.version }) : ''].filter(Boolean).join(' '));
          }
          ctx.navigate(`/app/corridors/${view.id}`);
        } catch (err) {
          const fields = { '/title': title, '/widthM': width, '/windows': start, '/windows/0/start': start, '/windows/0/end': end, '/windows/0/timeZone': tz, '/windows/0/rrule': rrule, '/purposes': purposeBox, '/eligibility': eligibilityBox, '/requiredGuarantors': guarantorBox, '/notes': notes, '/reason': amend ? reason : null, '/route': wpList, '/origin': wpList, '/destination': wpList, '/checkpoints': wpList };
          showProblem(err, error, (path) => fieldByPath(fields, path))?.focus();
        }
      }),
    },
    h('h1', {}, amend ? t('amend.title', { version: amend.version }) : t('propose.title')),
    field(t('propose.titleField'), title),
    h(
      'fieldset',
      {},
      h('legend', {}, t('propose.waypoints')),
      h('div', { class: 'two' }, h('div', {}, h('div', { class: 'field' }, h('label', { for: 'f-search' }, t('propose.search')), h('div', { class: 'inline' }, search, addByName), h('p', { class: 'small', id: 'f-search-help' }, t('propose.searchHelp')), datalist), h('div', { class: 'inline coords' }, field(t('propose.name'), wpName), field(t('propose.lat'), wpLat), field(t('propose.lon'), wpLon), addByCoords), wpList), mapEl),
      h('p', { class: 'small', id: 'f-map-help' }, t('propose.mapHelp')),
      h('p', { class: 'small' }, t('propose.gazetteerCredit')),
    ),
    h('div', { class: 'grid' }, field(t('propose.width'), width), field(t('propose.direction'), direction)),
    h('fieldset', {}, h('legend', {}, t('propose.purposes')), purposeBox),
    h('fieldset', {}, h('legend', {}, t('propose.eligibility')), eligibilityBox),
    h('div', { class: 'grid' }, field(t('propose.windowStart'), start), field(t('propose.windowEnd'), end), field(t('propose.timeZone'), tz), field(t('propose.rrule'), rrule)),
    terms && terms.windows.length > 1 ? h('p', { class: 'small', id: 'kept-windows' }, t('amend.keptWindows', { n: terms.windows.length - 1 })) : null,
    h('fieldset', {}, h('legend', {}, t('propose.guarantors')), guarantorBox),
    field(t('propose.notes'), notes),
    amend ? field(t('propose.reason'), reason) : null,
    h('button', { type: 'submit', class: 'primary', id: 'propose-submit' }, amend ? t('propose.submitAmend') : t('propose.submit')),
    error,
  );
  main.append(form);
  // An edit makes the last refusal stale: its messages go (the field's own, and the form's).
  const edited = (e: Event): void => {
    const target = e.target as HTMLElement;
    const marked = target.closest<HTMLElement>('[aria-invalid=true]');
    // Not a time the zone skips: the field's own check (below, on the same event) set that one just now.
    const dst = marked ? document.getElementById(`${marked.id}-error`)?.dataset.dst : undefined;
    if (marked && marked !== wpLat && marked !== wpLon && !dst) clearFieldError(marked);
    if (target !== wpLat && target !== wpLon) error.textContent = '';
  };
  form.addEventListener('input', edited);
  form.addEventListener('change', edited);
  // Local times the zone skips (clocks forward) are refused at the field; those it has twice
  // (clocks back) get a note saying which of the two is meant.
  const checkTimes = (): boolean => {
    let ok = true;
    for (const input of [start, end]) {
      document.getElementById(`${input.id}-note`)?.remove();
      if (input.getAttribute('aria-invalid') === 'true' && document.getElementById(`${input.id}-error`)?.dataset.dst) clearFieldError(input);
      if (!input.value) continue;
      const c = checkLocalTime(input.value, tz.value);
      if (c.kind === 'gap') {
        setFieldError(input, t('propose.timeGap', { zone: tz.value }));
        (document.getElementById(`${input.id}-error`) as HTMLElement).dataset.dst = 'gap';
        ok = false;
      } else if (c.kind === 'ambiguous') {
        input.after(h('p', { class: 'small note', id: `${input.id}-note` }, t('propose.timeAmbiguous', { zone: tz.value, chosen: c.chosen, other: c.other })));
      }
    }
    return ok;
  };
  for (const el of [start, end, tz]) {
    el.addEventListener('change', checkTimes);
    el.addEventListener('input', checkTimes);
  }
  checkTimes();

  disposePropose();
  activeMap = createMap(mapEl, ctx.config);
  // Drawing: a click on the map appends a waypoint there (the map stays where it is, so that
  // the next click lands where the user aims). A click on a marker or the end of a drag adds none.
  activeMap.map.on('click', (e) => {
    const target = e.originalEvent.target;
    if (dragging >= 0 || (target instanceof Element && target.closest('.wp-marker'))) return;
    waypoints.push(waypointAt(places, e.lngLat.lng, e.lngLat.lat));
    redraw({ fit: false });
  });
  width.addEventListener('change', () => redraw({ fit: false }));
  redraw();
}

/** Just enough of a CorridorView to draw the route being entered. */
function previewView(coords: [number, number][], widthM: number, wps: Waypoint[]): CorridorView {
  const first = wps[0] as Waypoint;
  const last = wps[wps.length - 1] as Waypoint;
  return {
    id: 'preview',
    title: '',
    terms: { route: { type: 'LineString', coordinates: coords }, widthM, origin: { name: first.name, coordinates: [first.lon, first.lat] }, destination: { name: last.name, coordinates: [last.lon, last.lat] } },
  } as unknown as CorridorView;
}
