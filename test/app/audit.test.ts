import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { auditLog, AuditError, type LogSource } from '../../src/app/audit.js';
import { appendLog, databaseLogSource, latestCheckpoint, nodeRowId, serverVerifierKey } from '../../src/app/log.js';
import { inTransaction } from '../../src/app/deps.js';
import { api, ENGINES, json, makeWorld, signBytes, sumyPoltava, type World } from '../helpers.js';
import { disableLogProtection, reforgeTree, signHeadAsServer } from '../../src/demo/forge-log.js';
import type { ParallelScanOptions } from '../../src/store/log-scan.js';

/** A world with some history: a corridor proposed, signed by both, suspended. */
async function historyWorld(engine: 'sqlite' | 'postgres'): Promise<World & { logKey: string; saved: string }> {
  const w = await makeWorld(engine);
  const c = json(await api(w.app, w.ua.liaison.token).post('/corridors', sumyPoltava()));
  const bytes = (await api(w.app, w.ua.viewer.token).get(`/corridors/${c.id}/terms`)).rawPayload;
  for (const p of [w.ua, w.ru]) expect((await api(w.app, p.liaison.token).post(`/corridors/${c.id}/guarantees`, { jws: await signBytes(bytes, p) })).statusCode).toBe(201);
  const saved = (await latestCheckpoint(w.deps)).text; // a party saves this head
  await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/suspend`, { reason: 'shelling' });
  await api(w.app, w.mediator.liaison.token).post(`/corridors/${c.id}/resume`, { reason: 'calm' });
  // A protected site for Ukraine's eyes only: restricted entries, whose openings the store keeps.
  const site = { kind: 'hospital', name: 'Lokhvytsia district hospital', geometry: { type: 'Point', coordinates: [33.265, 50.36], radiusM: 500 }, contact: 'duty desk', distribution: ['ua'] };
  expect((await api(w.app, w.aid.operator.token).post('/sites', site)).statusCode).toBe(201);
  await latestCheckpoint(w.deps); // someone asks for the head: the server signs the whole log
  return Object.assign(w, { logKey: await serverVerifierKey(w.store.db), saved });
}

/** Runs `fn` on a fresh `historyWorld`, closed afterwards whatever happens. */
async function withHistory(engine: 'sqlite' | 'postgres', fn: (w: World & { logKey: string; saved: string }) => Promise<void>): Promise<void> {
  const w = await historyWorld(engine);
  try {
    await fn(w);
  } finally {
    await w.close();
  }
}

async function expectAuditFails(w: World & { logKey: string }, pattern: RegExp, opts: { since?: string; source?: LogSource; index?: number } = {}): Promise<void> {
  let err: unknown;
  try {
    await auditLog(opts.source ?? databaseLogSource(w.deps), { logKey: w.logKey, ...scanMode, ...(opts.since ? { since: opts.since } : {}) });
  } catch (e) {
    err = e;
  }
  expect(err, 'the audit must fail').toBeInstanceOf(AuditError);
  expect((err as Error).message).toMatch(pattern);
  if (opts.index !== undefined) expect((err as AuditError).index).toBe(opts.index);
}

async function expectAuditFailsWith(audit: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await audit.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the audit must fail').toBeInstanceOf(AuditError);
  expect((err as Error).message).toMatch(pattern);
}

async function entryAt(w: World, idx: number): Promise<string> {
  return (await w.store.db.selectFrom('log_entries').select('entry').where('idx', '=', idx).executeTakeFirstOrThrow()).entry;
}
async function setEntry(w: World, idx: number, entry: string): Promise<void> {
  await w.store.db.updateTable('log_entries').set({ entry }).where('idx', '=', idx).execute();
}
const flipChar = (s: string, at: number): string => s.slice(0, at) + (s[at] === 'a' ? 'b' : 'a') + s.slice(at + 1);

/**
 * The auditor reads the log entry by entry (through the API, or PostgreSQL), or — from a SQLite
 * file — by ranges: each read as one blob and hashed in place, in its own thread and, for long
 * logs, in worker threads beside it (src/store/log-scan.ts). Every attack must be caught every
 * way: the range modes are forced here with tiny ranges, so ranges end inside the history, at the
 * saved head and at odd sizes, and one mode leaves every range to the workers.
 */
let scanMode: { scanFrom?: number; scanChunk?: number; scan?: { threads?: number; inMain?: boolean; page?: number } } = {};
// Pages of 2 or 3 entries, so SQLite reads end inside ranges too (and a tampered entry lands
// first, last or inside a page in one mode or another).
const MODES = [
  { name: 'entry by entry', opts: { scanFrom: Number.MAX_SAFE_INTEGER } },
  { name: 'by ranges, in this thread', opts: { scanFrom: 0, scanChunk: 7, scan: { threads: 1, page: 3 } } },
  { name: 'by ranges, this thread and a worker thread', opts: { scanFrom: 0, scanChunk: 4, scan: { threads: 2, page: 3 } } },
  { name: 'by ranges, worker threads only', opts: { scanFrom: 0, scanChunk: 7, scan: { threads: 2, inMain: false, page: 2 } } },
];

for (const { engine, available } of ENGINES) for (const mode of MODES) {
  if (mode.opts.scanFrom === 0 && engine !== 'sqlite') continue; // ranges are scanned from SQLite files only
  describe.skipIf(!available)(`${engine}: passage verify catches every tampering (${mode.name})`, () => {
    beforeEach(() => {
      scanMode = mode.opts;
    });
    it('passes an untouched log, with the saved checkpoint, and counts its guarantees', async () => {
      await withHistory(engine, async (w) => {
        const r = await auditLog(databaseLogSource(w.deps), { logKey: w.logKey, since: w.saved, ...scanMode });
        expect(r.guarantees).toBe(2);
        expect(r.since?.size).toBeGreaterThan(0);
        expect(r.size).toBeGreaterThan(r.since?.size ?? 0);
      });
    });

    it('reads the log the way this mode says (the range modes really scan by ranges)', async () => {
      await withHistory(engine, async (w) => {
        const base = databaseLogSource(w.deps);
        const scanned: [number, number][] = [];
        const cutAt: number[] = [];
        const source: LogSource = {
          ...base,
          ...(base.scan
            ? {
                scan: async function* (ranges: readonly (readonly [number, number])[], opts?: ParallelScanOptions) {
                  scanned.push(...ranges.map(([a, b]) => [a, b] as [number, number]));
                  for await (const r of base.scan!(ranges, opts)) {
                    cutAt.push(...r.cuts.map((c) => c.size));
                    yield r;
                  }
                },
              }
            : {}),
        };
        const r = await auditLog(source, { logKey: w.logKey, since: w.saved, ...scanMode });
        expect(r.guarantees).toBe(2);
        if (scanMode.scanFrom === 0) {
          const savedSize = Number(w.saved.split('\n')[1]);
          expect(scanned[0]?.[0]).toBe(0);
          expect(scanned.at(-1)?.[1]).toBe(r.size);
          // Aligned ranges; the saved head's root is checked where its size falls, inside a range
          // (the compact range at that cut point) or where a range ends.
          expect(scanned.every(([a, b], k) => b > a && a % (scanMode.scanChunk ?? 1) === 0 && (k === 0 || scanned[k - 1]![1] === a))).toBe(true);
          expect(cutAt.includes(savedSize) || scanned.some(([, b]) => b === savedSize)).toBe(true);
          expect(cutAt.includes(savedSize)).toBe(savedSize % (scanMode.scanChunk ?? 1) !== 0);
        } else expect(scanned).toEqual([]);
        // Without options, a SQLite file is always read by ranges.
        scanned.length = 0;
        await auditLog(source, { logKey: w.logKey });
        expect(scanned.length > 0).toBe(engine === 'sqlite');
      });
    });

    if (mode.opts.scanFrom !== 0) {
      it('asks for several pages ahead, each once and in order, and reports a page that fails in its turn', async () => {
        await withHistory(engine, async (w) => {
          const base = databaseLogSource(w.deps);
          const asked: number[] = [];
          let inFlight = 0;
          let most = 0;
          const slow = (failAt?: number): LogSource => ({
            ...base,
            scan: undefined,
            pageSize: 3,
            entries: async (start, end) => {
              asked.push(start);
              most = Math.max(most, ++inFlight);
              await new Promise((r) => setTimeout(r, 5)); // a distant server
              inFlight--;
              if (start === failAt) throw new Error('connection reset');
              return base.entries(start, end);
            },
          });
          const r = await auditLog(slow(), { logKey: w.logKey, ...scanMode });
          expect(asked).toEqual(Array.from({ length: Math.ceil(r.size / 3) }, (_, k) => k * 3));
          expect(most).toBe(4);
          asked.length = 0;
          await expect(auditLog(slow(6), { logKey: w.logKey, ...scanMode })).rejects.toThrow('connection reset');
          expect(asked.slice(0, 4)).toEqual([0, 3, 6, 9]);
        });
      });
    }

    it('checks every head the server signed: history rewritten under an earlier head fails naming its size, though the newest head matches', async () => {
      await withHistory(engine, async (w) => {
        const first = Number(/\n(\d+)\n/.exec(w.saved)?.[1]);
        await disableLogProtection(w.store);
        await setEntry(w, 3, (await entryAt(w, 3)).replace('"actor":"system"', '"actor":"mallory"').replace('"role":"admin"', '"role":"viewer"'));
        // The tree recomputed, the newest head forgotten and signed anew with the server's key;
        // the earlier head stays in the store, as the probe's forger left heads 82–84.
        await reforgeTree(w.store);
        await w.store.db.deleteFrom('log_heads').where('size', '>', first).execute();
        const size = await signHeadAsServer(w.store);
        await expectAuditFails(w, new RegExp(`^the first ${first} entries hash to \\S+, not to the root \\S+ the server signed for size ${first} \\(a head this database holds\\): history under a signed head was rewritten$`));
        // The newest head alone would not tell: it signs the forged tree.
        const newest = (await w.store.db.selectFrom('log_heads').select('note').where('size', '=', size).executeTakeFirstOrThrow()).note;
        await expect(auditLog({ ...databaseLogSource(w.deps), stored: undefined, checkpoint: async () => newest }, { logKey: w.logKey, ...scanMode })).resolves.toMatchObject({ size });
      });
    });

    it('only reads the store: entries after the newest head are checked and counted, not signed', async () => {
      await withHistory(engine, async (w) => {
        const heads = async (): Promise<number[]> => (await w.store.db.selectFrom('log_heads').select('size').orderBy('size').execute()).map((h) => Number(h.size));
        const before = await heads();
        await inTransaction(w.deps, (u) => appendLog(u, { actor: 'system', action: 'test.noted', subject: 'test/1', payload: { n: 1 } }));
        await inTransaction(w.deps, (u) => appendLog(u, { actor: 'system', action: 'test.noted', subject: 'test/2', payload: { n: 2 } }));
        const r = await auditLog(databaseLogSource(w.deps), { logKey: w.logKey, since: w.saved, ...scanMode });
        expect(r).toMatchObject({ size: before.at(-1), heads: before.length, unsigned: 2 });
        expect(await heads()).toEqual(before);
        // The entries after the head are checked like the others.
        await disableLogProtection(w.store);
        const last = (await w.store.db.selectFrom('log_entries').select('idx').orderBy('idx', 'desc').executeTakeFirstOrThrow()).idx;
        await setEntry(w, Number(last) - 1, await entryAt(w, Number(last)));
        await expectAuditFails(w, new RegExp(`entry ${Number(last) - 1}: its bytes say index ${last}`), { index: Number(last) - 1 });
      });
    });

    it('with nodes, names a stored tree node that was changed or deleted, leaf or interior; without, checks the entries against the heads', async () => {
      await withHistory(engine, async (w) => {
        const audit = (nodes: boolean) => auditLog(databaseLogSource(w.deps), { logKey: w.logKey, ...scanMode, nodes });
        const ok = await audit(true);
        const size = Number((await w.store.db.selectFrom('log_state').select('size').executeTakeFirstOrThrow()).size);
        let every = 0;
        for (let width = 1; width <= size; width *= 2) every += Math.floor(size / width);
        expect(ok.nodes).toBe(every);
        await disableLogProtection(w.store);
        const hashOf = async (id: number): Promise<string> => (await w.store.db.selectFrom('log_nodes').select('hash').where('id', '=', id).executeTakeFirstOrThrow()).hash;
        const setNode = (id: number, hash: string) => w.store.db.updateTable('log_nodes').set({ hash }).where('id', '=', id).execute();
        const flipped = (h: string): string => `${h.startsWith('00') ? '11' : '00'}${h.slice(2)}`;
        for (const [level, index, what] of [
          [0, 5, 'the leaf of entry 5'],
          [2, 1, 'the subtree of entries 4–7'],
          [3, 1, 'the subtree of entries 8–15'],
        ] as const) {
          const id = nodeRowId(level, index);
          const kept = await hashOf(id);
          await setNode(id, flipped(kept));
          // The entries still hash to every signed head: only the stored tree is damaged.
          await expect(audit(false)).resolves.toBeDefined();
          await expectAuditFailsWith(audit(true), new RegExp(`^tree node ${level}/${index} \\(level ${level}, index ${index}: ${what}\\) stored in log_nodes is not the one the entries give: the stored tree the server builds its proofs from is damaged`));
          await setNode(id, kept);
        }
        await w.store.db.deleteFrom('log_nodes').where('id', '=', nodeRowId(1, 3)).execute();
        await expectAuditFailsWith(audit(true), /^tree node 1\/3 \(level 1, index 3: the subtree of entries 6–7\) is missing from log_nodes/);
      });
    });

    it('checks every opening the store keeps against its entry, and that every restricted entry has one', async () => {
      await withHistory(engine, async (w) => {
        const ok = await auditLog(databaseLogSource(w.deps), { logKey: w.logKey, ...scanMode });
        expect(ok.openings).toEqual({ checked: 1, hidden: 0 });
        const row = await w.store.db.selectFrom('log_openings').select(['idx', 'opening']).executeTakeFirstOrThrow();
        expect(row.opening).toContain('"action":"site.notified"');
        const idx = Number(row.idx);
        await disableLogProtection(w.store);
        await w.store.db.updateTable('log_openings').set({ opening: row.opening.replace('"action":"site.notified"', '"action":"site.withdrawn"') }).where('idx', '=', idx).execute();
        await expectAuditFails(w, new RegExp(`^entry ${idx}: the opening kept for it hashes to commitment [0-9a-f]{64}, but the entry carries [0-9a-f]{64}: the opening was altered \\(log_openings\\)$`), { index: idx });
        await w.store.db.deleteFrom('log_openings').where('idx', '=', idx).execute();
        await expectAuditFails(w, new RegExp(`^entry ${idx}: it is a restricted entry, but its opening is missing from the store \\(log_openings\\)`), { index: idx });
        // An opening kept for an entry that is no restricted one.
        await w.store.db.insertInto('log_openings').values({ idx: 2, opening: row.opening }).execute();
        await expectAuditFails(w, /^entry 2: the entry is not a restricted entry, yet an opening is kept for it/, { index: 2 });
      });
    });

    it('names an entry with a raw newline or NUL put into its bytes', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        const e = await entryAt(w, 5);
        await setEntry(w, 5, e.replace('"time":"', '"time":"\n'));
        await expectAuditFails(w, /entry 5: its bytes do not hash to the leaf recorded/, { index: 5 });
        if (engine === 'sqlite') {
          // PostgreSQL text cannot hold a NUL at all; SQLite's can.
          await setEntry(w, 5, e.replace('"time":"', '"time":"\u0000'));
          await expectAuditFails(w, /entry 5: its bytes do not hash to the leaf recorded/, { index: 5 });
        }
        await setEntry(w, 5, e);
        await expect(auditLog(databaseLogSource(w.deps), { logKey: w.logKey, ...scanMode })).resolves.toBeDefined();
      });
    });

    it('names an entry with one byte changed', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        const e = await entryAt(w, 7);
        await setEntry(w, 7, e.replace('"time":"2', '"time":"3'));
        await expectAuditFails(w, /entry 7: its bytes do not hash to the leaf recorded/, { index: 7 });
      });
    });

    it('catches a careful forger who rewrites the tree and has the server re-sign, given a saved checkpoint', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        await setEntry(w, 3, (await entryAt(w, 3)).replace('"actor":"system"', '"actor":"mallory"').replace('"role":"admin"', '"role":"viewer"'));
        await reforgeTree(w.store, { forgetHeads: true });
        // Without a saved head nothing can tell: the server key signs whatever it is given.
        await latestCheckpoint(w.deps);
        await expect(auditLog(databaseLogSource(w.deps), { logKey: w.logKey, ...scanMode })).resolves.toBeDefined();
        await expectAuditFails(w, /no longer hash to the head you saved.*rewritten/, { since: w.saved });
      });
    });

    it('names a dropped entry', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        await w.store.db.deleteFrom('log_entries').where('idx', '=', 5).execute();
        await expectAuditFails(w, /entry 5: found entry 6 where entry 5 should be/, { index: 5 });
      });
    });

    it('names an entry dropped where a page ends as it names one inside a page, and a wide gap as missing', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        await w.store.db.deleteFrom('log_entries').where('idx', '=', 5).execute();
        // Pages of 6 (entries 0–5, 6–11, …): the first page comes back one short.
        const paged: LogSource = { ...databaseLogSource(w.deps), scan: undefined, pageSize: 6 };
        await expectAuditFails(w, /entry 5: found entry 6 where entry 5 should be/, { index: 5, source: paged });
        // A gap wider than the page looked at after it is named missing, not "the log ends".
        await w.store.db.deleteFrom('log_entries').where('idx', '>=', 5).where('idx', '<', 15).execute();
        await expectAuditFails(w, /entry 5: (missing: the signed head says \d+ entries but the log has no entry 5|found entry 15 where entry 5 should be)/, { index: 5, source: paged });
      });
    });

    it('names two entries swapped', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        const [a, b] = [await entryAt(w, 10), await entryAt(w, 11)];
        await setEntry(w, 10, b);
        await setEntry(w, 11, a);
        await expectAuditFails(w, /entry 10: its bytes say index 11/, { index: 10 });
      });
    });

    it('catches a truncated log, and a truncation the server re-signed', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        const size = (await latestCheckpoint(w.deps)).size;
        await w.store.db.deleteFrom('log_entries').where('idx', '>=', size - 3).execute();
        await expectAuditFails(w, new RegExp(`entry ${size - 3}: missing: the signed head says ${size} entries`), { index: size - 3 });
        const savedSize = Number(/\n(\d+)\n/.exec(w.saved)?.[1]);
        await w.store.db.deleteFrom('log_entries').where('idx', '>=', savedSize - 2).execute();
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, /truncated or forked/, { since: w.saved });
      });
    });

    it('catches a replaced root and a flipped signature', async () => {
      await withHistory(engine, async (w) => {
        const head = (await latestCheckpoint(w.deps)).text;
        const lines = head.split('\n');
        const replacedRoot = [lines[0], lines[1], Buffer.alloc(32, 7).toString('base64'), ...lines.slice(3)].join('\n');
        // The head as a server would serve it (not the heads the database stores: checked below).
        const source = (text: string): LogSource => ({ ...databaseLogSource(w.deps), stored: undefined, checkpoint: async () => text });
        await expectAuditFails(w, /does not verify with the pinned log key/, { source: source(replacedRoot) });
        const sigLine = lines.findIndex((l) => l.startsWith('—'));
        const flipped = lines.map((l, i) => (i === sigLine ? flipChar(l, l.length - 5) : l)).join('\n');
        await expectAuditFails(w, /does not verify with the pinned log key/, { source: source(flipped) });
        await expectAuditFails(w, /saved checkpoint does not verify/, { since: flipChar(w.saved, w.saved.length - 5) });
        // Garbage around the note is refused too.
        await expectAuditFails(w, /does not verify/, { source: source(`x${head}`) });
      });
    });

    it('catches a flipped bit in a consistency proof', async () => {
      await withHistory(engine, async (w) => {
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
      });
    });

    it('names a guarantee whose JWS was altered, even in a re-signed log', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        const rows = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'guarantee.given').orderBy('idx').execute();
        const g = rows[1]!;
        const jws = (JSON.parse(g.entry) as { payload: { jws: string } }).payload.jws;
        await setEntry(w, Number(g.idx), g.entry.replace(jws, flipChar(jws, jws.length - 4)));
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, new RegExp(`entry ${g.idx}: the guarantee JWS of ru does not verify`), { index: Number(g.idx) });
      });
    });

    it('names a guarantee moved onto other terms', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        const proposed = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'corridor.proposed').executeTakeFirstOrThrow();
        await setEntry(w, Number(proposed.idx), proposed.entry.replace('"widthM":2000', '"widthM":20000'));
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, /signs something other than version 1 of the logged terms/);
      });
    });
  });
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage verify --db reads a damaged store as a failed verification`, () => {
    it('a garbled or missing log_state is named, not a crash', async () => {
      await withHistory(engine, async (w) => {
        await w.store.db.updateTable('log_state').set({ frontier: 'garbage' }).execute();
        await expectAuditFailsWith(auditLog(databaseLogSource(w.deps), { logKey: w.logKey }), /^the log store is damaged: log_state’s frontier is not one \(not JSON\)$/);
        await w.store.db.deleteFrom('log_state').execute();
        await expectAuditFailsWith(auditLog(databaseLogSource(w.deps), { logKey: w.logKey }), /^the log store is damaged: log_state, the log’s size and frontier, is missing$/);
      });
    });

    it('a stored head whose root column is not the root it signs (what the server compares with) is named', async () => {
      await withHistory(engine, async (w) => {
        await disableLogProtection(w.store);
        const head = await w.store.db.selectFrom('log_heads').select(['size', 'root']).orderBy('size', 'desc').executeTakeFirstOrThrow();
        await w.store.db.updateTable('log_heads').set({ root: Buffer.alloc(32).toString('base64') }).where('size', '=', head.size).execute();
        await expectAuditFailsWith(
          auditLog(databaseLogSource(w.deps), { logKey: w.logKey }),
          new RegExp(`^the head of size ${head.size} stored in this database signs root ${head.root.replace(/[+/]/g, '\\$&')}, but its root column says A{43}=: the server would compare its tree with a root it did not sign$`),
        );
      });
    });

    it('a saved head the store no longer holds is named, and a store without any head is audited to its end', async () => {
      await withHistory(engine, async (w) => {
        const savedSize = Number(/\n(\d+)\n/.exec(w.saved)?.[1]);
        await disableLogProtection(w.store);
        await w.store.db.deleteFrom('log_heads').where('size', '=', savedSize).execute();
        await expectAuditFailsWith(auditLog(databaseLogSource(w.deps), { logKey: w.logKey, since: w.saved }), new RegExp(`^this database holds no signed head of size ${savedSize}, the head you saved`));
        await w.store.db.deleteFrom('log_heads').execute();
        const r = await auditLog(databaseLogSource(w.deps), { logKey: w.logKey });
        const size = Number((await w.store.db.selectFrom('log_state').select('size').executeTakeFirstOrThrow()).size);
        expect(r).toMatchObject({ size: 0, heads: 0, unsigned: size, guarantees: 2 });
        expect(r.checkpoint).toBeUndefined();
      });
    });
  });
}

/** A world where both delegations signed a public protocol of a round (the negotiation ledger). */
async function protocolWorld(engine: 'sqlite' | 'postgres'): Promise<World & { logKey: string }> {
  const w = await makeWorld(engine);
  // The round below took place: its protocol is signed after it started.
  w.clock.set('2022-03-08T08:00:00Z');
  const med = api(w.app, w.mediator.liaison.token);
  expect((await med.post('/agenda-items', { id: 'corridors', title: 'Humanitarian corridors', visibility: 'public' })).statusCode).toBe(201);
  const round = json(
    await med.post('/rounds', {
      number: 2,
      startDate: '2022-03-03',
      venue: { name: 'Belovezhskaya Pushcha' },
      delegations: [
        { partyId: 'ua', head: { name: 'Davyd Arakhamia' } },
        { partyId: 'ru', head: { name: 'Vladimir Medinsky' } },
      ],
      agenda: [{ itemId: 'corridors', outcome: 'agreed' }],
      visibility: 'public',
    }),
  );
  const p = json(await med.post(`/rounds/${round.id}/protocols`, { title: 'Protocol of round 2', points: [{ itemId: 'corridors', text: 'Humanitarian corridors with a temporary local ceasefire.' }], visibility: 'public' }));
  const text = (await api(w.app, w.ua.viewer.token).get(`/protocols/${p.id}/text`)).rawPayload;
  for (const party of [w.ua, w.ru]) expect((await api(w.app, party.liaison.token).post(`/protocols/${p.id}/signatures`, { jws: await signBytes(text, party) })).statusCode).toBe(201);
  return Object.assign(w, { logKey: await serverVerifierKey(w.store.db) });
}

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage verify checks the delegations' signatures on public protocols`, () => {
    it('verifies them against the keys registered in the log, and names one altered in a re-signed log', async () => {
      const w = await protocolWorld(engine);
      try {
        const ok = await auditLog(databaseLogSource(w.deps), { logKey: w.logKey });
        expect(ok).toMatchObject({ protocolSignatures: 2, privateProtocolSignatures: 0 });
        await disableLogProtection(w.store);
        const sig = await w.store.db.selectFrom('log_entries').select(['idx', 'entry']).where('action', '=', 'ledger.protocol.signed').orderBy('idx').executeTakeFirstOrThrow();
        const payload = (JSON.parse(sig.entry) as { payload: { jws: string; jwsSha256: string } }).payload;
        // The JWS swapped for one over other bytes, its hash updated too, the tree re-forged and re-signed.
        const forged = await signBytes(new TextEncoder().encode('{"title":"something else"}'), w.ua);
        await setEntry(w, Number(sig.idx), sig.entry.replace(payload.jws, forged).replace(payload.jwsSha256, createHash('sha256').update(forged).digest('hex')));
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, new RegExp(`entry ${sig.idx}: the protocol signature of ua signs something other than version 1`), { index: Number(sig.idx) });
        // The JWS altered but not its hash.
        await setEntry(w, Number(sig.idx), sig.entry.replace(payload.jws, flipChar(payload.jws, payload.jws.length - 4)));
        await reforgeTree(w.store, { forgetHeads: true });
        await expectAuditFails(w, /does not match the hash logged with it/, { index: Number(sig.idx) });
      } finally {
        await w.close();
      }
    });
  });
}
