import type { Actor } from '../domain/authorization.js';
import { hxlCsv, type HxlColumn } from '../domain/hxl.js';
import type { Tx } from '../store/store.js';
import { latestPositions, listVisibleMovements, type LoadedMovement } from './movements.js';

interface MovementRow {
  readonly m: LoadedMovement;
  readonly last: { deviceId: string; at: string | null; lat: number | null; lon: number | null } | undefined;
  readonly people: number;
}

/** Movements the actor may see with the latest fix of each, newest first per movement. */
async function rows(tx: Tx, actor: Actor, now: number): Promise<MovementRow[]> {
  const latest = await latestPositions(tx, actor, now);
  return (await listVisibleMovements(tx, actor)).map((m) => {
    const fixes = latest.filter((p) => p.movementId === m.row.id && p.at !== null).sort((a, b) => ((a.at ?? '') < (b.at ?? '') ? 1 : -1));
    const people = Object.values(m.input.manifest.people ?? {}).reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0);
    return { m, last: fixes[0], people };
  });
}

/**
 * Movements as GeoJSON for analysts: a Point at the latest fix (null geometry before the first),
 * with state, corridor, manifest totals. Only what the party may see: movements are never public.
 */
export async function movementsGeoJson(tx: Tx, actor: Actor, now: number): Promise<unknown> {
  return {
    type: 'FeatureCollection',
    features: (await rows(tx, actor, now)).map(({ m, last, people }) => ({
      type: 'Feature',
      id: m.row.id,
      geometry: last && last.lat !== null && last.lon !== null ? { type: 'Point', coordinates: [last.lon, last.lat] } : null,
      properties: {
        id: m.row.id,
        title: m.row.title,
        state: m.row.state,
        corridorId: m.row.corridor_id,
        operatorPartyId: m.row.operator_party_id,
        plannedDeparture: m.input.plannedDeparture,
        vehicles: m.input.vehicles.length,
        people,
        cargoLines: m.input.manifest.cargo.length,
        lastFixAt: last?.at ?? null,
        lastDeviceId: last?.deviceId ?? null,
      },
    })),
  };
}

const COLUMNS: HxlColumn<MovementRow>[] = [
  { header: 'Movement id', tag: '#activity+id', value: (r) => r.m.row.id },
  { header: 'Title', tag: '#activity+name', value: (r) => r.m.row.title },
  { header: 'State', tag: '#status', value: (r) => r.m.row.state },
  { header: 'Corridor', tag: '#meta+corridor', value: (r) => r.m.row.corridor_id },
  { header: 'Operator', tag: '#org+impl', value: (r) => r.m.row.operator_party_id },
  { header: 'Planned departure (UTC)', tag: '#date+planned', value: (r) => r.m.input.plannedDeparture },
  { header: 'Vehicles', tag: '#indicator+vehicles+num', value: (r) => r.m.input.vehicles.length },
  { header: 'People', tag: '#affected+num', value: (r) => r.people },
  { header: 'Cargo lines', tag: '#indicator+cargo+num', value: (r) => r.m.input.manifest.cargo.length },
  { header: 'Last fix (UTC)', tag: '#date+reported', value: (r) => r.last?.at ?? '' },
  { header: 'Latitude', tag: '#geo+lat', value: (r) => r.last?.lat ?? '' },
  { header: 'Longitude', tag: '#geo+lon', value: (r) => r.last?.lon ?? '' },
];

/** The same movements as CSV with an HXL hashtag row. */
export async function movementsCsv(tx: Tx, actor: Actor, now: number): Promise<string> {
  return hxlCsv(COLUMNS, await rows(tx, actor, now));
}
