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
    /** The member of another party (the mediator) who issued it, handing it over; null if the member's own party did. */
    handed_over_by: string | null;
  };
  /** Parties' public signing keys (JWK text). Private keys never reach the server. */
  party_keys: {
    kid: string;
    party_id: string;
    jwk: string;
    created_at: string;
    created_by: string;
    revoked_at: string | null;
    /** Why it was revoked (src/domain/key-revocation.ts): 'superseded' or 'compromised'; null while it stands. */
    revocation_reason: string | null;
    /** 'compromised': from when its signatures are suspect (RFC 3339 UTC). */
    compromised_since: string | null;
    /** 'compromised': when the compromise was declared. */
    compromised_at: string | null;
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
    /** The confirmed incident that caused it (migration 0012); null for the mediator's own. */
    incident_id: string | null;
  };
  /** The append-only log: one row per state change, never updated or deleted. */
  log_entries: {
    idx: number;
    time: string;
    actor: string;
    action: string;
    subject: string;
    /** The exact entry bytes (canonical JSON), hashed as the Merkle leaf. */
    entry: string;
  };
  /** Tree nodes keyed by `nodeRowId(level, index)` = level·2^47 + index. */
  log_nodes: { id: number; hash: string };
  log_state: { id: number; size: number; frontier: string };
  /** The openings of restricted entries (salt + what the entry commits to), by log index. */
  log_openings: { idx: number; opening: string };
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
  incidents: {
    id: string;
    kind: string;
    severity: string;
    geometry: string;
    occurred_at: string;
    reported_at: string;
    reported_by: string;
    reporter_party_id: string;
    description: string;
    evidence: string;
    casualties: string | null;
    distribution: string | null;
    corridor_ids: string;
    /** Movements within NEARBY_M of the incident within NEARBY_MS of its time (src/domain/incident.ts; JSON array of ids). */
    movement_ids: string;
    state: string;
    version: number;
    decided_by: string | null;
    decided_at: string | null;
    decision_reason: string | null;
    suspension_ids: string;
    updated_at: string;
  };
  incident_disputes: { id: string; incident_id: string; party_id: string; member_id: string; statement: string; created_at: string };
  webhook_subscriptions: {
    id: string;
    party_id: string;
    party_kind: string;
    member_id: string;
    url: string;
    secret: string;
    types: string;
    corridor_id: string | null;
    description: string;
    cursor: number;
    created_at: string;
    updated_at: string;
    disabled_at: string | null;
  };
  webhook_deliveries: {
    id: string;
    subscription_id: string;
    event_id: number;
    event_type: string;
    state: string;
    attempts: number;
    next_attempt_at: string;
    lease_until: string | null;
    last_status: number | null;
    last_error: string | null;
    last_attempt_at: string | null;
    created_at: string;
    delivered_at: string | null;
  };
  /** Background work's watermarks (the window scheduler), key/value. */
  scheduler_state: { key: string; value: string };
  movements: { id: string; corridor_id: string; operator_party_id: string; state: string; title: string; body: string; warnings: string; created_at: string; created_by: string; updated_at: string; departed_at: string | null; arrived_at: string | null };
  movement_acks: { movement_id: string; party_id: string; member_id: string; at: string };
  tracker_devices: { device_id: string; movement_id: string | null; vehicle: string | null; registered_at: string; last_seen: string | null; last_at: string | null; last_lat: number | null; last_lon: number | null; last_speed: number | null; rule_state: string; released_at?: string | null };
  positions: { device_id: string; at: string; movement_id: string; lat: number; lon: number; speed: number | null; bearing: number | null; altitude: number | null; accuracy: number | null; battery: number | null; attributes: string | null; received_at: string };
  position_rejections: { device_id: string; count: number; first_at: string; last_at: string; last_via: string };
  movement_alerts: { id: string; movement_id: string; device_id: string | null; type: string; key: string; state: string; raised_at: string; cleared_at: string | null; details: string };
  movement_counts: { id: string; movement_id: string; seq: number; stage: string; checkpoint_id: string | null; at: string; counted_by: string; member_id: string; people: string; cargo: string; notes: string };
  movement_receipts: { id: string; movement_id: string; party_id: string; member_id: string; received_by: string; at: string; lines: string; notes: string };
  kysely_meta?: { id: Generated<number> };
}
