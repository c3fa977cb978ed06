import { sql, type Kysely } from 'kysely';
import type { Engine } from '../schema.js';

/**
 * Why a key was revoked (src/domain/key-revocation.ts): `superseded` (routine rotation: what it
 * signed still binds) or `compromised` (lost or stolen: what it signed from `compromised_since`
 * on is void), and when the compromise was declared (`compromised_at`: the revocation itself, or
 * later when a key retired as superseded is found compromised afterwards).
 *
 * Keys revoked before reasons existed are read as retired (`superseded`): revoking one then
 * voided nothing — every guarantee it had made went on binding — so this keeps them as they were
 * and as the log recorded them (the auditor reads a `key.revoked` entry without a reason the same
 * way). A party that revoked one because it was compromised declares so now (a retired key may
 * later be declared compromised, with `since`).
 *
 * This touches only party_keys (0001) and none of the tables other migrations change, so its
 * number may move (e.g. after another branch's 0012 lands) by renaming this file and its key in
 * index.ts, and nothing else.
 */
export const keyRevocationReasons = (_engine: Engine) => ({
  async up(db: Kysely<any>) {
    await db.schema
      .alterTable('party_keys')
      .addColumn('revocation_reason', 'text', (c) => c.check(sql`revocation_reason IN ('superseded', 'compromised')`))
      .execute();
    await db.schema.alterTable('party_keys').addColumn('compromised_since', 'text').execute();
    await db.schema.alterTable('party_keys').addColumn('compromised_at', 'text').execute();
    await sql`UPDATE party_keys SET revocation_reason = 'superseded' WHERE revoked_at IS NOT NULL`.execute(db);
  },
});
