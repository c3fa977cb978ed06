/** A tiny DOM builder: text is always set as text, never parsed as HTML. */
export type Child = Node | Element | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k === 'class') el.className = String(v);
    else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
    else if (k === 'checked' && 'checked' in el) (el as HTMLInputElement).checked = Boolean(v);
    else if (k === 'style' && typeof v === 'object') Object.assign(el.style, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}

let uid = 0;
export const nextId = (prefix: string): string => `${prefix}-${++uid}`;

/**
 * A wide table in its own horizontally scrollable box (focusable, so the keyboard can scroll it),
 * so that the page itself never scrolls sideways. While the content is wider than the box, the
 * box is marked `data-overflow` (shadows at the clipped edges) and `hint` is shown above it.
 */
export function scrollBox(content: Element, label: string, hint: string): HTMLElement {
  const box = h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': label }, content);
  const wrap = h('div', { class: 'scroll-wrap' }, h('p', { class: 'scroll-hint small', 'aria-hidden': 'true' }, hint), box);
  const check = (): void => {
    wrap.dataset.overflow = String(box.scrollWidth > box.clientWidth + 1);
  };
  if (typeof ResizeObserver !== 'undefined') new ResizeObserver(check).observe(box);
  requestAnimationFrame(check);
  return wrap;
}

/** A value shown in words, the raw value kept in its title (and `data-value`) for those who need it. */
export function labelled(text: string, raw: string): HTMLElement {
  return h('span', { title: raw, 'data-value': raw }, text);
}

/** Where a form control's value is kept across a re-render: its form, its name, and (a checkbox, a radio) its value. */
function fieldKey(el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): string | null {
  if (!el.name) return null;
  const form = el.form;
  const where = form ? (form.id || form.dataset.action || '') : '';
  const box = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio');
  return `${where}|${el.name}${box ? `=${el.value}` : ''}`;
}

/** What the user has typed or chosen in `root`'s forms (file choices excepted), to restore after a re-render. */
export function snapshotFields(root: ParentNode): Map<string, string | boolean> {
  const out = new Map<string, string | boolean>();
  for (const el of root.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')) {
    if (el instanceof HTMLInputElement && (el.type === 'file' || el.type === 'hidden' || el.type === 'password')) continue;
    const key = fieldKey(el);
    if (key === null || out.has(key)) continue;
    out.set(key, el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value);
  }
  return out;
}

/** Puts back what `snapshotFields` kept, into the controls the re-rendered page has again. */
export function restoreFields(root: ParentNode, saved: ReadonlyMap<string, string | boolean>): void {
  for (const el of root.querySelectorAll<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>('input, select, textarea')) {
    const key = fieldKey(el);
    const v = key === null ? undefined : saved.get(key);
    if (v === undefined) continue;
    if (typeof v === 'boolean') (el as HTMLInputElement).checked = v;
    else el.value = v;
  }
}

/** A labelled form field: the label bound to the input (given an id if it has none), and an optional help line under it. */
export function field(label: string, input: HTMLElement, help?: string): HTMLElement {
  const id = input.id || nextId('f');
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), input, help ? h('p', { class: 'small', id: `${id}-help` }, help) : null);
}
