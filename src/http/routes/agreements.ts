import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createAgreement, getAgreement, listAgreements } from '../../app/agreements.js';
import type { Deps } from '../../app/deps.js';
import { AgreementInput, AgreementView } from '../../schemas/agreement.js';
import { actorOf, commonErrors, IdParam, write } from '../context.js';

export function agreementRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get('/agreements', { schema: { tags: ['agreements'], response: { 200: z.array(AgreementView), ...commonErrors } } }, async (req) => {
    actorOf(req);
    return listAgreements(deps.store.db);
  });
  r.get('/agreements/:id', { schema: { tags: ['agreements'], params: IdParam, response: { 200: AgreementView, ...commonErrors } } }, async (req) => {
    actorOf(req);
    return getAgreement(deps.store.db, req.params.id);
  });
  r.post('/agreements', { schema: { tags: ['agreements'], summary: 'Record an agreement (mediator)', body: AgreementInput, response: { 201: AgreementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => createAgreement(u, actor, req.body)),
  );
}
