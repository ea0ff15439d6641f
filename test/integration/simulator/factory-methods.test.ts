/**
 * Driving a running factory machine through its OPC UA methods, as `pdm factory` does, and
 * checking what the collector side and the ground truth see: Stop pauses acquisition (the
 * collector's input sees exactly the blocks of the stop missing, then consecutive blocks again),
 * the shown state follows, InjectFault (through the real `pdm factory` command) puts the fault in
 * the truth with the times the command printed, a bad argument is refused with the reason, and
 * Repair starts a new life without the fault.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorPkiDir, initPlantPki } from '../../../ingest/opcua/pki-init.ts';
import { Factory } from '../../../ingest/simulator/factory.ts';
import { validateFleet } from '../../../ingest/simulator/fleet-config.ts';
import { callMachineMethod, type OperatorConnection, operatorPkiDir } from '../../../ingest/simulator/opcua/factory-client.ts';
import type { TruthRecordV1 } from '../../../ingest/simulator/truth-record.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { type CollectorView, collectorView, OBJECTS, pumpEntry, readSession, sleep, USER, USER_ENV, USERS_FROM_ENV } from './helpers.ts';

const ID = 'press-3';
const ACCEL = 1000;
const BLOCK_MS = 100; // 2560 samples at 25.6 kHz
const PDM = resolve(import.meta.dirname, '../../../cli/pdm.ts');
const run = promisify(execFile);

describe('machine methods on a running factory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-sim-methods-'));
  const pkiRoot = join(dir, 'pki');
  const truthDir = join(dir, 'truth');
  let factory: Factory;
  let collector: CollectorView;
  let operator: OperatorConnection;
  let endpoint: string;
  const truthNow = async (): Promise<TruthRecordV1> => (await factory.publishTruth(Date.now())).find((r) => r.machine === ID)!;

  beforeAll(async () => {
    const fleet = validateFleet(
      { timeAcceleration: ACCEL, opcua: { basePort: await freePort(), users: USERS_FROM_ENV }, machines: [pumpEntry(ID)] },
      join(dir, 'fleet.yaml'),
    );
    await initPlantPki(pkiRoot, [ID], 'localhost');
    factory = new Factory(fleet, { pkiRoot, env: { ...process.env, ...USER_ENV }, truthDir, truthPeriodMs: 250 });
    await factory.start();
    endpoint = factory.machines[0].endpointUrl!;
    operator = { endpoint, credentials: USER, pkiDir: operatorPkiDir(pkiRoot) };
    collector = await collectorView(endpoint, collectorPkiDir(pkiRoot));
    await until(() => (collector.seqs.get('DE_X')?.length ?? 0) >= 5, 30_000, '5 blocks before the stop');
  });

  afterAll(async () => {
    await collector?.stop();
    await factory?.stop();
  });

  it('Stop pauses acquisition: the collector sees exactly the blocks of the stop missing, and the state follows', async () => {
    const t0 = Date.now();
    const stopped = await callMachineMethod(operator, { method: 'Stop' });
    const t1 = Date.now();
    expect(stopped).toMatchObject({ machine: ID, ok: true, status: 'Good', outputs: { State: 'Stopped' } });
    const truth = await truthNow();
    expect(truth).toMatchObject({ state: 'stopped', running: false, mode: 'stopped', failureAtMs: null });

    const reader = await readSession(endpoint, collectorPkiDir(pkiRoot));
    const machine = await reader.find(OBJECTS, ID);
    const itemState = async () =>
      (
        (await reader.value(
          (
            await reader.find(machine.nodeId, 'MachineryBuildingBlocks', 'MachineryItemState', 'CurrentState')
          ).nodeId,
        )) as { text: string }
      ).text;
    expect(await reader.value((await reader.find(machine.nodeId, 'OperatingState')).nodeId)).toBe('Stopped');
    expect(await itemState()).toBe('NotExecuting');

    await sleep(1500);
    const whileStopped = collector.seqs.get('DE_X')!.length;
    await sleep(500);
    expect(collector.seqs.get('DE_X')!.length).toBe(whileStopped); // nothing acquired while stopped

    const t2 = Date.now();
    const started = await callMachineMethod(operator, { method: 'Start' });
    const t3 = Date.now();
    expect(started.outputs).toEqual({ State: 'Running' });
    expect(await reader.value((await reader.find(machine.nodeId, 'OperatingState')).nodeId)).toBe('Running');
    expect(await itemState()).toBe('Executing');
    await reader.close();
    await until(() => collector.seqs.get('DE_X')!.length >= whileStopped + 5, 10_000, '5 blocks after the start');

    for (const channel of ['DE_X', 'DE_Y', 'DE_Z']) {
      const gaps = collector.gaps.get(channel) ?? [];
      expect(gaps).toHaveLength(1);
      const [last, first] = gaps[0];
      // Missing: the blocks starting between the stop and the start (each known to within the call's round trip).
      expect(last * BLOCK_MS).toBeLessThan(t1);
      expect((last + 1) * BLOCK_MS).toBeGreaterThanOrEqual(t0);
      expect(first * BLOCK_MS).toBeGreaterThanOrEqual(t2);
      expect((first - 1) * BLOCK_MS).toBeLessThan(t3);
      const seqs = collector.seqs.get(channel)!;
      expect(seqs.slice(seqs.indexOf(first))).toEqual(seqs.slice(seqs.indexOf(first)).map((_, i) => first + i));
      // The collector followed the machine's Machinery state: the missing blocks fall in a time it was
      // not running (a gap with cause not_running, no loss), and the blocks before and after do not.
      expect(collector.runState.notRunningDuring((last + 1) * BLOCK_MS, first * BLOCK_MS)).toBe(true);
      expect(collector.runState.notRunningDuring(last * BLOCK_MS - 5_000, last * BLOCK_MS)).toBe(false);
    }
    expect(collector.states).toEqual(expect.arrayContaining(['Executing', 'NotExecuting']));
    expect(collector.states.at(-1)).toBe('Executing');
    expect((await truthNow()).state).toBe('healthy');
  });

  it('InjectFault through pdm factory: the fault is in the truth at the onset and failure times the command printed', async () => {
    const before = (await truthNow()).faults.length;
    const { stdout } = await run(
      process.execPath,
      [
        PDM,
        'factory',
        'inject',
        '--endpoint',
        endpoint,
        '--pki',
        operator.pkiDir,
        '--type',
        'outer_race',
        '--location',
        'DE',
        '--time-to-failure',
        '2h',
        '--json',
      ],
      {
        env: { ...process.env, PDM_OPCUA_USER: USER.username, PDM_OPCUA_PASSWORD: USER.password },
      },
    );
    const printed = JSON.parse(stdout) as { ok: boolean; machine: string; outputs: { OnsetTime: string; FailureTime: string } };
    expect(printed).toMatchObject({ ok: true, machine: ID, method: 'InjectFault' });
    const truth = await truthNow();
    expect(truth.faults).toHaveLength(before + 1);
    const fault = truth.faults[before];
    expect(fault).toMatchObject({ type: 'outer_race', location: 'DE', injected: true, health: 'degrading' });
    // The truth keeps sub-millisecond times; an OPC UA DateTime from node-opcua carries whole ms.
    expect(Math.trunc(fault.onsetAtMs!)).toBe(Date.parse(printed.outputs.OnsetTime));
    expect(Math.trunc(fault.failureAtMs!)).toBe(Date.parse(printed.outputs.FailureTime));
    // 2 h of life at ×1000 = 7.2 s of running; the path fails within [0.96, 1] of it.
    expect(fault.failureAtMs! - fault.onsetAtMs!).toBeGreaterThanOrEqual(0.96 * 7200);
    expect(fault.failureAtMs! - fault.onsetAtMs!).toBeLessThanOrEqual(7200);
    expect(truth.faultType).toBe('outer_race');
    expect(truth.failureAtMs).toBe(fault.failureAtMs);
  });

  it('refuses a bad argument with BadInvalidArgument and the reason, and changes nothing', async () => {
    const before = (await truthNow()).faults.length;
    const refused = await callMachineMethod(operator, {
      method: 'InjectFault',
      args: { FaultType: 'rust', Location: 'DE', TimeToFailureS: 60, OnsetDelayS: 0, InitialSeverity: 0 },
    });
    expect(refused).toMatchObject({ ok: false, status: 'BadInvalidArgument' });
    expect(refused.message).toMatch(/FaultType "rust" is not one of outer_race, inner_race/);
    expect((await truthNow()).faults).toHaveLength(before);
  });

  it('Repair starts a new life without the injected fault', async () => {
    const repaired = await callMachineMethod(operator, { method: 'Repair' });
    expect(repaired.outputs).toEqual({ State: 'Running', Life: 1 });
    const truth = await truthNow();
    expect(truth).toMatchObject({ life: 1, state: 'healthy', faults: [], faultType: null });
    expect(truth.lifeS).toBeLessThan(5 * ACCEL); // a few wall seconds into the new life
  });

  it('leaves the story in the truth file, in time order: running, stopped, running, fault, new life', () => {
    const records = readFileSync(join(truthDir, `${ID}.jsonl`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as TruthRecordV1);
    expect(records.every((r) => r.v === 1 && r.machine === ID)).toBe(true);
    expect(records.map((r) => r.timeMs)).toEqual([...records.map((r) => r.timeMs)].sort((a, b) => a - b));
    const phases: string[] = [];
    for (const r of records) {
      const phase = r.life === 1 ? 'new life' : r.faults.length > 0 ? 'fault' : r.running ? 'running' : 'stopped';
      if (phases.at(-1) !== phase) phases.push(phase);
    }
    expect(phases).toEqual(['running', 'stopped', 'running', 'fault', 'new life']);
  });
});
