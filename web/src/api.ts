/** The Passage API, as the signed-in member: token in sessionStorage, problem details as errors. */
import type { CorridorStatus } from '../../src/domain/corridor-status.js';
import type { CorridorView } from '../../src/schemas/corridor.js';
import type { PartyView } from '../../src/schemas/party.js';

import type { z } from 'zod';
import type { AlertView, MovementView, MovementWarning, ReconciliationView as ReconciliationSchema } from '../../src/schemas/movement.js';
import type { PositionView as LedgerPositionView } from '../../src/schemas/ledger.js';

export type { CorridorStatus, CorridorView, PartyView, AlertView, MovementView, MovementWarning, LedgerPositionView };
export type KeyView = PartyView['keys'][number];
export type ReconciliationView = z.infer<typeof ReconciliationSchema>;

/** GET /ledger/timeline: rounds in order with agreed and open points, and what is still open. */
export interface LedgerTimeline {
  rounds: {
    roundId: string;
    number: number;
    title: string;
    startDate: string;
    endDate: string;
    venue: string;
    agreed: { itemId: string; title: string }[];
    open: { itemId: string; title: string; outcome: string }[];
    protocols: {
      id: string;
      title: string;
      state: 'open' | 'signed';
      agreementId: string | null;
      version: number;
      signatories: string[];
      signedBy: string[];
      keyNotes: { partyId: string; reason: 'superseded' | 'compromised'; compromised: boolean }[];
    }[];
    nextRound: string;
    /** The next round as recorded: shown in the reader's language (`nextRound` is the English line). */
    next: { date?: string; venue?: string; note?: string } | null;
  }[];
  openPoints: { itemId: string; title: string; outcome: string; openSince: string; sinceRound: number; rounds: number[] }[];
}

/** GET /ledger/matrix: agenda items × parties, the latest position and its history. */
export interface LedgerMatrix {
  parties: { id: string; name: string }[];
  rows: { item: { id: string; title: string }; cells: { partyId: string; latest: LedgerPositionView | null; history: LedgerPositionView[] }[] }[];
}

export interface Me {
  member: { id: string; partyId: string; name: string; role: 'admin' | 'liaison' | 'operator' | 'viewer' };
  party: PartyView;
  /** The mediator handed this token over: it can only make its holder a token of its own. */
  handedOverToken?: boolean;
}

/** A protected site as GET /sites returns it (only the fields the map uses). */
export interface SiteView {
  id: string;
  state: string;
  site: { kind: string; name: string; geometry: { type: 'Point'; coordinates: [number, number]; radiusM: number } | { type: 'Polygon'; coordinates: [number, number][][] } };
}

export interface LatestPosition {
  movementId: string;
  deviceId: string;
  vehicle: string | null;
  at: string | null;
  lat: number | null;
  lon: number | null;
  speed: number | null;
}

/** An incident as GET /incidents returns it (the fields the app uses). */
export interface IncidentView {
  id: string;
  kind: string;
  severity: string;
  geometry: { type: 'Point'; coordinates: [number, number] } | { type: 'Polygon'; coordinates: [number, number][][] };
  occurredAt: string;
  reportedAt: string;
  reporterPartyId: string;
  description: string;
  corridorIds: string[];
  state: 'reported' | 'confirmed' | 'dismissed';
  decisionReason: string | null;
  suspensionIds: string[];
  /** 1 as reported; each correction makes a new version. */
  version: number;
  disputes: { id: string; partyId: string; memberId: string; statement: string; createdAt: string }[];
}

export interface AppConfig {
  tileUrl: string | null;
  tileAttribution: string;
  demo: boolean;
}

const TOKEN_KEY = 'passage_token';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
    /** The problem's `errors`: the offending input by JSON path, when the server names it. */
    readonly errors: readonly { path?: string; message: string; code?: string }[] = [],
  ) {
    super(message);
  }
}

/**
 * The server could not be reached at all (down, offline, connection cut): no answer, so no
 * refusal. The browser's own message ("Failed to fetch") is English and says nothing useful;
 * the app says, in the user's language, that the input is kept and to try again.
 */
export class NetworkError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

/** fetch, with a failure to reach the server turned into a NetworkError. */
export async function reach(input: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new NetworkError(e);
  }
}

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}
export function setToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

async function request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, token = getToken()): Promise<Response> {
  const res = await reach(`/api/v1${path}`, {
    method,
    headers: {
      accept: 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(method === 'POST' ? { 'idempotency-key': crypto.randomUUID() } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    let problem: { code?: string; detail?: string; title?: string; errors?: { path?: string; message: string; code?: string }[] } = {};
    try {
      problem = (await res.json()) as typeof problem;
    } catch {
      /* not JSON */
    }
    // The message is the server's detail, once; the itemised errors stay apart (for the field they name).
    throw new ApiError(res.status, problem.code ?? 'error', problem.detail ?? problem.title ?? res.statusText, problem, problem.errors ?? []);
  }
  return res;
}

async function json<T>(method: string, path: string, body?: unknown, headers?: Record<string, string>, token?: string | null): Promise<T> {
  return (await (await request(method, path, body, headers, token)).json()) as T;
}

export const api = {
  me: (token?: string): Promise<Me> => json('GET', '/me', undefined, {}, token ?? getToken()),
  /** Issues member `memberId` a token with `token` (shown once); issuing one's own retires a handed-over token. */
  issueToken: (memberId: string, label: string, token: string): Promise<{ id: string; token: string }> => json('POST', `/members/${encodeURIComponent(memberId)}/tokens`, { label }, {}, token),
  parties: (): Promise<PartyView[]> => json('GET', '/parties'),
  corridors: (): Promise<CorridorView[]> => json('GET', '/corridors'),
  corridor: (id: string): Promise<CorridorView> => json('GET', `/corridors/${encodeURIComponent(id)}`),
  status: (id: string, at?: string): Promise<CorridorStatus> => json('GET', `/corridors/${encodeURIComponent(id)}/status${at ? `?at=${encodeURIComponent(at)}` : ''}`),
  /** The exact RFC 8785 bytes of the current terms, and their version. */
  terms: async (id: string): Promise<{ bytes: Uint8Array; version: number }> => {
    const res = await request('GET', `/corridors/${encodeURIComponent(id)}/terms`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), version: Number(res.headers.get('x-terms-version') ?? '0') };
  },
  propose: (body: unknown): Promise<CorridorView> => json('POST', '/corridors', body),
  amend: (id: string, version: number, body: unknown): Promise<CorridorView> => json('POST', `/corridors/${encodeURIComponent(id)}/amend`, body, { 'if-match': `"${version}"` }),
  action: (id: string, action: 'withdraw' | 'reject' | 'propose' | 'suspend' | 'resume', body: unknown): Promise<CorridorView> => json('POST', `/corridors/${encodeURIComponent(id)}/${action}`, body),
  guarantee: (id: string, jws: string): Promise<CorridorView> => json('POST', `/corridors/${encodeURIComponent(id)}/guarantees`, { jws }),
  /** Registers a public Ed25519 key of the member's party; the private key never comes here. */
  registerKey: (partyId: string, jwk: { kty: 'OKP'; crv: 'Ed25519'; x: string }): Promise<KeyView> => json('POST', `/parties/${encodeURIComponent(partyId)}/keys`, { jwk }),
  /** Revokes a key of the member's party, saying why (docs/api.md, "Keys and guarantees"). */
  revokeKey: (partyId: string, kid: string, body: { reason: 'superseded' | 'compromised'; since?: string }): Promise<KeyView & { voidedCorridorIds: string[] }> =>
    json('POST', `/parties/${encodeURIComponent(partyId)}/keys/${encodeURIComponent(kid)}/revoke`, body),
  /** Protected sites shared with the member's party (need-to-know; null if the API has none). */
  sites: async (): Promise<SiteView[] | null> => {
    try {
      return await json<SiteView[]>('GET', '/sites');
    } catch {
      return null;
    }
  },
  /** The newest fix of every tracker of every movement the party may see (null without the API). */
  positions: async (): Promise<LatestPosition[] | null> => {
    try {
      return await json<LatestPosition[]>('GET', '/positions/latest');
    } catch {
      return null;
    }
  },
  /** Incidents the party may see, as GeoJSON (null without the API). */
  incidents: async (): Promise<GeoJSON.FeatureCollection | null> => {
    try {
      return await json<GeoJSON.FeatureCollection>('GET', '/exports/incidents.geojson');
    } catch {
      return null;
    }
  },
  /** Incidents the party may see (null without the API). */
  incidentList: async (): Promise<IncidentView[] | null> => {
    try {
      return await json<IncidentView[]>('GET', '/incidents');
    } catch {
      return null;
    }
  },
  reportIncident: (body: unknown): Promise<IncidentView> => json('POST', '/incidents', body),
  /** A party's statement disputing the report (its negotiators). */
  disputeIncident: (id: string, statement: string): Promise<IncidentView> => json('POST', `/incidents/${encodeURIComponent(id)}/disputes`, { statement }),
  /** Corrects a report (its reporting party or the mediator): a new version; a stale `version` answers 412. */
  correctIncident: (id: string, version: number, body: { severity?: string; description?: string; reason: string }): Promise<IncidentView> =>
    json('POST', `/incidents/${encodeURIComponent(id)}/corrections`, body, { 'if-match': `"${version}"` }),
  decideIncident: (id: string, decision: 'confirm' | 'dismiss', reason: string): Promise<IncidentView> => json('POST', `/incidents/${encodeURIComponent(id)}/${decision}`, { reason }),
  /** Ceasefire zones, once the endpoint exists (404 until then: null). */
  zones: async (at: string): Promise<GeoJSON.FeatureCollection | null> => {
    try {
      return await json<GeoJSON.FeatureCollection>('GET', `/ceasefire-zones?at=${encodeURIComponent(at)}`);
    } catch {
      return null;
    }
  },
  ledgerTimeline: (): Promise<LedgerTimeline> => json('GET', '/ledger/timeline'),
  /** The exact RFC 8785 bytes of a protocol's current text, and their version: what a delegation signs. */
  protocolText: async (id: string): Promise<{ bytes: Uint8Array; version: number }> => {
    const res = await request('GET', `/protocols/${encodeURIComponent(id)}/text`);
    return { bytes: new Uint8Array(await res.arrayBuffer()), version: Number(res.headers.get('x-protocol-version') ?? '0') };
  },
  signProtocol: (id: string, jws: string): Promise<{ state: 'open' | 'signed' }> => json('POST', `/protocols/${encodeURIComponent(id)}/signatures`, { jws }),
  ledgerMatrix: (): Promise<LedgerMatrix> => json('GET', '/ledger/matrix'),
  /** Movements the party may see (null without the API). */
  movements: async (): Promise<MovementView[] | null> => {
    try {
      return await json<MovementView[]>('GET', '/movements');
    } catch {
      return null;
    }
  },
  movement: (id: string): Promise<MovementView> => json('GET', `/movements/${encodeURIComponent(id)}`),
  movementTrack: (id: string): Promise<GeoJSON.FeatureCollection> => json('GET', `/movements/${encodeURIComponent(id)}/track`, undefined, { accept: 'application/geo+json' }),
  movementAlerts: (id: string): Promise<AlertView[]> => json('GET', `/movements/${encodeURIComponent(id)}/alerts`),
  reconciliation: (id: string): Promise<ReconciliationView> => json('GET', `/movements/${encodeURIComponent(id)}/reconciliation`),
  notifyMovement: (body: unknown): Promise<MovementView> => json('POST', '/movements', body),
  /** acknowledge, depart, checkins, arrive, receipts, abort: the movement's lifecycle and counts. */
  movementAction: (id: string, action: 'acknowledge' | 'depart' | 'checkins' | 'arrive' | 'receipts' | 'abort', body: unknown = {}): Promise<MovementView> => json('POST', `/movements/${encodeURIComponent(id)}/${action}`, body),
  config: async (): Promise<AppConfig> => {
    try {
      const res = await fetch('/app/config.json');
      if (res.ok) return (await res.json()) as AppConfig;
    } catch {
      /* offline */
    }
    return { tileUrl: null, tileAttribution: '', demo: false };
  },
};
