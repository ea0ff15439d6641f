/**
 * The collector's configuration file (YAML or JSON): which machines to collect from, where to
 * send, where to spool, how to be watched. The zod schema is the one source of defaults,
 * validation and documentation (docs/collector.md follows it). Secrets never live in the file:
 * credentials are named by environment variables.
 */
import { join } from 'node:path';
import { z } from 'zod';
import { ChannelDeclarationFields, checkDeclaration } from '../../common/channel-spec.ts';
import { KafkaSecuritySpec } from '../../common/kafka.ts';
import { MetricsEndpointSpec } from '../../common/metrics-server.ts';
import { SCALAR_FEATURES, type ScalarFeatureKey, scalarUnits, toCanonical } from '../../common/scalar-features.ts';
import { WIRE_ID_PATTERN } from '../../common/wire/plausibility.ts';
import { SECURITY_MODES, SECURITY_POLICIES } from '../opcua/security.ts';

/** Machine and channel ids go on the wire: the pattern every reader checks (docs/wire-formats.md). */
const ID = WIRE_ID_PATTERN;
const NODE_ID = /^(ns=\d+;)?[isgb]=.+$/;
const nodeId = z.string().regex(NODE_ID, 'must be an OPC UA node id such as ns=2;s=Pump/DE_X/Waveform or ns=1;i=1001');

export const SecuritySpec = z
  .strictObject({
    mode: z.enum(SECURITY_MODES).default('SignAndEncrypt').describe('OPC UA message security mode (None needs allowInsecure: true)'),
    policy: z
      .enum(SECURITY_POLICIES)
      .optional()
      .describe(`OPC UA security policy; default: the strongest the server offers, in the order ${SECURITY_POLICIES.join(' > ')}`),
  })
  .describe('secure channel settings');

export const AuthSpec = z
  .union([
    z.strictObject({
      usernameEnv: z.string().min(1).describe('environment variable holding the user name'),
      passwordEnv: z.string().min(1).describe('environment variable holding the password'),
    }),
    z.strictObject({
      anonymous: z.literal(true).describe('connect without a user token (only if the server allows it; needs allowInsecure: true)'),
    }),
  ])
  .describe('user identity');

/**
 * A scalar vibration sensor: one node id per overall value it publishes (at least one), and the
 * units of those values when the server's nodes have no EngineeringUnits (the server's win; a
 * value whose units nobody gives stops the machine with an error naming the setting).
 */
export const ScalarSensorSpec = z
  .strictObject({
    channel: z.string().regex(ID, 'must be 1-64 letters, digits, _ . -').describe('channel id, e.g. DE or DE_radial'),
    ...(Object.fromEntries(
      SCALAR_FEATURES.map((f) => [f.key, nodeId.optional().describe(`node id of the ${f.browseName} value (a Float or Double scalar)`)]),
    ) as Record<ScalarFeatureKey, z.ZodOptional<typeof nodeId>>),
    units: z
      .partialRecord(z.enum(SCALAR_FEATURES.map((f) => f.key) as [ScalarFeatureKey, ...ScalarFeatureKey[]]), z.string())
      .optional()
      .describe(
        `units per value when the server has no EngineeringUnits: ${SCALAR_FEATURES.map((f) => `${f.key} ${scalarUnits(f.key).join('|')}`).join('; ')}`,
      ),
    location: ChannelDeclarationFields.location,
    axis: ChannelDeclarationFields.axis,
    periodMs: z
      .number()
      .int()
      .min(10)
      .max(3_600_000)
      .default(1000)
      .describe('how often the sensor updates its values, ms: a server that samples more slowly is read by timed Read calls instead'),
  })
  .superRefine((s, ctx) => {
    const given = SCALAR_FEATURES.filter((f) => s[f.key] !== undefined);
    if (given.length === 0)
      ctx.addIssue({
        code: 'custom',
        message: `must give the node id of at least one value (${SCALAR_FEATURES.map((f) => f.key).join(', ')})`,
      });
    for (const [key, units] of Object.entries(s.units ?? {}) as Array<[ScalarFeatureKey, string]>) {
      if (s[key] === undefined) ctx.addIssue({ code: 'custom', path: ['units', key], message: `is given but ${key} (its node id) is not` });
      else if (toCanonical(key, units) === undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['units', key],
          message: `'${units}' are not units of ${key} (known: ${scalarUnits(key).join(', ')})`,
        });
    }
  });

export type ScalarSensor = z.output<typeof ScalarSensorSpec>;

export const ExplicitNodesSpec = z
  .strictObject({
    channels: z
      .array(
        z
          .strictObject({
            channel: z.string().regex(ID, 'must be 1-64 letters, digits, _ . -').describe('channel id, e.g. DE_X'),
            waveform: nodeId.describe(
              'node id of the waveform: a one-dimensional Float or Double array (any variable type), or Int16/Int32 counts with scale',
            ),
            sequence: nodeId
              .optional()
              .describe(
                'node id of the block counter (integer, +1 per block; UInt16/UInt32 counters may wrap); absent: continuity from the SourceTimestamp',
              ),
            sampleRate: z
              .union([nodeId, z.number().positive().max(10_000_000)])
              .optional()
              .describe(
                "sample rate: a node id (Hz), or a number in Hz used when the server has neither a sample-rate node nor an XAxisDefinition; default: the waveform's SampleRate sibling, else its XAxisDefinition",
              ),
            scale: z
              .number()
              .refine((v) => Number.isFinite(v) && v !== 0, 'must be a finite number other than 0')
              .optional()
              .describe('value = raw * scale + offset; required for Int16/Int32 arrays (counts), optional for Float/Double'),
            offset: z.number().finite().optional().describe('value = raw * scale + offset (default 0)'),
            // What the channel measures, carried on every frame (version 2). Units: the waveform's
            // EngineeringUnits when the server has them, else these; neither is a config error.
            ...ChannelDeclarationFields,
          })
          .superRefine(checkDeclaration),
      )
      .default([])
      .describe('waveform channels'),
    scalars: z
      .array(ScalarSensorSpec)
      .default([])
      .describe('scalar vibration sensors (IO-Link, 4-20 mA): overall values only, no waveform, published on pdm.features.v1'),
    energy: z
      .record(z.string(), nodeId)
      .optional()
      .describe('energy value name (ActivePower, Current, Voltage, PowerFactor, Temperature, Speed, Load) -> node id'),
  })
  .superRefine((n, ctx) => {
    if (n.channels.length === 0 && n.scalars.length === 0)
      ctx.addIssue({ code: 'custom', path: ['channels'], message: 'must list at least one channel (or a scalar sensor under scalars)' });
    const seen = new Map<string, string>();
    for (const [i, c] of n.channels.entries()) seen.set(c.channel, `channels[${i}]`);
    n.scalars.forEach((c, i) => {
      const other = seen.get(c.channel);
      if (other !== undefined)
        ctx.addIssue({ code: 'custom', path: ['scalars', i, 'channel'], message: `repeats ${other}.channel (${c.channel})` });
      seen.set(c.channel, `scalars[${i}]`);
    });
  })
  .describe('explicit node ids instead of browsing (servers laid out differently); needs the machine id');

export const MachineEndpointSpec = z.strictObject({
  id: z
    .string()
    .regex(ID, 'must be 1-64 letters, digits, _ . -')
    .optional()
    .describe(
      "machine id: the browse name of the machine's object on the server (found under Objects, or in folders below it); required when machines share an endpoint (a gateway); discovered when absent",
    ),
  endpoint: z
    .string()
    .regex(/^opc\.tcp:\/\/[^\s/:]+(:\d+)?(\/.*)?$/, 'must be an opc.tcp:// URL')
    .describe('OPC UA endpoint URL of the machine (or of the gateway serving it and others)'),
  security: SecuritySpec.default({ mode: 'SignAndEncrypt' }),
  auth: AuthSpec.default({ usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' }),
  allowInsecure: z
    .boolean()
    .default(false)
    .describe(
      'accept security.mode None or anonymous auth for this machine (refused otherwise; logged as a warning at every start when accepted)',
    ),
  publishingIntervalMs: z.number().int().min(50).max(10_000).default(200).describe('subscription publishing interval'),
  nodes: ExplicitNodesSpec.optional(),
  shard: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('pin this machine to the collector instance with this shard index (default: by hash of its id)'),
});

export const SpoolSpec = z
  .strictObject({
    dir: z.string().min(1).optional().describe('spool directory; default .pdm/spool/<collector id>'),
    maxBytes: z
      .number()
      .int()
      .min(1024 * 1024)
      .default(1024 ** 3)
      .describe('disk bound; when full the oldest frames are dropped (counted and logged)'),
    segmentBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .default(16 * 1024 * 1024)
      .describe('size of one segment file (at most maxBytes / 4)'),
    fsync: z
      .enum(['always', 'interval', 'never'])
      .default('interval')
      .describe(
        'always: flush each frame to disk (slow); interval: every fsyncIntervalMs (a power loss loses at most that); never: leave it to the OS',
      ),
    fsyncIntervalMs: z.number().int().min(10).max(60_000).default(1000).describe('flush period of the interval policy'),
  })
  .describe('on-disk store-and-forward spool');

export const ReconnectSpec = z
  .strictObject({
    minDelayMs: z.number().int().min(50).default(500).describe('first retry delay for a machine that cannot be reached'),
    maxDelayMs: z.number().int().min(100).max(300_000).default(10_000).describe('longest retry delay (backoff doubles up to this)'),
    noDataMs: z.number().int().min(1000).default(15_000).describe('rebuild a connection that delivers no block for this long'),
    keepAliveTimeoutMs: z
      .number()
      .int()
      .min(1000)
      .default(15_000)
      .describe(
        'rebuild a connection whose subscription sends neither data nor keep-alive for this long (at least 3 keep-alive periods are waited)',
      ),
  })
  .describe('reconnection and watchdogs');

export const CollectorConfigSpec = z
  .strictObject({
    id: z
      .string()
      .regex(ID, 'must be 1-64 letters, digits, _ . -')
      .optional()
      .describe(
        'collector instance id (spool directory, Kafka client id); default pdm-collector, prefixed by kafka.topicPrefix, suffixed by the shard',
      ),
    kafka: z
      .strictObject({
        brokers: z
          .array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'))
          .min(1)
          .optional()
          .describe('Kafka bootstrap brokers; default: PDM_KAFKA_BROKERS'),
        topicPrefix: z
          .string()
          .regex(/^[A-Za-z0-9_.-]*$/, 'must be letters, digits, _ . -')
          .default('')
          .describe('prefix for every topic name (to run several plants on one cluster)'),
        partitions: z.number().int().min(1).max(1000).default(6).describe('partitions for topics this collector creates'),
        replicationFactor: z.number().int().min(1).default(1).describe('replication factor for topics this collector creates'),
        compression: z
          .enum(['none', 'gzip'])
          .default('none')
          .describe('producer compression (BENCHMARKS.md: float32 waveforms barely compress, gzip costs CPU)'),
        maxMessageBytes: z
          .number()
          .int()
          .min(1024)
          .default(1_000_000)
          .describe("largest frame sent (Kafka's message.max.bytes); a bigger block is dropped and counted"),
        security: KafkaSecuritySpec.optional(),
      })
      .default({ topicPrefix: '', partitions: 6, replicationFactor: 1, compression: 'none', maxMessageBytes: 1_000_000 }),
    pkiDir: z.string().default('.pdm/pki/collector').describe("the collector's own OPC UA certificate and trust lists"),
    spool: SpoolSpec.default({ maxBytes: 1024 ** 3, segmentBytes: 16 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 1000 }),
    metrics: MetricsEndpointSpec,
    shard: z
      .strictObject({
        index: z.number().int().min(0).describe('this instance'),
        count: z.number().int().min(1).max(1024).describe('instances sharing the machine list'),
      })
      .optional()
      .describe('split the machines between several collector instances'),
    machinesPerSession: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(50)
      .describe(
        'machines on one endpoint (a gateway) with the same security and user share one OPC UA session, each with its own subscription, up to this many per session; 1: a session per machine',
      ),
    reconnect: ReconnectSpec.default({ minDelayMs: 500, maxDelayMs: 10_000, noDataMs: 15_000, keepAliveTimeoutMs: 15_000 }),
    machines: z.array(MachineEndpointSpec).min(1, 'must list at least one machine').describe('machines to collect from'),
  })
  .superRefine((c, ctx) => {
    if (c.shard && c.shard.index >= c.shard.count)
      ctx.addIssue({ code: 'custom', path: ['shard', 'index'], message: `must be less than shard.count (${c.shard.count})` });
    if (c.spool.segmentBytes * 4 > c.spool.maxBytes)
      ctx.addIssue({
        code: 'custom',
        path: ['spool', 'segmentBytes'],
        message: `must be at most spool.maxBytes / 4 (${Math.floor(c.spool.maxBytes / 4)})`,
      });
    const endpoints = new Map<string, number>();
    const ids = new Map<string, number>();
    c.machines.forEach((m, i) => {
      if (m.nodes && !m.id)
        ctx.addIssue({
          code: 'custom',
          path: ['machines', i, 'id'],
          message: 'is required with nodes: (the machine id cannot be discovered without browsing)',
        });
      if (m.shard !== undefined && !c.shard)
        ctx.addIssue({ code: 'custom', path: ['machines', i, 'shard'], message: 'needs a top-level shard: { index, count }' });
      if (m.shard !== undefined && c.shard && m.shard >= c.shard.count)
        ctx.addIssue({ code: 'custom', path: ['machines', i, 'shard'], message: `must be less than shard.count (${c.shard.count})` });
      // A gateway serves several machines on one endpoint: each then says which one it is.
      const e = endpoints.get(m.endpoint);
      if (e !== undefined && (!m.id || !c.machines[e].id))
        ctx.addIssue({
          code: 'custom',
          path: ['machines', m.id ? e : i, 'id'],
          message: `is required: machines[${e}] and machines[${i}] share the endpoint ${m.endpoint} (a gateway serving several machines), so each must name its machine id`,
        });
      if (e === undefined) endpoints.set(m.endpoint, i);
      if (m.id) {
        const d = ids.get(m.id);
        if (d !== undefined) ctx.addIssue({ code: 'custom', path: ['machines', i, 'id'], message: `repeats machines[${d}].id (${m.id})` });
        ids.set(m.id, i);
      }
    });
  });

export type CollectorConfig = z.output<typeof CollectorConfigSpec>;
export type MachineEndpoint = z.output<typeof MachineEndpointSpec>;

/**
 * What makes a machine's connection insecure: no message security (anyone on the path reads and
 * alters the samples) or no user (anyone who can reach the server reads it). Allowed only with
 * `allowInsecure: true` on that machine. Sign without encryption is not listed: the samples are
 * readable on the wire but cannot be altered or forged, which some plants accept for telemetry.
 */
export function insecureSettings(m: MachineEndpoint): string[] {
  const out: string[] = [];
  if (m.security.mode === 'None') out.push('security.mode None (messages neither signed nor encrypted)');
  if ('anonymous' in m.auth) out.push('auth anonymous (no user token)');
  return out;
}

/** The instance id: configured, or pdm-collector with the topic prefix and the shard. */
export function collectorId(config: CollectorConfig): string {
  if (config.id) return config.id;
  const shard = config.shard ? `-shard${config.shard.index}of${config.shard.count}` : '';
  return `${config.kafka.topicPrefix}pdm-collector${shard}`.slice(0, 64);
}

/** The spool directory: configured, or .pdm/spool/<collector id> (relative to the working directory). */
export function spoolDir(config: CollectorConfig): string {
  return config.spool.dir ?? join('.pdm', 'spool', collectorId(config));
}
