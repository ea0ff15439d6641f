/**
 * The names of the simulator's OPC UA address space, shared by the machine servers (which build
 * it) and the collectors (which browse for it). Per machine server (namespaces: pdm =
 * urn:pdm:simulator, DI = OPC 10000-100 Devices, Machinery = OPC 40001-1):
 *
 *   Objects/
 *     Machines/                       Machinery's entry point; organizes the machine object too
 *     <machineId>                     object (pdm); its BrowseName is the machine id
 *       Identification                DI:Identification, MachineIdentificationType (HasAddIn): Manufacturer,
 *                                     Model, SerialNumber, ProductInstanceUri, DeviceClass (the machine
 *                                     type), YearOfConstruction (when the fleet file gives it)
 *       MachineryBuildingBlocks/      Machinery folder: Identification and MachineryItemState
 *         MachineryItemState          MachineryItemState_StateMachineType: CurrentState Executing |
 *                                     NotExecuting | OutOfService
 *       OperatingState                String: Running | Stopped | Failed
 *       OperatingMode                 String: the schedule's mode (e.g. full, part) or "stopped"
 *       InjectFault(FaultType, Location, TimeToFailureS, OnsetDelayS, InitialSeverity) -> (OnsetTime, FailureTime)
 *       Stop() -> (State)   Start() -> (State)   Repair() -> (State, Life)
 *                                     methods; callable by authenticated users only
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
 * A gateway (fleet `opcua.layout: gateway`) serves many machines from one server: the same
 * <machineId> object per machine, side by side under Objects (and Machines), one address space.
 *
 * Waveform, SequenceNumber and BlockStartTime of one block are written together with the same
 * SourceTimestamp (= BlockStartTime), which is how a subscriber pairs them. A stopped machine
 * acquires no vibration (as a condition monitor gated on the run signal): its sequence numbers
 * resume at the clock's block when it starts again, so the stop shows as a gap.
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
export const OPERATING_MODE = 'OperatingMode';
/** Values of OperatingState. */
export const OPERATING_STATES = ['Running', 'Stopped', 'Failed'] as const;
export type OperatingStateName = (typeof OPERATING_STATES)[number];

export const DI_NAMESPACE_URI = 'http://opcfoundation.org/UA/DI/';
export const MACHINERY_NAMESPACE_URI = 'http://opcfoundation.org/UA/Machinery/';
export const MACHINES_FOLDER = 'Machines';
export const MACHINERY_BUILDING_BLOCKS = 'MachineryBuildingBlocks';
export const MACHINERY_ITEM_STATE = 'MachineryItemState';
/** States of MachineryItemState_StateMachineType (OPC 40001-1) the simulator uses. */
export const MACHINERY_ITEM_STATES = ['Executing', 'NotExecuting', 'OutOfService'] as const;
export type MachineryItemStateName = (typeof MACHINERY_ITEM_STATES)[number];

/** Methods on the machine object that drive the simulation (authenticated users only). */
export const METHOD_INJECT_FAULT = 'InjectFault';
export const METHOD_STOP = 'Stop';
export const METHOD_START = 'Start';
export const METHOD_REPAIR = 'Repair';

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
