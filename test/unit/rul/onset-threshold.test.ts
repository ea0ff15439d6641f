/**
 * The onset threshold from a false-onset rate in time: Siegmund's ARL approximation held against
 * the exact in-control ARL of a Gaussian CUSUM (Brook & Evans 1972: the statistic as a Markov
 * chain on a fine grid of [0, h], the ARL from (I - R)^-1), and the threshold's dependence on the
 * window interval.
 */
import { describe, expect, it } from 'vitest';
import { normalCdf } from '../../../models/rul/normal.ts';
import { cusumArlWindows, onsetThreshold, SECONDS_PER_YEAR, thresholdForArl } from '../../../models/rul/onset-threshold.ts';

/** Exact (to the grid) ARL from zero of S = max(0, S + X - drift), X ~ N(0, v), alarm when S > h. */
function brookEvansArl(h: number, drift: number, v: number, states = 300): number {
  const sd = Math.sqrt(v);
  const w = h / (states - 0.5);
  // R[i][j]: from state i (value i w) to state j (0: at or below w/2; j: around j w), staying below h.
  const a: number[][] = [];
  for (let i = 0; i < states; i++) {
    const row = new Array<number>(states + 1).fill(0);
    const from = i * w - drift;
    for (let j = 0; j < states; j++) {
      const lo = j === 0 ? Number.NEGATIVE_INFINITY : (j - 0.5) * w;
      const hi = (j + 0.5) * w;
      const p = normalCdf((hi - from) / sd) - (j === 0 ? 0 : normalCdf((lo - from) / sd));
      row[j] = (i === j ? 1 : 0) - p;
    }
    row[states] = 1;
    a.push(row);
  }
  // Gaussian elimination with partial pivoting on [I - R | 1].
  for (let c = 0; c < states; c++) {
    let p = c;
    for (let r = c + 1; r < states; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = 0; r < states; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      if (f === 0) continue;
      for (let k = c; k <= states; k++) a[r][k] -= f * a[c][k];
    }
  }
  return a[0][states] / a[0][0];
}

describe('onset threshold from a false-onset rate in time', () => {
  it("Siegmund's ARL agrees with the exact Gaussian CUSUM's within 10 % (drift 0.25-1, h 4-12, variance 1 and 1.25)", () => {
    for (const v of [1, 1.25])
      for (const drift of [0.25, 0.5, 1])
        for (const h of [4, 8, 12]) {
          const exact = brookEvansArl(h, drift, v);
          const approx = cusumArlWindows(h, drift, v);
          expect(Math.abs(approx / exact - 1), `h ${h}, drift ${drift}, v ${v}: ${approx} vs ${exact}`).toBeLessThan(0.1);
        }
  }, 60_000);

  it('thresholdForArl inverts the ARL, and without drift the walk reflects (ARL b^2 / v)', () => {
    for (const arl of [1e3, 1e6, 3e7]) expect(cusumArlWindows(thresholdForArl(arl, 0.5, 1.25), 0.5, 1.25) / arl).toBeCloseTo(1, 6);
    const b = 10 + 1.166;
    expect(cusumArlWindows(10, 0, 1)).toBeCloseTo(b * b, 6);
    expect(cusumArlWindows(10, 1e-7, 1) / (b * b)).toBeCloseTo(1, 3);
  });

  it('one false onset per machine-year asks a higher threshold of a faster window rate: ARL0 is a year of its windows', () => {
    const at = (windowIntervalS: number): number =>
      onsetThreshold({ falseOnsetsPerYear: 1, windowIntervalS, drift: 0.5, longRunVariance: 1.25 });
    const perSecond = at(1);
    const perTenSeconds = at(10);
    const hourly = at(3600);
    expect(perSecond).toBeGreaterThan(perTenSeconds);
    expect(perTenSeconds).toBeGreaterThan(hourly);
    expect(cusumArlWindows(perSecond, 0.5, 1.25)).toBeCloseTo(SECONDS_PER_YEAR, -3);
    expect(cusumArlWindows(perTenSeconds, 0.5, 1.25)).toBeCloseTo(SECONDS_PER_YEAR / 10, -2);
    // Ten times the tolerated rate is ten times fewer windows to the first false onset.
    const tenPerYear = onsetThreshold({ falseOnsetsPerYear: 10, windowIntervalS: 1, drift: 0.5, longRunVariance: 1.25 });
    expect(cusumArlWindows(tenPerYear, 0.5, 1.25) / cusumArlWindows(perSecond, 0.5, 1.25)).toBeCloseTo(0.1, 6);
  });

  it('names what is wrong with a bad rate', () => {
    expect(() => onsetThreshold({ falseOnsetsPerYear: 0, windowIntervalS: 1, drift: 0.5, longRunVariance: 1 })).toThrow(
      /false onsets per year 0/,
    );
  });
});
