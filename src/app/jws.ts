import { base64url, decodeProtectedHeader, flattenedVerify, importJWK, type JWK } from 'jose';
import { weakJwk } from '../crypto/index.js';
import { DomainError } from '../domain/errors.js';
import type { GuaranteeEvidence } from '../domain/guarantee-rules.js';
import type { Tx } from '../store/store.js';

/** What a compact JWS and the key store say, before any rule is applied. */
/**
 * Shared by corridor guarantees and protocol signatures: the adapter half of a signature check.
 * The rules themselves are `assertGuarantee` in src/domain/guarantee-rules.ts.
 */
export async function jwsEvidence(tx: Tx, jws: string, opts: { lockKey?: boolean } = {}): Promise<GuaranteeEvidence> {
  const parts = jws.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || parts[1] === '') {
    throw new DomainError('jws_malformed', 'a signature is a JWS in compact serialization with the payload embedded: header.payload.signature');
  }
  const [h = '', p = '', s = ''] = parts;
  let header: Record<string, unknown>;
  let payload: Uint8Array;
  try {
    header = decodeProtectedHeader(jws) as Record<string, unknown>;
    payload = base64url.decode(p);
  } catch (e) {
    throw new DomainError('jws_malformed', `cannot decode the JWS: ${(e as Error).message}`);
  }
  const unsupported = header.b64 === false ? 'b64: false (detached/unencoded payloads are not accepted)' : header.crit !== undefined ? `crit ${JSON.stringify(header.crit)}` : undefined;
  // `lockKey` (PostgreSQL): hold the key's row until commit, so a revocation running at the same
  // time either comes first (and this signature is refused) or waits and then sees what it voids.
  const keyQuery = typeof header.kid === 'string' ? tx.selectFrom('party_keys').selectAll().where('kid', '=', header.kid) : undefined;
  const keyRow = keyQuery ? await (opts.lockKey ? keyQuery.forShare() : keyQuery).executeTakeFirst() : undefined;
  let signatureValid = false;
  // A key of small order (registered before such keys were refused) verifies forgeries: nothing it signed counts.
  const jwk = keyRow ? (JSON.parse(keyRow.jwk) as JWK) : undefined;
  if (jwk && header.alg === 'EdDSA' && unsupported === undefined && !weakJwk(jwk)) {
    try {
      await flattenedVerify({ protected: h, payload: p, signature: s }, await importJWK(jwk, 'EdDSA'), { algorithms: ['EdDSA'] });
      signatureValid = true;
    } catch {
      signatureValid = false;
    }
  }
  return { alg: header.alg, kid: header.kid, unsupportedHeader: unsupported, key: keyRow ? { partyId: keyRow.party_id, revoked: keyRow.revoked_at !== null } : undefined, signatureValid, payload };
}

