import { describe, expect, it } from 'vitest';
import { blockStats } from '../../../stream-processing/rows.ts';

describe('blockStats', () => {
  it('computes RMS and absolute peak', () => {
    expect(blockStats(new Float32Array([3, -4]))).toEqual({ rms: Math.sqrt(12.5), peak: 4 });
    const sine = Float32Array.from({ length: 1000 }, (_, i) => 2 * Math.sin((2 * Math.PI * 5 * i) / 1000));
    const s = blockStats(sine);
    expect(s.rms).toBeCloseTo(Math.SQRT2, 5);
    expect(s.peak).toBeCloseTo(2, 5);
  });
});
