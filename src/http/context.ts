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
 * Parses If-Match: "3" into a version number. If-Match compares strongly (RFC 9110 §13.1.1): a
 * weak tag (W/"3") never matches, nor does a tag no version has ("0", "03"), so either is 412.
 */
export function ifMatchVersion(req: FastifyRequest): number | undefined {
  const h = req.headers['if-match'];
  if (h === undefined) return undefined;
  const tag = String(h).trim();
  const m = /^"([1-9]\d{0,8})"$/.exec(tag);
  if (m) return Number(m[1]);
  if (/^W\/"[^"]*"$/.test(tag)) throw new DomainError('precondition_failed', `If-Match compares ETags strongly (RFC 9110): the weak ${tag} never matches; send the ETag without W/`);
  if (/^"[^"]*"$/.test(tag)) throw new DomainError('precondition_failed', `no version has the ETag ${tag}; versions are "1", "2", …`);
  throw new DomainError('validation_failed', 'If-Match must be an ETag such as "3"');
}

/**
 * Runs a versioned change with the version it replaces: If-Match wins over a body's baseVersion.
 * A stale If-Match is 412 precondition_failed (RFC 9110 §13.1.1), a stale baseVersion 409
 * version_conflict (docs/api.md), on every route that takes either.
 */
export async function withVersion<T>(ifMatch: number | undefined, bodyVersion: number | undefined, fn: (v: number | undefined) => Promise<T>): Promise<T> {
  try {
    return await fn(ifMatch ?? bodyVersion);
  } catch (e) {
    if (ifMatch !== undefined && e instanceof DomainError && e.code === 'version_conflict') {
      throw new DomainError('precondition_failed', e.message, { extra: e.extra });
    }
    throw e;
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

