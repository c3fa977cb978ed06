import { describe, expect, it } from 'vitest';
import { auditLog, AuditError, type LogSource } from '../../src/app/audit.js';
import { databaseLogSource, latestCheckpoint, serverVerifierKey } from '../../src/app/log.js';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';
import { disableLogProtection, reforgeTree } from '../tamper.js';

/** A world with some history: a corridor proposed, signed by both, suspended. */
async function historyWorld(engine: 'sqlite' | 'postgres'): Promise<World & { logKey: string; saved: string }> {
  const w = await makeWorld(engine);
  const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
  const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
  for (const p of [w.ua, w.ru]) expect((await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) })).statusCode).toBe(201);
  const saved = (await latestCheckpoint(w.deps)).text; // a party saves this head
  await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'shelling' });
  await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/resume`, { reason: 'calm' });
  return Object.assign(w, { logKey: await serverVerifierKey(w.store.db), saved });
}

async function expectAuditFails(w: World & { logKey: string }, pattern: RegExp, opts: { since?: string; source?: LogSource; index?: number } = {}): Promise<void> {
  let err: unknown;
  try {
    await auditLog(opts.source ?? databaseLogSource(w.deps), { logKey: w.logKey, ...(opts.since ? { since: opts.since } : {}) });
  } catch (e) {
    err = e;
  }
  expect(err, 'the audit must fail').toBeInstanceOf(AuditError);
  expect((err as Error).message).toMatch(pattern);
  if (opts.index !== undefined) expect((err as AuditError).index).toBe(opts.index);
}

async function entryAt(w: World, idx: number): Promise<string> {
  return (await w.store.db.selectFrom('log_entries').select('entry').where('idx', '=', idx).executeTakeFirstOrThrow()).entry;
}
async function setEntry(w: World, idx: number, entry: string): Promise<void> {
  await w.store.db.updateTable('log_entries').set({ entry }).where('idx', '=', idx).execute();
}
const flipChar = (s: string, at: number): string => s.slice(0, at) + (s[at] === 'a' ? 'b' : 'a') + s.slice(at + 1);

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage verify catches every tampering`, () => {
    it('passes an untouched log, with the saved checkpoint, and counts its guarantees', async () => {
      const w = await historyWorld(engine);
      try {
        const r = await auditLog(databaseLogSource(w.deps), { logKey: w.logKey, since: w.saved });
        expect(r.guarantees).toBe(2);
        expect(r.since?.size).toBeGreaterThan(0);
        expect(r.size).toBeGreaterThan(r.since?.size ?? 0);
      } finally {
        await w.close();
      }
    });

    it('names an entry with one byte changed', async () => {
      const w = await historyWorld(engine);
      try {
        await disableLogProtection(w.store);
        const e = await entryAt(w, 7);
        await setEntry(w, 7, e.replace('"time":"2', '"time":"3'));
        await expectAuditFails(w, /entry 7: its bytes do not hash to the leaf recorded/, { index: 7 });
      } finally {
        await w.close();
      }
    });

    it('catches a careful forger who rewrites the tree and has the server re-sign, given a saved checkpoint', async () => {
      const w = await historyWorld(engine);
      try {
        await disableLogProtection(w.store);
        await setEntry(w, 3, (await entryAt(w, 3)).replace('"actor":"system"', '"actor":"mallory"').replace('"role":"admin"', '"role":"viewer"'));
        await reforgeTree(w.store, { forgetHeads: true });
        // Without a saved head nothing can tell: the server key signs whatever it is given.
        await expect(auditLog(databaseLogSource(w.deps), { logKey: w.logKey })).resolves.toBeDefined();
        await expectAuditFails(w, /no longer hash to the head you saved.*rewritten/, { since: w.saved });
      } finally {
        await w.close();
      }
    });

    it('names a dropped entry', async () => {
      const w = await historyWorld(engine);
      try {
        await disableLogProtection(w.store);
        await w.store.db.deleteFrom('log_entries').where('idx', '=', 5).execute();
        await expectAuditFails(w, /entry 5: found entry 6 where entry 5 should be/, { index: 5 });
      } finally {
        await w.close();
      }
    });

    it('names two entries swapped', async () => {
      const w = await historyWorld(engine);
      try {
        await disableLogProtection(w.store);
        const [a, b] = [await entryAt(w, 10), await entryAt(w, 11)];
        await setEntry(w, 10, b);
        await setEntry(w, 11, a);
        await expectAuditFails(w, /entry 10: its bytes say index 11/, { index: 10 });
      } finally {
        await w.close();
      }
    });

    it('catches a truncated log, and a truncation the server re-signed', async () => {
      const w = await historyWorld(engine);
      try {
        await disableLogProtection(w.store);
        const size = (await latestCheckpoint(w.deps)).size;
        await w.store.db.deleteFrom('log_entries').where('idx', '>=', size - 3).execute();
        await expectAuditFails(w, new RegExp(`entry ${size - 3}: missing: the signed head says ${size} entries`), { index: size - 3 });
        const savedSize = Number(/\n(\d+)\n/.exec(w.saved)?.[1]);
        await w.store.db.deleteFrom('log_entries').where('idx', '>=', savedSize - 2).execute();
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, /truncated or forked/, { since: w.saved });
      } finally {
        await w.close();
      }
    });

    it('catches a replaced root and a flipped signature', async () => {
      const w = await historyWorld(engine);
      try {
        const head = (await latestCheckpoint(w.deps)).text;
        const lines = head.split('\n');
        const replacedRoot = [lines[0], lines[1], Buffer.alloc(32, 7).toString('base64'), ...lines.slice(3)].join('\n');
        const source = (text: string): LogSource => ({ ...databaseLogSource(w.deps), checkpoint: async () => text });
        await expectAuditFails(w, /does not verify with the pinned log key/, { source: source(replacedRoot) });
        const sigLine = lines.findIndex((l) => l.startsWith('—'));
        const flipped = lines.map((l, i) => (i === sigLine ? flipChar(l, l.length - 5) : l)).join('\n');
        await expectAuditFails(w, /does not verify with the pinned log key/, { source: source(flipped) });
        await expectAuditFails(w, /saved checkpoint does not verify/, { since: flipChar(w.saved, w.saved.length - 5) });
        // Garbage around the note is refused too.
        await expectAuditFails(w, /does not verify/, { source: source(`x${head}`) });
      } finally {
        await w.close();
      }
    });

    it('catches a flipped bit in a consistency proof', async () => {
      const w = await historyWorld(engine);
      try {
        const base = databaseLogSource(w.deps);
        const source: LogSource = {
          ...base,
          consistency: async (from, to) => {
            const proof = await base.consistency(from, to);
            const first = proof[0];
            if (first) first[0] = (first[0] ?? 0) ^ 1;
            return proof;
          },
        };
        await expectAuditFails(w, /consistency proof .* does not verify/, { since: w.saved, source });
      } finally {
        await w.close();
      }
    });

    it('names a guarantee whose JWS was altered, even in a re-signed log', async () => {
      const w = await historyWorld(engine);
      try {
        await disableLogProtection(w.store);
        const rows = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'guarantee.given').orderBy('idx').execute();
        const g = rows[1]!;
        const jws = (JSON.parse(g.entry) as { payload: { jws: string } }).payload.jws;
        await setEntry(w, Number(g.idx), g.entry.replace(jws, flipChar(jws, jws.length - 4)));
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, new RegExp(`entry ${g.idx}: the guarantee JWS of ru does not verify`), { index: Number(g.idx) });
      } finally {
        await w.close();
      }
    });

    it('names a guarantee moved onto other terms', async () => {
      const w = await historyWorld(engine);
      try {
        await disableLogProtection(w.store);
        const proposed = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'corridor.proposed').executeTakeFirstOrThrow();
        await setEntry(w, Number(proposed.idx), proposed.entry.replace('"widthM":2000', '"widthM":20000'));
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, /signs something other than version 1 of the logged terms/);
      } finally {
        await w.close();
      }
    });
  });
}
