import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';

/** The negotiation ledger's routes (issue 8). */
export function ledgerRoutes(_app: FastifyInstance, _deps: Deps): void {}
