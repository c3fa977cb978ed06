import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';

/** Incidents, disputes and exports for analysts (issue 6). Registered under /api/v1. */
export function incidentRoutes(_app: FastifyInstance, _deps: Deps): void {}
