import { api, NetworkError, setToken, type Me } from '../api.js';
import { describeProblem, problemDetail } from '../feedback.js';
import { busySubmit } from '../busy.js';
import { clear, h } from '../dom.js';
import { t } from '../i18n.js';

/** The sign-in form; `note` (e.g. "your session has expired") is shown above it. */
export function renderSignIn(main: HTMLElement, note: string | null, onSignedIn: () => void): void {
  clear(main);
  const input = h('input', { id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-help', placeholder: 'psg_…' });
  const error = h('p', { class: 'error', role: 'alert', id: 'signin-error' });
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: busySubmit(async () => {
        error.textContent = '';
        const token = input.value.trim();
        try {
          const me = await api.me(token);
          if (me.handedOverToken) {
            renderHandover(main, me, token, onSignedIn);
            return;
          }
          setToken(token);
          onSignedIn();
        } catch (err) {
          // The app's sentence for the refusal (a token unknown or revoked), the server's words under it.
          if (err instanceof NetworkError) error.textContent = t('problem.network');
          else {
            const p = describeProblem(err, { unauthenticated: 'signin.unknownToken' });
            error.replaceChildren(t('signin.failed', { detail: p.main }), ...(p.detail ? [problemDetail(p.detail)] : []));
          }
          input.focus();
        }
      }),
    },
    h('h1', {}, t('signin.title')),
    note ? h('p', { class: 'note-box', id: 'signin-note', role: 'status' }, note) : null,
    h('label', { for: 'token' }, t('signin.token')),
    input,
    h('p', { id: 'token-help', class: 'small' }, t('signin.help')),
    h('button', { type: 'submit', class: 'primary' }, t('signin.submit')),
    error,
  );
  main.append(form);
  input.focus();
}

/** Where a token made at a handover waits, until its holder says it is kept (a reload shows it again). */
const UNCONFIRMED = 'passage_own_token_unconfirmed';

/** The member's own token made at a handover and not yet confirmed as kept, if any. */
export function unconfirmedOwnToken(): string | null {
  return sessionStorage.getItem(UNCONFIRMED);
}

/**
 * A token the mediator handed over (it has seen it) can only make its holder a token of its own,
 * which retires it. The new token is shown once, to be kept, before the app goes on with it.
 */
function renderHandover(main: HTMLElement, me: Me, handed: string, onSignedIn: () => void): void {
  clear(main);
  const error = h('p', { class: 'error', role: 'alert', id: 'handover-error' });
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: busySubmit(async () => {
        error.textContent = '';
        try {
          const issued = await api.issueToken(me.member.id, 'web app', handed);
          // Kept apart from the session until the user says it is kept: a reload or a change of
          // language before then shows it again instead of losing it (the handed-over one is gone).
          sessionStorage.setItem(UNCONFIRMED, issued.token);
          renderKeepOwnToken(main, issued.token, onSignedIn);
        } catch (err) {
          if (err instanceof NetworkError) error.textContent = t('problem.network');
          else {
            const p = describeProblem(err, { unauthenticated: 'signin.handedOverSpent' });
            error.replaceChildren(t('signin.handover.failed', { detail: p.main }), ...(p.detail ? [problemDetail(p.detail)] : []));
          }
        }
      }),
    },
    h('h1', {}, t('signin.handover.title')),
    h('p', { id: 'handover-why' }, t('signin.handover.why', { name: me.member.name, party: me.party.name })),
    h('button', { type: 'submit', class: 'primary', id: 'handover-make' }, t('signin.handover.make')),
    error,
  );
  main.append(form);
  form.querySelector<HTMLButtonElement>('#handover-make')?.focus();
}

/** The member's own token, shown until its holder says it is kept; then the app goes on with it. */
export function renderKeepOwnToken(main: HTMLElement, token: string, onSignedIn: () => void): void {
  clear(main);
  const value = h('input', { id: 'own-token', type: 'text', readonly: true, value: token, 'aria-describedby': 'own-token-note', spellcheck: 'false' });
  const copied = h('span', { class: 'small', role: 'status' });
  main.append(
    h(
      'div',
      { class: 'card signin', id: 'handover-result' },
      h('h1', {}, t('signin.handover.title')),
      h('p', { id: 'own-token-note', class: 'note-box' }, t('signin.handover.done')),
      value,
      h('button', { type: 'button', onclick: () => void navigator.clipboard?.writeText(token).then(() => (copied.textContent = t('signin.handover.copied'))) }, t('signin.handover.copy')),
      copied,
      h(
        'button',
        {
          type: 'button',
          class: 'primary',
          id: 'handover-continue',
          onclick: () => {
            setToken(token);
            sessionStorage.removeItem(UNCONFIRMED);
            onSignedIn();
          },
        },
        t('signin.handover.continue'),
      ),
    ),
  );
  value.select();
}
