import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Deps } from '../../app/deps.js';
import { acknowledgeSite, amendSite, getVisibleSite, listVisibleSites, notifySite, toSiteView, withdrawSite } from '../../app/sites.js';
import { SiteAmendBody, SiteInput, SiteView } from '../../schemas/site.js';
import { actorOf, commonErrors, IdParam, ifMatchVersion, withVersion, write } from '../context.js';

/** Protected sites: never public, and never shown to a party outside their distribution. */
export function siteRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;
  r.get('/sites', { schema: { tags: ['sites'], summary: 'Protected sites your party may see', response: { 200: z.array(SiteView), ...commonErrors } } }, async (req) => listVisibleSites(db, actorOf(req)));
  r.get('/sites/:id', { schema: { tags: ['sites'], params: IdParam, response: { 200: SiteView, ...commonErrors } } }, async (req, reply) => {
    const actor = actorOf(req);
    const view = await toSiteView(db, await getVisibleSite(db, actor, req.params.id));
    reply.header('etag', `"${view.version}"`);
    return view;
  });
  r.post('/sites', { schema: { tags: ['sites'], summary: 'Notify a protected site (humanitarian operators)', body: SiteInput, response: { 201: SiteView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => notifySite(u, actor, req.body)),
  );
  r.post('/sites/:id/amend', { schema: { tags: ['sites'], summary: 'Update a site: a new version, to be acknowledged again', params: IdParam, body: SiteAmendBody, response: { 200: SiteView, ...commonErrors } } }, async (req, reply) => {
    const view = await write(deps, req, reply, 200, (u, actor) => withVersion(ifMatchVersion(req), req.body.baseVersion, (baseVersion) => amendSite(u, actor, req.params.id, { ...req.body, baseVersion })));
    reply.header('etag', `"${view.version}"`);
    return view;
  });
  r.post(
    '/sites/:id/acknowledge',
    { schema: { tags: ['sites'], summary: 'Acknowledge the current version (belligerents on the distribution)', params: IdParam, body: z.object({ version: z.number().int().positive().optional() }).strict().default({}), response: { 200: SiteView, ...commonErrors } } },
    (req, reply) => write(deps, req, reply, 200, (u, actor) => acknowledgeSite(u, actor, req.params.id, req.body)),
  );
  r.post('/sites/:id/withdraw', { schema: { tags: ['sites'], params: IdParam, body: z.object({ reason: z.string().min(1).max(2000) }).strict(), response: { 200: SiteView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 200, (u, actor) => withdrawSite(u, actor, req.params.id, req.body)),
  );
}
