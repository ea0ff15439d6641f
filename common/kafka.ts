/**
 * kafkajs clients with our logging and sane retry settings, and explicit topic creation
 * (auto-creation is off on our brokers: a typo must not create a topic).
 */
import { type Admin, type ITopicConfig, Kafka, type LogEntry, logLevel } from 'kafkajs';
import { PdmError } from './errors.ts';
import { logger } from './log.ts';

const kafkaLog = logger('kafkajs');

/**
 * kafkajs warnings that say nothing about this product's state, printed by every client: its v2
 * partitioner change (we key every message, so partitioning is by key either way), and "limiting
 * retries may invalidate EoS" (delivery here is at-least-once, made idempotent by keys and
 * QuestDB DEDUP; the collector limits retries on purpose so a dead broker spills to its spool).
 */
const KNOWN_NOISE = [/switched default partitioner/, /Limiting retries for the idempotent producer/];

function logCreator() {
  return ({ level, log }: LogEntry) => {
    const { message, ...rest } = log;
    if (level === logLevel.WARN && KNOWN_NOISE.some((re) => re.test(message))) return;
    // A broker that has just started answers "coordinator is loading / not available" for a few
    // seconds; kafkajs retries by itself, so this is progress, not an error worth an ERROR line.
    if (level <= logLevel.ERROR && typeof rest['error'] === 'string' && /coordinator is (loading|not available)/i.test(rest['error'])) {
      kafkaLog.info(rest, `${message} (broker still starting; retrying)`);
      return;
    }
    if (level <= logLevel.ERROR) kafkaLog.error(rest, message);
    else if (level === logLevel.WARN) kafkaLog.warn(rest, message);
    else kafkaLog.debug(rest, message);
  };
}

export function createKafka(brokers: string[], clientId: string): Kafka {
  if (brokers.length === 0)
    throw new PdmError('PDM_ERR_CONFIG_INVALID', 'no Kafka brokers configured (set PDM_KAFKA_BROKERS, e.g. localhost:9092)');
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
      throw new PdmError(
        'PDM_ERR_KAFKA_UNAVAILABLE',
        `cannot create Kafka topics ${stillMissing.map((t) => t.topic).join(', ')}: ${(err as Error).message}`,
        {},
        { cause: err },
      );
    }
  }
}

/** Brokers from PDM_KAFKA_BROKERS ("host:port,host:port"). */
export function brokersFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env['PDM_KAFKA_BROKERS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
