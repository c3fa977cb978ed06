import { z } from 'zod';
import { asStored, Id, Line, LonLat } from './common.js';

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a calendar date YYYY-MM-DD');

export const AgreementInput = z.object({
  title: Line(300),
  date: IsoDate,
  venue: z.object({ name: Line(200), coordinates: LonLat.optional() }).strict(),
  round: z.string().min(1).max(100).describe('the negotiation round, e.g. "2nd round"'),
  parties: z
    .array(z.object({ partyId: Id, headOfDelegation: z.string().max(200).default('') }).strict())
    .min(1)
    .max(20),
  text: z.string().min(1).max(100_000),
  commitments: z.array(z.string().min(1).max(2000)).max(100).default([]),
  nextRound: z
    .object({ date: IsoDate.optional(), venue: z.string().max(200).optional(), note: z.string().max(2000).optional() }).strict()
    .nullable()
    .default(null),
  legalBasis: z.array(z.string().min(1).max(200)).max(20).default([]),
}).strict();
export type AgreementInput = z.infer<typeof AgreementInput>;

export const AgreementView = asStored(AgreementInput).extend({
  id: z.string(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type AgreementView = z.infer<typeof AgreementView>;
z.globalRegistry.add(AgreementView, { id: 'Agreement' });
