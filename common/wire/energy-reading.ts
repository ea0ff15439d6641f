/**
 * Energy readings on `pdm.energy.v1`: small JSON documents (about one per machine per second,
 * so readability beats compactness), keyed by machine id. Version 1:
 *   { "v": 1, "machine": "pump-1", "ts_ms": 1764000000000, "values": { "power_kw": 11.2, ... } }
 */

import { ENERGY_VARIABLES, type EnergyField } from '../energy-fields.ts';
import { PdmError } from '../errors.ts';
import { escaped, valueText } from '../input/display.ts';
import { checkId, checkTimeMs, invalid, type PlausibilityBounds } from './plausibility.ts';

export interface EnergyReadingV1 {
  v: 1;
  machine: string;
  ts_ms: number;
  values: Partial<Record<EnergyField, number>>;
}

const FIELDS = new Set<string>(ENERGY_VARIABLES.map((v) => v.field));
const RANGES = new Map<string, readonly [number, number]>(ENERGY_VARIABLES.map((v) => [v.field, v.range]));

export function encodeEnergyReading(reading: Omit<EnergyReadingV1, 'v'>): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, ...reading }));
}

export function decodeEnergyReading(bytes: Uint8Array): EnergyReadingV1 {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    // V8's message quotes the start of the text: escaped, as it may be any bytes.
    throw new PdmError('PDM_ERR_FRAME_DECODE', `energy reading: not JSON (${escaped((err as Error).message, 160)})`, {}, { cause: err });
  }
  const d = doc as Partial<EnergyReadingV1> | null;
  if (!d || typeof d !== 'object') throw new PdmError('PDM_ERR_FRAME_DECODE', 'energy reading: not a JSON object');
  if (d.v !== 1) throw new PdmError('PDM_ERR_FRAME_VERSION', `energy reading: unknown version ${valueText(d.v)} (this reader knows 1)`);
  if (typeof d.machine !== 'string' || d.machine === '') throw new PdmError('PDM_ERR_FRAME_INVALID', 'energy reading: machine is missing');
  // The machine id and every value come from the message: shown escaped, never raw.
  const machine = escaped(d.machine, 64);
  if (typeof d.ts_ms !== 'number' || !Number.isFinite(d.ts_ms) || d.ts_ms <= 0)
    throw new PdmError('PDM_ERR_FRAME_INVALID', `energy reading of ${machine}: ts_ms ${valueText(d.ts_ms)} is not a positive number`);
  if (!d.values || typeof d.values !== 'object')
    throw new PdmError('PDM_ERR_FRAME_INVALID', `energy reading of ${machine}: values missing`);
  for (const [k, v] of Object.entries(d.values)) {
    if (!FIELDS.has(k)) throw new PdmError('PDM_ERR_FRAME_INVALID', `energy reading of ${machine}: unknown field ${escaped(k)}`);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new PdmError('PDM_ERR_FRAME_INVALID', `energy reading of ${machine}: ${k} is ${valueText(v)}`);
  }
  return d as EnergyReadingV1;
}

/**
 * Reject a decoded reading that cannot be true: a machine id outside the wire pattern, a time
 * outside the window around when it was sent, a value outside its field's physical range
 * (common/energy-fields.ts). Returns the reading for chaining.
 */
export function validateEnergyReading(r: EnergyReadingV1, bounds: PlausibilityBounds): EnergyReadingV1 {
  checkId(r.machine, 'energy reading: machine id', { machine: r.machine });
  const where = `energy reading of ${r.machine}`;
  checkTimeMs(r.ts_ms, bounds, `${where}: ts_ms`, { machine: r.machine });
  for (const [field, v] of Object.entries(r.values)) {
    const [lo, hi] = RANGES.get(field)!;
    if (!(v >= lo && v <= hi))
      throw invalid('magnitude', `${where}: ${field} ${v} is outside its physical range [${lo}, ${hi}]`, { machine: r.machine, field });
  }
  return r;
}
