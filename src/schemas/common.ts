import { z } from 'zod';

/** A WGS 84 position, [longitude, latitude], as RFC 7946 orders it. Range rules live in the domain. */
export const Position = z
  .tuple([z.number(), z.number()])
  .describe('[longitude, latitude] in WGS 84 decimal degrees (RFC 7946)');

export const Rfc3339 = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/i,
    'must be an RFC 3339 date-time with an offset, e.g. 2022-03-08T09:00:00+02:00',
  )
  .describe('RFC 3339 date-time with offset; stored and returned in UTC');

export const Id = z.string().min(1).max(100);

export const PartyKind = z.enum(['belligerent', 'mediator', 'humanitarian', 'observer']);
export type PartyKind = z.infer<typeof PartyKind>;

export const Role = z
  .enum(['admin', 'liaison', 'operator', 'viewer'])
  .describe('admin manages its party; liaison negotiates and signs; operator notifies movements and sites; viewer reads');
export type Role = z.infer<typeof Role>;

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().describe('stable machine-readable error code'),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string().optional(), message: z.string() })).optional(),
  })
  .catchall(z.unknown())
  .describe('RFC 9457 problem details');
z.globalRegistry.add(Problem, { id: 'Problem' });
