import { z } from 'zod';
import { MAX_JWS_CHARS } from '../domain/signing-limits.js';
import { ELIGIBILITY, PURPOSES } from '../domain/vocabulary.js';
import { REVOCATION_REASONS } from '../domain/key-revocation.js';
import { asStored, Id, Line, OptionalLine, OptionalText, Position, Rfc3339, Text } from './common.js';
import { DEFAULT_AUTOMATIC_SUSPENSION, IncidentKind, SuspensionPolicy } from './incident.js';

/** See src/domain/vocabulary.ts for where the categories come from. */
export const Purpose = z.enum(PURPOSES);
export const Eligibility = z.enum(ELIGIBILITY);
export const Direction = z.enum(['outbound', 'inbound', 'both']);

export const NamedPlace = z.object({
  name: Line(200),
  coordinates: Position,
}).strict();

export const Checkpoint = z.object({
  id: z.string().min(1).max(40).regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes').optional(),
  name: Line(200),
  coordinates: Position,
}).strict();

export const Window = z
  .object({
    start: Rfc3339.describe('start of the (first) interval'),
    end: Rfc3339.describe('end of the (first) interval; after start'),
    timeZone: z.string().min(1).max(64).describe('IANA time zone the window was agreed in, e.g. Europe/Kyiv'),
    rrule: z
      .string()
      .max(500)
      .optional()
      .describe('RFC 5545 RRULE (without DTSTART), e.g. FREQ=DAILY;COUNT=5; repeats the interval at the same local wall-clock time'),
  }).strict()
  .describe('A time window; recurring windows keep their local wall-clock time across DST changes');

export const Hazard = z.object({
  kind: z.enum(['mines', 'uxo', 'damaged_road', 'damaged_bridge', 'active_hostilities', 'checkpoint_closure', 'other']),
  description: Text(2000),
  coordinates: Position.optional(),
}).strict();

export const Contact = z.object({
  partyId: Id,
  channel: z.enum(['phone', 'radio', 'email', 'messenger', 'other']),
  value: Line(300),
  name: OptionalLine(200).optional(),
}).strict();

export const Capacity = z.object({
  people: z.number().int().positive().optional(),
  vehicles: z.number().int().positive().optional(),
  cargoTonnes: z.number().positive().optional(),
}).strict();

export const LineString = z.object({
  type: z.literal('LineString'),
  coordinates: z.array(Position).max(10_000),
}).strict();

/** What a party proposes or amends. The signed terms add corridorId, version and a type tag. */
export const TermsInput = z.object({
  title: Line(300),
  route: LineString,
  widthM: z.number().describe('full width of the ceasefire zone around the route, metres (100 ≤ w ≤ 50,000: GPS fixes err by tens of metres)'),
  origin: NamedPlace,
  destination: NamedPlace,
  checkpoints: z.array(Checkpoint).max(200).default([]),
  direction: Direction,
  purposes: z.array(Purpose).min(1),
  eligibility: z.array(Eligibility).min(1),
  windows: z.array(Window).min(1).max(100),
  capacity: Capacity.default({}),
  hazards: z.array(Hazard).max(200).default([]),
  contacts: z.array(Contact).max(100).default([]),
  requiredGuarantors: z.array(Id).min(1).max(20).describe('party ids whose guarantee this corridor needs'),
  agreementId: Id.nullable().default(null),
  legalBasis: z.array(Line(200)).max(20).default([]),
  notes: OptionalText(5000).default(''),
  // Optional; absent means the default policy (src/domain/suspension-policy.ts), so terms signed
  // before policies existed keep their bytes and their meaning.
  suspensionPolicy: SuspensionPolicy.optional().describe(
    `which confirmed incidents suspend the corridor automatically; absent = the default: ${JSON.stringify({ automatic: DEFAULT_AUTOMATIC_SUSPENSION, resumeBy: 'mediator' })}`,
  ),
}).strict();
export type TermsInput = z.infer<typeof TermsInput>;

export const TERMS_TYPE = 'passage.corridor-terms/v1' as const;

/** The exact object every guarantor signs, serialised with RFC 8785. */
export const Terms = asStored(TermsInput).extend({
  type: z.literal(TERMS_TYPE),
  corridorId: Id,
  version: z.number().int().positive(),
  checkpoints: z.array(asStored(Checkpoint).required()),
});
export type Terms = z.infer<typeof Terms>;
z.globalRegistry.add(Terms, { id: 'CorridorTerms' });

export const CorridorState = z.enum(['draft', 'proposed', 'guaranteed', 'suspended', 'closed', 'withdrawn', 'rejected']);
export type CorridorState = z.infer<typeof CorridorState>;

export const ProposeBody = TermsInput.extend({
  draft: z.boolean().default(false).describe('keep it as a draft instead of proposing it now'),
});

export const AmendBody = z.object({
  baseVersion: z.number().int().positive().optional().describe('the version this amendment applies to (or send If-Match)'),
  terms: TermsInput,
  reason: OptionalLine(2000).default(''),
}).strict();

export const ReasonBody = z.object({
  reason: Line(2000),
  baseVersion: z.number().int().positive().optional(),
}).strict();

export const SuspendBody = z.object({
  reason: Line(2000),
  since: Rfc3339.optional().describe('when the suspension took effect (default: now); not in the future, not before the corridor was guaranteed nor before its previous suspension ended'),
}).strict();

export const GuaranteeBody = z.object({
  jws: z.string().min(1).max(MAX_JWS_CHARS).describe('JWS compact serialization, payload embedded: the RFC 8785 bytes of the current terms'),
}).strict();

export const WindowInstance = z.object({
  start: z.string(),
  end: z.string(),
  timeZone: z.string(),
  startLocal: z.string(),
  endLocal: z.string(),
});

export const StatusReason = z.object({
  code: z.enum(['draft', 'not_guaranteed', 'suspended', 'outside_window', 'expired', 'withdrawn', 'rejected', 'unreadable_windows']),
  message: z.string(),
  missingGuarantors: z.array(z.object({ id: z.string(), name: z.string() })).optional(),
  since: z.string().optional(),
  reason: z.string().optional(),
  suspensionId: z.string().optional().describe('the suspension in force (code `suspended`), as listed in the corridor’s suspensions'),
});

export const CorridorStatus = z.object({
  corridorId: z.string(),
  version: z.number().int(),
  at: z.string(),
  state: CorridorState,
  open: z.boolean(),
  currentWindow: WindowInstance.nullable().describe('the window in force at `at`; windows that touch or overlap are one (it ends where the last of them does), in the zone of the first'),
  nextWindow: WindowInstance.nullable().describe('the next window to open after `at` (touching windows merged, as currentWindow)'),
  reasons: z.array(StatusReason),
});
z.globalRegistry.add(CorridorStatus, { id: 'CorridorStatus' });

export const GuaranteeView = z.object({
  id: z.string(),
  corridorId: z.string(),
  partyId: z.string(),
  memberId: z.string(),
  kid: z.string().describe('the key it was made with: the RFC 7638 thumbprint of a key its party registered'),
  version: z.number().int(),
  jws: z.string(),
  valid: z
    .boolean()
    .describe(
      'whether it binds: false once the terms were amended after it was given, and false when the key it was made with was revoked as compromised from (keyCompromisedSince) at or before the moment it was recorded: the party must sign again. A key retired as superseded leaves it valid',
    ),
  keyRevokedAt: z
    .string()
    .nullable()
    .describe('when the key it was made with was revoked, or null while that key stands. Not by itself a reason to distrust it: see keyRevocationReason'),
  keyRevocationReason: z
    .enum(REVOCATION_REASONS)
    .nullable()
    .describe('why that key was revoked: superseded (routine rotation, never compromised: the guarantee still binds) or compromised (lost or stolen: void if recorded at or after keyCompromisedSince); null while it stands'),
  keyCompromisedSince: z.string().nullable().describe('for a compromised key: from when its signatures are suspect; guarantees recorded before this instant stand'),
  createdAt: z.string(),
});
z.globalRegistry.add(GuaranteeView, { id: 'Guarantee' });

/** The confirmed incident that caused an automatic suspension, as structured data (its `reason` is English text). */
export const SuspensionIncident = z
  .object({
    id: z.string().nullable().describe('the incident; null when the report was shared with some parties only (the suspension every member reads does not name it)'),
    kind: IncidentKind,
  })
  .describe('the confirmed incident that suspended the corridor: say why in the reader’s language from its kind, not from `reason`');

export const SuspensionView = z.object({
  id: z.string(),
  since: z.string(),
  until: z.string().nullable(),
  reason: z.string().describe('as recorded, in English for an automatic suspension ("Shelling (confirmed incident inc_…)"); the mediator’s own words otherwise'),
  incident: SuspensionIncident.nullable().describe('the confirmed incident that caused it; null for a suspension the mediator decided'),
  suspendedBy: z.string(),
  resumedBy: z.string().nullable(),
  resumeReason: z.string().nullable(),
});

export const CorridorView = z.object({
  id: z.string(),
  title: z.string(),
  state: CorridorState,
  version: z.number().int(),
  proposerPartyId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  terms: Terms,
  guarantees: z.array(GuaranteeView),
  suspensions: z.array(SuspensionView),
});
export type CorridorView = z.infer<typeof CorridorView>;
z.globalRegistry.add(CorridorView, { id: 'Corridor' });
