import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps, Unit } from '../app/deps.js';
import { sha256Hex } from '../app/deps.js';
import { runIdempotent, type IdempotencyOptions } from '../app/idempotency.js';
import type { Actor } from '../domain/authorization.js';
import { DomainError } from '../domain/errors.js';
import { Problem } from '../schemas/common.js';

export type App = FastifyInstance;
export type ZApp = ReturnType<FastifyInstance['withTypeProvider']> & FastifyInstance;

/** The acting member; `handedOver` when its token is one the mediator handed over (authorization.ts). */
export type AuthedActor = Actor & { memberName: string; partyName: string; tokenId: string; handedOver: boolean };

declare module 'fastify' {
  interface FastifyRequest {
    actor: AuthedActor | null;
  }
}

export function actorOf(req: FastifyRequest): AuthedActor {
  if (!req.actor) throw new DomainError('unauthenticated', 'send Authorization: Bearer <API token>');
  return req.actor;
}

/** Problem responses every authenticated route may give, for the OpenAPI document. */
export const commonErrors = {
  400: Problem,
  401: Problem,
  403: Problem,
  404: Problem,
  409: Problem,
  422: Problem,
} as const;

export const IdParam = z.object({ id: z.string().min(1).max(100) });

/** The body as the idempotency record hashes it; a body nested too deep to write back is refused (JSON.parse takes more depth than JSON.stringify). */
function bodyText(body: unknown): string {
  try {
    return JSON.stringify(body ?? null);
  } catch (e) {
    if (e instanceof RangeError) throw new DomainError('validation_failed', 'the JSON body is nested too deeply');
    throw e;
  }
}

/** Runs a write as the authenticated member, once per Idempotency-Key, and replies with its result. */
export async function write<T>(deps: Deps, req: FastifyRequest, reply: FastifyReply, status: number, fn: (u: Unit, actor: AuthedActor) => Promise<T>, opts: IdempotencyOptions<T> = {}): Promise<T> {
  const actor = actorOf(req);
  const keyHeader = req.headers['idempotency-key'];
  const key = Array.isArray(keyHeader) ? keyHeader[0] : keyHeader;
  const requestHash = sha256Hex(`${req.method} ${req.url}\n${typeof req.body === 'string' ? req.body : bodyText(req.body)}`);
  const out = await runIdempotent(deps, actor.memberId, key, requestHash, status, (u) => fn(u, actor), opts);
  reply.code(out.status);
  if (out.replayed) reply.header('idempotent-replayed', 'true');
  return out.body;
}

/**
 * What If-Match asks for (RFC 9110 §13.1.1): a version (`"3"`), any current version (`*`), or any
 * of a list (`"3", "4"`). Strong comparison: a weak tag (`W/"3"`) or one no version has (`"03"`)
 * never matches, so a header of only such tags is 412 wherever it is read.
 */
export type IfMatch = number | { readonly any: true } | { readonly versions: readonly number[] };

export function ifMatchVersion(req: FastifyRequest): IfMatch | undefined {
  const h = req.headers['if-match'];
  if (h === undefined) return undefined;
  const header = String(h).trim();
  if (header === '*') return { any: true };
  const tags = header.split(',').map((t) => t.trim());
  const versions: number[] = [];
  for (const tag of tags) {
    const m = /^"([1-9]\d{0,8})"$/.exec(tag);
    if (m) versions.push(Number(m[1]));
    else if (!/^(W\/)?"[^"]*"$/.test(tag)) throw new DomainError('validation_failed', 'If-Match must be *, an ETag such as "3", or a list of them ("3", "4")');
  }
  if (versions.length === 1 && tags.length === 1) return versions[0] as number;
  if (versions.length === 0) {
    const tag = tags[0] ?? '';
    if (tags.length === 1 && tag.startsWith('W/')) throw new DomainError('precondition_failed', `If-Match compares ETags strongly (RFC 9110): the weak ${tag} never matches; send the ETag without W/`);
    throw new DomainError('precondition_failed', `no version has the ETag ${tags.join(', ')}; versions are "1", "2", … (compared strongly: W/ tags never match)`);
  }
  return { versions };
}

/**
 * Runs a versioned change with the version it replaces: If-Match wins over a body's baseVersion.
 * A stale If-Match is 412 precondition_failed (RFC 9110 §13.1.1), a stale baseVersion 409
 * version_conflict (docs/api.md), on every route that takes either. `*` matches whatever version
 * is current, a list any of its versions: the change is tried with the first, and once more with
 * the current version the conflict names when that one matches (the first try wrote nothing: a
 * version is checked before anything is written).
 */
export async function withVersion<T>(ifMatch: IfMatch | undefined, bodyVersion: number | undefined, fn: (v: number | undefined) => Promise<T>): Promise<T> {
  const asPrecondition = (e: unknown): unknown => (e instanceof DomainError && e.code === 'version_conflict' ? new DomainError('precondition_failed', e.message, { extra: e.extra }) : e);
  if (ifMatch === undefined || typeof ifMatch === 'number') {
    try {
      return await fn(ifMatch ?? bodyVersion);
    } catch (e) {
      throw ifMatch !== undefined ? asPrecondition(e) : e;
    }
  }
  const matches = (v: number): boolean => 'any' in ifMatch || ifMatch.versions.includes(v);
  const first = 'any' in ifMatch ? 1 : (ifMatch.versions[0] as number);
  let current: unknown;
  try {
    return await fn(first);
  } catch (e) {
    current = e instanceof DomainError && e.code === 'version_conflict' ? (e.extra as { currentVersion?: unknown } | undefined)?.currentVersion : undefined;
    if (typeof current !== 'number' || current === first || !matches(current)) throw asPrecondition(e);
  }
  try {
    return await fn(current);
  } catch (e) {
    throw asPrecondition(e);
  }
}

export type { ZodTypeProvider };

/**
 * Whether the request's If-None-Match names `etag` (RFC 9110 §13.1.2: weak comparison, a list or
 * `*`): the client holds this representation already, and a 304 answers it.
 */
export function notModified(req: FastifyRequest, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
  const want = opaque(etag);
  return header.trim() === '*' || header.split(',').some((t) => opaque(t) === want);
}

