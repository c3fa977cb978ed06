/**
 * Where an element is across a live redraw (`placeKey` / `findPlace` in web/src/place.ts, used by live.ts), without
 * a browser: plain trees stand for the page before and after the redraw, which has new elements.
 */
import { describe, expect, it } from 'vitest';
import { anchorOf, findPlace, placeKey, type PlaceNode } from '../../web/src/place.js';

interface Node extends PlaceNode {
  readonly parentElement: Node | null;
  readonly children: Node[];
}

/** `el('tr', { 'data-key': 'incident:a' }, …)`: a node with its attributes and children. */
function el(tag: string, attrs: Record<string, string> = {}, ...children: Node[]): Node {
  const node = { tagName: tag.toUpperCase(), parentElement: null as Node | null, children, getAttribute: (n: string) => attrs[n] ?? null };
  for (const c of children) (c as { parentElement: Node | null }).parentElement = node;
  return node;
}

/** Ids `nextId` numbered (`decision-4`, `decision-4-about`) name nothing across a redraw. */
const numbered = (id: string): boolean => /^(decision|f)-\d+(-|$)/.test(id);

/** The incidents list as drawn with `ids` (newest first), each row with a state cell and a decide box. */
function list(ids: string[], decided: string[] = []): { root: Node; confirm: (id: string) => Node | undefined; summary: (id: string) => Node | undefined } {
  let n = 0;
  const rows = ids.map((id) =>
    el(
      'tr',
      { 'data-key': `incident:${id}`, 'data-state': decided.includes(id) ? 'confirmed' : 'reported' },
      el('td'),
      el('td', { class: 'incident-state', tabindex: '-1' }),
      el(
        'td',
        {},
        el('span', { id: `decision-${++n}-about` }),
        el('details', { 'data-key': `correct:${id}` }, el('summary'), el('form', { 'data-key': `correct:${id}` }, el('button'))),
        decided.includes(id) ? el('span') : el('div', { 'data-key': `decide:${id}` }, el('input', { id: `decision-${++n}` }), el('div', {}, el('button', { 'data-decision': 'confirm' }), el('button', { 'data-decision': 'dismiss' }))),
      ),
    ),
  );
  const root = el('div', {}, el('form', { id: 'incident-form' }, el('button', { id: 'incident-submit' })), el('section', {}, el('p', { id: `f-${++n}` }), el('table', { id: 'incidents' }, el('tbody', {}, ...rows))));
  const row = (id: string): Node | undefined => rows.find((r) => r.getAttribute('data-key') === `incident:${id}`);
  return {
    root,
    confirm: (id) => row(id)?.children[2]?.children[2]?.children[1]?.children[0],
    summary: (id) => row(id)?.children[2]?.children[1]?.children[0],
  };
}

describe('a live redraw finds the member’s place again', () => {
  it('names an element by the keyed elements around it and its path below the innermost', () => {
    const before = list(['b', 'a']);
    const key = placeKey(before.confirm('a') as Node, before.root, numbered);
    expect(key).toEqual(['@table#incidents', '@tr[incident:a]', '@div[decide:a]', 'div:0', 'button:0']);
    expect(placeKey(before.summary('b') as Node, before.root, numbered)).toEqual(['@table#incidents', '@tr[incident:b]', '@details[correct:b]', 'summary:0']);
    // An element the page named itself is its own key.
    const submit = before.root.children[0]?.children[0] as Node;
    expect(placeKey(submit, before.root, numbered)).toEqual(['@form#incident-form', '@button#incident-submit']);
    // Not inside the root: nothing to keep.
    expect(placeKey(el('button'), before.root, numbered)).toBeNull();
  });

  it('finds the same incident’s button after a new report was drawn above it', () => {
    const before = list(['b', 'a']);
    const key = placeKey(before.confirm('a') as Node, before.root, numbered) as string[];
    const after = list(['c', 'b', 'a']);
    const found = findPlace(after.root, key, numbered);
    expect(found.el).toBe(after.confirm('a'));
    expect(found.el).not.toBe(after.confirm('b'));
    expect(findPlace(after.root, placeKey(before.summary('b') as Node, before.root, numbered) as string[], numbered).el).toBe(after.summary('b'));
  });

  it('a button that is gone leaves its row: what is left of the place, innermost last', () => {
    const before = list(['b', 'a']);
    const key = placeKey(before.confirm('a') as Node, before.root, numbered) as string[];
    const after = list(['b', 'a'], ['a']);
    const found = findPlace(after.root, key, numbered);
    expect(found.el).toBeNull();
    expect(found.anchors.map((a) => anchorOf(a, numbered))).toEqual(['table#incidents', 'tr[incident:a]']);
    // A row that is gone altogether leaves only the table.
    expect(findPlace(list(['b']).root, key, numbered).anchors.map((a) => anchorOf(a, numbered))).toEqual(['table#incidents']);
  });

  it('ids numbered at each draw do not name an element; a page with no names is found by its path', () => {
    expect(anchorOf(el('input', { id: 'decision-7' }), numbered)).toBeNull();
    expect(anchorOf(el('span', { id: 'decision-7-about' }), numbered)).toBeNull();
    expect(anchorOf(el('table', { id: 'incidents' }), numbered)).toBe('table#incidents');
    expect(anchorOf(el('details', { 'data-key': 'x', id: 'y' }), numbered)).toBe('details[x]');
    const tree = (): Node => el('main', {}, el('p'), el('div', {}, el('a'), el('p'), el('a')));
    const before = tree();
    const link = before.children[1]?.children[2] as Node;
    const key = placeKey(link, before, numbered) as string[];
    expect(key).toEqual(['div:0', 'a:1']);
    const after = tree();
    expect(findPlace(after, key, numbered).el).toBe(after.children[1]?.children[2]);
  });
});
