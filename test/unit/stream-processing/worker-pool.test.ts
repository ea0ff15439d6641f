/**
 * The window analysis through the real worker thread: the channel's learnt reference travels as
 * JSON under its id (parsed once per id in the worker, its floor built once per reference in the
 * analyzer), and the answers are exactly those of an analyzer built in this thread with that
 * reference, whichever channels take turns on the worker's shared analyzer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { type EnvelopeReference, ReferenceBuilder } from '../../../models/bearing/reference.ts';
import { type WindowAnalysisConfig, WindowAnalyzer } from '../../../models/window-analysis.ts';
import { WorkerPool } from '../../../stream-processing/worker-pool.ts';
import { syntheticVibration } from '../bearing/helpers/synthetic.ts';

const bearing = lookupBearing('6205-2RS');
const FS = 25600;
const SHAFT = 25;
const N = 8192;
const pool = new WorkerPool({ threads: 1 });
afterAll(() => pool.close());

function referenceFrom(seed: number, fault: 'none' | 'outer_race'): EnvelopeReference {
  const builder = new ReferenceBuilder({ bearing });
  const x = syntheticVibration({ fault, bearing, sampleRateHz: FS, shaftHz: SHAFT, seconds: (4 * N) / FS, impact: 3, seed });
  for (let start = 0; start + N <= x.length; start += N)
    builder.add({ samples: x.subarray(start, start + N), sampleRateHz: FS, shaftHz: SHAFT });
  return builder.build();
}

describe('WorkerPool.analyze with learnt references', () => {
  it('answers as an in-thread analyzer with the same reference, channels taking turns, each reference sent as JSON under its id', async () => {
    // Two channels with different references (one learnt on a machine whose fault it will then
    // discount), and a third without one, interleaved as a plant's windows arrive.
    const references: Array<{ id: string; reference: EnvelopeReference | undefined }> = [
      { id: 'digest-a', reference: referenceFrom(31, 'none') },
      { id: 'digest-b', reference: referenceFrom(32, 'outer_race') },
      { id: '', reference: undefined },
    ];
    const base: WindowAnalysisConfig = { sampleRateHz: FS, windowSize: N, shaftHz: SHAFT, bearing };
    for (let round = 0; round < 3; round++) {
      for (const [i, { id, reference }] of references.entries()) {
        const x = syntheticVibration({
          fault: 'outer_race',
          bearing,
          sampleRateHz: FS,
          shaftHz: SHAFT,
          seconds: N / FS,
          impact: 3,
          seed: 100 + 10 * round + i,
        });
        const config: WindowAnalysisConfig = reference === undefined ? base : { ...base, reference };
        const expected = new WindowAnalyzer(config).analyze(x.slice());
        // Later rounds hand over a fresh copy of the reference: the worker goes by its id.
        const given = round === 0 || reference === undefined ? config : { ...config, reference: structuredClone(reference) };
        const { analysis } = await pool.analyze({
          configKey: 'shared',
          config: given,
          referenceId: id,
          samples: x.slice(),
          spectrumLines: 64,
        });
        expect(analysis, `round ${round}, channel ${i}`).toEqual(expected);
      }
    }
    // The references changed the answers (the test would not see a reference lost on the way).
    const plain = new WindowAnalyzer(base).analyze(
      syntheticVibration({ fault: 'outer_race', bearing, sampleRateHz: FS, shaftHz: SHAFT, seconds: N / FS, impact: 3, seed: 101 }),
    );
    const withFaultReference = new WindowAnalyzer({ ...base, reference: references[1].reference }).analyze(
      syntheticVibration({ fault: 'outer_race', bearing, sampleRateHz: FS, shaftHz: SHAFT, seconds: N / FS, impact: 3, seed: 101 }),
    );
    expect(withFaultReference.bearing.evidence?.reference_bins_raised).toBeGreaterThan(0);
    expect(withFaultReference.bearing).not.toEqual(plain.bearing);
  });
});
