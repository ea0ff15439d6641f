import { describe, expect, it } from 'vitest';
import { decodeFeatureReading, encodeFeatureReading, type FeatureReadingV1 } from '../../../common/wire/feature-reading.ts';
import { zoneBoundaries } from '../../../models/vibration/iso20816.ts';
import { featureRow } from '../../../storage/rows.ts';
import { NO_WAVEFORM } from '../../../storage/schema.ts';
import { tableNames } from '../../../storage/tables.ts';
import { type HealthUpdate, MachineHealthTracker } from '../../../stream-processing/machine-health.ts';
import { scalarWindow } from '../../../stream-processing/scalar-window.ts';
import { rng } from './health-windows.ts';

const ISO = { group: 2, foundation: 'rigid' } as const;
const T0 = 1_800_000_000_000;

function reading(channel: string, k: number, values: FeatureReadingV1['values']): FeatureReadingV1 {
  // Through the wire codec, as the processor receives it.
  return decodeFeatureReading(encodeFeatureReading({ machine: 'b5', channel, ts_ms: T0 + k * 1000, location: 'DE', axis: 'X', values }));
}

/** Two IO-Link sensors at 1 Hz; from reading `degradeFrom` on, vibration grows exponentially (an imbalance). */
function readings(n: number, degradeFrom: number): FeatureReadingV1[] {
  const g = rng(3);
  const out: FeatureReadingV1[] = [];
  for (let k = 0; k < n; k++) {
    const growth = k < degradeFrom ? 1 : Math.exp((k - degradeFrom) / 60);
    for (const channel of ['DE', 'NDE']) {
      const rms = 0.1 * growth * (1 + 0.05 * g());
      out.push(
        reading(channel, k, {
          velocity_rms_mm_s: 1.0 * growth * (1 + 0.05 * g()),
          acceleration_rms_g: rms,
          acceleration_peak_g: rms * 3.2,
          crest_factor: 3.2 * (1 + 0.03 * g()),
          temperature_c: 40 + 0.1 * g(),
        }),
      );
    }
  }
  return out;
}

describe('scalar sensor readings in the processor', () => {
  it('become a vibration_features row with the ISO zone of their velocity and no_waveform for the spectral parts', () => {
    const r = reading('DE', 0, {
      velocity_rms_mm_s: 4.0,
      acceleration_rms_g: 0.2,
      acceleration_peak_g: 0.7,
      crest_factor: 3.5,
      temperature_c: 41,
    });
    const { window, row } = scalarWindow(r, ISO);
    expect(window).toMatchObject({
      machine: 'b5',
      channel: 'DE',
      windowSeq: T0 / 1000,
      tsNs: BigInt(T0) * 1_000_000n,
      zone: 'C',
      kind: 'scalar',
    });
    expect(window.features).toEqual({ velocity_rms_mm_s: 4, rms: 0.2, peak: 0.7, crest_factor: 3.5, temperature_c: 41 });
    const stored = featureRow(tableNames(), { ...row, processedAtUs: 1 });
    expect(stored.symbols).toEqual({
      machine: 'b5',
      channel: 'DE',
      iso_zone: 'C',
      shaft_source: 'unavailable',
      bearing_diagnosis: NO_WAVEFORM,
      sensor_state: 'ok',
    });
    expect(NO_WAVEFORM).not.toBe('none');
    // Confidence and sample rate are unknown: NaN, which the sink leaves out (null in SQL).
    expect(stored.doubles['bearing_confidence']).toBeNaN();
    expect(stored.doubles['sample_rate_hz']).toBeNaN();
    expect(stored.longs).toEqual({ window_seq: T0 / 1000, samples: 0, reference_windows: 0 });
    // The zone follows the machine's ISO class: the same velocity is zone B for a large machine on a flexible foundation.
    expect(scalarWindow(r, { group: 1, foundation: 'flexible' }).window.zone).toBe('B');
    // Without velocity there is no zone to give.
    expect(scalarWindow(reading('DE', 0, { acceleration_rms_g: 0.2 }), ISO).window.zone).toBe('unknown');
  });

  it('give a machine of scalar sensors only its health, alarm and remaining life, reaching failure at the zone C/D velocity', () => {
    const t = new MachineHealthTracker({
      features: ['rms', 'kurtosis', 'crest_factor', 'velocity_rms_mm_s'],
      monitor: {},
      energy: false,
      fleet: null,
      velocityLimitMmS: () => zoneBoundaries(ISO)[2],
    });
    const ups: HealthUpdate[] = [];
    for (const r of readings(600, 240)) {
      const u = t.onWindow(scalarWindow(r, ISO).window);
      if (u) ups.push(u);
    }
    expect(t.errors.size).toBe(0);
    expect(ups.length).toBeGreaterThan(500);
    expect(ups.every((u) => u.channels === 2 && u.status.state !== 'check_function')).toBe(true);
    const healthy = ups.filter((u) => u.windowSeq < T0 / 1000 + 240);
    const late = ups.filter((u) => u.windowSeq > T0 / 1000 + 500);
    expect(healthy.at(-1)!.status.phase).toBe('monitoring');
    expect(healthy.some((u) => u.status.alarm)).toBe(false);
    expect(late.every((u) => u.status.alarm)).toBe(true);
    expect(late.at(-1)!.status.degradation).toBe(true);
    // Velocity grows as exp(k/60) from ~1 mm/s: the C/D boundary (4.5 mm/s, group 2 rigid) is passed ~90 s after onset.
    const crossing = ups.find((u) => u.windowSeq === T0 / 1000 + 240 + 95)!;
    expect(crossing.status.state).toBe('failure');
    expect(late.at(-1)!.status).toMatchObject({ state: 'failure', rulBasis: 'degradation', rul: { median: 0 } });
    // Before the onset the remaining life is not yet estimated from a trend, and the machine is normal.
    expect(healthy.at(-1)!.status.state).toBe('normal');
    expect(t.describe().get('b5')).toMatchObject({ state: 'running' });
  });

  it('fuses what a sensor measures: no kurtosis needed, and a sensor without velocity is no sensor fault', () => {
    const t = new MachineHealthTracker({
      features: ['rms', 'kurtosis', 'crest_factor', 'velocity_rms_mm_s'],
      monitor: {},
      energy: false,
      fleet: null,
    });
    const ups: HealthUpdate[] = [];
    const g = rng(9);
    for (let k = 0; k < 200; k++) {
      const rms = 0.1 * (1 + 0.05 * g());
      for (const w of [
        scalarWindow(reading('DE', k, { velocity_rms_mm_s: 1 + 0.05 * g(), acceleration_rms_g: rms }), ISO).window,
        scalarWindow(reading('NDE', k, { acceleration_rms_g: rms, crest_factor: 3 + 0.1 * g() }), ISO).window,
      ]) {
        const u = t.onWindow(w);
        if (u) ups.push(u);
      }
    }
    expect(t.errors.size).toBe(0);
    expect(ups.length).toBeGreaterThan(150);
    expect(ups.every((u) => u.status.state !== 'check_function' && u.sensorReason === undefined)).toBe(true);
    expect(ups.at(-1)!.status.phase).toBe('monitoring');
  });
});
