import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';

/** The operations app and the public page (issue 7); filled in by the web work. */
export async function webRoutes(_app: FastifyInstance, _deps: Deps): Promise<void> {}
