/**
 * The fleet file: which simulated machines a plant has, how they are built and run, which
 * faults grow in them, and how their OPC UA servers are reached. One zod schema is the source of
 * validation, defaults and documentation (`.describe()` on every field).
 *
 * The top level is validated strictly, as a whole; each entry of `machines` is validated on its
 * own so one bad machine is reported (file, index, id, field) and the others still run:
 * `loadFleet(file)` returns `{ machines, rejected }`.
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { configKey, formatPath, loadConfigFile } from '../../common/config.ts';
import { PdmError } from '../../common/errors.ts';
import { escaped } from '../../common/input/display.ts';
import { KNOWN_BEARINGS, lookupBearing } from '../../models/bearing/catalogue.ts';
import type { BearingGeometry } from '../../models/bearing/geometry.ts';
import { BearingGeometrySpec } from '../../models/bearing/geometry-spec.ts';
import type { IsoFoundation, IsoGroup } from '../../models/vibration/iso20816.ts';
import { SECURITY_MODES, SECURITY_POLICIES, type SecurityModeName, type SecurityPolicyName } from '../opcua/security.ts';
import { SENSOR_FAULT_DEFAULTS, SENSOR_FAULT_TYPES } from './physics/sensor-fault.ts';

// ---------------------------------------------------------------------------------------------
// Small value types

const DURATION_UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 };
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d|w)$/;

/** Seconds, given as a number of seconds or a string such as `90s`, `20min`, `14d`. */
export const durationSchema = z
  .union([
    z.number().nonnegative().finite(),
    z.string().regex(DURATION_RE, 'must be a number of seconds or a duration like "90s", "20min", "14d"'),
  ])
  .transform((v) => {
    if (typeof v === 'number') return v;
    const m = DURATION_RE.exec(v)!;
    return Number(m[1]) * DURATION_UNITS[m[2]];
  });
const duration = durationSchema;

const ISO_TIME_RE = /^\d{4}-\d{2}-\d{2}T/;

/** A bearing of a machine: the models' geometry, named by its catalogue entry or `custom`. */
export type NamedBearingGeometry = BearingGeometry & { name: string };

/** Catalogue names accepted in a fleet file: exactly the catalogue's own names (aliases are for `pdm analyze`). */
const BEARING_NAMES = KNOWN_BEARINGS as [string, ...string[]];

/** The ISO 20816-3 group by rated power: group 1 above 300 kW; medium and smaller machines are evaluated as group 2. */
export function defaultIsoGroup(ratedPowerKw: number): IsoGroup {
  return ratedPowerKw > 300 ? 1 : 2;
}

export const LOCATIONS = ['DE', 'NDE'] as const;
export type Location = (typeof LOCATIONS)[number];
export const AXES = ['X', 'Y', 'Z'] as const;
export type Axis = (typeof AXES)[number];
export const FAULT_TYPES = ['outer_race', 'inner_race', 'rolling_element', 'cage', 'imbalance', 'misalignment', 'looseness'] as const;
export type FaultType = (typeof FAULT_TYPES)[number];
export const BEARING_FAULTS: ReadonlySet<FaultType> = new Set(['outer_race', 'inner_race', 'rolling_element', 'cage']);
/** How the machines are served: an OPC UA server each, or all from one gateway server. */
export const SERVER_LAYOUTS = ['server-per-machine', 'gateway'] as const;
export type ServerLayout = (typeof SERVER_LAYOUTS)[number];
export const MACHINE_TYPES = ['pump', 'fan', 'compressor_motor', 'blower', 'conveyor_motor', 'motor'] as const;

const bearingRef = z
  .union([z.enum(BEARING_NAMES), BearingGeometrySpec])
  .describe(`a catalogue name (${BEARING_NAMES.join(', ')}) or a geometry { balls, ballDiameterMm, pitchDiameterMm, contactAngleDeg }`)
  .transform((ref): NamedBearingGeometry => (typeof ref === 'string' ? { ...lookupBearing(ref), name: ref } : { name: 'custom', ...ref }));

const failureThreshold = z
  .union([
    z.literal('iso_zone_d').describe('velocity RMS (10–1000 Hz) reaching the ISO 20816-3 zone C/D boundary of the machine'),
    z.strictObject({ velocityMmS: z.number().positive().describe('velocity RMS 10–1000 Hz, mm/s') }),
    z.strictObject({ accelerationG: z.number().positive().describe('broadband acceleration RMS, g') }),
  ])
  .default('iso_zone_d')
  .describe('vibration level, on the worst channel at the fault location, at which the fault counts as failed');

const growthSchema = z
  .strictObject({
    model: z.literal('exponential').default('exponential').describe('severity grows as exp(rate * life) with noise'),
    timeToFailure: duration.optional().describe('life from onset to failure (seconds or "14d"); the growth rate follows from it'),
    ratePerDay: z.number().positive().optional().describe('growth rate of ln(severity) per day of life (alternative to timeToFailure)'),
    initialSeverity: z.number().gt(0).lt(1).default(0.05).describe('severity at onset (1 = failure threshold reached)'),
    noise: z
      .number()
      .min(0)
      .max(1)
      .default(0.15)
      .describe('standard deviation of the random wander of ln(severity) (a Brownian bridge pinned at onset and nominal failure)'),
  })
  .refine((g) => !(g.timeToFailure !== undefined && g.ratePerDay !== undefined), {
    message: 'give timeToFailure or ratePerDay, not both',
    path: ['ratePerDay'],
  })
  .transform((g) => {
    const lnSpan = Math.log(1 / g.initialSeverity);
    const timeToFailureS = g.timeToFailure ?? (g.ratePerDay !== undefined ? (lnSpan / g.ratePerDay) * 86_400 : 30 * 86_400);
    return { model: g.model, initialSeverity: g.initialSeverity, noise: g.noise, timeToFailureS };
  });

/** When a fault starts: life seconds (number or duration string) or an ISO 8601 wall time. */
const onsetSchema = z
  .union([duration, z.string().regex(ISO_TIME_RE, 'must be life seconds, a duration like "3d", or an ISO time')])
  .default(0)
  .transform((v, ctx): FaultOnset => {
    if (typeof v === 'number') return { lifeS: v };
    const atMs = Date.parse(v);
    if (Number.isNaN(atMs)) {
      ctx.addIssue({ code: 'custom', message: `"${v}" is not a valid ISO time` });
      return z.NEVER;
    }
    return { atMs };
  });

export type FaultOnset = { lifeS: number } | { atMs: number };

export const faultSchema = z.strictObject({
  type: z
    .enum(FAULT_TYPES)
    .describe('fault kind: bearing (outer_race, inner_race, rolling_element, cage) or rotor (imbalance, misalignment, looseness)'),
  location: z.enum(LOCATIONS).describe('bearing / measurement location the fault belongs to: DE (drive end) or NDE'),
  onset: onsetSchema.describe('when the fault starts: life seconds (or "3d"), or an ISO time; default 0 (present from the start)'),
  growth: growthSchema.prefault({}).describe('how the severity grows to failure'),
  failure: failureThreshold,
});
export type FaultSpec = z.output<typeof faultSchema>;

const sensorFaultSchema = z.strictObject({
  channel: z
    .string()
    .regex(/^(DE|NDE)_[XYZ]$/, 'must be a channel id such as DE_X')
    .describe('channel whose sensor fails'),
  type: z
    .enum(SENSOR_FAULT_TYPES)
    .describe('dead (zeros), flat (frozen), offset (DC jump), clip (cut at ±levelG), mains (hum only), held (every sample twice)'),
  atS: duration.describe('signal seconds from the start of the simulation at which the sensor fails'),
  offsetG: z.number().positive().max(100).optional().describe(`offset: the DC jump, g (default ${SENSOR_FAULT_DEFAULTS.offsetG})`),
  levelG: z
    .number()
    .positive()
    .max(100)
    .optional()
    .describe(
      `clip: the rail, g (default ${SENSOR_FAULT_DEFAULTS.clipLevelG}); mains: the hum amplitude, g (default ${SENSOR_FAULT_DEFAULTS.mainsLevelG})`,
    ),
});

const acquisitionChangeSchema = z.strictObject({
  atS: duration.describe('signal seconds from the start of the simulation at which every channel changes'),
  gain: z.number().positive().max(100).default(1.2).describe('factor on every channel from then on (1.2: levels read 20 % higher)'),
  offsetG: z.number().min(-100).max(100).default(0).describe('DC added to every channel from then on, g'),
});

const modeSchema = z.strictObject({
  mode: z.string().min(1).max(40).describe('name of the operating mode (e.g. full, part, idle)'),
  durationS: duration.refine((d) => d > 0, 'must be positive').describe('how long the mode lasts (wall time; the schedule repeats)'),
  speedRpm: z
    .number()
    .positive()
    .max(60_000)
    .optional()
    .describe('shaft speed set by a drive (VFD); omitted: direct on line, speed follows from the slip at this load'),
  loadPct: z.number().min(0).max(120).describe('mechanical load, % of rated power'),
});

const vibrationSensorSchema = z.strictObject({
  location: z.enum(LOCATIONS).describe('bearing housing the accelerometer sits on'),
  axes: z
    .array(z.enum(AXES))
    .min(1)
    .max(3)
    .default(['X', 'Y', 'Z'])
    .refine((a) => new Set(a).size === a.length, 'must not repeat an axis')
    .describe('X horizontal radial, Y vertical radial, Z axial'),
  sampleRateHz: z.int().min(2_000).max(204_800).default(25_600).describe('sampling rate of each axis, Hz'),
  blockSize: z.int().min(64).max(65_536).default(2_560).describe('samples per published block'),
});

const sensorsSchema = z.strictObject({
  vibration: z
    .array(vibrationSensorSchema)
    .default([
      { location: 'DE', axes: ['X', 'Y', 'Z'], sampleRateHz: 25_600, blockSize: 2_560 },
      { location: 'NDE', axes: ['X', 'Y', 'Z'], sampleRateHz: 25_600, blockSize: 2_560 },
    ])
    .refine((s) => new Set(s.map((x) => x.location)).size === s.length, 'must list each location once')
    .describe('triaxial accelerometers, one entry per location'),
  output: z
    .enum(['waveform', 'scalar'])
    .default('waveform')
    .describe(
      'waveform: the accelerometers publish sampled blocks; scalar: IO-Link style sensors publish only overall values (velocity RMS, acceleration RMS and peak, crest factor, temperature) every scalarPeriodS, computed from the same simulated signal, and no waveform',
    ),
  scalarPeriodS: z.number().min(0.1).max(60).default(1).describe('with output scalar: how often the overall values are updated, s'),
  energy: z
    .strictObject({
      periodS: z
        .number()
        .min(0.1)
        .max(60)
        .default(1)
        .describe('period of power, current, voltage, power factor and temperature readings, s'),
    })
    .prefault({})
    .describe('energy meter and temperature sensor'),
});

const securitySchema = z
  .strictObject({
    mode: z.enum(SECURITY_MODES).default('SignAndEncrypt').describe('OPC UA message security mode (None needs allowInsecure: true)'),
    policies: z
      .array(z.enum(SECURITY_POLICIES))
      .min(1)
      .refine((p) => new Set(p).size === p.length, 'must not repeat a policy')
      .optional()
      .describe(`OPC UA security policies offered (default: all of ${SECURITY_POLICIES.join(', ')})`),
    policy: z.enum(SECURITY_POLICIES).optional().describe('offer only this policy (shorthand for policies: [policy])'),
    allowAnonymous: z.boolean().default(false).describe('accept sessions without a user token (needs allowInsecure: true)'),
  })
  .refine((s) => !(s.policy !== undefined && s.policies !== undefined), { message: 'give policy or policies, not both', path: ['policy'] })
  .transform(
    (s): ServerSecurity => ({
      mode: s.mode,
      policies: s.policies ?? (s.policy ? [s.policy] : [...SECURITY_POLICIES]),
      allowAnonymous: s.allowAnonymous,
    }),
  );

/** A machine server's security: the mode, the policies it offers, whether anonymous sessions are accepted. */
export interface ServerSecurity {
  mode: SecurityModeName;
  policies: SecurityPolicyName[];
  allowAnonymous: boolean;
}

/**
 * What makes a machine server insecure: no message security, or sessions without a user.
 * Allowed only with `allowInsecure: true` on that machine (see validateMachineEntry).
 */
export function insecureServerSettings(security: ServerSecurity): string[] {
  const out: string[] = [];
  if (security.mode === 'None') out.push('opcua.security.mode None (messages neither signed nor encrypted)');
  if (security.allowAnonymous) out.push('opcua.security.allowAnonymous true (sessions without a user)');
  return out;
}

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name (A-Z, 0-9, _)');
const userSchema = z.strictObject({
  usernameEnv: envName.describe('environment variable holding the user name'),
  passwordEnv: envName.describe('environment variable holding the password (secrets never live in the fleet file)'),
});

const machineOpcuaSchema = z.strictObject({
  port: z
    .int()
    .min(1)
    .max(65_535)
    .optional()
    .describe("TCP port of this machine's server (default: fleet basePort + machine index; not with layout gateway)"),
  security: securitySchema.optional().describe('overrides the fleet security settings (not with layout gateway)'),
  users: z.array(userSchema).optional().describe('overrides the fleet users (not with layout gateway)'),
});

const CHANNEL_ID_RE = /^(DE|NDE)_(X|Y|Z)$/;
const replayChannelSchema = z.strictObject({
  file: z.string().min(1).describe("recorded file (relative paths are resolved from the fleet file's folder)"),
  format: z
    .enum(['f32', 'csv', 'wav'])
    .describe('f32: raw little-endian float32 in g; csv: one value per row (column selects); wav: PCM or float'),
  sampleRateHz: z.number().positive().optional().describe('sampling rate of the recording (required for f32 and csv; wav carries its own)'),
  column: z.int().min(0).default(0).describe('CSV column (0-based) or WAV channel'),
  scale: z.number().positive().default(1).describe('multiplier to g (WAV integer full scale maps to ±scale)'),
  blockSize: z.int().min(64).max(65_536).optional().describe('samples per block (default: 0.1 s worth)'),
});

const replaySchema = z.strictObject({
  channels: z
    .record(z.string().regex(CHANNEL_ID_RE, 'channel ids are DE_X ... NDE_Z'), replayChannelSchema)
    .refine((r) => Object.keys(r).length > 0, 'must name at least one channel')
    .describe('recording per channel id (DE_X, DE_Y, DE_Z, NDE_X, NDE_Y, NDE_Z), looped'),
  groundTruth: z
    .strictObject({
      state: z.enum(['healthy', 'degrading', 'failed']).describe('condition of the recorded machine'),
      faults: z
        .array(z.strictObject({ type: z.enum(FAULT_TYPES).describe('fault kind'), location: z.enum(LOCATIONS).describe('where') }))
        .default([])
        .describe('faults present in the recording'),
    })
    .optional()
    .describe("what the recording is known to show, reported as the machine's ground truth"),
});

export const machineSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9_-]+$/, 'must use only letters, digits, _ and -')
      .max(64)
      .describe('machine id used in Kafka keys and OPC UA names'),
    type: z.enum(MACHINE_TYPES).describe('what the motor drives'),
    identification: z
      .strictObject({
        manufacturer: z.string().min(1).describe('nameplate manufacturer'),
        model: z.string().min(1).describe('nameplate model'),
        serialNumber: z.string().min(1).describe('nameplate serial number'),
        yearOfConstruction: z
          .int()
          .min(1900)
          .max(2100)
          .optional()
          .describe('year the machine was built (OPC 40001-1 YearOfConstruction); omitted: not published'),
      })
      .describe('nameplate data published on the OPC UA server'),
    ratedPowerKw: z.number().positive().max(50_000).describe('rated mechanical output of the motor, kW'),
    nominalSpeedRpm: z
      .number()
      .positive()
      .max(60_000)
      .describe('shaft speed at rated load on line frequency, rpm (below the synchronous speed)'),
    lineFrequencyHz: z.union([z.literal(50), z.literal(60)]).describe('supply frequency, Hz'),
    lineVoltageV: z.number().positive().max(20_000).optional().describe('line-to-line voltage (default 400 V at 50 Hz, 460 V at 60 Hz)'),
    poles: z
      .int()
      .min(2)
      .max(48)
      .refine((p) => p % 2 === 0, 'must be even')
      .describe('motor pole count'),
    ratedEfficiency: z.number().gt(0.5).lt(1).optional().describe('efficiency at rated load (default: IE3-like curve by power)'),
    ratedPowerFactor: z.number().gt(0.3).lt(1).default(0.85).describe('power factor at rated load'),
    vanes: z.int().min(0).max(64).optional().describe('impeller vanes / fan blades (default: pump 6, fan and blower 8, others 0)'),
    ambientC: z.number().min(-40).max(60).default(25).describe('ambient temperature, °C'),
    operatingModes: z.array(modeSchema).min(1).describe('repeating schedule of speed/load segments'),
    rampS: z.number().min(0).max(600).default(10).describe('speed/load ramp between modes and at start/stop, wall seconds'),
    bearings: z
      .strictObject({ DE: bearingRef.describe('drive-end bearing'), NDE: bearingRef.describe('non-drive-end bearing') })
      .describe('bearings by catalogue name or geometry'),
    sensors: sensorsSchema.prefault({}).describe('vibration and energy sensors'),
    iso: z
      .strictObject({
        group: z
          .union([z.literal(1), z.literal(2)])
          .optional()
          .describe('ISO 20816-3 machine group (default: 1 above 300 kW, else 2)'),
        foundation: z.enum(['rigid', 'flexible']).default('rigid').describe('ISO 20816-3 support class'),
      })
      .prefault({})
      .describe('ISO 20816-3 classification used for zones and the default failure threshold'),
    baseline: z
      .strictObject({
        imbalanceMmS: z.number().min(0).max(50).default(0.7).describe('residual imbalance: 1X velocity RMS on the strongest axis, mm/s'),
        misalignmentMmS: z
          .number()
          .min(0)
          .max(50)
          .default(0.25)
          .describe('residual misalignment: 2X velocity RMS on the strongest (axial) axis, mm/s'),
        loosenessMmS: z.number().min(0).max(50).default(0.05).describe('residual looseness: velocity RMS of its harmonic family, mm/s'),
      })
      .prefault({})
      .describe('condition of the healthy machine (at nominal speed)'),
    faults: z.array(faultSchema).default([]).describe('faults that start and grow during each life of the machine'),
    sensorFaults: z
      .array(sensorFaultSchema)
      .default([])
      .describe(
        'failures of the measurement chain on a channel (physics/sensor-fault.ts): the machine is unchanged, its channel reports wrongly',
      ),
    acquisitionChanges: z
      .array(acquisitionChangeSchema)
      .default([])
      .describe(
        'changes of the acquisition common to every channel (physics/acquisition-change.ts: a sensor remounted, a channel re-ranged, a DAQ replaced): the machine is unchanged, every channel reports with another gain and bias',
      ),
    onFailure: z
      .strictObject({
        action: z.enum(['keep_running', 'trip']).default('keep_running').describe('what the machine does when a fault reaches failure'),
        autoRepairAfterS: duration
          .nullable()
          .default(null)
          .describe('wall seconds after failure at which the machine is repaired and a new life starts (null: never)'),
      })
      .prefault({})
      .describe('behaviour at failure'),
    timeAcceleration: z.number().positive().max(1e7).optional().describe('life seconds per wall second (overrides the fleet value)'),
    seed: z
      .int()
      .min(0)
      .max(2 ** 32 - 1)
      .optional()
      .describe('random seed (default: derived from the fleet seed and the id)'),
    opcua: machineOpcuaSchema.prefault({}).describe('OPC UA server of this machine'),
    allowInsecure: z
      .boolean()
      .default(false)
      .describe(
        "accept this machine's security mode None or anonymous sessions (refused otherwise; logged as a warning at every start when accepted)",
      ),
    replay: replaySchema.optional().describe('serve recorded signals instead of synthetic vibration'),
  })
  .superRefine((m, ctx) => {
    const syncRpm = (120 * m.lineFrequencyHz) / m.poles;
    const slip = 1 - m.nominalSpeedRpm / syncRpm;
    if (slip <= 0.001 || slip > 0.12) {
      ctx.addIssue({
        code: 'custom',
        path: ['nominalSpeedRpm'],
        message: `${m.nominalSpeedRpm} rpm gives a rated slip of ${(slip * 100).toFixed(2)} % against the synchronous ${syncRpm} rpm of a ${m.poles}-pole ${m.lineFrequencyHz} Hz motor (an induction motor needs 0.1–12 %)`,
      });
    }
    if (m.replay) {
      const sensed = new Set(m.sensors.vibration.flatMap((s) => s.axes.map((a) => `${s.location}_${a}`)));
      for (const [id, ch] of Object.entries(m.replay.channels)) {
        if (!sensed.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['replay', 'channels', id],
            message: `is not a channel of sensors.vibration (${[...sensed].join(', ')})`,
          });
        if (ch.format !== 'wav' && ch.sampleRateHz === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['replay', 'channels', id, 'sampleRateHz'],
            message: `is required for ${ch.format} recordings`,
          });
      }
    }
    const channels = new Set(m.sensors.vibration.flatMap((s) => s.axes.map((a) => `${s.location}_${a}`)));
    m.sensorFaults.forEach((f, i) => {
      if (!channels.has(f.channel))
        ctx.addIssue({
          code: 'custom',
          path: ['sensorFaults', i, 'channel'],
          message: `is not a channel of sensors.vibration (${[...channels].join(', ')})`,
        });
    });
    m.faults.forEach((f, i) => {
      if (f.type === 'misalignment' && f.location !== 'DE') {
        ctx.addIssue({
          code: 'custom',
          path: ['faults', i, 'location'],
          message: 'misalignment sits at the coupling: location must be DE',
        });
      }
    });
  });

export type MachineInput = z.input<typeof machineSchema>;
type MachineParsed = z.output<typeof machineSchema>;

const fleetSchema = z.strictObject({
  site: z.string().max(100).optional().describe('plant name shown on dashboards'),
  timeAcceleration: z
    .number()
    .positive()
    .max(1e7)
    .default(1)
    .describe('life seconds per wall second: faults grow this much faster than real time (the waveforms keep their physical sample rate)'),
  seed: z
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .default(1)
    .describe('fleet random seed'),
  opcua: z
    .strictObject({
      hostname: z.string().min(1).default('localhost').describe('host name the servers advertise'),
      basePort: z
        .int()
        .min(1)
        .max(65_000)
        .default(4840)
        .describe(
          'port of the first machine; machine i gets basePort + i unless it sets its own (layout gateway: the port of the gateway)',
        ),
      layout: z
        .enum(SERVER_LAYOUTS)
        .default('server-per-machine')
        .describe(
          'server-per-machine: each machine is an OPC UA server of its own (its own endpoint, port, certificate); gateway: one server on basePort serves every machine, one endpoint, one machine object per machine under Objects (and Machines), as plant gateways do',
        ),
      gatewayName: z
        .string()
        .regex(/^[A-Za-z0-9_-]+$/, 'must use only letters, digits, _ and -')
        .max(64)
        .default('gateway')
        .describe('layout gateway: the endpoint path (opc.tcp://host:basePort/pdm/<gatewayName>) and certificate folder of the gateway'),
      security: securitySchema.prefault({}).describe('default security of the servers'),
      users: z.array(userSchema).default([]).describe('default users, by environment variable names'),
    })
    .prefault({})
    .describe("defaults for the machines' OPC UA servers"),
  machines: z.array(z.unknown()).min(1).describe('the machines; each is validated on its own (see machineSchema)'),
});

// ---------------------------------------------------------------------------------------------
// Resolved machine

export interface ValidMachine
  extends Omit<MachineParsed, 'timeAcceleration' | 'seed' | 'opcua' | 'lineVoltageV' | 'ratedEfficiency' | 'vanes' | 'iso'> {
  lineVoltageV: number;
  ratedEfficiency: number;
  vanes: number;
  iso: { group: IsoGroup; foundation: IsoFoundation };
  timeAcceleration: number;
  seed: number;
  opcua: {
    hostname: string;
    /** The port of the server that serves this machine (its own, or the gateway's). */
    port: number;
    security: ServerSecurity;
    users: Array<{ usernameEnv: string; passwordEnv: string }>;
    layout: ServerLayout;
    /** The server that serves this machine: its own id, or the gateway's name (endpoint path and PKI folder). */
    serverName: string;
  };
  /** Where the entry came from: file name (for messages), its path as given (to resolve replay files), index in `machines`. */
  origin: { file: string; path: string; index: number };
}

export interface FleetDefaults {
  timeAcceleration: number;
  seed: number;
  hostname: string;
  basePort: number;
  layout: ServerLayout;
  gatewayName: string;
  security: ValidMachine['opcua']['security'];
  users: ValidMachine['opcua']['users'];
}

export interface LoadedFleet {
  site: string | undefined;
  machines: ValidMachine[];
  rejected: Array<{ index: number; id?: string; error: PdmError }>;
}

/** IE3-like rated efficiency by size: 85 % at 1 kW, 92 % at 11 kW, 95 % at 75 kW, 96 % at 200 kW. */
export function defaultRatedEfficiency(ratedPowerKw: number): number {
  return Math.min(0.98, 1 - 0.15 * Math.max(ratedPowerKw, 0.2) ** -0.25);
}

function defaultVanes(type: MachineParsed['type']): number {
  return type === 'pump' ? 6 : type === 'fan' || type === 'blower' ? 8 : 0;
}

/** FNV-1a over the fleet seed and the id: a stable per-machine seed. */
export function deriveSeed(fleetSeed: number, id: string): number {
  let h = (0x811c9dc5 ^ fleetSeed) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function resolveMachine(m: MachineParsed, index: number, file: string, d: FleetDefaults, path: string): ValidMachine {
  return {
    ...m,
    lineVoltageV: m.lineVoltageV ?? (m.lineFrequencyHz === 50 ? 400 : 460),
    ratedEfficiency: m.ratedEfficiency ?? defaultRatedEfficiency(m.ratedPowerKw),
    vanes: m.vanes ?? defaultVanes(m.type),
    iso: { group: m.iso.group ?? defaultIsoGroup(m.ratedPowerKw), foundation: m.iso.foundation },
    timeAcceleration: m.timeAcceleration ?? d.timeAcceleration,
    seed: m.seed ?? deriveSeed(d.seed, m.id),
    opcua: {
      hostname: d.hostname,
      port: d.layout === 'gateway' ? d.basePort : (m.opcua.port ?? d.basePort + index),
      security: m.opcua.security ?? d.security,
      users: m.opcua.users ?? d.users,
      layout: d.layout,
      serverName: d.layout === 'gateway' ? d.gatewayName : m.id,
    },
    origin: { file, path, index },
  };
}

// ---------------------------------------------------------------------------------------------
// Messages

/** Issues of a union name the branch that got furthest, not just "Invalid input". */
function flattenIssues(
  issues: readonly z.core.$ZodIssue[],
  prefix: readonly PropertyKey[] = [],
): Array<{ path: PropertyKey[]; message: string; keys?: string[] }> {
  const out: Array<{ path: PropertyKey[]; message: string; keys?: string[] }> = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const depth = (branch: readonly z.core.$ZodIssue[]) =>
        Math.max(...branch.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5)));
      const best = [...issue.errors].sort((a, b) => depth(b) - depth(a))[0];
      if (depth(best) > 0) {
        out.push(...flattenIssues(best, path));
        continue;
      }
      const expected = issue.errors.map((b) => b.map((i) => i.message.replace(/^Invalid input: /, '')).join('; ')).join(' or ');
      out.push({ path, message: `is invalid: ${expected}` });
      continue;
    }
    if (issue.code === 'unrecognized_keys') out.push({ path, message: 'unknown setting', keys: issue.keys });
    else out.push({ path, message: issue.message.replace(/^Invalid input: /, '') });
  }
  return out;
}

function describeIssues(source: string, issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[]): string[] {
  return flattenIssues(issues, prefix).map((p) => {
    const where = formatPath(p.path);
    if (p.keys)
      return `${source}: unknown setting ${p.keys.map((k) => (where === '(top level)' ? configKey(k) : `${where}.${configKey(k)}`)).join(', ')}`;
    return `${source}: ${where} ${escaped(p.message, 500)}`;
  });
}

// ---------------------------------------------------------------------------------------------
// Loading

/**
 * Validate the fleet's top level strictly (a bad top level throws), then each machine on its
 * own: bad entries land in `rejected` with an error naming the file, the index, the id and the
 * field; duplicate ids and ports reject the later entry.
 */
export function validateFleet(value: unknown, file: string): LoadedFleet {
  const source = basename(file);
  const top = fleetSchema.safeParse(value);
  if (!top.success) {
    const problems = describeIssues(source, top.error.issues, []);
    throw new PdmError('PDM_ERR_CONFIG_INVALID', problems.join('\n'), { file: source, problems });
  }
  const fleet = top.data;
  const defaults: FleetDefaults = {
    timeAcceleration: fleet.timeAcceleration,
    seed: fleet.seed,
    hostname: fleet.opcua.hostname,
    basePort: fleet.opcua.basePort,
    layout: fleet.opcua.layout,
    gatewayName: fleet.opcua.gatewayName,
    security: fleet.opcua.security,
    users: fleet.opcua.users,
  };
  const machines: ValidMachine[] = [];
  const rejected: LoadedFleet['rejected'] = [];
  const idOwner = new Map<string, number>();
  const portOwner = new Map<number, number>();
  fleet.machines.forEach((raw, index) => {
    const rawId =
      typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
    const reject = (problems: string[], field?: string) => {
      rejected.push({
        index,
        ...(rawId !== undefined ? { id: rawId } : {}),
        error: new PdmError('PDM_ERR_CONFIG_INVALID', problems.join('\n'), { file: source, index, id: rawId, field, problems }),
      });
    };
    const result = validateMachineEntry(raw, index, source, defaults, file);
    if (result instanceof PdmError) {
      rejected.push({ index, ...(rawId !== undefined ? { id: rawId } : {}), error: result });
      return;
    }
    const machine = result;
    const idClash = idOwner.get(machine.id);
    if (idClash !== undefined) {
      reject([`${source}: machines[${index}].id "${machine.id}" is already used by machines[${idClash}]`], 'id');
      return;
    }
    // A gateway's machines share its port by design.
    const portClash = machine.opcua.layout === 'gateway' ? undefined : portOwner.get(machine.opcua.port);
    if (portClash !== undefined) {
      reject(
        [
          `${source}: machines[${index}].opcua.port ${machine.opcua.port} is already used by machines[${portClash}] (machine "${machine.id}")`,
        ],
        'opcua.port',
      );
      return;
    }
    idOwner.set(machine.id, index);
    portOwner.set(machine.opcua.port, index);
    machines.push(machine);
  });
  return { site: fleet.site, machines, rejected };
}

/** One entry of `machines`: the resolved machine, or the error naming file, index, id and field. */
function validateMachineEntry(raw: unknown, index: number, source: string, defaults: FleetDefaults, path: string): ValidMachine | PdmError {
  const parsed = machineSchema.safeParse(raw);
  if (parsed.success && defaults.layout === 'gateway') {
    // One server serves them all: its port, security and users are the fleet's, not a machine's.
    const own = (['port', 'security', 'users'] as const).filter((k) => parsed.data.opcua[k] !== undefined);
    if (own.length > 0) {
      const field = `machines[${index}].opcua.${own[0]}`;
      const problems = own.map(
        (k) =>
          `${source}: machines[${index}].opcua.${k} (machine "${parsed.data.id}") is not allowed with opcua.layout gateway: one gateway server serves every machine, with the fleet's opcua.${k === 'port' ? 'basePort' : k}; remove it, or use layout server-per-machine`,
      );
      return new PdmError('PDM_ERR_CONFIG_INVALID', problems.join('\n'), { file: source, index, id: parsed.data.id, field, problems });
    }
  }
  if (parsed.success) {
    const machine = resolveMachine(parsed.data, index, source, defaults, path);
    // After resolving: the insecure setting may come from the fleet's defaults, but only this
    // machine's own allowInsecure accepts it (one machine's exception is not the plant's).
    const insecure = insecureServerSettings(machine.opcua.security);
    if (insecure.length === 0 || machine.allowInsecure) return machine;
    const problem = `${source}: machines[${index}] (machine "${machine.id}"): ${insecure.join(' and ')} refused: set machines[${index}].allowInsecure: true to accept it for this machine, or use SignAndEncrypt with users`;
    return new PdmError('PDM_ERR_CONFIG_INVALID', problem, {
      file: source,
      index,
      id: machine.id,
      field: 'allowInsecure',
      problems: [problem],
    });
  }
  const rawId =
    typeof raw === 'object' && raw !== null && typeof (raw as { id?: unknown }).id === 'string' ? (raw as { id: string }).id : undefined;
  // The id failed validation, so it may be anything: escaped like the keys.
  const named = rawId !== undefined ? ` (machine "${escaped(rawId, 64)}")` : '';
  const problems = describeIssues(source, parsed.error.issues, ['machines', index]).map((p) => p + named);
  const first = parsed.error.issues[0];
  const field = first ? formatPath(first.code === 'unrecognized_keys' ? [...first.path, first.keys[0]] : first.path) : undefined;
  return new PdmError('PDM_ERR_CONFIG_INVALID', problems.join('\n'), { file: source, index, id: rawId, field, problems });
}

/** Read a fleet file (YAML or JSON) and validate it; see `validateFleet`. */
export function loadFleet(file: string): LoadedFleet {
  const passThrough = z.unknown();
  const value = loadConfigFile(passThrough, file);
  return validateFleet(value, file);
}

/** Whole-file strictness: throws a PdmError listing every rejected machine when any is bad. */
export function loadFleetStrict(file: string): ValidMachine[] {
  const fleet = loadFleet(file);
  if (fleet.rejected.length > 0) {
    const problems = fleet.rejected.flatMap((r) => r.error.message.split('\n'));
    throw new PdmError('PDM_ERR_CONFIG_INVALID', problems.join('\n'), { file: basename(file), problems });
  }
  return fleet.machines;
}

/** Validate a fault given at run time (CLI, control topic); `source` names where it came from. */
export function parseFaultSpec(value: unknown, source: string): FaultSpec {
  const parsed = faultSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = describeIssues(source, parsed.error.issues, []);
  throw new PdmError('PDM_ERR_INPUT_VALUE', problems.join('\n'), { source, problems });
}

/** Validate one machine entry outside a file (tests, tools); throws the error `validateFleet` would record. */
export function parseMachine(
  value: unknown,
  opts: { source?: string; index?: number; defaults?: Partial<FleetDefaults> } = {},
): ValidMachine {
  const result = validateMachineEntry(
    value,
    opts.index ?? 0,
    opts.source ?? 'machine',
    { ...DEFAULTS, ...opts.defaults },
    opts.source ?? 'machine',
  );
  if (result instanceof PdmError) throw result;
  return result;
}

const DEFAULTS: FleetDefaults = {
  timeAcceleration: 1,
  seed: 1,
  hostname: 'localhost',
  basePort: 4840,
  layout: 'server-per-machine',
  gatewayName: 'gateway',
  security: { mode: 'SignAndEncrypt', policies: [...SECURITY_POLICIES], allowAnonymous: false },
  users: [],
};
