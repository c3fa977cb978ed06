import { api, ApiError, NetworkError, setToken } from '../api.js';
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
          await api.me(token);
          setToken(token);
          onSignedIn();
        } catch (err) {
          error.textContent = err instanceof NetworkError ? t('problem.network') : t('signin.failed', { detail: err instanceof ApiError ? err.message : String(err) });
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
