/**
 * What a dishonest operator with access to the database would do — for the README's tour
 * (`scripts/forge-log.mjs`) and the tamper tests: switch off the append-only protection, rewrite
 * an entry, recompute every tree node and the frontier, and forget the heads already signed, so
 * that the server goes on to sign the forged history. The forgery is self-consistent: only a
 * party holding a checkpoint saved before it (`passage verify --since`, a witness's state) can
 * tell, which is the point of saving one. Never called by the server or the CLI.
 */
import { sql } from 'kysely';
import { nodeRowId, treeHasher } from '../app/log.js';
import { createSigner, privateKeyFromJwk, publicKeyFromJwk, sha256 } from '../crypto/index.js';
import { appendLeaf, createEd25519NoteSigner, EMPTY_FRONTIER, encodeBase64, formatCheckpoint, frontierFromJson, frontierRoot, frontierToJson, signNote, type Frontier } from '../domain/log/index.js';
import type { Store } from '../store/store.js';

const LOG_TABLES = ['log_entries', 'log_nodes', 'log_heads', 'log_openings'];

/** What an attacker with database access does first: switch off the append-only triggers. */
export async function disableLogProtection(store: Store): Promise<void> {
  if (store.engine === 'postgres') {
    for (const t of LOG_TABLES) await sql`ALTER TABLE ${sql.raw(t)} DISABLE TRIGGER USER`.execute(store.db);
  } else {
    for (const t of LOG_TABLES) {
      for (const kind of ['no_update', 'no_delete', 'no_replace']) await sql`DROP TRIGGER IF EXISTS ${sql.raw(`${t}_${kind}`)}`.execute(store.db);
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

/**
 * The forgery the README tells: Ukraine's rejection of the Kharkiv → Belgorod corridor, in the
 * demo's log, is rewritten to read as an acceptance; the tree is recomputed and the signed heads
 * forgotten. Returns the index of the entry rewritten.
 */
export async function forgeDemoRejection(store: Store): Promise<number> {
  const row = await store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'corridor.rejected').orderBy('idx').executeTakeFirst();
  if (!row || !row.entry.includes('"reason":"The route')) throw new Error('this log holds no rejection from the demo to rewrite (load it with passage demo or npm start)');
  await disableLogProtection(store);
  // Rewrite history: Ukraine never rejected the corridor into Russia.
  await store.db.updateTable('log_entries').set({ entry: row.entry.replace('"reason":"The route', '"reason":"Accepted; the route') }).where('idx', '=', row.idx).execute();
  await reforgeTree(store, { forgetHeads: true });
  return Number(row.idx);
}

/**
 * What a forger who also holds the server's key (it is in the database) does when the server
 * refuses to sign a rewritten history: signs the current tree head itself and stores it, as a
 * server that did not check the new root extends the last head it signed would have. Returns the
 * size signed.
 */
export async function signHeadAsServer(store: Store): Promise<number> {
  const rows = await store.db.selectFrom('settings').select(['key', 'value']).where('key', 'in', ['server_key', 'log_origin']).execute();
  const jwk: unknown = JSON.parse(rows.find((r) => r.key === 'server_key')?.value ?? '{}');
  const origin = rows.find((r) => r.key === 'log_origin')?.value ?? '';
  const state = await store.db.selectFrom('log_state').select(['size', 'frontier']).where('id', '=', 1).executeTakeFirstOrThrow();
  const size = Number(state.size);
  const root = frontierRoot(frontierFromJson(JSON.parse(state.frontier)), treeHasher);
  const note = signNote(formatCheckpoint({ origin, size, rootHash: root }), [createEd25519NoteSigner(origin, publicKeyFromJwk(jwk), createSigner(privateKeyFromJwk(jwk)), sha256)]);
  await store.db.insertInto('log_heads').values({ size, root: encodeBase64(root), note, signed_at: new Date().toISOString() }).execute();
  return size;
}
