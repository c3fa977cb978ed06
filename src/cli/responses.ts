/**
 * What the CLI reads of each answer of the API, as zod schemas the HTTP client checks an answer
 * against before a command uses it (src/cli/client.ts). Deliberately only the fields a command
 * reads, not the server's full views in src/schemas: a newer server that adds a field, or a view
 * that changes a field the CLI does not read, must not make an older CLI refuse its answers.
 * Objects let unknown keys through; the client hands commands the original JSON, so --json still
 * prints every field.
 */
import { z } from 'zod';

const str = z.string();
const num = z.number();
const nullableStr = z.string().nullable();

/** An answer whose content the command does not read (it only needs the request to succeed). */
export const AnyJson = z.unknown();
/** An answer the command prints whole (--json, `movements show`): any JSON object. */
export const AnyObject = z.record(z.string(), z.unknown());

export const LogEntries = z.object({ entries: z.array(z.object({ index: num, entry: str, leafHash: nullableStr })) });
export const ConsistencyProof = z.object({ proof: z.array(str) });
/** `GET /log/entries/by-subject`: one record's entries with their inclusion proofs. */
export const SubjectEntries = z.object({ entries: z.array(z.object({ index: num, entry: str, proof: z.array(str) })), next: num.nullable() });
/** `GET /log/openings/{index}`: what a restricted entry commits to (its shape is judged by the auditor, src/domain/log/restricted.ts). */
export const LogOpeningAnswer = z.object({ index: num, commitment: str, opening: z.unknown() });

export const KeyRegistered = z.object({ kid: str, partyId: str });

export const Me = z.object({ member: z.object({ id: str, name: str }), party: z.object({ id: str, name: str }), tokenId: str, handedOverToken: z.boolean() });
export const IssuedToken = z.object({ id: str, token: str });
export const KeyRevoked = z.object({
  kid: str,
  partyId: str,
  revokedAt: str,
  revocationReason: str,
  compromisedSince: nullableStr.optional(),
  voidedCorridorIds: z.array(str),
});

/** The terms or a protocol text: signed as their exact bytes, of which the CLI reads these fields. */
export const SignedText = z.object({ version: num, title: str });
export const CorridorState = z.object({ state: str });

export const CorridorStatus = z.object({
  open: z.boolean(),
  state: str,
  at: str,
  currentWindow: z.object({ startLocal: str, endLocal: str, timeZone: str, end: str }).nullable(),
  nextWindow: z.object({ startLocal: str, timeZone: str, start: str }).nullable(),
  reasons: z.array(z.object({ message: str })),
});

export const CorridorListItem = z.object({ id: str, title: str, state: str, version: num });
export const CorridorList = z.array(CorridorListItem);

export const CorridorDetail = CorridorListItem.extend({
  terms: z.object({ requiredGuarantors: z.array(str) }),
  guarantees: z.array(
    z.object({
      partyId: str,
      version: num,
      kid: str,
      valid: z.boolean(),
      keyRevokedAt: nullableStr,
      keyRevocationReason: z.enum(['superseded', 'compromised']).nullable().optional(),
      keyCompromisedSince: nullableStr.optional(),
      createdAt: str,
    }),
  ),
  suspensions: z.array(z.object({ id: str, since: str, reason: str })),
});

export const Explanation = z.object({
  at: str,
  corridors: z.array(
    z.object({
      id: str,
      title: str,
      version: num,
      distanceM: num,
      widthM: num,
      ceasefireHolds: z.boolean(),
      reasons: z.array(z.object({ code: str, message: str, since: str.optional(), reason: str.optional() })),
      window: z.object({ startLocal: str, endLocal: str, timeZone: str }).nullable(),
    }),
  ),
  sites: z.array(z.object({ id: str, name: str, kind: str })),
});

const TimelineRound = z.object({
  roundId: str,
  number: num,
  startDate: str,
  endDate: str,
  venue: str,
  agreed: z.array(z.object({ title: str })),
  open: z.array(z.object({ title: str, outcome: str })),
  protocols: z.array(z.object({ id: str, title: str, state: str })),
  nextRound: str,
});
const OpenPoint = z.object({ itemId: str, title: str, outcome: str, openSince: str, sinceRound: num });
export const Timeline = z.object({ rounds: z.array(TimelineRound), openPoints: z.array(OpenPoint) });

const Position = z.object({ statedOn: str, kind: str, text: str, condition: str.nullable().optional(), source: z.object({ outlet: str }) });
export const Matrix = z.object({
  parties: z.array(z.object({ id: str, name: str })),
  rows: z.array(z.object({ item: z.object({ id: str, title: str }), cells: z.array(z.object({ partyId: str, history: z.array(Position) })) })),
});

export const Statements = z.array(
  z.object({
    saidOn: str,
    speaker: z.object({ name: str, office: str }),
    original: z.object({ lang: str, text: nullableStr }),
    translations: z.array(z.object({ lang: str, text: str, method: str, reviewed: z.boolean() })),
    source: z.object({ outlet: str, date: str, url: str.nullable().optional() }),
    version: num,
    reason: str,
  }),
);

export const Movement = z.object({
  id: str,
  title: str,
  state: str,
  corridorId: str,
  receivingPartyId: nullableStr,
  plannedDeparture: str,
  vehicles: z.array(z.object({ plate: str, trackerDeviceId: str.optional() })),
  manifest: z.object({ people: z.record(str, num), cargo: z.array(z.object({ id: str, item: str, quantity: num, unit: str })) }),
  warnings: z.array(z.object({ code: str, message: str })),
});
export const Movements = z.array(Movement);

/** The signed terms simulate drives: the route, the checkpoints and the destination. */
export const CorridorTerms = z.object({
  route: z.object({ coordinates: z.array(z.tuple([num, num]).rest(num)) }),
  checkpoints: z.array(z.object({ id: str, name: str, coordinates: z.tuple([num, num]).rest(num) })),
  destination: z.object({ name: str }),
});

export const Alert = z.object({ type: str, deviceId: nullableStr, state: str, raisedAt: str, clearedAt: nullableStr, details: z.record(str, z.unknown()) });
export const Alerts = z.array(Alert);

const ReconRow = z.object({
  expected: num,
  stages: z.array(z.object({ stage: str, checkpointId: nullableStr, counted: num.nullable() })),
  final: num.nullable(),
  difference: num.nullable(),
  firstDiscrepancy: z.object({ stage: str, checkpointId: nullableStr, at: str }).nullable(),
});
export const Reconciliation = z.object({
  balanced: z.boolean(),
  people: z.array(ReconRow.extend({ category: str })),
  cargo: z.array(ReconRow.extend({ item: str, unit: str })),
});

export const FeatureCollection = z.object({ type: z.literal('FeatureCollection'), features: z.array(z.unknown()) });

export const LatestPositions = z.array(
  z.object({ movementId: str, deviceId: str, vehicle: nullableStr, at: nullableStr, lat: num.nullable(), lon: num.nullable(), lastSeen: nullableStr }),
);

export const Incident = z.object({
  id: str,
  state: str,
  kind: str,
  severity: str,
  occurredAt: str,
  description: str,
  geometry: z.union([z.object({ type: z.literal('Point'), coordinates: z.tuple([num, num]).rest(num) }), z.object({ type: str })]),
  corridorIds: z.array(str),
  suspensionIds: z.array(str),
  disputes: z.array(z.unknown()),
});
export const Incidents = z.array(Incident);

export const Webhook = z.object({ id: str, url: str, active: z.boolean(), types: z.array(str), corridorId: nullableStr, secret: nullableStr.optional() });
export const Webhooks = z.array(Webhook);
export const Deliveries = z.array(
  z.object({ eventId: z.union([str, num]), eventType: str, state: str, attempts: num, lastStatus: num.nullable(), lastError: nullableStr, nextAttemptAt: nullableStr }),
);
