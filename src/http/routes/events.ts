import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';

/** Server-Sent Events and webhook subscriptions (issue 6). Registered under /api/v1. */
export function eventRoutes(_app: FastifyInstance, _deps: Deps): void {}
