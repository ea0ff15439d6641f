/**
 * What a machine server shows of its machine's condition, from the ground truth: the plain
 * `OperatingState` string, the OPC 40001-1 `MachineryItemState` and the schedule's mode. Pure.
 *
 * MachineryItemState says whether the machine does its job: Executing while it runs (even with a
 * failed bearing that is left running: it still pumps), NotExecuting when switched off, and
 * OutOfService when a failure tripped it and it waits for repair. OperatingState keeps the
 * failure visible in both cases.
 */
import type { MachineryItemStateName, OperatingStateName } from '../../opcua/address-space-model.ts';
import type { MachineTruth } from '../physics/machine-simulation.ts';

export interface ShownState {
  operatingState: OperatingStateName;
  machineryItemState: MachineryItemStateName;
  /** The schedule's mode while running, "stopped" otherwise. */
  mode: string;
}

export function shownState(truth: Pick<MachineTruth, 'state' | 'running' | 'mode'>): ShownState {
  const mode = truth.running ? truth.mode : 'stopped';
  if (truth.state === 'failed') return { operatingState: 'Failed', machineryItemState: truth.running ? 'Executing' : 'OutOfService', mode };
  if (!truth.running) return { operatingState: 'Stopped', machineryItemState: 'NotExecuting', mode };
  return { operatingState: 'Running', machineryItemState: 'Executing', mode };
}
