import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers.js';
import { run, startDemoServer, type DemoServer } from './spawn.js';

for (const { engine, available } of ENGINES) {
  describe.skipIf(!available)(`${engine}: passage ledger … through the built CLI and a real server`, () => {
    let ds: DemoServer;
    const token = (key: string): string => ds.token(key);
    const ledger = (args: string[], key = 'observer') => run(['ledger', ...args, '--url', ds.server.url, '--token', token(key)], {}, ds.dir);

    beforeAll(async () => {
      ds = await startDemoServer(engine, 'ledger');
    }, 60_000);
    afterAll(async () => ds?.stop());

    it('has --help for every ledger command', () => {
      for (const c of ['rounds', 'open', 'matrix', 'statements', 'sign', 'export', 'print']) {
        const r = run(['ledger', c, '--help']);
        expect(r.code, c).toBe(0);
        expect(r.out).toMatch(/Usage: passage ledger/);
      }
    });

    it('lists the rounds, the open points and the matrix of positions', () => {
      const rounds = ledger(['rounds']);
      expect(rounds.code, rounds.err).toBe(0);
      expect(rounds.out).toMatch(/Round 1 {2}2022-02-28/);
      expect(rounds.out).toMatch(/Round 2 {2}2022-03-03 {2}Belovezhskaya Pushcha/);
      expect(rounds.out).toMatch(/protocol prt_\S+: .* \[signed\]/);
      expect(ledger(['open']).out).toMatch(/Neutrality of Ukraine: not agreed, open since 2022-02-28 \(round 1\)/);
      const m = ledger(['matrix', '--item', 'territorial-integrity']);
      expect(m.out.match(/RED LINE/g)).toHaveLength(3);
      // An item the server does not know is answered with no rows: said, not printed as nothing.
      for (const json of [[], ['--json']]) {
        const unknown = ledger(['matrix', '--item', 'nosuch', ...json]);
        expect(unknown.code).toBe(2);
        expect(unknown.out).toBe('');
        expect(unknown.err).toMatch(/^passage: no agenda item "nosuch" you may read: .*\(unknown_agenda_item\)\n$/);
      }
      const s = ledger(['statements', '--speaker', 'podolyak']);
      expect(s.out).toMatch(/Mykhailo Podolyak, adviser to the Head of the Office of the President of Ukraine {2}\[v2: /);
      expect(s.out).toMatch(/MACHINE translation/);
    });

    it('signs a new protocol with the party’s key file, and refuses another party’s', async () => {
      const created = await fetch(`${ds.server.url}/api/v1/rounds`, { headers: { authorization: `Bearer ${token('observer')}` } });
      const round3 = ((await created.json()) as any[]).find((r) => r.number === 3);
      const res = await fetch(`${ds.server.url}/api/v1/rounds/${round3.id}/protocols`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token('mediator-liaison')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Protocol of the third round', points: [{ itemId: 'humanitarian-corridors', text: 'Corridors to be agreed route by route.' }], visibility: 'parties' }),
      });
      expect(res.status).toBe(201);
      const p = (await res.json()) as { id: string };
      const wrong = ledger(['sign', p.id, '--key', ds.demo.keyFiles.ru.private], 'ua-liaison');
      expect(wrong.code).toBe(3);
      expect(wrong.err.trim().split('\n')).toHaveLength(1);
      const ua = ledger(['sign', p.id, '--key', ds.demo.keyFiles.ua.private], 'ua-liaison');
      expect(ua.code, ua.err).toBe(0);
      expect(ua.out).toMatch(/awaiting other delegations/);
      const ru = ledger(['sign', p.id, '--key', ds.demo.keyFiles.ru.private], 'ru-liaison');
      expect(ru.out).toMatch(/signed by every delegation/);
      // The observer may not read a protocol shared only with the parties.
      expect(ledger(['sign', p.id, '--key', ds.demo.keyFiles.ua.private], 'observer').code).toBe(4);
    });

    it('exports CSV with an HXL row and prints a round summary', () => {
      const out = join(ds.dir, 'positions.csv');
      const r = ledger(['export', '--format', 'csv', '--table', 'positions', '--out', out]);
      expect(r.code, r.err).toBe(0);
      const lines = readFileSync(out, 'utf8').split('\r\n');
      expect(lines[0]).toMatch(/^position_id,agenda_item,party,/);
      expect(lines[1]).toMatch(/^#meta\+id,#indicator\+agenda\+code,#org\+party\+code,/);
      expect(ledger(['export', '--format', 'xml']).code).toBe(2);
      const html = join(ds.dir, 'rounds.html');
      expect(ledger(['print', 'all', '--out', html]).code).toBe(0);
      expect(readFileSync(html, 'utf8')).toContain('@media print');
    });
  });
}
