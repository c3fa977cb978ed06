import type { Actor } from '../domain/authorization.js';
import { canonicalJson } from '../domain/corridor-terms.js';
import { DomainError } from '../domain/errors.js';
import { assertSiteChanged, assertSiteInput, canAcknowledgeSite, canManageSite, canNotifySite, canSeeSite, canWithdrawSite, requireSite } from '../domain/sites.js';
import type { SiteInput, SiteView } from '../schemas/site.js';
import type { Tx } from '../store/store.js';
import { nowIso, sha256Hex, type Unit } from './deps.js';
import { appendLog } from './log.js';

export interface LoadedSite {
  readonly id: string;
  readonly operatorPartyId: string;
  readonly state: 'active' | 'withdrawn';
  readonly version: number;
  readonly site: SiteInput;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly acks: { partyId: string; version: number; memberId: string; at: string }[];
}

async function loadSiteRow(tx: Tx, id: string): Promise<LoadedSite | undefined> {
  const row = await tx.selectFrom('sites').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return undefined;
  const v = await tx.selectFrom('site_versions').select('body').where('site_id', '=', id).where('version', '=', row.current_version).executeTakeFirstOrThrow();
  const acks = await tx.selectFrom('site_acks').selectAll().where('site_id', '=', id).orderBy('at').execute();
  return {
    id,
    operatorPartyId: row.operator_party_id,
    state: row.state as 'active' | 'withdrawn',
    version: row.current_version,
    site: JSON.parse(v.body) as SiteInput,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    acks: acks.map((a) => ({ partyId: a.party_id, version: a.version, memberId: a.member_id, at: a.at })),
  };
}

/** Loads a site for the mediator's or a system's own use (no visibility check). */
export async function loadSiteUnchecked(tx: Tx, id: string): Promise<LoadedSite | undefined> {
  return loadSiteRow(tx, id);
}

async function belligerentsOf(tx: Tx, partyIds: readonly string[]): Promise<string[]> {
  if (partyIds.length === 0) return [];
  const rows = await tx.selectFrom('parties').select(['id', 'kind']).where('id', 'in', [...partyIds]).execute();
  return rows.filter((r) => r.kind === 'belligerent').map((r) => r.id);
}

export async function toSiteView(tx: Tx, s: LoadedSite): Promise<SiteView> {
  const belligerents = await belligerentsOf(tx, s.site.distribution);
  const acked = new Set(s.acks.filter((a) => a.version === s.version).map((a) => a.partyId));
  return {
    id: s.id,
    operatorPartyId: s.operatorPartyId,
    state: s.state,
    version: s.version,
    site: s.site,
    acknowledgements: s.acks,
    awaitingAcknowledgement: s.state === 'active' ? belligerents.filter((b) => !acked.has(b)) : [],
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
  };
}

/** A site the actor may see, or `not_found` — the same answer as for a site that does not exist. */
export async function getVisibleSite(tx: Tx, actor: Actor, id: string): Promise<LoadedSite> {
  const s = await loadSiteRow(tx, id);
  if (!s || !canSeeSite(actor, { operatorPartyId: s.operatorPartyId, distribution: s.site.distribution })) throw new DomainError('not_found', `no protected site with id ${id}`);
  return s;
}

async function partyContext(tx: Tx): Promise<{ partyExists: (id: string) => boolean }> {
  const ids = new Set((await tx.selectFrom('parties').select('id').execute()).map((p) => p.id));
  return { partyExists: (id) => ids.has(id) };
}

/**
 * The log records a site without its whereabouts: the hash of its canonical body, its version
 * and distribution. Every party can audit that the record was not changed, and the public log
 * is not a target list.
 */
function logPayload(id: string, version: number, site: SiteInput): Record<string, unknown> {
  return { siteId: id, version, bodySha256: sha256Hex(canonicalJson(site)), distribution: site.distribution };
}

export async function notifySite(u: Unit, actor: Actor, input: SiteInput): Promise<SiteView> {
  requireSite(canNotifySite(actor), 'only humanitarian operators (and the mediator) notify protected sites');
  assertSiteInput(input, await partyContext(u.tx));
  const id = u.deps.newId('site');
  const now = nowIso(u.deps);
  await u.tx.insertInto('sites').values({ id, operator_party_id: actor.partyId, state: 'active', current_version: 1, created_at: now, updated_at: now }).execute();
  await u.tx.insertInto('site_versions').values({ site_id: id, version: 1, body: canonicalJson(input), created_at: now, created_by: actor.memberId }).execute();
  await appendLog(u, { actor: actor.memberId, action: 'site.notified', subject: `site/${id}`, payload: logPayload(id, 1, input), restricted: true });
  return toSiteView(u.tx, (await loadSiteRow(u.tx, id)) as LoadedSite);
}

export async function amendSite(u: Unit, actor: Actor, id: string, body: { baseVersion?: number | undefined; site: SiteInput; reason: string }): Promise<SiteView> {
  const s = await getVisibleSite(u.tx, actor, id);
  requireSite(canManageSite(actor, s), 'only the notifying operator amends a site');
  if (s.state !== 'active') throw new DomainError('transition_not_allowed', 'a withdrawn site cannot be amended');
  if (body.baseVersion !== undefined && body.baseVersion !== s.version) throw new DomainError('version_conflict', `the site is at version ${s.version}, not ${body.baseVersion}`, { extra: { currentVersion: s.version } });
  assertSiteInput(body.site, await partyContext(u.tx));
  assertSiteChanged(s.site, body.site, s.version);
  const version = s.version + 1;
  const now = nowIso(u.deps);
  await u.tx.insertInto('site_versions').values({ site_id: id, version, body: canonicalJson(body.site), created_at: now, created_by: actor.memberId }).execute();
  await u.tx.updateTable('sites').set({ current_version: version, updated_at: now }).where('id', '=', id).execute();
  await appendLog(u, { actor: actor.memberId, action: 'site.amended', subject: `site/${id}`, payload: { ...logPayload(id, version, body.site), reason: body.reason }, restricted: true });
  return toSiteView(u.tx, (await loadSiteRow(u.tx, id)) as LoadedSite);
}

export async function acknowledgeSite(u: Unit, actor: Actor, id: string, body: { version?: number | undefined }): Promise<SiteView> {
  const s = await getVisibleSite(u.tx, actor, id);
  requireSite(canAcknowledgeSite(actor, s.site), 'only a belligerent on the distribution acknowledges, through its negotiators');
  if (s.state !== 'active') throw new DomainError('transition_not_allowed', 'a withdrawn site cannot be acknowledged');
  if (body.version !== undefined && body.version !== s.version) throw new DomainError('version_conflict', `the site is at version ${s.version}; acknowledge what is current`, { extra: { currentVersion: s.version } });
  if (s.acks.some((a) => a.version === s.version && a.partyId === actor.partyId)) throw new DomainError('duplicate', `the party already acknowledged version ${s.version}`);
  const at = nowIso(u.deps);
  await u.tx.insertInto('site_acks').values({ site_id: id, version: s.version, party_id: actor.partyId, member_id: actor.memberId, at }).execute();
  await appendLog(u, { actor: actor.memberId, action: 'site.acknowledged', subject: `site/${id}`, payload: { siteId: id, version: s.version, partyId: actor.partyId }, restricted: true });
  return toSiteView(u.tx, (await loadSiteRow(u.tx, id)) as LoadedSite);
}

export async function withdrawSite(u: Unit, actor: Actor, id: string, body: { reason: string }): Promise<SiteView> {
  const s = await getVisibleSite(u.tx, actor, id);
  requireSite(canWithdrawSite(actor, s), 'only the notifying operator or the mediator (not its viewers) withdraws a site');
  if (s.state !== 'active') throw new DomainError('transition_not_allowed', 'the site is already withdrawn');
  await u.tx.updateTable('sites').set({ state: 'withdrawn', updated_at: nowIso(u.deps) }).where('id', '=', id).execute();
  await appendLog(u, { actor: actor.memberId, action: 'site.withdrawn', subject: `site/${id}`, payload: { siteId: id, version: s.version, reason: body.reason }, restricted: true });
  return toSiteView(u.tx, (await loadSiteRow(u.tx, id)) as LoadedSite);
}

/** The sites an actor may see; nothing else is even counted. */
export async function listVisibleSites(tx: Tx, actor: Actor): Promise<SiteView[]> {
  const ids = await tx.selectFrom('sites').select('id').orderBy('created_at').execute();
  const out: SiteView[] = [];
  for (const { id } of ids) {
    const s = await loadSiteRow(tx, id);
    if (s && canSeeSite(actor, { operatorPartyId: s.operatorPartyId, distribution: s.site.distribution })) out.push(await toSiteView(tx, s));
  }
  return out;
}
