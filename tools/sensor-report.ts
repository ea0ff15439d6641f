/**
 * Regenerates the MODELS.md section `sensor-checks`: the sensor checks over every window of the
 * shared CWRU and FEMTO records (false positives, and the largest / smallest statistics, to show
 * the margins to the thresholds). `node tools/sensor-report.ts [--print]`.
 */
import { resolve } from 'node:path';
import { DEFAULT_SENSOR_CHECK } from '../models/sensor/sensor-check.ts';
import { recordSets, scanSet } from './harness/sensor-faults.ts';
import { publishSection, sectionMarkers } from './markdown-section.ts';

const exp = (v: number) =>
  v
    .toExponential(1)
    .replace('e', ' × 10^')
    .replace(/\^\+?(-?\d+)/, '<sup>$1</sup>');

const rows = recordSets().map(scanSet);
const { start, end } = sectionMarkers('sensor-checks');
const c = DEFAULT_SENSOR_CHECK;
const lines = [
  start,
  '',
  '| records | windows | flagged (false positives) | largest offset step (spreads) | most samples at an extreme | largest held share | largest mains share | lowest floor / top-band floor (g/√Hz) |',
  '|---|---:|---:|---:|---:|---:|---:|---|',
  ...rows.map(
    (r) =>
      `| ${r.set}: ${r.records} files | ${r.windows} | **${r.flagged}**${r.flagged > 0 ? ` (${JSON.stringify(r.reasons)})` : ''} | ${r.max.offsetStep.toFixed(2)} | ${r.max.extremeSamples} | ${r.max.heldShare.toFixed(4)} | ${r.max.mainsShare.toFixed(2)} | ${exp(r.min.floor)} / ${exp(r.min.topFloor)} |`,
  ),
  `| _thresholds_ | | | ${c.offsetStepSpreads} | max(${c.clipMinSamples}, ${c.clipShare} × window) | ${c.heldShare} | ${c.mainsShare} | ${exp(c.noiseFloorG)} |`,
  '',
  end,
];
await publishSection(resolve(import.meta.dirname, '../MODELS.md'), 'sensor-checks', lines.join('\n'));
