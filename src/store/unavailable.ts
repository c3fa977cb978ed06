/**
 * Which failures of the store are the database being out of reach or unable to take the work
 * right now — a condition that passes, so the client should send the request again later (HTTP
 * 503 with Retry-After) — as against a fault in Passage (500). Read from the driver's error codes
 * only: no I/O.
 *
 * PostgreSQL (node-postgres): a socket that cannot be opened or was cut (ECONNREFUSED, ECONNRESET,
 * …), SQLSTATE class 08 (connection exception), 57P01–57P03 (the server shutting down, crashed or
 * starting), 53300 (too many connections), 53100 (disk full), 40P01/40001 (a deadlock broken or
 * a serialization failure: nothing was written), and pg's own words for a
 * connection lost mid-query or a pool that could not connect in time. SQLite (better-sqlite3):
 * SQLITE_BUSY (another process held the write lock past the busy timeout), SQLITE_LOCKED and
 * SQLITE_FULL (the disk is full).
 */
export interface StoreUnavailable {
  /** What the operator and the client are told. */
  readonly why: string;
  /** Seconds after which sending the request again may succeed. */
  readonly retryAfter: number;
}

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const PG_MESSAGES = [/^Connection terminated/, /timeout exceeded when trying to connect/, /Client has encountered a connection error and is not queryable/, /Client was closed and is not queryable/];

function classify(e: { code?: unknown; message?: unknown }): StoreUnavailable | null {
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (SOCKET_CODES.has(code) || code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || PG_MESSAGES.some((re) => re.test(message))) {
    return { why: 'the database cannot be reached', retryAfter: 5 };
  }
  if (code === '53300') return { why: 'the database has no connection free', retryAfter: 2 };
  // PostgreSQL broke a deadlock, or a serializable transaction could not be ordered, by ending
  // this transaction: nothing of it was written, and the same request sent again goes through.
  if (code === '40P01' || code === '40001') return { why: 'the database ended this request to settle a conflict with another one at the same moment (nothing was written)', retryAfter: 1 };
  if (code === '53100' || code === 'SQLITE_FULL') return { why: 'the database’s disk is full', retryAfter: 30 };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { why: 'the database is busy with another writer', retryAfter: 1 };
  return null;
}

/** Whether `err` (or an error it wraps, as `cause` or in an AggregateError) says the store is unavailable. */
export function storeUnavailable(err: unknown): StoreUnavailable | null {
  const seen = new Set<unknown>();
  const walk = (e: unknown): StoreUnavailable | null => {
    if (typeof e !== 'object' || e === null || seen.has(e)) return null;
    seen.add(e);
    const own = classify(e as { code?: unknown; message?: unknown });
    if (own) return own;
    if (e instanceof AggregateError) {
      for (const inner of e.errors) {
        const found = walk(inner);
        if (found) return found;
      }
    }
    return walk((e as { cause?: unknown }).cause);
  };
  return walk(err);
}

/**
 * A warning written at most once per `ms`: while the database is away, every idle connection and
 * every tracker's report fails alike, and a fleet reporting each second would flood the log.
 */
export function warnAtMostEvery(ms: number, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): (line: string) => void {
  let saidAt = Number.NEGATIVE_INFINITY;
  return (line) => {
    const now = Date.now();
    if (now - saidAt < ms) return;
    saidAt = now;
    write(line);
  };
}
