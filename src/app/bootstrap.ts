import { generateKeyPairSync } from 'node:crypto';
import { publicKeyFromJwk, sha256 } from '../crypto/index.js';
import { DomainError } from '../domain/errors.js';
import { formatVerifierKey } from '../domain/log/index.js';
import { inTransaction, type Deps } from './deps.js';
import { createMember, createParty, issueToken } from './parties.js';

export interface InitResult {
  readonly created: boolean;
  readonly mediatorPartyId: string;
  readonly adminMemberId?: string;
  /** The first admin token, shown once. */
  readonly adminToken?: string;
  /** The server's log verifier key (C2SP note key: name+keyid+base64), for parties to pin out of band. */
  readonly logKey: string;
  readonly logOrigin: string;
}

export async function getSetting(deps: Deps, key: string): Promise<string | undefined> {
  return (await deps.store.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
}

/**
 * Creates what a new Passage needs: the server's own Ed25519 key (it signs the log's tree
 * heads), the mediator party that runs the server, and its first admin with one token.
 * Running it again on an initialised store changes nothing.
 */
export async function initialise(deps: Deps, opts: { mediatorName?: string; adminName?: string; origin?: string } = {}): Promise<InitResult> {
  return inTransaction(deps, async (u) => {
    const existing = await u.tx.selectFrom('settings').select(['key', 'value']).execute();
    const get = (k: string): string | undefined => existing.find((r) => r.key === k)?.value;
    if (get('server_key') !== undefined) {
      const origin = get('log_origin') ?? '';
      return { created: false, mediatorPartyId: get('mediator_party') ?? '', logKey: formatVerifierKey(origin, publicKeyFromJwk(JSON.parse(get('server_key') ?? '{}')), sha256), logOrigin: origin };
    }
    const { privateKey } = generateKeyPairSync('ed25519');
    const jwk = privateKey.export({ format: 'jwk' });
    if (typeof jwk.x !== 'string') throw new DomainError('key_invalid', 'could not create the server key');
    const origin = opts.origin ?? `passage.local/${u.deps.newId('log').slice(4, 12)}`;
    const mediator = await createParty(u, null, { id: 'mediator', kind: 'mediator', name: opts.mediatorName ?? 'Neutral mediator', shortName: 'Mediator' });
    const admin = await createMember(u, null, mediator.id, { name: opts.adminName ?? 'Mediator administrator', role: 'admin' });
    const token = await issueToken(u, null, admin.id, 'created by passage init');
    await u.tx
      .insertInto('settings')
      .values([
        { key: 'server_key', value: JSON.stringify(jwk) },
        { key: 'mediator_party', value: mediator.id },
        { key: 'log_origin', value: origin },
        { key: 'created_at', value: new Date(u.deps.now()).toISOString() },
      ])
      .execute();
    return { created: true, mediatorPartyId: mediator.id, adminMemberId: admin.id, adminToken: token.token, logKey: formatVerifierKey(origin, publicKeyFromJwk(jwk), sha256), logOrigin: origin };
  });
}
