/**
 * poison-messages: one bad message must never stop a plant. Valid traffic is mixed with every
 * impossible message the issue measured, through the real Kafka, the processor and the real
 * QuestDB:
 *   - an energy reading with ts_ms 1e300, one with power_kw 3e38,
 *   - a machine id with control characters (an energy reading and a vibration frame),
 *   - a block timestamped in the year 2262, a block at 1e-300 Hz, a block of samples 3e38,
 *   - a channel whose rate changes from 25 600 to 1 000 Hz between consecutive blocks,
 *   - a gap event detected at 1e300 ms,
 *   - and rows QuestDB itself refuses although they pass validation: the energy table's
 *     temperature_c column was changed to LONG (schema drift, as an operator's ALTER would), so
 *     QuestDB answers 400 "cast error" to any reading with a temperature and, ILP/HTTP requests
 *     being all or nothing, to the whole batch it is in.
 * Every bad message is dead-lettered with its reason and rule (headers of pdm.deadletter.v1, and
 * the metric by code and rule); every good one is in QuestDB (rows counted by key); the group's
 * offsets reach the end of every partition (no stall). Then QuestDB is frozen (SIGSTOP) while
 * traffic goes on: /health turns degraded, then down (503) with the reason and the age of the
 * last commit; after SIGCONT it is ok again and everything sent during the outage is stored.
 * /health is polled throughout and must be honest in each phase.
 */
import type { Admin, Consumer, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { encodeEnergyReading } from '../../../common/wire/energy-reading.ts';
import { encodeGapEvent } from '../../../common/wire/gap-event.ts';
import { encodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { tableDefinitions } from '../../../storage/schema.ts';
import { tableNames } from '../../../storage/tables.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import type { ProcessorHealthReport } from '../../../stream-processing/processor-metrics.ts';
import { until } from '../../../tools/harness/ports.ts';
import { exec, localQuestdbPid, questdbAuth, sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const FS = 25_600;
const BLOCK = 2_560; // 100 ms
const WINDOW_BLOCKS = 4;
const STALL = { degradedS: 4, downS: 10 };
const GOOD = 'good-1';
const RATE = 'rate-1';

interface DeadLetter {
  topic: string;
  code: string;
  rule: string;
  reason: string;
  key: string;
}

interface HealthSample {
  phase: 'traffic' | 'outage' | 'recovery';
  http: number;
  report: ProcessorHealthReport;
}

describe('poison messages: each is dead-lettered with its reason, the good traffic is stored, nothing stalls, /health is honest', () => {
  const services = testServices();
  const prefix = `poison${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const tables = tableNames(prefix);
  let processor: StreamProcessor;
  let producer: Producer;
  let dlq: Consumer;
  let admin: Admin;
  const deadLetters: DeadLetter[] = [];
  const health: HealthSample[] = [];
  let phase: HealthSample['phase'] = 'traffic';
  let polling = true;
  let poller: Promise<void> | undefined;
  let questdbPid: number | undefined;
  let frozen = false;
  const t0Ms = Date.now() - 120_000;

  const frame = (
    machine: string,
    channel: string,
    seq: number,
    over: Partial<{ sampleRateHz: number; startTimeNs: bigint; value: number }> = {},
  ) =>
    Buffer.from(
      encodeVibrationFrame({
        machine,
        channel,
        units: 'g',
        location: 'DE',
        axis: 'X',
        quantity: 'acceleration',
        seq,
        startTimeNs: over.startTimeNs ?? BigInt(t0Ms) * 1_000_000n + (BigInt(seq * BLOCK) * 1_000_000_000n) / BigInt(FS),
        sampleRateHz: over.sampleRateHz ?? FS,
        samples: Float32Array.from({ length: BLOCK }, (_, i) => over.value ?? 0.5 * Math.sin((2 * Math.PI * 50 * (seq * BLOCK + i)) / FS)),
      }),
    );
  const reading = (machine: string, i: number, values: Record<string, number>, tsMs = t0Ms + i * 1000) =>
    Buffer.from(encodeEnergyReading({ machine, ts_ms: tsMs, values }));

  async function healthNow(): Promise<{ http: number; report: ProcessorHealthReport }> {
    const res = await fetch(`http://127.0.0.1:${processor.metricsPort}/health`);
    return { http: res.status, report: (await res.json()) as ProcessorHealthReport };
  }

  async function committedToEnd(): Promise<boolean> {
    for (const topic of [topics.vibration, topics.energy, topics.gaps]) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: `${prefix}processor`, topics: [topic] });
      for (const end of ends) {
        const c = committed?.partitions.find((p) => p.partition === end.partition);
        if (Number(end.high) > 0 && Number(c?.offset ?? -1) !== Number(end.high)) return false;
      }
    }
    return true;
  }

  async function countBy(table: string, key: string): Promise<Record<string, number>> {
    const rows = await sql(services, `SELECT ${key} k, count() n FROM ${table} GROUP BY ${key} ORDER BY ${key}`);
    return Object.fromEntries(rows.map((r) => [String(r.k), Number(r.n)]));
  }

  beforeAll(async () => {
    questdbPid = localQuestdbPid(services);
    // Schema drift: the energy table as the processor would create it, but temperature_c a LONG.
    const energyDdl = tableDefinitions(prefix).find((t) => t.name === tables.energy)!.ddl;
    expect(energyDdl).toContain('temperature_c DOUBLE');
    await exec(services, energyDdl.replace('temperature_c DOUBLE', 'temperature_c LONG'));

    processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 2 },
        questdb: { tablePrefix: prefix },
        windowBlocks: WINDOW_BLOCKS,
        workers: 1,
        health: { enabled: false, stateDir: `/tmp/${prefix}state` },
        metrics: { port: 0, host: '127.0.0.1' },
        stall: STALL,
        shutdown: { timeoutS: 5 },
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();
    poller = (async () => {
      while (polling) {
        try {
          const h = await healthNow();
          health.push({ phase, ...h });
        } catch {
          /* the server is closing */
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    const kafka = createKafka(services.kafkaBrokers, `${prefix}test`);
    admin = kafka.admin();
    await admin.connect();
    dlq = kafka.consumer({ groupId: `${prefix}dlq-reader` });
    await dlq.connect();
    await dlq.subscribe({ topic: topics.deadLetter, fromBeginning: true });
    await dlq.run({
      eachMessage: async ({ message }) => {
        const h = (name: string) => String(message.headers?.[name] ?? '');
        deadLetters.push({
          topic: h('pdm-dlq-topic'),
          code: h('pdm-dlq-code'),
          rule: h('pdm-dlq-rule'),
          reason: h('pdm-dlq-reason'),
          key: String(message.key),
        });
      },
    });

    producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const vibration: Array<{ key: string; value: Buffer }> = [];
    for (let seq = 0; seq < 3 * WINDOW_BLOCKS; seq++) {
      vibration.push({ key: GOOD, value: frame(GOOD, 'DE_X', seq) });
      // 25 600 Hz, then 1 000 Hz at seq 5 between consecutive blocks: window 1 of this channel is incomplete.
      vibration.push({ key: RATE, value: frame(RATE, 'DE_X', seq, seq === 5 ? { sampleRateHz: 1_000 } : {}) });
    }
    vibration.push({ key: 'bad-1', value: frame('bad-1', 'Y2262', 0, { startTimeNs: 9_223_372_036_854_775_807n }) });
    vibration.push({ key: 'bad-1', value: frame('bad-1', 'SLOW', 0, { sampleRateHz: 1e-300 }) });
    vibration.push({ key: 'bad-1', value: frame('bad-1', 'HUGE', 0, { value: 3e38 }) });
    vibration.push({ key: 'ctl\u0001-1', value: frame('ctl\u0001-1', 'DE_X', 0) });
    const energy: Array<{ key: string; value: Buffer }> = [];
    for (let i = 0; i < 10; i++)
      energy.push({ key: GOOD, value: reading(GOOD, i, { power_kw: 11 + i / 10, load_pct: 70, speed_rpm: 1480 }) });
    // Valid, but QuestDB refuses them: temperature_c is a LONG column now. Mixed in with good readings.
    energy.splice(3, 0, { key: GOOD, value: reading(GOOD, 100, { power_kw: 11, temperature_c: 40.5 }) });
    energy.splice(8, 0, { key: GOOD, value: reading(GOOD, 101, { power_kw: 11, temperature_c: 41.5 }) });
    energy.push({ key: GOOD, value: reading(GOOD, 200, { power_kw: 11 }, 1e300) });
    energy.push({ key: GOOD, value: reading(GOOD, 201, { power_kw: 3e38 }) });
    energy.push({ key: 'ctl\u0007-1', value: reading('ctl\u0007-1', 202, { power_kw: 11 }) });
    const gap = {
      machine: GOOD,
      channel: 'DE_Y',
      from_seq: 3,
      to_seq: 4,
      resumed_at_ns: String(BigInt(t0Ms) * 1_000_000n),
      cause: 'lost_in_flight' as const,
    };
    const gaps = [
      { key: GOOD, value: encodeGapEvent({ ...gap, detected_at_ms: t0Ms }) },
      { key: GOOD, value: encodeGapEvent({ ...gap, from_seq: 9, to_seq: 9, detected_at_ms: 1e300 }) },
    ];
    await producer.send({ topic: topics.vibration, messages: vibration });
    await producer.send({ topic: topics.energy, messages: energy });
    await producer.send({ topic: topics.gaps, messages: gaps });
  }, 180_000);

  afterAll(async () => {
    if (frozen && questdbPid) process.kill(questdbPid, 'SIGCONT');
    polling = false;
    await poller;
    await producer?.disconnect().catch(() => undefined);
    await dlq?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await processor?.stop();
  });

  it('dead-letters every impossible message, and every row QuestDB refuses, with its reason and rule', async () => {
    await until(() => deadLetters.length >= 11, 90_000, '11 dead letters');
    const got = deadLetters.map((d) => `${d.topic.slice(prefix.length)} ${d.code} ${d.rule}`).sort();
    expect(got).toEqual(
      [
        'pdm.energy.v1 PDM_ERR_FRAME_INVALID id',
        'pdm.energy.v1 PDM_ERR_FRAME_INVALID magnitude',
        'pdm.energy.v1 PDM_ERR_FRAME_INVALID time',
        'pdm.energy.v1 PDM_ERR_QUESTDB_REJECTED refused_by_questdb',
        'pdm.energy.v1 PDM_ERR_QUESTDB_REJECTED refused_by_questdb',
        'pdm.gaps.v1 PDM_ERR_FRAME_INVALID time',
        'pdm.vibration.v1 PDM_ERR_FRAME_INVALID id',
        'pdm.vibration.v1 PDM_ERR_FRAME_INVALID magnitude',
        'pdm.vibration.v1 PDM_ERR_FRAME_INVALID sample_rate',
        'pdm.vibration.v1 PDM_ERR_FRAME_INVALID sample_rate_change',
        'pdm.vibration.v1 PDM_ERR_FRAME_INVALID time',
      ].sort(),
    );
    const reason = (rule: string, topic: string) => deadLetters.find((d) => d.rule === rule && d.topic === topic)!.reason;
    expect(reason('time', topics.energy)).toMatch(/ts_ms 1e\+300 ms is outside the accepted window/);
    expect(reason('id', topics.energy)).toMatch(/machine id "ctl\\u0007-1" must match/);
    expect(reason('magnitude', topics.energy)).toMatch(/power_kw 3e\+38 is outside its physical range/);
    expect(reason('time', topics.vibration)).toMatch(/bad-1\/Y2262 seq 0: start time 2262-04-11/);
    expect(reason('sample_rate', topics.vibration)).toMatch(/bad-1\/SLOW seq 0: 2560 samples at 1e-300 Hz would end at/);
    expect(reason('magnitude', topics.vibration)).toMatch(/bad-1\/HUGE seq 0: sample 0 is 3.*e\+38, beyond ±1000000 g/);
    expect(reason('id', topics.vibration)).toMatch(/machine id "ctl\\u0001-1" must match/);
    expect(reason('sample_rate_change', topics.vibration)).toMatch(
      /rate-1\/DE_X seq 5: sample rate 1000 Hz differs from the channel's 25600 Hz at seq 4/,
    );
    expect(reason('time', topics.gaps)).toMatch(/detected_at_ms 1e\+300 ms is outside/);
    for (const d of deadLetters.filter((x) => x.rule === 'refused_by_questdb')) {
      expect(d.key).toBe(GOOD);
      // QuestDB's own answer, through the bisection down to this one row.
      expect(d.reason).toMatch(
        /QuestDB refused the .*energy row built from this message \(cause: .*HTTP 400.*cast error from protocol type: FLOAT to column type: LONG/,
      );
    }

    const metrics = await (await fetch(`http://127.0.0.1:${processor.metricsPort}/metrics`)).text();
    const count = (code: string, rule: string) =>
      Number(new RegExp(`pdm_processor_dead_letters_total\\{code="${code}",rule="${rule}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(count('PDM_ERR_FRAME_INVALID', 'time')).toBe(3);
    expect(count('PDM_ERR_FRAME_INVALID', 'id')).toBe(2);
    expect(count('PDM_ERR_FRAME_INVALID', 'magnitude')).toBe(2);
    expect(count('PDM_ERR_FRAME_INVALID', 'sample_rate')).toBe(1);
    expect(count('PDM_ERR_FRAME_INVALID', 'sample_rate_change')).toBe(1);
    expect(count('PDM_ERR_QUESTDB_REJECTED', 'refused_by_questdb')).toBe(2);
    expect(processor.stats.deadLettered).toBe(11);
  });

  it('stores every good message (rows counted by key) and commits every partition to its end', async () => {
    await until(() => processor.stats.messagesIn >= 24 + 4 + 15 + 2, 60_000, 'every message consumed');
    const deadline = Date.now() + 60_000;
    while (!(await committedToEnd())) {
      if (Date.now() > deadline) throw new Error('offsets not committed to the end of every partition');
      await new Promise((r) => setTimeout(r, 500));
    }
    await waitForRows(services, `SELECT count() n FROM ${tables.energy}`, (r) => Number(r[0]?.n) >= 10);
    expect(await countBy(tables.blocks, "concat(machine, '/', channel)")).toEqual({ [`${GOOD}/DE_X`]: 12, [`${RATE}/DE_X`]: 11 });
    const windows = await waitForRows(
      services,
      `SELECT machine, window_seq FROM ${tables.features} ORDER BY machine, window_seq`,
      (r) => r.length >= 5,
    );
    // rate-1's window 1 lost its seq 5 block to the dead-letter topic: never analysed, the others are.
    expect(windows.map((r) => `${r.machine}#${r.window_seq}`)).toEqual([`${GOOD}#0`, `${GOOD}#1`, `${GOOD}#2`, `${RATE}#0`, `${RATE}#2`]);
    expect(await countBy(tables.energy, 'machine')).toEqual({ [GOOD]: 10 });
    // QuestDB applies each table's WAL on its own: the gap table may lag the others (more so with the spectra tables beside them).
    await waitForRows(services, `SELECT count() n FROM ${tables.gaps}`, (r) => Number(r[0]?.n) >= 1);
    expect(await countBy(tables.gaps, "concat(machine, '/', channel)")).toEqual({ [`${GOOD}/DE_Y`]: 1 });
    // In = out + aside: every message consumed is a stored row or a dead letter.
    const s = processor.stats;
    expect(s.blocksIn + s.energyIn + s.gapsIn + s.deadLettered - 2).toBe(s.messagesIn);
    expect(s.rowsOut[tables.energy]).toBe(10);
  });

  it('/health says ok while healthy, degraded then down (503, with the reason) while QuestDB is frozen, ok again after', async () => {
    expect(questdbPid, 'the QuestDB JVM started by the test services (not an external one)').toBeDefined();
    await until(() => health.some((h) => h.report.status === 'ok'), 30_000, '/health ok');
    const sent = processor.stats.messagesIn;
    phase = 'outage';
    process.kill(questdbPid!, 'SIGSTOP');
    frozen = true;
    const more: Array<{ key: string; value: Buffer }> = [];
    for (let seq = 12; seq < 16; seq++) more.push({ key: GOOD, value: frame(GOOD, 'DE_X', seq) });
    await producer.send({ topic: topics.vibration, messages: more });
    await producer.send({
      topic: topics.energy,
      messages: [10, 11, 12].map((i) => ({ key: GOOD, value: reading(GOOD, i, { power_kw: 12 }) })),
    });
    await until(() => health.some((h) => h.phase === 'outage' && h.report.status === 'down'), 60_000, '/health down');
    const down = health.find((h) => h.phase === 'outage' && h.report.status === 'down')!;
    expect(down.http).toBe(503);
    expect(down.report.reasons.join('; ')).toMatch(/no commit for \d+(\.\d)? s while \d+ partitions? ha(s|ve) messages pending/);
    expect(down.report.lastCommitAgeS).toBeGreaterThanOrEqual(STALL.downS);
    expect(down.report.pendingPartitions).toBeGreaterThan(0);

    phase = 'recovery';
    process.kill(questdbPid!, 'SIGCONT');
    frozen = false;
    await until(() => processor.stats.messagesIn >= sent + 7, 60_000, 'the outage traffic consumed');
    const deadline = Date.now() + 90_000;
    while (!(await committedToEnd())) {
      if (Date.now() > deadline) throw new Error('offsets not committed to the end after the outage');
      await new Promise((r) => setTimeout(r, 500));
    }
    await until(() => health.at(-1)?.report.status === 'ok', 30_000, '/health ok again');
    const rows = await waitForRows(
      services,
      `SELECT count() n FROM ${tables.blocks} WHERE machine = '${GOOD}'`,
      (r) => Number(r[0]?.n) === 16,
    );
    expect(Number(rows[0].n)).toBe(16);
    expect(await countBy(tables.energy, 'machine')).toEqual({ [GOOD]: 13 });

    // Honest throughout: never degraded or down while QuestDB answered; degraded, then down, while it did not.
    const traffic = health.filter((h) => h.phase === 'traffic');
    expect(traffic.length).toBeGreaterThan(0);
    for (const h of traffic) expect(['starting', 'ok'], JSON.stringify(h.report.reasons)).toContain(h.report.status);
    const outage = health.filter((h) => h.phase === 'outage').map((h) => h.report.status);
    expect(outage.indexOf('degraded')).toBeGreaterThanOrEqual(0);
    expect(outage.indexOf('degraded')).toBeLessThan(outage.indexOf('down'));
    expect(health.filter((h) => h.phase === 'outage' && h.report.status === 'down').every((h) => h.http === 503)).toBe(true);
  });
});
