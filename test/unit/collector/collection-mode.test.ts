import { describe, expect, it } from 'vitest';
import { chooseMode, lossPerS, pollingLossPerS } from '../../../ingest/collector/collection-mode.ts';
import { toSamples } from '../../../ingest/collector/waveform-samples.ts';

describe('collection mode', () => {
  it('keeps the subscription while the server samples at least once per block', () => {
    expect(chooseMode({ blockMs: 100, revisedSamplingMs: 0, readable: true })).toMatchObject({ mode: 'subscription', expectedLossPerS: 0 });
    expect(chooseMode({ blockMs: 100, revisedSamplingMs: 100, readable: true })).toMatchObject({ mode: 'subscription' });
  });

  it('reads by timed Read calls when the server samples more slowly than blocks come', () => {
    const d = chooseMode({ blockMs: 100, revisedSamplingMs: 200, readable: true });
    expect(d).toMatchObject({ mode: 'polling', expectedLossPerS: 0 });
    expect(d.reason).toMatch(/samples every 200 ms, longer than a block \(100\.0 ms\)/);
  });

  it('reports the loss when nothing can keep up', () => {
    // Reads refused: the subscription sees one block per 200 ms of two: 5 blocks/s lost.
    expect(chooseMode({ blockMs: 100, revisedSamplingMs: 200, readable: false })).toMatchObject({
      mode: 'subscription',
      expectedLossPerS: 5,
    });
    // The server refreshes the value only every 400 ms: reading cannot see more than 2.5 blocks/s of 10.
    expect(chooseMode({ blockMs: 100, revisedSamplingMs: 500, minimumSamplingMs: 400, readable: true })).toMatchObject({
      mode: 'polling',
      expectedLossPerS: 7.5,
    });
    expect(pollingLossPerS(100, 250)).toBe(6);
    expect(lossPerS(100, 80)).toBe(0);
  });
});

describe('waveform samples', () => {
  it('float arrays as they are, doubles rounded to float32, counts scaled', () => {
    const f = new Float32Array([1.5, -2]);
    expect(toSamples(f, undefined)).toBe(f);
    expect(toSamples(new Float64Array([0.1]), undefined)).toEqual(new Float32Array([0.1]));
    expect(toSamples(new Int16Array([1000, -32768]), { scale: 0.0002, offset: 0.01 })).toEqual(
      new Float32Array([1000 * 0.0002 + 0.01, -32768 * 0.0002 + 0.01]),
    );
    expect(toSamples(new Float32Array(0), undefined)).toBeUndefined();
    expect(toSamples(3, undefined)).toBeUndefined();
  });
});
