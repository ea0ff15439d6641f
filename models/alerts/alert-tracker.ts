/**
 * Alert episodes of every machine, decided from what the processor computes: each analysed
 * window (ISO 20816-3 zone, sensor checks), each health update (NE 107 state, remaining life) and
 * the wall clock (silence). One event when an episode starts and one when it ends, never one per
 * window; hysteresis (episode.ts) keeps a value at a boundary from flapping.
 *
 * Kinds (channel `*` = the whole machine):
 * - `health_state` (`*`): the NE 107 state leaves normal (failure is critical). `check_function`
 *   says nothing about the machine (its sensors failed): it neither starts nor ends an episode;
 *   the `sensor` kind reports it.
 * - `iso_zone` (per channel): zone C (warning) or D (critical) of the velocity RMS.
 * - `remaining_life` (`*`): the median remaining life under the lead time.
 * - `silence` (`*` or a channel): nothing heard from the machine, or from one channel while the
 *   machine's others still speak, for longer than `silentAfterS` (wall clock, checked by tick()
 *   as well as on each window: a machine that stopped sending sends nothing to be checked on).
 *   It starts at the last data time + silentAfterS and ends at the first window heard again.
 * - `sensor` (per channel): the channel fails its self-checks (flat line, clipping...).
 *
 * Pure: times are parameters. The state per machine is plain JSON that follows the machine's
 * model state (model-state topic), so a processor that takes a partition over, or restarts,
 * knows the episodes already open and raises no second start. Windows and health updates at or
 * before the restored times are skipped (replayed: already observed).
 */
import type { AlertEventV1, AlertKind, AlertSeverity } from '../../common/wire/alert-event.ts';
import { WHOLE_MACHINE } from '../../common/wire/alert-event.ts';
import { close, type EpisodeChange, type EpisodeState, type Finding, type Hysteresis, newEpisode, observe, open } from './episode.ts';

export interface AlertTrackerConfig {
  /** Kinds raised (others are never observed). */
  kinds: readonly AlertKind[];
  /** Windows (or health updates) a condition must hold to start, and be absent to end, an episode. */
  hysteresis: Hysteresis;
  /** Remaining life (median, s) under which `remaining_life` starts. */
  rulLeadTimeS: number;
  /** Seconds without a window from a machine or channel before `silence` starts. */
  silentAfterS: number;
}

/** An event as the tracker decides it; the processor adds when it raised it. */
export type AlertEvent = Omit<AlertEventV1, 'v' | 'raised_at_ms'>;

export interface AlertWindow {
  machine: string;
  channel: string;
  tsMs: number;
  zone: 'A' | 'B' | 'C' | 'D' | 'unknown';
  velocityMmS: number | undefined;
  sensor: { status: 'ok' | 'check_function'; reasonsText: string };
}

export interface AlertHealth {
  machine: string;
  tsMs: number;
  /** NE 107 state (HEALTH_STATES). */
  state: string;
  /** NaN: no estimate. */
  rulMedianS: number;
  rulBasis: string | null;
  /**
   * Why the baseline behind the state is suspect (models/health/baseline-quality.ts), when it is:
   * such a machine is at least maintenance_required, and the episode says why.
   */
  baselineSuspect?: string;
}

/** What follows a machine's model state. */
export interface AlertTrackerState {
  version: 1;
  /** By `<kind>/<channel>`. */
  episodes: Record<string, EpisodeState>;
  /** Last window time per channel (data time, ms). */
  lastWindowMs: Record<string, number>;
  lastHealthMs: number | null;
}

interface MachineAlerts {
  state: AlertTrackerState;
  /** Wall clock when each channel was last heard (not saved: a restore starts every channel's grace anew). */
  heardMs: Map<string, number>;
}

const HEALTH_SEVERITY: Record<string, AlertSeverity> = {
  maintenance_required: 'warning',
  out_of_specification: 'warning',
  failure: 'critical',
};

const key = (kind: AlertKind, channel: string) => `${kind}/${channel}`;

function formatDuration(s: number): string {
  if (s >= 86_400) return `${(s / 86_400).toFixed(1)} d`;
  if (s >= 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${Math.round(s)} s`;
}

export class AlertTracker {
  readonly #config: AlertTrackerConfig;
  readonly #machines = new Map<string, MachineAlerts>();

  constructor(config: AlertTrackerConfig) {
    this.#config = config;
  }

  #machine(machine: string): MachineAlerts {
    let m = this.#machines.get(machine);
    if (!m) {
      m = { state: { version: 1, episodes: {}, lastWindowMs: {}, lastHealthMs: null }, heardMs: new Map() };
      this.#machines.set(machine, m);
    }
    return m;
  }

  #episode(m: MachineAlerts, kind: AlertKind, channel: string): EpisodeState {
    const k = key(kind, channel);
    m.state.episodes[k] ??= newEpisode();
    return m.state.episodes[k];
  }

  #on(kind: AlertKind): boolean {
    return this.#config.kinds.includes(kind);
  }

  /** One analysed window, heard at `heardAtMs` (wall clock). */
  onWindow(w: AlertWindow, heardAtMs: number): AlertEvent[] {
    const m = this.#machine(w.machine);
    m.heardMs.set(w.channel, heardAtMs);
    const last = m.state.lastWindowMs[w.channel];
    if (last !== undefined && w.tsMs <= last) return []; // replayed: observed before the restore
    m.state.lastWindowMs[w.channel] = w.tsMs;
    const events: AlertEvent[] = [];
    const emit = (kind: AlertKind, channel: string, c: EpisodeChange | undefined) => {
      if (c) events.push(toEvent(w.machine, kind, channel, c));
    };
    if (this.#on('silence')) {
      // Heard again: a silence of the channel, and of the machine, ends here.
      emit('silence', w.channel, close(this.#episode(m, 'silence', w.channel), w.tsMs));
      emit('silence', WHOLE_MACHINE, close(this.#episode(m, 'silence', WHOLE_MACHINE), w.tsMs));
    }
    const failed = w.sensor.status === 'check_function';
    if (this.#on('sensor')) {
      const finding: Finding | null = failed ? { severity: 'warning', detail: `sensor check failed: ${w.sensor.reasonsText}` } : null;
      emit('sensor', w.channel, observe(this.#episode(m, 'sensor', w.channel), w.tsMs, finding, this.#config.hysteresis));
    }
    if (this.#on('iso_zone')) {
      let finding: Finding | null | undefined;
      if (failed || w.zone === 'unknown') finding = undefined;
      else if (w.zone === 'C' || w.zone === 'D') {
        const v = w.velocityMmS;
        finding = {
          severity: w.zone === 'D' ? 'critical' : 'warning',
          detail: `ISO 20816-3 zone ${w.zone}${v === undefined ? '' : `: velocity ${v.toFixed(2)} mm/s RMS`}`,
          ...(v === undefined || !Number.isFinite(v) ? {} : { value: v }),
        };
      } else finding = null;
      emit('iso_zone', w.channel, observe(this.#episode(m, 'iso_zone', w.channel), w.tsMs, finding, this.#config.hysteresis));
    }
    return events;
  }

  /** One health update of a machine (one fused window). */
  onHealth(h: AlertHealth): AlertEvent[] {
    const m = this.#machine(h.machine);
    if (m.state.lastHealthMs !== null && h.tsMs <= m.state.lastHealthMs) return [];
    m.state.lastHealthMs = h.tsMs;
    const events: AlertEvent[] = [];
    const unknown = h.state === 'check_function';
    if (this.#on('health_state')) {
      const severity = HEALTH_SEVERITY[h.state];
      const finding: Finding | null | undefined = unknown
        ? undefined
        : severity === undefined
          ? null
          : { severity, detail: `NE 107 state ${h.state}${h.baselineSuspect ? `; baseline suspect: ${h.baselineSuspect}` : ''}` };
      const c = observe(this.#episode(m, 'health_state', WHOLE_MACHINE), h.tsMs, finding, this.#config.hysteresis);
      if (c) events.push(toEvent(h.machine, 'health_state', WHOLE_MACHINE, c));
    }
    if (this.#on('remaining_life')) {
      const lead = this.#config.rulLeadTimeS;
      const under = Number.isFinite(h.rulMedianS) && h.rulMedianS < lead;
      const finding: Finding | null | undefined = unknown
        ? undefined
        : under
          ? {
              severity: 'warning',
              value: h.rulMedianS,
              detail: `remaining life ${formatDuration(h.rulMedianS)} (median, ${h.rulBasis ?? 'no'} basis) under the lead time of ${formatDuration(lead)}`,
            }
          : null;
      const c = observe(this.#episode(m, 'remaining_life', WHOLE_MACHINE), h.tsMs, finding, this.#config.hysteresis);
      if (c) events.push(toEvent(h.machine, 'remaining_life', WHOLE_MACHINE, c));
    }
    return events;
  }

  /**
   * The wall-clock check: machines (and channels of machines still heard) silent for longer than
   * silentAfterS at `nowMs`. `include` limits it to the machines the caller may decide for now.
   */
  tick(nowMs: number, include: (machine: string) => boolean = () => true): AlertEvent[] {
    if (!this.#on('silence')) return [];
    const limitMs = this.#config.silentAfterS * 1000;
    const events: AlertEvent[] = [];
    for (const [machine, m] of this.#machines) {
      if (m.heardMs.size === 0 || !include(machine)) continue;
      const heard = Math.max(...m.heardMs.values());
      const lastData = Math.max(...Object.values(m.state.lastWindowMs));
      const silentFor = (since: number) => (nowMs - since) / 1000;
      if (nowMs - heard > limitMs) {
        const c = open(this.#episode(m, 'silence', WHOLE_MACHINE), lastData + limitMs, {
          severity: 'warning',
          value: silentFor(heard),
          detail: `no data from the machine for more than ${formatDuration(this.#config.silentAfterS)}`,
        });
        if (c) events.push(toEvent(machine, 'silence', WHOLE_MACHINE, c));
        continue;
      }
      for (const [channel, heardAt] of m.heardMs) {
        if (nowMs - heardAt <= limitMs) continue;
        const c = open(this.#episode(m, 'silence', channel), (m.state.lastWindowMs[channel] ?? lastData) + limitMs, {
          severity: 'warning',
          value: silentFor(heardAt),
          detail: `no data from channel ${channel} for more than ${formatDuration(this.#config.silentAfterS)} while the machine's other channels send`,
        });
        if (c) events.push(toEvent(machine, 'silence', channel, c));
      }
    }
    return events;
  }

  /** Episodes open now, as `<kind>/<channel>` (for /health and tests). */
  openEpisodes(machine: string): string[] {
    const m = this.#machines.get(machine);
    if (!m) return [];
    return Object.entries(m.state.episodes)
      .filter(([, e]) => e.open !== null)
      .map(([k]) => k)
      .sort();
  }

  get machineIds(): string[] {
    return [...this.#machines.keys()];
  }

  /** A copy of the machine's state, to save with its model state. */
  checkpoint(machine: string): AlertTrackerState | undefined {
    const m = this.#machines.get(machine);
    return m ? (structuredClone(m.state) as AlertTrackerState) : undefined;
  }

  /** Take a machine's saved state back; every channel it knows counts as heard at `nowMs` (silence starts its grace anew). */
  restore(machine: string, state: AlertTrackerState, nowMs: number): void {
    if (state?.version !== 1 || typeof state.episodes !== 'object' || typeof state.lastWindowMs !== 'object')
      throw new Error(`alert state of machine ${machine}: unknown version ${String(state?.version)} (this build reads 1)`);
    const m: MachineAlerts = { state: structuredClone(state) as AlertTrackerState, heardMs: new Map() };
    for (const channel of Object.keys(state.lastWindowMs)) m.heardMs.set(channel, nowMs);
    this.#machines.set(machine, m);
  }

  /**
   * Put a machine's episodes back as `state` had them (a checkpoint taken before), keeping what was
   * heard: events that could not be delivered are decided again at the next check.
   */
  rollback(machine: string, state: AlertTrackerState): void {
    const m = this.#machines.get(machine);
    if (m) m.state = structuredClone(state) as AlertTrackerState;
  }

  /** Forget every machine (a rebalance: the kept ones are restored from the model-state topic). */
  clear(): void {
    this.#machines.clear();
  }
}

function toEvent(machine: string, kind: AlertKind, channel: string, c: EpisodeChange): AlertEvent {
  const base = {
    machine,
    kind,
    channel,
    severity: c.finding.severity,
    detail: c.finding.detail,
    ...(c.finding.value === undefined ? {} : { value: c.finding.value }),
  };
  if (c.event === 'start') return { ...base, event: 'start', ts_ms: c.atMs, started_at_ms: c.atMs };
  return { ...base, event: 'end', ts_ms: c.atMs, started_at_ms: c.startedAtMs, duration_s: Math.max(0, (c.atMs - c.startedAtMs) / 1000) };
}
