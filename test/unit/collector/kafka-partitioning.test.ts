/**
 * The collector's producer (@platformatic/kafka) must put every key on the partition kafkajs put
 * it on: the processor finds a machine's model state on the partition its frames use
 * (stream-processing/model-state-topic.ts partitionOf, kafkajs's partitioner), the simulator and the
 * tools still produce with kafkajs, and per-key order holds only within a partition.
 */
import { describe, expect, it } from 'vitest';
import { KEY_PARTITIONER } from '../../../ingest/collector/kafka-output.ts';
import { partitionOf } from '../../../stream-processing/model-state-topic.ts';

describe('collector key partitioning', () => {
  // The library's own default hashes without masking the sign bit: about half these keys would move.
  it("matches kafkajs's default (Java-compatible) partitioner for every key and partition count", () => {
    const keys = Array.from({ length: 400 }, (_, i) => `machine-${i}|${['DE_X', 'DE_Y', 'DE_Z', 'NDE'][i % 4]}`);
    keys.push('', 'ü-ñ-機械', 'fan-02', 'pump-01');
    for (const count of [1, 2, 3, 6, 12, 50]) {
      for (const key of keys) {
        const ours = KEY_PARTITIONER({} as never, Buffer.from(key)) % count;
        expect(ours, `key ${JSON.stringify(key)}, ${count} partitions`).toBe(partitionOf(key, count));
      }
    }
  });
});
