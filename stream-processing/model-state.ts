/**
 * The record of one machine's model state on the compacted topic `pdm.model-state.v1` (keyed by
 * machine id): the health model's checkpoint (MachineCheckpoint, unchanged) in a small envelope
 * that says which machine it is, when and after which window it was saved, and where in the
 * machine's input stream that was. Pure: encoding and validation, tested without Kafka. The
 * format is documented in docs/wire-formats.md.
 */
import { PdmError } from '../common/errors.ts';
import type { AlertTrackerState } from '../models/alerts/alert-tracker.ts';
import type { MachineCheckpoint } from './machine-health.ts';

export const MODEL_STATE_VERSION = 1;

export interface ModelStateEnvelope {
  version: typeof MODEL_STATE_VERSION;
  machine: string;
  /** When the processor saved it (ISO 8601), for operators; restore does not depend on clocks. */
  savedAt: string;
  /** The last window sequence fused into the model; null before the first. */
  windowSeq: number | null;
  /** The partition number of the machine's streams, and the vibration offset committed with this state (diagnostics). */
  partition: number | null;
  offset: number | null;
  /** The health model's checkpoint (MachineCheckpoint, versions 1 and 2). */
  state: MachineCheckpoint;
  /**
   * The machine's alert episodes (open ones, hysteresis runs, last times observed): a processor
   * that takes the machine over raises no second start. Absent in records of earlier versions.
   */
  alerts?: AlertTrackerState;
}

export function encodeModelState(e: ModelStateEnvelope): Buffer {
  return Buffer.from(JSON.stringify(e));
}

/** A record ready for the topic: keyed by machine, the envelope encoded (a snapshot of the state at encoding). */
export interface ModelStateMessage {
  key: string;
  value: Buffer;
}

export function encodedModelState(e: ModelStateEnvelope): ModelStateMessage {
  return { key: e.machine, value: encodeModelState(e) };
}

/** Decode and check a record; a damaged record is an error naming the machine and why. */
export function decodeModelState(key: string, value: Buffer): ModelStateEnvelope {
  let e: Partial<ModelStateEnvelope>;
  try {
    e = JSON.parse(value.toString('utf8')) as Partial<ModelStateEnvelope>;
  } catch (err) {
    throw modelStateError(key, `not JSON (${(err as Error).message})`, err);
  }
  if (e === null || typeof e !== 'object') throw modelStateError(key, 'not an object');
  if (e.version !== MODEL_STATE_VERSION)
    throw modelStateError(key, `unknown envelope version ${String(e.version)} (this build reads ${MODEL_STATE_VERSION})`);
  if (e.machine !== key) throw modelStateError(key, `envelope names machine ${JSON.stringify(e.machine)}, not its key`);
  const state = e.state as { version?: unknown } | undefined;
  if (!state || (state.version !== 1 && state.version !== 2))
    throw modelStateError(key, `unknown checkpoint version ${String(state?.version)} (this build reads 1 and 2)`);
  return e as ModelStateEnvelope;
}

function modelStateError(machine: string, why: string, cause?: unknown): PdmError {
  return new PdmError(
    'PDM_ERR_MODEL_STATE',
    `model state of machine ${machine} on the model-state topic cannot be read: ${why}; the machine relearns its baseline`,
    { machine },
    cause === undefined ? undefined : { cause },
  );
}
