/**
 * The collector's producer (@platformatic/kafka) must put every key on the partition kafkajs put
 * it on: the simulator and the tools still produce with kafkajs, topics written before the switch
 * hold each machine's frames on one partition, and per-key order holds only within a partition.
 */
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { KEY_PARTITIONER } from '../../../ingest/collector/kafka-output.ts';

describe('collector key partitioning', () => {
  // The library's own default hashes without masking the sign bit: about half these keys would move.
  it("matches kafkajs's default (Java-compatible) partitioner for every key and partition count", () => {
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys = Array.from({ length: 400 }, (_, i) => `machine-${i}|${['DE_X', 'DE_Y', 'DE_Z', 'NDE'][i % 4]}`);
    keys.push('', 'ü-ñ-機械', 'fan-02', 'pump-01');
    for (const count of [1, 2, 3, 6, 12, 50]) {
      const partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      }));
      for (const key of keys) {
        const raw = KEY_PARTITIONER({ key: Buffer.from(key), value: Buffer.alloc(0) } as never, Buffer.from(key));
        const ours = raw % count;
        const theirs = kafkajs({ topic: 't', partitionMetadata, message: { key, value: null } });
        expect(ours, `key ${JSON.stringify(key)}, ${count} partitions`).toBe(theirs);
      }
    }
  });
});
