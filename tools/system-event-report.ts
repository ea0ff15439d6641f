/**
 * MODELS.md's system-event table (issue 13, section 7): every case of
 * tools/harness/system-event-cases.ts with the detector off (the control) and on: when the step
 * was, when the alarm came without the detector, when the event was recorded, when the first
 * alarm came with it, and its lead before failure. `node tools/system-event-report.ts [--print]`.
 */
import { resolve } from 'node:path';
import { START_MS } from './harness/simulated-pump.ts';
import {
  FEMTO_STEP_GAIN,
  FEMTO_STEP_INDEX,
  femtoStepCases,
  firstAlarm,
  rigCase,
  SIM_STEP_K,
  simulatedAcquisitionChange,
} from './harness/system-event-cases.ts';
import { publishSection, sectionMarkers } from './markdown-section.ts';

function duration(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

const pct = (t: number, life: number) => `${((100 * t) / life).toFixed(1)} %`;
const rows: string[] = [];

// Simulated pump: times in windows (1 s, 3 h of life each).
{
  const on = simulatedAcquisitionChange(true);
  const off = simulatedAcquisitionChange(false);
  const e = on.ups.find((u) => u.status.systemEvent !== null);
  const aOff = off.ups.find((u) => u.status.alarm);
  const aOn = on.ups.find((u) => u.status.alarm);
  rows.push(
    `| simulated pump, 3 channels: gain ×1.3 and +1 g bias on every channel at window ${SIM_STEP_K}, outer race fault from window 120, fails at ${on.failureK} | window ${SIM_STEP_K} | ${aOff ? `window ${aOff.k} (fault severity ${aOff.severity.toFixed(2)})` : 'none'} | ${e ? `step at window ${(e.status.systemEvent!.time * 1000 - START_MS) / 1000}, confirmed at ${e.k}` : 'not detected'} | ${aOn ? `window ${aOn.k} (severity ${aOn.severity.toFixed(2)})` : 'none'} | ${aOn ? `${on.failureK - aOn.k} windows (${duration((on.failureK - aOn.k) * 3 * 3600)} of life)` : '–'} |`,
  );
}

for (const seed of [7, 8, 9]) {
  const r = rigCase(seed);
  const e = r.on.find((s) => s.systemEvent !== null)?.systemEvent;
  const aOff = firstAlarm(r.off);
  const aOn = firstAlarm(r.on);
  rows.push(
    `| synthetic rig (seed ${seed}): 4 bearings × 2 channels × 6 statistics, a file every 20 min for 90 d; bias +20 %, gain +4–23 % on every channel at mid-life; bearing 3 wears from 85 % of life | ${duration(r.stepTime)} (50 %) | ${aOff < 0 ? 'none' : `${duration(r.times[aOff])} (${pct(r.times[aOff], r.lifetimeS)})`} | ${e ? `step at ${duration(e.time)}, confirmed at ${duration(e.detectedAt)}; ${e.features.length} of 48 columns stepped` : 'not detected'} | ${aOn < 0 ? 'none' : `${duration(r.times[aOn])} (${pct(r.times[aOn], r.lifetimeS)})`} | ${aOn < 0 ? '–' : duration(r.lifetimeS - r.times[aOn])} |`,
  );
}

for (const c of femtoStepCases()) {
  const e = c.on.find((s) => s.systemEvent !== null)?.systemEvent;
  const aOff = firstAlarm(c.off);
  const aOn = firstAlarm(c.on);
  const real = firstAlarm(c.original);
  const at = (i: number) => (i < 0 ? 'none' : `${c.times[i].toFixed(0)} s (${pct(c.times[i], c.lifetimeS)})`);
  rows.push(
    `| FEMTO ${c.bearing} (life ${duration(c.lifetimeS)}): RMS and peak ×${FEMTO_STEP_GAIN} on both channels from snapshot ${FEMTO_STEP_INDEX}; recorded history's first alarm ${at(real)} | ${at(FEMTO_STEP_INDEX)} | ${at(aOff)} | ${e ? `step at ${e.time.toFixed(0)} s, confirmed at ${e.detectedAt.toFixed(0)} s` : '**not detected**'} | ${at(aOn)} | ${aOn < 0 ? '–' : duration(c.lifetimeS - c.times[aOn])} |`,
  );
}

const { start, end } = sectionMarkers('system-events');
const lines = [
  start,
  '',
  '| case | step at | first alarm, detector off (control) | system event recorded | first alarm, detector on | alarm lead before failure |',
  '|---|---|---|---|---|---|',
  ...rows,
  '',
  end,
];
await publishSection(resolve(import.meta.dirname, '../MODELS.md'), 'system-events', lines.join('\n'));
