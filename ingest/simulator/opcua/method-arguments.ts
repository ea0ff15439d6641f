/**
 * The arguments of the machine methods (InjectFault, Stop, Start, Repair) as plain data — names,
 * OPC UA data types and descriptions, shared by the server (which declares them) and `pdm
 * factory` (which fills them) — and the validation of InjectFault's values into a fault spec.
 * Pure: no OPC UA import; types are named by their OPC UA names.
 */
import { PdmError } from '../../../common/errors.ts';
import { FAULT_TYPES, type FaultSpec, LOCATIONS, parseFaultSpec } from '../fleet-config.ts';

export type ArgumentType = 'String' | 'Double' | 'DateTime' | 'UInt32';

export interface ArgumentSpec {
  name: string;
  type: ArgumentType;
  description: string;
}

export interface MethodSpec {
  description: string;
  inputs: ArgumentSpec[];
  outputs: ArgumentSpec[];
}

/** Severity at onset when InjectFault gets 0 (the fleet file's default). */
export const DEFAULT_INITIAL_SEVERITY = 0.05;

const STATE_OUTPUT: ArgumentSpec = {
  name: 'State',
  type: 'String',
  description: 'OperatingState after the call: Running, Stopped or Failed',
};

export const MACHINE_METHODS = {
  InjectFault: {
    description: 'Start a fault now (or after a delay of life time) that grows to failure; a repair clears it',
    inputs: [
      { name: 'FaultType', type: 'String', description: `fault kind: ${FAULT_TYPES.join(', ')}` },
      { name: 'Location', type: 'String', description: `bearing / measurement location: ${LOCATIONS.join(' or ')} (misalignment: DE)` },
      {
        name: 'TimeToFailureS',
        type: 'Double',
        description:
          'life seconds from onset to failure (> 0); life runs timeAcceleration times faster than wall time while the machine runs',
      },
      { name: 'OnsetDelayS', type: 'Double', description: 'life seconds from now until onset (0 = now)' },
      {
        name: 'InitialSeverity',
        type: 'Double',
        description: `severity at onset, between 0 and 1 exclusive (1 = failure); 0 = default ${DEFAULT_INITIAL_SEVERITY}`,
      },
    ],
    outputs: [
      { name: 'OnsetTime', type: 'DateTime', description: 'wall time of onset (projected while the machine runs)' },
      {
        name: 'FailureTime',
        type: 'DateTime',
        description: 'projected wall time of failure if the machine keeps running; null while it is stopped',
      },
    ],
  },
  Stop: {
    description: 'Switch the machine off (coasts down; life and wear stop; vibration acquisition pauses)',
    inputs: [],
    outputs: [STATE_OUTPUT],
  },
  Start: { description: 'Switch the machine on (runs up; life and wear resume)', inputs: [], outputs: [STATE_OUTPUT] },
  Repair: {
    description: 'Replace the damaged parts: a new life starts at 0 with the configured faults; the machine runs',
    inputs: [],
    outputs: [STATE_OUTPUT, { name: 'Life', type: 'UInt32', description: 'index of the new life (0 = first)' }],
  },
} as const satisfies Record<string, MethodSpec>;

export type MachineMethodName = keyof typeof MACHINE_METHODS;
export const MACHINE_METHOD_NAMES = Object.keys(MACHINE_METHODS) as MachineMethodName[];

/** A refused argument: which one (index into the method's inputs) and why, short enough for a status text (≤ 256 bytes). */
export class ArgumentError extends PdmError {
  readonly argumentIndex: number;
  constructor(argumentIndex: number, message: string) {
    super('PDM_ERR_INPUT_VALUE', message, { argumentIndex });
    this.argumentIndex = argumentIndex;
  }
}

/**
 * InjectFault's values (FaultType, Location, TimeToFailureS, OnsetDelayS, InitialSeverity) as a
 * fault spec whose onset counts from the call. Throws ArgumentError naming the argument.
 */
export function parseInjectFaultArguments(values: readonly unknown[]): FaultSpec {
  const [type, location, timeToFailureS, onsetDelayS, initialSeverity] = values;
  const inputs = MACHINE_METHODS.InjectFault.inputs;
  if (values.length !== inputs.length)
    throw new ArgumentError(
      Math.min(values.length, inputs.length - 1),
      `InjectFault takes ${inputs.length} arguments (${inputs.map((i) => i.name).join(', ')}), got ${values.length}`,
    );
  if (typeof type !== 'string' || !(FAULT_TYPES as readonly string[]).includes(type))
    throw new ArgumentError(0, `FaultType "${String(type)}" is not one of ${FAULT_TYPES.join(', ')}`);
  if (typeof location !== 'string' || !(LOCATIONS as readonly string[]).includes(location))
    throw new ArgumentError(1, `Location "${String(location)}" must be DE or NDE`);
  if (type === 'misalignment' && location !== 'DE')
    throw new ArgumentError(1, 'Location must be DE for misalignment (it sits at the coupling)');
  if (typeof timeToFailureS !== 'number' || !Number.isFinite(timeToFailureS) || timeToFailureS <= 0)
    throw new ArgumentError(2, `TimeToFailureS must be a positive number of life seconds, got ${String(timeToFailureS)}`);
  if (typeof onsetDelayS !== 'number' || !Number.isFinite(onsetDelayS) || onsetDelayS < 0)
    throw new ArgumentError(3, `OnsetDelayS must be 0 or a positive number of life seconds, got ${String(onsetDelayS)}`);
  if (typeof initialSeverity !== 'number' || !Number.isFinite(initialSeverity) || initialSeverity < 0 || initialSeverity >= 1)
    throw new ArgumentError(
      4,
      `InitialSeverity must be in (0, 1), or 0 for the default ${DEFAULT_INITIAL_SEVERITY}; got ${String(initialSeverity)}`,
    );
  try {
    // The fleet file's fault schema gives the defaults (failure at ISO zone D, growth noise).
    return parseFaultSpec(
      {
        type,
        location,
        onset: onsetDelayS,
        growth: { timeToFailure: timeToFailureS, initialSeverity: initialSeverity === 0 ? DEFAULT_INITIAL_SEVERITY : initialSeverity },
      },
      'InjectFault',
    );
  } catch (err) {
    throw new ArgumentError(0, (err as Error).message);
  }
}
