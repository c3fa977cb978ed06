import { describe, expect, it } from 'vitest';
import { csvField, hxlCsv } from './hxl.js';

describe('HXL CSV', () => {
  it('writes a header row, then the hashtag row, then the data, quoting as RFC 4180 says', () => {
    const text = hxlCsv(
      [
        { header: 'Name', tag: '#loc+name', value: (r: { n: string; x: number }) => r.n },
        { header: 'Lat', tag: '#geo+lat', value: (r) => r.x },
      ],
      [{ n: 'Mariupol, "city"', x: 47.1 }],
    );
    expect(text).toBe('Name,Lat\r\n#loc+name,#geo+lat\r\n"Mariupol, ""city""",47.1\r\n');
  });
  it('neutralises formula injection', () => {
    expect(csvField('=cmd()')).toBe("'=cmd()");
    expect(csvField(-3)).toBe('-3');
  });
});
