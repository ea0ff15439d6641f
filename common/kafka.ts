/**
 * kafkajs clients with our logging and sane retry settings, explicit topic creation
 * (auto-creation is off on our brokers: a typo must not create a topic), and the one place where
 * a Kafka security setting (plaintext, TLS, SASL/SCRAM-SHA-512 over TLS) becomes kafkajs options.
 */
import { readFileSync } from 'node:fs';
import { type Admin, type ITopicConfig, Kafka, type KafkaConfig, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';
import { z } from 'zod';
import { PdmError } from './errors.ts';
import { logger } from './log.ts';

export const KAFKA_PROTOCOLS = ['plaintext', 'ssl', 'sasl_ssl'] as const;
export type KafkaProtocol = (typeof KAFKA_PROTOCOLS)[number];

/** Where the user name and password come from unless a config names other variables. */
export const KAFKA_USERNAME_ENV = 'PDM_KAFKA_USERNAME';
export const KAFKA_PASSWORD_ENV = 'PDM_KAFKA_PASSWORD';

/**
 * How a client reaches the brokers: `kafka.security` in the collector and processor configs; the
 * same fields from PDM_KAFKA_SECURITY_PROTOCOL / PDM_KAFKA_CA_FILE / PDM_KAFKA_CERT_FILE /
 * PDM_KAFKA_KEY_FILE when a config has none (the simulator, `pdm start`). Secrets are never in a
 * file: the config names the environment variables that hold them, as the OPC UA auth does.
 * SASL without TLS is not offered: SCRAM does not send the password, but everything else
 * (frames, and who may write what) would cross the network in clear.
 */
export const KafkaSecuritySpec = z
  .strictObject({
    protocol: z
      .enum(KAFKA_PROTOCOLS)
      .default('plaintext')
      .describe('plaintext (no TLS, no authentication: loopback only), ssl (TLS), sasl_ssl (TLS and SCRAM-SHA-512 user)'),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe("PEM file of the CA that signed the brokers' certificates (default: Node's built-in public CAs)"),
    certFile: z.string().min(1).optional().describe('PEM client certificate, for brokers that require TLS client authentication'),
    keyFile: z.string().min(1).optional().describe('PEM private key of certFile'),
    usernameEnv: z.string().min(1).default(KAFKA_USERNAME_ENV).describe('environment variable holding the SASL user name (sasl_ssl)'),
    passwordEnv: z.string().min(1).default(KAFKA_PASSWORD_ENV).describe('environment variable holding the SASL password (sasl_ssl)'),
  })
  .superRefine((s, ctx) => {
    if ((s.certFile === undefined) !== (s.keyFile === undefined))
      ctx.addIssue({ code: 'custom', path: [s.certFile ? 'keyFile' : 'certFile'], message: 'certFile and keyFile go together' });
    if (s.protocol === 'plaintext' && (s.caFile || s.certFile))
      ctx.addIssue({ code: 'custom', path: ['protocol'], message: 'is plaintext but TLS files are set: use ssl or sasl_ssl' });
  })
  .describe('TLS and SASL/SCRAM-SHA-512 towards Kafka (SECURITY.md)');

export type KafkaSecurity = z.output<typeof KafkaSecuritySpec>;

export const PLAINTEXT: KafkaSecurity = { protocol: 'plaintext', usernameEnv: KAFKA_USERNAME_ENV, passwordEnv: KAFKA_PASSWORD_ENV };

/** The security a client without `kafka.security` in its config uses: PDM_KAFKA_SECURITY_PROTOCOL and friends, else plaintext. */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  const raw = (name: string) => env[name]?.trim() || undefined;
  const protocol = raw('PDM_KAFKA_SECURITY_PROTOCOL')?.toLowerCase();
  if (protocol === undefined) return PLAINTEXT;
  const parsed = KafkaSecuritySpec.safeParse({
    protocol,
    caFile: raw('PDM_KAFKA_CA_FILE'),
    certFile: raw('PDM_KAFKA_CERT_FILE'),
    keyFile: raw('PDM_KAFKA_KEY_FILE'),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      `Kafka security from the environment: ${issue.path.join('.') || 'value'} ${issue.message} (PDM_KAFKA_SECURITY_PROTOCOL=${KAFKA_PROTOCOLS.join('|')}, PDM_KAFKA_CA_FILE, PDM_KAFKA_CERT_FILE, PDM_KAFKA_KEY_FILE)`,
      { variable: 'PDM_KAFKA_SECURITY_PROTOCOL' },
    );
  }
  return parsed.data;
}

/** A config's `kafka.security` when it has one, else the environment's. */
export function resolveKafkaSecurity(configured: KafkaSecurity | undefined, env: NodeJS.ProcessEnv = process.env): KafkaSecurity {
  return configured ?? kafkaSecurityFromEnv(env);
}

function readPem(file: string, field: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      `Kafka security: cannot read ${field} ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set kafka.security.${field} (or PDM_KAFKA_${field === 'caFile' ? 'CA' : field === 'certFile' ? 'CERT' : 'KEY'}_FILE) to a readable PEM file`,
      { file, field },
      { cause: err },
    );
  }
}

/** TLS options (Node's) and SCRAM credentials of a security setting, the same for every Kafka client library. */
export interface KafkaSecurityMaterial {
  tls?: { rejectUnauthorized: boolean; ca?: string[]; cert?: string; key?: string };
  scram?: { username: string; password: string };
}

/** The TLS files and SASL secrets of a security setting: files read and secrets taken from the environment now, so a mistake fails at start. */
export function kafkaSecurityMaterial(security: KafkaSecurity = PLAINTEXT, env: NodeJS.ProcessEnv = process.env): KafkaSecurityMaterial {
  if (security.protocol === 'plaintext') return {};
  const tls = {
    rejectUnauthorized: true,
    ...(security.caFile ? { ca: [readPem(security.caFile, 'caFile')] } : {}),
    ...(security.certFile && security.keyFile
      ? { cert: readPem(security.certFile, 'certFile'), key: readPem(security.keyFile, 'keyFile') }
      : {}),
  };
  if (security.protocol === 'ssl') return { tls };
  const username = env[security.usernameEnv];
  const password = env[security.passwordEnv];
  const missing = [!username && security.usernameEnv, !password && security.passwordEnv].filter(Boolean);
  if (missing.length > 0)
    throw new PdmError(
      'PDM_ERR_CONFIG_INVALID',
      `Kafka security sasl_ssl needs a user name and password: set ${missing.join(' and ')} in the environment (the variables are named by kafka.security.usernameEnv / passwordEnv)`,
      { variables: missing },
    );
  return { tls, scram: { username: username!, password: password! } };
}

/** The kafkajs `ssl` and `sasl` options of a security setting (see kafkaSecurityMaterial). */
export function kafkaSecurityOptions(
  security: KafkaSecurity = PLAINTEXT,
  env: NodeJS.ProcessEnv = process.env,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  const { tls, scram } = kafkaSecurityMaterial(security, env);
  const sasl: SASLOptions | undefined = scram && { mechanism: 'scram-sha-512', ...scram };
  return { ...(tls ? { ssl: tls } : {}), ...(sasl ? { sasl } : {}) };
}

const AUTH_PROTOCOL_ERROR = /_AUTHORIZATION_FAILED$|^SASL_AUTHENTICATION_FAILED$|^ILLEGAL_SASL_STATE$/;

/**
 * The Kafka errors that retrying does not cure: a refused user, or a missing ACL. Knows both
 * clients' errors: kafkajs's (a `type` naming the protocol error, or only its message once its
 * retrier re-wrapped it) and @platformatic/kafka's (code PLT_KFK_AUTHENTICATION, or a protocol
 * error's `apiId`, often inside an AggregateError's `errors`).
 */
export function isKafkaAuthError(err: unknown): boolean {
  const pending: unknown[] = [err];
  for (let n = 0; pending.length > 0 && n < 64; n++) {
    const e = pending.pop();
    if (!(e instanceof Error)) continue;
    if (e.name === 'KafkaJSSASLAuthenticationError') return true;
    const { type, code, apiId } = e as { type?: unknown; code?: unknown; apiId?: unknown };
    if (typeof type === 'string' && AUTH_PROTOCOL_ERROR.test(type)) return true;
    if (typeof apiId === 'string' && AUTH_PROTOCOL_ERROR.test(apiId)) return true;
    if (code === 'PLT_KFK_AUTHENTICATION') return true;
    if (/^Not authorized to access |SASL .*authentication failed/.test(e.message)) return true;
    if (e.cause !== undefined) pending.push(e.cause);
    if (e instanceof AggregateError) pending.push(...e.errors);
  }
  return false;
}

/**
 * A Kafka failure as a product error: authentication and authorization are PDM_ERR_KAFKA_AUTH
 * (not retriable: the same credentials fail again) with what to check; anything else is
 * PDM_ERR_KAFKA_UNAVAILABLE.
 */
export function kafkaError(err: unknown, what: string, brokers: readonly string[]): PdmError {
  if (err instanceof PdmError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (isKafkaAuthError(err))
    return new PdmError(
      'PDM_ERR_KAFKA_AUTH',
      `Kafka ${brokers.join(',')}: ${what}: ${message}. Check the user name and password (PDM_KAFKA_USERNAME / PDM_KAFKA_PASSWORD, or the variables kafka.security names) and the ACLs of that user (deploy/local/README.md, SECURITY.md)`,
      { brokers: [...brokers] },
      { cause: err },
    );
  return new PdmError(
    'PDM_ERR_KAFKA_UNAVAILABLE',
    `Kafka ${brokers.join(',')}: ${what} (${message})`,
    { brokers: [...brokers] },
    { cause: err },
  );
}

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

export function createKafka(
  brokers: string[],
  clientId: string,
  security: KafkaSecurity = PLAINTEXT,
  env: NodeJS.ProcessEnv = process.env,
): Kafka {
  if (brokers.length === 0)
    throw new PdmError('PDM_ERR_CONFIG_INVALID', 'no Kafka brokers configured (set PDM_KAFKA_BROKERS, e.g. localhost:9092)');
  return new Kafka({
    clientId,
    brokers,
    ...kafkaSecurityOptions(security, env),
    logLevel: logLevel.WARN,
    logCreator,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, retries: 8, maxRetryTime: 10_000 },
  });
}

/** How long topics a retriable error left unconfirmed may take to show in the broker's metadata. */
const TOPIC_METADATA_WAIT_MS = 15_000;

/** Create the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: ITopicConfig[]): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  try {
    await admin.createTopics({ topics: missing, waitForLeaders: true });
  } catch (err) {
    // Another process may have created one in between. Or the broker did create them but answered
    // the wait for their leaders with a retriable error (UNKNOWN_TOPIC_OR_PARTITION, seen from a
    // broker a few seconds old while another client created topics too): its metadata catches up
    // within seconds, so a retriable error gets that long. Anything else is fatal at once.
    const retriable = (err as { retriable?: unknown }).retriable === true;
    const deadline = Date.now() + (retriable ? TOPIC_METADATA_WAIT_MS : 0);
    let stillMissing = missing;
    for (;;) {
      const now = new Set(await admin.listTopics());
      stillMissing = missing.filter((t) => !now.has(t.topic));
      if (stillMissing.length === 0 || Date.now() >= deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
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
