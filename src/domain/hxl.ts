/**
 * CSV (RFC 4180) with an HXL hashtag row under the header row (Humanitarian Exchange
 * Language, hxlstandard.org): tools such as HDX and the HXL Proxy read the tags, spreadsheets
 * read the rest. CRLF line ends; a field is quoted when it holds a comma, quote or line break.
 */
export interface HxlColumn<T> {
  readonly header: string;
  /** e.g. `#loc+name`, `#geo+lat`, `#date+start`. */
  readonly tag: string;
  readonly value: (row: T) => string | number | null | undefined;
}

export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  // A leading =, +, - or @ makes spreadsheets evaluate the cell: neutralise it (CSV injection).
  const safe = typeof v === 'string' && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function hxlCsv<T>(columns: readonly HxlColumn<T>[], rows: readonly T[]): string {
  const lines = [columns.map((c) => csvField(c.header)).join(','), columns.map((c) => c.tag).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvField(c.value(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
