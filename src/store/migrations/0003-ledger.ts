import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/** The negotiation ledger (rounds, agenda, positions, protocols, statements). */
export const ledger = (_engine: Engine) => ({
  async up(_db: Kysely<any>) {},
});
