import type { Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * Which tokens another party's member issued (the mediator handing a party its first admin's
 * first token): `handed_over_by` names the issuer, null for a token the member's own party made.
 * Such a token does one thing, making its holder a token of its own (src/domain/authorization.ts,
 * `HANDED_OVER_TOKEN_MAY`), and that retires it: the mediator, who saw it, never holds a token
 * that can act as the party. Tokens issued before this migration are left as they were (null):
 * which of them were handed over is in the log (`token.issued` by another party's member).
 *
 * This touches only tokens (0001), so its number may move by renaming the file and its key.
 */
export const handedOverTokens = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema.alterTable('tokens').addColumn('handed_over_by', 'text').execute();
  },
});
