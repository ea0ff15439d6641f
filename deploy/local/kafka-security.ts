/**
 * The local broker with SASL_SSL (`ensureServices({ kafkaSecurity: 'sasl_ssl' })`,
 * `pdm services up --kafka-security sasl_ssl`): its own CA and broker certificate, SCRAM-SHA-512
 * users created when the storage is formatted, the StandardAuthorizer, and the ACLs of each
 * pdm component. Layout, in the Kafka directory's `security/` (0700):
 *
 *   ca.crt          the CA certificate (PEM): what clients trust (kafka.security.caFile)
 *   ca.p12          the CA's key (PKCS12), kept to sign a new broker certificate
 *   broker.p12      the broker's key and certificate chain (PKCS12, read by Kafka directly)
 *   users.json      0600: the keystores' password and every user's random password
 *
 * Certificates come from the JDK's keytool (already needed for Kafka): Node's crypto cannot
 * sign X.509 certificates, and keytool's PKCS12 is what Kafka reads without conversion.
 * The controller listener stays on loopback with SASL PLAIN for the admin user only: KRaft
 * controllers cannot check SCRAM (its credentials live in the metadata they serve), and an
 * unauthenticated controller listener would need User:ANONYMOUS as a super user.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { KafkaConfig } from 'kafkajs';
import { PdmError } from '../../common/errors.ts';
import type { JavaRuntime } from './java.ts';

export const KAFKA_SECURITY_MODES = ['plaintext', 'sasl_ssl'] as const;
export type KafkaSecurityMode = (typeof KAFKA_SECURITY_MODES)[number];

/** The users of a secured broker: the launcher's super user, and one per component. */
export const KAFKA_USERS = ['admin', 'collector', 'processor', 'simulator'] as const;
export type KafkaUser = (typeof KAFKA_USERS)[number];

export interface KafkaSecrets {
  storePassword: string;
  users: Record<KafkaUser, { username: string; password: string }>;
}

export interface KafkaSecurityLayout {
  dir: string;
  caCert: string;
  caStore: string;
  brokerStore: string;
  usersFile: string;
}

export function kafkaSecurityLayout(kafkaDir: string): KafkaSecurityLayout {
  const dir = join(kafkaDir, 'security');
  return {
    dir,
    caCert: join(dir, 'ca.crt'),
    caStore: join(dir, 'ca.p12'),
    brokerStore: join(dir, 'broker.p12'),
    usersFile: join(dir, 'users.json'),
  };
}

function secret(): string {
  // base64url: nothing to escape in a JAAS line, a properties file or a shell.
  return randomBytes(18).toString('base64url');
}

export function readKafkaSecrets(layout: KafkaSecurityLayout): KafkaSecrets | undefined {
  if (!existsSync(layout.usersFile)) return undefined;
  try {
    const s = JSON.parse(readFileSync(layout.usersFile, 'utf8')) as KafkaSecrets;
    if (typeof s.storePassword === 'string' && KAFKA_USERS.every((u) => typeof s.users?.[u]?.password === 'string')) return s;
  } catch {
    // reported below
  }
  throw new PdmError(
    'PDM_ERR_CONFIG_INVALID',
    `${layout.usersFile} is not a valid Kafka users file; delete ${dirname(layout.dir)} to have the broker formatted again with new users (its topics are lost)`,
    { file: layout.usersFile },
  );
}

/** The secrets of a new secured broker: made once, before its storage is formatted with them. */
export function createKafkaSecrets(layout: KafkaSecurityLayout): KafkaSecrets {
  mkdirSync(layout.dir, { recursive: true, mode: 0o700 });
  chmodSync(layout.dir, 0o700);
  const users = Object.fromEntries(KAFKA_USERS.map((u) => [u, { username: u, password: secret() }])) as KafkaSecrets['users'];
  const secrets: KafkaSecrets = { storePassword: secret(), users };
  writeFileSync(layout.usersFile, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return secrets;
}

function keytoolCommand(java: JavaRuntime): string {
  // Beside the java that runs Kafka (JAVA_HOME or PATH), so both come from one JDK.
  return java.command.includes('/') ? join(dirname(java.command), 'keytool') : 'keytool';
}

/** The keystore password reaches keytool through its environment, not its command line (which `ps` shows). */
const STOREPASS_ENV = 'PDM_KEYSTORE_PASSWORD';

async function keytool(java: JavaRuntime, args: string[], cwd: string, storePassword: string): Promise<void> {
  const command = keytoolCommand(java);
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, [STOREPASS_ENV]: storePassword },
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', reject);
    child.once('close', (c) => resolve({ code: c, output }));
  }).catch((err: Error) => {
    throw new PdmError(
      'PDM_ERR_ENV_JAVA',
      `cannot run ${command} (${err.message}): the Kafka certificates are made with the JDK's keytool; install a JDK 17+ or set JAVA_HOME to one`,
      { command },
      { cause: err },
    );
  });
  if (code !== 0)
    throw new PdmError('PDM_ERR_SERVICE_START', `keytool ${args[0]} failed (exit ${code}) in ${cwd}: ${output.trim()}`, { dir: cwd });
}

/**
 * A CA and a broker certificate for 127.0.0.1 / localhost signed by it, unless they exist.
 * EC P-256: generated in milliseconds, and every TLS stack here speaks it.
 */
export async function ensureKafkaCertificates(
  java: JavaRuntime,
  layout: KafkaSecurityLayout,
  secrets: KafkaSecrets,
  onProgress: (l: string) => void,
): Promise<void> {
  if (existsSync(layout.caCert) && existsSync(layout.brokerStore)) return;
  onProgress(`creating a Kafka CA and broker certificate in ${layout.dir}`);
  for (const f of [layout.caCert, layout.caStore, layout.brokerStore]) rmSync(f, { force: true });
  const pass = ['-storepass:env', STOREPASS_ENV];
  const ec = ['-keyalg', 'EC', '-groupname', 'secp256r1', '-storetype', 'PKCS12'];
  const csr = join(layout.dir, 'broker.csr');
  const crt = join(layout.dir, 'broker.crt');
  const cwd = layout.dir;
  await keytool(
    java,
    [
      '-genkeypair',
      '-keystore',
      layout.caStore,
      ...pass,
      ...ec,
      '-alias',
      'ca',
      '-dname',
      'CN=pdm local Kafka CA',
      '-ext',
      'bc:c',
      '-ext',
      'KU=keyCertSign,cRLSign',
      '-validity',
      '3650',
    ],
    cwd,
    secrets.storePassword,
  );
  await keytool(
    java,
    ['-exportcert', '-keystore', layout.caStore, ...pass, '-alias', 'ca', '-rfc', '-file', layout.caCert],
    cwd,
    secrets.storePassword,
  );
  await keytool(
    java,
    ['-genkeypair', '-keystore', layout.brokerStore, ...pass, ...ec, '-alias', 'broker', '-dname', 'CN=localhost', '-validity', '825'],
    cwd,
    secrets.storePassword,
  );
  await keytool(java, ['-certreq', '-keystore', layout.brokerStore, ...pass, '-alias', 'broker', '-file', csr], cwd, secrets.storePassword);
  await keytool(
    java,
    [
      '-gencert',
      '-keystore',
      layout.caStore,
      ...pass,
      '-alias',
      'ca',
      '-infile',
      csr,
      '-outfile',
      crt,
      '-rfc',
      '-validity',
      '825',
      '-ext',
      'SAN=dns:localhost,ip:127.0.0.1',
      '-ext',
      'KU=digitalSignature',
      '-ext',
      'EKU=serverAuth',
    ],
    cwd,
    secrets.storePassword,
  );
  // The CA first, so keytool can chain the signed certificate to it on import.
  await keytool(
    java,
    ['-importcert', '-keystore', layout.brokerStore, ...pass, '-alias', 'ca', '-file', layout.caCert, '-noprompt'],
    cwd,
    secrets.storePassword,
  );
  await keytool(
    java,
    ['-importcert', '-keystore', layout.brokerStore, ...pass, '-alias', 'broker', '-file', crt, '-noprompt'],
    cwd,
    secrets.storePassword,
  );
  for (const f of [csr, crt]) rmSync(f, { force: true });
  for (const f of [layout.caStore, layout.brokerStore]) chmodSync(f, 0o600);
  chmodSync(layout.caCert, 0o644);
}

/** Listener lines of server.properties for SASL_SSL (replacing the PLAINTEXT ones). */
export function saslSslServerProperties(
  layout: KafkaSecurityLayout,
  secrets: KafkaSecrets,
  ports: { broker: number; controller: number },
): string[] {
  const admin = secrets.users.admin;
  return [
    `listeners=SASL_SSL://127.0.0.1:${ports.broker},CONTROLLER://127.0.0.1:${ports.controller}`,
    `advertised.listeners=SASL_SSL://127.0.0.1:${ports.broker}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_PLAINTEXT',
    'inter.broker.listener.name=SASL_SSL',
    // Clients and the broker itself: SCRAM-SHA-512 over TLS.
    'sasl.enabled.mechanisms=SCRAM-SHA-512',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${admin.username}" password="${admin.password}";`,
    // Broker to controller, on loopback: PLAIN with the admin user alone.
    'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
    'sasl.mechanism.controller.protocol=PLAIN',
    `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${admin.username}" password="${admin.password}" user_${admin.username}="${admin.password}";`,
    'ssl.keystore.type=PKCS12',
    `ssl.keystore.location=${layout.brokerStore}`,
    `ssl.keystore.password=${secrets.storePassword}`,
    `ssl.key.password=${secrets.storePassword}`,
    // The broker is its own client (inter-broker listener) and checks its SSL settings that way at start.
    'ssl.truststore.type=PEM',
    `ssl.truststore.location=${layout.caCert}`,
    'ssl.client.auth=none',
    'ssl.enabled.protocols=TLSv1.3,TLSv1.2',
    // Everything is denied unless an ACL allows it; the admin user is above ACLs.
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    `super.users=User:${admin.username}`,
    'allow.everyone.if.no.acl.found=false',
  ];
}

/** `kafka-storage format --add-scram` arguments: every user exists before the broker first starts. */
export function scramFormatArgs(secrets: KafkaSecrets): string[] {
  return KAFKA_USERS.flatMap((u) => [
    '--add-scram',
    `SCRAM-SHA-512=[name=${secrets.users[u].username},password=${secrets.users[u].password}]`,
  ]);
}

/** kafkajs options of a user of the local secured broker. */
export function localClientSecurity(
  layout: KafkaSecurityLayout,
  secrets: KafkaSecrets,
  user: KafkaUser,
): Pick<KafkaConfig, 'ssl' | 'sasl'> {
  return {
    ssl: { ca: [readFileSync(layout.caCert, 'utf8')], rejectUnauthorized: true },
    sasl: { mechanism: 'scram-sha-512', username: secrets.users[user].username, password: secrets.users[user].password },
  };
}
