import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** Incidents, disputes, webhooks and their deliveries, scheduler state (issue 6). */
export const incidents = (_engine: Engine) => ({
  async up(_db: Kysely<any>) {},
});
