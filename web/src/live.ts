/**
 * Pages that follow the event stream draw themselves again from the server, and the member who is
 * typing in one of their forms must not lose a word of it: what was typed, ticked or chosen
 * (`snapshotFields`, as for a change of language), which boxes were open, the field being typed
 * in (and where in it), the status lines the page showed (`captureStatus`, at the swap) and the
 * scroll position all survive the redraw. A redraw waits while a confirmation dialog is open or a
 * request is in flight.
 */
import { coalescer, type Coalescer } from './coalesce.js';
import { fieldKey, restoreFields, snapshotFields } from './dom.js';

type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** Whether the page is in the middle of something a redraw would cut short: a dialog, a request. */
export function busyNow(root: ParentNode): boolean {
  return document.querySelector('dialog[open]') !== null || root.querySelector('[data-busy=true]') !== null;
}

/** Draws `root` again with `render`, keeping what the user was doing in it. */
export async function keepingInput(root: HTMLElement, render: () => Promise<void>): Promise<void> {
  // Only what the member changed: a field left as drawn shows the newer data.
  const typed = snapshotFields(root, true);
  const open = new Set([...root.querySelectorAll<HTMLDetailsElement>('details[data-key][open]')].map((d) => d.dataset.key));
  const active = document.activeElement;
  let focus: { key: string; index: number; start: number | null; end: number | null } | null = null;
  if ((active instanceof HTMLInputElement || active instanceof HTMLTextAreaElement || active instanceof HTMLSelectElement) && root.contains(active)) {
    const key = fieldKey(active);
    if (key !== null) {
      const same = [...root.querySelectorAll<Control>('input, select, textarea')].filter((el) => fieldKey(el) === key);
      const selectable = !(active instanceof HTMLSelectElement) && (active.type === 'text' || active.type === 'textarea' || active.type === 'search');
      focus = { key, index: same.indexOf(active), start: selectable ? active.selectionStart : null, end: selectable ? active.selectionEnd : null };
    }
  }
  const scroll = window.scrollY;
  await render();
  for (const d of root.querySelectorAll<HTMLDetailsElement>('details[data-key]')) if (open.has(d.dataset.key)) d.open = true;
  restoreFields(root, typed);
  if (focus) {
    const el = [...root.querySelectorAll<Control>('input, select, textarea')].filter((x) => fieldKey(x) === focus.key)[focus.index];
    if (el) {
      el.focus({ preventScroll: true });
      if (focus.start !== null && !(el instanceof HTMLSelectElement)) el.setSelectionRange(focus.start, focus.end);
    }
  }
  window.scrollTo({ top: scroll, behavior: 'instant' });
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
