/**
 * What the server sends is written by others: a title or a name holding terminal escape
 * sequences must not drive the terminal `passage` prints to. Stored before the API refused
 * control characters (here written straight into the database, as such a record would be), or
 * allowed where text may break lines (a statement's words), every control character is printed
 * as an escape; --json stays JSON that reads back the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/store.js';
import { forTerminal } from '../../src/cli/output.js';
import { ENGINES } from '../helpers.js';
import { run, startDemoServer, type DemoServer } from './spawn.js';

const FORGED = 'Safe\u001b[2K\r\u001b[31mCEASEFIRE HOLDS\u009b0m';
const ESCAPED = 'Safe\\u001b[2K\\u000d\\u001b[31mCEASEFIRE HOLDS\\u009b0m';

describe('forTerminal', () => {
  it('shows every C0, DEL and C1 character as an escape, line breaks too', () => {
    expect(forTerminal(FORGED)).toBe(ESCAPED);
    expect(forTerminal('a\nb\tc\u007fd')).toBe('a\\u000ab\\u0009c\\u007fd');
    expect(forTerminal('Київ — Kyiv, 50°N')).toBe('Київ — Kyiv, 50°N');
  });
  it('keeps a JSON document JSON: its line breaks stay, C1 becomes the escape JSON reads back', () => {
    const doc = JSON.stringify({ title: FORGED, list: [1, 2] }, null, 2);
    const out = forTerminal(doc);
    expect(out.split('\n')).toHaveLength(doc.split('\n').length);
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(JSON.parse(out)).toEqual({ title: FORGED, list: [1, 2] });
    // Not JSON as JSON.stringify writes it: a raw carriage return is escaped like anywhere else.
    expect(forTerminal('{}\r')).toBe('{}\\u000d');
  });
});

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage prints what the server sends without letting it drive the terminal`, () => {
    let ds: DemoServer;
    const cli = (args: string[], key = 'mediator-liaison') => run([...args, '--url', ds.server.url, '--token', ds.token(key)], {}, ds.dir);

    beforeAll(async () => {
      ds = await startDemoServer(engine, 'escapes');
      // Beside the running server, which reads these tables afresh on each request.
      const store = await openStore(ds.db);
      try {
        // Records as they could be stored before the API refused control characters.
        const corridor = await store.db.selectFrom('corridors').select(['id', 'current_version']).orderBy('id').executeTakeFirstOrThrow();
        const v = await store.db.selectFrom('corridor_versions').select('terms').where('corridor_id', '=', corridor.id).where('version', '=', corridor.current_version).executeTakeFirstOrThrow();
        await store.db.updateTable('corridors').set({ title: FORGED }).where('id', '=', corridor.id).execute();
        await store.db
          .updateTable('corridor_versions')
          .set({ terms: JSON.stringify({ ...JSON.parse(v.terms), title: FORGED }) })
          .where('corridor_id', '=', corridor.id)
          .where('version', '=', corridor.current_version)
          .execute();
        const ledger = store.db.withTables<{ ledger_entries: { id: string; kind: string; body: string } }>();
        const item = await ledger.selectFrom('ledger_entries').select(['id', 'body']).where('id', '=', 'territorial-integrity').executeTakeFirstOrThrow();
        await ledger.updateTable('ledger_entries').set({ body: JSON.stringify({ ...JSON.parse(item.body), title: FORGED }) }).where('id', '=', item.id).execute();
        const stm = await ledger.selectFrom('ledger_entries').select(['id', 'body']).where('kind', '=', 'statement').orderBy('id').executeTakeFirstOrThrow();
        const body = JSON.parse(stm.body);
        await ledger.updateTable('ledger_entries').set({ body: JSON.stringify({ ...body, speaker: { ...body.speaker, name: `Kuleba\u001b]0;pwned\u0007` } }) }).where('id', '=', stm.id).execute();
      } finally {
        await store.close();
      }
    }, 90_000);
    afterAll(async () => ds?.stop());

    it('corridors list, ledger matrix and statements print escapes, not the characters', () => {
      const list = cli(['corridors', 'list']);
      expect(list.code, list.err).toBe(0);
      expect(list.out).toContain(ESCAPED);
      const matrix = cli(['ledger', 'matrix', '--item', 'territorial-integrity'], 'observer');
      expect(matrix.code, matrix.err).toBe(0);
      expect(matrix.out).toContain(ESCAPED);
      const statements = cli(['ledger', 'statements'], 'observer');
      expect(statements.out).toContain('Kuleba\\u001b]0;pwned\\u0007');
      for (const out of [list.out, matrix.out, statements.out]) expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    });

    it('keeps --json output JSON, the same characters read back', () => {
      const list = cli(['corridors', 'list', '--json']);
      expect(list.code, list.err).toBe(0);
      expect(list.out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
      expect(JSON.parse(list.out).map((c: { title: string }) => c.title)).toContain(FORGED);
    });
  });
}
