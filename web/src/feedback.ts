/**
 * Form feedback: a message at the field it is about (`aria-invalid`, `aria-describedby`), and
 * clearing every message of a form when the user edits it or acts again.
 */
import { ApiError, NetworkError } from './api.js';
import { h } from './dom.js';
import { t, type MessageKey } from './i18n.js';

/**
 * The server's own words, as a secondary line under the app's sentence: English (marked so, for
 * screen readers), smaller, for those who need the specifics.
 */
export function problemDetail(detail: string): HTMLElement {
  return h('span', { class: 'problem-detail', lang: 'en' }, detail);
}

/** Shows `text` under `input` (or under the element that holds a group of inputs); `detail`, the server's words, as a second line. */
export function setFieldError(input: HTMLElement, text: string, detail = ''): void {
  const id = `${input.id || 'field'}-error`;
  let p = document.getElementById(id);
  if (!p) {
    p = h('p', { class: 'field-error error', id, role: 'alert' });
    input.after(p);
  }
  p.replaceChildren(text, ...(detail ? [problemDetail(detail)] : []));
  input.setAttribute('aria-invalid', 'true');
  const described = (input.getAttribute('aria-describedby') ?? '').split(' ').filter(Boolean);
  if (!described.includes(id)) input.setAttribute('aria-describedby', [...described, id].join(' '));
}

/** Removes the message `setFieldError` put under `input`. */
export function clearFieldError(input: HTMLElement): void {
  const id = `${input.id || 'field'}-error`;
  document.getElementById(id)?.remove();
  input.removeAttribute('aria-invalid');
  const rest = (input.getAttribute('aria-describedby') ?? '').split(' ').filter((x) => x && x !== id);
  if (rest.length) input.setAttribute('aria-describedby', rest.join(' '));
  else input.removeAttribute('aria-describedby');
}

/** Removes every field message inside `root`. */
export function clearFieldErrors(root: Element): void {
  for (const el of [...root.querySelectorAll<HTMLElement>('[aria-invalid=true]')]) clearFieldError(el);
  for (const p of [...root.querySelectorAll('.field-error')]) p.remove();
}

/**
 * Acting again or editing a form makes the last message stale: the message line empties, the
 * field being edited loses its mark, and a new attempt clears every mark (capture: before the
 * form's own submit handler runs and sets new ones).
 */
export function clearOnEdit(root: HTMLElement, msg: HTMLElement): void {
  const stale = (e: Event): void => {
    msg.textContent = '';
    msg.className = 'msg';
    const marked = (e.target as HTMLElement).closest<HTMLElement>('[aria-invalid=true]');
    if (marked) clearFieldError(marked);
    if (e.type === 'submit') clearFieldErrors(root);
  };
  root.addEventListener('input', stale, true);
  root.addEventListener('change', stale, true);
  root.addEventListener('submit', stale, true);
}

/** A latitude or longitude as typed: the number, or null when it is empty, not a number or out of range. */
export function parseCoordinate(raw: string, limit: 90 | 180): number | null {
  if (raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}

/** Problem codes the app has its own words for (`problem.<code>` in src/i18n/messages.ts). */
const KNOWN = new Set([
  'validation_failed', 'forbidden', 'unauthenticated', 'not_found', 'transition_not_allowed', 'terms_mismatch', 'already_signed',
  'key_not_of_party', 'key_unknown', 'key_revoked', 'key_invalid', 'signature_invalid', 'jws_malformed', 'alg_not_allowed',
  'not_a_required_guarantor', 'version_conflict', 'precondition_failed', 'precondition_required', 'window_invalid',
  'window_end_before_start', 'invalid_time', 'invalid_rrule', 'unknown_time_zone', 'coordinate_out_of_range', 'route_too_short',
  'route_degenerate', 'route_edge_too_long', 'route_too_long', 'width_out_of_range', 'unknown_guarantor', 'rate_limited', 'duplicate',
]);

/** A refusal in words: the app's sentence, and the server's words for its specifics (English; empty when the sentence is all there is). */
export interface ProblemWords {
  /** The app's sentence for the problem's code, in the user's language (the server's words where it has none). */
  readonly main: string;
  /** The server's detail, shown only as a secondary line under `main`. */
  readonly detail: string;
  /** The JSON path of the field the server names, if any. */
  readonly path: string | null;
  /** At that field: the app's sentence, and the server's words about the field. */
  readonly fieldMain: string;
  readonly fieldDetail: string;
  /** All of it on one line (for a page's failure paragraph). */
  readonly text: string;
}

/**
 * One message for a refusal: the app's words for the problem code where it has them (the token
 * unknown or revoked, a role that may not, not found, terms that are not the current ones, a
 * version changed meanwhile, input not valid …), in the user's language; the server's detail —
 * English, for the specifics — only as a secondary line under it (never the itemised errors
 * repeated after it); and the field it is about when the server names one. Errors raised in the
 * browser give their message.
 */
export function describeProblem(e: unknown, words: Partial<Record<string, MessageKey>> = {}): ProblemWords {
  const plain = (main: string, path: string | null = null): ProblemWords => ({ main, detail: '', path, fieldMain: main, fieldDetail: '', text: main });
  // No answer at all is no refusal: say so in the user's language, not the browser's English.
  if (e instanceof NetworkError) return plain(t('problem.network'));
  if (e instanceof ApiError) {
    const own = words[e.code];
    const known = own ? t(own) : KNOWN.has(e.code) ? t(`problem.${e.code}` as MessageKey) : null;
    const named = e.errors.find((x) => x.path && x.path !== '/');
    // A required field left empty (the server's code `required`): the schema's words ("Too
    // small: expected string to have >=1 characters") are for programmers, and English; the app
    // says it in the user's language.
    if (named?.code === 'required') return plain(t('problem.required'), named.path ?? null);
    const detail = e.message.trim();
    if (!known) {
      const main = detail || e.code;
      return { main, detail: '', path: named?.path ?? null, fieldMain: named ? named.message : main, fieldDetail: '', text: main };
    }
    return { main: known, detail, path: named?.path ?? null, fieldMain: known, fieldDetail: named ? named.message : detail, text: detail ? `${known} — ${detail}` : known };
  }
  return plain(e instanceof Error ? e.message : String(e));
}

/**
 * Shows a refusal: at the field `fieldFor(path)` when the form has it (and a short pointer in
 * `msg`), else in `msg` ("Refused: …"; a server out of reach refused nothing, and is said as it is). `words` gives a problem code the app's words
 * for what this form acts on (an incident, not a corridor). Returns the field used, if any.
 */
export function showProblem(e: unknown, msg: HTMLElement, fieldFor: (path: string) => HTMLElement | null = () => null, words: Partial<Record<string, MessageKey>> = {}): HTMLElement | null {
  const p = describeProblem(e, words);
  const field = p.path ? fieldFor(p.path) : null;
  msg.classList.add('error');
  msg.classList.remove('ok');
  if (field) {
    setFieldError(field, p.fieldMain, p.fieldDetail);
    msg.textContent = t('problem.seeField');
    return field;
  }
  // The sentence first (`.problem-main`, which a caller may add to), the server's words under it.
  msg.replaceChildren(h('span', { class: 'problem-main' }, e instanceof NetworkError ? p.main : t('actions.failed', { detail: p.main })), ...(p.detail ? [problemDetail(p.detail)] : []));
  return null;
}

/** The element for a JSON path: the longest prefix of `path` that `fields` names (an amendment's `/terms` is dropped). */
export function fieldByPath(fields: Record<string, HTMLElement | null | undefined>, path: string): HTMLElement | null {
  let p = path.replace(/^\/terms(?=\/)/, '');
  while (p) {
    const f = fields[p];
    if (f) return f;
    p = p.replace(/\/[^/]*$/, '');
  }
  return null;
}
