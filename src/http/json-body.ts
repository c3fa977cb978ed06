/**
 * Request bodies as JSON, with one rule more than JSON itself: no string may hold a lone UTF-16
 * surrogate. JSON text can carry one as an escape (`"\ud800"`), no UTF-8 bytes can, and every
 * record Passage signs or hashes is RFC 8785 canonical JSON, which has no way to write one: such
 * a string either broke the write with a 500 or was stored altered (as U+FFFD).
 */

/** The JSON Pointer of the first string (or object key) in `value` holding a lone surrogate, else undefined. Any depth: no recursion. */
export function loneSurrogateAt(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length > 0) {
    const [v, path] = stack.pop() as [unknown, string];
    if (typeof v === 'string') {
      if (!v.isWellFormed()) return path;
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], `${path}/${i}`]);
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string;
        const at = `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        if (!k.isWellFormed()) return at;
        stack.push([(v as Record<string, unknown>)[k], at]);
      }
    }
  }
  return undefined;
}

/** Whether the JSON text could hold a lone surrogate at all: only through a \u escape. */
export function mayHoldLoneSurrogate(text: string): boolean {
  return text.includes('\\u');
}
