import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_JWS_CHARS } from '../../domain/signing-limits.js';
import type { Deps } from '../../app/deps.js';
import { nowIso } from '../../app/deps.js';
import {
  createAgendaItem,
  createPosition,
  createProtocol,
  createRound,
  createStatement,
  entryHistory,
  exportLedger,
  getAgendaItem,
  getPosition,
  getProtocol,
  getProtocolText,
  getRound,
  getStatement,
  ledgerMatrix,
  ledgerTimelineView,
  listAgendaItems,
  listPositions,
  listProtocols,
  listRounds,
  listStatements,
  publicLedgerExport,
  reviseAgendaItem,
  revisePosition,
  reviseProtocol,
  reviseRound,
  reviseStatement,
  signProtocol,
} from '../../app/ledger.js';
import type { Actor } from '../../domain/authorization.js';
import { DomainError } from '../../domain/errors.js';
import { describeNextRound, toHxlCsv, type HxlColumn } from '../../domain/ledger.js';
import {
  AgendaItemInput,
  AgendaItemRevision,
  AgendaItemView,
  EntryVersionView,
  LedgerExport,
  PublicLedgerExport,
  MatrixView,
  PositionInput,
  PositionRevision,
  PositionView,
  ProtocolInput,
  ProtocolRevision,
  ProtocolSignatureView,
  ProtocolView,
  RoundInput,
  RoundRevision,
  RoundView,
  SignatureBody,
  StatementInput,
  StatementRevision,
  StatementView,
  TimelineView,
  type AgendaItemView as AgendaItemT,
  type PositionView as PositionT,
  type ProtocolView as ProtocolT,
  type RoundView as RoundT,
  type StatementView as StatementT,
} from '../../schemas/ledger.js';
import { QueryFilter, QueryRowNumber } from '../../schemas/common.js';
import { actorOf, commonErrors, IdParam, ifMatchVersion, withVersion, write } from '../context.js';
import { escapeHtml } from './public.js';

/**
 * A correction of the version it replaces: If-Match wins over the body's baseVersion, neither is
 * a 428, and (as for corridors) a stale If-Match is a 412, a stale baseVersion a 409.
 */
function correcting<T>(req: FastifyRequest, bodyVersion: number | undefined, fn: (baseVersion: number) => Promise<T>): Promise<T> {
  return withVersion(ifMatchVersion(req), bodyVersion, (v) => {
    if (v === undefined) throw new DomainError('precondition_required', 'say which version you correct: send If-Match: "<version>" or baseVersion');
    return fn(v);
  });
}

/** Sends a versioned entry with its version as the ETag, to send back in If-Match. */
function withEtag<T extends { version: number }>(reply: FastifyReply, view: T): T {
  reply.header('etag', `"${view.version}"`);
  return view;
}

/** The reader, when a route also answers anonymous requests (public entries only). */
const viewerOf = (req: FastifyRequest): Actor | null => req.actor;

// ---- CSV with HXL hashtags -------------------------------------------------------------------

type RoundRow = { round: RoundT; itemId: string; title: string; outcome: string; note: string };

const ROUND_COLUMNS: HxlColumn<RoundRow>[] = [
  { header: 'round_id', hxl: '#event+round+code', value: (r) => r.round.id },
  { header: 'round_number', hxl: '#event+round+num', value: (r) => r.round.number },
  { header: 'start_date', hxl: '#date+start', value: (r) => r.round.startDate },
  { header: 'end_date', hxl: '#date+end', value: (r) => r.round.endDate },
  { header: 'venue', hxl: '#loc+name', value: (r) => r.round.venue.name },
  { header: 'lat', hxl: '#geo+lat', value: (r) => r.round.venue.coordinates?.[1] },
  { header: 'lon', hxl: '#geo+lon', value: (r) => r.round.venue.coordinates?.[0] },
  { header: 'host', hxl: '#org+host', value: (r) => r.round.host },
  { header: 'delegations', hxl: '#org+party+code+list', value: (r) => r.round.delegations.map((d) => d.partyId).join(' ') },
  { header: 'agenda_item', hxl: '#indicator+agenda+code', value: (r) => r.itemId },
  { header: 'agenda_item_title', hxl: '#indicator+agenda+name', value: (r) => r.title },
  { header: 'outcome', hxl: '#status+outcome', value: (r) => r.outcome },
  { header: 'note', hxl: '#description+note', value: (r) => r.note },
  { header: 'next_round', hxl: '#date+next', value: (r) => describeNextRound(r.round.nextRound) },
  { header: 'visibility', hxl: '#access+visibility', value: (r) => r.round.visibility },
  { header: 'version', hxl: '#meta+version', value: (r) => r.round.version },
];

const POSITION_COLUMNS: HxlColumn<PositionT>[] = [
  { header: 'position_id', hxl: '#meta+id', value: (p) => p.id },
  { header: 'agenda_item', hxl: '#indicator+agenda+code', value: (p) => p.itemId },
  { header: 'party', hxl: '#org+party+code', value: (p) => p.partyId },
  { header: 'round_id', hxl: '#event+round+code', value: (p) => p.roundId },
  { header: 'stated_on', hxl: '#date+stated', value: (p) => p.statedOn },
  { header: 'kind', hxl: '#status+position', value: (p) => p.kind },
  { header: 'text', hxl: '#description+position', value: (p) => p.text },
  { header: 'condition', hxl: '#description+condition', value: (p) => p.condition },
  { header: 'source', hxl: '#meta+source', value: (p) => p.source.outlet },
  { header: 'source_url', hxl: '#meta+source+url', value: (p) => p.source.url },
  { header: 'source_date', hxl: '#date+source', value: (p) => p.source.date },
  { header: 'visibility', hxl: '#access+visibility', value: (p) => p.visibility },
  { header: 'version', hxl: '#meta+version', value: (p) => p.version },
];

type StatementRow = { s: StatementT; lang: string; text: string | null; form: 'original' | 'human' | 'machine'; reviewed: boolean | null };

const STATEMENT_COLUMNS: HxlColumn<StatementRow>[] = [
  { header: 'statement_id', hxl: '#meta+id', value: (r) => r.s.id },
  { header: 'said_on', hxl: '#date+said', value: (r) => r.s.saidOn },
  { header: 'speaker', hxl: '#contact+name', value: (r) => r.s.speaker.name },
  { header: 'office', hxl: '#contact+title', value: (r) => r.s.speaker.office },
  { header: 'party', hxl: '#org+party+code', value: (r) => r.s.speaker.partyId },
  { header: 'place', hxl: '#loc+name', value: (r) => r.s.place },
  { header: 'lang', hxl: '#meta+lang', value: (r) => r.lang },
  { header: 'text_form', hxl: '#meta+text_form', value: (r) => r.form },
  { header: 'reviewed', hxl: '#status+reviewed', value: (r) => (r.reviewed === null ? '' : r.reviewed ? 'yes' : 'no') },
  { header: 'text', hxl: '#description+statement', value: (r) => r.text },
  { header: 'source', hxl: '#meta+source', value: (r) => r.s.source.outlet },
  { header: 'source_url', hxl: '#meta+source+url', value: (r) => r.s.source.url },
  { header: 'source_date', hxl: '#date+source', value: (r) => r.s.source.date },
  { header: 'rounds', hxl: '#event+round+code+list', value: (r) => r.s.tags.roundIds.join(' ') },
  { header: 'agenda_items', hxl: '#indicator+agenda+code+list', value: (r) => r.s.tags.itemIds.join(' ') },
  { header: 'visibility', hxl: '#access+visibility', value: (r) => r.s.visibility },
];

function roundRows(rounds: readonly RoundT[], items: readonly AgendaItemT[]): RoundRow[] {
  const title = new Map(items.map((i) => [i.id, i.title]));
  return rounds.flatMap((round) =>
    round.agenda.length === 0
      ? [{ round, itemId: '', title: '', outcome: '', note: '' }]
      : round.agenda.map((a) => ({ round, itemId: a.itemId, title: title.get(a.itemId) ?? a.itemId, outcome: a.outcome, note: a.note })),
  );
}

function statementRows(statements: readonly StatementT[]): StatementRow[] {
  return statements.flatMap((s) => [
    { s, lang: s.original.lang, text: s.original.text, form: 'original' as const, reviewed: null },
    ...s.translations.map((t) => ({ s, lang: t.lang, text: t.text, form: t.method, reviewed: t.reviewed })),
  ]);
}

// ---- the printable round summary --------------------------------------------------------------

const OUTCOME_LABEL: Record<string, string> = { agreed: 'Agreed', not_agreed: 'Not agreed', deferred: 'Deferred', pending: 'Pending' };
const KIND_LABEL: Record<string, string> = { demand: 'Demand', offer: 'Offer', red_line: 'Red line', conditional: 'Conditional' };

const PRINT_CSS = `
  :root { color-scheme: light; }
  body { font: 11pt/1.4 Georgia, "Times New Roman", serif; color: #000; background: #fff; margin: 0; }
  main { max-width: 48rem; margin: 0 auto; padding: 1.5rem; }
  section.round { page-break-after: always; break-after: page; }
  section.round:last-of-type { page-break-after: auto; break-after: auto; }
  h1 { font-size: 17pt; margin: 0 0 .25rem; } h2 { font-size: 12.5pt; margin: 1.1rem 0 .35rem; border-bottom: 1px solid #000; }
  .meta { margin: 0 0 .5rem; } .mark { font: 9pt/1.3 system-ui, sans-serif; border: 1px solid #000; padding: .1rem .35rem; display: inline-block; }
  table { width: 100%; border-collapse: collapse; font-size: 10pt; } th, td { border: 1px solid #555; padding: .2rem .35rem; text-align: left; vertical-align: top; }
  th { background: #eee; } ul { margin: .2rem 0; padding-left: 1.2rem; } .small { font-size: 9pt; color: #333; }
  blockquote { margin: .25rem 0 .25rem 1rem; } .mt { font-style: italic; }
  @page { size: A4; margin: 18mm 16mm; }
  @media print { main { max-width: none; padding: 0; } a { color: #000; text-decoration: none; } .noprint { display: none; } thead { display: table-header-group; } tr, blockquote { break-inside: avoid; } }
`;

interface RoundPage {
  readonly round: RoundT;
  readonly items: Map<string, string>;
  readonly parties: Map<string, string>;
  readonly positions: PositionT[];
  readonly statements: StatementT[];
  readonly protocols: ProtocolT[];
}

function renderRoundSection(p: RoundPage): string {
  const e = escapeHtml;
  const r = p.round;
  const name = (id: string): string => e(p.parties.get(id) ?? id);
  const dates = r.startDate === r.endDate ? r.startDate : `${r.startDate} – ${r.endDate}`;
  const delegations = r.delegations
    .map((d) => `<li><strong>${name(d.partyId)}</strong>: ${e(d.head.name)}${d.head.title ? `, ${e(d.head.title)}` : ''} (head)${d.members.length ? `; ${d.members.map((m) => `${e(m.name)}${m.title ? ` (${e(m.title)})` : ''}`).join('; ')}` : ''}</li>`)
    .join('');
  const agenda = r.agenda
    .map((a) => `<tr><td>${e(p.items.get(a.itemId) ?? a.itemId)}</td><td>${e(OUTCOME_LABEL[a.outcome] ?? a.outcome)}</td><td>${e(a.note)}</td></tr>`)
    .join('');
  const positions = p.positions
    .map((x) => `<tr><td>${e(p.items.get(x.itemId) ?? x.itemId)}</td><td>${name(x.partyId)}</td><td>${e(KIND_LABEL[x.kind] ?? x.kind)}</td><td>${e(x.text)}${x.condition ? `<br><span class="small">Condition: ${e(x.condition)}</span>` : ''}</td><td class="small">${e(x.source.outlet)}, ${e(x.source.date)}</td></tr>`)
    .join('');
  const statements = p.statements
    .map((s) => {
      const texts = [
        s.original.text !== null ? `<blockquote lang="${e(s.original.lang)}">${e(s.original.text)} <span class="small">(original, ${e(s.original.lang)})</span></blockquote>` : `<p class="small">Original words (${e(s.original.lang)}) not given by the source.</p>`,
        ...s.translations.map(
          (t) => `<blockquote lang="${e(t.lang)}" class="${t.method === 'machine' ? 'mt' : ''}">${e(t.text)} <span class="small">(${t.method === 'machine' ? 'machine translation' : 'human translation'}, ${e(t.lang)}, ${t.reviewed ? 'reviewed' : 'not reviewed'})</span></blockquote>`,
        ),
      ].join('');
      return `<li><strong>${e(s.speaker.name)}</strong>, ${e(s.speaker.office)}, ${e(s.saidOn)}${s.place ? `, ${e(s.place)}` : ''}${texts}<span class="small">Source: ${e(s.source.outlet)}, ${e(s.source.date)}${s.source.url ? `, ${e(s.source.url)}` : ''}</span></li>`;
    })
    .join('');
  // What became of a signature's key: retired routinely is a note; compromised when it signed, a warning.
  const keyNote = (s: ProtocolT['signatures'][number]): string =>
    s.keyRevokedAt === null
      ? ''
      : s.keyCompromised
        ? `; <strong class="mark">key reported compromised from ${e(s.keyCompromisedSince ?? '')}: this signature can no longer be told from a thief’s, and no longer counts</strong>`
        : s.keyRevocationReason === 'superseded'
          ? `; key since retired ${e(s.keyRevokedAt.slice(0, 10))}`
          : `; key reported compromised only from ${e(s.keyCompromisedSince ?? '')}, after this signature`;
  const protocols = p.protocols
    .map(
      (x) =>
        `<h3>${e(x.text.title)} <span class="mark">${x.state === 'signed' ? 'Signed by every delegation' : 'Not yet signed by every delegation'}</span></h3><ol>${x.text.points.map((pt) => `<li><em>${e(p.items.get(pt.itemId) ?? pt.itemId)}</em>: ${e(pt.text)}</li>`).join('')}</ol>${x.text.text ? `<p>${e(x.text.text)}</p>` : ''}<p class="small">Version ${x.version}. Signed by: ${
          x.signatures
            .filter((s) => s.version === x.version)
            .map((s) => `${name(s.partyId)} (key ${e(s.kid.slice(0, 12))}…, ${e(s.createdAt.slice(0, 10))}${keyNote(s)})`)
            .join('; ') || 'nobody yet'
        }${x.agreementId ? `. Agreement: ${e(x.agreementId)}` : ''}</p>`,
    )
    .join('');
  return `<section class="round" aria-labelledby="h-${e(r.id)}">
<h1 id="h-${e(r.id)}">Round ${r.number}${r.title ? `: ${e(r.title)}` : ''}</h1>
<p class="meta">${e(dates)} · ${e(r.venue.name)}${r.host ? ` · Host: ${e(r.host)}` : ''} <span class="mark">${e(r.visibility === 'public' ? 'Public' : r.visibility === 'parties' ? 'Shared with the parties' : 'Mediator only')}</span></p>
${r.summary ? `<p>${e(r.summary)}</p>` : ''}
<h2>Delegations</h2><ul>${delegations}</ul>
<h2>Agenda and outcomes</h2>${agenda ? `<table><thead><tr><th>Item</th><th>Outcome</th><th>Note</th></tr></thead><tbody>${agenda}</tbody></table>` : '<p>No agenda recorded.</p>'}
${protocols ? `<h2>Protocol</h2>${protocols}` : ''}
${positions ? `<h2>Positions stated</h2><table><thead><tr><th>Item</th><th>Party</th><th>Kind</th><th>Position</th><th>Source</th></tr></thead><tbody>${positions}</tbody></table>` : ''}
${statements ? `<h2>Statements</h2><ul>${statements}</ul>` : ''}
<h2>Next round</h2><p>${e(describeNextRound(r.nextRound))}</p>
<p class="small">Version ${r.version} of this record${r.reason && r.reason !== 'recorded' ? ` (corrected: ${e(r.reason)})` : ''}. Printed from the Passage negotiation ledger.</p>
</section>`;
}

export function renderRoundPages(pages: readonly RoundPage[], opts: { title: string; notice?: string | undefined }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex"><title>${escapeHtml(opts.title)}</title><style>${PRINT_CSS}</style></head>
<body><main>${opts.notice ? `<p class="mark">${escapeHtml(opts.notice)}</p>` : ''}${pages.length ? pages.map(renderRoundSection).join('\n') : '<p>No rounds you may read.</p>'}</main></body></html>`;
}

async function roundPages(deps: Deps, viewer: Actor | null, rounds: readonly RoundT[]): Promise<RoundPage[]> {
  const db = deps.store.db;
  const items = new Map((await listAgendaItems(db, viewer)).map((i) => [i.id, i.title]));
  const parties = new Map((await db.selectFrom('parties').select(['id', 'name']).execute()).map((p) => [p.id, p.name]));
  const out: RoundPage[] = [];
  for (const round of rounds) {
    out.push({
      round,
      items,
      parties,
      positions: await listPositions(db, viewer, { round: round.id }),
      statements: await listStatements(db, viewer, { round: round.id }),
      protocols: await listProtocols(db, viewer, { round: round.id }),
    });
  }
  return out;
}

async function sendHtml(deps: Deps, reply: FastifyReply, viewer: Actor | null, rounds: readonly RoundT[], title: string): Promise<FastifyReply> {
  const demo = (await deps.store.db.selectFrom('settings').select('value').where('key', '=', 'demo_loaded').executeTakeFirst()) !== undefined;
  const html = renderRoundPages(await roundPages(deps, viewer, rounds), { title, notice: demo ? 'Demo scenario: illustrative, based on public reports of 2022; not a record of events.' : undefined });
  return reply
    .type('text/html; charset=utf-8')
    .header('cache-control', 'private, no-store')
    .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
    .header('x-content-type-options', 'nosniff')
    .send(html);
}

/** Public entries only, for the public page: no token needed, and no member ids (publicLedgerExport). */
async function publicLedger(deps: Deps) {
  const db = deps.store.db;
  const [timeline, ledger] = [await ledgerTimelineView(db, null), await publicLedgerExport(db, nowIso(deps))];
  return { ...ledger, timeline: timeline.rounds, openPoints: timeline.openPoints };
}

const PublicLedger = PublicLedgerExport.extend({ timeline: TimelineView.shape.rounds, openPoints: TimelineView.shape.openPoints });

/** The negotiation ledger's routes (issue 8). */
export function ledgerRoutes(app: FastifyInstance, deps: Deps): void {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const db = deps.store.db;
  const tags = ['ledger'];

  // ---- agenda items
  r.get('/agenda-items', { schema: { tags, summary: 'Agenda items you may read', response: { 200: z.array(AgendaItemView), ...commonErrors } } }, async (req) => listAgendaItems(db, actorOf(req)));
  r.post('/agenda-items', { schema: { tags, summary: 'Record an agenda item (mediator)', body: AgendaItemInput, response: { 201: AgendaItemView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => createAgendaItem(u, actor, req.body)),
  );
  r.get('/agenda-items/:id', { schema: { tags, params: IdParam, response: { 200: AgendaItemView, ...commonErrors } } }, async (req, reply) => withEtag(reply, await getAgendaItem(db, actorOf(req), req.params.id)));
  r.post('/agenda-items/:id/corrections', { schema: { tags, summary: 'Correct an agenda item: a new version with a reason', params: IdParam, body: AgendaItemRevision, response: { 200: AgendaItemView, ...commonErrors } } }, (req, reply) =>
    correcting(req, req.body.baseVersion, (baseVersion) => write(deps, req, reply, 200, (u, actor) => reviseAgendaItem(u, actor, req.params.id, { ...req.body, baseVersion }))).then((view) => withEtag(reply, view)),
  );

  // ---- rounds
  r.get('/rounds', { schema: { tags, summary: 'Rounds you may read, in order', response: { 200: z.array(RoundView), ...commonErrors } } }, async (req) => listRounds(db, actorOf(req)));
  r.post('/rounds', { schema: { tags, summary: 'Record a round of talks (mediator)', body: RoundInput, response: { 201: RoundView, ...commonErrors } } }, async (req, reply) => {
    const view = await write(deps, req, reply, 201, (u, actor) => createRound(u, actor, req.body));
    reply.header('location', `/api/v1/rounds/${view.id}`).header('etag', `"${view.version}"`);
    return view;
  });
  r.get(
    '/rounds/print',
    { schema: { tags, summary: 'Printable summaries of every round you may read (HTML, one page per round); anonymous: public rounds', security: [] } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      return sendHtml(deps, reply, viewer, await listRounds(db, viewer), 'Negotiation rounds — summary');
    },
  );
  r.get('/rounds/:id', { schema: { tags, params: IdParam, response: { 200: RoundView, ...commonErrors } } }, async (req, reply) => {
    const view = await getRound(db, actorOf(req), req.params.id);
    reply.header('etag', `"${view.version}"`);
    return view;
  });
  r.get(
    '/rounds/:id/print',
    { schema: { tags, summary: 'Printable round summary (HTML, print stylesheet); anonymous requests see public rounds only', params: IdParam, security: [] } },
    async (req, reply) => {
      const viewer = viewerOf(req);
      const round = await getRound(db, viewer, req.params.id);
      return sendHtml(deps, reply, viewer, [round], `Round ${round.number} — ${round.venue.name}, ${round.startDate}`);
    },
  );
  r.post('/rounds/:id/corrections', { schema: { tags, summary: 'Correct a round: a new version with a reason', params: IdParam, body: RoundRevision, response: { 200: RoundView, ...commonErrors } } }, async (req, reply) =>
    correcting(req, req.body.baseVersion, (baseVersion) => write(deps, req, reply, 200, (u, actor) => reviseRound(u, actor, req.params.id, { ...req.body, baseVersion }))).then((view) => withEtag(reply, view)),
  );
  r.post('/rounds/:id/protocols', { schema: { tags, summary: 'Record the agreed text of a round, for each delegation to sign (mediator)', params: IdParam, body: ProtocolInput, response: { 201: ProtocolView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => createProtocol(u, actor, req.params.id, req.body)),
  );

  // ---- positions
  r.get(
    '/ledger/positions',
    { schema: { tags, summary: 'Positions you may read, oldest first', querystring: z.object({ item: QueryFilter().optional(), party: QueryFilter().optional(), round: QueryFilter().optional() }), response: { 200: z.array(PositionView), ...commonErrors } } },
    async (req) => listPositions(db, actorOf(req), req.query),
  );
  r.post('/ledger/positions', { schema: { tags, summary: 'Record a party’s position on an agenda item (its own negotiators, or the mediator)', body: PositionInput, response: { 201: PositionView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => createPosition(u, actor, req.body)),
  );
  r.get('/ledger/positions/:id', { schema: { tags, params: IdParam, response: { 200: PositionView, ...commonErrors } } }, async (req, reply) => withEtag(reply, await getPosition(db, actorOf(req), req.params.id)));
  r.post('/ledger/positions/:id/corrections', { schema: { tags, summary: 'Correct a position record: a new version with a reason', params: IdParam, body: PositionRevision, response: { 200: PositionView, ...commonErrors } } }, (req, reply) =>
    correcting(req, req.body.baseVersion, (baseVersion) => write(deps, req, reply, 200, (u, actor) => revisePosition(u, actor, req.params.id, { ...req.body, baseVersion }))).then((view) => withEtag(reply, view)),
  );

  // ---- statements
  r.get(
    '/statements',
    {
      schema: {
        tags,
        summary: 'Statements you may read, oldest first',
        querystring: z.object({ round: QueryFilter().optional(), item: QueryFilter().optional(), party: QueryFilter().optional(), speaker: QueryFilter().optional() }),
        response: { 200: z.array(StatementView), ...commonErrors },
      },
    },
    async (req) => listStatements(db, actorOf(req), req.query),
  );
  r.post('/statements', { schema: { tags, summary: 'Record what an official said, with its source (mediator)', body: StatementInput, response: { 201: StatementView, ...commonErrors } } }, (req, reply) =>
    write(deps, req, reply, 201, (u, actor) => createStatement(u, actor, req.body)),
  );
  r.get('/statements/:id', { schema: { tags, params: IdParam, response: { 200: StatementView, ...commonErrors } } }, async (req, reply) => withEtag(reply, await getStatement(db, actorOf(req), req.params.id)));
  r.post('/statements/:id/corrections', { schema: { tags, summary: 'Correct a statement record: a new version with a reason', params: IdParam, body: StatementRevision, response: { 200: StatementView, ...commonErrors } } }, (req, reply) =>
    correcting(req, req.body.baseVersion, (baseVersion) => write(deps, req, reply, 200, (u, actor) => reviseStatement(u, actor, req.params.id, { ...req.body, baseVersion }))).then((view) => withEtag(reply, view)),
  );

  // ---- protocols
  r.get('/protocols', { schema: { tags, querystring: z.object({ round: QueryFilter().optional() }), response: { 200: z.array(ProtocolView), ...commonErrors } } }, async (req) => listProtocols(db, actorOf(req), req.query));
  r.get('/protocols/:id', { schema: { tags, params: IdParam, response: { 200: ProtocolView, ...commonErrors } } }, async (req, reply) => {
    const view = await getProtocol(db, actorOf(req), req.params.id);
    reply.header('etag', `"${view.version}"`);
    return view;
  });
  r.get(
    '/protocols/:id/text',
    { schema: { tags, summary: 'The exact RFC 8785 bytes of a version of the protocol’s agreed text: what each delegation signs', params: IdParam, querystring: z.object({ version: QueryRowNumber.pipe(z.number().min(1)).optional() }) } },
    async (req, reply) => {
      const { text, version } = await getProtocolText(db, actorOf(req), req.params.id, req.query.version);
      return reply.type('application/json').header('etag', `"${version}"`).header('x-protocol-version', String(version)).send(Buffer.from(text, 'utf8'));
    },
  );
  r.post('/protocols/:id/corrections', { schema: { tags, summary: 'Correct the protocol: a new version; earlier signatures no longer count', params: IdParam, body: ProtocolRevision, response: { 200: ProtocolView, ...commonErrors } } }, (req, reply) =>
    correcting(req, req.body.baseVersion, (baseVersion) => write(deps, req, reply, 200, (u, actor) => reviseProtocol(u, actor, req.params.id, { ...req.body, baseVersion }))).then((view) => withEtag(reply, view)),
  );
  r.get('/protocols/:id/signatures', { schema: { tags, summary: 'Every signature, with its JWS, for anyone to re-verify', params: IdParam, response: { 200: z.array(ProtocolSignatureView), ...commonErrors } } }, async (req) =>
    (await getProtocol(db, actorOf(req), req.params.id)).signatures,
  );
  r.post(
    '/protocols/:id/signatures',
    {
      schema: {
        tags,
        summary: 'Sign the protocol for your delegation: a compact JWS (EdDSA) whose payload is the exact current text bytes',
        description:
          'Body: {"jws": "<compact JWS>"} as application/json, or the compact JWS itself as application/jose. A delegation signs each version once (409 already_signed); a signature made with a key compromised at the time no longer counts, and the delegation signs again with a key that stands.',
        params: IdParam,
        body: z.union([SignatureBody, z.string().min(1).max(MAX_JWS_CHARS)]),
        response: { 201: ProtocolView, ...commonErrors },
      },
    },
    (req, reply) => write(deps, req, reply, 201, (u, actor) => signProtocol(u, actor, req.params.id, typeof req.body === 'string' ? req.body : req.body.jws)),
  );

  // ---- views, history, export
  r.get('/ledger/entries/:id/history', { schema: { tags, summary: 'Every version of a ledger entry you may read, with the reason for each correction', params: IdParam, response: { 200: z.array(EntryVersionView), ...commonErrors } } }, async (req) =>
    entryHistory(db, actorOf(req), req.params.id),
  );
  r.get('/ledger/matrix', { schema: { tags, summary: 'Agenda items × parties: the latest position and its history', querystring: z.object({ item: QueryFilter().optional() }), response: { 200: MatrixView, ...commonErrors } } }, async (req) =>
    ledgerMatrix(db, actorOf(req), req.query),
  );
  r.get('/ledger/timeline', { schema: { tags, summary: 'Rounds in order with agreed and open points, and which points are still open since when', response: { 200: TimelineView, ...commonErrors } } }, async (req) =>
    ledgerTimelineView(db, actorOf(req)),
  );
  r.get('/ledger/export.json', { schema: { tags, summary: 'Everything you may read, as JSON', response: { 200: LedgerExport, ...commonErrors } } }, async (req, reply) => {
    reply.header('content-disposition', 'attachment; filename="passage-ledger.json"');
    return exportLedger(db, actorOf(req), nowIso(deps));
  });
  r.get(
    '/ledger/export.csv',
    { schema: { tags, summary: 'One table as CSV with an HXL hashtag row under the header', querystring: z.object({ table: z.enum(['rounds', 'positions', 'statements']).default('positions') }) } },
    async (req, reply) => {
      const viewer = actorOf(req);
      const table = req.query.table;
      const csv =
        table === 'rounds'
          ? toHxlCsv(ROUND_COLUMNS, roundRows(await listRounds(db, viewer), await listAgendaItems(db, viewer)))
          : table === 'statements'
            ? toHxlCsv(STATEMENT_COLUMNS, statementRows(await listStatements(db, viewer)))
            : toHxlCsv(POSITION_COLUMNS, await listPositions(db, viewer));
      return reply.type('text/csv; charset=utf-8; header=present').header('content-disposition', `attachment; filename="passage-ledger-${table}.csv"`).send(csv);
    },
  );

  // ---- public, no token: public entries only
  const publicOpts = { schema: { tags, summary: 'Public ledger entries, timeline and open points (no token needed)', security: [], response: { 200: PublicLedger } } };
  r.get('/public/ledger.json', publicOpts, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=60').header('access-control-allow-origin', '*');
    return publicLedger(deps);
  });
}

/** The same public document at the site root, beside the public page and the feeds. */
export function ledgerPublicRoutes(app: FastifyInstance, deps: Deps): void {
  app.get('/public/ledger.json', { schema: { hide: true } }, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=60').header('access-control-allow-origin', '*');
    return reply.type('application/json; charset=utf-8').send(JSON.stringify(await publicLedger(deps)));
  });
}
