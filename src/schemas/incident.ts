import { z } from 'zod';
import { INCIDENT_KINDS, SEVERITIES } from '../domain/vocabulary.js';
import { DistinctIds, Id, Line, OptionalLine, Position, Rfc3339, Text } from './common.js';

/** What happened. The kinds a corridor's suspension policy can name. */
export const IncidentKind = z.enum(INCIDENT_KINDS);
export type IncidentKind = z.infer<typeof IncidentKind>;

/** Severity, in CAP's words (OASIS CAP 1.2 `severity`). */
export const IncidentSeverity = z.enum(SEVERITIES);
export type IncidentSeverity = z.infer<typeof IncidentSeverity>;

export const IncidentState = z.enum(['reported', 'confirmed', 'dismissed']);
export type IncidentState = z.infer<typeof IncidentState>;

/** The default kinds a confirmed incident of which suspends a corridor automatically. */
export const DEFAULT_AUTOMATIC_SUSPENSION: IncidentKind[] = ['shelling', 'small_arms_fire', 'air_strike', 'mine_uxo'];

/** Part of a corridor's signed terms: which confirmed incidents suspend it by themselves, and who resumes it. */
export const SuspensionPolicy = z
  .object({
    automatic: z.array(IncidentKind).max(7).describe('confirmed incidents of these kinds in the ceasefire zone suspend the corridor in the same transaction; [] = only the mediator suspends'),
    resumeBy: z.literal('mediator').default('mediator').describe('who may resume it: only the mediator, with a reason (the default, and the only choice)'),
  }).strict()
  .describe('Suspension policy (signed with the terms)');
export type SuspensionPolicy = z.infer<typeof SuspensionPolicy>;

export const IncidentPoint = z.object({ type: z.literal('Point'), coordinates: Position }).strict();
export const IncidentPolygon = z.object({
  type: z.literal('Polygon'),
  // As for sites: every ring is checked for self-intersection (quadratic in its positions), so a
  // ring of 10,000 held the event loop for 15 s — for any member, since any member reports.
  coordinates: z.array(z.array(Position).max(1_000)).min(1).max(20).describe('GeoJSON polygon rings, closed, exterior first (at most 20 rings of 1,000 positions; within 50 km of the middle, 500 km of edges together, none across the antimeridian)'),
}).strict();
export const IncidentGeometry = z.discriminatedUnion('type', [IncidentPoint, IncidentPolygon]);
export type IncidentGeometry = z.infer<typeof IncidentGeometry>;

export const Evidence = z.object({
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be a SHA-256 digest: 64 hexadecimal characters').describe('SHA-256 (hex) of a file kept elsewhere'),
  name: OptionalLine(300).optional(),
  mediaType: z.string().max(100).optional(),
}).strict();

export const Casualties = z.object({
  killed: z.number().int().min(0).optional(),
  injured: z.number().int().min(0).optional(),
  missing: z.number().int().min(0).optional(),
}).strict();

export const IncidentInput = z.object({
  kind: IncidentKind,
  severity: IncidentSeverity,
  geometry: IncidentGeometry,
  occurredAt: Rfc3339.describe('when it happened; from 2000-01-01, not more than 5 minutes in the future'),
  description: Text(5000),
  evidence: z.array(Evidence).max(100).default([]),
  casualties: Casualties.nullable().default(null).describe('if known'),
  distribution: DistinctIds(20).nullable().default(null).describe('parties that may see it besides the reporter’s and the mediator; null = every member'),
}).strict();
export type IncidentInput = z.infer<typeof IncidentInput>;

export const DecisionBody = z.object({ reason: Line(2000) }).strict();
export const DisputeBody = z.object({ statement: Text(5000) }).strict();
export const CorrectionBody = z.object({
  severity: IncidentSeverity.optional(),
  description: Text(5000).optional(),
  casualties: Casualties.nullable().optional(),
  evidence: z.array(Evidence).max(100).optional().describe('evidence to add (never removed)'),
  reason: Line(2000),
}).strict();

export const DisputeView = z.object({ id: z.string(), partyId: z.string(), memberId: z.string(), statement: z.string(), createdAt: z.string() });

export const IncidentView = z.object({
  id: z.string(),
  kind: IncidentKind,
  severity: IncidentSeverity,
  geometry: IncidentGeometry,
  occurredAt: z.string(),
  reportedAt: z.string(),
  reportedBy: z.string(),
  reporterPartyId: z.string(),
  description: z.string(),
  evidence: z.array(Evidence),
  casualties: Casualties.nullable(),
  distribution: z.array(z.string()).nullable(),
  corridorIds: z.array(z.string()).describe('corridors whose ceasefire zone held at that place and time'),
  movementIds: z.array(z.string()).describe('movements you may see that were within 5 km of it within 30 minutes of its time'),
  state: IncidentState,
  version: z.number().int(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  decisionReason: z.string().nullable(),
  suspensionIds: z.array(z.string()).describe('suspensions this incident caused under the corridors’ policies'),
  disputes: z.array(DisputeView),
  updatedAt: z.string(),
});
export type IncidentView = z.infer<typeof IncidentView>;
z.globalRegistry.add(IncidentView, { id: 'Incident' });

/** What a receiver's URL may be (src/domain/ip-address.ts), as the OpenAPI document says it. */
const WEBHOOK_URL_RULE =
  'http(s) URL of the receiver, without credentials; not this server. Refused with a 400 naming the address class: link-local (169.254.0.0/16, fe80::/10, cloud metadata services), unspecified (0.0.0.0/8, ::), multicast and broadcast addresses always; loopback, private (RFC 1918, fc00::/7), shared (CGNAT 100.64.0.0/10), documentation and reserved ones when the server runs with --refuse-private-webhooks. IPv4-mapped IPv6 forms count as their IPv4 address. A host name is judged on every address it resolves to, at each delivery: a refused one fails the attempt, with the reason in the delivery log.';

export const WebhookInput = z.object({
  url: z.string().min(1).max(2000).describe(WEBHOOK_URL_RULE),
  types: z.array(z.string().min(1).max(100).regex(/^[a-z_.*]+$/, 'an event type such as corridor.suspended, or a prefix such as corridor.*')).max(50).default([]).describe('event types to deliver (docs/incidents.md, "Events"), or prefixes ending in *; [] = all. One that matches no event type is a 400 listing them; live alerts are movement.alert.<type>'),
  corridorId: Id.nullable().default(null).describe('only events about this corridor'),
  secret: z.string().regex(/^whsec_[A-Za-z0-9+/=]{16,}$/, 'whsec_ followed by base64 of 12 to 64 random bytes').optional().describe('Standard Webhooks secret; generated when omitted'),
  description: OptionalLine(500).default(''),
}).strict();
export type WebhookInput = z.infer<typeof WebhookInput>;

export const WebhookPatch = z.object({
  url: z.string().min(1).max(2000).optional().describe(WEBHOOK_URL_RULE),
  types: WebhookInput.shape.types.unwrap().optional(),
  corridorId: Id.nullable().optional(),
  description: z.string().max(500).optional(),
  active: z.boolean().optional(),
}).strict();

export const WebhookView = z.object({
  id: z.string(),
  partyId: z.string(),
  memberId: z.string(),
  url: z.string(),
  types: z.array(z.string()),
  corridorId: z.string().nullable(),
  description: z.string(),
  active: z.boolean(),
  secret: z.string().optional().describe('shown only when created'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type WebhookView = z.infer<typeof WebhookView>;
z.globalRegistry.add(WebhookView, { id: 'WebhookSubscription' });

export const DeliveryView = z.object({
  id: z.string(),
  subscriptionId: z.string(),
  eventId: z.number().int(),
  eventType: z.string(),
  state: z.enum(['pending', 'delivered']),
  attempts: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  createdAt: z.string(),
  deliveredAt: z.string().nullable(),
});
export type DeliveryView = z.infer<typeof DeliveryView>;
