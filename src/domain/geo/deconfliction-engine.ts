/**
 * The deconfliction engine, public surface: build an index over ceasefire-zone corridors
 * and protected sites, ask which apply at points and instants, update it in place, and
 * draw zones as geodesic buffer polygons. See docs/deconfliction.md for the design.
 */
export type { CheckOptions, CheckPoint, CheckResult, ZoneCorridor, ZoneSite } from './zone-types.js';
export { isActiveAt } from './zone-types.js';
export { DeconflictionEngine, buildDeconflictionEngine, type EngineStats } from './zone-index.js';
export { bufferRouteToPolygon } from './buffer-polygon.js';
export { densifyGeodesic } from './geodesic.js';
