/**
 * A bad machine configuration stops that machine, not the plant: `pdm simulate` runs as a child
 * process (as `pdm start` forks it) on a fleet with one entry the schema rejects and one whose
 * user variable is not set. It reports both as failed with the reason over IPC and on stderr,
 * the two good machines serve blocks to the collector's OPC UA input, the truth covers only them,
 * and the exit code on SIGTERM says that some machine failed.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { SimulatorMessage } from '../../../cli/commands/simulate.ts';
import { collectorPkiDir, initPlantPki } from '../../../ingest/opcua/pki-init.ts';
import { freePorts, until } from '../../../tools/harness/ports.ts';
import { type CollectorView, collectorView, pumpEntry, USER_ENV, USERS_FROM_ENV } from './helpers.ts';

const PDM = resolve(import.meta.dirname, '../../../cli/pdm.ts');
const GOOD = ['good-1', 'good-2'];

describe('pdm simulate with a bad fleet entry', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-sim-bad-'));
  const pkiRoot = join(dir, 'pki');
  let child: ChildProcess;
  let stderr = '';
  let ready: Extract<SimulatorMessage, { type: 'ready' }>;
  const truths: Array<Extract<SimulatorMessage, { type: 'truth' }>> = [];
  const views: CollectorView[] = [];
  let exitCode: Promise<number | null>;

  beforeAll(async () => {
    // Distinct: ports probed one after another can repeat, and a repeat is itself a bad entry.
    const [basePort, port1, port3, port2, port4] = await freePorts(5);
    const fleet = {
      timeAcceleration: 1000,
      opcua: { basePort, users: USERS_FROM_ENV },
      machines: [
        pumpEntry('good-1', { opcua: { port: port1 } }),
        pumpEntry('typo-3', { opcua: { port: port3 }, bearings: { DE: '6205-2RS', NDE: '6203-ZZ' } }),
        pumpEntry('good-2', { opcua: { port: port2 } }),
        pumpEntry('no-user-4', {
          opcua: { port: port4, users: [{ usernameEnv: 'SIM_TEST_UNSET_USER', passwordEnv: 'SIM_TEST_PASSWORD' }] },
        }),
      ],
    };
    const fleetFile = join(dir, 'plant.yaml');
    writeFileSync(fleetFile, stringify(fleet));
    await initPlantPki(pkiRoot, GOOD, 'localhost');
    const env: NodeJS.ProcessEnv = { ...process.env, ...USER_ENV, PDM_KAFKA_BROKERS: '', PDM_QUESTDB_HTTP: '' };
    delete env['SIM_TEST_UNSET_USER'];
    child = fork(PDM, ['simulate', '--fleet', fleetFile, '--pki', pkiRoot, '--truth-dir', join(dir, 'truth')], {
      env,
      execArgv: [],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    exitCode = new Promise((r) => child.once('exit', (code) => r(code)));
    ready = await new Promise((resolveReady, reject) => {
      child.on('message', (m: SimulatorMessage) => {
        if (m.type === 'ready') resolveReady(m);
        else if (m.type === 'truth') truths.push(m);
      });
      child.once('exit', (code) => reject(new Error(`pdm simulate exited (${code}) before it was ready:\n${stderr}`)));
    });
    for (const id of GOOD) views.push(await collectorView(ready.machines.find((m) => m.id === id)!.endpointUrl!, collectorPkiDir(pkiRoot)));
    await until(
      () => views.every((v) => (v.seqs.get('DE_Z')?.length ?? 0) >= 10) && truths.length >= 2,
      30_000,
      '10 blocks from each good machine and two truth messages',
    );
  });

  afterAll(async () => {
    // Clients first: once the servers are gone, closing a session waits for reconnection attempts.
    await stopViews();
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  async function stopViews(): Promise<void> {
    for (const v of views.splice(0)) await v.stop();
  }

  it('reports the bad entries as failed, with the file, entry and setting or variable to fix', () => {
    const byId = new Map(ready.machines.map((m) => [m.id, m]));
    expect([...byId.keys()].sort()).toEqual(['good-1', 'good-2', 'no-user-4', 'typo-3']);
    expect(byId.get('typo-3')).toMatchObject({ state: 'failed' });
    expect(byId.get('typo-3')!.error).toMatch(/^plant\.yaml: machines\[1\]\.bearings\.NDE .*6203-2RS.* \(machine "typo-3"\)/);
    expect(byId.get('no-user-4')).toMatchObject({ state: 'failed' });
    expect(byId.get('no-user-4')!.error).toMatch(
      /plant\.yaml: machines\[3\] \(no-user-4\): environment variable SIM_TEST_UNSET_USER is not set/,
    );
    for (const id of GOOD)
      expect(byId.get(id)).toMatchObject({
        state: 'running',
        endpointUrl: expect.stringMatching(new RegExp(`^opc\\.tcp://localhost:\\d+/pdm/${id}$`)),
      });
    expect(stderr).toMatch(/typo-3: failed — plant\.yaml: machines\[1\]\.bearings\.NDE/);
    expect(stderr).toMatch(/good-1: running at opc\.tcp:/);
  });

  it('serves the good machines: every channel of each delivers consecutive blocks', () => {
    for (const v of views) {
      expect(GOOD).toContain(v.input.machineId);
      expect([...v.seqs.keys()].sort()).toEqual(['DE_X', 'DE_Y', 'DE_Z']);
      expect(v.gaps.size).toBe(0);
    }
  });

  it('publishes the truth of the good machines only', () => {
    for (const t of truths) expect(Object.keys(t.truth).sort()).toEqual(GOOD);
    expect(truths.at(-1)!.truth['good-1']).toMatchObject({ machine: 'good-1', state: 'healthy', running: true });
  });

  it('exits with 1 on SIGTERM, saying some machine failed', async () => {
    await stopViews();
    child.kill('SIGTERM');
    expect(await exitCode).toBe(1);
  });
});
