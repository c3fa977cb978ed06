import { describe, expect, it } from 'vitest';
import { decimalOf } from './numbers.js';

describe('decimalOf', () => {
  it('reads decimals as they are written, and nothing Number() would also take', () => {
    expect(['50.9', '-0.5', '+1.5e1', '.5', '1e-7', '7.'].map(decimalOf)).toEqual([50.9, -0.5, 15, 0.5, 1e-7, 7]);
    for (const bad of ['', ' 30', '0x10', 'Infinity', 'NaN', '1e999', '1,5', '--1']) expect(decimalOf(bad), bad).toBeUndefined();
  });
});
