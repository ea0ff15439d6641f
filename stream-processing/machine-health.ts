/**
 * Per-machine health, alarms and remaining useful life in the stream: fuses the analysis windows
 * of all a machine's channels that share a window sequence number (and its latest energy
 * reading) into one feature record, feeds the `AssetMonitor` (models/rul) of the machine's
 * current operating mode (operating-mode.ts: each mode learns its own healthy baseline), and
 * yields one `machine_health` row per fused window. Each channel's healthy envelope reference,
 * once learnt, is kept here too: it is part of the machine's learnt healthy state. No I/O: state
 * goes out as JSON for checkpoints and comes back exactly (replayed windows at or before the
 * restored time are skipped, they are in the state already).
 *
 * A window w of a machine is fused when the first window of a later sequence arrives: by then
 * all channels' windows w have been analysed (their blocks precede it in the partition). The
 * machine's channel set is fixed once three window sequences have been seen, so a stream that
 * starts mid-window on one channel does not leave that channel out for good.
 *
 * Sensors that fail their self-checks (WindowAnalysis.sensor: NE 107 "check function") are kept
 * out of the model: while the baseline is learnt, a window with such a channel is not learnt
 * (a baseline must be made of measurements); once monitoring, the channel's last valid features
 * stand in for it, so the machine is judged on its valid channels, and the row says which
 * channel was left out and why. With no valid channel left, the machine's state is
 * `check_function` with the reasons and the model is not fed.
 *
 * Energy: with `energy` on, a machine whose readings carry power and load fuses the power-versus-load
 * residual. A machine that publishes power but no load, or nothing, runs on vibration alone (its
 * power, when there is one, is the operating mode's load proxy: operating-mode.ts); a machine
 * that has published nothing yet waits `energyWaitWindows` window sequences for a first reading
 * (the energy topic is read independently, and may lag), then starts without. The choice is made
 * when a mode's model is created and kept for its life (a baseline holds its features).
 */
import { createHash } from 'node:crypto';
import type { FeatureRecord } from '../models/anomaly/feature-vector.ts';
import type { AccumulatorState } from '../models/bearing/diagnosis-accumulator.ts';
import { type EnvelopeReference, validateReference } from '../models/bearing/reference.ts';
import {
  type BaselineQuality,
  BaselineQualityJudge,
  type BaselineVerdict,
  type QualityTallyState,
  type QualityWindow,
  qualityWindowOf,
  validateQualityTally,
  validateVerdict,
  verdictSummary,
} from '../models/health/baseline-quality.ts';
import {
  AssetMonitor,
  type AssetMonitorState,
  type AssetStatus,
  type FleetKnowledge,
  newAssetStatus,
} from '../models/rul/asset-monitor.ts';
import type { MonitorConfigInput } from '../models/rul/monitor-config.ts';
import { SENSOR_FAULT_TEXT, type SensorFault } from '../models/sensor/sensor-check.ts';
import { DEFAULT_ISO_CLASS, type IsoClass } from '../models/vibration/iso20816.ts';
import { DiagnosisAccumulators } from './diagnosis-accumulation.ts';
import type { MachineFleet } from './machine-fleets.ts';
import { type OperatingModeConfig, type OperatingModeState, OperatingModeTracker, SINGLE_MODE, TRANSITION } from './operating-mode.ts';

type IsoZone = 'A' | 'B' | 'C' | 'D';
/** A window's zone: `unknown` when its sensor failed its self-checks. */
type WindowZone = IsoZone | 'unknown';

export interface HealthTrackerConfig {
  /** Window features fused per channel (as `<channel>_<feature>`). */
  features: string[];
  monitor: MonitorConfigInput;
  /** Fuse the power-versus-load residual as a feature (needs energy readings). */
  energy: boolean;
  fleet: FleetKnowledge | null;
  /** One baseline per operating mode (from speed and load readings); null: one per machine. */
  modes?: OperatingModeConfig | null;
  /**
   * The velocity (mm/s RMS) at which a machine counts as failed: its ISO 20816-3 zone C/D
   * boundary. With it, and `velocity_rms_mm_s` among the features, each model also fails when
   * the worst channel's velocity reaches it (models/rul/feature-limit.ts), unless the monitor
   * configuration sets its own `rul.featureLimit`. Null or absent: the health index alone.
   */
  velocityLimitMmS?: ((machine: string) => number | null) | null;
  /** A machine's ISO 20816-3 class, for judging its baselines (models/health/baseline-quality.ts); default DEFAULT_ISO_CLASS. */
  isoClass?: ((machine: string) => IsoClass) | null;
  /** A machine's own fleet knowledge (from its run-to-failure histories), replacing `fleet` for it. */
  machineFleet?: ((machine: string) => MachineFleet | null) | null;
  /** Machines whose health model is stopped, with why (e.g. unusable histories): their windows are not modelled. */
  stopped?: ReadonlyMap<string, string>;
  /**
   * With `energy` on: window sequences a machine that has published no energy reading waits for
   * one before its model starts on vibration alone. Default DEFAULT_ENERGY_WAIT_WINDOWS.
   */
  energyWaitWindows?: number;
}

/** Default `energyWaitWindows`: half a minute of 1 s windows, well beyond the lag of a topic read alongside. */
export const DEFAULT_ENERGY_WAIT_WINDOWS = 30;

const VELOCITY_FEATURE = 'velocity_rms_mm_s';

export interface WindowResult {
  machine: string;
  channel: string;
  windowSeq: number;
  tsNs: bigint;
  features: Record<string, number>;
  zone: WindowZone;
  /** The sensor's self-checks (WindowAnalysis.sensor); absent: valid. */
  sensor?: { status: 'ok' | 'check_function'; reasons: readonly SensorFault[] };
  /**
   * `scalar`: a scalar sensor's reading (overall values, stream-processing/scalar-window.ts): it
   * fuses the health features it has (a sensor without kurtosis has none), and without velocity it
   * has no zone without being a sensor fault. Absent: a waveform window.
   */
  kind?: 'scalar';
  /** The window's bearing diagnosis (judged with the baseline it is learnt into); absent: none was made. */
  diagnosis?: string;
}

export interface HealthUpdate {
  machine: string;
  windowSeq: number;
  tsNs: bigint;
  status: AssetStatus;
  channels: number;
  /** The operating mode whose model produced the status. */
  mode: string;
  /** Channels left out of the model for failing their sensor checks, and why (`DE_X flat line`); absent: none. */
  sensorReason?: string;
  /** The quality of the mode's baseline once it is complete (absent while it is learnt). */
  baselineQuality?: BaselineQuality;
}

interface Pending {
  windowSeq: number;
  tsNs: bigint;
  byChannel: Map<string, Omit<WindowResult, 'machine' | 'channel' | 'windowSeq' | 'tsNs'>>;
}

/** What a machine's model is doing, for /health: a keyword and the sentence an operator reads. */
export interface MachineModelState {
  state: 'waiting_for_channels' | 'waiting_for_energy' | 'learning' | 'running' | 'check_function' | 'transition' | 'stopped' | 'failed';
  detail: string;
  /** What the model fuses besides vibration: power and load, power as load proxy (no load), or nothing. */
  energy: 'power_and_load' | 'power_as_load_proxy' | 'none';
  /** Per operating mode whose baseline is complete: its quality (absent before any is). */
  baselineQuality?: Record<string, BaselineQuality>;
}

interface MachineState {
  /** One model per operating mode seen. */
  monitors: Map<string, AssetMonitor>;
  mode: OperatingModeTracker | null;
  /**
   * When the mode changed (energy reading times, ms), newest last: a window takes the mode of its
   * own time, since the energy and vibration topics are consumed independently (a backlog of one
   * may be read well ahead of the other).
   */
  modeChanges: Array<{ atMs: number; mode: string }>;
  /** A checkpoint from before operating modes: its model serves the first mode seen. */
  legacyMonitor: AssetMonitor | null;
  /** Channels the fused record is made of, once fixed. */
  channels: string[] | null;
  seenSeqs: number;
  channelsSeen: Set<string>;
  pending: Pending | null;
  energy: { powerW: number; load: number } | undefined;
  /** Whether any energy reading carried power, and load. */
  powerSeen: boolean;
  loadSeen: boolean;
  /** Window sequences closed while waiting for a first energy reading. */
  energyWait: number;
  /** Each channel's features in its last window that passed the sensor checks (stand-ins while it fails). */
  lastValid: Map<string, Record<string, number>>;
  /** What the last closed window sequence did (see MachineModelState); null before any. */
  last: { state: MachineModelState['state']; detail: string } | null;
  restoredTime: number | null;
  /** Healthy envelope reference per channel, learnt from the baseline's windows. */
  references: Map<string, LearntReference>;
  /** Per operating mode: the baseline's windows judged while it is learnt, then its verdict. */
  quality: Map<string, ModeQuality>;
  /** Channels whose healthy reference was learnt but not used (its windows were suspect), and why. */
  rejectedReferences: Map<string, string>;
}

/** A mode's baseline quality: the judge while the baseline is learnt, the verdict once it is complete. */
type ModeQuality = { judge: BaselineQualityJudge; verdict: null } | { judge: null; verdict: BaselineVerdict };

/** A learnt reference and its id (a digest: analyzers are cached by configuration). */
export interface LearntReference {
  id: string;
  reference: EnvelopeReference;
}

export interface HealthTrackerCounters {
  fused: number;
  /** Window sequences skipped because a channel's window was missing (a gap). */
  skippedIncomplete: number;
  /** Window sequences at or before a restored checkpoint (already in the state). */
  skippedReplayed: number;
  /** Window sequences recorded while the machine went from one operating mode to another. */
  skippedTransition: number;
  /** Window sequences not modelled while waiting for a machine's first energy reading. */
  waitingEnergy: number;
  /** Window sequences with no valid channel (all failed their sensor checks), or with one failing during the baseline. */
  sensorFaults: number;
  failed: number;
}

const MAX_MODE_CHANGES = 256;

/** The machine's mode at a window's time: the last change at or before it, else the current mode. */
function modeAt(s: MachineState, atMs: number): string {
  if (!s.mode) return SINGLE_MODE;
  const changes = s.modeChanges;
  for (let i = changes.length - 1; i >= 0; i--) if (changes[i].atMs <= atMs) return changes[i].mode;
  return changes[0]?.mode ?? s.mode.mode;
}

const ZONE_RANK: Record<IsoZone, number> = { A: 0, B: 1, C: 2, D: 3 };

/** `DE_X flat line, clipping; NDE_Y offset step`: the channels left out and why. */
function sensorReasonText(bad: ReadonlyArray<{ channel: string; reasons: readonly SensorFault[] }>): string {
  return bad.map((b) => `${b.channel} ${b.reasons.map((r) => SENSOR_FAULT_TEXT[r]).join(', ')}`).join('; ');
}

/** Version 2: one model per operating mode. Version 1 (one model per machine) is still read. */
export type MachineCheckpoint = MachineCheckpointV2 | MachineCheckpointV1;

export interface MachineCheckpointV2 {
  version: 2;
  channels: string[] | null;
  monitors: Record<string, AssetMonitorState>;
  mode: OperatingModeState | null;
  /** Healthy envelope references by channel. */
  references?: Record<string, EnvelopeReference>;
  /**
   * Per operating mode, its baseline's quality: the tally of the windows judged while the baseline
   * is learnt, or the verdict once complete (absent in checkpoints from before it: a complete
   * baseline's quality is then `unknown`, a baseline still learnt is judged on the windows after).
   */
  baselineQuality?: Record<string, { tally: QualityTallyState } | { verdict: BaselineVerdict }>;
  /** Channels whose learnt healthy reference was not used, and why (absent: none). */
  rejectedReferences?: Record<string, string>;
  /** Accumulated bearing diagnosis by channel (absent in checkpoints from before it: it starts afresh). */
  diagnoses?: Record<string, AccumulatorState>;
}

export interface MachineCheckpointV1 {
  version: 1;
  channels: string[] | null;
  monitor: AssetMonitorState | null;
  references?: Record<string, EnvelopeReference>;
}

/** `running`, with why when the baseline is suspect: `running (baseline suspect: DE_X ISO zone C (60/60 windows))`. */
function runningText(verdict: BaselineVerdict | null): string {
  if (verdict === null || verdict.quality === 'good') return 'running';
  if (verdict.quality === 'unknown') return 'running (baseline quality unknown)';
  return `running (baseline suspect: ${verdictSummary(verdict)})`;
}

function learnt(reference: EnvelopeReference): LearntReference {
  const digest = createHash('sha256').update(JSON.stringify(reference)).digest('hex').slice(0, 16);
  return { id: digest, reference };
}

export class MachineHealthTracker {
  readonly #config: HealthTrackerConfig;
  readonly #machines = new Map<string, MachineState>();
  readonly counters: HealthTrackerCounters = {
    fused: 0,
    skippedIncomplete: 0,
    skippedReplayed: 0,
    skippedTransition: 0,
    waitingEnergy: 0,
    sensorFaults: 0,
    failed: 0,
  };
  /** Last error per machine (a model that refuses its input stops that machine's health, not the stream). */
  readonly errors = new Map<string, string>();
  /** Each channel's accumulated bearing diagnosis: part of the machine's model state. */
  readonly diagnoses = new DiagnosisAccumulators();
  /** Verdicts on baselines completed since the caller last emptied this list (the processor logs them). */
  readonly newVerdicts: Array<{ machine: string; mode: string; verdict: BaselineVerdict }> = [];

  constructor(config: HealthTrackerConfig) {
    this.#config = config;
  }

  #state(machine: string): MachineState {
    let s = this.#machines.get(machine);
    if (!s) {
      s = {
        monitors: new Map(),
        mode: this.#config.modes ? new OperatingModeTracker(this.#config.modes) : null,
        modeChanges: [],
        legacyMonitor: null,
        channels: null,
        seenSeqs: 0,
        channelsSeen: new Set(),
        pending: null,
        energy: undefined,
        powerSeen: false,
        loadSeen: false,
        energyWait: 0,
        lastValid: new Map(),
        last: null,
        restoredTime: null,
        references: new Map(),
        quality: new Map(),
        rejectedReferences: new Map(),
      };
      this.#machines.set(machine, s);
    }
    return s;
  }

  onEnergy(machine: string, powerKw: number | undefined, loadPct: number | undefined, speedRpm?: number, atMs?: number): void {
    const s = this.#state(machine);
    const power = powerKw !== undefined && Number.isFinite(powerKw);
    const load = loadPct !== undefined && Number.isFinite(loadPct);
    if (power) s.powerSeen = true;
    if (load) s.loadSeen = true;
    if (s.mode) {
      // Without a load reading, power stands in for it (operating-mode.ts).
      const mode = s.mode.update(speedRpm, loadPct, powerKw);
      const last = s.modeChanges.at(-1);
      if (atMs !== undefined && mode !== last?.mode && !(last && atMs < last.atMs)) {
        s.modeChanges.push({ atMs, mode });
        if (s.modeChanges.length > MAX_MODE_CHANGES) s.modeChanges.shift();
      }
    }
    if (!power || !load) return;
    s.energy = { powerW: powerKw * 1000, load: loadPct };
  }

  /** Add one analysed window; returns the health update of the window sequence it closes, if any. */
  onWindow(w: WindowResult): HealthUpdate | undefined {
    const s = this.#state(w.machine);
    s.channelsSeen.add(w.channel);
    let update: HealthUpdate | undefined;
    if (s.pending && w.windowSeq > s.pending.windowSeq) {
      update = this.#close(w.machine, s, s.pending);
      s.pending = null;
    }
    if (s.pending && w.windowSeq < s.pending.windowSeq) return update; // late: its sequence was closed
    if (!s.pending) {
      s.pending = { windowSeq: w.windowSeq, tsNs: w.tsNs, byChannel: new Map() };
      s.seenSeqs++;
      if (s.channels === null && s.seenSeqs > 3) s.channels = [...s.channelsSeen].sort();
    }
    const entry: Omit<WindowResult, 'machine' | 'channel' | 'windowSeq' | 'tsNs'> = { features: w.features, zone: w.zone };
    if (w.sensor !== undefined) entry.sensor = w.sensor;
    if (w.kind !== undefined) entry.kind = w.kind;
    if (w.diagnosis !== undefined) entry.diagnosis = w.diagnosis;
    s.pending.byChannel.set(w.channel, entry);
    return update;
  }

  #close(machine: string, s: MachineState, p: Pending): HealthUpdate | undefined {
    if (s.channels === null) return undefined;
    if (!s.channels.every((c) => p.byChannel.has(c))) {
      this.counters.skippedIncomplete++;
      return undefined;
    }
    const stopped = this.#config.stopped?.get(machine);
    if (stopped !== undefined) {
      this.counters.failed++;
      this.errors.set(machine, stopped);
      s.last = { state: 'stopped', detail: `stopped: ${stopped}` };
      return undefined;
    }
    const time = Number(p.tsNs / 1_000_000n) / 1000;
    if (s.restoredTime !== null && time <= s.restoredTime) {
      this.counters.skippedReplayed++;
      return undefined;
    }
    // Channels that failed their sensor checks are left out; the zone is the worst valid channel's.
    const bad: Array<{ channel: string; reasons: readonly SensorFault[] }> = [];
    let zone: IsoZone = 'A';
    for (const c of s.channels) {
      const ch = p.byChannel.get(c)!;
      // A scalar sensor without velocity has no zone to give: not a fault of the sensor.
      if (ch.kind === 'scalar' && ch.zone === 'unknown' && ch.sensor === undefined) continue;
      if (ch.sensor?.status === 'check_function' || ch.zone === 'unknown') bad.push({ channel: c, reasons: ch.sensor?.reasons ?? [] });
      else if (ZONE_RANK[ch.zone] > ZONE_RANK[zone]) zone = ch.zone;
    }
    const sensorReason = bad.length > 0 ? sensorReasonText(bad) : undefined;
    try {
      const mode = modeAt(s, time * 1000);
      let monitor = s.monitors.get(mode) ?? null;
      if (bad.length === s.channels.length) return this.#checkFunction(machine, s, p, mode, monitor, sensorReason!);
      // Energy: fused when the machine's model does; a new model waits a little for a first reading.
      if (monitor === null && this.#config.energy && s.energy === undefined && !s.powerSeen && s.legacyMonitor === null) {
        const wait = this.#config.energyWaitWindows ?? DEFAULT_ENERGY_WAIT_WINDOWS;
        if (s.energyWait < wait) {
          s.energyWait++;
          this.counters.waitingEnergy++;
          s.last = { state: 'waiting_for_energy', detail: `waiting for energy (${s.energyWait}/${wait} windows)` };
          return undefined;
        }
      }
      if (mode === TRANSITION) {
        this.counters.skippedTransition++;
        s.last = { state: 'transition', detail: 'between operating modes' };
        return undefined;
      }
      if (monitor === null) {
        const own = this.#config.machineFleet?.(machine) ?? null;
        monitor =
          s.legacyMonitor ??
          new AssetMonitor(
            this.#monitorConfig(machine, s.channels, own, this.#config.energy && s.energy !== undefined),
            own?.fleet ?? this.#config.fleet,
            `machine ${machine}, mode ${mode}`,
          );
        s.legacyMonitor = null;
        s.monitors.set(mode, monitor);
      }
      const fusesEnergy = monitor.detector.config.energy;
      if (fusesEnergy && s.energy === undefined) {
        // A model restored with energy fusion, before this run's first reading.
        this.counters.waitingEnergy++;
        s.last = { state: 'waiting_for_energy', detail: 'waiting for energy (the model fuses power and load)' };
        return undefined;
      }
      const learning = monitor.detector.baseline === null;
      if (bad.length > 0 && learning) {
        // A baseline is made of measurements only: this window is not learnt.
        this.counters.sensorFaults++;
        s.last = { state: 'learning', detail: `${this.#learningText(monitor)}; left out: ${sensorReason}` };
        return undefined;
      }
      const record: Record<string, number> = {};
      for (const c of s.channels) {
        const ch = p.byChannel.get(c)!;
        const failed = bad.some((b) => b.channel === c);
        const features = failed ? s.lastValid.get(c) : ch.features;
        if (features === undefined) {
          this.counters.sensorFaults++;
          s.last = { state: 'check_function', detail: `check_function: ${sensorReason}` };
          return undefined;
        }
        if (!failed) s.lastValid.set(c, ch.features);
        for (const f of this.#config.features) {
          // A scalar sensor fuses what it measures; a waveform window lacking a feature is an error the model names.
          if (ch.kind === 'scalar' && features[f] === undefined) continue;
          record[`${c}_${f}`] = features[f];
        }
      }
      // A mode's model may have seen later windows before a restart; replayed ones were skipped above.
      const status = monitor.update(newAssetStatus(), time, record as FeatureRecord, fusesEnergy ? s.energy : undefined, zone);
      if (learning) this.#judgeWindow(machine, s, mode, p, s.channels);
      const verdict = monitor.detector.baseline === null ? null : this.#verdict(machine, s, mode);
      // A suspect baseline still monitors (relative to itself), but the machine is not plainly
      // healthy: NE 107 "maintenance required" (check the machine), as for ISO zone C.
      if (verdict?.quality === 'suspect' && status.state === 'normal') status.state = 'maintenance_required';
      this.counters.fused++;
      this.errors.delete(machine);
      let detail = status.phase === 'baseline' ? this.#learningText(monitor) : runningText(verdict);
      if (status.systemEventPending) detail += ' (a step on every channel is being confirmed as a system event: alarm held)';
      if (status.systemEvent) detail += ` (system event, re-baselined: ${status.systemEvent.reason})`;
      s.last = {
        state: status.phase === 'baseline' ? 'learning' : 'running',
        detail: sensorReason === undefined ? detail : `${detail}; left out: ${sensorReason}`,
      };
      const update: HealthUpdate = { machine, windowSeq: p.windowSeq, tsNs: p.tsNs, status, channels: s.channels.length, mode };
      if (sensorReason !== undefined) update.sensorReason = sensorReason;
      if (verdict !== null) update.baselineQuality = verdict.quality;
      return update;
    } catch (err) {
      this.counters.failed++;
      this.errors.set(machine, (err as Error).message);
      s.last = { state: 'failed', detail: `failed: ${(err as Error).message}` };
      return undefined;
    }
  }

  /**
   * No valid channel: NE 107 "check function" for the machine, with the reasons; the model is not
   * fed (its phase is reported as it stands).
   */
  #checkFunction(machine: string, s: MachineState, p: Pending, mode: string, monitor: AssetMonitor | null, reason: string): HealthUpdate {
    this.counters.sensorFaults++;
    s.last = { state: 'check_function', detail: `check_function: ${reason}` };
    const status = newAssetStatus();
    status.time = Number(p.tsNs / 1_000_000n) / 1000;
    status.state = 'check_function';
    status.healthIndex = Number.NaN;
    status.logHealthIndex = Number.NaN;
    if (monitor !== null && monitor.detector.baseline !== null) status.phase = 'monitoring';
    const update: HealthUpdate = {
      machine,
      windowSeq: p.windowSeq,
      tsNs: p.tsNs,
      status,
      channels: s.channels?.length ?? 0,
      mode: mode === TRANSITION ? SINGLE_MODE : mode,
      sensorReason: reason,
    };
    // The baseline's quality does not change while the sensors fail: the row still says it.
    const verdict = s.quality.get(mode)?.verdict;
    if (verdict) update.baselineQuality = verdict.quality;
    return update;
  }

  /** Adds a window learnt into the mode's baseline to the mode's quality judge. */
  #judgeWindow(machine: string, s: MachineState, mode: string, p: Pending, channels: readonly string[]): void {
    let q = s.quality.get(mode);
    if (q === undefined) {
      q = { judge: new BaselineQualityJudge(this.#isoClass(machine)), verdict: null };
      s.quality.set(mode, q);
    }
    if (q.judge === null) return;
    const windows = new Map<string, QualityWindow>();
    for (const c of channels) {
      const ch = p.byChannel.get(c)!;
      windows.set(c, qualityWindowOf(ch.features, ch.zone, ch.diagnosis));
    }
    q.judge.add(windows);
  }

  /**
   * The verdict on a mode's complete baseline: judged once, when it completes. A baseline
   * completed before this build (a checkpoint without its tally) has no windows to judge: `unknown`.
   */
  #verdict(machine: string, s: MachineState, mode: string): BaselineVerdict {
    const q = s.quality.get(mode);
    if (q?.verdict) return q.verdict;
    const verdict: BaselineVerdict = q?.judge ? q.judge.judge() : { quality: 'unknown', reasons: [], windows: 0 };
    s.quality.set(mode, { judge: null, verdict });
    this.newVerdicts.push({ machine, mode, verdict });
    return verdict;
  }

  #isoClass(machine: string): IsoClass {
    return this.#config.isoClass?.(machine) ?? DEFAULT_ISO_CLASS;
  }

  /** The verdict on each mode's complete baseline of a machine (for reports and tests). */
  baselineQuality(machine: string): Map<string, BaselineVerdict> {
    const out = new Map<string, BaselineVerdict>();
    for (const [mode, q] of this.#machines.get(machine)?.quality ?? []) if (q.verdict) out.set(mode, q.verdict);
    return out;
  }

  /** `learning 12/60 windows` (or `learning` when the baseline is bounded by time). */
  #learningText(monitor: AssetMonitor): string {
    const count = monitor.detector.baselineCount ?? 0;
    const b = monitor.config.anomaly.baseline;
    return b.durationS === undefined
      ? `learning ${count}/${b.windows} windows`
      : `learning ${count} windows (baseline of ${b.durationS} s)`;
  }

  /** Every machine seen, with what its model is doing and why (for /health). */
  describe(): Map<string, MachineModelState> {
    const out = new Map<string, MachineModelState>();
    for (const [machine, s] of this.#machines) {
      const energy: MachineModelState['energy'] = !this.#config.energy
        ? 'none'
        : s.loadSeen && s.powerSeen
          ? 'power_and_load'
          : s.powerSeen
            ? 'power_as_load_proxy'
            : 'none';
      const stopped = this.#config.stopped?.get(machine);
      let state: MachineModelState['state'];
      let detail: string;
      if (stopped !== undefined) [state, detail] = ['stopped', `stopped: ${stopped}`];
      else if (s.channels === null)
        [state, detail] = ['waiting_for_channels', `waiting for channels (${s.seenSeqs} window sequences seen)`];
      else if (s.last === null) [state, detail] = ['learning', 'waiting for the first complete window'];
      else ({ state, detail } = s.last);
      if (s.rejectedReferences.size > 0)
        detail += `; reference not used: ${[...s.rejectedReferences].map(([c, why]) => `${c} (${why})`).join('; ')}`;
      const vibrationOnly = [...s.monitors.values()].some((m) => !m.detector.config.energy);
      if ((state === 'learning' || state === 'running') && this.#config.energy && vibrationOnly)
        detail +=
          energy === 'power_as_load_proxy'
            ? ' (vibration only: no load reading; power is the load proxy)'
            : ' (vibration only: no energy readings)';
      const judged = [...s.quality].filter(([, q]) => q.verdict !== null);
      const model: MachineModelState = { state, detail, energy };
      if (judged.length > 0) model.baselineQuality = Object.fromEntries(judged.map(([mode, q]) => [mode, q.verdict!.quality]));
      out.set(machine, model);
    }
    return out;
  }

  /** The machine's model configuration: the shared one, with the machine's ISO velocity limit. */
  #monitorConfig(machine: string, channels: readonly string[], own: MachineFleet | null, energy: boolean): MonitorConfigInput {
    const base = this.#config.monitor;
    const rul = { ...(base.rul ?? {}) };
    const limit = this.#config.velocityLimitMmS?.(machine) ?? null;
    if (rul.featureLimit === undefined && limit !== null && this.#config.features.includes(VELOCITY_FEATURE)) {
      rul.featureLimit = { features: channels.map((c) => `${c}_${VELOCITY_FEATURE}`), limit };
    }
    // With the machine's own histories, its health features are theirs, so the index means the same.
    const anomaly = { ...(base.anomaly ?? {}), energy, ...(own ? { features: own.features } : {}) };
    // A system event must step every channel of the machine at once (models/health/system-event.ts).
    const systemEvent = { ...(base.systemEvent ?? {}), locationPrefixes: [...channels] };
    return { ...base, rul, anomaly, systemEvent };
  }

  /**
   * Whether the machine's windows are still its healthy baseline (no monitor yet, or its
   * anomaly baseline not complete): the windows its healthy reference may be learnt from.
   */
  inBaseline(machine: string): boolean {
    const s = this.#machines.get(machine);
    if (!s) return true;
    for (const m of s.monitors.values()) if (m.detector.baseline !== null) return false;
    return s.legacyMonitor === null || s.legacyMonitor.detector.baseline === null;
  }

  reference(machine: string, channel: string): LearntReference | undefined {
    return this.#machines.get(machine)?.references.get(channel);
  }

  setReference(machine: string, channel: string, reference: EnvelopeReference): LearntReference {
    const r = learnt(validateReference(reference, `machine ${machine} channel ${channel}: reference`));
    this.#state(machine).references.set(channel, r);
    return r;
  }

  /** Whether the channel's reference was judged suspect and is not used (it is not learnt again). */
  referenceRejected(machine: string, channel: string): boolean {
    return this.#machines.get(machine)?.rejectedReferences.has(channel) ?? false;
  }

  /** A channel's learnt reference that is not used (its windows were suspect), and why: shown in /health, kept in the state. */
  rejectReference(machine: string, channel: string, why: string): void {
    this.#state(machine).rejectedReferences.set(channel, why);
  }

  checkpoint(machine: string): MachineCheckpoint | undefined {
    const s = this.#machines.get(machine);
    if (!s) return undefined;
    const cp: MachineCheckpointV2 = {
      version: 2,
      channels: s.channels,
      monitors: Object.fromEntries([...s.monitors].map(([mode, m]) => [mode, m.toJSON()])),
      mode: s.mode ? s.mode.toJSON() : null,
    };
    if (s.references.size > 0) cp.references = Object.fromEntries([...s.references].map(([c, r]) => [c, r.reference]));
    if (s.quality.size > 0)
      cp.baselineQuality = Object.fromEntries(
        [...s.quality].map(([mode, q]) => [mode, q.verdict ? { verdict: q.verdict } : { tally: q.judge.toJSON() }]),
      );
    if (s.rejectedReferences.size > 0) cp.rejectedReferences = Object.fromEntries(s.rejectedReferences);
    const diagnoses = this.diagnoses.toJSON(machine);
    if (diagnoses) cp.diagnoses = diagnoses;
    return cp;
  }

  get machineIds(): string[] {
    return [...this.#machines.keys()];
  }

  restore(machine: string, cp: MachineCheckpoint): void {
    const s = this.#state(machine);
    s.channels = cp.channels;
    if (cp.channels) for (const c of cp.channels) s.channelsSeen.add(c);
    s.seenSeqs = cp.channels ? 4 : 0;
    s.monitors = new Map();
    s.legacyMonitor = null;
    if (cp.version === 1) {
      s.legacyMonitor = cp.monitor ? AssetMonitor.fromJSON(cp.monitor, `machine ${machine}`) : null;
      s.restoredTime = cp.monitor?.lastTime ?? null;
    } else {
      let last: number | null = null;
      for (const [mode, state] of Object.entries(cp.monitors)) {
        s.monitors.set(mode, AssetMonitor.fromJSON(state, `machine ${machine}, mode ${mode}`));
        if (state.lastTime !== null && (last === null || state.lastTime > last)) last = state.lastTime;
      }
      s.restoredTime = last;
      if (this.#config.modes && cp.mode) s.mode = new OperatingModeTracker(this.#config.modes, cp.mode);
    }
    s.references = new Map(
      Object.entries(cp.references ?? {}).map(([c, r]) => [c, learnt(validateReference(r, `machine ${machine} channel ${c}: reference`))]),
    );
    this.diagnoses.restore(machine, cp.version === 2 ? cp.diagnoses : undefined);
    s.quality = new Map();
    for (const [mode, q] of Object.entries((cp.version === 2 && cp.baselineQuality) || {})) {
      const where = `machine ${machine}, mode ${mode}`;
      if ('verdict' in q) s.quality.set(mode, { judge: null, verdict: validateVerdict(q.verdict, where) });
      else
        s.quality.set(mode, {
          judge: new BaselineQualityJudge(this.#isoClass(machine), validateQualityTally(q.tally, where)),
          verdict: null,
        });
    }
    s.rejectedReferences = new Map(Object.entries((cp.version === 2 && cp.rejectedReferences) || {}));
  }

  /**
   * Forget every machine (after a rebalance: the state of the machines this processor keeps is
   * restored from the model-state topic, the others belong to another processor now).
   */
  clear(): void {
    this.#machines.clear();
    this.errors.clear();
    this.diagnoses.clear();
  }

  /** After a rebalance: windows in flight are rebuilt from the committed offsets. */
  dropPending(): void {
    for (const s of this.#machines.values()) s.pending = null;
  }
}
