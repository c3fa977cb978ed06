import { z } from 'zod';
import { MAX_JWS_CHARS } from '../domain/signing-limits.js';
import { REVOCATION_REASONS } from '../domain/key-revocation.js';
import { HttpUrl, Id, Line, LonLat, OptionalLine, OptionalText, Position, Text } from './common.js';
import { Slug } from './party.js';

/**
 * The negotiation ledger (issue 8): agenda items, rounds, positions, statements and protocols.
 * Inputs carry defaults and are not registered; views are (they name the OpenAPI components).
 */

export const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a calendar date YYYY-MM-DD');

export const Visibility = z
  .enum(['public', 'parties', 'mediator'])
  .describe('public: anyone, without a token; parties: members of the mediator and the belligerent parties; mediator: the mediator only');
export type Visibility = z.infer<typeof Visibility>;

/**
 * The conventional case of a BCP 47 tag (RFC 5646 §2.1.1): language lower case, a four-letter
 * script title case, a region upper case, the rest lower case — "EN-gb" is "en-GB".
 */
export function normaliseLangTag(tag: string): string {
  return tag
    .split('-')
    .map((part, i) => (i === 0 ? part.toLowerCase() : /^[A-Za-z]{4}$/.test(part) ? `${part[0]?.toUpperCase()}${part.slice(1).toLowerCase()}` : /^[A-Za-z]{2}$/.test(part) ? part.toUpperCase() : part.toLowerCase()))
    .join('-');
}

/**
 * BCP 47 language tag, simplified: a 2–3 letter language and optional subtags (uk, ru, en,
 * en-GB, zh-Hans). Tags are case-insensitive (RFC 5646 §2.1.1): "EN" is accepted and stored as "en".
 */
export const LangTag = z
  .string({ error: 'a language tag (BCP 47) is required, e.g. "uk", "ru", "en"' })
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'a BCP 47 language tag such as "uk", "ru", "en" or "zh-Hans"')
  .transform(normaliseLangTag);

export const Source = z
  .object(
    {
      outlet: Line(300).describe('the outlet or document'),
      url: HttpUrl.optional(),
      date: IsoDate.describe('when the source published it'),
      title: OptionalLine(500).optional(),
      excerpt: OptionalText(5000).optional().describe('the words exactly as the source printed them (garbled names included)'),
    },
    { error: 'a source is required: {outlet, date, url?}' },
  ).strict()
  .describe('where the ledger learnt it');
export type Source = z.infer<typeof Source>;

const reason = Line(2000).describe('why this correction is made');
const baseVersion = z.number().int().positive().optional().describe('the version this correction replaces (or send If-Match)');

// ---- agenda items ---------------------------------------------------------------------------

export const AgendaItemInput = z.object({
  id: Slug.describe('a short stable id, e.g. "neutrality"'),
  title: Line(300),
  description: OptionalText(5000).default(''),
  visibility: Visibility.default('public'),
}).strict();
export type AgendaItemInput = z.infer<typeof AgendaItemInput>;
export const AgendaItemRevision = z.object({ baseVersion, reason, item: AgendaItemInput.omit({ id: true }) }).strict();

const EntryMeta = {
  version: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
  reason: z.string().describe('why the current version exists: "recorded", or the correction’s reason'),
};

export const AgendaItemView = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  visibility: Visibility,
  ...EntryMeta,
});
export type AgendaItemView = z.infer<typeof AgendaItemView>;
z.globalRegistry.add(AgendaItemView, { id: 'AgendaItem' });

// ---- rounds ---------------------------------------------------------------------------------

export const Person = z.object({ name: Line(200), title: OptionalLine(300).default('') }).strict();

export const Delegation = z.object({
  partyId: Id,
  head: Person,
  members: z.array(Person).max(50).default([]),
}).strict();

export const Outcome = z.enum(['agreed', 'not_agreed', 'deferred', 'pending']).describe('pending: not yet concluded');
export type Outcome = z.infer<typeof Outcome>;

export const RoundAgendaEntry = z.object({
  itemId: Id,
  outcome: Outcome,
  note: OptionalText(5000).default(''),
}).strict();

export const NextRound = z
  .object({ date: IsoDate.optional(), venue: OptionalLine(300).optional(), note: OptionalText(2000).optional() }).strict()
  .describe('absent date: "to be set"');

export const RoundInput = z.object({
  number: z.number().int().positive(),
  title: OptionalLine(300).default(''),
  startDate: IsoDate,
  endDate: IsoDate.optional().describe('last day (default: startDate)'),
  venue: z.object({ name: Line(300), coordinates: LonLat.optional() }).strict(),
  host: OptionalLine(300).default('').describe('the host or facilitator, e.g. a host state'),
  mediatorPartyId: Id.optional().describe('the mediating party, when a Passage party'),
  delegations: z.array(Delegation).min(1).max(20),
  agenda: z.array(RoundAgendaEntry).max(100).default([]),
  summary: OptionalText(20_000).default(''),
  nextRound: NextRound.nullable().default(null),
  visibility: Visibility.default('parties'),
}).strict();
export type RoundInput = z.infer<typeof RoundInput>;
export const RoundRevision = z.object({ baseVersion, reason, round: RoundInput }).strict();

const RoundBody = z.object({
  number: z.number().int(),
  title: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  venue: z.object({ name: z.string(), coordinates: Position.optional() }),
  host: z.string(),
  mediatorPartyId: z.string().optional(),
  delegations: z.array(z.object({ partyId: z.string(), head: z.object({ name: z.string(), title: z.string() }), members: z.array(z.object({ name: z.string(), title: z.string() })) })),
  agenda: z.array(z.object({ itemId: z.string(), outcome: Outcome, note: z.string() })),
  summary: z.string(),
  nextRound: z.object({ date: z.string().optional(), venue: z.string().optional(), note: z.string().optional() }).nullable(),
  visibility: Visibility,
});
export type RoundBody = z.infer<typeof RoundBody>;

export const RoundView = RoundBody.extend({ id: z.string(), ...EntryMeta, protocolIds: z.array(z.string()) });
export type RoundView = z.infer<typeof RoundView>;
z.globalRegistry.add(RoundView, { id: 'Round' });

// ---- positions ------------------------------------------------------------------------------

export const PositionKind = z.enum(['demand', 'offer', 'red_line', 'conditional']);
export type PositionKind = z.infer<typeof PositionKind>;

export const PositionInput = z.object({
  itemId: Id,
  partyId: Id,
  roundId: Id.nullable().default(null).describe('the round it was stated at or around'),
  statedOn: IsoDate,
  kind: PositionKind,
  text: Text(10_000),
  condition: Text(5000).optional().describe('for a conditional position: on what condition'),
  source: Source,
  visibility: Visibility.default('parties'),
}).strict();
export type PositionInput = z.infer<typeof PositionInput>;
export const PositionRevision = z.object({ baseVersion, reason, position: PositionInput }).strict();

export const PositionView = z.object({
  id: z.string(),
  itemId: z.string(),
  partyId: z.string(),
  roundId: z.string().nullable(),
  statedOn: z.string(),
  kind: PositionKind,
  text: z.string(),
  condition: z.string().optional(),
  source: z.object({ outlet: z.string(), url: z.string().optional(), date: z.string(), title: z.string().optional(), excerpt: z.string().optional() }),
  visibility: Visibility,
  ...EntryMeta,
});
export type PositionView = z.infer<typeof PositionView>;
z.globalRegistry.add(PositionView, { id: 'LedgerPosition' });

// ---- statements -----------------------------------------------------------------------------

export const Translation = z.object({
  lang: LangTag,
  text: Text(20_000),
  method: z.enum(['human', 'machine']).describe('machine translations are never the words spoken'),
  reviewed: z.boolean().describe('whether a person checked it against the original'),
  note: OptionalText(2000).optional(),
}).strict();

export const StatementInput = z.object({
  speaker: z.object({
    name: Line(200),
    office: Line(300).describe('their office when they said it'),
    partyId: Id.optional().describe('the party they speak for, when a Passage party'),
  }).strict(),
  saidOn: IsoDate,
  place: OptionalLine(300).optional(),
  source: Source,
  original: z.object({
    lang: LangTag.describe('the language the words were spoken in'),
    text: Text(20_000).nullable().describe('the words as spoken; null when the source does not give them'),
  }).strict(),
  translations: z.array(Translation).max(20).default([]),
  tags: z.object({ roundIds: z.array(Id).max(20).default([]), itemIds: z.array(Id).max(50).default([]) }).strict().default({ roundIds: [], itemIds: [] }),
  visibility: Visibility.default('public'),
}).strict();
export type StatementInput = z.infer<typeof StatementInput>;
export const StatementRevision = z.object({ baseVersion, reason, statement: StatementInput }).strict();

export const StatementView = z.object({
  id: z.string(),
  speaker: z.object({ name: z.string(), office: z.string(), partyId: z.string().optional() }),
  saidOn: z.string(),
  place: z.string().optional(),
  source: PositionView.shape.source,
  original: z.object({ lang: z.string(), text: z.string().nullable() }),
  translations: z.array(z.object({ lang: z.string(), text: z.string(), method: z.enum(['human', 'machine']), reviewed: z.boolean(), note: z.string().optional() })),
  tags: z.object({ roundIds: z.array(z.string()), itemIds: z.array(z.string()) }),
  visibility: Visibility,
  ...EntryMeta,
});
export type StatementView = z.infer<typeof StatementView>;
z.globalRegistry.add(StatementView, { id: 'Statement' });

// ---- protocols ------------------------------------------------------------------------------

export const PROTOCOL_TYPE = 'passage.round-protocol/v1' as const;

export const ProtocolInput = z.object({
  title: Line(300),
  points: z.array(z.object({ itemId: Id, text: Text(10_000) }).strict()).min(1).max(100),
  text: OptionalText(100_000).default(''),
  agreementId: Id.nullable().default(null).describe('the agreement created from it, which corridors cite'),
  visibility: Visibility.default('parties'),
}).strict();
export type ProtocolInput = z.infer<typeof ProtocolInput>;
export const ProtocolRevision = z.object({ baseVersion, reason, protocol: ProtocolInput }).strict();

/** The exact object each delegation signs, serialised with RFC 8785. */
export const ProtocolText = z.object({
  type: z.literal(PROTOCOL_TYPE),
  protocolId: z.string(),
  version: z.number().int().positive(),
  roundId: z.string(),
  roundNumber: z.number().int(),
  date: z.string(),
  venue: z.string(),
  title: z.string(),
  signatories: z.array(z.string()).describe('the delegations’ party ids: each must sign'),
  points: z.array(z.object({ itemId: z.string(), text: z.string() })),
  text: z.string(),
});
export type ProtocolText = z.infer<typeof ProtocolText>;
z.globalRegistry.add(ProtocolText, { id: 'ProtocolText' });

export const ProtocolSignatureView = z.object({
  id: z.string(),
  protocolId: z.string(),
  partyId: z.string(),
  memberId: z.string(),
  kid: z.string(),
  version: z.number().int(),
  jws: z.string(),
  valid: z.boolean().describe('whether it counts towards the protocol being signed: false once the protocol was corrected after it was signed, or when it was made with a key compromised at the time (keyCompromised; the party signs again with a key that stands)'),
  keyRevokedAt: z.string().nullable().describe('when the key it was made with was revoked, or null while that key stands'),
  keyRevocationReason: z.enum(REVOCATION_REASONS).nullable().describe('superseded (routine rotation: the signature stands) or compromised; null while the key stands'),
  keyCompromisedSince: z.string().nullable().describe('for a compromised key: from when its signatures are suspect'),
  keyCompromised: z
    .boolean()
    .describe('true when it was recorded at or after keyCompromisedSince: it can no longer be told from a thief’s signature (the record of the talks keeps it; the party should sign again if it stands by the text)'),
  createdAt: z.string(),
});

export const ProtocolView = z.object({
  id: z.string(),
  roundId: z.string(),
  state: z.enum(['open', 'signed']).describe('signed: every delegation signed the current version, none with a key compromised at the time'),
  agreementId: z.string().nullable(),
  visibility: Visibility,
  text: ProtocolText,
  signatures: z.array(ProtocolSignatureView),
  ...EntryMeta,
});
export type ProtocolView = z.infer<typeof ProtocolView>;
z.globalRegistry.add(ProtocolView, { id: 'Protocol' });

export const SignatureBody = z.object({ jws: z.string().min(1).max(MAX_JWS_CHARS).describe('compact JWS, EdDSA, payload = the exact protocol text bytes') }).strict();

// ---- derived views --------------------------------------------------------------------------

export const MatrixView = z.object({
  parties: z.array(z.object({ id: z.string(), name: z.string() })),
  rows: z.array(
    z.object({
      item: z.object({ id: z.string(), title: z.string() }),
      cells: z.array(z.object({ partyId: z.string(), latest: PositionView.nullable(), history: z.array(PositionView) })),
    }),
  ),
});
z.globalRegistry.add(MatrixView, { id: 'PositionMatrix' });

export const OpenPoint = z.object({
  itemId: z.string(),
  title: z.string(),
  outcome: Outcome.describe('its latest outcome'),
  openSince: z.string().describe('date of the first round since which it has stayed unagreed'),
  sinceRound: z.number().int(),
  rounds: z.array(z.number().int()).describe('rounds at which it was discussed without agreement'),
});

export const TimelineEntry = z.object({
  roundId: z.string(),
  number: z.number().int(),
  title: z.string(),
  startDate: z.string(),
  endDate: z.string(),
  venue: z.string(),
  agreed: z.array(z.object({ itemId: z.string(), title: z.string() })),
  open: z.array(z.object({ itemId: z.string(), title: z.string(), outcome: Outcome })),
  protocols: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      state: z.enum(['open', 'signed']),
      agreementId: z.string().nullable(),
      version: z.number().int().describe('the current version: what a delegation signs now'),
      signatories: z.array(z.string()).describe('the delegations’ party ids: each signs'),
      signedBy: z.array(z.string()).describe('the delegations whose signature of the current version counts (not one made with a key compromised at the time)'),
      keyNotes: z
        .array(z.object({ partyId: z.string(), reason: z.enum(REVOCATION_REASONS), compromised: z.boolean() }))
        .describe('signatures of the current version made with a key revoked since: compromised true when made while it was compromised (listed until that delegation signs again with a key that stands), else a neutral note (retired, or compromised only later)'),
    }),
  ),
  nextRound: z.string().describe('"YYYY-MM-DD, venue" or "to be set", in English'),
  next: NextRound.nullable().describe('the next round as recorded, for showing in the reader\'s language'),
});

export const TimelineView = z.object({ rounds: z.array(TimelineEntry), openPoints: z.array(OpenPoint) });
z.globalRegistry.add(TimelineView, { id: 'LedgerTimeline' });

export const LedgerExport = z.object({
  exportedAt: z.string(),
  visibility: z.array(Visibility).describe('the visibilities this export contains'),
  agendaItems: z.array(AgendaItemView),
  rounds: z.array(RoundView),
  positions: z.array(PositionView),
  statements: z.array(StatementView),
  protocols: z.array(ProtocolView),
});
export type LedgerExport = z.infer<typeof LedgerExport>;
z.globalRegistry.add(LedgerExport, { id: 'LedgerExport' });

/**
 * The public ledger document (`/public/ledger.json`): what a member's export holds of the public
 * entries, less the member ids (who recorded an entry, which member signed a protocol). The public
 * learns which party took a position or signed, and with which key (to verify the JWS); which of
 * a party's people did so is not for anyone who asks (docs/ledger.md).
 */
const noCreatedBy = { createdBy: true } as const;
export const PublicLedgerExport = LedgerExport.extend({
  agendaItems: z.array(AgendaItemView.omit(noCreatedBy)),
  rounds: z.array(RoundView.omit(noCreatedBy)),
  positions: z.array(PositionView.omit(noCreatedBy)),
  statements: z.array(StatementView.omit(noCreatedBy)),
  protocols: z.array(ProtocolView.omit(noCreatedBy).extend({ signatures: z.array(ProtocolSignatureView.omit({ memberId: true })) })),
});
export type PublicLedgerExport = z.infer<typeof PublicLedgerExport>;

export const EntryVersionView = z.object({
  version: z.number().int(),
  body: z.unknown(),
  visibility: Visibility,
  reason: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
