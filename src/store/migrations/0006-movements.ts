import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** Movements, vehicles, trackers, positions, alerts, checkpoints and receipts (issue 5). */
export const movements = (_engine: Engine) => ({
  async up(_db: Kysely<any>) {},
});
