/**
 * Where an element is in a page, to find its equivalent in the page drawn again (a live redraw,
 * `keepPlace` in live.ts): the redrawn page has new elements, so an element is named by its
 * place, not by identity — the named elements around it (a `data-key`, or an id the page gave
 * it; `numbered` tells the ids `nextId` made, new at every draw, which name nothing) and its path
 * among same-kind siblings below the innermost of them. Pure: DOM elements, or plain trees in
 * the tests.
 */

/** What `placeKey` needs of an element (a DOM element has it; the unit tests give plain trees). */
export interface PlaceNode {
  readonly tagName: string;
  readonly parentElement: PlaceNode | null;
  readonly children: ArrayLike<PlaceNode>;
  getAttribute(name: string): string | null;
}

/** An element's own name across redraws: its `data-key`, or an id the page gave it (not a numbered one of `nextId`). */
export function anchorOf(el: PlaceNode, numbered: (id: string) => boolean): string | null {
  const tag = el.tagName.toLowerCase();
  const key = el.getAttribute('data-key');
  if (key !== null) return `${tag}[${key}]`;
  const id = el.getAttribute('id');
  return id && !numbered(id) ? `${tag}#${id}` : null;
}

/** `tag:i`: the element is the i-th of its kind among its parent's children. */
function stepOf(el: PlaceNode): string {
  let i = 0;
  for (const c of Array.from(el.parentElement?.children ?? [])) {
    if (c === el) break;
    if (c.tagName === el.tagName) i++;
  }
  return `${el.tagName.toLowerCase()}:${i}`;
}

/**
 * Where `el` is in `root`, to find its equivalent after a redraw: the named elements around it,
 * outermost first (`@form[correct:inc_1]`, looked up anywhere below the previous one), then its
 * path among same-kind siblings below the innermost (`details:0`, `summary:0`); with none, its
 * path from `root`. Null if `el` is not inside `root`.
 */
export function placeKey(el: PlaceNode, root: PlaceNode, numbered: (id: string) => boolean): string[] | null {
  const anchors: string[] = [];
  const steps: string[] = [];
  let n: PlaceNode | null = el;
  for (; n && n !== root; n = n.parentElement) {
    const a = anchorOf(n, numbered);
    if (a !== null) anchors.unshift(`@${a}`);
    else if (anchors.length === 0) steps.unshift(stepOf(n));
  }
  return n === root ? [...anchors, ...steps] : null;
}

function findAnchor(scope: PlaceNode, anchor: string, numbered: (id: string) => boolean): PlaceNode | null {
  for (const c of Array.from(scope.children)) {
    if (anchorOf(c, numbered) === anchor) return c;
    const deeper = findAnchor(c, anchor, numbered);
    if (deeper) return deeper;
  }
  return null;
}

/**
 * The element at `key` in `root` (null if the redraw has none), and the named elements of the key
 * found on the way, outermost first — what is left of the place when the element itself is gone
 * (another member decided the incident: its buttons went, its row stayed).
 */
export function findPlace(root: PlaceNode, key: readonly string[], numbered: (id: string) => boolean): { el: PlaceNode | null; anchors: PlaceNode[] } {
  const anchors: PlaceNode[] = [];
  let cur = root;
  for (const seg of key) {
    let next: PlaceNode | null;
    if (seg.startsWith('@')) next = findAnchor(cur, seg.slice(1), numbered);
    else {
      const [tag, i] = seg.split(':');
      next = Array.from(cur.children).filter((c) => c.tagName.toLowerCase() === tag)[Number(i)] ?? null;
    }
    if (!next) return { el: null, anchors };
    if (seg.startsWith('@')) anchors.push(next);
    cur = next;
  }
  return { el: cur, anchors };
}
