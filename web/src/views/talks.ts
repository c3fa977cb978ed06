/**
 * Talks: the negotiation ledger as the member's party may read it. A timeline of rounds with
 * their agreed and open points (GET /ledger/timeline), the points still open and since when,
 * and a matrix of agenda items × parties with the latest position and its history
 * (GET /ledger/matrix). Each round links to its printable summary (GET /rounds/{id}/print:
 * without a token the browser gets public rounds only, which the demo's rounds are). A
 * delegation's liaison officer signs a protocol awaiting its signature here, with a key file.
 */
import { stillCurrent } from '../nav.js';
import { isAllowed } from '../../../src/domain/authorization.js';
import { awaitsSignatureOf } from '../../../src/domain/ledger-protocol.js';
import { api, type LedgerMatrix, type LedgerPositionView, type LedgerTimeline } from '../api.js';
import type { Ctx } from '../context.js';
import { clear, h, nextId, scrollBox } from '../dom.js';
import { clearFieldError, setFieldError, showProblem } from '../feedback.js';
import { lang, t, type MessageKey } from '../i18n.js';
import { chosenPrivateKey, gateOnEd25519, keyFileProblem, ownPartyKids, registeredKey, signCompact } from '../sign.js';
import { busySubmit } from '../busy.js';
import { httpHref } from '../links.js';

/** "3 March 2022" in the app's language; dates are calendar dates, shown without a zone shift. */
export function formatDay(iso: string, l: string = lang()): string {
  const ms = Date.parse(`${iso.slice(0, 10)}T12:00:00Z`);
  if (Number.isNaN(ms)) return iso;
  return new Intl.DateTimeFormat(l === 'en' ? 'en-GB' : l, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(ms);
}

/** The next round in the app's language: its date and venue, or "to be set", with the recorded note. */
export function describeNext(next: LedgerTimeline['rounds'][number]['next']): string {
  const when = next?.date ? [formatDay(next.date), next.venue].filter(Boolean).join(', ') : t('talks.nextToBeSet');
  return next?.note ? `${when} (${next.note})` : when;
}

const KIND_CLASS: Record<string, string> = { red_line: 'k-red', demand: 'k-demand', offer: 'k-offer', conditional: 'k-cond' };

function kindBadge(kind: string): HTMLElement {
  return h('span', { class: `kind ${KIND_CLASS[kind] ?? ''}` }, t(`talks.kind.${kind}` as MessageKey));
}

/** A source's URL: a link when it is http(s), else its text only (links.ts). */
function sourceLink(url: string): HTMLElement {
  const href = httpHref(url);
  return href === undefined ? h('span', { class: 'source-url' }, url) : h('a', { href, rel: 'noopener noreferrer' }, url);
}

function position(p: LedgerPositionView): HTMLElement {
  return h(
    'div',
    { class: 'pos' },
    h('p', {}, kindBadge(p.kind), ' ', h('time', { datetime: p.statedOn }, formatDay(p.statedOn)), ' — ', p.text),
    p.condition ? h('p', { class: 'meta' }, t('talks.condition', { condition: p.condition })) : null,
    h('p', { class: 'meta' }, t('talks.source', { outlet: p.source.outlet, date: formatDay(p.source.date) }), p.source.url ? [' ', sourceLink(p.source.url)] : null),
  );
}

/**
 * A protocol's signatures made with a key revoked since: one made while its key was compromised
 * can no longer be told from a thief's (a warning); one made with a key retired routinely, or
 * compromised only later, stands (a neutral note).
 */
function keyNotes(p: LedgerTimeline['rounds'][number]['protocols'][number], partyName: (id: string) => string): HTMLElement[] {
  return p.keyNotes.map((n) =>
    n.compromised
      ? h('p', { class: 'small error key-compromised', 'data-key-compromised': n.partyId }, t('talks.protocol.keyCompromised', { party: partyName(n.partyId) }))
      : h('p', { class: 'small key-retired', 'data-key-retired': n.partyId }, t(n.reason === 'superseded' ? 'talks.protocol.keyRetired' : 'talks.protocol.keyCompromisedLater', { party: partyName(n.partyId) })),
  );
}

type TimelineProtocol = LedgerTimeline['rounds'][number]['protocols'][number];

/**
 * Signing a protocol for the member's delegation, as `passage ledger sign` does: the exact bytes of
 * its current text (GET /protocols/{id}/text) signed in this browser with the party's private key
 * file, which is read here and never sent. Offered only where the server would accept it: the
 * member may sign for its party (`ledger.sign`), and the party is a delegation whose signature of
 * the current version does not count yet (`awaitsSignatureOf`) — not signed, or signed with a key
 * compromised at the time.
 */
function signForm(p: TimelineProtocol, ctx: Ctx, done: (text: string) => Promise<void>): HTMLElement | null {
  if (!isAllowed(ctx.actor, 'ledger.sign') || !awaitsSignatureOf(p, ctx.actor.partyId)) return null;
  const keyId = nextId('protocol-key');
  const input = h('input', { id: keyId, type: 'file', accept: '.jwk,.json,application/json' }) as HTMLInputElement;
  const button = h('button', { type: 'submit', class: 'primary' }, t('talks.sign.submit', { version: p.version }));
  const msg = h('p', { role: 'status', class: 'msg' });
  const unsupported = h('p', { class: 'small', hidden: true }, t('sign.unsupported'));
  gateOnEd25519(button as HTMLButtonElement, unsupported);
  const form = h(
    'form',
    { class: 'sign-protocol', 'data-protocol': p.id },
    h('p', { class: 'small' }, t('talks.sign.help', { party: ctx.partyName(ctx.actor.partyId) })),
    h('div', { class: 'field' }, h('label', { for: keyId }, t('sign.keyLabel')), input),
    button,
    unsupported,
    msg,
  );
  form.addEventListener(
    'submit',
    busySubmit(async () => {
      clearFieldError(input);
      msg.textContent = '';
      msg.className = 'msg';
      const jwk = await chosenPrivateKey(input);
      if (typeof jwk === 'string') return setFieldError(input, t(keyFileProblem(jwk)));
      // Not one of the party's own keys: said at the file field, nothing signed or sent.
      const kids = await ownPartyKids(api.me);
      if (kids !== null && !(await registeredKey(jwk, kids))) return setFieldError(input, t('sign.keyNotOurs', { party: ctx.partyName(ctx.actor.partyId) }));
      try {
        // Sign exactly the bytes the server serves for the current version.
        const { bytes, version } = await api.protocolText(p.id);
        const view = await api.signProtocol(p.id, await signCompact(bytes, jwk));
        await done(t(view.state === 'signed' ? 'talks.sign.doneAll' : 'talks.sign.done', { version }));
      } catch (err) {
        msg.className = 'msg error';
        showProblem(err, msg);
      }
    }),
  );
  return form;
}

function timelineSection(tl: LedgerTimeline, partyName: (id: string) => string, sign: (p: TimelineProtocol) => HTMLElement | null): HTMLElement {
  const rounds = tl.rounds.map((r) =>
    h(
      'li',
      { class: 'round', id: `round-${r.number}` },
      h('h3', {}, t('talks.round', { number: r.number, title: r.title })),
      h('p', { class: 'meta' }, r.endDate && r.endDate !== r.startDate ? t('talks.when', { start: formatDay(r.startDate), end: formatDay(r.endDate), venue: r.venue }) : `${formatDay(r.startDate)}, ${r.venue}`),
      r.agreed.length > 0 ? h('p', {}, h('strong', { class: 'ok-text' }, `${t('talks.agreed')}: `), r.agreed.map((a) => a.title).join('; ')) : null,
      r.open.length > 0
        ? h('p', {}, h('strong', { class: 'open-text' }, `${t('talks.open')}: `), r.open.map((a) => a.title + (a.outcome === 'not_agreed' ? '' : ` (${t(`outcome.${a.outcome}` as MessageKey)})`)).join('; '))
        : null,
      r.protocols.map((p) => [
        h('p', { 'data-protocol-state': p.state, 'data-protocol-id': p.id }, h('strong', {}, `${t('talks.protocols')}: `), `${p.title} — ${t(p.state === 'signed' ? 'talks.protocol.signed' : 'talks.protocol.open')}`),
        keyNotes(p, partyName),
        sign(p),
      ]),
      h('p', { class: 'meta next-round' }, t('talks.next', { next: describeNext(r.next) })),
      h('p', {}, h('a', { href: `/api/v1/rounds/${encodeURIComponent(r.roundId)}/print`, target: '_blank', rel: 'noopener', class: 'print-link' }, t('talks.print', { number: r.number }))),
    ),
  );
  return h(
    'section',
    { 'aria-labelledby': 'h-rounds' },
    h('h2', { id: 'h-rounds' }, t('talks.timeline')),
    tl.rounds.length === 0 ? h('p', {}, t('talks.none')) : h('ol', { class: 'rounds' }, rounds),
    tl.rounds.length > 0 ? h('p', {}, h('a', { href: '/api/v1/rounds/print', target: '_blank', rel: 'noopener' }, t('talks.printAll'))) : null,
    tl.openPoints.length > 0
      ? [
          h('h3', {}, t('talks.openPoints')),
          h(
            'ul',
            { id: 'open-points' },
            tl.openPoints.map((o) => h('li', {}, h('strong', {}, o.title), ' — ', t(`outcome.${o.outcome}` as MessageKey), ', ', t('talks.openSince', { round: o.sinceRound, date: formatDay(o.openSince) }))),
          ),
        ]
      : null,
  );
}

function matrixSection(m: LedgerMatrix): HTMLElement {
  const table = h(
    'table',
    { class: 'list matrix', id: 'position-matrix' },
    h('caption', { class: 'visually-hidden' }, t('talks.matrix')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('talks.item')), m.parties.map((p) => h('th', { scope: 'col' }, p.name)))),
    h(
      'tbody',
      {},
      m.rows.map((row) =>
        h(
          'tr',
          { 'data-item': row.item.id },
          h('th', { scope: 'row' }, row.item.title),
          m.parties.map((party) => {
            const cell = row.cells.find((c) => c.partyId === party.id);
            if (!cell?.latest) return h('td', { 'data-party': party.id, class: 'empty' }, t('talks.noPosition'));
            const older = cell.history.filter((p) => p.id !== cell.latest?.id);
            return h(
              'td',
              { 'data-party': party.id },
              position(cell.latest),
              older.length > 0 ? h('details', {}, h('summary', {}, t('talks.history', { count: cell.history.length })), h('ol', { class: 'history' }, [...cell.history].sort((a, b) => a.statedOn.localeCompare(b.statedOn)).map((p) => h('li', {}, position(p))))) : null,
            );
          }),
        ),
      ),
    ),
  );
  // The section is not a landmark of its own: the scrolling region below carries the name.
  return h('section', {}, h('h2', { id: 'h-matrix' }, t('talks.matrix')), h('p', { class: 'meta' }, t('talks.matrixHelp')), scrollBox(table, t('common.tableOf', { name: t('talks.matrix') }), t('common.scrollHint')));
}

export async function renderTalks(main: HTMLElement, ctx: Ctx): Promise<void> {
  clear(main);
  main.append(h('p', {}, t('common.loading')));
  const current = stillCurrent();
  const [timeline, matrix] = await Promise.all([api.ledgerTimeline(), api.ledgerMatrix()]);
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!current()) return;
  clear(main);
  const status = h('p', { id: 'talks-msg', role: 'status', class: 'msg' });
  // Signed: the view is drawn again from the server's answer, and says what changed.
  const signed = async (text: string): Promise<void> => {
    await renderTalks(main, ctx);
    const m = document.getElementById('talks-msg');
    if (m) {
      m.className = 'msg ok';
      m.textContent = text;
    }
  };
  main.append(h('div', { class: 'talks' }, h('h1', {}, t('talks.title')), status, timelineSection(timeline, ctx.partyName, (p) => signForm(p, ctx, signed)), matrixSection(matrix)));
}
