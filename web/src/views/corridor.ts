/**
 * A corridor's page: every term, the route on a map, its windows, each required party's
 * guarantee (signed, waiting, void after an amendment, or void because the key it was made with
 * was compromised at the time; a key since retired is noted) with the key it was made with and the JWS to download, its
 * suspensions, and the actions the member's role allows in the corridor's state.
 */
import { stillCurrent } from '../nav.js';
import { api, ApiError, NetworkError, type CorridorStatus, type CorridorView, type MovementView } from '../api.js';
import type { Ctx } from '../context.js';
import { clear, h, labelled, nextId, scrollBox, type Child } from '../dom.js';
import { clearOnEdit, setFieldError, showProblem } from '../feedback.js';
import { busySubmit } from '../busy.js';
import { confirmAction } from '../confirm.js';
import { both, formatUtcSpan, suspensionWhy, zoned } from '../format.js';
import { rruleInWords } from '../rrule-words.js';
import { lang, t, tValue, type MessageKey } from '../i18n.js';
import { createMap, type CorridorMap } from '../map.js';
import type { Coalescer } from '../coalesce.js';
import { subscribe } from '../events.js';
import { captureStatus, liveRedraw } from '../live.js';
import { movementTable } from './movement.js';
import { allowedActions, type CorridorUiAction } from '../permissions.js';
import { checkCorridorLog, logKey } from '../logcheck.js';
import { chosenPrivateKey, gateOnEd25519, keyFileProblem, ownPartyKids, registeredKey, signCompact } from '../sign.js';
import { keyFate, partyGuarantee, pictureAt, prepare } from '../state.js';
import { stateBadge } from './overview.js';

let activeMap: CorridorMap | null = null;
/** The page following the event stream: which corridor, the version it shows, and its redraw. */
let live: { id: string; version: number; stop: () => void; redraw: Coalescer } | null = null;
/** Renders of the corridor page in progress (an action's reload, a live redraw): a live redraw waits for them. */
let drawing = 0;
/** Whether the log check shown is out of date (a live redraw of a movement's change keeps it: it reads the whole log). */
let logStale = true;
/** What the next drawing of a corridor's page says at its actions (what an amendment did). */
let note: { id: string; text: string } | null = null;

/** Has corridor `id`'s page, drawn next, say `text` (an amendment made on the amend page). */
export function noteOnCorridorPage(id: string, text: string): void {
  note = { id, text };
}

function removeMap(): void {
  activeMap?.map.remove();
  activeMap = null;
}

function stopFollowing(): void {
  live?.stop();
  live?.redraw.cancel();
  live = null;
}

export function disposeCorridor(): void {
  stopFollowing();
  removeMap();
}

/**
 * Follows the event stream while the corridor's page is open: an event about this corridor (a
 * signature, an amendment, a suspension, one of its movements) draws the page again from the
 * server, keeping what the member is typing (`liveRedraw`). Tracker fixes and alerts do not
 * change this page.
 */
function follow(main: HTMLElement, ctx: Ctx, id: string, version: number): void {
  if (live?.id === id) {
    live.version = version;
    return;
  }
  // Another corridor's stream (its map is this page's now: not removed here).
  stopFollowing();
  const redraw = liveRedraw(
    main,
    async () => {
      // Whether a signing form was open: if the terms changed under it, the page says so.
      const signing = main.querySelector('[data-action=sign]') !== null;
      await renderCorridor(main, ctx, id, { quiet: true, before: { version: live?.version ?? version, signing } });
    },
    () => drawing > 0,
  );
  const stop = subscribe((e) => {
    if ((e.data as { corridorId?: unknown } | null)?.corridorId !== id) return;
    if (e.type === 'movement.positions' || e.type.startsWith('movement.alert')) return;
    // A corridor's own event adds to its log entries: the log is checked again (movement events do not).
    if (!e.type.startsWith('movement.')) logStale = true;
    redraw.poke();
  });
  live = { id, version, stop, redraw };
}

function row(label: string, ...value: Child[]): HTMLElement[] {
  return [h('dt', {}, label), h('dd', {}, ...value)];
}

function jwsLink(jws: string, name: string): HTMLElement {
  const href = URL.createObjectURL(new Blob([jws], { type: 'application/jose' }));
  return h('a', { href, download: name, class: 'download' }, t('corridor.guarantee.download'));
}

/**
 * Draws corridor `id`'s page. `quiet`: a live redraw — no "Loading" in between, the page swapped
 * at once; `before`: the version the page showed, and whether it offered a signing form.
 */
export async function renderCorridor(main: HTMLElement, ctx: Ctx, id: string, opts: { quiet?: boolean; before?: { version: number; signing: boolean } } = {}): Promise<void> {
  drawing++;
  try {
    await draw(main, ctx, id, opts);
  } finally {
    drawing--;
  }
}

async function draw(main: HTMLElement, ctx: Ctx, id: string, opts: { quiet?: boolean; before?: { version: number; signing: boolean } }): Promise<void> {
  if (!opts.quiet) {
    clear(main);
    main.append(h('p', {}, t('common.loading')));
  }
  let view: CorridorView;
  let status: CorridorStatus;
  let movements: MovementView[] | null;
  const current = stillCurrent();
  try {
    [view, status, movements] = await Promise.all([api.corridor(id), api.status(id), api.movements()]);
  } catch (e) {
    if (!current()) return;
    // Out of reach: the app's failure page says so and offers to try again (a live redraw keeps the page as it is).
    if (e instanceof NetworkError) throw e;
    clear(main);
    main.append(h('h1', {}, t('corridor.notFound')), h('p', {}, e instanceof ApiError ? e.message : String(e)), h('a', { href: '/app/', 'data-link': true }, t('corridor.back')));
    return;
  }
  // Another page was asked for meanwhile: that page draws, not this one.
  if (!current()) return;
  const terms = view.terms;
  const p = prepare(view);
  const pic = pictureAt(p, Date.now());
  const tz = terms.windows[0]?.timeZone ?? 'UTC';
  const reload = (): Promise<void> => renderCorridor(main, ctx, id);

  // A live redraw keeps what the status line said (an action's outcome is not undone by an event),
  // and the log check it showed when nothing was logged about the corridor since.
  const carry = opts.quiet ? captureStatus(main) : null;
  const oldLog = opts.quiet && !logStale ? main.querySelector<HTMLElement>('#log[aria-busy=false]') : null;
  clear(main);
  const mapEl = h('div', { id: 'corridor-map', class: 'map small-map', role: 'region', 'aria-label': t('public.mapLabel', { origin: terms.origin.name, destination: terms.destination.name }) });
  const list = (prefix: 'purpose' | 'eligibility', xs: readonly string[]): string => xs.map((x) => t(`${prefix}.${x}` as MessageKey)).join(', ');
  const cap = terms.capacity;
  const capacity = [cap.people ? t('corridor.capacity.people', { n: cap.people }) : '', cap.vehicles ? t('corridor.capacity.vehicles', { n: cap.vehicles }) : '', cap.cargoTonnes ? t('corridor.capacity.cargo', { n: cap.cargoTonnes }) : ''].filter(Boolean).join(', ');

  // Guarantees: one row per required party, for the current version. Older ones are void, and so
  // is one made with a key reported compromised from before it: the row says which key, since when,
  // and that the party must sign again. A key since retired (superseded) is noted, not warned
  // about: its guarantees bind. Every guarantee names the key it was made with.
  const keyOf = (kid: string): string => `${kid.slice(0, 12)}…`;
  const keyNote = (g: CorridorView['guarantees'][number]): HTMLElement | null => {
    const fate = keyFate(g);
    if (fate.kind === 'standing') return null;
    const kid = keyOf(g.kid);
    if (fate.kind === 'retired') return h('div', { class: 'small key-retired', 'data-key-retired': fate.at, title: g.kid }, t('corridor.guarantee.keyRetired', { kid, when: both(Date.parse(fate.at), tz) }));
    const words = { kid, when: both(Date.parse(fate.at), tz), since: both(Date.parse(fate.since), tz) };
    return fate.voids
      ? h('div', { class: 'small key-compromised', 'data-key-compromised': fate.since, title: g.kid }, t('corridor.guarantee.keyCompromisedAt', words))
      : h('div', { class: 'small key-compromised-later', 'data-key-compromised-later': fate.since, title: g.kid }, t('corridor.guarantee.keyCompromisedLater', words));
  };
  const guaranteeRows = terms.requiredGuarantors.map((partyId) => {
    const { standing, current, compromised, others } = partyGuarantee(view, partyId);
    const statusKey: MessageKey = { signed: 'corridor.guarantee.signed', compromised: 'corridor.guarantee.keyCompromised', void: 'corridor.guarantee.void', waiting: 'corridor.guarantee.waiting' }[standing] as MessageKey;
    const shown = current ?? compromised;
    return h(
      'tr',
      { 'data-party': partyId, 'data-guarantee': standing, 'data-key': `guarantee:${partyId}` },
      h('th', { scope: 'row' }, ctx.partyName(partyId)),
      h(
        'td',
        {},
        h('span', { class: `gstate g-${standing}` }, t(statusKey)),
        shown ? h('div', { class: 'small', title: shown.kid }, both(Date.parse(shown.createdAt), tz), ` · ${t('corridor.guarantee.madeWith', { kid: keyOf(shown.kid) })}`) : null,
        shown ? keyNote(shown) : null,
      ),
      h(
        'td',
        {},
        shown ? jwsLink(shown.jws, `${view.id}-v${view.version}-${partyId}.jws`) : null,
        others.map((g) => h('div', { class: 'small', title: g.kid }, `v${g.version} · ${t('corridor.guarantee.madeWith', { kid: keyOf(g.kid) })}: `, jwsLink(g.jws, `${view.id}-v${g.version}-${partyId}-${g.kid.slice(0, 8)}.jws`), keyNote(g))),
      ),
    );
  });

  const windowRows = p.intervals.slice(0, 50).map((iv) => {
    const wtz = terms.windows[iv.windowIndex]?.timeZone ?? 'UTC';
    const nowIn = iv.start <= Date.now() && Date.now() < iv.end;
    return h('tr', nowIn ? { class: 'current' } : {}, h('td', {}, `${zoned(iv.start, wtz)} → ${zoned(iv.end, wtz)}`, h('div', { class: 'small' }, wtz)), h('td', {}, formatUtcSpan(iv.start, iv.end)));
  });

  main.append(
    h('p', {}, h('a', { href: '/app/', 'data-link': true }, `← ${t('corridor.back')}`)),
    h('h1', {}, view.title, ' ', stateBadge(pic.state)),
    h('p', { class: 'small' }, `${t('corridor.version', { version: view.version })} · ${t(`lifecycle.${view.state}` as MessageKey)} · ${t('corridor.proposer')}: ${ctx.partyName(view.proposerPartyId)} · ${view.id}`),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'status-h' },
      h('h2', { id: 'status-h' }, t('corridor.status')),
      status.open && status.currentWindow
        ? h('p', { class: 'ok' }, t('public.until', { local: zoned(Date.parse(status.currentWindow.end), status.currentWindow.timeZone), zone: status.currentWindow.timeZone, utc: new Date(Date.parse(status.currentWindow.end)).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' }))
        : h(
            'ul',
            {},
            status.reasons.map((r) =>
              h(
                'li',
                { 'data-reason': r.code, title: r.message },
                // A suspension's reason from its data (the incident behind it), in the reader's language.
                t(`reason.${r.code}` as MessageKey, { parties: (r.missingGuarantors ?? []).map((g) => ctx.partyName(g.id)).join(', '), reason: suspensionWhy({ reason: r.reason, incident: view.suspensions.find((x) => x.id === r.suspensionId)?.incident }) }),
              ),
            ),
          ),
      status.nextWindow ? h('p', {}, t('public.opens', { local: zoned(Date.parse(status.nextWindow.start), status.nextWindow.timeZone), zone: status.nextWindow.timeZone, utc: new Date(Date.parse(status.nextWindow.start)).toISOString().slice(0, 16).replace('T', ' ') + ' UTC' })) : null,
    ),
    h('div', { class: 'two' }, mapEl, actionsSection(ctx, view, reload)),
    h(
      'section',
      { 'aria-labelledby': 'terms-h' },
      h('h2', { id: 'terms-h' }, t('corridor.terms')),
      h(
        'dl',
        { class: 'terms' },
        row(t('corridor.origin'), `${terms.origin.name} (${terms.origin.coordinates[1]}, ${terms.origin.coordinates[0]})`),
        row(t('corridor.destination'), `${terms.destination.name} (${terms.destination.coordinates[1]}, ${terms.destination.coordinates[0]})`),
        row(t('public.route'), terms.route.coordinates.map((c) => `${c[1]}, ${c[0]}`).join(' → ')),
        row(t('corridor.width'), t('corridor.widthValue', { metres: terms.widthM.toLocaleString(lang()) })),
        row(t('corridor.direction'), t(`direction.${terms.direction}` as MessageKey)),
        row(t('corridor.purposes'), list('purpose', terms.purposes)),
        row(t('corridor.eligibility'), list('eligibility', terms.eligibility)),
        row(t('corridor.checkpoints'), terms.checkpoints.length ? terms.checkpoints.map((c) => `${c.name} (${c.coordinates[1]}, ${c.coordinates[0]})`).join('; ') : t('corridor.none')),
        row(t('corridor.capacity'), capacity || t('corridor.none')),
        row(t('corridor.hazards'), terms.hazards.length ? h('ul', {}, terms.hazards.map((z) => h('li', {}, labelled(tValue('hazard', z.kind), z.kind), `: ${z.description}`))) : t('corridor.none')),
        row(t('corridor.contacts'), terms.contacts.length ? h('ul', {}, terms.contacts.map((c) => h('li', {}, `${ctx.partyName(c.partyId)} — `, labelled(tValue('channel', c.channel), c.channel), `: ${c.value}${c.name ? ` (${c.name})` : ''}`))) : t('corridor.none')),
        row(t('propose.guarantors'), terms.requiredGuarantors.map((g) => ctx.partyName(g)).join(', ')),
        row(t('corridor.legalBasis'), terms.legalBasis.join('; ') || t('corridor.none')),
        row(t('corridor.notes'), terms.notes || t('corridor.none')),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'windows-h' },
      h('h2', { id: 'windows-h' }, t('corridor.windows')),
      h('ul', { class: 'small' }, terms.windows.filter((w) => w.rrule).map((w) => h('li', {}, t('corridor.window.repeats', { rule: rruleInWords(w.rrule ?? '', lang()) ?? '' }), ' ', h('code', {}, w.rrule ?? '')))),
      windowsTimeline(p.intervals, Date.now(), tz),
      scrollBox(h('table', { class: 'list' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('corridor.window.local', { zone: tz })), h('th', { scope: 'col' }, t('corridor.window.utc')))), h('tbody', {}, windowRows)), t('common.tableOf', { name: t('corridor.windows') }), t('common.scrollHint')),
    ),
    h(
      'section',
      { 'aria-labelledby': 'guar-h' },
      h('h2', { id: 'guar-h' }, t('corridor.guarantees')),
      scrollBox(h('table', { class: 'list', id: 'guarantees' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('corridor.guarantee.party')), h('th', { scope: 'col' }, t('corridor.guarantee.status')), h('th', { scope: 'col' }, 'JWS'))), h('tbody', {}, guaranteeRows)), t('common.tableOf', { name: t('corridor.guarantees') }), t('common.scrollHint')),
    ),
    h(
      'section',
      { 'aria-labelledby': 'susp-h' },
      h('h2', { id: 'susp-h' }, t('corridor.suspensions')),
      view.suspensions.length === 0
        ? h('p', {}, t('corridor.none'))
        : h('ul', {}, view.suspensions.map((s) => h('li', { 'data-suspension': s.id, 'data-key': `suspension:${s.id}` }, t('corridor.suspension.line', { since: both(Date.parse(s.since), tz), reason: suspensionWhy(s) }), s.until ? ` — ${t('corridor.suspension.ended', { until: both(Date.parse(s.until), tz) })}` : '', s.resumeReason ? h('div', { class: 'resume-reason' }, t('corridor.suspension.resumeReason', { reason: s.resumeReason })) : null))),
    ),
  );

  const mine = (movements ?? []).filter((m) => m.corridorId === view.id);
  if (movements !== null) main.append(h('section', { 'aria-labelledby': 'mov-h', id: 'corridor-movements' }, h('h2', { id: 'mov-h' }, t('movement.list')), movementTable(mine, tz)));

  if (oldLog) main.append(oldLog);
  else {
    const logSection = h('section', { 'aria-labelledby': 'log-h', id: 'log', 'aria-busy': 'true' }, h('h2', { id: 'log-h' }, t('log.title')), h('p', { class: 'small' }, t('log.checking')));
    main.append(logSection);
    logStale = false;
    void renderLog(logSection, view.id, tz);
  }

  removeMap();
  activeMap = createMap(mapEl, ctx.config);
  activeMap.setCorridors([{ view, state: pic.state }], true);
  carry?.(main);
  if (note?.id === id && !opts.quiet) {
    const m = document.getElementById('action-msg');
    if (m) {
      m.className = 'msg ok';
      m.textContent = note.text;
    }
    note = null;
  }
  follow(main, ctx, id, view.version);
  // The terms changed under an open signing form: said plainly, before anyone signs what they have not read.
  if (opts.before?.signing && view.version > opts.before.version) {
    const m = document.getElementById('terms-msg');
    if (m) {
      m.className = 'msg note-box';
      m.textContent = t('sign.termsChangedLive', { version: view.version });
    }
  }
}

async function renderLog(section: HTMLElement, id: string, tz: string): Promise<void> {
  const heading = section.querySelector('h2');
  const done = (...nodes: HTMLElement[]): void => {
    clear(section);
    if (heading) section.append(heading);
    section.append(...nodes);
    section.setAttribute('aria-busy', 'false');
  };
  const key = await logKey();
  if (key === null) return done(h('p', { class: 'small' }, t('log.unavailable')));
  try {
    const c = await checkCorridorLog(id, key);
    done(
      h(
        'p',
        { 'data-log-signature': String(c.signatureValid) },
        t('log.head', { size: c.size, origin: c.origin }),
        ' ',
        h('strong', { class: c.signatureValid ? 'ok' : 'error' }, c.signatureValid === true ? t('log.signatureOk') : c.signatureValid === false ? t('log.signatureBad') : t('log.signatureMissing')),
      ),
      scrollBox(h(
        'table',
        { class: 'list' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('log.entry')), h('th', { scope: 'col' }, t('log.time')), h('th', { scope: 'col' }, t('log.action')), h('th', { scope: 'col' }, t('log.proof')))),
        h(
          'tbody',
          {},
          c.entries.map((e) => {
            // A proof up to a head the server's key did not sign proves nothing: anyone could
            // have made that head. Only a verified head makes "included" true.
            const proof = !e.included ? 'failed' : c.signatureValid === true ? 'proven' : 'unauthenticated';
            return h(
              'tr',
              { 'data-log-entry': e.index, 'data-key': `log:${e.index}`, 'data-included': String(proof === 'proven'), 'data-proof': proof },
              h('td', {}, `#${e.index}`),
              // A failed entry's bytes may not carry a time at all (or not parse): a dash, not a crash.
              h('td', { class: 'small' }, Number.isFinite(Date.parse(e.time)) ? both(Date.parse(e.time), tz) : '—'),
              h('td', {}, labelled(tValue('log.action', e.action), e.action)),
              h(
                'td',
                {},
                proof === 'proven'
                  ? h('span', { class: 'ok' }, `✓ ${t('log.included')}`)
                  : proof === 'unauthenticated'
                    ? h('span', { class: 'error' }, `✗ ${t('log.headNotAuthenticated')}`, h('span', { class: 'visually-hidden' }, ` — ${t('log.headNotAuthenticatedHelp')}`))
                    : h('span', { class: 'error', title: e.problem ?? '' }, `✗ ${t('log.notIncluded')}`),
              ),
            );
          }),
        ),
      ), t('common.tableOf', { name: t('log.title') }), t('common.scrollHint')),
      h('p', { class: 'small' }, t('log.completeness')),
    );
  } catch (e) {
    done(h('p', { class: 'error' }, t('common.error', { detail: e instanceof Error ? e.message : String(e) })));
  }
}

const SVG = 'http://www.w3.org/2000/svg';
function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** The windows on a time axis, with "now" marked: first window's start to last window's end. */
function windowsTimeline(intervals: readonly { start: number; end: number }[], now: number, tz: string): Element | null {
  if (intervals.length === 0) return null;
  const first = intervals[0] as { start: number };
  const lo = Math.min(first.start, now);
  const hi = Math.max(intervals.reduce((m, iv) => Math.max(m, iv.end), 0), now);
  const span = Math.max(1, hi - lo);
  const x = (ms: number): number => ((ms - lo) / span) * 1000;
  const label = `${t('corridor.windows')}: ${intervals.length} · ${zoned(first.start, tz)} → ${zoned(hi, tz)} (${tz})`;
  const el = svg('svg', { viewBox: '0 0 1000 30', preserveAspectRatio: 'none', class: 'windows-timeline', role: 'img', 'aria-label': label });
  el.append(svg('rect', { x: 0, y: 12, width: 1000, height: 6, fill: '#e3e3e3' }));
  for (const iv of intervals) el.append(svg('rect', { x: x(iv.start), y: 4, width: Math.max(2, x(iv.end) - x(iv.start)), height: 22, fill: '#1a7f37', 'fill-opacity': 0.8 }));
  el.append(svg('rect', { x: Math.min(998, x(now)), y: 0, width: 2, height: 30, fill: '#b3261e' }));
  return el;
}

function actionsSection(ctx: Ctx, view: CorridorView, reload: () => Promise<void>): HTMLElement {
  const actions = allowedActions(ctx.actor, view);
  const msg = h('p', { role: 'status', class: 'msg', id: 'action-msg' });
  const fail = async (e: unknown): Promise<void> => {
    if (e instanceof ApiError && e.code === 'transition_not_allowed') {
      // Decided elsewhere meanwhile (another tab, another member): the page still shows the
      // state it was drawn in. Draw it again from the server, then say why nothing was done.
      await reload().catch(() => undefined);
      const m = document.getElementById('action-msg') ?? msg;
      m.className = 'msg error';
      showProblem(e, m);
      m.querySelector('.problem-main')?.append(` ${t('actions.staleRefreshed')}`);
      return;
    }
    msg.className = 'msg error';
    showProblem(e, msg);
  };
  const done = async (v: CorridorView, action?: CorridorUiAction): Promise<void> => {
    // After a resume the lifecycle state ("guaranteed") says nothing of what happened: say it
    // was resumed, and whether it is open now (its windows decide).
    const open = action === 'resume' ? (await api.status(v.id).catch(() => null))?.open : undefined;
    await reload();
    const m = document.getElementById('action-msg');
    if (m) {
      m.className = 'msg ok';
      m.textContent = action === 'resume' ? t(open ? 'actions.resumedOpen' : 'actions.resumedNotOpen') : t('actions.done', { state: t(`lifecycle.${v.state}` as MessageKey) });
    }
  };
  // At the top, before any form: the terms changed under the page (said by a live redraw).
  const termsMsg = h('p', { role: 'status', class: 'msg', id: 'terms-msg' });
  const section = h('section', { class: 'card actions', 'aria-labelledby': 'actions-h' }, h('h2', { id: 'actions-h' }, t('actions.title')), termsMsg);
  if (actions.length === 0) section.append(h('p', {}, t('actions.none')));
  clearOnEdit(section, msg);
  for (const a of actions) section.append(actionForm(a, ctx, view, done, fail));
  section.append(msg);
  return section;
}

function reasonForm(action: Exclude<CorridorUiAction, 'sign' | 'amend'>, view: CorridorView, done: (v: CorridorView, action?: CorridorUiAction) => Promise<void>, fail: (e: unknown) => Promise<void>): HTMLElement {
  const fid = nextId(`reason-${action}`);
  const input = h('input', { id: fid, name: 'reason', required: action !== 'propose', maxlength: '2000' });
  const labelKey: MessageKey = `actions.${action}` as MessageKey;
  return h(
    'form',
    {
      class: `action action-${action}`,
      'data-action': action,
      novalidate: true,
      onsubmit: busySubmit(async () => {
        const reason = input.value.trim();
        if (action !== 'propose' && !reason) {
          setFieldError(input, t('actions.needReason'));
          input.focus();
          return;
        }
        // Withdraw, reject and suspend cannot be taken back by the one who does them: ask first.
        if ((action === 'withdraw' || action === 'reject' || action === 'suspend') && !(await confirmAction(t(`confirm.${action}`, { title: view.title }), t(labelKey)))) return;
        try {
          // Proposing a draft takes its version only (the body is strict: a reason there is a 400).
          const body = action === 'suspend' || action === 'resume' ? { reason } : action === 'propose' ? { baseVersion: view.version } : { reason, baseVersion: view.version };
          await done(await api.action(view.id, action, body), action);
        } catch (err) {
          await fail(err);
        }
      }),
    },
    h('label', { for: fid }, `${t('actions.reason')} (${t(labelKey)})`),
    h('div', { class: 'inline' }, input, h('button', { type: 'submit', class: action === 'reject' || action === 'suspend' || action === 'withdraw' ? 'danger' : 'primary' }, t(labelKey))),
  );
}

function actionForm(action: CorridorUiAction, ctx: Ctx, view: CorridorView, done: (v: CorridorView, action?: CorridorUiAction) => Promise<void>, fail: (e: unknown) => Promise<void>): HTMLElement {
  if (action === 'amend') {
    return h('p', {}, h('a', { href: `/app/corridors/${view.id}/amend`, 'data-link': true, class: 'button' }, t('actions.amend')));
  }
  if (action !== 'sign') return reasonForm(action, view, done, fail);

  // Sign: paste a JWS from `passage sign`, or sign here with a key file.
  const jwsId = nextId('jws');
  const keyId = nextId('keyfile');
  const jwsInput = h('textarea', { id: jwsId, name: 'jws', rows: '3', spellcheck: 'false', required: true });
  const keyInput = h('input', { id: keyId, name: 'keyfile', type: 'file', accept: '.jwk,.json,application/json' });
  const keyBtn = h('button', { type: 'submit', class: 'primary' }, t('sign.keySubmit', { version: view.version }));
  const unsupported = h('p', { class: 'small', hidden: true }, t('sign.unsupported'));
  gateOnEd25519(keyBtn as HTMLButtonElement, unsupported);
  return h(
    'div',
    { class: 'sign', 'data-action': 'sign' },
    h('h3', {}, t('sign.title'), ` (${t('corridor.version', { version: view.version })})`),
    h(
      'form',
      {
        class: 'sign-paste',
        onsubmit: busySubmit(async () => {
          try {
            await done(await api.guarantee(view.id, jwsInput.value.trim()));
          } catch (err) {
            await fail(err);
          }
        }),
      },
      h('p', { class: 'small' }, t('sign.paste'), ': ', h('code', {}, `passage sign ${view.id} --key <party>.private.jwk`)),
      h('label', { for: jwsId }, t('sign.pasteLabel')),
      jwsInput,
      h('button', { type: 'submit', class: 'primary' }, t('sign.submit')),
    ),
    h(
      'form',
      {
        class: 'sign-key',
        onsubmit: busySubmit(async () => {
          const jwk = await chosenPrivateKey(keyInput as HTMLInputElement);
          // A file that cannot sign is the browser's finding, not the server's refusal: said at the file field.
          if (typeof jwk === 'string') {
            setFieldError(keyInput, t(keyFileProblem(jwk)));
            keyInput.focus();
            return;
          }
          // A key that is not one of the party's own (another party's file, a key never
          // registered): said at the file field, nothing signed or sent.
          const kids = await ownPartyKids(api.me);
          if (kids !== null && !(await registeredKey(jwk, kids))) {
            setFieldError(keyInput, t('sign.keyNotOurs', { party: ctx.partyName(ctx.actor.partyId) }));
            keyInput.focus();
            return;
          }
          try {
            // Sign exactly the bytes the server serves for the current version.
            const { bytes, version } = await api.terms(view.id);
            if (version !== view.version) throw new Error(t('sign.staleVersion', { version }));
            await done(await api.guarantee(view.id, await signCompact(bytes, jwk)));
          } catch (err) {
            await fail(err);
          }
        }),
      },
      h('p', { class: 'small' }, t('sign.key')),
      h('label', { for: keyId }, t('sign.keyLabel')),
      keyInput,
      keyBtn,
      unsupported,
    ),
  );
}
