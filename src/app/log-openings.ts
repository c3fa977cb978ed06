/**
 * Openings of restricted log entries (src/domain/log/restricted.ts), for the members who may see
 * the record each one is about: with it, they check that the entry in the log — whose inclusion
 * and consistency they check like any other — commits to exactly what they were shown.
 */
import { sha256 } from '../crypto/index.js';
import { isAllowed, type Actor } from '../domain/authorization.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { DomainError, isDomainError } from '../domain/errors.js';
import { commitmentOfEntry, isLogOpening, openingCommitment, openingProblem, type LogOpening } from '../domain/log/index.js';
import type { Tx } from '../store/store.js';
import { getVisibleIncident } from './incidents.js';
import { ledgerDb } from './ledger.js';
import { logDamaged } from './log.js';
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
 * To one who may see it, the opening is handed out only once checked against the commitment its
 * entry carries: one that no longer matches, or is missing, is a damaged store (503
 * `log_damaged`), never a silent 404 or an altered answer.
 */
export async function logOpening(db: Tx, actor: Actor, index: number): Promise<OpenedEntry> {
  const hidden = (): DomainError => new DomainError('not_found', `no restricted log entry ${index} that you may see`);
  const [row, entry] = await Promise.all([
    db.selectFrom('log_openings').select('opening').where('idx', '=', index).executeTakeFirst(),
    db.selectFrom('log_entries').select(['entry', 'subject']).where('idx', '=', index).executeTakeFirst(),
  ]);
  const restricted = entry !== undefined && commitmentOfEntry(entry.entry) !== undefined;
  if (!row && !restricted) throw hidden();
  let opening: unknown;
  if (row) {
    try {
      opening = JSON.parse(row.opening);
    } catch {
      opening = undefined;
    }
  }
  // Whose record it is: the opening's subject and, for a ledger version, its visibility as
  // committed; without a readable opening, the entry's own index of it (its head columns).
  const readable = isLogOpening(opening) ? opening : undefined;
  await mayOpen(db, actor, readable?.subject ?? entry?.subject ?? '', readable ? ledgerVisibility(readable) : undefined, hidden);
  if (!entry) throw logDamaged(`an opening is kept for log entry ${index}, which the log does not hold`);
  if (!row) throw logDamaged(`the opening of restricted entry ${index} is missing from log_openings`);
  const problem = openingProblem(entry.entry, opening, canonicalJson, sha256);
  if (problem !== undefined) throw logDamaged(`entry ${index}: ${problem}`);
  const checked = opening as LogOpening;
  return { index, commitment: openingCommitment(checked, canonicalJson, sha256), opening: checked };
}

/** A ledger version's visibility as its opening committed it (a later correction may widen or narrow it). */
function ledgerVisibility(opening: LogOpening): string {
  return String((opening.payload as { visibility?: unknown } | null)?.visibility);
}

/**
 * Throws `hidden()` unless the actor may see the record `subject` names. `visibility` is a ledger
 * version's, as committed; without it (no readable opening), the ledger entry's current one.
 */
async function mayOpen(db: Tx, actor: Actor, subject: string, visibility: string | undefined, hidden: () => DomainError): Promise<void> {
  const [kind, id = ''] = subject.split('/');
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
        const v = visibility ?? (await ledgerDb(db).selectFrom('ledger_entries').select('visibility').where('id', '=', id).executeTakeFirst())?.visibility;
        if (v === undefined || !isAllowed(actor, 'ledger.read', { visibility: v })) throw hidden();
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
}
