/**
 * The stream processor's configuration (YAML/JSON). Everything has a default, so the processor
 * runs without a file; per-machine settings give the models what the data cannot: bearing
 * geometry and the ISO 20816 machine class.
 */

import { z } from 'zod';
import { ChannelDeclarationSpec } from '../common/channel-spec.ts';
import { KafkaSecuritySpec } from '../common/kafka.ts';
import { MetricsEndpointSpec } from '../common/metrics-server.ts';
import { ALERT_KINDS } from '../common/wire/alert-event.ts';
import { DEFAULT_PLAUSIBILITY, WIRE_ID_PATTERN } from '../common/wire/plausibility.ts';
import { BearingGeometrySpec } from '../models/bearing/geometry-spec.ts';
import { MonitorConfigSpec } from '../models/rul/monitor-config.ts';
import { DEFAULT_ISO_CLASS } from '../models/vibration/iso20816.ts';
import { DEFAULT_COMMIT_INTERVAL_MS } from './group-write.ts';

export const MachineModelSpec = z.strictObject({
  shaftRpm: z.number().positive().optional().describe('nominal shaft speed; the live Speed reading wins when there is one'),
  bearings: z
    // Keyed by any location name: a channel's bearing is the one at its location (see channels).
    .record(
      z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be a location name: 1-64 letters, digits, _ . -'),
      z.union([z.string().min(1), BearingGeometrySpec]),
    )
    .optional()
    .describe('bearing per location (DE, NDE, gearbox...): a catalogue name (e.g. 6205-2RS) or a geometry'),
  channels: z
    .record(z.string().regex(WIRE_ID_PATTERN, 'must be a channel id'), ChannelDeclarationSpec)
    .optional()
    .describe(
      'what a channel measures, by channel id: location, axis, quantity, units. Overrides what the frame says (for version 1 frames, or a server that declares wrongly); what neither says comes from the units (quantity) and the id <location>_<axis>',
    ),
  iso: z
    .strictObject({ group: z.union([z.literal(1), z.literal(2)]), foundation: z.enum(['rigid', 'flexible']) })
    .optional()
    .describe('ISO 20816-3 machine group and foundation'),
  histories: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      "run-to-failure histories of similar machines (CSV files in pdm rul's --train format, with this machine's fused feature columns <channel>_<feature>, e.g. DE_X_rms): they give its remaining life the fleet's life distribution, failure threshold and degradation prior, as pdm rul --train does",
    ),
});

export const ProcessorConfigSpec = z.strictObject({
  kafka: z
    .strictObject({
      brokers: z
        .array(z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port'))
        .min(1)
        .optional()
        .describe('Kafka bootstrap brokers; default: PDM_KAFKA_BROKERS'),
      topicPrefix: z.string().default('').describe('prefix of every topic name'),
      groupId: z.string().min(1).default('pdm-processor').describe('consumer group; processors sharing it split the partitions'),
      partitions: z.number().int().min(1).default(6).describe('partitions for topics this processor creates'),
      replicationFactor: z.number().int().min(1).default(1),
      sessionTimeoutS: z
        .number()
        .min(6)
        .max(300)
        .default(30)
        .describe(
          "seconds without a heartbeat before the group takes a processor's partitions away: a killed processor's partitions move after this long (shorter: faster failover; longer: a long pause, e.g. garbage collection, does not cost the partitions). The broker allows 6-300 s by default",
        ),
      partitionsConcurrently: z
        .number()
        .int()
        .min(1)
        .max(64)
        .default(4)
        .describe(
          'partitions whose batches are processed at the same time: while one batch is written to QuestDB the others analyse, and the batches that wait for a write go to QuestDB together as one commit (fewer, larger commits cost QuestDB less per row); memory in flight grows with it',
        ),
      security: KafkaSecuritySpec.optional(),
    })
    .prefault({}),
  questdb: z
    .strictObject({
      commitIntervalMs: z
        .number()
        .int()
        .min(0)
        .max(10_000)
        .default(DEFAULT_COMMIT_INTERVAL_MS)
        .describe(
          'a QuestDB write starts at least this long after the previous one: the batches of the interval share one commit (QuestDB spends per commit more than per row; see BENCHMARKS.md, QuestDB write cost). Adds at most this much latency; 0 writes each batch as soon as the previous write is done',
        ),
      tablePrefix: z
        .string()
        .regex(/^[A-Za-z0-9_]*$/, 'letters, digits and _ only')
        .default('')
        .describe('prefix of every table name'),
      wal: z
        .strictObject({
          checkS: z.number().min(0).default(15).describe("seconds between checks of the tables' WAL apply (wal_tables()); 0: never check"),
          autoResume: z
            .boolean()
            .default(true)
            .describe('resume a suspended table (ALTER TABLE … RESUME WAL: nothing is skipped) at once, then at growing intervals'),
          resumeIntervalS: z.number().positive().default(15).describe('first retry of a resume after this many seconds, then doubling'),
          maxResumeIntervalS: z.number().positive().default(300).describe('longest interval between two resume attempts'),
        })
        .prefault({})
        .describe(
          'a suspended WAL table accepts writes and shows none of them: /health says degraded with the reason, and the processor resumes it',
        ),
    })
    .prefault({}),
  metrics: MetricsEndpointSpec,
  windowBlocks: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(10)
    .describe('blocks per analysis window (10 blocks of 2560 samples = 1 s at 25.6 kHz)'),
  workers: z.number().int().min(1).max(64).optional().describe('worker threads; default: cores - 1'),
  validation: z
    .strictObject({
      maxPastDays: z
        .number()
        .positive()
        .default(DEFAULT_PLAUSIBILITY.maxPastDays)
        .describe(
          'a message time (block start, reading, gap) may lie this many days before the moment it was sent (its Kafka timestamp); older is dead-lettered. 30: the tables keep 30 days (TTL), older rows would be dropped anyway',
        ),
      maxFutureS: z
        .number()
        .positive()
        .default(DEFAULT_PLAUSIBILITY.maxFutureS)
        .describe(
          'seconds a message time (or a block end) may lie after the moment it was sent: the clock skew tolerated between a machine and the broker',
        ),
      maxAbsSample: z
        .number()
        .positive()
        .default(DEFAULT_PLAUSIBILITY.maxAbsSample)
        .describe("largest |sample| of a vibration frame, in the frame's units; larger is dead-lettered (a corrupt value, not a sensor)"),
    })
    .prefault({})
    .describe('what a message may say and still be true; impossible messages go to the dead-letter topic with the rule they broke'),
  stall: z
    .strictObject({
      degradedS: z
        .number()
        .positive()
        .default(30)
        .describe('seconds of a failing QuestDB write, or of pending batches without a commit, before /health says degraded'),
      downS: z.number().positive().default(120).describe('seconds before /health says down (HTTP 503: the healthcheck fails)'),
    })
    .prefault({})
    .refine((s) => s.downS >= s.degradedS, 'stall.downS must be at least stall.degradedS')
    .describe('when a writer that makes no progress turns /health degraded, then down'),
  backpressure: z
    .strictObject({
      maxInFlightBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .default(64 * 1024 * 1024)
        .describe(
          'bytes consumed and not yet committed (batches being processed, blocks of windows being assembled) above which every partition is paused; Kafka fetches are sized to fit under it',
        ),
      resumeFraction: z
        .number()
        .gt(0)
        .lt(1)
        .default(0.5)
        .describe('partitions resume when what is in flight has drained to this fraction of the cap'),
      writerBehindS: z
        .number()
        .positive()
        .default(10)
        .describe('a QuestDB write (with its retries) running longer than this also pauses every partition until it ends'),
    })
    .prefault({})
    .describe('when the worker pool or the writer falls behind, partitions pause so memory stays bounded; /health lists them'),
  shutdown: z
    .strictObject({
      timeoutS: z
        .number()
        .positive()
        .default(15)
        .describe(
          'seconds SIGTERM waits for in-flight work (a write, a commit) before abandoning it and exiting; abandoned batches are not committed and are processed again by the next processor',
        ),
    })
    .prefault({}),
  spectra: z
    .strictObject({
      lines: z
        .number()
        .int()
        .min(64)
        .max(6400)
        .default(800)
        .describe('lines of each stored spectrum (peak-hold downsampled: a defect line is never averaged away)'),
      everyWindows: z
        .number()
        .int()
        .min(0)
        .default(60)
        .describe(
          "store a channel's amplitude and envelope spectra every this many windows (window_seq divisible by it; 0: only on changes), and always when its bearing diagnosis or its machine's health state changes",
        ),
      bandsEveryWindows: z
        .number()
        .int()
        .min(0)
        .default(10)
        .describe(
          "store a channel's fault-band lines per defect family (bearing_evidence) every this many windows (0: only with stored spectra), and always with its stored spectra",
        ),
    })
    .prefault({})
    .describe('downsampled spectra (vibration_spectra) and fault-band lines (bearing_evidence); docs/storage.md: bytes per machine-day'),
  iso: z
    .strictObject({ group: z.union([z.literal(1), z.literal(2)]), foundation: z.enum(['rigid', 'flexible']) })
    .default({ ...DEFAULT_ISO_CLASS })
    .describe('default ISO 20816-3 class'),
  machines: z.record(z.string(), MachineModelSpec).default({}).describe('per-machine model settings, by machine id'),
  sensorCheck: z
    .union([
      z.literal(false),
      z.strictObject({
        resolutionG: z
          .number()
          .positive()
          .optional()
          .describe('below this standard deviation (g) a channel measures nothing (default 1e-5)'),
        heldShare: z.number().positive().lt(1).optional().describe('share of equal successive samples: held or on one code (default 0.2)'),
        offsetStepSpreads: z.number().positive().optional().describe('DC step between 50 ms segments, in spreads (default 4)'),
        clipMinSamples: z.number().positive().optional().describe('samples at exactly the extreme that make a rail (default 4)'),
        clipShare: z.number().positive().lt(1).optional().describe('...and as a share of the window (default 0.001)'),
        noiseFloorG: z.number().positive().optional().describe('lowest noise density a real sensor chain shows, g/sqrt(Hz) (default 1e-7)'),
        mainsShare: z
          .number()
          .positive()
          .lt(1)
          .optional()
          .describe('share of the power on 50/60 Hz harmonics that is hum only (default 0.95)'),
        mainsHz: z.array(z.number().positive()).min(1).optional().describe('grid frequencies (default [50, 60])'),
      }),
    ])
    .default({})
    .describe(
      "each window's sensor self-checks (flat line, offset step, clipping, noise floor, sample rate, mains hum; see MODELS.md): thresholds to override, or false to skip them",
    ),
  alerts: z
    .strictObject({
      enabled: z.boolean().default(true).describe('raise alert episodes (alerts table and the pdm.alerts.v1 topic)'),
      kinds: z
        .array(z.enum(ALERT_KINDS))
        .default([...ALERT_KINDS])
        .describe(
          'kinds raised: health_state (NE 107 state leaves normal), iso_zone (zone C or D), remaining_life (under leadTimeS), silence (no data), sensor (a channel fails its self-checks)',
        ),
      confirmWindows: z
        .number()
        .int()
        .min(1)
        .default(3)
        .describe(
          'consecutive windows (health updates for health_state and remaining_life) a condition must hold before its episode starts',
        ),
      clearWindows: z
        .number()
        .int()
        .min(1)
        .default(10)
        .describe(
          'consecutive windows it must be absent before the episode ends (more than confirmWindows: a value at a boundary does not flap)',
        ),
      leadTimeS: z
        .number()
        .positive()
        .default(7 * 86_400)
        .describe('remaining life (median, seconds) under which a remaining_life episode starts: the time maintenance needs to act'),
      silentAfterS: z
        .number()
        .positive()
        .default(60)
        .describe(
          'seconds without a window from a machine (or from one of its channels while the others send) before a silence episode starts',
        ),
      checkIntervalS: z.number().positive().default(5).describe('seconds between wall-clock checks for silent machines'),
    })
    .prefault({})
    .describe('alert episodes with hysteresis: one row and one message when an episode starts and when it ends, never one per window'),
  health: z
    .strictObject({
      enabled: z.boolean().default(true).describe('run the per-machine anomaly / health / remaining-life model'),
      features: z
        .array(z.string().min(1))
        .min(1)
        .default(['rms', 'kurtosis', 'crest_factor', 'velocity_rms_mm_s'])
        .describe('window features fused per channel (as <channel>_<feature>)'),
      energy: z.boolean().default(true).describe('fuse the power-versus-load residual (needs the energy stream)'),
      energyWaitWindows: z
        .number()
        .int()
        .min(0)
        .default(30)
        .describe(
          "window sequences a machine that has published no energy reading waits for one before its model starts on vibration alone (a machine with power but no load starts at once, power being its modes' load proxy)",
        ),
      isoFailure: z
        .boolean()
        .default(true)
        .describe(
          "a machine also fails when its worst channel's velocity RMS reaches its ISO 20816-3 zone C/D boundary (needs velocity_rms_mm_s among the features): remaining life is the first of that and the health-index threshold",
        ),
      stateDir: z
        .string()
        .default('.pdm/processor-state')
        .describe(
          'a local copy of the model state (JSON per machine), refreshed at each checkpoint; the model-state topic is what a processor restores from, this copy only seeds machines the topic has never seen (state kept by versions before the topic). Empty: no local copy',
        ),
      checkpointIntervalS: z
        .number()
        .positive()
        .default(10)
        .describe(
          "seconds between checkpoints of every machine's model state (a machine's state is also saved with every commit that advances its model)",
        ),
      monitor: MonitorConfigSpec.prefault({}).describe('the AssetMonitor model settings (see MODELS.md)'),
      modes: z
        .strictObject({
          enabled: z
            .boolean()
            .default(true)
            .describe('learn one healthy baseline per operating mode, told apart by the live speed and load readings'),
          speedStepPct: z.number().positive().max(100).default(10).describe('speeds further apart than this (%) are different modes'),
          loadStepPct: z
            .number()
            .positive()
            .max(100)
            .default(20)
            .describe('loads further apart than this (percentage points) are different modes'),
          confirmReadings: z
            .number()
            .int()
            .min(1)
            .default(5)
            .describe(
              'consecutive energy readings that must agree (a steady state) before a new mode is established; windows of a transition feed no model',
            ),
          maxModes: z.number().int().min(1).max(256).default(16).describe('modes kept per machine; beyond, readings join the nearest mode'),
        })
        .prefault({})
        .describe(
          'operating modes (a fan at night speed, a compressor unloaded): each gets its own baseline, so a change of duty is not an anomaly',
        ),
      reference: z
        .strictObject({
          enabled: z
            .boolean()
            .default(true)
            .describe(
              "learn each channel's healthy envelope reference from the baseline, so the machine's own lines are not taken for bearing faults",
            ),
          windows: z
            .number()
            .int()
            .min(2)
            .max(64)
            .default(8)
            .describe(
              'baseline windows per channel the reference is learnt from (spread over the baseline; each is held in memory until then)',
            ),
        })
        .prefault({})
        .describe("healthy envelope reference of the bearing diagnosis (needs the machine's bearings and shaft speed; see MODELS.md)"),
    })
    .prefault({})
    .describe('machine health and remaining useful life'),
});

export type ProcessorConfig = z.output<typeof ProcessorConfigSpec>;
export type MachineModelConfig = z.output<typeof MachineModelSpec>;
