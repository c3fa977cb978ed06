import { z } from 'zod';
import { DistinctIds, Id, Line, OptionalText, Rfc3339, RFC3339_SHAPE } from './common.js';
import { CorridorState, StatusReason, SuspensionIncident } from './corridor.js';
import { FIX_MEASUREMENTS } from '../domain/tracking.js';

export const PEOPLE_CATEGORIES = ['adults', 'children', 'elderly', 'wounded', 'personsWithDisabilities'] as const;
export const PeopleCategory = z.enum(PEOPLE_CATEGORIES);
export type PeopleCategory = z.infer<typeof PeopleCategory>;

const Count = z.number().int().min(0).max(1_000_000);

export const People = z
  .object({ adults: Count.optional(), children: Count.optional(), elderly: Count.optional(), wounded: Count.optional(), personsWithDisabilities: Count.optional() })
  .strict()
  .describe('people by category; a category left out counts as 0 in a manifest and as "not counted" in a check-in');
export type People = z.infer<typeof People>;

export const CargoCategory = z.enum(['food', 'medicine', 'water', 'shelter', 'hygiene', 'medical_equipment', 'clothing', 'fuel', 'other']);
export const CargoUnit = z.enum(['kg', 't', 'l', 'pcs', 'doses', 'kits', 'pallets']);

export const CargoLine = z.object({
  id: z.string().min(1).max(40).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes').optional().describe('line id; assigned (line-1, …) when left out'),
  item: Line(200),
  category: CargoCategory,
  quantity: z.number().min(0).max(1e9),
  unit: CargoUnit,
}).strict();

export const Vehicle = z.object({
  plate: Line(30),
  type: z.enum(['bus', 'car', 'van', 'truck', 'ambulance', 'other']),
  seats: z.number().int().min(0).max(500).optional(),
  trackerDeviceId: z.string().min(1).max(100).optional().describe('the tracker (phone with Traccar Client, or a GPS unit) in this vehicle'),
}).strict();

export const RulesInput = z
  .object({
    offRouteFixes: z.number().int().min(0).max(1000).optional(),
    offRouteSeconds: z.number().int().min(0).max(86_400).optional(),
    stoppedSpeedMps: z.number().min(0).max(50).optional(),
    stoppedMinutes: z.number().min(0).max(1440).optional(),
    checkpointRadiusM: z.number().min(0).max(50_000).optional(),
    movingSpeedMps: z.number().min(0).max(100).optional(),
    noSignalMinutes: z.number().min(1).max(1440).optional(),
    arrivalRadiusM: z.number().min(0).max(50_000).optional(),
  })
  .strict()
  .describe('live rule thresholds; defaults: off-route after 3 fixes or 120 s outside, stopped under 1 m/s for 10 min beyond 1,500 m of a checkpoint, moving at ≥ 2 m/s, no signal after 10 min, arrived within 2,000 m');

export const MovementInput = z.object({
  corridorId: Id,
  title: Line(300),
  plannedDeparture: Rfc3339,
  vehicles: z.array(Vehicle).min(1).max(500),
  manifest: z.object({ people: People.default({}), cargo: z.array(CargoLine).max(500).default([]) }).strict(),
  distribution: DistinctIds(20).min(1).describe('parties that may see this movement (need-to-know); it is never public'),
  receivingPartyId: Id.optional().describe(
    'the receiving party (consignee): a humanitarian operator other than the one notifying, on the distribution, that takes delivery of the cargo; only its members confirm delivery by receipt (POST /movements/{id}/receipts). Required when the manifest lists cargo',
  ),
  rules: RulesInput.default({}),
  notes: OptionalText(5000).default(''),
}).strict();
export type MovementInput = z.infer<typeof MovementInput>;

export const MovementState = z.enum(['notified', 'departed', 'arrived', 'aborted']);
export type MovementState = z.infer<typeof MovementState>;

export const CountBody = z.object({
  at: Rfc3339.optional().describe('when the count was made; now when left out'),
  countedBy: Line(200).describe('who counted (name, unit)'),
  people: People.default({}),
  cargo: z.array(z.object({ lineId: z.string().min(1).max(40), quantity: z.number().min(0).max(1e9) }).strict()).max(500).default([]),
  notes: OptionalText(2000).default(''),
}).strict();
export type CountBody = z.infer<typeof CountBody>;

export const DepartBody = z.object({
  at: Rfc3339.optional(),
  countedBy: Line(200).optional(),
  people: People.optional().describe('what departed; the manifest when left out'),
  cargo: CountBody.shape.cargo.optional().describe('what was dispatched; the manifest when left out'),
  notes: OptionalText(2000).default(''),
}).strict();
export type DepartBody = z.infer<typeof DepartBody>;

export const CheckinBody = CountBody.extend({ checkpointId: z.string().min(1).max(40).describe('a checkpoint id of the corridor') });
export type CheckinBody = z.infer<typeof CheckinBody>;

/** A receipt: what the receiving party (the movement's `receivingPartyId`) took delivery of. */
export const ReceiptBody = z.object({
  at: Rfc3339.optional(),
  lines: z.array(z.object({ lineId: z.string().min(1).max(40), quantity: z.number().min(0).max(1e9) }).strict()).min(1).max(500),
  receivedBy: Line(200),
  notes: OptionalText(2000).default(''),
}).strict();
export type ReceiptBody = z.infer<typeof ReceiptBody>;

const CountView = z.object({
  id: z.string(),
  stage: z.enum(['departed', 'checkpoint', 'arrived']),
  checkpointId: z.string().nullable(),
  at: z.string(),
  countedBy: z.string(),
  memberId: z.string(),
  people: z.record(z.string(), z.number()),
  cargo: z.array(z.object({ lineId: z.string(), quantity: z.number() })),
  notes: z.string(),
});

/** Why the corridor was not open at the planned departure, by code (as `GET /corridors/{id}/status?at=` said at notification). */
export const MovementWarningReason = StatusReason.extend({
  incident: SuspensionIncident.optional().describe('code `suspended`: the confirmed incident that caused the suspension, when one did'),
});

export const MovementWarning = z
  .object({
    code: z.string().describe('`corridor_not_open`: when the movement was notified, the corridor was not open at its planned departure'),
    message: z.string().describe('the same in English, for API clients and logs; an app says it in its reader’s language from the fields below'),
    plannedDeparture: z.string().optional().describe('`corridor_not_open`: the instant it was judged at, the planned departure (RFC 3339, UTC)'),
    corridorState: CorridorState.optional().describe('`corridor_not_open`: the corridor’s state at that instant (`closed` once its last window had ended)'),
    nextWindowStart: z.string().nullable().optional().describe('`corridor_not_open`: when its next window opened after that instant, or null if none was left'),
    reasons: z.array(MovementWarningReason).optional().describe('`corridor_not_open`: why, by code (since when suspended, by which incident; which parties had not guaranteed it)'),
  })
  .describe('judged once, when the movement was notified: not the corridor’s state now. A warning stored before these fields existed has only `code` and `message`');
export type MovementWarning = z.infer<typeof MovementWarning>;

export const MovementView = z.object({
  id: z.string(),
  corridorId: z.string(),
  operatorPartyId: z.string(),
  receivingPartyId: z.string().nullable().describe('the receiving party, whose members alone confirm delivery of the cargo; null for a movement without one (no cargo, or notified before it was required)'),
  state: MovementState,
  title: z.string(),
  plannedDeparture: z.string(),
  vehicles: z.array(z.object({ plate: z.string(), type: z.string(), seats: z.number().optional(), trackerDeviceId: z.string().optional() })),
  manifest: z.object({
    people: z.record(z.string(), z.number()),
    cargo: z.array(z.object({ id: z.string(), item: z.string(), category: z.string(), quantity: z.number(), unit: z.string() })),
  }),
  distribution: z.array(z.string()),
  rules: z.record(z.string(), z.number()),
  notes: z.string(),
  warnings: z.array(MovementWarning).describe('e.g. the corridor was not open at the planned departure when it was notified, and why'),
  acknowledgements: z.array(z.object({ partyId: z.string(), memberId: z.string(), at: z.string() })),
  awaitingAcknowledgement: z.array(z.string()),
  counts: z.array(CountView),
  receipts: z.array(z.object({ id: z.string(), at: z.string(), partyId: z.string(), memberId: z.string(), receivedBy: z.string(), lines: z.array(z.object({ lineId: z.string(), quantity: z.number() })), notes: z.string() })),
  departedAt: z.string().nullable(),
  arrivedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type MovementView = z.infer<typeof MovementView>;
z.globalRegistry.add(MovementView, { id: 'Movement' });

export const AlertView = z.object({
  id: z.string(),
  movementId: z.string(),
  deviceId: z.string().nullable(),
  type: z.string().describe('off_route, stopped, moving_while_closed, no_signal, arrived, count_discrepancy, cargo_discrepancy'),
  state: z.enum(['open', 'cleared']),
  raisedAt: z.string(),
  clearedAt: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AlertView = z.infer<typeof AlertView>;
z.globalRegistry.add(AlertView, { id: 'MovementAlert' });

export const PositionsBody = z.object({
  // The items are checked by hand (parseFixes in src/http/routes/movements.ts: 10,000 fixes must
  // not cost a schema walk each); their shape here is for the OpenAPI document only.
  fixes: z
    .array(
      z.unknown().meta({
        type: 'object',
        required: ['deviceId'],
        properties: {
          deviceId: { type: 'string', minLength: 1, maxLength: 100 },
          at: { type: 'string', pattern: RFC3339_SHAPE.source, description: 'RFC 3339 date-time with offset; now when left out; from 2000-01-01 to a year ahead of the server clock' },
          lat: { type: ['number', 'null'], minimum: -90, maximum: 90, description: 'with lon, or neither (a heartbeat)' },
          lon: { type: ['number', 'null'], minimum: -180, maximum: 180, description: 'with lat, or neither (a heartbeat)' },
          ...Object.fromEntries(Object.entries(FIX_MEASUREMENTS).map(([name, r]) => [name, { type: ['number', 'null'], minimum: r.min, maximum: r.max, description: `${r.unit}; null when unknown` }])),
          attributes: { type: 'object' },
        },
        dependentRequired: { lat: ['lon'], lon: ['lat'] },
      }),
    )
    .meta({ maxItems: 10_000 })
    .describe('up to 10,000 fixes {"deviceId", "at" (RFC 3339), "lat", "lon", "speed" (m/s)?, "bearing"?, "altitude"?, "accuracy"?, "battery"?, "attributes"?}; without lat/lon a fix is a heartbeat'),
}).strict();

export const PositionsResult = z.object({
  accepted: z.number().int().describe('new fixes stored'),
  duplicates: z.number().int().describe('fixes already stored for the same device and time (retries)'),
  heartbeats: z.number().int(),
  outdated: z.number().int().describe('fixes dated before their device was released from an earlier movement: that movement’s (a late offline buffer), kept out of this one'),
});

export const LatestPositionView = z.object({
  movementId: z.string(),
  deviceId: z.string(),
  vehicle: z.string().nullable(),
  at: z.string().nullable(),
  lat: z.number().nullable(),
  lon: z.number().nullable(),
  speed: z.number().nullable(),
  lastSeen: z.string().nullable(),
});

const ReconRow = z.object({
  expected: z.number().describe('what departed (people) or was dispatched (cargo)'),
  stages: z.array(z.object({ stage: z.string(), checkpointId: z.string().nullable(), at: z.string(), counted: z.number().nullable(), difference: z.number().nullable() })),
  final: z.number().nullable(),
  difference: z.number().nullable(),
  firstDiscrepancy: z.object({ stage: z.string(), checkpointId: z.string().nullable(), at: z.string(), expected: z.number(), counted: z.number() }).nullable(),
});

export const ReconciliationView = z.object({
  movementId: z.string(),
  state: MovementState,
  balanced: z.boolean(),
  people: z.array(ReconRow.extend({ category: z.string(), planned: z.number() })),
  cargo: z.array(ReconRow.extend({ lineId: z.string(), item: z.string(), unit: z.string(), planned: z.number() })),
});
z.globalRegistry.add(ReconciliationView, { id: 'Reconciliation' });
