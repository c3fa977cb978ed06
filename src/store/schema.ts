/** The two database engines Passage runs on. */
export type Engine = 'sqlite' | 'postgres';

import type { Generated } from 'kysely';

/**
 * The database as Kysely sees it. The same tables on SQLite and PostgreSQL: times are
 * RFC 3339 UTC text (sortable as text), JSON is canonical JSON text, ids are text.
 */
export interface DB {
  /** Key/value settings: the server's signing key, the log origin, the schema's creation time. */
  settings: { key: string; value: string };
  parties: {
    id: string;
    kind: string;
    name: string;
    short_name: string;
    created_at: string;
  };
  members: {
    id: string;
    party_id: string;
    name: string;
    role: string;
    created_at: string;
    disabled_at: string | null;
  };
  /** API tokens, stored only as SHA-256 hashes (hex) of the token text. */
  tokens: {
    id: string;
    member_id: string;
    hash: string;
    label: string;
    created_at: string;
    revoked_at: string | null;
  };
  /** Parties' public signing keys (JWK text). Private keys never reach the server. */
  party_keys: {
    kid: string;
    party_id: string;
    jwk: string;
    created_at: string;
    created_by: string;
    revoked_at: string | null;
  };
  agreements: {
    id: string;
    body: string;
    created_at: string;
    created_by: string;
  };
  corridors: {
    id: string;
    state: string;
    current_version: number;
    proposer_party_id: string;
    title: string;
    created_at: string;
    updated_at: string;
  };
  /** One row per version of a corridor's terms: the canonical JSON that guarantors sign. */
  corridor_versions: {
    corridor_id: string;
    version: number;
    terms: string;
    created_at: string;
    created_by: string;
  };
  guarantees: {
    id: string;
    corridor_id: string;
    version: number;
    party_id: string;
    member_id: string;
    kid: string;
    jws: string;
    created_at: string;
  };
  suspensions: {
    id: string;
    corridor_id: string;
    since: string;
    until: string | null;
    reason: string;
    suspended_by: string;
    resumed_by: string | null;
    resume_reason: string | null;
  };
  /** The append-only log: one row per state change, never updated or deleted. */
  log_entries: {
    idx: number;
    time: string;
    actor: string;
    action: string;
    subject: string;
    payload: string;
    /** The exact entry bytes (canonical JSON), hashed as the Merkle leaf. */
    entry: string;
  };
  /** Tree nodes keyed by `nodeRowId(level, index)` = level·2^47 + index. */
  log_nodes: { id: number; hash: string };
  log_state: { id: number; size: number; frontier: string };
  log_heads: { size: number; root: string; note: string; signed_at: string };
  log_cosignatures: { size: number; party_id: string; kid: string; line: string; member_id: string; created_at: string };
  /** Idempotency-Key records: a retried POST returns the first response. */
  idempotency: {
    member_id: string;
    key: string;
    request_hash: string;
    status: number;
    response: string;
    created_at: string;
  };
  sites: { id: string; operator_party_id: string; state: string; current_version: number; created_at: string; updated_at: string };
  site_versions: { site_id: string; version: number; body: string; created_at: string; created_by: string };
  site_acks: { site_id: string; version: number; party_id: string; member_id: string; at: string };
  events: { id: Generated<number>; type: string; time: string; subject: string; corridor_id: string | null; audience: string | null; payload: string };
  kysely_meta?: { id: Generated<number> };
}
