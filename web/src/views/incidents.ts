/**
 * Incidents: report one (click the map, choose kind, severity and time), see those the party
 * may see, and, for the mediator's negotiators, confirm or dismiss them. Confirming suspends
 * the matched corridors whose suspension policy says so (server side, same transaction).
 */
import { localInputValue, zonedToRfc3339 } from '../../../src/i18n/index.js';
import * as maplibregl from 'maplibre-gl';
import { api, type CorridorView, type IncidentView } from '../api.js';
import { clearFieldError, clearOnEdit, fieldByPath, parseCoordinate, setFieldError, showProblem } from '../feedback.js';
import { confirmAction } from '../confirm.js';
import { suspendsAutomatically, suspendsOnConfirm } from '../../../src/domain/suspension-policy.js';
import type { IncidentKind } from '../../../src/schemas/incident.js';
import type { Ctx } from '../context.js';
import { clear, field, h, nextId, scrollBox } from '../dom.js';
import { both } from '../format.js';
import { t, type MessageKey } from '../i18n.js';
import { createMap, type CorridorMap } from '../map.js';
import { canDecideIncident } from '../permissions.js';
import { pictureAt, prepare } from '../state.js';
import { INCIDENT_KINDS, SEVERITIES } from '../../../src/domain/vocabulary.js';


let activeMap: CorridorMap | null = null;
export function disposeIncidents(): void {
  activeMap?.map.remove();
  activeMap = null;
}

export async function renderIncidents(main: HTMLElement, ctx: Ctx): Promise<void> {
  clear(main);
  main.append(h('p', {}, t('common.loading')));
  const [corridors, incidents] = await Promise.all([api.corridors(), api.incidentList()]);
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
      onsubmit: async (e: Event) => {
        e.preventDefault();
        if (lat.value === '' || lon.value === '') {
          msg.className = 'msg error';
          msg.textContent = t('incident.needPoint');
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
      },
    },
    h('h1', {}, t('incident.title')),
    h('h2', {}, t('incident.report')),
    h('div', { class: 'two' }, h('div', {}, h('p', { class: 'small' }, t('incident.mapHelp')), h('div', { class: 'grid' }, field(t('propose.lat'), lat), field(t('propose.lon'), lon)), h('div', { class: 'grid' }, field(t('incident.kind'), kind), field(t('incident.severity'), severity), field(`${t('incident.occurredAt')} — ${tz}`, when)), field(t('incident.description'), description)), mapEl),
    h('button', { type: 'submit', class: 'primary', id: 'incident-submit' }, t('incident.submit')),
    msg,
  );
  clearOnEdit(form, msg);
  main.append(form, incidentList(ctx, incidents ?? [], corridors, () => renderIncidents(main, ctx)));

  disposeIncidents();
  activeMap = createMap(mapEl, ctx.config);
  const now = Date.now();
  activeMap.setCorridors(corridors.map((c) => ({ view: c, state: pictureAt(prepare(c), now).state })), false);
  activeMap.setIncidents({
    type: 'FeatureCollection',
    features: (incidents ?? []).map((i) => ({ type: 'Feature', properties: { id: i.id, kind: t(`incident.kind.${i.kind}` as MessageKey), occurredAt: i.occurredAt }, geometry: i.geometry })),
  });
  activeMap.map.on('click', (e) => setPoint(e.lngLat.lng, e.lngLat.lat));
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

function incidentList(ctx: Ctx, incidents: readonly IncidentView[], corridors: readonly CorridorView[], reload: () => Promise<void>): HTMLElement {
  const decide = canDecideIncident(ctx.actor);
  const decisionMsg = h('p', { id: 'decision-msg', role: 'status', class: 'msg' });
  const rows = [...incidents]
    .sort((a, b) => b.reportedAt.localeCompare(a.reportedAt))
    .map((i) => {
      const reasonId = nextId('decision');
      const reason = h('input', { id: reasonId, name: 'reason', required: true, maxlength: '2000' });
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
          await reload();
          const m = document.getElementById('decision-msg');
          if (m) {
            m.className = 'msg ok';
            m.textContent = d === 'dismiss' ? t('incident.dismissedDone') : suspended.length ? t('incident.confirmedSuspended', { corridors: suspended.join(', ') }) : t('incident.confirmedNone');
          }
        } catch (err) {
          decisionMsg.className = 'msg error';
          showProblem(err, decisionMsg);
        }
      };
      reason.addEventListener('input', () => clearFieldError(reason));
      return h(
        'tr',
        { 'data-incident': i.id, 'data-state': i.state },
        h('td', {}, t(`incident.kind.${i.kind}` as MessageKey), h('div', { class: 'small' }, t(`incident.severity.${i.severity}` as MessageKey))),
        h('td', { class: 'small' }, both(Date.parse(i.occurredAt), 'Europe/Kyiv')),
        h('td', {}, i.description),
        h('td', {}, i.corridorIds.map((id) => corridors.find((c) => c.id === id)?.title ?? id).join(', ') || '—'),
        h('td', {}, t(`incident.state.${i.state}` as MessageKey), i.decisionReason ? h('div', { class: 'small' }, i.decisionReason) : null),
        decide
          ? h(
              'td',
              {},
              i.state === 'reported'
                ? h(
                    'div',
                    { class: 'decide' },
                    h('label', { for: reasonId }, t('incident.decisionReason')),
                    reason,
                    h('div', { class: 'inline' }, h('button', { type: 'button', class: 'danger', 'data-decision': 'confirm', onclick: () => void act('confirm') }, t('incident.confirm')), h('button', { type: 'button', 'data-decision': 'dismiss', onclick: () => void act('dismiss') }, t('incident.dismiss'))),
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
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('incident.kind')), h('th', { scope: 'col' }, t('log.time')), h('th', { scope: 'col' }, t('incident.description')), h('th', { scope: 'col' }, t('incident.corridors')), h('th', { scope: 'col' }, t('incident.state')), decide ? h('th', { scope: 'col' }, t('actions.title')) : null)),
          h('tbody', {}, rows),
        ), t('common.tableOf', { name: t('incident.list') }), t('common.scrollHint')),
  );
}
