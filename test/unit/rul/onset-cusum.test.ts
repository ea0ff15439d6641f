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
});
