import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import canonicalize from 'canonicalize';
import { openScanDatabase, scanSqliteRange } from '../../src/store/log-scan.js';
import { RangeBuilder } from '../../src/domain/log/merkle.js';
import { createNodeTreeHasher } from '../../src/crypto/sha256.js';

// Pages of 2,048 entries are hashed four interior nodes at a time (src/crypto/sha256-x4.ts) and
// pushed as whole subtrees; with `nodes` (every node told) the scan goes leaf by leaf. Both must
// give the compact range of hashing every leaf in turn, at the range's end and at every cut.
const N = 6_000;
let dir: string;
let file: string;
const texts: string[] = [];

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'passage-scan-'));
  file = path.join(dir, 'log.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE log_entries (idx INTEGER PRIMARY KEY, entry TEXT NOT NULL)');
  db.exec('CREATE TABLE log_nodes (id INTEGER PRIMARY KEY, hash TEXT NOT NULL)');
  const ins = db.prepare('INSERT INTO log_entries (idx, entry) VALUES (?, ?)');
  for (let i = 0; i < N; i++) {
    // Lengths vary, so entries straddle every alignment inside the page's blob.
    const text = canonicalize({ action: 'movement.checkin', actor: 'mem_a', index: i, payload: { note: 'x'.repeat(i % 97), n: i }, subject: `movement/mov_${i % 13}`, time: '2022-03-08T10:00:00.000Z' }) as string;
    texts.push(text);
    ins.run(i, text);
  }
  db.close();
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The compact range of [start, end) and at each cut, leaf by leaf. */
function expected(start: number, end: number, cuts: number[]): { nodes: string[]; cuts: string[][] } {
  const b = new RangeBuilder(createNodeTreeHasher(), start);
  const atCuts: string[][] = [];
  for (let i = start; i < end; i++) {
    if (cuts.includes(i)) atCuts.push(b.nodes().map((n) => `${n.level}/${n.start}/${Buffer.from(n.hash).toString('hex')}`));
    const m = Buffer.concat([Buffer.of(0), Buffer.from(texts[i]!)]);
    b.pushLeafMessage(m);
  }
  return { nodes: b.nodes().map((n) => `${n.level}/${n.start}/${Buffer.from(n.hash).toString('hex')}`), cuts: atCuts };
}

const show = (nodes: readonly { level: number; hash: Uint8Array }[], start: number): string[] => {
  let at = start;
  return nodes.map((n) => {
    const s = `${n.level}/${at}/${Buffer.from(n.hash).toString('hex')}`;
    at += 2 ** n.level;
    return s;
  });
};

describe('scanning a page of entries (verify --db)', () => {
  const cases: { name: string; start: number; end: number; cuts: number[]; page?: number }[] = [
    { name: 'aligned pages, one subtree each', start: 0, end: 4096, cuts: [] },
    { name: 'aligned range with cut points inside pages', start: 0, end: 6000, cuts: [1, 1000, 2048, 2049, 4095, 5999] },
    { name: 'a range starting off any alignment, a short last page', start: 37, end: 5003, cuts: [38, 2085, 4133] },
    { name: 'pages of odd length', start: 5, end: 3000, cuts: [700], page: 333 },
  ];
  for (const c of cases) {
    it(`gives the leaf-by-leaf compact range: ${c.name}`, () => {
      const db = openScanDatabase(file);
      try {
        const want = expected(c.start, c.end, c.cuts);
        const scan = scanSqliteRange(db, c.start, c.end, { cuts: c.cuts, ...(c.page ? { page: c.page } : {}) });
        expect(scan.error).toBeUndefined();
        expect(show(scan.nodes, c.start)).toEqual(want.nodes);
        expect(scan.cuts.map((x) => x.size)).toEqual(c.cuts.filter((x) => x > c.start && x < c.end));
        expect(scan.cuts.map((x) => show(x.nodes, c.start))).toEqual(want.cuts.slice(c.cuts.filter((x) => x <= c.start).length));
        // Told of every node (the --nodes audit): leaf by leaf, the same range.
        const told = scanSqliteRange(db, c.start, c.end, { cuts: c.cuts, nodes: true, ...(c.page ? { page: c.page } : {}) });
        expect(show(told.nodes, c.start)).toEqual(want.nodes);
      } finally {
        db.close();
      }
    });
  }

  it('names an entry changed in the middle of a full page', () => {
    const db = new Database(file);
    db.prepare('UPDATE log_entries SET entry = ? WHERE idx = 3000').run(texts[3000]!.replace('"index":3000', '"index":3001'));
    db.close();
    const scanDb = openScanDatabase(file);
    try {
      const scan = scanSqliteRange(scanDb, 2048, 4096);
      expect(scan.error?.index).toBe(3000);
    } finally {
      scanDb.close();
      const fix = new Database(file);
      fix.prepare('UPDATE log_entries SET entry = ? WHERE idx = 3000').run(texts[3000]!);
      fix.close();
    }
  });
});
