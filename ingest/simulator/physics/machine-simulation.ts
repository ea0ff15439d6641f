/**
 * One simulated machine: vibration blocks per channel, ~1 Hz energy readings and the ground
 * truth of its faults, all as functions of wall time (ms since the epoch).
 *
 * Time has two clocks. Wall time drives the waveform (block `seq` of a channel covers global
 * samples [seq·n, (seq+1)·n), i.e. starts at seq·n/fs seconds since the epoch), the operating
 * schedule and the temperatures. Life time drives degradation: it runs `timeAcceleration` times
 * faster than wall time while the machine runs, and restarts at 0 when the machine is repaired.
 *
 * Channels with the same sample rate and block size are rendered together (shared shaft phase,
 * shared bearing impacts seen by every axis) and kept until each channel has taken its copy, so
 * channels may be read in any interleaving. Blocks normally come in increasing `seq`; a jump
 * (restart, stall) just continues the phases from where they were — the gap is unobservable —
 * and an old block that is no longer cached is re-rendered from the current state.
 *
 * Deterministic given the seed and the sequence of calls. No I/O.
 */

import { PdmError } from '../../../common/errors.ts';
import { ISO_BAND_HIGH_HZ, isoBandLowHz, zoneBoundaries } from '../../../models/vibration/iso20816.ts';
import { BEARING_FAULTS, type FaultSpec, type FaultType, type Location, type ValidMachine } from '../fleet-config.ts';
import type { ChannelSpec, EnergyReading, MachineControl, MachineSignalSource } from '../signal-source.ts';
import { applyAcquisitionChanges } from './acquisition-change.ts';
import type { GroupRenderer, ImpulseSource } from './block-renderer.ts';
import { calibrateFault, type FailureMetric } from './calibration.ts';
import { DegradationPath } from './degradation.ts';
import {
  BEARING_TIME_CONSTANT_S,
  FRICTION_AT_FAILURE,
  lag,
  lineCurrent,
  MotorModel,
  type MotorPoint,
  WINDING_TIME_CONSTANT_S,
} from './motor.ts';
import { OperatingSchedule } from './operating-schedule.ts';
import { hashGaussian, mixSeed } from './prng.ts';
import { SensorFaultInjector } from './sensor-fault.ts';
import { type BlockConditions, type FaultDrive, positionIndex, VibrationModel } from './vibration-model.ts';

export type { ChannelSpec, EnergyReading } from '../signal-source.ts';

export type Health = 'healthy' | 'degrading' | 'failed';

export interface FaultTruth {
  type: FaultType;
  location: Location;
  onsetLifeS: number;
  /** 0 before onset; 1 = failure threshold reached. */
  severity: number;
  /** Life second at which this fault reaches failure on its realised path. */
  failureLifeS: number | null;
  /** Onset + configured time to failure (the path wanders around it and fails at or just before it). */
  nominalFailureLifeS: number;
  /** Wall time of onset / failure (projected if in the future, assuming the machine keeps running); null if never. */
  onsetAtMs: number | null;
  failureAtMs: number | null;
  health: Health;
  injected: boolean;
}

export interface MachineTruth {
  machine: string;
  timeMs: number;
  lifeS: number;
  /** Index of the life (0 until the first repair). */
  life: number;
  state: 'healthy' | 'degrading' | 'failed' | 'stopped';
  health: Health;
  running: boolean;
  mode: string;
  faults: FaultTruth[];
  /** When this life's failure happened (null while not failed). */
  failedAtMs: number | null;
}

export interface MachineEnergyReading extends EnergyReading {
  windingTemperatureC: number;
  bearingTemperatureC: { DE: number; NDE: number };
  efficiency: number;
  slipPct: number;
  supplyHz: number;
  frictionKw: number;
}

interface ActiveFault {
  spec: FaultSpec;
  path: DegradationPath;
  scale: number;
  injected: boolean;
  seed: number;
}

interface Life {
  index: number;
  startMs: number;
  initialLifeS: number;
  faults: ActiveFault[];
  failedAtMs: number | null;
  failureHandled: boolean;
  repairAtMs: number | null;
}

interface CacheEntry {
  buffers: Float32Array[];
  /** Bit c set once channel c of the group has taken its copy. */
  taken: number;
}

interface RenderGroup {
  sampleRateHz: number;
  blockSize: number;
  positions: number[];
  /** Absent in a copy that does not render (SimulationOptions.renders). */
  renderer: GroupRenderer | undefined;
  lifeIndex: number;
  faults: ActiveFault[];
  drives: FaultDrive[];
  sources: Array<ImpulseSource | null>;
  lastSeq: number;
  cache: Map<number, CacheEntry>;
  pool: Float32Array[][];
  allTaken: number;
}

/** Most blocks kept per group for channels that lag behind (a catch-up burst is ≤ 50 by default). */
const MAX_CACHED_BLOCKS = 64;
/** Thermal integration step, s, and the most steps taken before a long gap is treated as settled (≫ time constants). */
const THERMAL_STEP_S = 5;
const MAX_THERMAL_STEPS = 2000;

export interface SimulationOptions {
  /** Wall time at which life 0 starts and the machine is running (ms since the epoch). */
  startTimeMs: number;
  /** Life already accumulated at startTimeMs (continue a machine after a simulator restart). */
  initialLifeS?: number;
  /**
   * false: this copy never renders vibration (a physics thread renders it; this copy answers
   * energy, truth and the run signal), so its renderers and their buffers are not built. Default true.
   */
  renders?: boolean;
}

export class MachineSimulation implements MachineSignalSource, MachineControl {
  readonly machine: ValidMachine;
  readonly channels: ChannelSpec[];
  readonly model: VibrationModel;
  readonly motor: MotorModel;
  readonly #schedule: OperatingSchedule;
  readonly #startMs: number;
  readonly #accel: number;
  readonly #lives: Life[] = [];
  /** Run/stop transitions in time order; the machine runs before the first. */
  readonly #events: Array<{ atMs: number; running: boolean }> = [];
  readonly #groups: RenderGroup[] = [];
  readonly #channelGroup: Array<{ group: RenderGroup; index: number }> = [];
  readonly #channelIndex = new Map<string, number>();
  readonly #scales = new Map<string, number>();
  /** Sensor faults by channel index (the measurement chain, after the physics). */
  readonly #sensorFaults = new Map<number, SensorFaultInjector[]>();
  readonly #calibrationConditions: BlockConditions;
  #thermal: { atMs: number; winding: number; bearing: { DE: number; NDE: number } } | null = null;
  #faultCounter = 0;

  constructor(machine: ValidMachine, opts: SimulationOptions) {
    if (!Number.isFinite(opts.startTimeMs))
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `MachineSimulation(${machine.id}): startTimeMs must be a finite number, got ${opts.startTimeMs}`,
        { machine: machine.id },
      );
    this.machine = machine;
    this.model = new VibrationModel(machine);
    this.motor = new MotorModel(machine);
    this.#schedule = new OperatingSchedule(machine.operatingModes, machine.rampS);
    this.#startMs = opts.startTimeMs;
    this.#accel = machine.timeAcceleration;

    const load = this.#schedule.meanLoadPct() / 100;
    const p = this.motor.point(undefined, load, 0, true);
    this.#calibrationConditions = {
      shaftHz0: machine.nominalSpeedRpm / 60,
      shaftHz1: machine.nominalSpeedRpm / 60,
      load,
      supplyHz: machine.lineFrequencyHz,
      polePassHz: machine.poles * p.slip * machine.lineFrequencyHz,
    };

    this.channels = [];
    for (const sensor of machine.sensors.vibration) {
      let group = this.#groups.find((g) => g.sampleRateHz === sensor.sampleRateHz && g.blockSize === sensor.blockSize);
      if (!group) {
        group = {
          sampleRateHz: sensor.sampleRateHz,
          blockSize: sensor.blockSize,
          positions: [],
          renderer: undefined,
          lifeIndex: -1,
          faults: [],
          drives: [],
          sources: [],
          lastSeq: -1,
          cache: new Map(),
          pool: [],
          allTaken: 0,
        };
        this.#groups.push(group);
      }
      for (const axis of sensor.axes) {
        const id = `${sensor.location}_${axis}`;
        this.#channelIndex.set(id, this.channels.length);
        this.channels.push({
          id,
          location: sensor.location,
          axis,
          sampleRateHz: sensor.sampleRateHz,
          blockSize: sensor.blockSize,
          units: 'g',
        });
        this.#channelGroup.push({ group, index: group.positions.length });
        group.positions.push(positionIndex(sensor.location, axis));
      }
    }
    for (const [i, f] of machine.sensorFaults.entries()) {
      const ci = this.#channelIndex.get(f.channel);
      if (ci === undefined) continue; // validated in fleet-config
      const injector = new SensorFaultInjector(
        f,
        this.channels[ci].sampleRateHz,
        machine.lineFrequencyHz,
        mixSeed(machine.seed, 0x5e45, i),
      );
      this.#sensorFaults.set(ci, [...(this.#sensorFaults.get(ci) ?? []), injector]);
    }
    this.#groups.forEach((g, i) => {
      if (opts.renders === false) return;
      g.renderer = this.model.createRenderer(g.positions, g.sampleRateHz, g.blockSize, mixSeed(machine.seed, 0x9e37, i));
      g.allTaken = (1 << g.positions.length) - 1;
    });

    this.#lives.push(this.#newLife(0, opts.startTimeMs, opts.initialLifeS ?? 0));
  }

  // -------------------------------------------------------------------------------------------
  // Vibration

  renderBlock(channelId: string, seq: number, out: Float32Array): void {
    const ci = this.#channelIndex.get(channelId);
    if (ci === undefined) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `machine ${this.machine.id}: no channel "${channelId}" (channels: ${this.channels.map((c) => c.id).join(', ')})`,
        { machine: this.machine.id, channelId },
      );
    }
    const { group, index } = this.#channelGroup[ci];
    if (!group.renderer)
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `machine ${this.machine.id}: this copy of the simulation does not render (renders: false); its blocks come from a physics thread`,
        { machine: this.machine.id },
      );
    if (!Number.isSafeInteger(seq) || seq < 0)
      throw new PdmError('PDM_ERR_INPUT_VALUE', `machine ${this.machine.id}: block seq must be a non-negative integer, got ${seq}`, {
        machine: this.machine.id,
        seq,
      });
    if (out.length < group.blockSize)
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `machine ${this.machine.id}: output buffer holds ${out.length} samples, channel ${channelId} needs ${group.blockSize}`,
        { machine: this.machine.id },
      );
    let entry = group.cache.get(seq);
    if (!entry) entry = this.#renderGroupBlock(group, group.renderer, seq);
    out.set(entry.buffers[index]);
    for (const f of this.#sensorFaults.get(ci) ?? []) f.apply(out, seq, group.blockSize);
    applyAcquisitionChanges(this.machine.acquisitionChanges, out, seq, group.blockSize, group.sampleRateHz);
    entry.taken |= 1 << index;
    if (entry.taken === group.allTaken) {
      group.cache.delete(seq);
      group.pool.push(entry.buffers);
    }
  }

  #renderGroupBlock(group: RenderGroup, renderer: GroupRenderer, seq: number): CacheEntry {
    const fs = group.sampleRateHz;
    const n = group.blockSize;
    const t0 = (seq * n * 1000) / fs;
    const t1 = ((seq + 1) * n * 1000) / fs;
    this.#advanceTo(t1);
    const life = this.#lifeAt(t0);
    this.#syncSources(group, life);

    const a = this.#operatingPoint(t0);
    const b = this.#operatingPoint(t1);
    const mid = this.#operatingPoint(0.5 * (t0 + t1));
    const lifeS = this.#lifeSecondsAt(life, 0.5 * (t0 + t1));
    for (let i = 0; i < group.faults.length; i++) group.drives[i].severity = group.faults[i].path.severityAt(lifeS);
    const cond: BlockConditions = {
      shaftHz0: a.point.speedRpm / 60,
      shaftHz1: b.point.speedRpm / 60,
      load: mid.load,
      supplyHz: mid.point.supplyHz,
      polePassHz: this.machine.poles * mid.point.slip * mid.point.supplyHz,
    };
    this.model.fill(renderer, group.positions, cond, group.drives, group.sources);

    const buffers = group.pool.pop() ?? group.positions.map(() => new Float32Array(n));
    renderer.render(buffers);
    const entry: CacheEntry = { buffers, taken: 0 };
    group.cache.set(seq, entry);
    if (seq > group.lastSeq) group.lastSeq = seq;
    if (group.cache.size > MAX_CACHED_BLOCKS) {
      // A channel that is never read must not hold blocks forever: drop the oldest.
      let oldest = Number.POSITIVE_INFINITY;
      for (const k of group.cache.keys()) if (k < oldest) oldest = k;
      group.cache.delete(oldest);
    }
    return entry;
  }

  /** Keep the group's impact trains in step with the faults of the current life. */
  #syncSources(group: RenderGroup, life: Life): void {
    if (group.lifeIndex !== life.index) {
      group.lifeIndex = life.index;
      group.faults = [];
      group.drives = [];
      group.sources = [];
    }
    for (let i = group.faults.length; i < life.faults.length; i++) {
      const f = life.faults[i];
      group.faults.push(f);
      group.drives.push({ type: f.spec.type, location: f.spec.location, severity: 0, scale: f.scale });
      group.sources.push(
        this.model.createSource(f.spec.type, f.spec.location, group.positions, mixSeed(f.seed, group.sampleRateHz, group.blockSize)),
      );
    }
  }

  // -------------------------------------------------------------------------------------------
  // Operating point and energy

  #runFactor(tMs: number): { running: boolean; factor: number } {
    let last: { atMs: number; running: boolean } | undefined;
    for (const e of this.#events) {
      if (e.atMs > tMs) break;
      last = e;
    }
    if (!last) return { running: true, factor: 1 };
    const ramp = Math.max(1e-3, this.machine.rampS);
    const dt = (tMs - last.atMs) / 1000;
    return last.running ? { running: true, factor: Math.min(1, dt / ramp) } : { running: false, factor: Math.max(0, 1 - dt / ramp) };
  }

  #frictionAt(tMs: number): { total: number; bearing: { DE: number; NDE: number } } {
    const life = this.#lifeAt(tMs);
    const lifeS = this.#lifeSecondsAt(life, tMs);
    const bearing = { DE: 0, NDE: 0 };
    let total = 0;
    for (const f of life.faults) {
      const s = Math.min(f.path.severityAt(lifeS), 1.5);
      if (BEARING_FAULTS.has(f.spec.type)) {
        total += s * FRICTION_AT_FAILURE.bearing;
        bearing[f.spec.location] += s;
      } else {
        total += s * FRICTION_AT_FAILURE.rotor;
      }
    }
    return { total, bearing };
  }

  #operatingPoint(tMs: number): {
    point: MotorPoint;
    load: number;
    mode: string;
    running: boolean;
    factor: number;
    bearingSeverity: { DE: number; NDE: number };
  } {
    const s = this.#schedule.at((tMs - this.#startMs) / 1000);
    const run = this.#runFactor(tMs);
    const friction = this.#frictionAt(tMs);
    const fromLoad = s.from.loadPct / 100;
    const toLoad = s.to.loadPct / 100;
    const load = (fromLoad + (toLoad - fromLoad) * s.blend) * run.factor;
    let setSpeed: number | undefined;
    if (s.from.speedRpm !== undefined || s.to.speedRpm !== undefined) {
      const dol = (l: number) => this.motor.syncRpm * (1 - this.motor.ratedSlip * l);
      const a = s.from.speedRpm ?? dol(fromLoad);
      const b = s.to.speedRpm ?? dol(toLoad);
      setSpeed = a + (b - a) * s.blend;
    }
    const point = this.motor.point(setSpeed, load, friction.total * run.factor, run.running);
    point.speedRpm *= run.factor;
    return {
      point,
      load,
      mode: run.running || run.factor > 0 ? s.mode : 'stopped',
      running: run.running,
      factor: run.factor,
      bearingSeverity: friction.bearing,
    };
  }

  /** Energy meter and temperature readings at a wall time (call in increasing time for the thermal lag). */
  energyAt(timeMs: number): MachineEnergyReading {
    this.#advanceTo(timeMs);
    const op = this.#operatingPoint(timeMs);
    const m = this.machine;
    const p = op.point;
    this.#advanceThermal(timeMs);
    const thermal = this.#thermal!;

    // Measurement: voltage wanders slowly and jitters; power carries meter noise.
    const second = Math.floor(timeMs / 1000);
    const voltageV =
      m.lineVoltageV * (1 + 0.004 * Math.sin((2 * Math.PI * timeMs) / 3_600_000) + 0.0015 * hashGaussian(m.seed, 0x5017, second));
    const powerKw = p.inputKw > 0 ? p.inputKw * (1 + 0.002 * hashGaussian(m.seed, 0x9043, second)) : 0;
    const powerFactor = p.powerFactor;
    return {
      powerKw,
      currentA: lineCurrent(powerKw, voltageV, powerFactor),
      voltageV,
      powerFactor,
      temperatureC: thermal.winding,
      speedRpm: p.speedRpm,
      loadPct: op.load * 100,
      windingTemperatureC: thermal.winding,
      bearingTemperatureC: { ...thermal.bearing },
      efficiency: p.efficiency,
      slipPct: p.slip * 100,
      supplyHz: p.supplyHz,
      frictionKw: p.frictionKw,
    };
  }

  /** Steady-state temperatures of the operating point at a time; the thermal state lags behind them. */
  #thermalTarget(tMs: number): { winding: number; bearing: { DE: number; NDE: number } } {
    const op = this.#operatingPoint(tMs);
    const m = this.machine;
    const speedRatio = op.point.speedRpm / m.nominalSpeedRpm;
    return {
      winding: m.ambientC + this.motor.windingRise(op.point.lossKw, op.point.frictionKw),
      bearing: {
        DE: m.ambientC + this.motor.bearingRise(speedRatio, op.load, op.bearingSeverity.DE),
        NDE: m.ambientC + this.motor.bearingRise(speedRatio, op.load, op.bearingSeverity.NDE),
      },
    };
  }

  /** Integrate the first-order lags up to tMs in steps of at most THERMAL_STEP_S (the target moves with the schedule). */
  #advanceThermal(tMs: number): void {
    const th = this.#thermal;
    if (!th) {
      // Start warm: the machine has been running at this point for a while.
      const target = this.#thermalTarget(tMs);
      this.#thermal = { atMs: tMs, winding: target.winding, bearing: { ...target.bearing } };
      return;
    }
    if (tMs <= th.atMs) return; // an earlier time: report the current state
    const stepMs = THERMAL_STEP_S * 1000;
    if (tMs - th.atMs > MAX_THERMAL_STEPS * stepMs) {
      // A long gap: far beyond the time constants, the state has settled on the target.
      const settledAt = tMs - MAX_THERMAL_STEPS * stepMs;
      const target = this.#thermalTarget(settledAt);
      th.winding = target.winding;
      th.bearing = { ...target.bearing };
      th.atMs = settledAt;
    }
    while (th.atMs < tMs) {
      const next = Math.min(tMs, th.atMs + stepMs);
      const dt = (next - th.atMs) / 1000;
      const target = this.#thermalTarget(0.5 * (th.atMs + next));
      th.winding = lag(th.winding, target.winding, dt, WINDING_TIME_CONSTANT_S);
      th.bearing.DE = lag(th.bearing.DE, target.bearing.DE, dt, BEARING_TIME_CONSTANT_S);
      th.bearing.NDE = lag(th.bearing.NDE, target.bearing.NDE, dt, BEARING_TIME_CONSTANT_S);
      th.atMs = next;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Life, faults, failure

  #newLife(index: number, startMs: number, initialLifeS: number): Life {
    const life: Life = { index, startMs, initialLifeS, faults: [], failedAtMs: null, failureHandled: false, repairAtMs: null };
    this.machine.faults.forEach((spec, i) => {
      let onsetLifeS: number;
      if ('lifeS' in spec.onset) onsetLifeS = spec.onset.lifeS;
      else {
        // A wall-time onset belongs to the life running then; a later life does not repeat it.
        if (index > 0 && spec.onset.atMs < startMs) return;
        onsetLifeS = initialLifeS + ((spec.onset.atMs - startMs) / 1000) * this.#accel;
      }
      life.faults.push(this.#activate(spec, onsetLifeS, false, mixSeed(this.machine.seed, 0xfa17, index, i)));
    });
    return life;
  }

  #activate(spec: FaultSpec, onsetLifeS: number, injected: boolean, seed: number): ActiveFault {
    return { spec, path: new DegradationPath(spec.growth, onsetLifeS, seed), scale: this.#scaleFor(spec), injected, seed };
  }

  /** Calibrated scale of a fault (cached per type, location and threshold). */
  #scaleFor(spec: FaultSpec): number {
    const key = `${spec.type}|${spec.location}|${JSON.stringify(spec.failure)}`;
    let scale = this.#scales.get(key);
    if (scale === undefined) {
      const metric = this.failureMetric(spec);
      const result = calibrateFault(this.model, spec, metric, this.#calibrationConditions, mixSeed(this.machine.seed, 0xca1b));
      if (!Number.isFinite(result.scale)) {
        const unit = metric.kind === 'velocity' ? 'mm/s' : 'g';
        const limit = metric.kind === 'velocity' ? metric.thresholdMmS : metric.thresholdG;
        throw new PdmError(
          'PDM_ERR_CONFIG_INVALID',
          `machine ${this.machine.id}: the ${spec.type} fault at ${spec.location} cannot fail at ${limit} ${unit}: the healthy machine already measures ${result.healthy.map((h) => h.toFixed(2)).join('/')} ${unit} there (raise failure or lower baseline)`,
          { machine: this.machine.id, field: 'faults.failure' },
        );
      }
      scale = result.scale;
      this.#scales.set(key, scale);
    }
    return scale;
  }

  /** The vibration measure and threshold at which a fault counts as failed. */
  failureMetric(spec: Pick<FaultSpec, 'failure'>): FailureMetric {
    const f = spec.failure;
    if (f !== 'iso_zone_d' && 'accelerationG' in f) return { kind: 'acceleration', thresholdG: f.accelerationG };
    // Zone D starts above the C/D boundary, the last of the three.
    const threshold = f === 'iso_zone_d' ? zoneBoundaries(this.machine.iso)[2] : f.velocityMmS;
    return {
      kind: 'velocity',
      thresholdMmS: threshold,
      bandLowHz: isoBandLowHz(this.machine.nominalSpeedRpm / 60),
      bandHighHz: ISO_BAND_HIGH_HZ,
    };
  }

  #lifeAt(tMs: number): Life {
    for (let i = this.#lives.length - 1; i > 0; i--) if (this.#lives[i].startMs <= tMs) return this.#lives[i];
    return this.#lives[0];
  }

  /** Running wall seconds in [fromMs, toMs]. */
  #runningSeconds(fromMs: number, toMs: number): number {
    if (toMs <= fromMs) return 0;
    let running = this.#runFactor(fromMs).running;
    let t = fromMs;
    let total = 0;
    for (const e of this.#events) {
      if (e.atMs <= fromMs) continue;
      if (e.atMs >= toMs) break;
      if (running) total += e.atMs - t;
      running = e.running;
      t = e.atMs;
    }
    if (running) total += toMs - t;
    return total / 1000;
  }

  #lifeSecondsAt(life: Life, tMs: number): number {
    return life.initialLifeS + this.#runningSeconds(life.startMs, tMs) * this.#accel;
  }

  /** Wall time at which a life reaches `lifeS`, assuming the current run state continues; null if never. */
  #wallAtLife(life: Life, lifeS: number): number | null {
    let need = ((lifeS - life.initialLifeS) / this.#accel) * 1000;
    if (need <= 0) return life.startMs + need; // before this life's start (negative onsets)
    let running = this.#runFactor(life.startMs).running;
    let t = life.startMs;
    for (const e of this.#events) {
      if (e.atMs <= life.startMs) continue;
      if (running) {
        if (e.atMs - t >= need) return t + need;
        need -= e.atMs - t;
      }
      running = e.running;
      t = e.atMs;
    }
    return running ? t + need : null;
  }

  /** Apply what follows from the passage of time up to tMs: failures (and trips), automatic repairs. */
  #advanceTo(tMs: number): void {
    for (let guard = 0; guard < 1000; guard++) {
      const life = this.#lives[this.#lives.length - 1];
      if (!life.failureHandled && life.faults.length > 0) {
        const failLife = Math.min(...life.faults.map((f) => f.path.failureLifeS));
        const failMs = this.#wallAtLife(life, failLife);
        if (failMs !== null && failMs <= tMs) {
          life.failedAtMs = Math.max(failMs, life.startMs);
          life.failureHandled = true;
          if (this.machine.onFailure.action === 'trip') this.#addEvent(life.failedAtMs, false);
          if (this.machine.onFailure.autoRepairAfterS !== null)
            life.repairAtMs = life.failedAtMs + this.machine.onFailure.autoRepairAfterS * 1000;
          continue;
        }
      }
      if (life.repairAtMs !== null && life.repairAtMs <= tMs) {
        const at = life.repairAtMs;
        life.repairAtMs = null;
        this.#repairAt(at);
        continue;
      }
      return;
    }
  }

  #addEvent(atMs: number, running: boolean): void {
    if (this.#runFactor(atMs).running === running) return;
    let i = this.#events.length;
    while (i > 0 && this.#events[i - 1].atMs > atMs) i--;
    this.#events.splice(i, 0, { atMs, running });
  }

  #repairAt(atMs: number): void {
    const prev = this.#lives[this.#lives.length - 1];
    if (prev.repairAtMs !== null && prev.repairAtMs <= atMs) prev.repairAtMs = null;
    this.#lives.push(this.#newLife(prev.index + 1, atMs, 0));
    this.#addEvent(atMs, true); // back in service
  }

  /**
   * Add a fault at run time. A life-second onset counts from `atMs` (0 = starts now); an ISO
   * onset is absolute. The fault belongs to the current life and is cleared by a repair.
   */
  injectFault(fault: FaultSpec, atMs: number): void {
    this.#advanceTo(atMs);
    const life = this.#lives[this.#lives.length - 1];
    const now = this.#lifeSecondsAt(life, atMs);
    const onsetLifeS =
      'lifeS' in fault.onset
        ? now + fault.onset.lifeS
        : life.initialLifeS + this.#runningSeconds(life.startMs, fault.onset.atMs) * this.#accel;
    life.faults.push(this.#activate(fault, onsetLifeS, true, mixSeed(this.machine.seed, 0x1ec7, life.index, ++this.#faultCounter)));
  }

  /** Replace the damaged parts: a new life starts at 0 with the configured faults (new random paths); the machine runs. */
  repair(atMs: number): void {
    this.#advanceTo(atMs);
    this.#repairAt(atMs);
  }

  /** Switch off (the shaft coasts down over rampS; life stops accumulating). */
  stop(atMs: number): void {
    this.#advanceTo(atMs);
    this.#addEvent(atMs, false);
  }

  /** Whether the machine is switched on at a wall time (its run signal; off from a stop or trip until a start or repair). */
  isRunningAt(timeMs: number): boolean {
    return this.#runFactor(timeMs).running;
  }

  /** Vibration is acquired while the machine runs (see MachineSignalSource.isAcquiring). */
  isAcquiring(timeMs: number): boolean {
    this.#advanceTo(timeMs);
    return this.#runFactor(timeMs).running;
  }

  /** Switch on (run-up over rampS). */
  start(atMs: number): void {
    this.#advanceTo(atMs);
    this.#addEvent(atMs, true);
  }

  // -------------------------------------------------------------------------------------------
  // Ground truth

  truthAt(timeMs: number): MachineTruth {
    this.#advanceTo(timeMs);
    const life = this.#lifeAt(timeMs);
    const lifeS = this.#lifeSecondsAt(life, timeMs);
    const failedAtMs = life.failedAtMs !== null && life.failedAtMs <= timeMs ? life.failedAtMs : null;
    const faults: FaultTruth[] = life.faults.map((f) => {
      const severity = f.path.severityAt(lifeS);
      const health: Health = lifeS >= f.path.failureLifeS ? 'failed' : severity > 0 ? 'degrading' : 'healthy';
      return {
        type: f.spec.type,
        location: f.spec.location,
        onsetLifeS: f.path.onsetLifeS,
        severity,
        failureLifeS: f.path.failureLifeS,
        nominalFailureLifeS: f.path.nominalFailureLifeS,
        onsetAtMs: this.#wallAtLife(life, f.path.onsetLifeS),
        failureAtMs: this.#wallAtLife(life, f.path.failureLifeS),
        health,
        injected: f.injected,
      };
    });
    const health: Health = failedAtMs !== null ? 'failed' : faults.some((f) => f.health !== 'healthy') ? 'degrading' : 'healthy';
    const run = this.#runFactor(timeMs);
    const state = health === 'failed' ? 'failed' : !run.running ? 'stopped' : health;
    return {
      machine: this.machine.id,
      timeMs,
      lifeS,
      life: life.index,
      state,
      health,
      running: run.running,
      mode: run.running ? this.#schedule.at((timeMs - this.#startMs) / 1000).mode : 'stopped',
      faults,
      failedAtMs,
    };
  }
}
