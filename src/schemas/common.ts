import { z } from 'zod';
import { parseRfc3339 } from '../domain/windows.js';

/** A WGS 84 position, [longitude, latitude], as RFC 7946 orders it. Range rules live in the domain. */
export const Position = z
  .tuple([z.number(), z.number()])
  .describe('[longitude, latitude] in WGS 84 decimal degrees (RFC 7946)');

/**
 * The shape of an RFC 3339 date-time with offset. Case spelled out, not a /i flag: the flag does
 * not reach the OpenAPI pattern, and RFC 3339 allows a lowercase t and z.
 */
export const RFC3339_SHAPE = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export const Rfc3339 = z
  .string()
  .regex(
    RFC3339_SHAPE,
    { message: 'must be an RFC 3339 date-time with an offset, e.g. 2022-03-08T09:00:00+02:00', abort: true },
  )
  // The shape alone lets through times that do not exist, which then broke whatever read them.
  .refine((s) => parseRfc3339(s) !== undefined, {
    message: 'no such date-time: a day the month lacks, an hour past 23, a leap second, an offset past 23:59, or outside the years 0000–9999 in UTC',
  })
  .describe('RFC 3339 date-time with offset; stored and returned in UTC');

export const Id = z.string().min(1).max(100);

/**
 * A list of party ids each named once (a distribution, say): `["ua","ua"]` was stored as it came,
 * and every list of who may see the record named Ukraine twice. The second mention is refused,
 * naming its index.
 */
export function DistinctIds(max: number) {
  return z
    .array(Id)
    .max(max)
    .superRefine((ids, ctx) => {
      ids.forEach((id, i) => {
        if (ids.indexOf(id) !== i) ctx.addIssue({ code: 'custom', path: [i], message: `${id} is listed twice (first at ${ids.indexOf(id)})`, input: id });
      });
    });
}

/** C0 controls, DEL and C1 controls: what a terminal acts on rather than shows (docs/api.md). */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
// As patterns of the whole value, so that the OpenAPI document says them too.
const NO_CONTROLS = /^[^\u0000-\u001f\u007f-\u009f]*$/;
const NO_CONTROLS_BUT_LF_TAB = /^[^\u0000-\u0008\u000b-\u001f\u007f-\u009f]*$/;
const SINGLE_LINE = 'must be a single line: no line breaks, tabs or other control characters (U+0000–U+001F, U+007F–U+009F)';
const MULTI_LINE = 'must not contain control characters other than line feeds (\\n) and tabs (\\t)';

/**
 * A single line of text in a request body — a title, a name, a speaker's office, a venue, a
 * reason: no control character at all (C0, DEL, C1). A title holding ESC [2K and a carriage
 * return forged a line in a terminal that printed it (`passage check`). May be empty.
 */
export function OptionalLine(max: number) {
  return z.string().max(max).regex(NO_CONTROLS, SINGLE_LINE);
}

/** A single line of text a person must write: not blank (spaces alone are `required`), no control characters. */
export function Line(max: number) {
  return z.string().min(1).max(max).regex(/\S/, 'must not be blank').regex(NO_CONTROLS, SINGLE_LINE);
}

/** Multi-line text (a description, notes, the words of a statement): line feeds and tabs, no other control character. May be empty. */
export function OptionalText(max: number) {
  return z.string().max(max).regex(NO_CONTROLS_BUT_LF_TAB, MULTI_LINE);
}

/**
 * Free text a person must write — a statement, a description, a position — in request bodies
 * only: not blank (spaces alone say nothing, and a decision such as confirming an incident that
 * suspends corridors must say why), line feeds and tabs but no other control character. Kept out
 * of the shapes responses share, so a value stored before the rule is still served.
 */
export function Text(max: number) {
  return z.string().min(1).max(max).regex(/\S/, 'must not be blank').regex(NO_CONTROLS_BUT_LF_TAB, MULTI_LINE);
}

/**
 * The shape of a request body as a response sends it back: every text field a plain string. A
 * view that repeats an input (the signed terms, an agreement) must still serve a record stored
 * before a field rule existed — a title with a control character in it answered 500 once the
 * rule reached the response schema. Objects, arrays, optional, nullable and default wrappers are
 * followed; descriptions are kept.
 */
export function asStored<T extends z.ZodType>(schema: T): T {
  const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
  const keep = <S extends z.ZodType>(out: S): S => (schema.description !== undefined ? (out.describe(schema.description) as S) : out);
  switch (def.type) {
    case 'string':
      return keep(z.string()) as unknown as T;
    case 'object':
      return keep(z.object(Object.fromEntries(Object.entries(def.shape as Record<string, z.ZodType>).map(([k, v]) => [k, asStored(v)])))) as unknown as T;
    case 'array':
      return keep(z.array(asStored(def.element as z.ZodType))) as unknown as T;
    case 'optional':
      return keep(asStored(def.innerType as z.ZodType).optional()) as unknown as T;
    case 'nullable':
      return keep(asStored(def.innerType as z.ZodType).nullable()) as unknown as T;
    case 'default':
      return keep(asStored(def.innerType as z.ZodType).default(def.defaultValue as never)) as unknown as T;
    default:
      return schema;
  }
}

/**
 * A link a person will follow from a page or a printout: http or https only. `javascript:` and
 * `data:` run or show content of the sender's choosing where the link is clicked; `ftp:`, `file:`
 * and the rest are not for a reader's browser.
 */
export const HttpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
  .max(2000)
  .regex(/^[Hh][Tt][Tt][Pp][Ss]?:\/\//, 'must be an http:// or https:// URL')
  .regex(NO_CONTROLS, SINGLE_LINE);

/** A WGS 84 position whose longitude is within ±180° and latitude within ±90° (a place, not a zone: zones have their own rules). */
export const LonLat = z
  .tuple([z.number().min(-180, 'longitude must be within ±180°').max(180, 'longitude must be within ±180°'), z.number().min(-90, 'latitude must be within ±90°').max(90, 'latitude must be within ±90°')])
  .describe('[longitude, latitude] in WGS 84 decimal degrees (RFC 7946): longitude −180…180, latitude −90…90');

/**
 * A filter in a query string (`?party=ua`): given, it names something, so it is not empty. An
 * empty one (`?speaker=`) was read as "no filter" by one list and as "matches nothing" by
 * another; it is a 400 naming the parameter on every list.
 */
export function QueryFilter(max = 200) {
  return z.string().min(1, 'an empty filter names nothing: give a value or leave the parameter out').max(max);
}

/**
 * A whole number in a query string, written in decimal digits. Not `z.coerce.number()`, which
 * takes an empty parameter for 0 and reads "0x10", "1e3" or " 7" as numbers: a client that sent
 * those made a mistake and is told so.
 */
export const QueryWholeNumber = z
  .string()
  .regex(/^\d{1,16}$/, 'a whole number in decimal digits')
  .transform(Number)
  .pipe(z.number().int().min(0).max(Number.MAX_SAFE_INTEGER));

/**
 * A version or a log index in a query string or path: stored as 32-bit integers (PostgreSQL
 * `integer`), so a larger one names nothing and is refused as such rather than failing the
 * query (it answered 500 on PostgreSQL and 404 on SQLite).
 */
export const QueryRowNumber = QueryWholeNumber.pipe(z.number().max(2_147_483_647));

/** A number in a query string (a coordinate), written as JSON writes numbers: 30.5234, -0.5, 1e-7. */
export const QueryDecimal = z
  .string()
  .regex(/^-?\d{1,20}(\.\d{1,30})?([eE][-+]?\d{1,3})?$/, 'a number such as 30.5234 or -0.5')
  .transform(Number);

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
    errors: z
      .array(
        z.object({
          path: z.string().optional().describe('JSON Pointer to the offending input'),
          message: z.string(),
          code: z.string().optional().describe('`required` when the value is missing or empty, else the schema issue code (`invalid_type`, `too_big`, …)'),
        }),
      )
      .optional(),
  })
  .catchall(z.unknown())
  .describe('RFC 9457 problem details');
z.globalRegistry.add(Problem, { id: 'Problem' });
