/**
 * Measures what the stored evidence costs on disk in the real QuestDB: writes one machine-day of
 * `vibration_spectra` and `bearing_evidence` (3 channels with a bearing, 1 s windows, the
 * processor's default cadences and lines, no state changes), built from real spectra (the
 * CWRU outer-race record 130 through WindowAnalyzer.storedEvidence) and written through the
 * processor's sink, then reads the disk use of each table: QuestDB's own `table_partitions`
 * diskSize and, with --db-dir, the blocks the table's directory really occupies (`du`: QuestDB
 * pre-allocates column files, so their apparent size says little). Prints bytes per row and per
 * machine-day (the numbers in docs/storage.md). The probe tables are dropped afterwards.
 *
 *   node tools/spectra-storage.ts [--db-dir <questdb root>/db]
 *
 * Needs PDM_QUESTDB_HTTP (and PDM_QUESTDB_USER / PDM_QUESTDB_PASSWORD when QuestDB asks).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { questdbFromEnv } from '../common/endpoints.ts';
import { lookupBearing } from '../models/bearing/catalogue.ts';
import { WindowAnalyzer } from '../models/window-analysis.ts';
import { evidenceRow, type Row, spectrumRow } from '../storage/rows.ts';
import { tableDefinitions } from '../storage/schema.ts';
import { QuestdbSink } from '../storage/sink.ts';
import { questdbExec } from '../storage/sql.ts';
import { tableNames } from '../storage/tables.ts';
import { ProcessorConfigSpec } from '../stream-processing/processor-config.ts';

const { values: args } = parseArgs({ options: { 'db-dir': { type: 'string' } } });
const defaults = ProcessorConfigSpec.parse({}).spectra;
const CHANNELS = ['DE_X', 'DE_Y', 'NDE_X'];
const WINDOW_S = 1;
const DAY_S = 86_400;
const FS = 12_000;

const record = readFileSync(new URL('../../shared/data/cwru/12k_DE/130_OR007at6_0_DE.f32', import.meta.url));
const samples = new Float32Array(record.buffer.slice(record.byteOffset, record.byteOffset + record.byteLength));
const analyzer = new WindowAnalyzer({
  sampleRateHz: FS,
  windowSize: FS * WINDOW_S,
  shaftHz: 1796 / 60,
  bearing: lookupBearing('6205-2RS'),
});
const windows = Array.from({ length: 8 }, (_, i) => {
  const analysis = analyzer.analyze(samples.subarray(i * FS, (i + 1) * FS));
  return { analysis, stored: analyzer.storedEvidence(defaults.lines) };
});

const endpoint = questdbFromEnv();
const prefix = `storage_probe_${Date.now().toString(36)}_`;
const T = tableNames(prefix);
for (const d of tableDefinitions(prefix)) if (d.name === T.spectra || d.name === T.evidence) await questdbExec(endpoint, d.ddl);
const sink = await QuestdbSink.connect(endpoint.ilpConfig);
// Yesterday from midnight UTC: a whole day partition, well inside the TTL.
const t0 = BigInt(Math.floor(Date.now() / 86_400_000 - 1) * 86_400_000) * 1_000_000n;

async function writeAll(make: (emit: (r: Row) => void) => void): Promise<number> {
  let batch: Row[] = [];
  let n = 0;
  const pending: Row[][] = [];
  make((r) => {
    batch.push(r);
    n++;
    if (batch.length === 2000) {
      pending.push(batch);
      batch = [];
    }
  });
  pending.push(batch);
  for (const b of pending) await sink.writeBatch(b);
  return n;
}

const everyWindows = defaults.everyWindows;
const spectraRows = await writeAll((emit) => {
  for (let w = 0; w < DAY_S / WINDOW_S; w += everyWindows) {
    const { analysis, stored } = windows[(w / everyWindows) % windows.length];
    for (const channel of CHANNELS) {
      const common = {
        machine: 'probe',
        channel,
        reason: 'cadence' as const,
        windowSeq: w,
        startTimeNs: t0 + BigInt(w * WINDOW_S) * 1_000_000_000n,
        shaftHz: analysis.shaft.hz,
        processedAtUs: 0,
      };
      emit(spectrumRow(T, { ...common, kind: 'amplitude', ...stored.spectra.amplitude }));
      if (stored.spectra.envelope) emit(spectrumRow(T, { ...common, kind: 'envelope', ...stored.spectra.envelope }));
    }
  }
});
const bandsEvery = defaults.bandsEveryWindows;
const evidenceRows = await writeAll((emit) => {
  for (let w = 0; w < DAY_S / WINDOW_S; w += bandsEvery) {
    const { analysis, stored } = windows[w % windows.length];
    for (const channel of CHANNELS)
      for (const f of stored.families ?? [])
        emit(
          evidenceRow(T, {
            machine: 'probe',
            channel,
            windowSeq: w,
            startTimeNs: t0 + BigInt(w * WINDOW_S) * 1_000_000_000n,
            diagnosis: analysis.bearing.diagnosis,
            shaftHz: analysis.shaft.hz,
            ...f,
            processedAtUs: 0,
          }),
        );
  }
});
// One row the next day: the measured day's partition is then no longer the last (active) one,
// whose column files QuestDB keeps pre-allocated for appends; a closed partition's are trimmed.
const nextDay = t0 + BigInt(DAY_S) * 1_000_000_000n;
const { stored: s0, analysis: a0 } = windows[0];
const closing = {
  machine: 'probe',
  channel: 'DE_X',
  reason: 'cadence' as const,
  windowSeq: 0,
  startTimeNs: nextDay,
  shaftHz: a0.shaft.hz,
  processedAtUs: 0,
};
await sink.writeBatch([
  spectrumRow(T, { ...closing, kind: 'amplitude', ...s0.spectra.amplitude }),
  evidenceRow(T, { ...closing, diagnosis: 'none', ...(s0.families ?? [])[0]! }),
]);
await sink.close();

async function settled(table: string, rows: number): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await questdbExec(endpoint, `SELECT count() FROM ${table}`);
    if (Number(r.dataset[0]?.[0]) === rows) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`${table}: WAL not applied after 5 min`);
}

async function measure(table: string, rows: number, perDayRows: number): Promise<void> {
  await settled(table, rows + 1);
  const day = new Date(Number(t0 / 1_000_000n)).toISOString().slice(0, 10);
  const parts = await questdbExec(endpoint, `SELECT diskSize FROM table_partitions('${table}') WHERE name = '${day}'`);
  const quest = Number(parts.dataset[0]?.[0]);
  let allocated: number | undefined;
  const db = args['db-dir'];
  if (db) {
    // The day's partition directory only (the table's WAL segments are transient).
    const dir = readdirSync(db).find((d) => d === table || d.startsWith(`${table}~`));
    const part = dir && readdirSync(join(db, dir)).find((p) => p === day || p.startsWith(`${day}.`));
    if (dir && part) allocated = Number(execFileSync('du', ['-s', '-B1', join(db, dir, part)], { encoding: 'utf8' }).split(/\s/)[0]);
  }
  const perRow = (allocated ?? quest) / rows;
  console.log(
    `${table.slice(prefix.length)}: ${rows} rows; table_partitions diskSize ${quest} B${allocated !== undefined ? `, du ${allocated} B` : ''}; ` +
      `${perRow.toFixed(0)} B/row; ${perDayRows} rows per machine-day -> ${((perRow * perDayRows) / 1e6).toFixed(1)} MB per machine-day`,
  );
}

const spectraPerDay = (DAY_S / WINDOW_S / everyWindows) * CHANNELS.length * 2;
const evidencePerDay = (DAY_S / WINDOW_S / bandsEvery) * CHANNELS.length * 4;
console.log(
  `one machine, ${CHANNELS.length} channels with a bearing, ${WINDOW_S} s windows, spectra.lines ${defaults.lines}, spectra.everyWindows ${everyWindows}, spectra.bandsEveryWindows ${bandsEvery} (no state changes)`,
);
await measure(T.spectra, spectraRows, spectraPerDay);
await measure(T.evidence, evidenceRows, evidencePerDay);
for (const t of [T.spectra, T.evidence]) await questdbExec(endpoint, `DROP TABLE ${t}`);
