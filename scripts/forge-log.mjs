#!/usr/bin/env node
// The README tour's dishonest mediator: with the server stopped, rewrites the demo's record of
// Ukraine rejecting the Kharkiv → Belgorod corridor, recomputes the Merkle tree and forgets the
// signed heads, so that the server, once started again, signs the forged history. Only a party
// that saved a checkpoint before (`passage verify --save`) can tell. See src/demo/forge-log.ts.
//
//   node scripts/forge-log.mjs [database]      (default ./data/passage.db; after npm run build)
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const here = path.dirname(new URL(import.meta.url).pathname);
const dist = (p) => pathToFileURL(path.join(here, '..', 'dist', p)).href;
const target = process.argv[2] ?? 'data/passage.db';
if (!/^postgres(ql)?:\/\//.test(target) && !existsSync(target)) {
  process.stderr.write(`forge-log: no database at ${target}\n`);
  process.exit(2);
}
const { openStore } = await import(dist('store/store.js'));
const { forgeDemoRejection } = await import(dist('demo/forge-log.js'));
const store = await openStore(target);
try {
  const index = await forgeDemoRejection(store);
  process.stdout.write(`Rewrote log entry ${index} (Ukraine's rejection now reads as an acceptance), recomputed the tree and forgot the signed heads.\nStart the server again: it will sign the forged history.\n`);
} catch (e) {
  process.stderr.write(`forge-log: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
} finally {
  await store.close();
}
