/**
 * `pdm services up|status|down` as a user runs them (child processes, real signals). Kafka comes
 * from the global setup, so each `up` starts only QuestDB.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ServicesState } from '../../../deploy/local/state.ts';
import { isAlive } from '../../../deploy/local/supervisor.ts';
import { testServices } from '../../helpers/services.ts';

const shared = testServices();
const pdm = join(import.meta.dirname, '..', '..', '..', 'cli', 'pdm.ts');
const OFFSET = 23_600;

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PDM_SERVICES_PORT_OFFSET: String(OFFSET),
    PDM_KAFKA_BROKERS: shared.kafkaBrokers.join(','),
    PDM_QUESTDB_HTTP: '',
    PDM_QUESTDB_PG: '',
  };
}

function pdmSync(args: string[]) {
  return spawnSync(process.execPath, [pdm, 'services', ...args], { env: env(), encoding: 'utf8', timeout: 60_000 });
}

/** Start `pdm services up` in the foreground and wait for it to say it runs. */
async function upForeground(dataDir: string): Promise<{ child: ChildProcess; stderr: () => string; stdout: () => string }> {
  const child = spawn(process.execPath, [pdm, 'services', 'up', '--data-dir', dataDir], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const deadline = Date.now() + 120_000;
  while (!err.includes('press Ctrl-C to stop')) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`pdm services up did not come up:\n${err}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, stderr: () => err, stdout: () => out };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

async function untilGone(pid: number, ms = 30_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

describe('pdm services', () => {
  it('up prints the endpoints, status sees it healthy, Ctrl-C stops it and status then says so', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pdm-cli-'));
    const up = await upForeground(dataDir);
    expect(up.stdout()).toContain(`QuestDB HTTP:    http://127.0.0.1:${9000 + OFFSET}`);
    expect(up.stdout()).toContain(`Kafka brokers:   ${shared.kafkaBrokers.join(',')} (already running)`);
    const state = JSON.parse(readFileSync(join(dataDir, 'services.json'), 'utf8')) as ServicesState;
    const qdbPid = state.questdb!.pid;

    expect(up.child.exitCode).toBeNull(); // still in the foreground
    const status = pdmSync(['status', '--data-dir', dataDir]);
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/questdb\s+running, healthy/);

    up.child.kill('SIGINT');
    expect(await exitCode(up.child)).toBe(0);
    expect(await untilGone(qdbPid)).toBe(true);
    const after = pdmSync(['status', '--data-dir', dataDir]);
    expect(after.status).toBe(1);
    expect(after.stdout).toContain('nothing recorded as running');
  });

  it('up exits non-zero and shows the log when a service dies under it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pdm-cli-'));
    const up = await upForeground(dataDir);
    const state = JSON.parse(readFileSync(join(dataDir, 'services.json'), 'utf8')) as ServicesState;
    process.kill(state.questdb!.pid, 'SIGKILL');
    expect(await exitCode(up.child)).toBe(1);
    expect(up.stderr()).toContain('questdb exited unexpectedly (exit SIGKILL)');
    expect(up.stderr()).toContain(join(dataDir, 'questdb', 'questdb.log'));
  });

  it('up --detach leaves it running for down to stop', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pdm-cli-'));
    const up = pdmSync(['up', '--detach', '--data-dir', dataDir]);
    expect(up.status).toBe(0);
    expect(up.stdout).toContain('pdm services down');
    const pid = (JSON.parse(readFileSync(join(dataDir, 'services.json'), 'utf8')) as ServicesState).questdb!.pid;
    expect(isAlive(pid)).toBe(true); // outlived the command
    const down = pdmSync(['down', '--data-dir', dataDir]);
    expect(down.status).toBe(0);
    expect(down.stdout).toContain('stopped questdb');
    expect(isAlive(pid)).toBe(false);
  });

  it('rejects an unknown action with usage and exit code 2', () => {
    const res = pdmSync(['restart']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain("expected one of fetch, up, down, status, got 'restart'");
  });
});
