/**
 * What runs from a services directory, in `<dir>/services.json` (read by `pdm services status`
 * and `down`, and by a second launcher that finds the services already up), and a lock file
 * beside the directory (`<dir>.lock`, outside it because test runs wipe the directory) so two
 * launchers never start into the same directory at once.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { isAlive } from './supervisor.ts';

export interface ServiceRecord {
  pid: number;
  /** The launcher that started it, and whether it may outlive that launcher. */
  launcherPid: number;
  detached: boolean;
  startedAt: string;
  /** Part of the command line that identifies this service (its config path), against pid reuse. */
  marker: string;
  logFile: string;
}

export interface ServicesState {
  profile: string;
  /** security: absent for plaintext (records written before SASL_SSL existed have none). */
  kafka?: ServiceRecord & { brokers: string[]; security?: 'sasl_ssl' };
  questdb?: ServiceRecord & { http: string; pg: string; health: string };
}

export function stateFile(dir: string): string {
  return join(dir, 'services.json');
}

export function readState(dir: string): ServicesState | undefined {
  try {
    return JSON.parse(readFileSync(stateFile(dir), 'utf8')) as ServicesState;
  } catch {
    return undefined;
  }
}

export function writeState(dir: string, state: ServicesState): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${stateFile(dir)}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(tmp, stateFile(dir));
}

export function removeState(dir: string): void {
  rmSync(stateFile(dir), { force: true });
}

/** Alive and (where /proc tells) still the process we started, not a recycled pid. */
export function isRecordedProcessRunning(rec: ServiceRecord | undefined): boolean {
  if (!rec || !isAlive(rec.pid)) return false;
  const cmdline = `/proc/${rec.pid}/cmdline`;
  if (!existsSync(cmdline)) return process.platform !== 'linux';
  try {
    return readFileSync(cmdline, 'utf8').includes(rec.marker);
  } catch {
    return false;
  }
}

export interface DirLock {
  file: string;
  release(): void;
}

export function lockFile(dir: string): string {
  return `${dir.replace(/[/\\]+$/, '')}.lock`;
}

/** Take the lock, or return the pid of the live process holding it. Stale locks are taken over. */
export function tryLock(dir: string): DirLock | { heldBy: number } {
  const file = lockFile(dir);
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      let released = false;
      return {
        file,
        release() {
          if (released) return;
          released = true;
          try {
            if (readFileSync(file, 'utf8').trim() === String(process.pid)) rmSync(file, { force: true });
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = NaN;
      try {
        holder = Number(readFileSync(file, 'utf8').trim());
      } catch {
        continue; // removed in between: try again
      }
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) return { heldBy: holder };
      rmSync(file, { force: true }); // its owner died without releasing it
    }
  }
  return { heldBy: -1 };
}
