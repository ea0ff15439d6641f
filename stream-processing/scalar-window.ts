/**
 * A scalar sensor's reading (pdm.features.v1) as the processor uses it: one "window" of the
 * machine's health model and one `vibration_features` row. Pure.
 *
 * - Features take the names the waveform analysis gives the same quantities (velocity_rms_mm_s,
 *   rms and peak in g, crest_factor; temperature_c besides), so the health model, the ISO zone,
 *   the dashboards and `pdm history` read scalar and waveform machines alike.
 * - The ISO 20816-3 zone comes from the velocity RMS (the sensor's broadband value), with the
 *   machine's ISO class; a sensor without velocity has no zone (`unknown`, left out of the
 *   machine's worst zone, not a sensor fault).
 * - The spectral parts cannot be computed without a waveform: the bearing diagnosis is
 *   `no_waveform` (NO_WAVEFORM, never `none`, which means "looked and found no fault"), the
 *   confidence and the sample rate null, `samples` 0, shaft source `unavailable`.
 * - The window sequence is the reading's second since the epoch: the channels of one sensor
 *   (or of several sensors sampled together) meet in one fused window, and a replay numbers a
 *   reading as the first pass did.
 */
import type { FeatureReadingV1 } from '../common/wire/feature-reading.ts';
import { type IsoClass, isoZone } from '../models/vibration/iso20816.ts';
import type { FeatureRowInput } from '../storage/rows.ts';
import { NO_WAVEFORM } from '../storage/schema.ts';
import type { WindowResult } from './machine-health.ts';

/** Wire field -> feature name of the waveform analysis (and vibration_features column). */
const FEATURE_NAMES: Record<string, string> = {
  velocity_rms_mm_s: 'velocity_rms_mm_s',
  acceleration_rms_g: 'rms',
  acceleration_peak_g: 'peak',
  crest_factor: 'crest_factor',
  temperature_c: 'temperature_c',
};

/** Window sequence of a reading: its whole second since the epoch. */
export function scalarWindowSeq(tsMs: number): number {
  return Math.floor(tsMs / 1000);
}

export function scalarFeatures(r: FeatureReadingV1): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [field, v] of Object.entries(r.values)) out[FEATURE_NAMES[field] ?? field] = v;
  return out;
}

export interface ScalarWindow {
  window: WindowResult;
  row: Omit<FeatureRowInput, 'processedAtUs'>;
}

export function scalarWindow(r: FeatureReadingV1, iso: IsoClass): ScalarWindow {
  const features = scalarFeatures(r);
  const velocity = features['velocity_rms_mm_s'];
  const zone = velocity === undefined ? 'unknown' : isoZone(velocity, iso);
  const tsNs = BigInt(Math.round(r.ts_ms)) * 1_000_000n;
  const windowSeq = scalarWindowSeq(r.ts_ms);
  return {
    window: { machine: r.machine, channel: r.channel, windowSeq, tsNs, features, zone, kind: 'scalar' },
    row: {
      machine: r.machine,
      channel: r.channel,
      windowSeq,
      startTimeNs: tsNs,
      sampleRateHz: Number.NaN,
      samples: 0,
      features,
      isoZone: zone,
      shaftSource: 'unavailable',
      bearingDiagnosis: NO_WAVEFORM,
      bearingConfidence: Number.NaN,
      referenceWindows: 0,
      sensorState: 'ok',
      sensorReasons: [],
    },
  };
}
