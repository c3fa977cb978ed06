/**
 * Incidents: report one (click the map, choose kind, severity and time), see those the party
 * may see, and, for the mediator's negotiators, confirm or dismiss them. Confirming suspends
 * the matched corridors whose suspension policy says so (server side, same transaction).
 */
import { localInputValue, zonedToRfc3339 } from '../../../src/i18n/index.js';
import * as maplibregl from 'maplibre-gl';
import { api, ApiError, type CorridorView, type IncidentView } from '../api.js';
import { busyClick, busySubmit } from '../busy.js';
import { stillCurrent } from '../nav.js';
import { clearFieldError, clearOnEdit, fieldByPath, parseCoordinate, setFieldError, showProblem } from '../feedback.js';
import { confirmAction } from '../confirm.js';
import { suspendsAutomatically, suspendsOnConfirm } from '../../../src/domain/suspension-policy.js';
import type { IncidentKind } from '../../../src/schemas/incident.js';
import type { Ctx } from '../context.js';
import { clear, field, h, nextId, scrollBox } from '../dom.js';
import { both } from '../format.js';
import { t, type MessageKey } from '../i18n.js';
import { createMap, type CorridorMap } from '../map.js';
import type { Coalescer } from '../coalesce.js';
import { subscribe } from '../events.js';
import { captureStatus, liveRedraw } from '../live.js';
import { canCorrectIncident, canDecideIncident } from '../permissions.js';
import { canDisputeIncident } from '../../../src/domain/incident.js';
import { pictureAt, prepare } from '../state.js';
import { INCIDENT_KINDS, SEVERITIES } from '../../../src/domain/vocabulary.js';


let activeMap: CorridorMap | null = null;
/** The list following the event stream while the page is open. */
let live: { stop: () => void; redraw: Coalescer } | null = null;
export function disposeIncidents(): void {
  live?.stop();
  live?.redraw.cancel();
  live = null;
  activeMap?.map.remove();
  activeMap = null;
}

/**
 * Starting another action makes the other status lines stale: a click on a button or a box, an
 * edit or a submit clears every status line of the page that is not in the form (or row part)
 * acted in — the report's "Reported …" goes when a decision starts, and the other way round.
 */
function clearOtherStatuses(page: HTMLElement): void {
  const stale = (e: Event): void => {
    const target = e.target as HTMLElement | null;
    if (!target) return;
    if (e.type === 'click' && !target.closest('button, summary')) return;
    const region = target.closest('form, details, [data-key]') ?? target;
    for (const m of page.querySelectorAll<HTMLElement>('.msg[role=status]')) {
      if (region.contains(m) || !m.textContent) continue;
      m.textContent = '';
      m.className = 'msg';
    }
  };
  for (const type of ['click', 'input', 'change', 'submit']) page.addEventListener(type, stale, true);
}

export async function renderIncidents(main: HTMLElement, ctx: Ctx): Promise<void> {
  clear(main);
  main.append(h('p', {}, t('common.loading')));
  const current = stillCurrent();
  let [corridors, incidents] = await Promise.all([api.corridors(), api.incidentList()]);
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!current()) return;
  clear(main);
  const tz = 'Europe/Kyiv';
  const mapEl = h('div', { id: 'incident-map', class: 'map small-map', role: 'region', 'aria-label': t('map.label') });
  const lat = h('input', { id: 'inc-lat', name: 'lat', type: 'number', step: 'any', min: '-90', max: '90', required: true });
  const lon = h('input', { id: 'inc-lon', name: 'lon', type: 'number', step: 'any', min: '-180', max: '180', required: true });
  const kind = h('select', { id: 'inc-kind', name: 'kind' }, INCIDENT_KINDS.map((k) => h('option', { value: k }, t(`incident.kind.${k}` as MessageKey))));
  const severity = h('select', { id: 'inc-severity', name: 'severity' }, SEVERITIES.map((k) => h('option', { value: k, selected: k === 'severe' }, t(`incident.severity.${k}` as MessageKey))));
  const when = h('input', { id: 'inc-when', name: 'occurredAt', type: 'datetime-local', required: true, value: localInputValue(Date.now(), tz) });
  const description = h('textarea', { id: 'inc-desc', name: 'description', rows: '2', required: true, maxlength: '5000' });
  const msg = h('p', { id: 'incident-msg', role: 'status', class: 'msg' });
  let marker: maplibregl.Marker | null = null;
  const showPoint = (lng: number, la: number): void => {
    if (!activeMap) return;
    if (!marker) {
      marker = new maplibregl.Marker({ color: '#b3261e' });
      marker.getElement().classList.add('report-point');
    }
    marker.setLngLat([lng, la]).addTo(activeMap.map);
  };
  const setPoint = (lng: number, la: number): void => {
    lon.value = String(Math.round(lng * 1e5) / 1e5);
    lat.value = String(Math.round(la * 1e5) / 1e5);
    showPoint(lng, la);
  };
  // Typed coordinates show on the map too, so the reporter can see where they point.
  const typed = (): void => {
    const la = parseCoordinate((lat as HTMLInputElement).value, 90);
    const lng = parseCoordinate((lon as HTMLInputElement).value, 180);
    if (la === null || lng === null) return void marker?.remove();
    showPoint(lng, la);
  };
  lat.addEventListener('input', typed);
  lon.addEventListener('input', typed);

  const form = h(
    'form',
    {
      id: 'incident-form',
      class: 'propose',
      novalidate: true,
      onsubmit: busySubmit(async () => {
        // Said at each field in the app's words (not the browser's bubble, in the browser's language).
        const missing: HTMLElement[] = [];
        const refuse = (el: HTMLElement, text: string): void => {
          setFieldError(el, text);
          missing.push(el);
        };
        const la = parseCoordinate((lat as HTMLInputElement).value, 90);
        const lng = parseCoordinate((lon as HTMLInputElement).value, 180);
        if (lat.value === '' && lon.value === '') refuse(lat, t('incident.needPoint'));
        else {
          if (la === null) refuse(lat, t('propose.latInvalid'));
          if (lng === null) refuse(lon, t('propose.lonInvalid'));
        }
        if (when.value === '') refuse(when, t('problem.required'));
        if (description.value.trim() === '') refuse(description, t('problem.required'));
        if (missing.length > 0) {
          msg.className = 'msg error';
          msg.textContent = t('problem.seeField');
          missing[0]?.focus();
          return;
        }
        try {
          const view = await api.reportIncident({
            kind: kind.value,
            severity: severity.value,
            geometry: { type: 'Point', coordinates: [Number(lon.value), Number(lat.value)] },
            occurredAt: zonedToRfc3339(when.value, tz),
            description: description.value.trim(),
          });
          const titles = view.corridorIds.map((id) => corridors.find((c) => c.id === id)?.title ?? id);
          await renderIncidents(main, ctx);
          const m = document.getElementById('incident-msg');
          if (m) {
            m.className = 'msg ok';
            m.textContent = t('incident.reported', { corridors: titles.join(', ') || t('corridor.none') });
          }
        } catch (err) {
          msg.className = 'msg error';
          showProblem(err, msg, (path) => fieldByPath({ '/geometry': lat, '/occurredAt': when, '/description': description, '/kind': kind, '/severity': severity }, path))?.focus();
        }
      }),
    },
    h('h1', {}, t('incident.title')),
    h('h2', {}, t('incident.report')),
    h('div', { class: 'two' }, h('div', {}, h('p', { class: 'small' }, t('incident.mapHelp')), h('div', { class: 'grid' }, field(t('propose.lat'), lat), field(t('propose.lon'), lon)), h('div', { class: 'grid' }, field(t('incident.kind'), kind), field(t('incident.severity'), severity), field(`${t('incident.occurredAt')} — ${tz}`, when)), field(t('incident.description'), description)), mapEl),
    h('button', { type: 'submit', class: 'primary', id: 'incident-submit' }, t('incident.submit')),
    msg,
  );
  clearOnEdit(form, msg);
  // The list (and the map's incidents) drawn again from the server after a decision, a correction
  // or a dispute, and live: the report form, its point on the map and what is typed stay.
  let reloading = 0;
  const reloadList = async (): Promise<void> => {
    reloading++;
    try {
      const [cs, is] = await Promise.all([api.corridors(), api.incidentList()]);
      if (!current()) return;
      corridors = cs;
      incidents = is;
      const fresh = incidentList(ctx, incidents ?? [], corridors, reloadList);
      captureStatus(listEl)(fresh);
      listEl.replaceWith(fresh);
      listEl = fresh;
      drawOnMap();
    } finally {
      reloading--;
    }
  };
  let listEl = incidentList(ctx, incidents ?? [], corridors, reloadList);
  const page = h('div', { class: 'incidents-page' }, form, listEl);
  main.append(page);
  clearOtherStatuses(page);

  disposeIncidents();
  activeMap = createMap(mapEl, ctx.config);
  const drawOnMap = (): void => {
    const now = Date.now();
    activeMap?.setCorridors(corridors.map((c) => ({ view: c, state: pictureAt(prepare(c), now).state })), false);
    activeMap?.setIncidents({
      type: 'FeatureCollection',
      features: (incidents ?? []).map((i) => ({ type: 'Feature', properties: { id: i.id, kind: t(`incident.kind.${i.kind}` as MessageKey), occurredAt: i.occurredAt }, geometry: i.geometry })),
    });
  };
  drawOnMap();
  activeMap.map.on('click', (e) => setPoint(e.lngLat.lng, e.lngLat.lat));

  // Live: reports, decisions, corrections and disputes by others, and corridor changes (titles,
  // suspensions), redraw the list — keeping what the member is typing in its forms.
  const redraw = liveRedraw(page, reloadList, () => reloading > 0);
  const stop = subscribe((e) => {
    if (/^(incident|corridor|guarantee)\./.test(e.type)) redraw.poke();
  });
  live = { stop, redraw };
}

/** What confirming `i` would do, as the server does it (src/app/incidents.ts, confirmIncident). */
function confirmConsequence(i: IncidentView, corridors: readonly CorridorView[]): string {
  const title = (id: string): string => corridors.find((c) => c.id === id)?.title ?? id;
  const auto = i.corridorIds.filter((id) => {
    const c = corridors.find((x) => x.id === id);
    return c !== undefined && suspendsOnConfirm(c.state, c.terms.suspensionPolicy, i.kind as IncidentKind);
  });
  const left = i.corridorIds.filter((id) => !suspendsAutomatically(corridors.find((x) => x.id === id)?.terms.suspensionPolicy, i.kind as IncidentKind));
  return [
    auto.length ? t('confirm.incident', { corridors: auto.map((id) => `“${title(id)}”`).join(', ') }) : t('confirm.incidentNone'),
    left.length ? t('confirm.incidentMediator', { corridors: left.map((id) => `“${title(id)}”`).join(', ') }) : '',
  ].filter(Boolean).join(' ');
}

/** How a write on a report ends: the list redrawn, the outcome said at it, focus on the row. */
type Settle = (id: string, outcome: { text: string } | { error: unknown; words: Parameters<typeof showProblem>[3] }, fallback: HTMLElement) => Promise<void>;

function incidentList(ctx: Ctx, incidents: readonly IncidentView[], corridors: readonly CorridorView[], reload: () => Promise<void>): HTMLElement {
  const decide = canDecideIncident(ctx.actor);
  // The server's own rule: a party's negotiators attach dispute statements.
  const dispute = canDisputeIncident(ctx.actor);
  // The reporting party's members and the mediator's (not viewers) correct a report.
  const actions = decide || dispute || incidents.some((i) => canCorrectIncident(ctx.actor, i));
  const decisionMsg = h('p', { id: 'decision-msg', role: 'status', class: 'msg' });
  // After a decision the list is drawn again: focus goes to the decided incident's state (not
  // to <body>), so keyboard and screen-reader users stay where they were and hear the outcome.
  const focusState = (id: string): void => document.querySelector<HTMLElement>(`tr[data-incident="${CSS.escape(id)}"] .incident-state`)?.focus();
  // Every write on a report ends the same way: the list drawn again from the server, the outcome
  // said once at the list (a success, or a refusal because another tab or member got there
  // first), and focus on the incident's row.
  const settle: Settle = async (id, outcome, fallback) => {
    await reload().catch(() => undefined);
    const m = document.getElementById('decision-msg') ?? fallback;
    if ('text' in outcome) {
      m.className = 'msg ok';
      m.textContent = outcome.text;
    } else {
      m.className = 'msg error';
      showProblem(outcome.error, m, () => null, outcome.words);
    }
    focusState(id);
  };
  const rows = [...incidents]
    .sort((a, b) => b.reportedAt.localeCompare(a.reportedAt))
    .map((i) => {
      const reasonId = nextId('decision');
      const aboutId = `${reasonId}-about`;
      // Every row has the same field and buttons: each names its incident (kind, time, place)
      // to assistive technology, so "Confirm" is not one of many identical buttons.
      const when = both(Date.parse(i.occurredAt), 'Europe/Kyiv');
      const about = h('span', { id: aboutId, class: 'visually-hidden' }, t('incident.about', { kind: t(`incident.kind.${i.kind}` as MessageKey), when, where: placeOf(i) }));
      const reason = h('input', { id: reasonId, name: 'reason', required: true, maxlength: '2000', 'aria-describedby': aboutId });
      const confirmBtn = h('button', { type: 'button', class: 'danger', 'data-decision': 'confirm', 'aria-describedby': aboutId }, t('incident.confirm'));
      const dismissBtn = h('button', { type: 'button', 'data-decision': 'dismiss', 'aria-describedby': aboutId }, t('incident.dismiss'));
      const act = async (d: 'confirm' | 'dismiss'): Promise<void> => {
        clearFieldError(reason);
        decisionMsg.textContent = '';
        decisionMsg.className = 'msg';
        if (!reason.value.trim()) {
          setFieldError(reason, t('actions.needReason'));
          reason.focus();
          return;
        }
        const label = t(d === 'confirm' ? 'incident.confirm' : 'incident.dismiss');
        if (!(await confirmAction(d === 'confirm' ? confirmConsequence(i, corridors) : t('confirm.dismiss'), label))) return;
        try {
          const v = await api.decideIncident(i.id, d, reason.value.trim());
          // What happened, from the answer: its suspensions, found in the corridors they belong to.
          const fresh = d === 'confirm' && v.suspensionIds.length > 0 ? await api.corridors() : [];
          const suspended = fresh.filter((c) => c.suspensions.some((s) => v.suspensionIds.includes(s.id))).map((c) => `“${c.title}”`);
          await settle(i.id, { text: d === 'dismiss' ? t('incident.dismissedDone') : suspended.length ? t('incident.confirmedSuspended', { corridors: suspended.join(', ') }) : t('incident.confirmedNone') }, decisionMsg);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'transition_not_allowed') {
            // Decided elsewhere meanwhile (another tab, another member): show the incident as it
            // stands now, and say so in words about incidents (not corridors).
            await settle(i.id, { error: err, words: { transition_not_allowed: 'problem.incidentDecided' } }, decisionMsg);
            return;
          }
          decisionMsg.className = 'msg error';
          showProblem(err, decisionMsg);
        }
      };
      busyClick(confirmBtn, () => act('confirm'), () => [dismissBtn]);
      busyClick(dismissBtn, () => act('dismiss'), () => [confirmBtn]);
      reason.addEventListener('input', () => clearFieldError(reason));
      return h(
        'tr',
        { 'data-incident': i.id, 'data-state': i.state, 'data-key': `incident:${i.id}` },
        h('td', {}, t(`incident.kind.${i.kind}` as MessageKey), h('div', { class: 'small' }, t(`incident.severity.${i.severity}` as MessageKey))),
        h('td', { class: 'small' }, when),
        h(
          'td',
          {},
          i.description,
          i.disputes.length > 0
            ? h('ul', { class: 'disputes small' }, i.disputes.map((d) => h('li', { 'data-dispute': d.id }, t('incident.disputedBy', { party: ctx.partyName(d.partyId), when: both(Date.parse(d.createdAt), 'Europe/Kyiv') }), ' ', h('q', {}, d.statement))))
            : null,
        ),
        h('td', {}, i.corridorIds.map((id) => corridors.find((c) => c.id === id)?.title ?? id).join(', ') || '—'),
        h(
          'td',
          { class: 'incident-state', tabindex: '-1' },
          t(`incident.state.${i.state}` as MessageKey),
          // A corrected report says so: what is shown is not what was first reported.
          i.version > 1 ? h('div', { class: 'small', 'data-version': i.version }, t('incident.corrected', { version: i.version })) : null,
          i.disputes.length > 0 ? h('div', { class: 'small disputed', 'data-disputes': i.disputes.length }, t('incident.disputed', { count: i.disputes.length })) : null,
          i.decisionReason ? h('div', { class: 'small' }, i.decisionReason) : null,
        ),
        actions
          ? h(
              'td',
              {},
              about,
              canCorrectIncident(ctx.actor, i) ? correctForm(i, about.id, settle) : null,
              dispute ? disputeForm(i, about.id, ctx.partyName(ctx.actor.partyId), settle) : null,
              !decide ? null : i.state === 'reported'
                ? h(
                    'div',
                    { class: 'decide', 'data-key': `decide:${i.id}` },
                    h('label', { for: reasonId }, t('incident.decisionReason')),
                    reason,
                    h('div', { class: 'inline' }, confirmBtn, dismissBtn),
                  )
                : '—',
            )
          : null,
      );
    });
  return h(
    'section',
    { 'aria-labelledby': 'inc-list-h' },
    h('h2', { id: 'inc-list-h' }, t('incident.list')),
    decisionMsg,
    rows.length === 0
      ? h('p', {}, t('incident.none'))
      : scrollBox(h(
          'table',
          { class: 'list', id: 'incidents' },
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('incident.kind')), h('th', { scope: 'col' }, t('log.time')), h('th', { scope: 'col' }, t('incident.description')), h('th', { scope: 'col' }, t('incident.corridors')), h('th', { scope: 'col' }, t('incident.state')), actions ? h('th', { scope: 'col' }, t('actions.title')) : null)),
          h('tbody', {}, rows),
        ), t('common.tableOf', { name: t('incident.list') }), t('common.scrollHint')),
  );
}

/**
 * A correction of a report (its reporting party or the mediator): severity and description as
 * they stand, changed ones sent with a reason; a new version. If-Match carries the version shown,
 * so a report changed meanwhile is refused (412) and drawn again as it stands.
 */
function correctForm(i: IncidentView, aboutId: string, settle: Settle): HTMLElement {
  const fid = nextId('correct');
  const severity = h('select', { id: `${fid}-severity`, name: 'severity' }, SEVERITIES.map((k) => h('option', { value: k, selected: k === i.severity }, t(`incident.severity.${k}` as MessageKey))));
  const description = h('textarea', { id: `${fid}-desc`, name: 'description', rows: '2', maxlength: '5000' }, i.description);
  const reason = h('input', { id: `${fid}-reason`, name: 'correctionReason', maxlength: '2000', 'aria-describedby': aboutId });
  const msg = h('p', { role: 'status', class: 'msg' });
  const form = h(
    'form',
    {
      class: 'correct',
      'data-correct-for': i.id,
      'data-key': `correct:${i.id}`,
      novalidate: true,
      onsubmit: busySubmit(async () => {
        clearFieldError(reason);
        clearFieldError(description);
        const text = description.value.trim();
        if (!text) {
          setFieldError(description, t('problem.required'));
          description.focus();
          return;
        }
        if (!reason.value.trim()) {
          setFieldError(reason, t('problem.required'));
          reason.focus();
          return;
        }
        const body: { severity?: string; description?: string; reason: string } = { reason: reason.value.trim() };
        if (severity.value !== i.severity) body.severity = severity.value;
        if (text !== i.description) body.description = text;
        try {
          const v = await api.correctIncident(i.id, i.version, body);
          await settle(i.id, { text: t('incident.correctDone', { version: v.version }) }, msg);
        } catch (err) {
          if (err instanceof ApiError && err.code === 'precondition_failed') {
            // Corrected elsewhere meanwhile: show the report as it stands now, and say so. What
            // the user changed is kept in the form drawn again (open), to check against the newer
            // version and send again; what they left as it was takes the newer version's value.
            const draft = { severity: severity.value !== i.severity ? severity.value : null, description: text !== i.description ? description.value : null, reason: reason.value };
            await settle(i.id, { error: err, words: { precondition_failed: 'incident.correctStale' } }, msg);
            keepDraft(i.id, draft);
            return;
          }
          msg.className = 'msg error';
          showProblem(err, msg, (path) => fieldByPath({ '/severity': severity, '/description': description, '/reason': reason }, path))?.focus();
        }
      }),
    },
    field(t('incident.severity'), severity),
    field(t('incident.description'), description),
    field(t('incident.correctReason'), reason),
    h('button', { type: 'submit', 'aria-describedby': aboutId }, t('incident.correctSubmit')),
    msg,
  );
  clearOnEdit(form, msg);
  return h('details', { class: 'correct-box', 'data-key': `correct:${i.id}` }, h('summary', { 'aria-describedby': aboutId }, t('incident.correctOpen')), form);
}

/** Puts a correction's unsent changes into the form drawn again for report `id`, and opens it. */
function keepDraft(id: string, draft: { severity: string | null; description: string | null; reason: string }): void {
  const form = document.querySelector<HTMLFormElement>(`form.correct[data-correct-for="${CSS.escape(id)}"]`);
  if (!form) return;
  const set = (name: string, value: string | null): void => {
    const el = form.elements.namedItem(name);
    if (value !== null && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement)) el.value = value;
  };
  set('severity', draft.severity);
  set('description', draft.description);
  set('correctionReason', draft.reason);
  const box = form.closest('details');
  if (box) box.open = true;
}

/** A party's statement disputing a report: kept beside it, the report itself unchanged. */
function disputeForm(i: IncidentView, aboutId: string, party: string, settle: Settle): HTMLElement {
  const fid = nextId('dispute');
  const statement = h('textarea', { id: fid, name: 'statement', rows: '2', maxlength: '5000', 'aria-describedby': aboutId });
  const msg = h('p', { role: 'status', class: 'msg' });
  const form = h(
    'form',
    {
      class: 'dispute',
      'data-dispute-for': i.id,
      'data-key': `dispute:${i.id}`,
      novalidate: true,
      onsubmit: busySubmit(async () => {
        clearFieldError(statement);
        if (!statement.value.trim()) {
          setFieldError(statement, t('problem.required'));
          statement.focus();
          return;
        }
        try {
          await api.disputeIncident(i.id, statement.value.trim());
          await settle(i.id, { text: t('incident.disputeDone', { party }) }, msg);
        } catch (err) {
          msg.className = 'msg error';
          showProblem(err, msg);
        }
      }),
    },
    h('label', { for: fid }, t('incident.disputeLabel', { party })),
    statement,
    h('button', { type: 'submit', 'aria-describedby': aboutId }, t('incident.disputeSubmit')),
    msg,
  );
  clearOnEdit(form, msg);
  return h('details', { class: 'dispute-box', 'data-key': `dispute:${i.id}` }, h('summary', { 'aria-describedby': aboutId }, t('incident.disputeOpen')), form);
}

/** Where an incident happened, in words a screen reader can say: its point, or its area's first corner. */
function placeOf(i: IncidentView): string {
  const c = i.geometry.type === 'Point' ? i.geometry.coordinates : i.geometry.coordinates[0]?.[0];
  return c ? `${c[1].toFixed(4)}, ${c[0].toFixed(4)}` : '';
}
