/**
 * A collection_gaps table made before gaps had a cause gets the column when the processor starts
 * (storage/schema.ts migrations), so the data-quality panels that read it work at once, also in a
 * plant that never has a gap; its old rows keep a null cause, and a version 1 event (an older
 * collector) lands with cause "unknown".
 */
import { describe, expect, it } from 'vitest';
import { createKafka } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import { exec, questdbAuth, sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const services = testServices();

describe('collection_gaps.cause on a table from before causes', () => {
  it('is added at the processor start; old rows null, a version 1 event unknown', async () => {
    const prefix = `gm${Date.now().toString(36)}_`;
    const table = `${prefix}collection_gaps`;
    // The table as the previous release made it, with a row.
    await exec(
      services,
      `CREATE TABLE ${table} (ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256, from_seq LONG, to_seq LONG, missing_blocks LONG, detected_at TIMESTAMP) TIMESTAMP(ts) PARTITION BY DAY TTL 30 DAYS WAL DEDUP UPSERT KEYS(ts, machine, channel)`,
    );
    await exec(
      services,
      `INSERT INTO ${table} VALUES ('2026-12-01T00:00:00.000000Z', 'old', 'DE_X', 1, 2, 2, '2026-12-01T00:00:01.000000Z')`,
    );
    const processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 1 },
        questdb: { tablePrefix: prefix },
        workers: 1,
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();
    try {
      const columns = await sql(services, `SELECT "column", type FROM table_columns('${table}')`);
      expect(columns).toContainEqual({ column: 'cause', type: 'SYMBOL' });
      const producer = createKafka(services.kafkaBrokers, 'gaps-migration-test').producer();
      await producer.connect();
      const v1 = {
        v: 1,
        machine: 'older',
        channel: 'DE_X',
        from_seq: 5,
        to_seq: 6,
        detected_at_ms: Date.now(),
        resumed_at_ns: `${BigInt(Date.now()) * 1_000_000n}`,
      };
      await producer.send({ topic: topicNames(prefix).gaps, messages: [{ key: 'older', value: Buffer.from(JSON.stringify(v1)) }] });
      await producer.disconnect();
      const rows = await waitForRows(services, `SELECT machine, cause FROM ${table} ORDER BY ts`, (r) => r.length === 2, 60_000);
      expect(rows).toEqual([
        { machine: 'old', cause: null },
        { machine: 'older', cause: 'unknown' },
      ]);
    } finally {
      await processor.stop();
    }
  });
});
