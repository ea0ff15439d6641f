import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { ReferenceCollector } from '../../../stream-processing/reference-collector.ts';

const bearing = lookupBearing('6205-2RS');
const window = (value: number) => ({ samples: new Float32Array(512).fill(value), sampleRateHz: 12_000, shaftHz: 29.95 });

describe('ReferenceCollector', () => {
  it('keeps every stride-th window per channel, up to the cap, as copies', () => {
    const c = new ReferenceCollector({ maxWindows: 3, stride: 2 });
    const kept: boolean[] = [];
    const offered = Array.from({ length: 10 }, (_, i) => window(i));
    for (const w of offered) kept.push(c.offer('m1', 'DE_X', bearing, w) !== undefined);
    expect(kept).toEqual([true, false, true, false, true, false, false, false, false, false]);
    // The caller's buffers are about to move to a worker: what is kept must be a copy.
    offered[0].samples.fill(-1);
    const [channel] = c.take('m1');
    expect(channel.channel).toBe('DE_X');
    expect(channel.windows.map((w) => w.samples[0])).toEqual([0, 2, 4]);
    expect(channel.windows[0].samples.buffer).not.toBe(offered[0].samples.buffer);
    expect(channel.windows[0]).toMatchObject({ sampleRateHz: 12_000, shaftHz: 29.95 });
  });

  it('forgets a kept window whose sensor failed its checks, and keeps the next one in its place', () => {
    const c = new ReferenceCollector({ maxWindows: 3, stride: 4 });
    const first = c.offer('m1', 'DE_X', bearing, window(0))!;
    expect(c.offer('m1', 'DE_X', bearing, window(1))).toBeUndefined();
    c.discard('m1', 'DE_X', first);
    expect(c.offer('m1', 'DE_X', bearing, window(2))).toBeDefined();
    expect(c.take('m1')[0].windows.map((w) => w.samples[0])).toEqual([2]);
  });

  it('counts channels and machines apart, and take() hands a machine over once', () => {
    const c = new ReferenceCollector({ maxWindows: 8, stride: 1 });
    c.offer('m1', 'DE_X', bearing, window(1));
    c.offer('m1', 'DE_Y', bearing, window(2));
    c.offer('m2', 'DE_X', bearing, window(3));
    expect(c.heldSamples).toBe(3 * 512);
    expect(c.take('m1').map((ch) => [ch.channel, ch.windows.length])).toEqual([
      ['DE_X', 1],
      ['DE_Y', 1],
    ]);
    expect(c.has('m1')).toBe(false);
    expect(c.take('m1')).toEqual([]);
    expect(c.has('m2')).toBe(true);
    expect(c.heldSamples).toBe(512);
  });

  it('rejects a configuration that could never keep a window', () => {
    expect(() => new ReferenceCollector({ maxWindows: 0, stride: 1 })).toThrow(/maxWindows/);
    expect(() => new ReferenceCollector({ maxWindows: 4, stride: 0.5 })).toThrow(/stride/);
  });
});
