/**
 * Two collector instances split one plant: both get the same machine list with
 * `shard: { index, count: 2 }` (one machine pinned, the others by hash of their id). Every
 * machine is collected by exactly one instance, each with its own spool, and Kafka gets every
 * block once, whichever instance sent it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import { shardOf } from '../../../ingest/collector/sharding.ts';
import {
  type ConsumedMessage,
  collectorConfig,
  machineEntry,
  OPCUA_ENV,
  readTopic,
  startMachine,
  type TestMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

const IDS = ['press-a', 'press-b', 'press-c', 'press-d', 'press-e'];
const PINNED = { id: 'press-e', shard: 1 };
const BLOCKS = 30;

describe('two collector instances split a plant', () => {
  const services = testServices();
  const prefix = `two${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('two-instances');
  const machines: TestMachine[] = [];
  const collectors: Collector[] = [];
  let frames: ConsumedMessage[] = [];
  const entries = () => machines.map((m) => ({ ...machineEntry(m), ...(m.id === PINNED.id ? { shard: PINNED.shard } : {}) }));

  beforeAll(async () => {
    for (const id of IDS) machines.push(await startMachine(dir, id));
    for (const index of [0, 1]) {
      const config = collectorConfig(dir, prefix, entries(), {
        shard: { index, count: 2 },
        spool: { dir: join(dir, `spool-${index}`), maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024 },
      });
      const c = new Collector(config, { brokers: services.kafkaBrokers, env: { ...process.env, ...OPCUA_ENV } });
      await c.start();
      collectors.push(c);
    }
    await until(() => collectors.every((c) => c.stats.every((s) => s.blocksOut >= BLOCKS)), 90_000, `${BLOCKS} blocks from every machine`);
    await Promise.all(collectors.map((c) => c.stop()));
    await Promise.all(machines.map((m) => m.server.stop()));
    frames = await readTopic(services.kafkaBrokers, topics.vibration);
  }, 180_000);

  afterAll(async () => {
    await Promise.all(collectors.map((c) => c.stop().catch(() => undefined)));
    await Promise.all(machines.map((m) => m.server.stop().catch(() => undefined)));
  });

  it('gives every machine to exactly one instance: the pinned one where it is pinned, the others by hash', () => {
    const owners = new Map<string, number[]>();
    collectors.forEach((c, index) => {
      for (const s of c.stats) owners.set(s.machine!, [...(owners.get(s.machine!) ?? []), index]);
    });
    expect([...owners.keys()].sort()).toEqual([...IDS].sort());
    for (const id of IDS) {
      const expected = id === PINNED.id ? PINNED.shard : shardOf({ id, endpoint: '' }, 2);
      expect(owners.get(id), id).toEqual([expected]);
    }
    // Both instances have work (with these ids the hash splits them), each with its own spool.
    expect(collectors.every((c) => c.stats.length > 0)).toBe(true);
  });

  it('delivers every collected block of every machine once, whichever instance sent it', () => {
    for (const m of machines) {
      const owner = collectors.find((c) => c.stats.some((s) => s.machine === m.id))!;
      const st = owner.stats.find((s) => s.machine === m.id)!;
      const mine = frames.filter((f) => f.key === m.id).map((f) => decodeVibrationFrame(f.value));
      for (const channel of m.source.channels.map((c) => c.id)) {
        const seqs = mine.filter((d) => d.channel === channel).map((d) => d.seq);
        expect(seqs.length, `${m.id}/${channel}`).toBeGreaterThanOrEqual(BLOCKS / m.source.channels.length);
        expect(new Set(seqs).size, `${m.id}/${channel} duplicates`).toBe(seqs.length);
        // Consecutive: no block lost between the first and the last one sent.
        expect(
          seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1),
          `${m.id}/${channel} consecutive`,
        ).toBe(true);
      }
      expect(mine.length, m.id).toBe(st.blocksOut);
      expect(st.gaps, m.id).toBe(0);
    }
  });
});
