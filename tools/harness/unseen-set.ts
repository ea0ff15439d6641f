/**
 * Recordings the diagnosis has not been built on (issue 13, part 1), made from physics and the
 * shared data, regenerated in memory from fixed seeds (nothing is stored):
 *
 * 1. `resampled`: every shared 12 kHz drive-end record (SKF bearings, 0.007-0.021 in) as a 24 or
 *    48 kHz sensor would have recorded it: anti-imaging resampling (models/dsp/resample.ts) plus
 *    the content above 6 kHz such a sensor sees (high-band.ts: a resonance rung by the record's
 *    own impacts, the rig's broadband as record 97 shows it at 48 kHz, the sensor floor). The
 *    healthy record 97 goes the same way (brought to 12 kHz first), and natively at 48 kHz and
 *    resampled to 24 kHz.
 * 2. `fan-end`: every shared record's fan-end channel (12 kHz), a weak path to the faulty
 *    drive-end bearing: analysed with the drive-end bearing's geometry (6205: is the fault
 *    named through the structure?) and with the fan-end bearing's own (6203: healthy, so any
 *    other fault type is a false alarm).
 * 3. `simulated`: the simulator's physics (VibrationModel's shaft, electrical and broadband
 *    content and impact trains, GroupRenderer's resonators) at 48 kHz, with resonances other
 *    than the simulator's own (7-11 and 12-18 kHz) and two paths: the sensor on the faulty
 *    bearing's housing, and the one at the other end of the machine (the simulator's
 *    cross-machine transmission, 8 %). Faults: outer race, inner race, rolling element and
 *    cage, in the 6205 (drive end) or the 6203 (non-drive end), at severity 0.5 (half the way
 *    to ISO zone D, as calibrated by the simulator); healthy machines on every channel.
 * 4. `other-bearing` (added after the changes the set led to, so nothing was tuned on it; not in
 *    the default parts): another bearing type and short records, as a rig like the IMS one
 *    records them: two machines with a Rexnord ZA-2115 (16 rollers, 15° contact) at both ends,
 *    2 950 and 1 470 r/min, the same physics and other resonances at 48 kHz brought to 20 kHz
 *    (models/dsp/resample.ts), one record of 20 480 samples (1.024 s: 24-50 revolutions) per
 *    case. Every fault type in the drive-end bearing, on its housing and at the other end;
 *    healthy machines on both channels.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Location } from '../../ingest/simulator/fleet-config.ts';
import { GroupRenderer, type ModeSpec, modesEnergy } from '../../ingest/simulator/physics/block-renderer.ts';
import { calibrateFault } from '../../ingest/simulator/physics/calibration.ts';
import { mixSeed, Xoshiro128 } from '../../ingest/simulator/physics/prng.ts';
import { type BlockConditions, positionIndex, VibrationModel } from '../../ingest/simulator/physics/vibration-model.ts';
import { resample } from '../../models/dsp/resample.ts';
import { CWRU_TRUTH, type CwruRecord } from './cwru-records.ts';
import { fasterSensor } from './high-band.ts';
import { machine } from './simulator-physics.ts';

export type Truth = 'outer_race' | 'inner_race' | 'rolling_element' | 'cage' | 'none';

export interface UnseenCase {
  /** e.g. "105 IR007_0 DE 48 kHz". */
  id: string;
  /** The table row it counts in (rate and path). */
  group: string;
  truth: Truth;
  /** For an analysis at a bearing other than the faulty one: naming `truth` is "seen through", not a false alarm. */
  seenThrough?: Truth;
  sampleRateHz: number;
  shaftHz: number;
  /** Catalogue name of the bearing the diagnosis is given. */
  bearing: string;
  samples: Float32Array;
}

const TRUTH = CWRU_TRUTH;

export interface UnseenOptions {
  /** Repository root (the shared data is at ../shared/data from it). */
  root: string;
  /** Which parts; default all. */
  parts?: ReadonlyArray<'resampled' | 'fan-end' | 'simulated' | 'other-bearing'>;
  /** CWRU record numbers to use (default: all SKF records, 0.007-0.021 in, and 97). */
  records?: readonly number[];
  /** Rates for the resampled part; default 12 (as recorded, for comparison), 24 and 48 kHz. */
  ratesHz?: readonly number[];
  /** Simulated machines (default 3) and fault types (default all four). */
  machines?: number;
  faults?: readonly Exclude<Truth, 'none'>[];
  /** Seconds per simulated record; default 10. */
  simulatedSeconds?: number;
}

async function samplesOf(root: string, file: string): Promise<Float32Array> {
  const bytes = await readFile(join(root, '..', 'shared', 'data', 'cwru', file.replace(/^cwru\//, '')));
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The SKF records (0.007-0.021 in) and the healthy 97: the 0.028 in faults sit in NTN bearings of another geometry. */
function skf(r: CwruRecord): boolean {
  return r.fault_location === 'normal' || (r.fault_diameter_in > 0 && r.fault_diameter_in <= 0.021);
}

/** Every case of the set, one at a time (each holds up to 10 s at 48 kHz). */
export async function* unseenCases(o: UnseenOptions): AsyncGenerator<UnseenCase> {
  const parts = o.parts ?? ['resampled', 'fan-end', 'simulated'];
  const meta = JSON.parse(await readFile(join(o.root, '..', 'shared', 'data', 'cwru', 'metadata.json'), 'utf8')) as {
    records: CwruRecord[];
  };
  const records = meta.records.filter((r) => skf(r) && (o.records === undefined || o.records.includes(r.cwru_file_number)));
  if (parts.includes('resampled')) yield* resampledCases(o, records);
  if (parts.includes('fan-end')) yield* fanEndCases(o, records);
  if (parts.includes('simulated')) yield* simulatedCases(o);
  if (parts.includes('other-bearing')) yield* otherBearingCases(o);
}

async function* resampledCases(o: UnseenOptions, records: CwruRecord[]): AsyncGenerator<UnseenCase> {
  const rates = o.ratesHz ?? [12_000, 24_000, 48_000];
  for (const r of records.filter((x) => x.sensor_position === 'DE')) {
    const raw = await samplesOf(o.root, r.file);
    const shaftHz = r.shaft_speed_rpm / 60;
    const label = `${r.cwru_file_number} ${r.cwru_label}`;
    const truth = TRUTH[r.fault_location];
    // The healthy record is at 48 kHz: to 12 kHz first, so that it goes the faults' way.
    const at12k = r.sampling_rate_hz === 12_000 ? raw : Float32Array.from(resample(raw, 1, r.sampling_rate_hz / 12_000));
    for (const rate of rates) {
      if (rate === 12_000) {
        // The records as they are (97: brought to 12 kHz), for comparison.
        yield {
          id: `${label} DE 12 kHz`,
          group: 'CWRU DE as recorded (12 kHz)',
          truth,
          sampleRateHz: rate,
          shaftHz,
          bearing: '6205-2RS',
          samples: at12k,
        };
        continue;
      }
      const factor = rate / 12_000;
      const rng = new Xoshiro128(mixSeed(r.cwru_file_number, rate));
      const samples = fasterSensor(at12k, 12_000, factor, {
        // A resonance between 6.5 kHz and 0.4 fs (the sensor's usable band), lightly damped.
        resonanceHz: 6500 + (0.4 * rate - 6500) * rng.uniform(),
        damping: 0.02 + 0.03 * rng.uniform(),
        impactShare: 0.3 + 0.7 * rng.uniform(),
        seed: mixSeed(r.cwru_file_number, rate, 7),
      });
      yield {
        id: `${label} DE ${rate / 1000} kHz`,
        group: `CWRU DE resampled to ${rate / 1000} kHz`,
        truth,
        sampleRateHz: rate,
        shaftHz,
        bearing: '6205-2RS',
        samples,
      };
    }
    if (r.sampling_rate_hz === 48_000) {
      yield {
        id: `${label} DE 48 kHz (native)`,
        group: 'CWRU healthy 97 native',
        truth,
        sampleRateHz: 48_000,
        shaftHz,
        bearing: '6205-2RS',
        samples: raw,
      };
      yield {
        id: `${label} DE 24 kHz (from 48)`,
        group: 'CWRU healthy 97 native',
        truth,
        sampleRateHz: 24_000,
        shaftHz,
        bearing: '6205-2RS',
        samples: Float32Array.from(resample(raw, 1, 2)),
      };
    }
  }
}

async function* fanEndCases(o: UnseenOptions, records: CwruRecord[]): AsyncGenerator<UnseenCase> {
  for (const r of records.filter((x) => x.sensor_position === 'FE')) {
    const samples = await samplesOf(o.root, r.file);
    const shaftHz = r.shaft_speed_rpm / 60;
    const label = `${r.cwru_file_number} ${r.cwru_label} FE ${r.sampling_rate_hz / 1000} kHz`;
    const truth = TRUTH[r.fault_location];
    yield {
      id: `${label} as 6205`,
      group: 'CWRU FE channel, DE bearing (6205): weak path',
      truth,
      sampleRateHz: r.sampling_rate_hz,
      shaftHz,
      bearing: '6205-2RS',
      samples,
    };
    yield {
      id: `${label} as 6203`,
      group: 'CWRU FE channel, FE bearing (6203, healthy)',
      truth: 'none',
      seenThrough: truth,
      sampleRateHz: r.sampling_rate_hz,
      shaftHz,
      bearing: '6203-2RS',
      samples,
    };
  }
}

/** The simulated machines: seed and nominal speed (a 4-pole pump, a 2-pole fan, a 6-pole compressor drive). */
const MACHINES = [
  { seed: 21, rpm: 1480, poles: 4 },
  { seed: 22, rpm: 2960, poles: 2 },
  { seed: 23, rpm: 985, poles: 6 },
] as const;
const SIM_RATE = 48_000;
const SIM_BLOCK = 4800;
const SEVERITY = 0.5;
/** ISO 20816-3 group 2, rigid: the C/D boundary the simulator calibrates a fault's failure to. */
const ZONE_D_MM_S = 4.5;

/** Resonances other than the simulator's (its main ones ring at 2.5-3.6 and 4.8-7 kHz). */
function otherModes(rng: Xoshiro128): ModeSpec[] {
  const span = (lo: number, hi: number) => lo + (hi - lo) * rng.uniform();
  return [
    { freqHz: span(450, 800), damping: 0.08, gain: 0.5 },
    { freqHz: span(1500, 2500), damping: 0.04, gain: 0.3 },
    { freqHz: span(7000, 11_000), damping: 0.03, gain: 1.0 },
    { freqHz: span(12_000, 18_000), damping: 0.02, gain: 0.7 },
  ];
}

/** A simulated machine of the set with its bearings, and the conditions it runs at (at load, 50 Hz supply). */
function simulatedMachine(m: { seed: number; rpm: number; poles: number }, bearings: { DE: string; NDE: string }) {
  const model = new VibrationModel(machine({ id: `unseen-${m.seed}`, seed: m.seed, nominalSpeedRpm: m.rpm, poles: m.poles, bearings }));
  const shaftHz = m.rpm / 60;
  // The slip the nominal speed implies.
  const slip = 1 - m.rpm / (6000 / m.poles);
  const cond: BlockConditions = { shaftHz0: shaftHz, shaftHz1: shaftHz, load: 0.9, supplyHz: 50, polePassHz: m.poles * slip * 50 };
  return { model, shaftHz, cond };
}

async function* simulatedCases(o: UnseenOptions): AsyncGenerator<UnseenCase> {
  const faults = o.faults ?? (['outer_race', 'inner_race', 'rolling_element', 'cage'] as const);
  const seconds = o.simulatedSeconds ?? 10;
  for (const m of MACHINES.slice(0, o.machines ?? MACHINES.length)) {
    const { model, shaftHz, cond } = simulatedMachine(m, { DE: '6205-2RS', NDE: '6203-2RS' });
    const bearingAt = (l: Location) => (l === 'DE' ? '6205-2RS' : '6203-2RS');
    const label = `sim ${m.seed} (${m.rpm} rpm)`;
    // Healthy: every channel with its own bearing.
    const healthy = render(model, ['DE', 'NDE'], cond, null, seconds, m.seed);
    for (const [i, l] of (['DE', 'NDE'] as const).entries())
      yield {
        id: `${label} healthy ${l}_Y`,
        group: 'simulated 48 kHz, healthy',
        truth: 'none',
        sampleRateHz: SIM_RATE,
        shaftHz,
        bearing: bearingAt(l),
        samples: healthy[i],
      };
    for (const type of faults) {
      for (const at of ['DE', 'NDE'] as const) {
        const other: Location = at === 'DE' ? 'NDE' : 'DE';
        const [own, far] = render(model, [at, other], cond, { type, location: at }, seconds, mixSeed(m.seed, type.length, at.length));
        const base = { truth: type, sampleRateHz: SIM_RATE, shaftHz, bearing: bearingAt(at) };
        yield { ...base, id: `${label} ${type} ${at} at ${at}_Y`, group: 'simulated 48 kHz, on the faulty bearing', samples: own };
        yield { ...base, id: `${label} ${type} ${at} at ${other}_Y`, group: 'simulated 48 kHz, weak path (other end)', samples: far };
      }
    }
  }
}

/** The other bearing type's machines: seed, speed and poles (a 2-pole fan, a 4-pole pump). */
const OTHER_BEARING_MACHINES = [
  { seed: 31, rpm: 2950, poles: 2 },
  { seed: 32, rpm: 1470, poles: 4 },
] as const;
const OTHER_BEARING = 'ZA-2115';
const SHORT_RATE = 20_000;
const SHORT_SAMPLES = 20_480;

async function* otherBearingCases(o: UnseenOptions): AsyncGenerator<UnseenCase> {
  const faults = o.faults ?? (['outer_race', 'inner_race', 'rolling_element', 'cage'] as const);
  for (const m of OTHER_BEARING_MACHINES.slice(0, o.machines ?? OTHER_BEARING_MACHINES.length)) {
    const { model, shaftHz, cond } = simulatedMachine(m, { DE: OTHER_BEARING, NDE: OTHER_BEARING });
    // 2 s at 48 kHz, brought to 20 kHz; the record is taken from the middle, clear of the resampler's edges.
    const short = (x: Float32Array) => {
      const y = resample(x, SHORT_RATE / 1000, SIM_RATE / 1000);
      const from = Math.floor((y.length - SHORT_SAMPLES) / 2);
      return Float32Array.from(y.subarray(from, from + SHORT_SAMPLES));
    };
    const label = `sim ${m.seed} (${m.rpm} rpm, ${OTHER_BEARING}, 20 kHz, 1.024 s)`;
    const base = { sampleRateHz: SHORT_RATE, shaftHz, bearing: OTHER_BEARING };
    const healthy = render(model, ['DE', 'NDE'], cond, null, 2, m.seed);
    for (const [i, l] of (['DE', 'NDE'] as const).entries())
      yield {
        ...base,
        id: `${label} healthy ${l}_Y`,
        group: `${OTHER_BEARING}, 20 kHz, 1.024 s, healthy`,
        truth: 'none',
        samples: short(healthy[i]),
      };
    for (const type of faults) {
      const [own, far] = render(model, ['DE', 'NDE'], cond, { type, location: 'DE' }, 2, mixSeed(m.seed, type.length, 2));
      yield {
        ...base,
        truth: type,
        id: `${label} ${type} DE at DE_Y`,
        group: `${OTHER_BEARING}, 20 kHz, 1.024 s, on the faulty bearing`,
        samples: short(own),
      };
      yield {
        ...base,
        truth: type,
        id: `${label} ${type} DE at NDE_Y`,
        group: `${OTHER_BEARING}, 20 kHz, 1.024 s, weak path (other end)`,
        samples: short(far),
      };
    }
  }
}

/** Renders `seconds` of the Y axis at `locations` through the simulator's physics with other resonances. */
function render(
  model: VibrationModel,
  locations: readonly Location[],
  cond: BlockConditions,
  fault: { type: Exclude<Truth, 'none'>; location: Location } | null,
  seconds: number,
  seed: number,
): Float32Array[] {
  const positions = locations.map((l) => positionIndex(l, 'Y'));
  const rng = new Xoshiro128(mixSeed(model.machine.seed, 0x0e5e));
  const allModes = [0, 1, 2, 3, 4, 5].map(() => otherModes(rng));
  const modes = positions.map((p) => allModes[p]);
  const r = new GroupRenderer({ sampleRateHz: SIM_RATE, blockSize: SIM_BLOCK, modes, maxHalfOrder: model.maxHalfOrder, seed });
  const drives = [];
  const sources = [];
  if (fault !== null) {
    const metric = { kind: 'velocity' as const, thresholdMmS: ZONE_D_MM_S, bandLowHz: 10, bandHighHz: 1000 };
    const scale = calibrateFault(model, fault, metric, cond, mixSeed(seed, 0xca1b)).scale;
    drives.push({ type: fault.type, location: fault.location, severity: SEVERITY, scale });
    sources.push(model.createSource(fault.type, fault.location, positions, mixSeed(seed, 0x1a)));
  }
  model.fill(r, positions, cond, drives, sources);
  // The broadband drive was scaled to the simulator's own modes: rescale it to these, so that
  // the healthy broadband level (g RMS) stays the simulator's.
  positions.forEach((p, c) => {
    r.structSigma[c] *= Math.sqrt(modesEnergy(model.modesFor(p, SIM_RATE), SIM_RATE) / modesEnergy(modes[c], SIM_RATE));
  });
  const blocks = Math.ceil((seconds * SIM_RATE) / SIM_BLOCK);
  const out = positions.map(() => new Float32Array(blocks * SIM_BLOCK));
  const buf = positions.map(() => new Float32Array(SIM_BLOCK));
  // Two blocks of warm-up: the resonators settle.
  for (let b = -2; b < blocks; b++) {
    r.render(buf);
    if (b >= 0) for (let c = 0; c < positions.length; c++) out[c].set(buf[c], b * SIM_BLOCK);
  }
  return out;
}
