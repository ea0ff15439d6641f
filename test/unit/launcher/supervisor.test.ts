/**
 * Service processes never outlive their launcher: real processes, a real SIGKILL of the launcher.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { isAlive, startManaged, stopPid, tailFile } from '../../../deploy/local/supervisor.ts';

const fixture = join(import.meta.dirname, 'fixtures', 'launch-and-wait.ts');
// A process that ignores SIGTERM, so only SIGKILL ends it.
const STUBBORN = ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);"];
const POLITE = ['-e', 'setInterval(() => {}, 1000);'];

async function untilGone(pid: number, ms = 20_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

async function launchAndKill(graceMs: number, args: string[]): Promise<number> {
  const launcher = spawn(process.execPath, [fixture, String(graceMs), process.execPath, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(createInterface({ input: launcher.stdout! }), 'line')) as [string];
  const pid = Number(line);
  expect(isAlive(pid)).toBe(true);
  launcher.kill('SIGKILL');
  await once(launcher, 'exit');
  return pid;
}

describe('supervised service processes', () => {
  it('are stopped by the watchdog when the launcher is SIGKILLed', async () => {
    const pid = await launchAndKill(10_000, POLITE);
    expect(await untilGone(pid)).toBe(true);
  });

  it('are SIGKILLed by the watchdog when they ignore SIGTERM past the grace period', async () => {
    const pid = await launchAndKill(300, STUBBORN);
    expect(await untilGone(pid)).toBe(true);
  });

  it('stop() escalates to SIGKILL and reports the signal', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'pdm-sup-')), 'out.log');
    const proc = startManaged({ name: 'stubborn', command: process.execPath, args: STUBBORN, cwd: tmpdir(), logFile: log, graceMs: 300 });
    await new Promise((r) => setTimeout(r, 300)); // let it install its SIGTERM handler
    await proc.stop();
    expect(proc.exit?.signal).toBe('SIGKILL');
    expect(isAlive(proc.pid)).toBe(false);
  });

  it('stopPid stops a process we did not spawn (as `pdm services down` does)', async () => {
    const child = spawn(process.execPath, POLITE, { detached: true, stdio: 'ignore' });
    const exited = once(child, 'exit');
    await stopPid(child.pid!, 5_000);
    const [code, signal] = (await exited) as [number | null, string | null];
    expect(signal).toBe('SIGTERM');
    expect(code).toBeNull();
  });

  it('keeps the output in the log file, and records a command that cannot start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdm-sup-'));
    const ok = startManaged({
      name: 'echo',
      command: process.execPath,
      args: ['-e', 'console.log("line one"); console.error("line two")'],
      cwd: dir,
      logFile: join(dir, 'ok.log'),
      guard: false,
    });
    expect((await ok.exited).code).toBe(0);
    expect(readFileSync(join(dir, 'ok.log'), 'utf8')).toBe('line one\nline two\n');

    const bad = startManaged({
      name: 'missing',
      command: join(dir, 'no-such-java'),
      args: [],
      cwd: dir,
      logFile: join(dir, 'bad.log'),
      guard: false,
    });
    await bad.exited;
    expect(tailFile(join(dir, 'bad.log'))).toContain(`cannot start ${join(dir, 'no-such-java')}`);
  });
});
