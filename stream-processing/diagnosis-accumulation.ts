/**
 * The accumulated bearing diagnosis of every machine channel this processor owns: one
 * DiagnosisAccumulator (models/bearing/diagnosis-accumulator.ts) per machine and channel, fed the
 * channel's windows in sequence order (the processor takes a batch's analyses in window order).
 * Its state is part of the machine's model state (MachineCheckpoint.diagnoses), so it follows the
 * machine's partition to whichever processor owns it next; a replayed window (at or before the
 * restored state's last one) changes nothing.
 */
import {
  type AccumulatedResult,
  type AccumulatorState,
  DiagnosisAccumulator,
  validateAccumulatorState,
  type WindowDiagnosis,
} from '../models/bearing/diagnosis-accumulator.ts';

export class DiagnosisAccumulators {
  readonly #machines = new Map<string, Map<string, DiagnosisAccumulator>>();

  /** Take one window of `machine`'s `channel`; the accumulated diagnosis after it. */
  add(machine: string, channel: string, w: WindowDiagnosis): AccumulatedResult {
    let channels = this.#machines.get(machine);
    if (!channels) {
      channels = new Map();
      this.#machines.set(machine, channels);
    }
    let a = channels.get(channel);
    if (!a) {
      a = new DiagnosisAccumulator();
      channels.set(channel, a);
    }
    return a.add(w);
  }

  /** The machine's accumulators as JSON by channel; undefined when it has none. */
  toJSON(machine: string): Record<string, AccumulatorState> | undefined {
    const channels = this.#machines.get(machine);
    if (!channels || channels.size === 0) return undefined;
    return Object.fromEntries([...channels].map(([c, a]) => [c, a.toJSON()]));
  }

  /** Replace the machine's accumulators with a checkpoint's (none: start afresh). */
  restore(machine: string, states: Record<string, unknown> | undefined): void {
    const channels = new Map<string, DiagnosisAccumulator>();
    for (const [c, s] of Object.entries(states ?? {}))
      channels.set(c, new DiagnosisAccumulator({}, validateAccumulatorState(s, `machine ${machine} channel ${c}: accumulated diagnosis`)));
    this.#machines.set(machine, channels);
  }

  clear(): void {
    this.#machines.clear();
  }
}
