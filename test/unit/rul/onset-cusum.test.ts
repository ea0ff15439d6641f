import { describe, expect, it } from 'vitest';
import { OnsetCusum } from '../../../models/rul/onset-cusum.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';

const config = { drift: 0.5, threshold: 10, cap: 4 };

describe('degradation onset (CUSUM on the health index)', () => {
  it('stays quiet on 10 000 stationary windows, even with rare large outliers', () => {
    const g = gaussian(seeded(21));
    const c = new OnsetCusum(config, 0.1, 0.02);
    let detections = 0;
    for (let i = 0; i < 10_000; i++) if (c.update(i, 0.1 + 0.02 * g() + (i % 997 === 0 ? 5 : 0))) detections++;
    expect(detections).toBe(0);
  });

  it('detects a sustained rise within a bounded delay and dates the onset near the change', () => {
    const g = gaussian(seeded(22));
    const c = new OnsetCusum(config, 0.1, 0.02);
    const changeAt = 3000;
    let detectedAt = -1;
    for (let i = 0; i < 4000; i++) {
      const hi = 0.1 + 0.02 * g() + (i >= changeAt ? 0.04 : 0); // +2 standard deviations
      if (c.update(i, hi) && detectedAt < 0) detectedAt = i;
    }
    expect(detectedAt).toBeGreaterThanOrEqual(changeAt);
    expect(detectedAt - changeAt).toBeLessThanOrEqual(20);
    expect(Math.abs(c.onsetTime! - changeAt)).toBeLessThanOrEqual(10);
    expect(c.sums.n).toBe(3999 - c.onsetTime! + 1);
  });

  it('with a guard, decides a little later but dates the onset and sums the trend exactly as without', () => {
    const run = (guard: number) => {
      const g = gaussian(seeded(23));
      const c = new OnsetCusum({ ...config, guard }, 0.1, 0.02);
      let detectedAt = -1;
      for (let i = 0; i < 4000; i++) if (c.update(i, 0.1 + 0.02 * g() + (i >= 3000 ? 0.04 : 0)) && detectedAt < 0) detectedAt = i;
      return { detectedAt, onsetTime: c.onsetTime, sums: c.sums, state: c.toJSON() };
    };
    const plain = run(0);
    const guarded = run(0.4);
    expect(guarded.detectedAt).toBeGreaterThan(plain.detectedAt);
    expect(guarded.detectedAt - 3000).toBeLessThanOrEqual(30);
    expect(guarded.onsetTime).toBe(plain.onsetTime);
    expect(guarded.sums).toStrictEqual(plain.sums);
    // The deciding statistic is kept in the state; an older state without it restores with s.
    const { g, ...older } = guarded.state;
    expect(g).toBeGreaterThan(0);
    expect(new OnsetCusum({ ...config, guard: 0.4 }, 0.1, 0.02, older).g).toBe(guarded.state.s);
  });
});
