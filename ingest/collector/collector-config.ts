/**
 * The collector's configuration file (YAML or JSON): which machines to collect from and where
 * to send. The zod schema is the one source of defaults, validation and documentation.
 * Secrets never live in the file: credentials are named by environment variables.
 */
import { z } from 'zod';

export const SecuritySpec = z
  .strictObject({
    mode: z.enum(['SignAndEncrypt', 'Sign', 'None']).default('SignAndEncrypt').describe('OPC UA message security mode'),
    policy: z.literal('Basic256Sha256').default('Basic256Sha256').describe('OPC UA security policy'),
  })
  .describe('secure channel settings');

export const AuthSpec = z
  .union([
    z.strictObject({
      usernameEnv: z.string().min(1).describe('environment variable holding the user name'),
      passwordEnv: z.string().min(1).describe('environment variable holding the password'),
    }),
    z.strictObject({ anonymous: z.literal(true).describe('connect without a user token (only if the server allows it)') }),
  ])
  .describe('user identity');

export const MachineEndpointSpec = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . -').optional().describe('expected machine id (checked against the server); discovered when absent'),
  endpoint: z.string().regex(/^opc\.tcp:\/\/[^\s/:]+(:\d+)?(\/.*)?$/, 'must be an opc.tcp:// URL').describe('OPC UA endpoint URL of the machine'),
  security: SecuritySpec.default({ mode: 'SignAndEncrypt', policy: 'Basic256Sha256' }),
  auth: AuthSpec.default({ usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' }),
  publishingIntervalMs: z.number().int().min(50).max(10_000).default(200).describe('subscription publishing interval'),
});

export const CollectorConfigSpec = z.strictObject({
  kafka: z
    .strictObject({
      brokers: z.array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port')).min(1).optional().describe('Kafka bootstrap brokers; default: PDM_KAFKA_BROKERS'),
      topicPrefix: z.string().default('').describe('prefix for every topic name (to run several plants on one cluster)'),
      partitions: z.number().int().min(1).max(1000).default(6).describe('partitions for topics this collector creates'),
      replicationFactor: z.number().int().min(1).default(1).describe('replication factor for topics this collector creates'),
      compression: z.enum(['none', 'gzip']).default('none').describe('producer compression (see BENCHMARKS.md: float noise barely compresses)'),
    })
    .default({ topicPrefix: '', partitions: 6, replicationFactor: 1, compression: 'none' }),
  pkiDir: z.string().default('.pdm/pki/collector').describe("the collector's own OPC UA certificate and trust lists"),
  machines: z.array(MachineEndpointSpec).min(1, 'must list at least one machine').describe('machines to collect from'),
});

export type CollectorConfig = z.output<typeof CollectorConfigSpec>;
export type MachineEndpoint = z.output<typeof MachineEndpointSpec>;
