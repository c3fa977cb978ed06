/**
 * Request bodies as JSON, with two rules more than JSON itself, for characters JSON text can
 * carry as an escape but Passage cannot store:
 * - no lone UTF-16 surrogate (`"\ud800"`): no UTF-8 bytes can hold one, and every record Passage
 *   signs or hashes is RFC 8785 canonical JSON, which has no way to write one — such a string
 *   broke the write with a 500 or was stored altered (as U+FFFD);
 * - no NUL (`"\u0000"`): PostgreSQL's text and jsonb cannot hold it, so the same request that
 *   SQLite stored failed there with a 500; no field has a use for it.
 */

/** Why the string cannot be stored as given, or undefined when it can. */
export function unstorable(s: string): 'a lone UTF-16 surrogate (\\ud800–\\udfff without its pair)' | 'a NUL character (\\u0000)' | undefined {
  if (!s.isWellFormed()) return 'a lone UTF-16 surrogate (\\ud800–\\udfff without its pair)';
  if (s.includes('\u0000')) return 'a NUL character (\\u0000)';
  return undefined;
}

/** The JSON Pointer of the first string (or object key) in `value` that cannot be stored, and why; else undefined. Any depth: no recursion. */
export function unstorableStringAt(value: unknown): { path: string; why: NonNullable<ReturnType<typeof unstorable>> } | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      const why = unstorable(v);
      if (why) return { path, why };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const why = unstorable(k);
        if (why) return { path: at, why };
        stack.push([(v as Record<string, unknown>)[k], at]);
      }
    }
  }
  return undefined;
}

/** Whether the JSON text could hold such a string at all: only through a \u escape. */
export function mayHoldUnstorable(text: string): boolean {
  return text.includes('\\u');
}

/**
 * Where a body that is valid JSON holds a key Fastify's parser refuses as prototype poisoning
 * (`__proto__`, or `constructor` holding `prototype`), as a JSON Pointer; undefined when the text
 * is not JSON or holds none. JSON.parse makes such a key an own property, harmlessly, to look.
 */
export function poisonedKeyAt(text: string): { key: string; path: string } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (v === null || typeof v !== 'object') continue;
    for (const k of Object.keys(v)) {
      const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const child = (v as Record<string, unknown>)[k];
      if (k === '__proto__') return { key: k, path: at };
      if (k === 'constructor' && child !== null && typeof child === 'object' && Object.hasOwn(child, 'prototype')) return { key: 'constructor.prototype', path: at };
      stack.push([child, at]);
    }
  }
  return undefined;
}
