/**
 * The machine report in words: how times, durations, remaining lives and states read, whether a
 * channel's diagnosis names a fault, and the summary an engineer reads first (current state,
 * worst ISO zone, diagnosis with its confidence and basis, remaining life with its interval, open
 * alerts). Pure: the shaped report (machine-report-data.ts) in, plain text out (the page escapes it).
 */
import { HEALTH_STATES, NO_WAVEFORM } from '../../storage/schema.ts';
import type { ChannelNow, MachineReport, RulView } from './machine-report-data.ts';
import { DIAGNOSIS_TEXT, fixed } from './report-page.ts';

/** The unit a remaining life reads best in, from the longest median shown. */
export function rulUnit(longestS: number): RulView['unit'] {
  if (longestS < 2 * 3600) return 'min';
  if (longestS < 72 * 3600) return 'h';
  return 'd';
}

/** Seconds per remaining-life unit. */
export const UNIT_S = { min: 60, h: 3600, d: 86400 } as const;

/** A remaining life in the unit it reads best in, or in `unit` (an interval in its median's). */
export function lifeText(seconds: number, unit = rulUnit(seconds)): string {
  return `${fixed(seconds / UNIT_S[unit], unit === 'min' ? 0 : 1)} ${unit}`;
}

export function durationText(seconds: number): string {
  if (seconds < 120) return `${fixed(seconds, 0)} s`;
  if (seconds < 2 * 3600) return `${fixed(seconds / 60, 0)} min`;
  if (seconds < 72 * 3600) return `${fixed(seconds / 3600, 1)} h`;
  return `${fixed(seconds / 86400, 1)} d`;
}

export function stateText(state: string): string {
  const s = state.replaceAll('_', ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function utc(msValue: number): string {
  return Number.isFinite(msValue)
    ? new Date(msValue)
        .toISOString()
        .replace(/\.\d+Z$/, 'Z')
        .replace('T', ' ')
    : '–';
}

/** A channel whose diagnosis names a bearing fault. */
export function namesFault(c: ChannelNow): boolean {
  return c.diagnosis !== null && c.diagnosis !== 'none' && c.diagnosis !== NO_WAVEFORM;
}

/** A channel whose bearing was looked at (a scalar sensor's was not). */
export function isAssessed(c: ChannelNow): boolean {
  return c.diagnosis !== null && c.diagnosis !== NO_WAVEFORM;
}

export function diagnosisBasisText(c: ChannelNow): string {
  return c.diagnosisBasis === 'accumulated'
    ? `accumulated over ${c.accumulatedWindows ?? '?'} window${c.accumulatedWindows === 1 ? '' : 's'}`
    : 'latest window';
}

/** The report's summary in sentences (plain text; the renderer escapes it). */
export function summaryInWords(report: Omit<MachineReport, 'summary'>): string[] {
  const out: string[] = [];
  const h = report.latestHealth;
  if (h === undefined)
    out.push('Health: no health record in this range (the health model writes one per window once it has learned the machine).');
  else
    out.push(
      `Health at ${utc(h.tsMs)}: ${stateText(h.state)} (NE 107), anomaly score ${fixed(h.anomaly, 2)}${h.alarm ? ', anomaly alarm on' : ', no anomaly alarm'}.`,
    );
  const w = report.worstZone;
  if (w === undefined) out.push('Vibration: no windows in this range.');
  else {
    const now = report.now.map((c) => `${c.channel} zone ${c.zone} (${fixed(c.velocityMmS, 2)} mm/s)`).join(', ');
    out.push(
      `Worst ISO 20816-3 zone in the range: ${w.zone} (${fixed(w.velocityMmS, 2)} mm/s RMS on ${w.channel}); latest windows: ${now}.`,
    );
  }
  const faults = report.now.filter(namesFault);
  const assessed = report.now.filter(isAssessed);
  const scalar = report.now.filter((c) => c.diagnosis === NO_WAVEFORM).map((c) => c.channel);
  const scalarNote =
    scalar.length > 0 ? ` ${scalar.join(', ')}: no waveform (scalar sensor, overall values only), no bearing diagnosis.` : '';
  if (faults.length > 0)
    out.push(
      `Bearing diagnosis: ${faults.map((c) => `${c.channel} ${(DIAGNOSIS_TEXT[c.diagnosis!] ?? c.diagnosis!).toLowerCase()}, confidence ${fixed(c.confidence, 2)} (${diagnosisBasisText(c)})`).join('; ')}.${scalarNote}`,
    );
  else if (assessed.length > 0)
    out.push(
      `Bearing diagnosis: no bearing fault named on ${assessed.map((c) => `${c.channel} (${diagnosisBasisText(c)})`).join(', ')}.${scalarNote}`,
    );
  else if (scalar.length > 0) out.push(`Bearing diagnosis:${scalarNote}`);
  else if (report.now.length > 0) out.push('Bearing diagnosis: not assessed (no bearing configured at these channels, or no speed).');
  const rul = report.latestRul;
  if (rul === undefined) out.push('Remaining life: no estimate in this range.');
  else
    out.push(
      `Remaining life at ${utc(rul.tsMs)}: ${lifeText(rul.median)} (median), 90 % interval ${lifeText(rul.lower, rulUnit(rul.median))} – ${lifeText(rul.upper, rulUnit(rul.median))}; basis: ${rul.basis === 'degradation' ? "the machine's own degradation trend" : rul.basis === 'fleet' ? 'the fleet life distribution' : rul.basis || 'unknown'}.`,
    );
  const open = report.episodes.filter((e) => e.endedAtMs === undefined);
  const closed = report.episodes.length - open.length;
  out.push(
    open.length === 0
      ? `Alerts: none open at the end of the range${closed > 0 ? `; ${closed} episode${closed > 1 ? 's' : ''} ended in it` : ''}.`
      : `Alerts: ${open.length} open at the end of the range (${open.map((e) => `${e.kind}${e.channel === '*' ? '' : ` ${e.channel}`}, ${e.severity}, since ${utc(e.startedAtMs)}`).join('; ')})${closed > 0 ? `; ${closed} more ended in it` : ''}.`,
  );
  return out;
}

/** The NE 107 state names by rank (the state plot's axis). */
export const STATE_NAMES = HEALTH_STATES.map(stateText);
