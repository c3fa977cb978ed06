import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';

/**
 * Public feeds at the root (no login; corridors only, never movements, positions, sites or
 * unconfirmed incidents): /public/cap.atom, /public/cap/{id}.xml, /public/corridors.ics,
 * /public/corridors.geojson, /public/corridors.kml, /public/corridors.csv (issue 6).
 */
export function feedRoutes(_app: FastifyInstance, _deps: Deps): void {}
