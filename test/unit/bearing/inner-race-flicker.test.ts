/**
 * Regression (issue 13, part 2): a clear inner race recording whose single one-second windows
 * name the fault only some of the time. CWRU record 105 (IR007, 0 hp, 12 kHz, drive end) played
 * in a loop as the replay machine serves it, with white noise at 1.4 x its RMS added so that only
 * about a fifth of the windows hold the fault's 1X sidebands (the issue's stream: half; at
 * 0.7 x, a quarter of them did until the demodulation band was chosen by the envelope
 * spectrum's evidence, issue 13 part 1, which names it in three quarters there): the
 * windows' own diagnosis flickers, the accumulated one
 * (the stream's code: models/window-sequence.ts) names `inner_race` in >= 95 % of the windows
 * after warm-up, holds it once named, and never names another fault. (With noise at 1 x its RMS,
 * a fifth of the windows: named after 36 windows, MODELS.md's table.)
 */
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { analyzeWindowSequence } from '../../../models/window-sequence.ts';
import { looped, score, WARMUP_WINDOWS, withNoise } from '../../../tools/accumulate-report.ts';
import { REPO_ROOT } from '../../../tools/harness/femto-histories.ts';

const RECORD = `${REPO_ROOT}/../shared/data/cwru/12k_DE/105_IR007_0_DE.f32`;
const FS = 12_000;
const SECONDS = 120;

describe('inner race flicker: accumulated over windows', () => {
  it('names inner_race steadily where single windows name it in a minority', async () => {
    const bytes = await readFile(RECORD);
    const x = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    const seq = analyzeWindowSequence(withNoise(looped(x, SECONDS * FS), 1.4, 105), {
      sampleRateHz: FS,
      shaftHz: 1797 / 60,
      bearing: lookupBearing('6205-2RS'),
    });
    const s = score('inner_race', seq.window, seq.accumulated);
    // The flicker: single windows miss the fault most of the time.
    expect(s.windowHits / s.windows).toBeLessThan(0.5);
    expect(s.accumulatedHits / s.counted).toBeGreaterThanOrEqual(0.95);
    expect(s.firstAt).toBeLessThanOrEqual(WARMUP_WINDOWS);
    const once = seq.accumulated.slice(s.firstAt - 1);
    expect(once.every((a) => a.diagnosis === 'inner_race')).toBe(true);
    expect(seq.accumulated.filter((a) => a.diagnosis !== 'inner_race' && a.diagnosis !== 'none')).toEqual([]);
  });
});
