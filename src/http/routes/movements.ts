import type { FastifyInstance } from 'fastify';
import type { Deps } from '../../app/deps.js';

/** Movements, positions, checkpoints, reconciliation (issue 5). Registered under /api/v1. */
export function movementRoutes(_app: FastifyInstance, _deps: Deps): void {}
