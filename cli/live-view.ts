/**
 * The live view of `pdm start`: a compact text dashboard redrawn every few seconds on a TTY (or
 * appended as plain blocks when stdout is a file/pipe), so a person sees at once where data goes
 * and what the models compute.
 */
import type { MachineStats } from '../ingest/collector/collector.ts';
import { NO_WAVEFORM } from '../storage/schema.ts';
import { SINGLE_MODE } from '../stream-processing/operating-mode.ts';
import type { ProcessorStats } from '../stream-processing/processor.ts';
import type { WindowCounters } from '../stream-processing/windowing.ts';

export interface LiveViewInput {
  startedAtMs: number;
  nowMs: number;
  where: string[];
  collector: MachineStats[];
  processor: ProcessorStats;
  windows: WindowCounters;
  truth?: Map<string, { state: string; faults: string }>;
  /** The machine's open alert episodes as `<kind>/<channel>` (absent: alerts off). */
  openAlerts?: (machine: string) => string[];
}

/** `   | alerts: iso_zone/DE_X, silence/*` when the machine has open episodes; empty otherwise. */
export function openAlertsText(open: readonly string[]): string {
  return open.length === 0 ? '' : `   | alerts: ${open.join(', ')}`;
}

function fmt(n: number | undefined, digits = 2): string {
  return n === undefined || !Number.isFinite(n) ? '-' : n.toFixed(digits);
}

/**
 * ` (baseline suspect)` when the machine's healthy baseline was judged suspect (learnt while the
 * machine was already faulty: its state is then at least maintenance_required, /health says why);
 * empty otherwise.
 */
export function baselineQualityText(quality: string | undefined): string {
  return quality === 'suspect' ? ' (baseline suspect: see /health)' : '';
}

/** Seconds as a short duration: 45s, 12m, 3.4h, 2.1d. */
export function shortDuration(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 120) return `${Math.round(s)}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  if (s < 172_800) return `${(s / 3600).toFixed(1)}h`;
  return `${(s / 86_400).toFixed(1)}d`;
}

/** Median with its 90 % interval; all of it at the model's horizon reads as "beyond". */
function rulText(r: { median: number; lower: number; upper: number }): string {
  if (r.lower >= r.upper * 0.999) return `beyond ${shortDuration(r.upper)}`;
  return `${shortDuration(r.median)} [${shortDuration(r.lower)} – ${shortDuration(r.upper)}]`;
}

function pad(s: string, w: number): string {
  return s.length >= w ? s.slice(0, w) : s + ' '.repeat(w - s.length);
}

/**
 * Missing blocks split by cause: "not collected while the collector was stopped" (its own
 * downtime, a choice or a crash, not a fault of the plant) and "while the machine was not
 * running" (nothing acquired: no loss) apart from blocks lost while it ran,
 * which are worth a look. Causes: common/wire/gap-event.ts.
 */
export function missingText(collector: Pick<MachineStats, 'missingBlocks' | 'missingByCause'>[]): string {
  const total = collector.reduce((a, s) => a + s.missingBlocks, 0);
  if (total === 0) return '0 missing';
  const byCause = new Map<string, number>();
  for (const s of collector)
    for (const [cause, n] of Object.entries(s.missingByCause)) byCause.set(cause, (byCause.get(cause) ?? 0) + (n ?? 0));
  const down = byCause.get('collector_down') ?? 0;
  const stopped = byCause.get('not_running') ?? 0;
  const running = [...byCause]
    .filter(([c, n]) => c !== 'collector_down' && c !== 'not_running' && n > 0)
    .map(([c, n]) => `${n} ${c.replaceAll('_', ' ')}`);
  const parts = [
    ...(down > 0 ? [`${down} while the collector was stopped`] : []),
    ...(stopped > 0 ? [`${stopped} while the machine was not running`] : []),
    ...(running.length > 0 ? [`lost while running: ${running.join(', ')}`] : []),
  ];
  return `${total} missing (${parts.join('; ')})`;
}

/** What went in and came out: the collector's blocks and the processor's windows and rows. */
export function countsLine(v: Pick<LiveViewInput, 'collector' | 'processor' | 'windows'>): string {
  const p = v.processor;
  const blocksIn = v.collector.reduce((a, s) => a + s.blocksIn, 0);
  const blocksOut = v.collector.reduce((a, s) => a + s.blocksOut, 0);
  // Scalar sensors' readings (overall values, no blocks); absent in stats of older callers.
  const scalarIn = v.collector.reduce((a, s) => a + (s.scalarIn ?? 0), 0);
  const rows = Object.values(p.rowsOut).reduce((a, b) => a + b, 0);
  return `collector: ${blocksIn} blocks in, ${blocksOut} to Kafka, ${missingText(v.collector)}${scalarIn > 0 ? `, ${scalarIn} scalar readings` : ''}   processor: ${p.blocksIn} blocks, ${p.windowsAnalysed} windows analysed (${v.windows.incomplete} incomplete), ${rows} rows to QuestDB, ${p.deadLettered} dead-lettered`;
}

export function renderLiveView(v: LiveViewInput): string {
  const upS = Math.round((v.nowMs - v.startedAtMs) / 1000);
  const p = v.processor;
  const lines: string[] = [];
  lines.push(`pdm local factory — up ${upS}s — Ctrl-C to stop`);
  for (const w of v.where) lines.push(`  ${w}`);
  lines.push('');
  lines.push(`  ${countsLine(v)}`);
  lines.push('');
  lines.push(
    `  ${pad('machine', 18)} ${pad('link', 12)} ${pad('channel', 8)} ${pad('rms g', 7)} ${pad('kurt', 6)} ${pad('vel mm/s', 8)} ${pad('ISO', 3)} bearing`,
  );
  const summaries: string[] = [];
  const byMachine = new Map<string, Array<[string, ProcessorStats['latest'] extends Map<string, infer V> ? V : never]>>();
  for (const [key, latest] of p.latest) {
    const [machine, channel] = key.split('/');
    const list = byMachine.get(machine) ?? [];
    list.push([channel, latest]);
    byMachine.set(machine, list);
  }
  for (const s of v.collector) {
    const machine = s.machine ?? s.endpoint;
    const channels = (byMachine.get(machine) ?? []).sort((a, b) => a[0].localeCompare(b[0]));
    const truth = v.truth?.get(machine);
    const truthText = truth ? `${truth.state}${truth.faults ? ` ${truth.faults}` : ''}` : '';
    if (channels.length === 0) {
      lines.push(`  ${pad(machine, 18)} ${pad(s.state, 12)} ${s.error ? s.error.slice(0, 90) : '(waiting for the first window)'}`);
      continue;
    }
    const h = v.processor.latestHealth.get(machine);
    const mode = v.processor.latestMode.get(machine);
    const inMode = mode && mode !== SINGLE_MODE ? ` [${mode}]` : '';
    const healthText = !h
      ? 'waiting for windows'
      : h.phase === 'baseline'
        ? `learning its healthy baseline${inMode}`
        : `${h.state}${baselineQualityText(v.processor.latestBaselineQuality.get(machine))}${h.alarm ? ', ALARM' : ''}, anomaly z=${fmt(h.score, 1)}, remaining life ${h.rulBasis ? `${rulText(h.rul)} (${h.rulBasis})` : 'unknown'}${inMode}`;
    const alerts = openAlertsText(v.openAlerts?.(machine) ?? []);
    summaries.push(`  ${pad(machine, 18)} ${healthText}${alerts}${truthText ? `   | truth: ${truthText}` : ''}`);
    channels.forEach(([channel, l], i) => {
      // "vs healthy" once the channel is diagnosed against its learnt healthy reference.
      const diag = diagnosisText(l);
      lines.push(
        `  ${pad(i === 0 ? machine : '', 18)} ${pad(i === 0 ? s.state : '', 12)} ${pad(channel, 8)} ${pad(fmt(l.features['rms'], 3), 7)} ${pad(fmt(l.features['kurtosis'], 1), 6)} ${pad(fmt(l.features['velocity_rms_mm_s'], 2), 8)} ${pad(l.zone, 3)} ${diag}`,
      );
    });
  }
  lines.push('');
  lines.push('  health (NE 107), alarms and remaining useful life per machine:');
  lines.push(...summaries);
  return lines.join('\n');
}

/**
 * A channel's bearing diagnosis in the live view: the accumulated one (over the channel's windows
 * since its last reset) leads, the window's own follows; "vs healthy" once the channel is
 * diagnosed against its learnt healthy reference.
 */
export function diagnosisText(l: {
  diagnosis: string;
  confidence: number;
  referenceWindows: number;
  accumulated?: { diagnosis: string; confidence: number; windows: number };
}): string {
  // A scalar sensor has no spectrum: "no waveform", never a healthy-looking "none".
  if (l.diagnosis === NO_WAVEFORM) return 'no waveform (scalar sensor)';
  const named = (d: string, c: number) => (d === 'none' ? 'none' : `${d} ${fmt(c, 2)}`);
  const own = named(l.diagnosis, l.confidence);
  const a = l.accumulated;
  return `${a ? `${named(a.diagnosis, a.confidence)} over ${a.windows} windows, this one ${own}` : own}${l.referenceWindows > 0 ? ' (vs healthy)' : ''}`;
}
