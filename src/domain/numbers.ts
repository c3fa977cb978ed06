/**
 * A decimal number as people, trackers and JSON write them: `50.9`, `-0.5`, `+1.5e1`, `.5`,
 * `1e-7`. Not what else `Number()` reads: `0x10`, `Infinity`, `' 30'`, or an empty string as 0.
 */
export const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The number `text` writes as a finite decimal, else undefined. */
export function decimalOf(text: string): number | undefined {
  if (!DECIMAL_TEXT.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}
