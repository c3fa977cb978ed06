import { authorize, type Actor } from '../domain/authorization.js';
import { DomainError } from '../domain/errors.js';
import type { AgreementInput, AgreementView } from '../schemas/agreement.js';
import type { Tx } from '../store/store.js';
import { nowIso, type Unit } from './deps.js';
import { appendLog } from './log.js';

export async function createAgreement(u: Unit, actor: Actor, input: AgreementInput): Promise<AgreementView> {
  authorize(actor, 'agreement.create');
  const known = new Set((await u.tx.selectFrom('parties').select('id').execute()).map((p) => p.id));
  const unknown = input.parties.findIndex((p) => !known.has(p.partyId));
  if (unknown >= 0) {
    throw new DomainError('unknown_party', `no party with id ${input.parties[unknown]?.partyId}`, { details: [{ path: `/parties/${unknown}/partyId`, message: 'unknown party' }] });
  }
  if (input.nextRound?.date !== undefined && input.nextRound.date < input.date) {
    throw new DomainError('validation_failed', 'the next round cannot be before this one', { details: [{ path: '/nextRound/date', message: 'before the agreement date' }] });
  }
  const view: AgreementView = { ...input, id: u.deps.newId('agr'), createdAt: nowIso(u.deps), createdBy: actor.memberId };
  await u.tx.insertInto('agreements').values({ id: view.id, body: JSON.stringify(input), created_at: view.createdAt, created_by: actor.memberId }).execute();
  await appendLog(u, { actor: actor.memberId, action: 'agreement.created', subject: `agreement/${view.id}`, payload: input });
  return view;
}

export async function listAgreements(tx: Tx): Promise<AgreementView[]> {
  const rows = await tx.selectFrom('agreements').selectAll().orderBy('created_at').execute();
  return rows.map((r) => ({ ...(JSON.parse(r.body) as AgreementInput), id: r.id, createdAt: r.created_at, createdBy: r.created_by }));
}

export async function getAgreement(tx: Tx, id: string): Promise<AgreementView> {
  const r = await tx.selectFrom('agreements').selectAll().where('id', '=', id).executeTakeFirst();
  if (!r) throw new DomainError('not_found', `no agreement with id ${id}`);
  return { ...(JSON.parse(r.body) as AgreementInput), id: r.id, createdAt: r.created_at, createdBy: r.created_by };
}
