import type { Actor } from '../domain/authorization.js';
import { hxlCsv, type HxlColumn } from '../domain/hxl.js';
import { incidentCentre } from '../domain/incident.js';
import type { IncidentView } from '../schemas/incident.js';
import type { Tx } from '../store/store.js';
import { listVisibleIncidents, type IncidentFilter } from './incidents.js';

/** Incidents the actor may see, as a GeoJSON FeatureCollection (RFC 7946) for analysts. */
export async function incidentsGeoJson(tx: Tx, actor: Pick<Actor, 'partyId' | 'partyKind'>, filter: IncidentFilter = {}): Promise<unknown> {
  const list = await listVisibleIncidents(tx, actor, filter);
  return {
    type: 'FeatureCollection',
    features: list.map((i) => ({
      type: 'Feature',
      id: i.id,
      geometry: i.geometry,
      properties: {
        id: i.id,
        kind: i.kind,
        severity: i.severity,
        state: i.state,
        occurredAt: i.occurredAt,
        reportedAt: i.reportedAt,
        reporterPartyId: i.reporterPartyId,
        description: i.description,
        casualties: i.casualties,
        evidenceSha256: i.evidence.map((e) => e.sha256),
        corridorIds: i.corridorIds,
        disputes: i.disputes.length,
        version: i.version,
      },
    })),
  };
}

const COLUMNS: HxlColumn<IncidentView>[] = [
  { header: 'Incident id', tag: '#event+id', value: (i) => i.id },
  { header: 'Kind', tag: '#event+type', value: (i) => i.kind },
  { header: 'Severity', tag: '#severity', value: (i) => i.severity },
  { header: 'State', tag: '#status', value: (i) => i.state },
  { header: 'Occurred at (UTC)', tag: '#date+occurred', value: (i) => i.occurredAt },
  { header: 'Reported at (UTC)', tag: '#date+reported', value: (i) => i.reportedAt },
  { header: 'Latitude', tag: '#geo+lat', value: (i) => incidentCentre(i.geometry)[1] },
  { header: 'Longitude', tag: '#geo+lon', value: (i) => incidentCentre(i.geometry)[0] },
  { header: 'Geometry type', tag: '#geo+type', value: (i) => i.geometry.type },
  { header: 'Reporting party', tag: '#org+reporter', value: (i) => i.reporterPartyId },
  { header: 'Killed', tag: '#affected+killed', value: (i) => i.casualties?.killed },
  { header: 'Injured', tag: '#affected+injured', value: (i) => i.casualties?.injured },
  { header: 'Corridors', tag: '#meta+corridor', value: (i) => i.corridorIds.join(' ') },
  { header: 'Evidence SHA-256', tag: '#meta+evidence', value: (i) => i.evidence.map((e) => e.sha256).join(' ') },
  { header: 'Disputes', tag: '#meta+disputes', value: (i) => i.disputes.length },
  { header: 'Description', tag: '#description', value: (i) => i.description },
];

/** The same incidents as CSV with an HXL hashtag row. */
export async function incidentsCsv(tx: Tx, actor: Pick<Actor, 'partyId' | 'partyKind'>, filter: IncidentFilter = {}): Promise<string> {
  return hxlCsv(COLUMNS, await listVisibleIncidents(tx, actor, filter));
}
