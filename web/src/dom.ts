/** A tiny DOM builder: text is always set as text, never parsed as HTML. */
export type Child = Node | Element | string | number | null | undefined | false | Child[];

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, unknown> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    else if (k === 'class') el.className = String(v);
    // As the page's default (what a reset restores, and what tells an edit from what was drawn).
    else if (k === 'value' && (el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) el.defaultValue = String(v);
    else if (k === 'value' && 'value' in el) (el as HTMLSelectElement).value = String(v);
    else if (k === 'checked' && el instanceof HTMLInputElement) el.defaultChecked = Boolean(v);
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
/** The prefixes `nextId` has numbered ids with: such an id is new at every draw, and names nothing across a redraw. */
const numbered = new Set<string>();
export const nextId = (prefix: string): string => {
  numbered.add(prefix);
  return `${prefix}-${++uid}`;
};
/** Whether `id` is one `nextId` made, or made from one (`decision-4-about`): a prefix it numbered, a dash, a number. */
export function numberedId(id: string): boolean {
  for (const p of numbered) if (id.startsWith(`${p}-`) && /^\d+(-|$)/.test(id.slice(p.length + 1))) return true;
  return false;
}

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

/**
 * Where a form control's value is kept across a re-render: its form (by id, `data-key` or
 * `data-action`; a control outside a form, by the nearest `data-key` around it), its name, and (a
 * checkbox, a radio) its value. Controls of one name repeated in rows (a movement's vehicles) share
 * a key and are kept in order.
 */
export function fieldKey(el: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement): string | null {
  if (!el.name) return null;
  const form = el.form;
  const where = form ? form.id || form.dataset.key || form.dataset.action || '' : (el.closest<HTMLElement>('[data-key]')?.dataset.key ?? '');
  const box = el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio');
  return `${where}|${el.name}${box ? `=${el.value}` : ''}`;
}

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The controls of `root` whose values a re-render keeps (file choices, hidden and password fields excepted). */
function keptControls(root: ParentNode): Control[] {
  return [...root.querySelectorAll<Control>('input, select, textarea')].filter((el) => !(el instanceof HTMLInputElement && (el.type === 'file' || el.type === 'hidden' || el.type === 'password')));
}

/** Whether the user changed a control from what the page drew in it. */
function edited(el: Control): boolean {
  if (el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio')) return el.checked !== el.defaultChecked;
  if (el instanceof HTMLSelectElement) return [...el.options].some((o) => o.selected !== o.defaultSelected);
  return el.value !== el.defaultValue;
}

/**
 * What the user has typed or chosen in `root`'s forms (file choices excepted), to restore after a
 * re-render: for each key, every control's value in document order (rows of one form repeat names).
 * `editedOnly` (a live redraw with newer data): only what the user changed — a value left as the
 * page drew it takes the newer data's (an `undefined` keeps its place in the order).
 */
export function snapshotFields(root: ParentNode, editedOnly = false): Map<string, (string | boolean | undefined)[]> {
  const out = new Map<string, (string | boolean | undefined)[]>();
  for (const el of keptControls(root)) {
    const key = fieldKey(el);
    if (key === null) continue;
    const v = editedOnly && !edited(el) ? undefined : el instanceof HTMLInputElement && (el.type === 'checkbox' || el.type === 'radio') ? el.checked : el.value;
    out.set(key, [...(out.get(key) ?? []), v]);
  }
  return out;
}

/** How many controls `snapshotFields` kept under a name in a form (the rows a form must rebuild before `restoreFields`). */
export function keptCount(saved: ReadonlyMap<string, readonly unknown[]>, form: string, name: string): number {
  return saved.get(`${form}|${name}`)?.length ?? 0;
}

/** Puts back what `snapshotFields` kept, into the controls the re-rendered page has again (the n-th control of a key gets its n-th value). */
export function restoreFields(root: ParentNode, saved: ReadonlyMap<string, readonly (string | boolean | undefined)[]>): void {
  const seen = new Map<string, number>();
  for (const el of keptControls(root)) {
    const key = fieldKey(el);
    if (key === null) continue;
    const i = seen.get(key) ?? 0;
    seen.set(key, i + 1);
    const v = saved.get(key)?.[i];
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
