/**
 * What Kafka holds at the end of a fault-suite run, per machine channel: the block sequence
 * numbers in the vibration topic, and those the processor sent to the dead-letter topic. Next to
 * the simulator's record and QuestDB's rows this says where an unaccounted block was lost: it
 * never reached Kafka (the collector lost it), or it did and was not stored (the processor did).
 * Issue 15 had to guess that; the report now says it.
 */
import { Kafka, logLevel } from 'kafkajs';
import { decodeVibrationFrame } from '../../common/wire/vibration-frame.ts';

export interface KafkaCensus {
  /** Sequence numbers in the vibration topic, per `machine/channel`. */
  inKafka: Map<string, Set<number>>;
  /** Sequence numbers of vibration frames in the dead-letter topic, per `machine/channel`. */
  deadLettered: Map<string, Set<number>>;
  /** Dead letters of any origin, by their pdm-dlq-code header. */
  deadLettersByCode: Record<string, number>;
  /** Messages that did not decode as vibration frames (in the vibration topic or dead-lettered from it). */
  undecodable: number;
}

function add(map: Map<string, Set<number>>, key: string, seq: number): void {
  const set = map.get(key) ?? new Set<number>();
  map.set(key, set);
  set.add(seq);
}

/** Read both topics from the beginning to their current end, keeping only who and which block (values are ~10 KB each). */
export async function kafkaCensus(
  brokers: string[],
  topics: { vibration: string; deadLetter: string },
  timeoutMs = 180_000,
): Promise<KafkaCensus> {
  const census: KafkaCensus = { inKafka: new Map(), deadLettered: new Map(), deadLettersByCode: {}, undecodable: 0 };
  const kafka = new Kafka({ clientId: 'fault-suite-census', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const want = new Map<string, number>();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of [topics.vibration, topics.deadLetter]) {
      if (!existing.has(topic)) continue;
      for (const p of await admin.fetchTopicOffsets(topic)) if (Number(p.high) > 0) want.set(`${topic}/${p.partition}`, Number(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  if (want.size === 0) return census;
  const consumer = kafka.consumer({ groupId: `fault-suite-census-${Date.now()}`, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...new Set([...want.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))], fromBeginning: true });
    const seen = new Map<string, number>();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Kafka census: not every message read within ${timeoutMs / 1000} s`)), timeoutMs);
      const check = () => {
        if ([...want].every(([k, high]) => (seen.get(k) ?? 0) >= high)) {
          clearTimeout(timer);
          resolve();
        }
      };
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const k = `${topic}/${partition}`;
            const offset = Number(message.offset);
            seen.set(k, Math.max(seen.get(k) ?? 0, offset + 1));
            if (offset < (want.get(k) ?? 0)) {
              const deadLetter = topic === topics.deadLetter;
              const code = deadLetter ? (message.headers?.['pdm-dlq-code']?.toString() ?? 'unknown') : '';
              if (deadLetter) census.deadLettersByCode[code] = (census.deadLettersByCode[code] ?? 0) + 1;
              const origin = deadLetter ? message.headers?.['pdm-dlq-topic']?.toString() : topic;
              if (origin === topics.vibration && message.value) {
                try {
                  const f = decodeVibrationFrame(message.value);
                  add(deadLetter ? census.deadLettered : census.inKafka, `${f.machine}/${f.channel}`, f.seq);
                } catch {
                  census.undecodable++;
                }
              }
            }
            check();
          },
        })
        .catch(reject);
      check();
    });
  } finally {
    await consumer.disconnect();
  }
  return census;
}
