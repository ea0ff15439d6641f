/**
 * The local broker with SASL_SSL, started through the launcher in its own directory and ports:
 * a component with its user and the CA produces and consumes; a wrong password, a client without
 * TLS and one that does not trust the CA are refused; the ACLs keep the collector out of the
 * processor's group and off the topics it has no business writing. The shared QuestDB of the
 * global setup stands in, so only one JVM starts here.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kafka, logLevel, Kafka as RawKafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { createKafka, ensureTopics, type KafkaSecurity, KafkaSecuritySpec, kafkaError } from '../../../common/kafka.ts';
import { topicNames } from '../../../common/topics.ts';
import type { KafkaSecrets } from '../../../deploy/local/kafka-security.ts';
import { portOffsetFromEnv } from '../../../deploy/local/profiles.ts';
import { ensureServices, type RunningServices } from '../../../deploy/local/services.ts';
import { KafkaOutput } from '../../../ingest/collector/kafka-output.ts';
import { testServices } from '../../helpers/services.ts';

const shared = testServices();
const topics = topicNames('');
const dataDir = mkdtempSync(join(tmpdir(), 'pdm-kafka-sec-'));
let services: RunningServices;
let brokers: string[];
let secrets: KafkaSecrets;
const open: { disconnect(): Promise<void> }[] = [];

/** A client of user `who` through the product's own options (kafka.security, secrets from named variables). */
function client(who: string, password: string, security: Partial<KafkaSecurity> = {}): Kafka {
  const spec = KafkaSecuritySpec.parse({
    protocol: 'sasl_ssl',
    caFile: services.kafkaSecurity!.caFile,
    usernameEnv: 'T_KAFKA_USER',
    passwordEnv: 'T_KAFKA_PASSWORD',
    ...security,
  });
  return createKafka(brokers, `test-${who}`, spec, { T_KAFKA_USER: who, T_KAFKA_PASSWORD: password });
}

/** A client whose refusals are quick: no retries, short timeouts. */
function bare(config: Partial<ConstructorParameters<typeof RawKafka>[0]>): Kafka {
  return new RawKafka({
    clientId: 'test-refused',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 0 },
    ...config,
  });
}

beforeAll(async () => {
  services = await ensureServices({
    profile: 'dev',
    dataDir,
    kafkaSecurity: 'sasl_ssl',
    env: {
      ...process.env,
      // Its own ports, beside the test and dev profiles and launcher.test.ts's and cli-services.test.ts's ranges (they may run at the same time).
      PDM_SERVICES_PORT_OFFSET: String(23_650 + portOffsetFromEnv()),
      PDM_KAFKA_BROKERS: '',
      PDM_QUESTDB_HTTP: shared.questdbHttp,
      PDM_QUESTDB_PG: shared.questdbPg,
      PDM_QUESTDB_USER: shared.questdbUser ?? '',
      PDM_QUESTDB_PASSWORD: shared.questdbPassword ?? '',
    },
  });
  brokers = services.endpoints.kafkaBrokers;
  secrets = JSON.parse(readFileSync(services.kafkaSecurity!.usersFile, 'utf8')) as KafkaSecrets;
}, 180_000);

afterAll(async () => {
  await Promise.all(open.map((c) => c.disconnect().catch(() => {})));
  await services?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('Kafka with SASL_SSL from the local launcher', () => {
  it('keeps the passwords in a file of its owner only', () => {
    expect(statSync(services.kafkaSecurity!.usersFile).mode & 0o777).toBe(0o600);
    expect(services.kafkaSecurity!.caFile).toMatch(/ca\.crt$/);
  });

  it('lets the collector write its topics and the processor read them in its group', async () => {
    const collector = client('collector', secrets.users.collector.password);
    const cAdmin = collector.admin();
    open.push(cAdmin);
    await cAdmin.connect();
    await ensureTopics(cAdmin, [{ topic: topics.vibration, numPartitions: 1, replicationFactor: 1 }]);
    const producer = collector.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    open.push(producer);
    await producer.connect();
    await producer.send({ topic: topics.vibration, acks: -1, messages: [{ key: 'pump-01', value: 'frame-1' }] });

    const processor = client('processor', secrets.users.processor.password);
    const consumer = processor.consumer({ groupId: 'pdm-processor', allowAutoTopicCreation: false });
    open.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.vibration], fromBeginning: true });
    const got = new Promise<string>((resolve) => {
      void consumer.run({ eachMessage: async ({ message }) => resolve(String(message.value)) });
    });
    expect(await got).toBe('frame-1');
    // ...and write its dead letters.
    const pAdmin = processor.admin();
    open.push(pAdmin);
    await pAdmin.connect();
    await ensureTopics(pAdmin, [{ topic: topics.deadLetter, numPartitions: 1, replicationFactor: 1 }]);
    const dlq = processor.producer({ idempotent: true, maxInFlightRequests: 1 });
    open.push(dlq);
    await dlq.connect();
    await dlq.send({ topic: topics.deadLetter, acks: -1, messages: [{ key: 'pump-01', value: 'why' }] });
  });

  it('refuses a wrong password, naming the SASL failure', async () => {
    const admin = client('collector', `${secrets.users.collector.password}x`).admin();
    const err = await admin.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    await admin.disconnect();
    expect((err as Error).name).toBe('KafkaJSSASLAuthenticationError');
    expect((err as Error).message).toMatch(/SASL SCRAM SHA512 authentication failed/);
    const pdm = kafkaError(err, 'admin cannot connect', brokers);
    expect(pdm.code).toBe('PDM_ERR_KAFKA_AUTH');
    expect(pdm.message).toContain('PDM_KAFKA_USERNAME / PDM_KAFKA_PASSWORD');
  });

  it("the collector's own Kafka transport sends as collector, and a wrong password is PDM_ERR_KAFKA_AUTH", async () => {
    const output = (password: string) =>
      new KafkaOutput({
        brokers,
        clientId: 'test-collector',
        security: KafkaSecuritySpec.parse({ protocol: 'sasl_ssl', caFile: services.kafkaSecurity!.caFile }),
        env: { PDM_KAFKA_USERNAME: 'collector', PDM_KAFKA_PASSWORD: password },
        compression: 'none',
        partitions: 1,
        replicationFactor: 1,
        topics: [topics.energy],
      });
    const good = output(secrets.users.collector.password);
    open.push({ disconnect: () => good.close() });
    await good.send([{ topic: topics.energy, key: 'pump-01', value: new TextEncoder().encode('{}') }]);
    expect(good.sent).toBe(1);
    const bad = output('not-the-password');
    open.push({ disconnect: () => bad.close() });
    const err = await bad.ready().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isPdmError(err, 'PDM_ERR_KAFKA_AUTH')).toBe(true);
  });

  it('refuses a client without TLS, with SASL but no TLS, and one that does not trust the CA', async () => {
    const plain = bare({}).admin();
    const saslOnly = bare({
      sasl: { mechanism: 'scram-sha-512', username: 'collector', password: secrets.users.collector.password },
    }).admin();
    const untrusting = bare({
      ssl: { rejectUnauthorized: true },
      sasl: { mechanism: 'scram-sha-512', username: 'collector', password: secrets.users.collector.password },
    }).admin();
    const errors = await Promise.all(
      [plain, saslOnly, untrusting].map((a) =>
        a.connect().then(
          () => undefined,
          (e: unknown) => e as Error,
        ),
      ),
    );
    await Promise.all([plain, saslOnly, untrusting].map((a) => a.disconnect()));
    for (const e of errors) expect(e, 'connected although it should have been refused').toBeInstanceOf(Error);
    // The broker speaks TLS first: a clear-text request gets no answer but a closed connection.
    for (const e of errors.slice(0, 2)) expect(e!.name).toMatch(/^KafkaJS(Connection|NumberOfRetriesExceeded|RequestTimeout)/);
    // Node's public CAs do not include the launcher's own CA.
    expect(errors[2]!.message).toMatch(/self[- ]signed certificate|unable to (get|verify)/i);
  });

  it("keeps the collector out of the processor's group and off topics it has no ACL for", async () => {
    const collector = client('collector', secrets.users.collector.password);
    const admin = collector.admin();
    open.push(admin);
    await admin.connect();
    const groupErr = await admin.fetchOffsets({ groupId: 'pdm-processor', topics: [topics.vibration] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    // kafkajs drops the broker's GROUP_AUTHORIZATION_FAILED while looking for the coordinator and
    // says only this; the same call as the processor succeeds, and the broker logs the denial.
    expect(groupErr?.name).toBe('KafkaJSGroupCoordinatorNotFound');
    const pAdmin = client('processor', secrets.users.processor.password).admin();
    open.push(pAdmin);
    await pAdmin.connect();
    await expect(pAdmin.fetchOffsets({ groupId: 'pdm-processor', topics: [topics.vibration] })).resolves.toBeDefined();
    const brokerLog = readFileSync(join(services.dataDir, 'kafka', 'kafka.log'), 'utf8');
    expect(brokerLog).toMatch(/Principal = User:collector is Denied operation = DESCRIBE .*resource = Group:LITERAL:pdm-processor/);

    const producer = collector.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 100 } });
    open.push(producer);
    await producer.connect();
    const writeErr = await producer.send({ topic: topics.deadLetter, acks: -1, messages: [{ key: 'x', value: 'forged' }] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(writeErr?.message).toMatch(/Not authorized to access topics/);
    expect(kafkaError(writeErr, 'send failed', brokers).code).toBe('PDM_ERR_KAFKA_AUTH');

    // The processor reads its inputs but cannot forge frames on them.
    const processor = client('processor', secrets.users.processor.password).producer({ retry: { retries: 0 } });
    open.push(processor);
    await processor.connect();
    const forgeErr = await processor.send({ topic: topics.vibration, messages: [{ key: 'pump-01', value: 'forged' }] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(forgeErr?.message).toMatch(/Not authorized to access topics/);
  });
});
