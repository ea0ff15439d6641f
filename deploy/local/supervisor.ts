/**
 * Start and stop one long-running service process (a JVM) whose output goes to a log file.
 * The process leads its own process group (so a terminal's Ctrl-C reaches only the launcher, which
 * then stops services in order) and, unless it is meant to outlive us (`pdm services up --detach`),
 * is guarded by watchdog.ts so it never outlives the launcher.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  logFile: string;
  /** Tie the process's life to ours through a watchdog (default true). */
  guard?: boolean;
  /** How long the watchdog lets it shut down after SIGTERM before SIGKILL. */
  graceMs?: number;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Set once the process has exited. */
  exit: ExitInfo | undefined;
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, wait up to graceMs, then SIGKILL; resolves when it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const here = dirname(fileURLToPath(import.meta.url));
// Running from sources the watchdog is a .ts file (Node strips the types), from dist a .js file.
const watchdogScript = join(here, import.meta.url.endsWith('.ts') ? 'watchdog.ts' : 'watchdog.js');

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  }
}

/** Stop a process we may not have spawned ourselves (pid file): SIGTERM, poll, SIGKILL. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  if (!isAlive(pid)) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (isAlive(pid)) {
    signalGroup(pid, 'SIGKILL');
    while (isAlive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
}

export function startManaged(opts: StartOptions): ManagedProcess {
  const graceMs = opts.graceMs ?? 15_000;
  const out = openSync(opts.logFile, 'a');
  let child;
  try {
    child = spawn(opts.command, opts.args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  // The owner decides when the service ends (stop()); it must not keep our event loop alive alone.
  child.unref();

  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
    child.once('error', (err) => {
      exitInfo = { code: -1, signal: null };
      // Keep the reason next to the service's own output, where the start error points.
      appendFileSync(opts.logFile, `launcher: cannot start ${opts.command}: ${err.message}\n`);
      resolve(exitInfo);
    });
  });

  if (child.pid !== undefined && (opts.guard ?? true)) {
    const dog = spawn(process.execPath, [watchdogScript, String(child.pid), String(graceMs)], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    dog.unref();
    // Our end of the pipe stays open as long as we live; unref so it does not hold the loop open.
    (dog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  const pid = child.pid ?? -1;
  return {
    name: opts.name,
    pid,
    logFile: opts.logFile,
    get exit() {
      return exitInfo;
    },
    exited,
    async stop(ms = graceMs) {
      if (exitInfo || pid < 0) return;
      signalGroup(pid, 'SIGTERM');
      // The child is unref'd: this (ref'd) timer is what keeps the event loop alive until it is gone.
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), ms)));
      try {
        if ((await Promise.race([exited, timeout])) === 'timeout') {
          signalGroup(pid, 'SIGKILL');
          await exited;
        }
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The last `lines` lines of a log file, for error messages ('' when there is no file). */
export function tailFile(file: string, lines = 25): string {
  if (!existsSync(file)) return '';
  // Service logs grow to megabytes; the end is all we show.
  const size = statSync(file).size;
  const length = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const text = buf.toString('utf8');
  return text
    .split('\n')
    .filter((l) => l.length > 0)
    .slice(-lines)
    .join('\n');
}
