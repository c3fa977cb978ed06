/**
 * Form feedback: a message at the field it is about (`aria-invalid`, `aria-describedby`), and
 * clearing every message of a form when the user edits it or acts again.
 */
import { h } from './dom.js';

/** Shows `text` under `input` (or under the element that holds a group of inputs). */
export function setFieldError(input: HTMLElement, text: string): void {
  const id = `${input.id || 'field'}-error`;
  let p = document.getElementById(id);
  if (!p) {
    p = h('p', { class: 'field-error error', id, role: 'alert' });
    input.after(p);
  }
  p.textContent = text;
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

/** A latitude or longitude as typed: the number, or null when it is empty, not a number or out of range. */
export function parseCoordinate(raw: string, limit: 90 | 180): number | null {
  if (raw.trim() === '') return null;
  const n = Number(raw);
  return Number.isFinite(n) && Math.abs(n) <= limit ? n : null;
}
