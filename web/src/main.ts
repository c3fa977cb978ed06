/**
 * The operations app: sign in with an API token (kept in sessionStorage, gone when the tab
 * closes), then the map, corridor pages and the propose/amend form. Plain TypeScript and DOM.
 */
import './styles.css';
import { api, ApiError, getToken, NetworkError, setToken, type AppConfig, type Me, type PartyView } from './api.js';
import { beginNavigation, stillCurrent } from './nav.js';
import type { Ctx } from './context.js';
import { append, clear, h, restoreFields, snapshotFields } from './dom.js';
import { LANGS, lang, setLang, t } from './i18n.js';
import { allowedActions, canPropose } from './permissions.js';
import { describeProblem } from './feedback.js';
import { disposeCorridor, renderCorridor } from './views/corridor.js';
import { disposeIncidents, renderIncidents } from './views/incidents.js';
import { disposeOverview, renderOverview } from './views/overview.js';
import { disposePropose, keepProposeDraft, renderPropose } from './views/propose.js';
import { keepNotifyRows, renderNotifyMovement } from './views/notify-movement.js';
import { canNotifyMovement } from '../../src/domain/movement.js';
import { renderKeepOwnToken, renderSignIn, unconfirmedOwnToken } from './views/signin.js';
import { renderTalks } from './views/talks.js';
import { renderKeys } from './views/keys.js';
import { disposeMovement, renderMovement } from './views/movement.js';
import { translator } from '../../src/i18n/index.js';

const header = document.getElementById('top') as HTMLElement;
const main = document.getElementById('main') as HTMLElement;
let config: AppConfig = { tileUrl: null, tileAttribution: '', demo: false };
let session: { me: Me; parties: PartyView[] } | null = null;
/** Set when the stored token was refused (expired or revoked): the sign-in page says so. */
let expired = false;

function navigate(path: string): void {
  history.pushState(null, '', path);
  void route();
}

function ctxOf(s: { me: Me; parties: PartyView[] }): Ctx {
  const { me, parties } = s;
  return {
    me,
    parties,
    config,
    actor: { memberId: me.member.id, partyId: me.party.id, partyKind: me.party.kind, role: me.member.role },
    navigate,
    partyName: (id) => parties.find((p) => p.id === id)?.name ?? id,
  };
}

function renderHeader(): void {
  clear(header);
  const skip = document.querySelector('a.skip');
  if (skip) skip.textContent = t('skip.main');
  const langNav = h(
    'ul',
    { class: 'langs' },
    LANGS.map((l) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            lang: l,
            'aria-pressed': l === lang() ? 'true' : 'false',
            onclick: () => {
              // Another language re-renders the page: what was typed stays.
              const typed = snapshotFields(main);
              keepProposeDraft(true);
              keepNotifyRows(typed);
              setLang(l);
              renderHeader();
              void route().then(() => {
                keepProposeDraft(false);
                keepNotifyRows(new Map());
                restoreFields(main, typed);
              });
            },
          },
          translator(l)('lang.name'),
        ),
      ),
    ),
  );
  const ctx = session ? ctxOf(session) : null;
  append(header, [
    h(
      'div',
      { class: 'bar' },
      h('a', { href: '/app/', 'data-link': true, class: 'brand' }, 'Passage'),
      ctx
        ? h(
            'nav',
            { 'aria-label': t('nav.corridors') },
            h('a', { href: '/app/', 'data-link': true }, t('nav.map')),
            canPropose(ctx.actor) ? h('a', { href: '/app/propose', 'data-link': true, id: 'nav-propose' }, t('nav.propose')) : null,
            canNotifyMovement(ctx.actor) ? h('a', { href: '/app/movements/new', 'data-link': true, id: 'nav-notify' }, t('nav.notify')) : null,
            h('a', { href: '/app/incidents', 'data-link': true, id: 'nav-incidents' }, t('nav.incidents')),
            h('a', { href: '/app/talks', 'data-link': true, id: 'nav-talks' }, t('nav.talks')),
            h('a', { href: '/app/keys', 'data-link': true, id: 'nav-keys' }, t('nav.keys')),
            h('a', { href: '/public' }, t('nav.public')),
          )
        : h('nav', { 'aria-label': t('nav.corridors') }, h('a', { href: '/public' }, t('nav.public'))),
      h('div', { class: 'spacer' }),
      h('nav', { 'aria-label': t('public.language') }, langNav),
      ctx
        ? h(
            'div',
            { class: 'who' },
            h('span', { id: 'who' }, t('signedInAs', { member: ctx.me.member.name, role: t(`role.${ctx.me.member.role}`), party: ctx.me.party.name })),
            h(
              'button',
              {
                type: 'button',
                id: 'signout',
                onclick: () => {
                  setToken(null);
                  session = null;
                  navigate('/app/');
                },
              },
              t('signout'),
            ),
          )
        : null,
    ),
    config.demo ? h('p', { class: 'demo', role: 'note' }, h('strong', {}, t('demo.notice')), ' ', t('demo.detail')) : null,
  ]);
}

async function ensureSession(): Promise<boolean> {
  if (session) return true;
  if (!getToken()) return false;
  try {
    const [me, parties] = await Promise.all([api.me(), api.parties()]);
    session = { me, parties };
    return true;
  } catch (e) {
    // Out of reach says nothing about the token: the page says so and offers to retry.
    if (e instanceof NetworkError) throw e;
    if (e instanceof ApiError && e.status === 401) {
      setToken(null);
      expired = true;
    }
    return false;
  }
}

async function route(): Promise<void> {
  // Every render below checks, after each wait, that no later navigation has begun since
  // (`stillCurrent`): a slow page's answer must not replace the page asked for after it.
  beginNavigation();
  const current = stillCurrent();
  disposeOverview();
  disposeCorridor();
  disposePropose();
  disposeIncidents();
  disposeMovement();
  let signedIn: boolean;
  try {
    signedIn = await ensureSession();
  } catch (e) {
    if (current()) renderFailure(e);
    return;
  }
  if (!current()) return;
  const unconfirmed = unconfirmedOwnToken();
  if (unconfirmed !== null && !session) {
    // A token made at a handover, not yet confirmed as kept: shown again (it exists nowhere else).
    renderHeader();
    renderKeepOwnToken(main, unconfirmed, () => {
      void ensureSession().then(() => {
        renderHeader();
        void route();
      });
    });
    return;
  }
  if (!signedIn || !session) {
    renderHeader();
    renderSignIn(main, expired ? t('signin.expired') : null, () => {
      expired = false;
      void ensureSession().then(() => {
        renderHeader();
        void route();
      });
    });
    return;
  }
  renderHeader();
  const ctx = ctxOf(session);
  const path = location.pathname.replace(/\/+$/, '');
  const m = /^\/app\/corridors\/([^/]+)(\/amend)?$/.exec(path);
  const mv = /^\/app\/movements\/([^/]+)$/.exec(path);
  try {
    if (m?.[1] && m[2]) {
      // Amend only where the corridor page would offer it (the API's own rules).
      const view = await api.corridor(decodeURIComponent(m[1]));
      if (!current()) return;
      if (allowedActions(ctx.actor, view).includes('amend')) await renderPropose(main, ctx, view);
      else renderNotAllowed(ctx, 'amend', view);
    }
    else if (m?.[1]) await renderCorridor(main, ctx, decodeURIComponent(m[1]));
    else if (path === '/app/propose') {
      // The same rule that hides the link in the header (and that the API enforces).
      if (canPropose(ctx.actor)) await renderPropose(main, ctx);
      else renderNotAllowed(ctx);
    }
    else if (path === '/app/incidents') await renderIncidents(main, ctx);
    else if (path === '/app/talks') await renderTalks(main, ctx);
    else if (path === '/app/keys') await renderKeys(main, ctx);
    else if (path === '/app/movements/new') {
      // The same rule that hides the link in the header (and that the API enforces).
      if (canNotifyMovement(ctx.actor)) await renderNotifyMovement(main, ctx);
      else renderNotAllowed(ctx, 'notify');
    }
    else if (mv?.[1]) await renderMovement(main, ctx, decodeURIComponent(mv[1]));
    else if (path === '' || path === '/app') await renderOverview(main, ctx);
    else renderNotFound(path);
  } catch (e) {
    // The failure of a page no longer asked for is not shown over the one that is.
    if (!current()) return;
    if (e instanceof ApiError && e.status === 401) {
      // The token was revoked or expired while in use: back to sign-in, which says so.
      setToken(null);
      session = null;
      expired = true;
      return route();
    }
    renderFailure(e);
  }
  if (!current()) return;
  document.title = `${document.querySelector('main h1')?.textContent ?? ''} — Passage`;
}

/** Never a dead end: what went wrong, in words, a way to try again, and the way back. */
function renderFailure(e: unknown): void {
  clear(main);
  const notFound = e instanceof ApiError && e.status === 404;
  // Out of reach is passing: the page says so in the user's language and offers to try again.
  const unreachable = e instanceof NetworkError;
  append(main, [
    h('h1', {}, notFound ? t('problem.not_found') : t('app.failedTitle')),
    h('p', { class: 'error', role: 'alert' }, notFound && e.message ? e.message : unreachable ? t('app.unreachable') : describeProblem(e).text),
    notFound ? null : h('p', {}, h('button', { type: 'button', id: 'retry', class: 'primary', onclick: () => void route() }, t('app.retry'))),
    h('p', {}, h('a', { href: '/app/', 'data-link': true }, `← ${t('corridor.back')}`)),
  ]);
  document.title = `${t('app.failedTitle')} — Passage`;
}

/** An address the app has no page for: says so, and leads back to the map. */
function renderNotFound(path: string): void {
  clear(main);
  main.append(h('h1', { id: 'not-found' }, t('app.notFoundTitle')), h('p', {}, t('app.notFound', { path })), h('p', {}, h('a', { href: '/app/', 'data-link': true }, `← ${t('corridor.back')}`)));
}

/** A page the member's role may not use: says so, and leads back to the map. */
function renderNotAllowed(ctx: Ctx, what: 'propose' | 'amend' | 'notify' = 'propose', corridor?: { id: string; title: string }): void {
  clear(main);
  const vars = { role: t(`role.${ctx.me.member.role}`), party: ctx.me.party.name };
  const words = { propose: ['propose.notAllowedTitle', 'propose.notAllowed'], amend: ['amend.notAllowedTitle', 'amend.notAllowed'], notify: ['notify.notAllowedTitle', 'notify.notAllowed'] } as const;
  append(main, [
    h('h1', { id: 'not-allowed' }, t(words[what][0])),
    h('p', {}, t(words[what][1], vars)),
    corridor ? h('p', {}, h('a', { href: `/app/corridors/${encodeURIComponent(corridor.id)}`, 'data-link': true }, `← ${corridor.title}`)) : null,
    h('p', {}, h('a', { href: '/app/', 'data-link': true }, `← ${t('corridor.back')}`)),
  ]);
}

document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a[data-link]') as HTMLAnchorElement | null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
  e.preventDefault();
  navigate(a.getAttribute('href') ?? '/app/');
  main.focus();
});
window.addEventListener('popstate', () => void route());

void api.config().then((c) => {
  config = c;
  void route();
});
