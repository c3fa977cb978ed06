import { sql } from 'kysely';
import { nodeRowId, treeHasher } from '../src/app/log.js';
import { appendLeaf, EMPTY_FRONTIER, frontierToJson, type Frontier } from '../src/domain/log/index.js';
import type { Store } from '../src/store/store.js';

/** What an attacker with database access does first: switch off the append-only triggers. */
export async function disableLogProtection(store: Store): Promise<void> {
  if (store.engine === 'postgres') {
    for (const t of ['log_entries', 'log_nodes', 'log_heads']) await sql`ALTER TABLE ${sql.raw(t)} DISABLE TRIGGER USER`.execute(store.db);
  } else {
    for (const t of ['log_entries_no_update', 'log_entries_no_delete', 'log_nodes_no_update', 'log_nodes_no_delete', 'log_heads_no_update', 'log_heads_no_delete']) {
      await sql`DROP TRIGGER IF EXISTS ${sql.raw(t)}`.execute(store.db);
    }
  }
}

/**
 * A careful forger: after editing entries, recompute every tree node and the frontier from the
 * entries as they now are, and forget the heads already signed, so the server signs the forgery.
 */
export async function reforgeTree(store: Store, opts: { forgetHeads?: boolean } = {}): Promise<void> {
  const rows = await store.db.selectFrom('log_entries').select(['idx', 'entry']).orderBy('idx').execute();
  let frontier: Frontier = EMPTY_FRONTIER;
  const nodes: { id: number; hash: string }[] = [];
  for (const r of rows) {
    const res = appendLeaf(frontier, treeHasher.hashLeaf(new TextEncoder().encode(r.entry)), treeHasher);
    frontier = res.frontier;
    for (const n of res.completed) nodes.push({ id: nodeRowId(n.level, n.index), hash: Buffer.from(n.hash).toString('hex') });
  }
  await store.db.deleteFrom('log_nodes').execute();
  for (let i = 0; i < nodes.length; i += 500) await store.db.insertInto('log_nodes').values(nodes.slice(i, i + 500)).execute();
  await store.db.updateTable('log_state').set({ size: frontier.size, frontier: JSON.stringify(frontierToJson(frontier)) }).where('id', '=', 1).execute();
  if (opts.forgetHeads) {
    await store.db.deleteFrom('log_cosignatures').execute();
    await store.db.deleteFrom('log_heads').execute();
  }
}
