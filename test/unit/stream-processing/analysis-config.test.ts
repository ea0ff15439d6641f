/**
 * A window's analysis configuration: the bearing at the channel's location (declared or from its id), the shaft speed (the
 * live one from energy readings before the configured one), and the analyser cache key.
 */
import { describe, expect, it } from 'vitest';
import { locationAxisFromId } from '../../../common/channels.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { analysisConfig } from '../../../stream-processing/analysis-config.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import type { CompletedWindow } from '../../../stream-processing/windowing.ts';

const config = ProcessorConfigSpec.parse({ machines: { 'fan-1': { shaftRpm: 1500, bearings: { DE: '6205-2RS' } } } });

function window(machine: string, channel: string): CompletedWindow {
  return {
    machine,
    channel,
    windowSeq: 3,
    startTimeNs: 0n,
    sampleRateHz: 25_600,
    units: 'g',
    // What the processor resolves for a v1 frame without declarations: location and axis from the id.
    meaning: { ...locationAxisFromId(channel), quantity: 'acceleration', units: 'g' },
    blockSize: 2_560,
    samples: new Float32Array(25_600),
  };
}

describe('analysisConfig', () => {
  it('watches the bearing at the channel’s location, at the configured speed', () => {
    const { key, config: c } = analysisConfig(window('fan-1', 'DE_X'), { config, speedRpm: new Map(), health: undefined });
    expect(c).toEqual({
      sampleRateHz: 25_600,
      windowSize: 25_600,
      shaftHz: 25,
      iso: config.iso,
      bearing: lookupBearing('6205-2RS'),
      quantity: 'acceleration',
      units: 'g',
    });
    expect(key).toBe(`25600|25600|given|${config.iso.group}${config.iso.foundation}|6205-2RS|acceleration|g`);
  });

  it('has no bearing at a location without one, and takes the live speed over the configured one (0.1 rpm steps)', () => {
    const { key, config: c } = analysisConfig(window('fan-1', 'NDE_Y'), {
      config,
      speedRpm: new Map([['fan-1', 1479.96]]),
      health: undefined,
    });
    expect(c.bearing).toBeUndefined();
    expect(c.shaftHz).toBe(14800 / 600);
    // The speed goes with the window, not into the key: the same analyzer serves every speed.
    expect(key).toBe(`25600|25600|given|${config.iso.group}${config.iso.foundation}|-|acceleration|g`);
    const slower = analysisConfig(window('fan-1', 'NDE_Y'), { config, speedRpm: new Map([['fan-1', 1400]]), health: undefined });
    expect(slower.config.shaftHz).toBe(1400 / 60);
    expect(slower.key).toBe(key);
  });

  it('has no speed for an unknown machine without energy readings', () => {
    const { key, config: c } = analysisConfig(window('pump-9', 'DE_X'), { config, speedRpm: new Map(), health: undefined });
    expect(c.shaftHz).toBeUndefined();
    expect(c.bearing).toBeUndefined();
    expect(key).toBe(`25600|25600|estimated|${config.iso.group}${config.iso.foundation}|-|acceleration|g`);
  });
});
