/**
 * Peak-hold downsampling (models/dsp/peak-hold.ts) against a slow oracle that, for every output
 * line, scans every input bin and keeps the largest whose frequency is nearest to that line;
 * a single-bin line keeps its full amplitude (where a mean would sink it into the floor), and
 * the axis covers 0..maxHz in at most maxLines lines, never finer than the input.
 */
import { describe, expect, it } from 'vitest';
import { peakHold, peakHoldAxis, type SpectrumAxis } from '../../../models/dsp/peak-hold.ts';
import { mulberry32 } from '../../../models/dsp/seeded-random.ts';
import { expectAllClose, expectClose } from './helpers/tolerance.ts';

/** For each line j: max over bins k with |k binHz - (start + j step)| <= step / 2 (ties go up, as rounding does). */
function oracle(input: Float64Array, binHz: number, axis: SpectrumAxis): Float64Array {
  const out = new Float64Array(axis.lines);
  for (let j = 0; j < axis.lines; j++) {
    const centre = axis.startHz + j * axis.stepHz;
    let best = -Infinity;
    for (let k = 0; k < input.length; k++) {
      const d = k * binHz - centre;
      if (d >= -axis.stepHz / 2 && d < axis.stepHz / 2 && input[k] > best) best = input[k];
    }
    out[j] = best;
  }
  return out;
}

describe('peak-hold downsampling', () => {
  it('matches the slow oracle over a sweep of sizes, resolutions and bands', () => {
    const rng = { next: mulberry32(7) };
    for (const bins of [257, 1025, 4097, 16385]) {
      for (const binHz of [0.5, 1.46484375, 3]) {
        for (const lines of [64, 400, 800, 1600]) {
          const input = new Float64Array(bins).map(() => rng.next());
          const maxHz = 0.39 * (bins - 1) * binHz;
          const axis = peakHoldAxis(binHz, bins, maxHz, lines);
          const out = new Float64Array(axis.lines);
          peakHold(out, input, binHz, axis);
          expectAllClose(out, oracle(input, binHz, axis), { abs: 0 }, `bins ${bins}, binHz ${binHz}, lines ${lines}`);
        }
      }
    }
  });

  it("keeps a one-bin line's amplitude at the line nearest its frequency; a mean would not", () => {
    const rng = { next: mulberry32(11) };
    const bins = 8193;
    const binHz = 12000 / 16384;
    for (const lineHz of [107.305, 162.1, 1234.5, 3001.7]) {
      const input = new Float64Array(bins).map(() => 0.01 * rng.next());
      const k = Math.round(lineHz / binHz);
      input[k] = 1;
      const axis = peakHoldAxis(binHz, bins, 12000 / 2.56, 800);
      const out = new Float64Array(axis.lines);
      peakHold(out, input, binHz, axis);
      const j = out.indexOf(Math.max(...out));
      expect(out[j], `${lineHz} Hz`).toBe(1);
      expectClose(axis.startHz + j * axis.stepHz, lineHz, { abs: axis.stepHz / 2 + binHz / 2 }, `${lineHz} Hz line position`);
      // The mean over the same output line: the line drowned by its neighbours (why peak-hold).
      const members = [...input.keys()].filter((b) => Math.round((b * binHz) / axis.stepHz) === j);
      const mean = members.reduce((sum, b) => sum + input[b], 0) / members.length;
      expect(members).toContain(k);
      expect(mean, `${lineHz} Hz: mean of the line's ${members.length} bins`).toBeLessThan(0.3);
    }
  });

  it('axis: 0..maxHz in at most maxLines lines, never finer than the input, clipped to the last bin', () => {
    const a = peakHoldAxis(12000 / 16384, 8193, 12000 / 2.56, 800);
    expect(a.startHz).toBe(0);
    expect(a.lines).toBe(800);
    expectClose(a.stepHz * (a.lines - 1), 12000 / 2.56, { rel: 1e-12 }, 'top line');
    // Finer requested than the input holds: one line per bin, up to maxHz.
    const fine = peakHoldAxis(2, 101, 50, 800);
    expect(fine).toEqual({ startHz: 0, stepHz: 2, lines: 26 });
    // maxHz beyond the input: clipped to its last bin.
    const clipped = peakHoldAxis(1, 101, 1000, 51);
    expect(clipped.stepHz * (clipped.lines - 1)).toBeLessThanOrEqual(100);
    expect(() => peakHoldAxis(1, 101, 50, 1)).toThrow(/maxLines/);
  });
});
