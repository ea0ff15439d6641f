/**
 * kafkajs clients with our logging and sane retry settings, and explicit topic creation
 * (auto-creation is off on our brokers: a typo must not create a topic).
 */
import { Kafka, logLevel, type Admin, type ITopicConfig, type LogEntry } from 'kafkajs';
import { PdmError } from './errors.ts';
import { logger } from './log.ts';

const kafkaLog = logger('kafkajs');

function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, ...rest } = log;
    if (level <= logLevel.ERROR) kafkaLog.error(rest, message);
    else if (level === logLevel.WARN) kafkaLog.warn(rest, message);
    else kafkaLog.debug(rest, message);
  };
}

export function createKafka(brokers: string[], clientId: string): Kafka {
  if (brokers.length === 0) throw new PdmError('PDM_ERR_CONFIG_INVALID', 'no Kafka brokers configured (set PDM_KAFKA_BROKERS, e.g. localhost:9092)');
  return new Kafka({
    clientId,
    brokers,
    logLevel: logLevel.WARN,
    logCreator,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
  });
}

/** Create the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (err) {
    // Another process may have created one in between; anything else is fatal.
    const now = new Set(await admin.listTopics());
    const stillMissing = missing.filter((t) => !now.has(t.topic));
    if (stillMissing.length > 0) {
      throw new PdmError('PDM_ERR_KAFKA_UNAVAILABLE', `cannot create Kafka topics ${stillMissing.map((t) => t.topic).join(', ')}: ${(err as Error).message}`, {}, { cause: err });
    }
  }
}

/** Brokers from PDM_KAFKA_BROKERS ("host:port,host:port"). */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env['PDM_KAFKA_BROKERS'] ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}
