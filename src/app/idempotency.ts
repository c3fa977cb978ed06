import { sql } from 'kysely';
import { DomainError } from '../domain/errors.js';
import { isUniqueViolation } from '../store/store.js';
import { inTransaction, nowIso, type Deps, type Unit } from './deps.js';

export interface Outcome<T> {
  readonly status: number;
  readonly body: T;
  /** True when this is the stored answer to an earlier request with the same key. */
  readonly replayed: boolean;
}

/**
 * Runs a write once per (member, Idempotency-Key). The record is written in the same
 * transaction as the write itself, so a retry after a lost response returns the first
 * answer and writes nothing twice; the same key with a different request is refused.
 */
export interface IdempotencyOptions<T> {
  /**
   * The answer holds a secret shown once (an API token): the record keeps only this message, not
   * the answer, and a retry with the same key is refused with it (409) — a secret stored for
   * replay would be readable by whoever holds the database.
   */
  readonly onceOnly?: (body: T) => string;
}

/** The key under which a record stands for an answer not kept (`onceOnly`). */
const ONCE_ONLY = '$onceOnly';

export async function runIdempotent<T>(
  deps: Deps,
  memberId: string,
  key: string | undefined,
  requestHash: string,
  status: number,
  fn: (u: Unit) => Promise<T>,
  opts: IdempotencyOptions<T> = {},
): Promise<Outcome<T>> {
  if (key === undefined) return { status, body: await inTransaction(deps, fn), replayed: false };
  // Not blank: HTTP drops a header value's surrounding spaces, so "   " arrives as "" over the wire (OpenAPI: pattern \S).
  if (key.trim().length === 0 || key.length > 200) throw new DomainError('validation_failed', 'Idempotency-Key must be 1 to 200 characters, not blank', { details: [{ path: '/headers/idempotency-key', message: key.trim().length === 0 ? 'blank' : `1 to 200 characters, got ${key.length}` }] });
  const attempt = (): Promise<Outcome<T>> =>
    inTransaction(deps, async (u) => {
      // Claim the key first. Under PostgreSQL's READ COMMITTED a concurrent retry found no
      // record, went on with the write, waited on the winner's row locks and was refused by the
      // state the winner left (409) before its own insert could meet the unique index. Holding a
      // transaction-scoped lock on (member, key), the retry waits for the winner's commit and
      // then reads its record. SQLite runs one writer at a time already.
      if (u.deps.store.engine === 'postgres') await sql`SELECT pg_advisory_xact_lock(hashtext(${memberId}), hashtext(${key}))`.execute(u.tx);
      const prior = await u.tx.selectFrom('idempotency').selectAll().where('member_id', '=', memberId).where('key', '=', key).executeTakeFirst();
      if (prior) {
        if (prior.request_hash !== requestHash) {
          throw new DomainError('idempotency_key_reused', 'this Idempotency-Key was used for a different request');
        }
        const stored = JSON.parse(prior.response) as unknown;
        if (stored !== null && typeof stored === 'object' && ONCE_ONLY in stored) throw new DomainError('duplicate', String((stored as Record<string, unknown>)[ONCE_ONLY]));
        return { status: prior.status, body: stored as T, replayed: true };
      }
      const body = await fn(u);
      const response = opts.onceOnly ? { [ONCE_ONLY]: opts.onceOnly(body) } : body;
      await u.tx
        .insertInto('idempotency')
        .values({ member_id: memberId, key, request_hash: requestHash, status, response: JSON.stringify(response), created_at: nowIso(deps) })
        .execute();
      return { status, body, replayed: false };
    });
  try {
    return await attempt();
  } catch (e) {
    // Two identical requests raced: the loser's transaction rolled back; answer from the winner's record.
    if (isUniqueViolation(e)) return attempt();
    throw e;
  }
}
