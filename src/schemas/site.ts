import { z } from 'zod';
import { DistinctIds, Line, OptionalLine, OptionalText, Position, RFC3339_SHAPE } from './common.js';
import { CorridorState, StatusReason, WindowInstance } from './corridor.js';

export const SiteKind = z.enum(['hospital', 'shelter', 'warehouse', 'water_plant', 'school', 'crossing_point', 'other']);

export const SitePoint = z.object({
  type: z.literal('Point'),
  coordinates: Position,
  radiusM: z.number().describe('radius of the protected area, metres (0 < r ≤ 50,000)'),
}).strict();
export const SitePolygon = z.object({
  type: z.literal('Polygon'),
  // Bounded: each ring is checked for self-intersection edge against edge.
  coordinates: z.array(z.array(Position).max(1_000)).min(1).max(20).describe('GeoJSON polygon rings, closed, exterior first (at most 20 rings of 1,000 positions)'),
}).strict();

export const SiteInput = z.object({
  kind: SiteKind,
  name: Line(300),
  geometry: z.discriminatedUnion('type', [SitePoint, SitePolygon]),
  contact: Line(500).describe('how to reach the operator about this site'),
  distribution: DistinctIds(20).min(1).describe('parties that may see this site (need-to-know); it is never public'),
  notes: OptionalText(5000).default(''),
}).strict();
export type SiteInput = z.infer<typeof SiteInput>;

export const SiteAmendBody = z.object({
  baseVersion: z.number().int().positive().optional(),
  site: SiteInput,
  reason: OptionalLine(2000).default(''),
}).strict();

export const SiteView = z.object({
  id: z.string(),
  operatorPartyId: z.string(),
  state: z.enum(['active', 'withdrawn']),
  version: z.number().int(),
  site: z.object({
    kind: SiteKind,
    name: z.string(),
    geometry: z.union([SitePoint, SitePolygon]),
    contact: z.string(),
    distribution: z.array(z.string()),
    notes: z.string(),
  }),
  acknowledgements: z.array(z.object({ partyId: z.string(), version: z.number().int(), memberId: z.string(), at: z.string() })),
  awaitingAcknowledgement: z.array(z.string()).describe('belligerents on the distribution that have not acknowledged the current version'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SiteView = z.infer<typeof SiteView>;
z.globalRegistry.add(SiteView, { id: 'ProtectedSite' });

export const CheckBody = z.object({
  // The items are checked by hand (parseCheckPoints in src/app/geo.ts: a schema walk per point
  // costs more than the check); their shape here is for the OpenAPI document only.
  points: z
    .array(
      z.unknown().meta({
        type: 'object',
        required: ['lon', 'lat', 'at'],
        properties: {
          lon: { type: 'number', minimum: -180, maximum: 180 },
          lat: { type: 'number', minimum: -90, maximum: 90 },
          at: { type: 'string', pattern: RFC3339_SHAPE.source, description: 'RFC 3339 date-time with offset' },
        },
      }),
    )
    .meta({ maxItems: 100_000 })
    .describe('up to 100,000 items {"lon": …, "lat": …, "at": "<RFC 3339>"}'),
  distances: z.boolean().default(false).describe('also return geodesic metres to each matching corridor’s centre line'),
}).strict();

export const CheckResultView = z.object({
  corridors: z.array(z.string()),
  sites: z.array(z.string()),
  distances: z.record(z.string(), z.number()).optional(),
});

/** GET /deconfliction/explain (src/app/geo.ts, `Explanation`): documented only, the route serialises it itself. */
export const ExplanationView = z.object({
  at: z.string().describe('the instant explained, UTC'),
  corridors: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      version: z.number().int(),
      distanceM: z.number().describe('geodesic metres from the point to the route'),
      widthM: z.number(),
      ceasefireHolds: z.boolean(),
      state: CorridorState,
      reasons: z.array(StatusReason).describe('why the ceasefire does not hold, when it does not'),
      window: WindowInstance.nullable(),
    }),
  ),
  sites: z.array(z.object({ id: z.string(), name: z.string(), kind: z.string() })).describe('protected sites you may see that contain the point'),
});
z.globalRegistry.add(ExplanationView, { id: 'DeconflictionExplanation' });
