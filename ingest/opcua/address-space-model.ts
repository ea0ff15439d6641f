/**
 * The names of the simulator's OPC UA address space, shared by the machine servers (which build
 * it) and the collectors (which browse for it). Per machine server:
 *
 *   Objects/
 *     <machineId>                     object; its BrowseName is the machine id
 *       Identification/               Manufacturer, Model, SerialNumber, ProductInstanceUri (OPC 40001-1 spirit)
 *       OperatingState                String: Running | Stopped | Failed
 *       Vibration/
 *         <channelId>/                e.g. DE_X (location _ axis)
 *           Waveform                  YArrayItemType (OPC 10000-8), Float[]; EngineeringUnits, EURange,
 *                                     XAxisDefinition (time axis in s; range high = (N-1)/fs)
 *           SequenceNumber            UInt64: block index since the Unix epoch (a jump is a gap)
 *           BlockStartTime            DateTime: time of the block's first sample
 *           SampleRate                AnalogItemType, Hz
 *       Energy/
 *         ActivePower, Current, Voltage, PowerFactor, Temperature, Speed, Load   AnalogItemType with units
 *
 * Waveform, SequenceNumber and BlockStartTime of one block are written together with the same
 * SourceTimestamp (= BlockStartTime), which is how a subscriber pairs them.
 */
export const NAMESPACE_URI = 'urn:pdm:simulator';
export const VIBRATION_FOLDER = 'Vibration';
export const ENERGY_FOLDER = 'Energy';
export const IDENTIFICATION_FOLDER = 'Identification';
export const WAVEFORM = 'Waveform';
export const SEQUENCE_NUMBER = 'SequenceNumber';
export const BLOCK_START_TIME = 'BlockStartTime';
export const SAMPLE_RATE = 'SampleRate';
export const OPERATING_STATE = 'OperatingState';

export { ENERGY_VARIABLES, type EnergyField } from '../../common/energy-fields.ts';

/** UInt64 in node-opcua is [high, low]; block sequence numbers stay below 2^53. */
export function toUInt64(n: number): [number, number] {
  return [Math.floor(n / 2 ** 32), n >>> 0];
}

export function fromUInt64(v: unknown): number {
  if (Array.isArray(v) && v.length === 2) return (v[0] as number) * 2 ** 32 + (v[1] as number);
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  throw new TypeError(`not a UInt64 value: ${String(v)}`);
}
