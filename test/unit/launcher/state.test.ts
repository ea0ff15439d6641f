import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRecordedProcessRunning, lockFile, tryLock } from '../../../deploy/local/state.ts';

describe('services directory lock', () => {
  it('is taken, refused to others while held, and released', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pdm-lock-')), 'services');
    const lock = tryLock(dir);
    expect('release' in lock).toBe(true);
    expect(readFileSync(lockFile(dir), 'utf8').trim()).toBe(String(process.pid));
    if ('release' in lock) lock.release();
    expect(existsSync(lockFile(dir))).toBe(false);
  });

  it('reports the live process that holds it', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pdm-lock-')), 'services');
    const holder = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      writeFileSync(lockFile(dir), `${holder.pid}\n`);
      expect(tryLock(dir)).toEqual({ heldBy: holder.pid });
    } finally {
      holder.kill();
      await once(holder, 'exit');
    }
  });

  it('takes over a lock whose holder died', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'pdm-lock-')), 'services');
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await once(gone, 'exit');
    writeFileSync(lockFile(dir), `${gone.pid}\n`);
    const lock = tryLock(dir);
    expect('release' in lock).toBe(true);
    expect(readFileSync(lockFile(dir), 'utf8').trim()).toBe(String(process.pid));
  });
});

describe('recorded service processes', () => {
  it('count as running only while alive and still the same program (not a recycled pid)', async () => {
    const marker = `/tmp/pdm-marker-${process.pid}/server.properties`;
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', marker], { stdio: 'ignore' });
    const base = { pid: child.pid!, launcherPid: process.pid, detached: false, startedAt: '', logFile: '' };
    expect(isRecordedProcessRunning({ ...base, marker })).toBe(true);
    expect(isRecordedProcessRunning({ ...base, marker: '/somewhere/else/server.properties' })).toBe(false);
    child.kill();
    await once(child, 'exit');
    expect(isRecordedProcessRunning({ ...base, marker })).toBe(false);
  });
});
