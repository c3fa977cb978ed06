/**
 * Pages that follow the event stream draw themselves again from the server, and the member who is
 * typing in one of their forms, or tabbing through their lists, must not lose their place: what
 * was typed, ticked or chosen (`snapshotFields`, as for a change of language), the element that
 * had the focus (a field, and where in it; a button, a link, a `<summary>`, a row's `[tabindex]`
 * cell), which `<details>` were open or closed, the scroll positions of scroll boxes and of the
 * page (`keepPlace`), and the status lines the page showed (`captureStatus`, at the swap) all
 * survive the redraw. A redraw waits while a confirmation dialog is open or a request is in flight.
 *
 * The redrawn page has new elements: an element is found again by where it is (`placeKey`), not
 * by identity — by the named elements around it (a `data-key`, or an id the page gave it; not one
 * numbered by `nextId`, new at every draw) and its path among same-kind siblings below the
 * innermost of them. A list's rows carry `data-key`s (`incident:<id>`), so a row added above
 * does not move the focus to another incident's button.
 */
import { coalescer, type Coalescer } from './coalesce.js';
import { fieldKey, numberedId, restoreFields, snapshotFields } from './dom.js';
import { findPlace as findIn, placeKey as keyIn } from './place.js';

/** Where `el` is in `root` (`placeKey` of place.ts, ids numbered by `nextId` naming nothing). */
const placeKey = (el: Element, root: Element): string[] | null => keyIn(el, root, numberedId);
const findPlace = (root: Element, key: readonly string[]): { el: Element | null; anchors: Element[] } => findIn(root, key, numberedId) as { el: Element | null; anchors: Element[] };

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Whether the page is in the middle of something a redraw would cut short: a dialog, a request. */
export function busyNow(root: ParentNode): boolean {
  return document.querySelector('dialog[open]') !== null || root.querySelector('[data-busy=true]') !== null;
}

/** Keys that scroll the page or a box (or move the focus, which may scroll it). */
const SCROLL_KEYS = new Set(['PageUp', 'PageDown', 'Home', 'End', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', ' ', 'Tab']);

const FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex], [contenteditable]';

/** Focuses `el` (without scrolling); whether it took the focus (a disabled or hidden element does not). */
function focused(el: Element | null): boolean {
  if (!(el instanceof HTMLElement)) return false;
  el.focus({ preventScroll: true });
  return document.activeElement === el;
}

/**
 * Takes note of where the member is in `root` — the focused element, the open and closed
 * `<details>`, the scroll positions of its scroll boxes and of the page — and returns what puts
 * them back into the content that replaced `root`'s. Taken just before a swap (or a redraw whose
 * requests run meanwhile: focus the member moved elsewhere in the meantime is left where it is).
 */
export function keepPlace(root: HTMLElement): (apply?: boolean) => void {
  const active = document.activeElement instanceof HTMLElement && document.activeElement !== root && root.contains(document.activeElement) ? document.activeElement : null;
  let field: { key: string; index: number; start: number | null; end: number | null } | null = null;
  let place: string[] | null = null;
  if (active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement || active instanceof HTMLSelectElement) {
    // A field by its form and name (`fieldKey`): the rows of a form are found again in order.
    const key = fieldKey(active);
    if (key !== null) {
      const same = [...root.querySelectorAll<Control>('input, select, textarea')].filter((el) => fieldKey(el) === key);
      const selectable = !(active instanceof HTMLSelectElement) && (active.type === 'text' || active.type === 'textarea' || active.type === 'search');
      field = { key, index: same.indexOf(active), start: selectable ? active.selectionStart : null, end: selectable ? active.selectionEnd : null };
    }
  }
  if (active && !field) place = placeKey(active, root);
  const details = new Map<string, boolean>();
  for (const d of root.querySelectorAll('details')) {
    const k = placeKey(d, root);
    if (k) details.set(k.join(' '), d.open);
  }
  const boxes: { key: string[]; top: number; left: number }[] = [];
  for (const el of [root, ...root.querySelectorAll<HTMLElement>('*')]) {
    if (el.scrollTop === 0 && el.scrollLeft === 0) continue;
    const k = el === root ? [] : placeKey(el, root);
    if (k) boxes.push({ key: k, top: el.scrollTop, left: el.scrollLeft });
  }
  const page = { top: window.scrollY, left: window.scrollX };
  // A member who scrolls while the redraw's requests run has moved on: their scrolling stays.
  let scrolled = false;
  const moved = (e: Event): void => {
    if (!(e instanceof KeyboardEvent) || SCROLL_KEYS.has(e.key)) scrolled = true;
  };
  const by = ['wheel', 'touchmove', 'keydown', 'mousedown'] as const;
  for (const type of by) window.addEventListener(type, moved, { capture: true, passive: true });
  return (apply = true) => {
    for (const type of by) window.removeEventListener(type, moved, { capture: true });
    if (!apply) return;
    for (const d of root.querySelectorAll('details')) {
      const k = placeKey(d, root);
      const open = k && details.get(k.join(' '));
      if (open !== undefined && open !== null && d.open !== open) d.open = open;
    }
    const put: { el: HTMLElement; top: number; left: number; at: [number, number] }[] = [];
    for (const b of scrolled ? [] : boxes) {
      const el = findPlace(root, b.key).el;
      if (!(el instanceof HTMLElement)) continue;
      if (el.scrollTop !== b.top) el.scrollTop = b.top;
      if (el.scrollLeft !== b.left) el.scrollLeft = b.left;
      put.push({ el, top: b.top, left: b.left, at: [el.scrollTop, el.scrollLeft] });
    }
    // A box whose size settles in the next frame (a scroll box marks its overflow then, with a
    // border) may not have gone as far yet: once more then, unless the member scrolled it meanwhile.
    if (put.some((p) => p.at[0] !== p.top || p.at[1] !== p.left)) {
      requestAnimationFrame(() => {
        for (const p of put) {
          if (p.el.scrollTop !== p.at[0] || p.el.scrollLeft !== p.at[1]) continue;
          p.el.scrollTop = p.top;
          p.el.scrollLeft = p.left;
        }
      });
    }
    // Only where the redraw took the focus away (to <body>): not where the member moved it meanwhile.
    const now = document.activeElement;
    const lost = active !== null && (now === null || now === document.body || now === document.documentElement || (now === active && !active.isConnected));
    if (lost && field) {
      const el = [...root.querySelectorAll<Control>('input, select, textarea')].filter((x) => fieldKey(x) === field.key)[field.index];
      if (el && focused(el) && field.start !== null && !(el instanceof HTMLSelectElement)) el.setSelectionRange(field.start, field.end);
    } else if (lost && place) {
      const found = findPlace(root, place);
      // The element itself, else what is left of its place: the innermost named element that
      // stayed (a row), or the first thing in it that takes the focus (its state cell).
      if (!focused(found.el as Element | null)) {
        for (const a of found.anchors.reverse()) {
          if (focused(a as Element) || [...(a as Element).querySelectorAll(FOCUSABLE)].some((x) => focused(x))) break;
        }
      }
    }
    if (!scrolled && (window.scrollY !== page.top || window.scrollX !== page.left)) window.scrollTo({ top: page.top, left: page.left, behavior: 'instant' });
  };
}

/** Draws `root` again with `render`, keeping what the user was doing in it. */
export async function keepingInput(root: HTMLElement, render: () => Promise<void>): Promise<void> {
  // Only what the member changed: a field left as drawn shows the newer data.
  let typed = snapshotFields(root, true);
  let restore = keepPlace(root);
  // The member goes on while the redraw's requests run: what they type, choose or move into in
  // the content still shown is taken again then (the swap comes later, in one go), or it would
  // be lost — a reason typed just before pressing Resume came back empty, and the form refused it.
  const retake = (e: Event): void => {
    if (!(e.target instanceof Node) || !e.target.isConnected) return;
    typed = snapshotFields(root, true);
    restore(false);
    restore = keepPlace(root);
  };
  // Not 'change' (a select's choice, a tick fire 'input' too): with it, the live-pages tests lost
  // the focus after a redraw — by our reading Chromium fires it at a typed field the swap removes,
  // when the old content is half gone and the focus has left it, and the place taken then is empty.
  const on = ['input', 'focusin'] as const;
  for (const type of on) root.addEventListener(type, retake, true);
  try {
    await render();
  } finally {
    for (const type of on) root.removeEventListener(type, retake, true);
    restoreFields(root, typed);
    restore();
  }
}

/**
 * What the status lines (ids ending in `-msg`) of `root` say now, to carry into the content that
 * replaces it: a live redraw is not an action, and an action's outcome said a moment ago stays.
 * Taken at the moment of the swap (not before the redraw's requests), so an outcome said while
 * they ran is carried too. Returns the function that puts them into the new content, where its
 * line is empty.
 */
export function captureStatus(root: ParentNode): (into: ParentNode) => void {
  const said = [...root.querySelectorAll<HTMLElement>('[id$="-msg"]')].filter((m) => m.textContent).map((m) => ({ id: m.id, className: m.className, nodes: [...m.childNodes] }));
  return (into) => {
    for (const s of said) {
      const m = into.querySelector<HTMLElement>(`#${CSS.escape(s.id)}`);
      if (!m || m.textContent) continue;
      m.className = s.className;
      m.replaceChildren(...s.nodes);
    }
  };
}

/**
 * A page's live redraw: coalesced (a burst of events draws once, and at least once a second
 * while they keep coming), postponed while a dialog is open, a request is in flight or the page
 * is being drawn anyway (`alsoBusy`).
 */
export function liveRedraw(root: HTMLElement, redraw: () => Promise<void>, alsoBusy: () => boolean = () => false): Coalescer {
  const c: Coalescer = coalescer(
    async () => {
      if (busyNow(root) || alsoBusy()) {
        // Not now: a dialog is open or a request runs. Try again shortly.
        setTimeout(() => c.poke(), 500);
        return;
      }
      await keepingInput(root, redraw);
    },
    { quietMs: 300, maxWaitMs: 1000 },
  );
  return c;
}
