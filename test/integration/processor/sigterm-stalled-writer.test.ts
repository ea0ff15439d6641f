/**
 * SIGTERM stops a real `pdm process` within shutdown.timeoutS even while its QuestDB hangs (the
 * JVM SIGSTOPped: connections open, nothing answers, the write neither succeeds nor fails), and
 * the batch it abandoned is not lost: it was not committed, so the next processor stores it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { encodeEnergyReading } from '../../../common/wire/energy-reading.ts';
import { tableNames } from '../../../storage/tables.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import type { ProcessorHealthReport } from '../../../stream-processing/processor-metrics.ts';
import { freePort } from '../../../tools/harness/ports.ts';
import { localQuestdbPid, questdbAuth, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const SHUTDOWN_S = 5;
/** Node start-up aside, what the process may take beyond its own bound to exit. */
const SLACK_MS = 3_000;
const root = resolve(import.meta.dirname, '../../..');

describe('SIGTERM with QuestDB hung: pdm process exits within shutdown.timeoutS, and loses nothing', () => {
  const services = testServices();
  const prefix = `sigterm${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = mkdtempSync(join(tmpdir(), 'pdm-sigterm-'));
  let child: ChildProcess | undefined;
  let producer: Producer;
  let questdbPid: number | undefined;
  let frozen = false;
  let port: number;
  let stderr = '';
  const config = {
    // The abandoning process may not leave the group: its partition moves after the session timeout.
    kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 1, sessionTimeoutS: 10 },
    questdb: { tablePrefix: prefix },
    workers: 1,
    health: { enabled: false, stateDir: join(dir, 'state') },
    shutdown: { timeoutS: SHUTDOWN_S },
  };
  const reading = (i: number) => ({
    key: 'm-1',
    value: encodeEnergyReading({ machine: 'm-1', ts_ms: Date.now() - 60_000 + i, values: { power_kw: 10 + i } }),
  });

  async function health(): Promise<ProcessorHealthReport | undefined> {
    try {
      return (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as ProcessorHealthReport;
    } catch {
      return undefined;
    }
  }

  async function waitHealth(cond: (h: ProcessorHealthReport) => boolean, timeoutMs: number, what: string): Promise<ProcessorHealthReport> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await health();
      if (h && cond(h)) return h;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; last /health: ${JSON.stringify(h)}; stderr: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  beforeAll(async () => {
    questdbPid = localQuestdbPid(services);
    port = await freePort();
    const file = join(dir, 'processor.json');
    writeFileSync(file, JSON.stringify({ ...config, metrics: { port, host: '127.0.0.1' } }));
    child = spawn(process.execPath, [join(root, 'cli', 'pdm.ts'), 'process', '--config', file], {
      cwd: root,
      env: {
        ...process.env,
        PDM_KAFKA_BROKERS: services.kafkaBrokers.join(','),
        PDM_QUESTDB_HTTP: services.questdbHttp,
        ...(services.questdbUser ? { PDM_QUESTDB_USER: services.questdbUser, PDM_QUESTDB_PASSWORD: services.questdbPassword } : {}),
        PDM_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const kafka = createKafka(services.kafkaBrokers, `${prefix}test`);
    producer = kafka.producer();
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    if (frozen && questdbPid) process.kill(questdbPid, 'SIGCONT');
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await producer?.disconnect().catch(() => undefined);
  });

  it('exits within the bound while its write hangs, and the next processor stores the abandoned batch', async () => {
    expect(questdbPid, 'the QuestDB JVM started by the test services (not an external one)').toBeDefined();
    // Running, and writing: the first reading is committed.
    await waitHealth((h) => h.status === 'starting', 60_000, 'the processor serving /health');
    await new Promise((r) => setTimeout(r, 1_000));
    await producer.send({ topic: topics.energy, messages: [reading(0)] });
    await waitHealth((h) => h.status === 'ok' && h.counts.commits >= 1, 60_000, 'a first commit');

    process.kill(questdbPid!, 'SIGSTOP');
    frozen = true;
    await producer.send({ topic: topics.energy, messages: [reading(1)] });
    await waitHealth((h) => h.pendingPartitions > 0 && h.counts.energyIn >= 2, 30_000, 'a write pending on the hung QuestDB');
    await new Promise((r) => setTimeout(r, 1_000));

    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child!.once('exit', (code, signal) => res({ code, signal })),
    );
    const t0 = Date.now();
    child!.kill('SIGTERM');
    const { code, signal } = await exited;
    const tookMs = Date.now() - t0;
    expect(signal, stderr.slice(-2000)).toBeNull();
    expect(code, stderr.slice(-2000)).toBe(0);
    expect(tookMs).toBeLessThan(SHUTDOWN_S * 1000 + SLACK_MS);
    expect(stderr).toMatch(/did not finish in time and is abandoned|write abandoned at shutdown/);

    process.kill(questdbPid!, 'SIGCONT');
    frozen = false;
    // The abandoned reading was not committed: the next processor of the group reads and stores it.
    const next = new StreamProcessor(ProcessorConfigSpec.parse(config), {
      brokers: services.kafkaBrokers,
      questdbHttp: services.questdbHttp,
      questdbIlpConfig: services.questdbIlpConfig,
      questdbAuth: questdbAuth(services),
    });
    try {
      await next.start();
      const rows = await waitForRows(services, `SELECT count() n FROM ${tableNames(prefix).energy}`, (r) => Number(r[0]?.n) === 2, 60_000);
      expect(Number(rows[0].n)).toBe(2);
    } finally {
      await next.stop();
    }
  });
});
