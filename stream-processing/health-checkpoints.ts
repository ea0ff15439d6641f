/**
 * Model state on disk: one JSON file per machine in the processor's state directory, replaced
 * atomically (write to a temporary file, then rename), so a crash leaves either the old or the
 * new checkpoint, never half of one. A local copy only: processors restore from the model-state
 * topic (model-state-topic.ts), which any host can read; this copy seeds machines the topic has
 * never seen (state kept before the topic existed) and is there for an operator to inspect.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PdmError } from '../common/errors.ts';
import type { MachineCheckpoint, MachineHealthTracker } from './machine-health.ts';

export class HealthCheckpoints {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  #file(machine: string): string {
    return join(this.dir, `${encodeURIComponent(machine)}.json`);
  }

  saveAll(tracker: MachineHealthTracker): void {
    mkdirSync(this.dir, { recursive: true });
    for (const machine of tracker.machineIds) {
      const cp = tracker.checkpoint(machine);
      if (!cp) continue;
      const file = this.#file(machine);
      writeFileSync(`${file}.tmp`, JSON.stringify(cp));
      renameSync(`${file}.tmp`, file);
    }
  }

  /** Restore every machine found; returns their ids. A damaged file is an error naming it. */
  loadAll(tracker: MachineHealthTracker): string[] {
    return this.loadMissing(tracker, () => true);
  }

  /** Restore the machines found for which `wanted` holds; returns their ids. A damaged file is an error naming it. */
  loadMissing(tracker: MachineHealthTracker, wanted: (machine: string) => boolean): string[] {
    if (!existsSync(this.dir)) return [];
    const restored: string[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const machine = decodeURIComponent(name.slice(0, -'.json'.length));
      if (!wanted(machine)) continue;
      const file = join(this.dir, name);
      let cp: MachineCheckpoint;
      try {
        cp = JSON.parse(readFileSync(file, 'utf8')) as MachineCheckpoint;
        if (cp.version !== 1 && cp.version !== 2)
          throw new Error(`unknown checkpoint version ${String((cp as { version?: unknown }).version)} (this build reads 1 and 2)`);
        tracker.restore(machine, cp);
      } catch (err) {
        throw new PdmError(
          'PDM_ERR_MODEL_STATE',
          `${file}: cannot restore model state (${(err as Error).message}); delete the file to relearn this machine's baseline`,
          { file },
          { cause: err },
        );
      }
      restored.push(machine);
    }
    return restored;
  }
}
