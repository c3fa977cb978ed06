import { z } from 'zod';
import { asStored, Id, Line, LonLat, OptionalLine, OptionalText, Text } from './common.js';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a calendar date YYYY-MM-DD');

export const AgreementInput = z.object({
  title: Line(300),
  date: IsoDate,
  venue: z.object({ name: Line(200), coordinates: LonLat.optional() }).strict(),
  round: Line(100).describe('the negotiation round, e.g. "2nd round"'),
  parties: z
    .array(z.object({ partyId: Id, headOfDelegation: OptionalLine(200).default('') }).strict())
    .min(1)
    .max(20),
  text: Text(100_000),
  commitments: z.array(Text(2000)).max(100).default([]),
  nextRound: z
    .object({ date: IsoDate.optional(), venue: OptionalLine(200).optional(), note: OptionalText(2000).optional() }).strict()
    .nullable()
    .default(null),
  legalBasis: z.array(Line(200)).max(20).default([]),
}).strict();
export type AgreementInput = z.infer<typeof AgreementInput>;

export const AgreementView = asStored(AgreementInput).extend({
  id: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type AgreementView = z.infer<typeof AgreementView>;
z.globalRegistry.add(AgreementView, { id: 'Agreement' });
