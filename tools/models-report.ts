/**
 * Regenerates the CWRU results table of MODELS.md ("Vibration analysis and bearing diagnosis"):
 * every record of ../shared/data/cwru (relative to the repository root, resolved from it below),
 * each channel analysed with its own end's bearing (DE: 6205-2RS, FE: 6203-2RS), at the
 * recorded speed and again with the speed estimated from the spectrum, each without and with
 * the rig's healthy reference: record 97 (Normal_0, 48 kHz), the same channel, for every record
 * (the rig's only healthy record here; no choice per record or label).
 *
 *   node tools/models-report.ts            # rewrite the table in MODELS.md
 *   node tools/models-report.ts --print    # print it instead
 *
 * The table sits between the markers <!-- cwru-table:start --> and <!-- cwru-table:end -->;
 * nothing else in MODELS.md is touched.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { lookupBearing } from '../models/bearing/catalogue.ts';
import { USABLE_BANDWIDTH_FACTOR } from '../models/bearing/kurtogram.ts';
import { analyzeRecord, type EnvelopeReference, type RecordAnalysis, referenceFromRecords } from '../models/window-analysis.ts';
import { CWRU_TRUTH, type CwruRecord } from './harness/cwru-records.ts';
import { publishSection, sectionMarkers } from './markdown-section.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, '..', 'shared', 'data');
const { start: START, end: END } = sectionMarkers('cwru-table');

const TRUTH = CWRU_TRUTH;

/**
 * What counts as wrong (written once, used by the report and by test/unit/bearing/cwru.test.ts):
 * the seeded fault is always in the drive-end bearing. A DE-channel diagnosis is wrong when it
 * names a fault type other than the seeded one. An FE-channel record is analysed with the FE
 * bearing's geometry; naming the seeded type there is "seen through" (the DE fault's type, at the
 * wrong bearing), naming any other type is wrong. On the healthy baseline any fault is wrong.
 */
export function verdict(
  r: Pick<CwruRecord, 'fault_location' | 'sensor_position'>,
  diagnosis: string,
): 'correct' | 'none' | 'seen through' | 'wrong' {
  const truth = TRUTH[r.fault_location];
  if (diagnosis === 'none') return truth === 'none' ? 'correct' : 'none';
  if (diagnosis !== truth) return 'wrong';
  return r.sensor_position === 'DE' ? 'correct' : 'seen through';
}

export async function loadCwru(): Promise<CwruRecord[]> {
  const meta = JSON.parse(await readFile(join(DATA, 'cwru', 'metadata.json'), 'utf8')) as { records: CwruRecord[] };
  return meta.records;
}

async function samplesOf(r: CwruRecord): Promise<Float32Array> {
  const bytes = await readFile(join(DATA, r.file));
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
}

const bearingOf = (r: Pick<CwruRecord, 'sensor_position'>) => lookupBearing(r.sensor_position === 'DE' ? '6205-2RS' : '6203-2RS');

/** The rig's healthy record (97, Normal_0) that serves as every record's reference. */
export const REFERENCE_RECORD = 97;
const references = new Map<string, EnvelopeReference>();

/**
 * The healthy reference of one channel of the rig: record 97 (48 kHz) at its recorded speed
 * (`given`) or at the speed estimated from its spectrum, for `forRateHz` data (bands up to
 * forRateHz / 2.56, the band the diagnosis of those records searches).
 */
export async function cwruReference(channel: 'DE' | 'FE', speed: 'given' | 'estimated', forRateHz = 12000): Promise<EnvelopeReference> {
  const key = `${channel} ${speed} ${forRateHz}`;
  let ref = references.get(key);
  if (ref === undefined) {
    const healthy = (await loadCwru()).find((r) => r.cwru_file_number === REFERENCE_RECORD && r.sensor_position === channel);
    if (healthy === undefined) throw new Error(`no record ${REFERENCE_RECORD} ${channel} in metadata.json`);
    ref = referenceFromRecords(
      [
        {
          samples: await samplesOf(healthy),
          sampleRateHz: healthy.sampling_rate_hz,
          shaftHz: speed === 'given' ? healthy.shaft_speed_rpm / 60 : undefined,
          name: healthy.file,
        },
      ],
      {
        bearing: bearingOf(healthy),
        maxFrequencyHz: forRateHz / USABLE_BANDWIDTH_FACTOR,
      },
    );
    references.set(key, ref);
  }
  return ref;
}

export async function analyzeCwru(r: CwruRecord, speed: 'given' | 'estimated', withReference = false): Promise<RecordAnalysis> {
  const reference = withReference ? await cwruReference(r.sensor_position, speed, r.sampling_rate_hz) : undefined;
  return analyzeRecord(await samplesOf(r), {
    sampleRateHz: r.sampling_rate_hz,
    shaftHz: speed === 'given' ? r.shaft_speed_rpm / 60 : undefined,
    bearing: bearingOf(r),
    reference,
  });
}

const SHORT: Record<string, string> = { outer_race: 'OR', inner_race: 'IR', rolling_element: 'RE', cage: 'C' };

/** The lines the reference discounted, most frequent first: "IR h1 143.6 Hz 2/3 (7.2 dB)". */
function discounted(a: RecordAnalysis): string {
  const l = [...(a.bearing.discounted ?? [])].sort((x, y) => (y.segments ?? 0) - (x.segments ?? 0)).slice(0, 3);
  return l.length === 0
    ? '-'
    : l
        .map((d) => `${SHORT[d.type]} ${d.line} ${d.hz.toFixed(1)} Hz ${d.segments}/${a.segments.count} (${d.reference_db.toFixed(1)} dB)`)
        .join('; ');
}

function votes(a: RecordAnalysis): string {
  const v = a.segments.votes;
  const parts = [
    ['OR', v.outer_race],
    ['IR', v.inner_race],
    ['RE', v.rolling_element],
    ['C', v.cage],
  ]
    .filter(([, n]) => (n as number) > 0)
    .map(([k, n]) => `${k} ${n}`);
  return `${parts.length ? parts.join(', ') : '-'} / ${a.segments.count}`;
}

async function main(): Promise<void> {
  const records = await loadCwru();
  const rows: string[] = [];
  const empty = () => ({ correct: 0, none: 0, 'seen through': 0, wrong: 0 });
  const tally = { given: empty(), givenRef: empty(), estimated: empty(), estimatedRef: empty() };
  for (const r of records) {
    const g = await analyzeCwru(r, 'given');
    const gr = await analyzeCwru(r, 'given', true);
    const e = await analyzeCwru(r, 'estimated');
    const er = await analyzeCwru(r, 'estimated', true);
    const [vg, vgr, ve, ver] = [g, gr, e, er].map((a) => verdict(r, a.bearing.diagnosis));
    tally.given[vg]++;
    tally.givenRef[vgr]++;
    tally.estimated[ve]++;
    tally.estimatedRef[ver]++;
    const label = `${r.cwru_file_number} ${r.cwru_label}`;
    rows.push(
      `| ${label} | ${r.sensor_position} | ${r.sampling_rate_hz / 1000} | ${TRUTH[r.fault_location]} | ${g.bearing.diagnosis} (${votes(g)}) ${vg} | **${gr.bearing.diagnosis}** | ${gr.bearing.confidence.toFixed(2)} | ${votes(gr)} | ${vgr} | ${discounted(gr)} | ${g.features.velocity_rms_mm_s.toFixed(2)} | ${g.iso20816.zone} | ${g.features.kurtosis.toFixed(2)} | ${e.shaft.hz.toFixed(2)} (${(r.shaft_speed_rpm / 60).toFixed(2)}) | ${e.bearing.diagnosis} (${ve}) / ${er.bearing.diagnosis} (${ver}) |`,
    );
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  const t = (x: Record<string, number>) => `${x.correct} correct, ${x.none} none, ${x['seen through']} seen through, ${x.wrong} wrong`;
  const table = [
    START,
    `Generated by \`node tools/models-report.ts\` (${records.length} records; DE channel with 6205-2RS, FE channel with 6203-2RS; ISO group 2, rigid; reference: record ${REFERENCE_RECORD} Normal_0, same channel, 48 kHz, bands up to 12000 / 2.56 Hz).`,
    '',
    `- Recorded speed, no reference: ${t(tally.given)}.`,
    `- Recorded speed, reference ${REFERENCE_RECORD}: ${t(tally.givenRef)}.`,
    `- Estimated speed, no reference: ${t(tally.estimated)}.`,
    `- Estimated speed, reference ${REFERENCE_RECORD} (its speed estimated too): ${t(tally.estimatedRef)}.`,
    '',
    `| record | ch | kHz | truth (DE bearing) | no reference: diagnosis (votes) verdict | with reference ${REFERENCE_RECORD} | conf. | segment votes | verdict | lines discounted (most frequent; segments; reference level) | velocity mm/s | ISO | kurtosis | est. shaft Hz (recorded) | at est. speed: no reference / reference |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    END,
  ].join('\n');
  await publishSection(join(ROOT, 'MODELS.md'), 'cwru-table', table);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
