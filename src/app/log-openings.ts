/**
 * Openings of restricted log entries (src/domain/log/restricted.ts), for the members who may see
 * the record each one is about: with it, they check that the entry in the log — whose inclusion
 * and consistency they check like any other — commits to exactly what they were shown.
 */
import { sha256 } from '../crypto/index.js';
import { isAllowed, type Actor } from '../domain/authorization.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { DomainError, isDomainError } from '../domain/errors.js';
import { openingCommitment, type LogOpening } from '../domain/log/index.js';
import type { Tx } from '../store/store.js';
import { getVisibleIncident } from './incidents.js';
import { getVisibleMovement } from './movements.js';
import { getVisibleSite } from './sites.js';
import { getWebhook } from './webhooks.js';

export interface OpenedEntry {
  readonly index: number;
  /** What the entry carries: SHA-256 of the opening's canonical JSON, hex. */
  readonly commitment: string;
  readonly opening: LogOpening;
}

/**
 * The opening of restricted entry `index`, if the actor may see its record; otherwise the same
 * 404 as for an index that holds no restricted entry, so that asking tells an outsider nothing.
 */
export async function logOpening(db: Tx, actor: Actor, index: number): Promise<OpenedEntry> {
  const hidden = (): DomainError => new DomainError('not_found', `no restricted log entry ${index} that you may see`);
  const row = await db.selectFrom('log_openings').select('opening').where('idx', '=', index).executeTakeFirst();
  if (!row) throw hidden();
  const opening = JSON.parse(row.opening) as LogOpening;
  const [kind, id = ''] = opening.subject.split('/');
  try {
    switch (kind) {
      case 'site':
        await getVisibleSite(db, actor, id);
        break;
      case 'movement':
        await getVisibleMovement(db, actor, id);
        break;
      case 'incident':
        await getVisibleIncident(db, actor, id);
        break;
      case 'ledger': {
        // The version's own visibility, as committed (a later correction may widen or narrow it).
        const visibility = String((opening.payload as { visibility?: unknown } | null)?.visibility);
        if (!isAllowed(actor, 'ledger.read', { visibility })) throw hidden();
        break;
      }
      case 'webhook':
        await getWebhook(db, actor, id);
        break;
      case 'positions':
        if (!isAllowed(actor, 'positions.batch.open')) throw hidden();
        break;
      default:
        throw hidden();
    }
  } catch (e) {
    if (isDomainError(e) && (e.code === 'not_found' || e.code === 'forbidden')) throw hidden();
    throw e;
  }
  return { index, commitment: openingCommitment(opening, canonicalJson, sha256), opening };
}
