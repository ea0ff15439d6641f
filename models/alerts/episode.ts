/**
 * One alert condition's episode, with hysteresis: an episode starts only after the condition has
 * held for `confirm` consecutive observations, and ends only after it has been absent for `clear`
 * consecutive observations, so a value hovering at a boundary does not flap. An observation may
 * also be unknown (e.g. a sensor that failed its checks says nothing about the zone): it neither
 * confirms nor clears. Pure, and the state is plain JSON (it follows the machine's model state).
 *
 * The start time is the first observation of the confirming run (when the condition began), the
 * end time the first of the clearing run: both come from the data, so a replay reproduces them.
 */
import type { AlertSeverity } from '../../common/wire/alert-event.ts';

export interface Hysteresis {
  /** Consecutive observations with the condition before an episode starts. */
  confirm: number;
  /** Consecutive observations without it before the episode ends. */
  clear: number;
}

/** What one observation found, when the condition holds. */
export interface Finding {
  severity: AlertSeverity;
  value?: number;
  detail: string;
}

export interface EpisodeState {
  /** The open episode, if any. */
  open: { startedAtMs: number; severity: AlertSeverity; value?: number; detail: string } | null;
  /** The current run of observations that disagree with `open` (a run towards a start, or towards an end). */
  run: number;
  /** Time of the first observation of that run; null when no run. */
  runSinceMs: number | null;
  /** The worst finding of a run towards a start (what the start will say). */
  runFinding: Finding | null;
}

export type EpisodeChange =
  | { event: 'start'; atMs: number; finding: Finding }
  | { event: 'end'; atMs: number; startedAtMs: number; finding: Finding };

export function newEpisode(): EpisodeState {
  return { open: null, run: 0, runSinceMs: null, runFinding: null };
}

const RANK: Record<AlertSeverity, number> = { warning: 0, critical: 1 };

function worse(a: Finding | null, b: Finding): Finding {
  return a === null || RANK[b.severity] > RANK[a.severity] ? b : a;
}

/**
 * Feed one observation at `atMs`: `finding` when the condition holds, null when it does not,
 * `undefined` when unknown. Mutates `s`; returns the start or end it causes, if any.
 */
export function observe(s: EpisodeState, atMs: number, finding: Finding | null | undefined, h: Hysteresis): EpisodeChange | undefined {
  if (finding === undefined) return undefined;
  if (s.open === null) {
    if (finding === null) {
      s.run = 0;
      s.runSinceMs = null;
      s.runFinding = null;
      return undefined;
    }
    if (s.run === 0) s.runSinceMs = atMs;
    s.run++;
    s.runFinding = worse(s.runFinding, finding);
    if (s.run < h.confirm) return undefined;
    const started = s.runFinding;
    s.open = { startedAtMs: s.runSinceMs!, severity: started.severity, detail: started.detail };
    if (started.value !== undefined) s.open.value = started.value;
    s.run = 0;
    s.runSinceMs = null;
    s.runFinding = null;
    return { event: 'start', atMs: s.open.startedAtMs, finding: started };
  }
  if (finding !== null) {
    // Still present: the run towards an end starts again; the episode keeps its worst severity.
    s.run = 0;
    s.runSinceMs = null;
    if (RANK[finding.severity] > RANK[s.open.severity]) {
      s.open.severity = finding.severity;
      s.open.detail = finding.detail;
      if (finding.value !== undefined) s.open.value = finding.value;
    }
    return undefined;
  }
  if (s.run === 0) s.runSinceMs = atMs;
  s.run++;
  if (s.run < h.clear) return undefined;
  const { startedAtMs, severity, value, detail } = s.open;
  const endedAtMs = s.runSinceMs!;
  s.open = null;
  s.run = 0;
  s.runSinceMs = null;
  return { event: 'end', atMs: endedAtMs, startedAtMs, finding: value === undefined ? { severity, detail } : { severity, value, detail } };
}

/**
 * Close an open episode at once (e.g. data came back after a silence): no clearing run. Never
 * before it started (data that arrives late carries earlier times): an end that sorted before its
 * start would leave the episode looking open to whoever reads the latest event.
 */
export function close(s: EpisodeState, at: number): EpisodeChange | undefined {
  if (s.open === null) return undefined;
  const { startedAtMs, severity, value, detail } = s.open;
  const atMs = Math.max(at, startedAtMs);
  s.open = null;
  s.run = 0;
  s.runSinceMs = null;
  s.runFinding = null;
  return { event: 'end', atMs, startedAtMs, finding: value === undefined ? { severity, detail } : { severity, value, detail } };
}

/** Open an episode at once (a silence is confirmed by its own threshold). */
export function open(s: EpisodeState, atMs: number, finding: Finding): EpisodeChange | undefined {
  if (s.open !== null) return undefined;
  s.open = { startedAtMs: atMs, severity: finding.severity, detail: finding.detail };
  if (finding.value !== undefined) s.open.value = finding.value;
  s.run = 0;
  s.runSinceMs = null;
  s.runFinding = null;
  return { event: 'start', atMs, finding };
}
