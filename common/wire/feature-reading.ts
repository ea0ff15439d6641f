/**
 * Overall values of a scalar vibration sensor on `pdm.features.v1` (IO-Link, 4-20 mA: velocity
 * RMS, acceleration RMS and peak, crest factor, temperature, about once a second, no waveform):
 * small JSON documents keyed by machine id, like energy readings. Version 1:
 *   { "v": 1, "machine": "press-7", "channel": "DE_X", "ts_ms": 1764000000000,
 *     "location": "DE", "axis": "X",
 *     "values": { "velocity_rms_mm_s": 2.1, "acceleration_rms_g": 0.31, "acceleration_peak_g": 1.12,
 *                 "crest_factor": 3.6, "temperature_c": 41.5 } }
 * Every value is in the canonical unit its name says (the collector converted it from the
 * server's EngineeringUnits or the configured units, common/scalar-features.ts); a sensor that
 * has only some of them sends only those (at least one). `ts_ms` is the server's SourceTimestamp
 * of the values: (machine, channel, ts_ms) is the reading's identity, so a reading sent twice
 * (at-least-once, a replayed spool) is stored once (QuestDB DEDUP on ts, machine, channel).
 * `location` and `axis` may be empty strings (not declared).
 */
import { PdmError } from '../errors.ts';
import { escaped, valueText } from '../input/display.ts';
import { SCALAR_FEATURES, type ScalarFeatureField } from '../scalar-features.ts';
import { checkId, checkTimeMs, invalid, type PlausibilityBounds } from './plausibility.ts';

export interface FeatureReadingV1 {
  v: 1;
  machine: string;
  channel: string;
  ts_ms: number;
  location: string;
  axis: string;
  values: Partial<Record<ScalarFeatureField, number>>;
}

const FIELDS = new Set<string>(SCALAR_FEATURES.map((f) => f.field));
const RANGES = new Map<string, readonly [number, number]>(SCALAR_FEATURES.map((f) => [f.field, f.range]));

export function encodeFeatureReading(reading: Omit<FeatureReadingV1, 'v'>): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...reading }));
}

export function decodeFeatureReading(bytes: Uint8Array): FeatureReadingV1 {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    // V8's message quotes the start of the text: escaped, as it may be any bytes.
    throw new PdmError('PDM_ERR_FRAME_DECODE', `feature reading: not JSON (${escaped((err as Error).message, 160)})`, {}, { cause: err });
  }
  const d = doc as Partial<FeatureReadingV1> | null;
  if (!d || typeof d !== 'object' || Array.isArray(d)) throw new PdmError('PDM_ERR_FRAME_DECODE', 'feature reading: not a JSON object');
  if (d.v !== 1) throw new PdmError('PDM_ERR_FRAME_VERSION', `feature reading: unknown version ${valueText(d.v)} (this reader knows 1)`);
  if (typeof d.machine !== 'string' || d.machine === '') throw new PdmError('PDM_ERR_FRAME_INVALID', 'feature reading: machine is missing');
  // Ids and values come from the message: shown escaped, never raw.
  const machine = escaped(d.machine, 64);
  if (typeof d.channel !== 'string' || d.channel === '')
    throw new PdmError('PDM_ERR_FRAME_INVALID', `feature reading of ${machine}: channel is missing`);
  const where = `feature reading of ${machine}/${escaped(d.channel, 64)}`;
  if (typeof d.ts_ms !== 'number' || !Number.isFinite(d.ts_ms) || d.ts_ms <= 0)
    throw new PdmError('PDM_ERR_FRAME_INVALID', `${where}: ts_ms ${valueText(d.ts_ms)} is not a positive number`);
  for (const k of ['location', 'axis'] as const)
    if (d[k] !== undefined && typeof d[k] !== 'string')
      throw new PdmError('PDM_ERR_FRAME_INVALID', `${where}: ${k} ${valueText(d[k])} is not a string`);
  if (!d.values || typeof d.values !== 'object' || Array.isArray(d.values))
    throw new PdmError('PDM_ERR_FRAME_INVALID', `${where}: values missing`);
  for (const [k, v] of Object.entries(d.values)) {
    if (!FIELDS.has(k))
      throw new PdmError('PDM_ERR_FRAME_INVALID', `${where}: unknown field ${escaped(k)} (known: ${[...FIELDS].join(', ')})`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new PdmError('PDM_ERR_FRAME_INVALID', `${where}: ${k} is ${valueText(v)}, not a finite number`);
  }
  return { v: 1, machine: d.machine, channel: d.channel, ts_ms: d.ts_ms, location: d.location ?? '', axis: d.axis ?? '', values: d.values };
}

/**
 * Reject a decoded reading that cannot be true: ids outside the wire pattern, a time outside the
 * window around when it was sent, no value at all, a value outside its physical range
 * (common/scalar-features.ts), a peak below the RMS. Returns the reading for chaining.
 */
export function validateFeatureReading(r: FeatureReadingV1, bounds: PlausibilityBounds): FeatureReadingV1 {
  checkId(r.machine, 'feature reading: machine id', { machine: r.machine });
  checkId(r.channel, `feature reading of ${r.machine}: channel id`, { machine: r.machine, channel: r.channel });
  // Both ids match the wire pattern from here on: safe to show as they are.
  const where = `feature reading of ${r.machine}/${r.channel}`;
  for (const k of ['location', 'axis'] as const)
    if (r[k] !== '') checkId(r[k], `${where}: ${k}`, { machine: r.machine, channel: r.channel, field: k });
  checkTimeMs(r.ts_ms, bounds, `${where}: ts_ms`, { machine: r.machine, channel: r.channel });
  const entries = Object.entries(r.values);
  if (entries.length === 0)
    throw invalid('shape', `${where}: values is empty (at least one overall value)`, { machine: r.machine, channel: r.channel });
  for (const [field, v] of entries) {
    const [lo, hi] = RANGES.get(field)!;
    if (!(v >= lo && v <= hi))
      throw invalid('magnitude', `${where}: ${field} ${v} is outside its physical range [${lo}, ${hi}]`, {
        machine: r.machine,
        channel: r.channel,
        field,
      });
  }
  const { acceleration_rms_g: rms, acceleration_peak_g: peak } = r.values;
  if (rms !== undefined && peak !== undefined && peak < rms * (1 - 1e-6))
    throw invalid('magnitude', `${where}: acceleration_peak_g ${peak} is below acceleration_rms_g ${rms} (a peak is never below the RMS)`, {
      machine: r.machine,
      channel: r.channel,
      field: 'acceleration_peak_g',
    });
  return r;
}
