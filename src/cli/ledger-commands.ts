import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, EXIT } from './errors.js';
import { checkWritableFile } from './files.js';
import type { CliKit } from './kit.js';
import { AnyObject, CorridorState, Matrix, SignedText, Statements, Timeline } from './responses.js';

type Remote = { url: string; token?: string; timeout?: string; json?: boolean };

const KIND: Record<string, string> = { demand: 'demand', offer: 'offer', red_line: 'RED LINE', conditional: 'conditional' };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** `passage ledger …` (issue 8). */
export function registerLedgerCommands(program: Command, kit: CliKit): void {
  const { remote, client, print } = kit;
  const ledger = program.command('ledger').description('the negotiation ledger: rounds, positions, statements, signed protocols');

  remote(ledger.command('rounds').description('the timeline of rounds, with agreed and open points').option('--json', 'print JSON')).action(async (o: Remote) => {
    const tl = await client(o).get('/ledger/timeline', Timeline);
    if (o.json) return print(JSON.stringify(tl, null, 2));
    if (tl.rounds.length === 0) return print('No rounds you may read.');
    for (const r of tl.rounds) {
      print(`Round ${r.number}  ${r.startDate === r.endDate ? r.startDate : `${r.startDate}–${r.endDate}`}  ${r.venue}  (${r.roundId})`);
      if (r.agreed.length) print(`  agreed:  ${r.agreed.map((a) => a.title).join('; ')}`);
      if (r.open.length) print(`  open:    ${r.open.map((a) => `${a.title} (${a.outcome.replace('_', ' ')})`).join('; ')}`);
      for (const p of r.protocols) print(`  protocol ${p.id}: ${p.title} [${p.state}]`);
      print(`  next round: ${r.nextRound}`);
    }
  });

  remote(ledger.command('open').description('which points are still open, and since when').option('--json', 'print JSON')).action(async (o: Remote) => {
    const { openPoints } = await client(o).get('/ledger/timeline', Timeline);
    if (o.json) return print(JSON.stringify(openPoints, null, 2));
    if (openPoints.length === 0) return print('No open points.');
    for (const p of openPoints) print(`${p.title}: ${p.outcome.replace('_', ' ')}, open since ${p.openSince} (round ${p.sinceRound})`);
  });

  remote(
    ledger
      .command('matrix')
      .description('agenda items × parties: each party’s latest position and how it changed')
      .option('--item <id>', 'one agenda item, e.g. neutrality')
      .option('--json', 'print JSON'),
  ).action(async (o: Remote & { item?: string }) => {
    if (o.item !== undefined && o.item.trim() === '') throw new CliError('--item must not be empty: give an agenda item id such as neutrality, or leave the option out', 2);
    const m = await client(o).get(`/ledger/matrix${o.item !== undefined ? `?item=${encodeURIComponent(o.item)}` : ''}`, Matrix);
    // The server answers an item it does not know (or that you may not read) with no rows, not an
    // error: said here, or a typo would look like an item nobody has taken a position on.
    if (o.item !== undefined && !m.rows.some((r) => r.item.id === o.item)) {
      throw new CliError(`no agenda item "${o.item}" you may read: see \`passage ledger rounds\` or \`passage ledger matrix\` for their ids (unknown_agenda_item)`, EXIT.unknown_agenda_item, 'unknown_agenda_item');
    }
    if (o.json) return print(JSON.stringify(m, null, 2));
    const name = new Map(m.parties.map((p) => [p.id, p.name]));
    for (const row of m.rows) {
      print(`${row.item.title} (${row.item.id})`);
      for (const c of row.cells) {
        if (c.history.length === 0) continue;
        print(`  ${name.get(c.partyId) ?? c.partyId}:`);
        for (const p of c.history) print(`    ${p.statedOn}  ${KIND[p.kind] ?? p.kind}: ${p.text}${p.condition ? ` [if: ${p.condition}]` : ''}  — ${p.source.outlet}`);
      }
    }
  });

  remote(
    ledger
      .command('statements')
      .description('who said what, with source; machine translations are marked')
      .option('--round <id>', 'tagged with this round')
      .option('--item <id>', 'tagged with this agenda item')
      .option('--speaker <name>', 'speaker name contains')
      .option('--json', 'print JSON'),
  ).action(async (o: Remote & { round?: string; item?: string; speaker?: string }) => {
    const q = new URLSearchParams();
    for (const k of ['round', 'item', 'speaker'] as const) {
      const v = o[k];
      if (v === undefined) continue;
      if (v.trim() === '') throw new CliError(`--${k} must not be empty: leave the option out to list every statement`, 2);
      q.set(k, v);
    }
    const list = await client(o).get(`/statements${q.size ? `?${q}` : ''}`, Statements);
    if (o.json) return print(JSON.stringify(list, null, 2));
    if (list.length === 0) return print('No statements you may read.');
    for (const s of list) {
      print(`${s.saidOn}  ${s.speaker.name}, ${s.speaker.office}${s.version > 1 ? `  [v${s.version}: ${s.reason}]` : ''}`);
      if (s.original.text !== null) print(`  (${s.original.lang}, original) ${s.original.text}`);
      else print(`  (${s.original.lang}, original) — not given by the source`);
      for (const t of s.translations) print(`  (${t.lang}, ${t.method === 'machine' ? 'MACHINE translation' : 'human translation'}, ${t.reviewed ? 'reviewed' : 'not reviewed'}) ${t.text}`);
      print(`  source: ${s.source.outlet}, ${s.source.date}${s.source.url ? `, ${s.source.url}` : ''}`);
    }
  });

  remote(
    ledger
      .command('sign <protocol>')
      .description('sign a round’s protocol for your delegation: fetches the exact text bytes, signs them locally, submits the JWS')
      .requiredOption('--key <file>', 'your party’s .private.jwk'),
  ).action(async (protocolId: string, o: Remote & { key: string }) => {
    // The signing code (jose) loads with the command that signs, as the client commands' does.
    const { loadSigningKey } = await import('./client-commands.js');
    const signer = await loadSigningKey(o.key);
    const c = client(o);
    const id = encodeURIComponent(protocolId);
    const { bytes, value: text } = await c.getJsonBytes(`/protocols/${id}/text`, SignedText);
    const view = await c.post(`/protocols/${id}/signatures`, { jws: await signer.sign(bytes) }, CorridorState);
    print(`Signed version ${text.version} of "${text.title}" with key ${signer.kid}; the protocol is now ${view.state === 'signed' ? 'signed by every delegation' : 'awaiting other delegations'}.`);
  });

  remote(
    ledger
      .command('export')
      .description('export what you may read: JSON, or CSV with an HXL hashtag row')
      .option('--format <format>', 'json or csv', 'json')
      .option('--table <table>', 'for CSV: rounds, positions or statements', 'positions')
      .option('--out <file>', 'write to a file instead of standard output'),
  ).action(async (o: Remote & { format: string; table: string; out?: string }) => {
    if (o.format !== 'json' && o.format !== 'csv') throw new CliError(`--format must be json or csv (got "${o.format}")`, 2);
    if (!['rounds', 'positions', 'statements'].includes(o.table)) throw new CliError(`--table must be rounds, positions or statements (got "${o.table}")`, 2);
    // Before the export is fetched: a path that cannot be written fails now, not after the work.
    if (o.out !== undefined) checkWritableFile(o.out, '--out');
    const c = client(o);
    const text = o.format === 'csv' ? new TextDecoder().decode(await c.getBytes(`/ledger/export.csv?table=${o.table}`, /^text\/csv\b/i)) : `${JSON.stringify(await c.get('/ledger/export.json', AnyObject), null, 2)}\n`;
    if (o.out !== undefined) {
      writeFileSync(o.out, text);
      print(`Wrote ${o.out}`);
    } else if (o.format === 'json') print(text.trimEnd());
    // CSV is a data file (CRLF line ends, line breaks inside quoted cells): written as the server sent it; print it to a file with --out.
    else process.stdout.write(text);
  });

  remote(
    ledger
      .command('print <round>')
      .description('save a round’s printable summary (HTML with a print stylesheet); "all" for every round, one page each')
      .requiredOption('--out <file>', 'the HTML file to write'),
  ).action(async (round: string, o: Remote & { out: string }) => {
    if (round !== 'all' && DATE.test(round)) throw new CliError('give the round’s id (see `passage ledger rounds`), not a date', 2);
    checkWritableFile(o.out, '--out');
    const html = await client(o).getBytes(round === 'all' ? '/rounds/print' : `/rounds/${encodeURIComponent(round)}/print`, /^text\/html\b/i);
    writeFileSync(o.out, html);
    print(`Wrote ${o.out}: open it in a browser and print.`);
  });
}
