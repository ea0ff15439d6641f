/**
 * A machine whose server hangs (its process SIGSTOPped: the TCP connection stays open, nothing
 * answers) is found by the keep-alive watchdog, not waited on for ever; the other machine keeps
 * flowing without a gap; once the server runs again (SIGCONT) it is collected again by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector, type MachineStats } from '../../../ingest/collector/collector.ts';
import {
  AUTH,
  BLOCK,
  collectorConfig,
  FS,
  machineEntry,
  OPCUA_ENV,
  startMachine,
  type TestMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

const STALL_MS = 12_000;
const WATCHDOG_MS = 3_000;
const BLOCKS_PER_S = FS / BLOCK;

describe('a hung machine server: the watchdog finds it, the others keep flowing, it comes back by itself', () => {
  const services = testServices();
  const prefix = `hung${Date.now().toString(36)}_`;
  const dir = tempDir('hung-server');
  let hungProcess: ChildProcess | undefined;
  let ok: TestMachine;
  let collector: Collector;
  const stat = (id: string): MachineStats => collector.stats.find((s) => s.machine === id || s.configIndex === (id === 'hung-1' ? 0 : 1))!;
  let during: { hungStates: Set<string>; okBlocks: number; okGaps: number; hungBlocks: number };
  let resumed: { hungBlocksIn: number; hungState: string; hungReconnects: number };

  beforeAll(async () => {
    // The hung machine lives in its own process, so it can be frozen without freezing the test.
    const proc = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'machines-process.ts'), dir, 'hung-1'], {
      env: { ...process.env, ...OPCUA_ENV },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    hungProcess = proc;
    const first = await new Promise<{ machines: Array<{ id: string; endpoint: string }> }>((resolve, reject) => {
      createInterface({ input: proc.stdout }).once('line', (l) =>
        resolve(JSON.parse(l) as { machines: Array<{ id: string; endpoint: string }> }),
      );
      proc.once('exit', (code) => reject(new Error(`machine process exited (${code})`)));
    });
    ok = await startMachine(dir, 'ok-1');
    collector = new Collector(
      collectorConfig(dir, prefix, [{ id: 'hung-1', endpoint: first.machines[0].endpoint, auth: AUTH }, machineEntry(ok)], {
        reconnect: { minDelayMs: 200, maxDelayMs: 2_000, noDataMs: WATCHDOG_MS, keepAliveTimeoutMs: WATCHDOG_MS },
      }),
      { brokers: services.kafkaBrokers, env: { ...process.env, ...OPCUA_ENV } },
    );
    await collector.start();
    await until(() => stat('hung-1').blocksOut >= 20 && stat('ok-1').blocksOut >= 20, 60_000, 'both machines collected');

    const okBefore = stat('ok-1').blocksOut;
    const hungBefore = stat('hung-1').blocksIn;
    const reconnectsBefore = stat('hung-1').reconnects;
    const hungStates = new Set<string>();
    proc.kill('SIGSTOP');
    const stallEnd = Date.now() + STALL_MS;
    while (Date.now() < stallEnd) {
      hungStates.add(stat('hung-1').state);
      await new Promise((r) => setTimeout(r, 200));
    }
    during = {
      hungStates,
      okBlocks: stat('ok-1').blocksOut - okBefore,
      okGaps: stat('ok-1').gaps,
      hungBlocks: stat('hung-1').blocksIn - hungBefore,
    };
    proc.kill('SIGCONT');
    const hungAtResume = stat('hung-1').blocksIn;
    await until(
      () => stat('hung-1').blocksIn >= hungAtResume + 20 && stat('hung-1').state === 'connected',
      90_000,
      'the hung machine collected again',
    );
    resumed = {
      hungBlocksIn: stat('hung-1').blocksIn - hungAtResume,
      hungState: stat('hung-1').state,
      hungReconnects: stat('hung-1').reconnects - reconnectsBefore,
    };
  }, 240_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    hungProcess?.kill('SIGCONT');
    hungProcess?.kill('SIGKILL');
    await ok?.server.stop().catch(() => undefined);
  });

  it('the watchdog gave up on the frozen connection and kept trying to reconnect', () => {
    expect(during.hungStates.has('connected'), JSON.stringify([...during.hungStates])).toBe(true);
    expect(
      [...during.hungStates].some((s) => s === 'reconnecting' || s === 'connecting'),
      JSON.stringify([...during.hungStates]),
    ).toBe(true);
    // Nothing comes from a frozen server (at most what was already in flight).
    expect(during.hungBlocks).toBeLessThanOrEqual(2 * 2 * BLOCKS_PER_S);
  });

  it('the other machine kept flowing at its full rate, without a gap', () => {
    const channels = ok.source.channels.length;
    expect(during.okBlocks).toBeGreaterThanOrEqual(0.8 * (STALL_MS / 1000) * BLOCKS_PER_S * channels);
    expect(during.okGaps).toBe(0);
  });

  it('collects the machine again once its server answers, without operator action', () => {
    expect(resumed.hungState).toBe('connected');
    expect(resumed.hungReconnects).toBeGreaterThanOrEqual(1);
    expect(resumed.hungBlocksIn).toBeGreaterThanOrEqual(20);
  });
});
