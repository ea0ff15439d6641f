/**
 * The diagnosis on recordings it has not been built on (issue 13, part 1): every case of the
 * physics-built set (tools/harness/unseen-set.ts: the shared 12 kHz records resampled to 24 and
 * 48 kHz with the content a faster sensor sees above 6 kHz, the fan-end channels as a weak
 * path, simulated faults at 48 kHz with other resonances and paths) through `analyzeRecord`,
 * the code `pdm analyze` runs, with the recorded (or simulated) speed, no healthy reference.
 *
 *   node tools/unseen-report.ts            # rewrite the section in MODELS.md
 *   node tools/unseen-report.ts --print    # print it instead
 *   node tools/unseen-report.ts --segment-revolutions-factor 2   # print the totals with segments
 *                                          # twice the bearing's default length (an experiment)
 *   node tools/unseen-report.ts --prewhitened-factor 3   # the same with the prewhitened second
 *                                          # look's segments 3 x the first pass's (default 2)
 *   node tools/unseen-report.ts --prewhitened-factor 0   # the same without the second look
 *
 * The section's second table is the set's `other-bearing` part (another bearing type, short
 * records), kept apart from the totals above because it was added after the changes they led to.
 *
 * The section sits between <!-- unseen-table:start --> and <!-- unseen-table:end -->.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookupBearing } from '../models/bearing/catalogue.ts';
import { requiredRevolutions } from '../models/bearing/geometry.ts';
import { analyzeRecord, type RecordAnalysis } from '../models/window-analysis.ts';
import { type UnseenCase, type UnseenOptions, unseenCases } from './harness/unseen-set.ts';
import { publishSection, sectionMarkers } from './markdown-section.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export type UnseenVerdict = 'correct' | 'missed' | 'wrong type' | 'false alarm' | 'seen through';

/**
 * A fault case is `correct` when its type is named, `missed` when `none`, `wrong type` otherwise;
 * a healthy case is `correct` when `none`, `seen through` when it names the fault of the other
 * bearing of the machine, `false alarm` for anything else.
 */
export function unseenVerdict(c: Pick<UnseenCase, 'truth' | 'seenThrough'>, diagnosis: string): UnseenVerdict {
  if (c.truth === 'none') {
    if (diagnosis === 'none') return 'correct';
    return c.seenThrough !== undefined && diagnosis === c.seenThrough ? 'seen through' : 'false alarm';
  }
  if (diagnosis === c.truth) return 'correct';
  return diagnosis === 'none' ? 'missed' : 'wrong type';
}

/** `segmentFactor`: the diagnosis's segments this many times the bearing's default length (1: as `pdm analyze`). */
export function analyzeCase(c: UnseenCase, segmentFactor = 1, prewhitenedFactor?: number): RecordAnalysis {
  const bearing = lookupBearing(c.bearing);
  const options = {
    ...(segmentFactor === 1 ? {} : { segmentRevolutions: requiredRevolutions(bearing) * segmentFactor }),
    ...(prewhitenedFactor === undefined ? {} : prewhitenedFactor === 0 ? { prewhitenedPass: false } : { prewhitenedFactor }),
  };
  return analyzeRecord(c.samples, { sampleRateHz: c.sampleRateHz, shaftHz: c.shaftHz, bearing }, options);
}

const SHORT: Record<string, string> = { outer_race: 'OR', inner_race: 'IR', rolling_element: 'RE', cage: 'C' };

function votes(a: RecordAnalysis): string {
  const v = a.segments.votes;
  const parts = (['outer_race', 'inner_race', 'rolling_element', 'cage'] as const)
    .filter((k) => v[k] > 0)
    .map((k) => `${SHORT[k]} ${v[k]}`);
  return `${parts.length ? parts.join(', ') : '-'} / ${a.segments.count}${a.segments.prewhitened ? ' (prewhitened)' : ''}`;
}

interface Tally {
  races: number;
  racesNamed: number;
  others: number;
  othersNamed: number;
  wrong: number;
  healthy: number;
  falseAlarms: number;
  seenThrough: number;
}

const emptyTally = (): Tally => ({
  races: 0,
  racesNamed: 0,
  others: 0,
  othersNamed: 0,
  wrong: 0,
  healthy: 0,
  falseAlarms: 0,
  seenThrough: 0,
});

function count(t: Tally, c: UnseenCase, v: UnseenVerdict): void {
  if (c.truth === 'none') {
    t.healthy++;
    if (v === 'false alarm') t.falseAlarms++;
    if (v === 'seen through') t.seenThrough++;
    return;
  }
  const race = c.truth === 'outer_race' || c.truth === 'inner_race';
  if (race) t.races++;
  else t.others++;
  if (v === 'correct') {
    if (race) t.racesNamed++;
    else t.othersNamed++;
  }
  if (v === 'wrong type') t.wrong++;
}

export async function runUnseen(
  options: Omit<UnseenOptions, 'root'> = {},
  onCase?: (c: UnseenCase, a: RecordAnalysis) => void,
  segmentFactor = 1,
  prewhitenedFactor?: number,
) {
  const groups = new Map<string, Tally>();
  const total = emptyTally();
  const rows: string[] = [];
  for await (const c of unseenCases({ root: ROOT, ...options })) {
    const a = analyzeCase(c, segmentFactor, prewhitenedFactor);
    const v = unseenVerdict(c, a.bearing.diagnosis);
    const t = groups.get(c.group) ?? emptyTally();
    groups.set(c.group, t);
    count(t, c, v);
    count(total, c, v);
    rows.push(`| ${c.id} | ${c.bearing} | ${c.truth} | ${a.bearing.diagnosis} | ${a.bearing.confidence.toFixed(2)} | ${votes(a)} | ${v} |`);
    onCase?.(c, a);
  }
  return { groups, total, rows };
}

const pct = (a: number, b: number) => (b === 0 ? '-' : `${a} / ${b} (${Math.round((100 * a) / b)} %)`);

function tallyRow(name: string, t: Tally): string {
  return `| ${name} | ${pct(t.racesNamed, t.races)} | ${pct(t.othersNamed, t.others)} | ${t.wrong} | ${t.healthy === 0 ? '-' : `${t.falseAlarms} / ${t.healthy}`} | ${t.seenThrough || '-'} |`;
}

/** The totals with other segment lengths, printed (MODELS.md records what they showed). */
async function segmentExperiment(factor: number, prewhitenedFactor?: number): Promise<void> {
  if (!(factor > 0)) throw new Error(`--segment-revolutions-factor must be a positive number, got ${factor}`);
  if (prewhitenedFactor !== undefined && !(prewhitenedFactor >= 0))
    throw new Error(`--prewhitened-factor must be a number >= 0 (0: no second look), got ${prewhitenedFactor}`);
  const { groups, total } = await runUnseen({}, () => process.stderr.write('.'), factor, prewhitenedFactor);
  process.stderr.write('\n');
  console.log(
    [
      `Segments ${factor} x the bearing's default length; ${prewhitenedFactor === 0 ? 'no prewhitened second look' : `the prewhitened second look's ${prewhitenedFactor ?? 'the default'} x that`}:`,
      '',
      ...tallyTable(groups, total),
    ].join('\n'),
  );
}

/** The totals table: a row per group, then all. */
function tallyTable(groups: Map<string, Tally>, total: Tally): string[] {
  return [
    "| rate / path | outer + inner race named | ball + cage named | wrong fault type | false alarms on healthy | seen through (other bearing's fault) |",
    '|---|---|---|---|---|---|',
    ...[...groups.entries()].map(([g, t]) => tallyRow(g, t)),
    tallyRow('**all**', total),
  ];
}

async function main(): Promise<void> {
  const at = process.argv.indexOf('--segment-revolutions-factor');
  const pw = process.argv.indexOf('--prewhitened-factor');
  if (at > 0 || pw > 0)
    return segmentExperiment(at > 0 ? Number(process.argv[at + 1]) : 1, pw > 0 ? Number(process.argv[pw + 1]) : undefined);
  const { start, end } = sectionMarkers('unseen-table');
  const { groups, total, rows } = await runUnseen({}, () => process.stderr.write('.'));
  const other = await runUnseen({ parts: ['other-bearing'] }, () => process.stderr.write('.'));
  process.stderr.write('\n');
  const text = [
    start,
    `Generated by \`node tools/unseen-report.ts\` (the set of tools/harness/unseen-set.ts, regenerated from fixed seeds; \`analyzeRecord\` as \`pdm analyze\` runs it, at the recorded or simulated speed, no healthy reference).`,
    '',
    ...tallyTable(groups, total),
    '',
    "Another bearing type and short records (the set's `other-bearing` part, added after the changes above, so nothing was tuned on it; Rexnord ZA-2115 at 20 kHz, one record of 1.024 s per case):",
    '',
    ...tallyTable(other.groups, other.total),
    '',
    '<details><summary>Every case</summary>',
    '',
    '| case | bearing given | truth | diagnosis | conf. | segment votes | verdict |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    ...other.rows,
    '',
    '</details>',
    end,
  ].join('\n');
  await publishSection(join(ROOT, 'MODELS.md'), 'unseen-table', text);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
