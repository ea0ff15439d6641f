/**
 * Order statistics in place (models/dsp/select.ts), against the slow oracle: sort a copy and
 * index it. Ties, runs, sorted and reversed inputs are where a Hoare partition goes wrong.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../models/dsp/seeded-random.ts';
import { medianInPlace, selectInPlace } from '../../../models/dsp/select.ts';

function sortedCopy(a: Float64Array, from: number, to: number): number[] {
  return Array.from(a.subarray(from, to)).sort((x, y) => x - y);
}

describe('selectInPlace and medianInPlace', () => {
  const random = mulberry32(7);
  const inputs: [string, Float64Array][] = [
    ['random', Float64Array.from({ length: 257 }, () => random())],
    ['few distinct values', Float64Array.from({ length: 200 }, () => Math.floor(random() * 3))],
    ['sorted', Float64Array.from({ length: 100 }, (_, i) => i)],
    ['reversed', Float64Array.from({ length: 101 }, (_, i) => -i)],
    ['all equal', new Float64Array(64).fill(2.5)],
    ['one', Float64Array.of(4)],
  ];

  it.each(inputs)('every order statistic of a sub-range matches a sort (%s)', (_, input) => {
    const from = input.length > 4 ? 2 : 0;
    const to = input.length > 4 ? input.length - 1 : input.length;
    const expected = sortedCopy(input, from, to);
    for (let k = from; k < to; k++) {
      const a = Float64Array.from(input);
      expect(selectInPlace(a, from, to, k)).toBe(expected[k - from]);
      // Outside the range nothing moves; inside, the same values in another order.
      expect(Array.from(a.subarray(0, from))).toEqual(Array.from(input.subarray(0, from)));
      expect(Array.from(a.subarray(to))).toEqual(Array.from(input.subarray(to)));
      expect(sortedCopy(a, from, to)).toEqual(expected);
    }
  });

  it('the median is the middle value (the upper of an even count), and 0 for an empty range', () => {
    expect(medianInPlace(Float64Array.of(5, 1, 3), 0, 3)).toBe(3);
    expect(medianInPlace(Float64Array.of(4, 1, 3, 2), 0, 4)).toBe(3);
    expect(medianInPlace(Float64Array.of(9, 9, 1, 2, 3, 9), 2, 5)).toBe(2);
    expect(medianInPlace(new Float64Array(3), 1, 1)).toBe(0);
  });
});
