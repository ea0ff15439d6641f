/**
 * Every panel's, variable's and annotation's SQL, expanded as Grafana and the QuestDB plugin
 * would expand it, run against the real QuestDB holding real pipeline data: two simulated
 * machines (OPC UA, SignAndEncrypt) -> collector -> Kafka -> processor -> QuestDB for a few
 * seconds, with a deliberate stall that makes one machine skip blocks (a real gap in the ledger).
 * machine_health (the processor's health model needs a longer baseline than this run) and
 * ground_truth (the simulator's) get a few rows from their documented contract in the same time
 * range, walking through every NE 107 state up to failure, so the panels that colour states are
 * exercised deterministically; both writers are tested against the same contract
 * (test/unit/dashboards, test/integration/simulator/ground-truth.test.ts).
 *
 * Queries run over QuestDB's HTTP /exec; Grafana's plugin sends the same SQL over the PostgreSQL
 * wire protocol to the same engine.
 *
 * The same data makes `pdm report`'s machine condition reports, opened in headless Chromium
 * (every plot drawn, the sections there, the alert episodes and gaps of the run listed);
 * screenshots in .pdm/test-output/reports/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAlertRules } from '../../../dashboards/alerting/rules.ts';
import { buildDashboards } from '../../../dashboards/build.ts';
import { QUERY_FORMAT } from '../../../dashboards/datasource.ts';
import { type DashboardQuery, dashboardQueries } from '../../../dashboards/inspect.ts';
import { type ExpansionContext, expandQuery } from '../../../dashboards/macros.ts';
import { pdmTables } from '../../../dashboards/tables.ts';
import { SineSource } from '../../../ingest/simulator/test-signals.ts';
import { contractTableDdl, HEALTH_STATES } from '../../../storage/schema.ts';
import { until } from '../../../tools/harness/ports.ts';
import { type RunningPipeline, startPipeline } from '../../helpers/pipeline.ts';
import { exec as execSql, sql, waitForRows } from '../../helpers/questdb.ts';
import { drawn, launchChromium, openReport } from '../../helpers/report-browser.ts';
import { testServices } from '../../helpers/services.ts';

const FS = 20_480;
const BLOCK = 2_048; // 100 ms blocks: 10 per second per channel
const BLOCKS_PER_S = FS / BLOCK;
const PRESS = {
  id: 'press-1',
  channels: [
    { id: 'DE_X', location: 'DE', axis: 'X' },
    { id: 'NDE_Y', location: 'NDE', axis: 'Y' },
  ],
} as const;
const FAN = { id: 'fan-2', channels: [{ id: 'DE_X', location: 'DE', axis: 'X' }] } as const;
const STALL_MS = 800;
/** Spectra of every 5th window (about one per 2 s here), so the waterfall has several; fault-band lines of every 2nd. */
const SPECTRA_EVERY = 5;
const BANDS_EVERY = 2;
const SPECTRUM_LINES = 800;
/** Bearings at the channels' locations, so windows are demodulated: envelope spectra and fault-band evidence. */
const MACHINE_MODELS = {
  [PRESS.id]: { bearings: { DE: '6205-2RS', NDE: '6203-2RS' }, shaftRpm: 1500 },
  [FAN.id]: { bearings: { DE: '6205-2RS' }, shaftRpm: 1500 },
};

const services = testServices();
const prefix = `dash${Date.now().toString(36)}_`;
const T = pdmTables(prefix);
const dashboards = buildDashboards({ tablePrefix: prefix });
const allQueries = dashboards.flatMap((b) => dashboardQueries(b.dashboard));

interface Result {
  columns: Array<{ name: string; type: string }>;
  rows: unknown[][];
}

async function exec(query: string): Promise<Result> {
  const res = await execSql(services, query);
  return { columns: res.columns, rows: res.dataset };
}

function rowsAsObjects(r: Result): Array<Record<string, unknown>> {
  return r.rows.map((row) => Object.fromEntries(r.columns.map((c, i) => [c.name, row[i]])));
}

function durationMs(text: string | undefined): number {
  const m = /^(\d+)(ms|s|m|h)$/.exec(text ?? '');
  if (!m) return 1000;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function findQuery(uid: string, title: string, refId = 'A'): DashboardQuery {
  const q = allQueries.find((x) => x.where === `${uid} / panel "${title}" / ${refId}`);
  if (!q) throw new Error(`no query ${uid} / ${title} / ${refId}`);
  return q;
}

describe('dashboard SQL against real pipeline data', () => {
  let pipeline: RunningPipeline;
  let range: { fromMs: number; toMs: number };
  let machines: string[] = [];
  let channels: string[] = [];
  let bands: string[] = [];
  /** [machine, channel] pairs as the Machine spectra dashboard's variables list them. */
  const spectrumChannels: Array<[string, string]> = [];
  const stats = (id: string) => pipeline.collector.stats.find((s) => s.machine === id);

  const ctx = (variables: ExpansionContext['variables'], intervalMs = 1000, all: string[] = []): ExpansionContext => ({
    ...range,
    intervalMs,
    variables,
    all,
  });

  beforeAll(async () => {
    const source = (channelsOf: typeof PRESS | typeof FAN, hz: number, seed: number) =>
      new SineSource({
        frequencyHz: hz,
        amplitudeG: 1,
        noiseRmsG: 0.05,
        sampleRateHz: FS,
        blockSize: BLOCK,
        channels: [...channelsOf.channels],
        seed,
      });
    pipeline = await startPipeline({
      services,
      prefix,
      windowBlocks: 4,
      // Bearings on every channel, so the accumulated diagnosis's panels have rows to show.
      // No silence episode while the queries run after collection has stopped (the silence rule is expected at 0).
      processor: {
        machines: MACHINE_MODELS,
        spectra: { everyWindows: SPECTRA_EVERY, bandsEveryWindows: BANDS_EVERY, lines: SPECTRUM_LINES },
        alerts: { silentAfterS: 3600 },
      },
      machines: [
        // Not 50 or 60 Hz: a pure tone at the grid frequency is what hum looks like (the sensor checks flag it).
        { id: PRESS.id, source: source(PRESS, 45, 1) },
        // Renders at most 2 missed blocks after a stall: the stall below becomes a gap here.
        { id: FAN.id, source: source(FAN, 25, 2), maxCatchUpBlocks: 2 },
      ],
    });
    await until(() => (stats(FAN.id)?.blocksIn ?? 0) >= 20, 60_000, 'fan-2 collecting');
    // Stall the whole process (servers included) so the fan's server skips ahead.
    const end = Date.now() + STALL_MS;
    while (Date.now() < end) {
      /* busy: nothing else runs */
    }
    await until(
      () => (stats(FAN.id)?.blocksIn ?? 0) >= 80 && (stats(PRESS.id)?.blocksIn ?? 0) >= 160,
      60_000,
      'both machines collecting after the stall',
    );
    await pipeline.stopCollecting();

    const sent = pipeline.collector.stats.reduce((n, s) => n + s.blocksOut, 0);
    const gapEvents = pipeline.collector.stats.reduce((n, s) => n + s.gaps, 0);
    await waitForRows(services, `SELECT count() n FROM ${T.blocks}`, (r) => Number(r[0]?.n) === sent);
    await waitForRows(services, `SELECT count() n FROM ${T.gaps}`, (r) => Number(r[0]?.n) === gapEvents);
    await waitForRows(services, `SELECT count() n FROM ${T.energy}`, (r) => Number(r[0]?.n) >= 2);
    await until(() => pipeline.processor.stats.windowsAnalysed > 0, 30_000, 'windows analysed');
    await waitForRows(services, `SELECT count() n FROM ${T.features}`, (r) => Number(r[0]?.n) === pipeline.processor.stats.windowsAnalysed);
    // Spectra and fault-band rows: exactly what the processor counted out (QuestDB applies each table's WAL on its own).
    const out = pipeline.processor.stats.rowsOut;
    await waitForRows(services, `SELECT count() n FROM ${T.spectra}`, (r) => Number(r[0]?.n) === out[T.spectra]);
    await waitForRows(services, `SELECT count() n FROM ${T.evidence}`, (r) => Number(r[0]?.n) === out[T.evidence]);

    const [span] = await sql(services, `SELECT cast(min(ts) AS long) lo, cast(max(ts) AS long) hi FROM ${T.blocks}`);
    range = { fromMs: Math.floor(Number(span.lo) / 1000) - 1000, toMs: Math.ceil(Number(span.hi) / 1000) + 1000 };
    await createContractTables(range.fromMs);

    machines = (await exec(expandQuery(variableSql('pdm-plant-overview', 'machine'), ctx({})))).rows.map((r) => String(r[0]));
    channels = (await exec(expandQuery(variableSql('pdm-machine-vibration', 'channel'), ctx({ machine: machines })))).rows.map((r) =>
      String(r[0]),
    );
    bands = (await exec(expandQuery(variableSql('pdm-machine-vibration', 'band'), ctx({})))).rows.map((r) => String(r[0]));
    for (const [m] of (await exec(expandQuery(variableSql('pdm-machine-spectra', 'machine'), ctx({})))).rows) {
      const chans = await exec(expandQuery(variableSql('pdm-machine-spectra', 'channel'), ctx({ machine: String(m) })));
      for (const [c] of chans.rows) spectrumChannels.push([String(m), String(c)]);
    }
  });

  afterAll(async () => {
    await pipeline?.stop();
  });

  function variableSql(uid: string, name: string): string {
    const q = allQueries.find((x) => x.where === `${uid} / variable $${name}`);
    if (!q) throw new Error(`no variable ${name} in ${uid}`);
    return q.rawSql;
  }

  /**
   * machine_health and ground_truth as documented, six records a second apart per machine:
   * health worsening normal -> failure, alarm from the fourth record on, RUL shrinking, the
   * press's baseline judged suspect (the fan's good) once learnt after the second record; the
   * simulator's failure five seconds in.
   */
  async function createContractTables(fromMs: number): Promise<void> {
    await exec(contractTableDdl('health', prefix));
    await exec(contractTableDdl('groundTruth', prefix));
    const t0 = fromMs + 1000;
    const us = (ms: number) => `cast(${ms * 1000} as timestamp)`;
    const health: string[] = [];
    const truth: string[] = [];
    for (const m of [PRESS.id, FAN.id]) {
      for (let i = 0; i < 6; i++) {
        // The machine states' ladder (check_function is the sensors', not the machine's).
        const ladder = HEALTH_STATES.filter((st) => st !== 'check_function');
        const state = ladder[Math.min(3, Math.floor(i / 1.5))];
        const rul = (5 - i) * 3600;
        health.push(
          `(${us(t0 + i * 1000)}, '${m}', ${i * 0.2}, '${state}', ${i >= 3}, ${1 - i * 0.15}, ${rul}, ${rul * 0.5}, ${rul * 2}, '${i < 3 ? 'fleet' : 'degradation'}', '${i < 2 ? '1450rpm/85%' : '1100rpm/40%'}', ${i < 2 ? 'null' : m === PRESS.id ? "'suspect'" : "'good'"})`,
        );
        truth.push(`(${us(t0 + i * 1000)}, '${m}', '${i < 5 ? 'degrading' : 'failed'}', 'outer_race', ${i * 0.2}, ${us(t0 + 5000)})`);
      }
    }
    await exec(
      `INSERT INTO ${T.health} (ts, machine, anomaly_score, health_state, alarm, health_index, rul_median_s, rul_lower_s, rul_upper_s, rul_basis, mode, baseline_quality) VALUES ${health.join(', ')}`,
    );
    await exec(`INSERT INTO ${T.groundTruth} (ts, machine, state, fault_type, severity, failure_at) VALUES ${truth.join(', ')}`);
    await waitForRows(services, `SELECT count() n FROM ${T.health}`, (r) => Number(r[0]?.n) === health.length);
    await waitForRows(services, `SELECT count() n FROM ${T.groundTruth}`, (r) => Number(r[0]?.n) === truth.length);
  }

  it('has two machines and the stall made a gap the collector reported', () => {
    expect(stats(FAN.id)?.gaps).toBeGreaterThanOrEqual(1);
    expect(stats(FAN.id)?.missingBlocks).toBeGreaterThanOrEqual(1);
    expect(pipeline.processor.stats.deadLettered).toBe(0);
  });

  it('variables list the machines, their channels and the band columns the models write', async () => {
    expect(machines).toEqual([FAN.id, PRESS.id]);
    expect(channels).toEqual(['DE_X', 'NDE_Y']);
    const fanChannels = (await exec(expandQuery(variableSql('pdm-machine-vibration', 'channel'), ctx({ machine: [FAN.id] })))).rows.map(
      (r) => String(r[0]),
    );
    expect(fanChannels).toEqual(['DE_X']);
    expect(bands.length).toBeGreaterThan(0);
    for (const b of bands) expect(b).toMatch(/^band_/);
    // The other dashboards' machine variables agree.
    for (const d of dashboards) {
      const q = dashboardQueries(d.dashboard).find((x) => x.where.endsWith('variable $machine'))!;
      expect(
        (await exec(expandQuery(q.rawSql, ctx({})))).rows.map((r) => String(r[0])),
        d.file,
      ).toEqual(machines);
    }
  });

  interface Selection {
    variables: Record<string, string | string[]>;
    /** Variables set to All (the plugin's $__conditionalAll then drops their filter). */
    all: string[];
  }

  /**
   * The selections each query runs with: All; every machine and channel picked one by one; one
   * machine. A panel repeated over a variable runs once per value, that value scoped to the copy
   * while the dashboard's selection stays All, as in Grafana.
   */
  function selections(q: DashboardQuery): Selection[] {
    // Machine spectra: one machine and one channel at a time (single-select), every pair that has spectra.
    if (q.where.startsWith('pdm-machine-spectra '))
      return spectrumChannels.map(([machine, channel]) => ({ variables: { machine, channel }, all: [] }));
    const base = { machine: machines, channel: channels };
    const all = ['machine', 'channel'];
    if (q.repeat === 'band') return bands.map((band) => ({ variables: { ...base, band }, all }));
    if (q.repeat === 'machine') return machines.map((machine) => ({ variables: { ...base, machine }, all }));
    return [
      { variables: base, all },
      { variables: base, all: [] },
      { variables: { ...base, machine: [FAN.id] }, all: [] },
    ];
  }

  it.each(allQueries.filter((q) => q.kind !== 'variable').map((q) => [q.where, q] as const))(
    '%s runs and returns rows',
    async (_where, q) => {
      for (const { variables, all } of selections(q)) {
        for (const intervalMs of [durationMs(q.minInterval), 3_600_000]) {
          const expanded = expandQuery(q.rawSql, ctx(variables, intervalMs, all));
          const r = await exec(expanded);
          const label = `${q.where} with ${JSON.stringify(variables)}${all.length ? ` (All: ${all.join(', ')})` : ''} at ${intervalMs} ms`;
          expect(r.rows.length, label).toBeGreaterThan(0);
          if (q.format === QUERY_FORMAT.timeSeries) {
            // The plugin turns long frames into series; that needs a time column first, ascending.
            expect(r.columns[0]?.type, label).toBe('TIMESTAMP');
            const times = r.rows.map((row) => Date.parse(String(row[0])));
            for (let i = 1; i < times.length; i++)
              expect(times[i], `${label}: row ${i} goes back in time`).toBeGreaterThanOrEqual(times[i - 1]);
          }
        }
      }
    },
  );

  it("block rate panel shows each machine's real rate: channels x 10 blocks/s in whole seconds", async () => {
    const q = findQuery('pdm-plant-overview', 'Vibration blocks in per second');
    const rows = rowsAsObjects(await exec(expandQuery(q.rawSql, ctx({ machine: machines }, 1000))));
    for (const m of [PRESS, FAN]) {
      // Interior seconds only: the first and last are partly outside the run.
      const perSecond = rows
        .filter((r) => r.machine === m.id)
        .map((r) => Number(r.blocks_per_s))
        .slice(1, -1);
      expect(perSecond.length, m.id).toBeGreaterThan(3);
      // The panel's per-second rate is each second's stored blocks, counted here from the raw rows.
      // (What was produced is the simulator's business: under heavy load it falls behind and skips
      // blocks, a gap the data-quality panels show, so the rate itself is compared with the rows.)
      const raw = rowsAsObjects(await exec(`SELECT ts FROM ${T.blocks} WHERE machine = '${m.id}'`));
      const counted = new Map<string, number>();
      for (const r of raw) {
        const second = String(r.ts).slice(0, 19);
        counted.set(second, (counted.get(second) ?? 0) + 1);
      }
      const panel = rows.filter((r) => r.machine === m.id).slice(1, -1);
      for (const r of panel) expect(Number(r.blocks_per_s), `${m.id} ${String(r.ts)}`).toBe(counted.get(String(r.ts).slice(0, 19)) ?? 0);
      // And it is the real rate, channels × 10 blocks/s, in most seconds of the run.
      expect(median(perSecond), m.id).toBeLessThanOrEqual(m.channels.length * BLOCKS_PER_S);
      expect(perSecond.filter((x) => x === m.channels.length * BLOCKS_PER_S).length, m.id).toBeGreaterThan(0);
    }
  });

  it('data-quality panels agree with what the collector counted', async () => {
    const all = ctx({ machine: machines });
    const sent = pipeline.collector.stats.reduce((n, s) => n + s.blocksOut, 0);
    const missing = pipeline.collector.stats.reduce((n, s) => n + s.missingBlocks, 0);
    const received = rowsAsObjects(await exec(expandQuery(findQuery('pdm-data-quality', 'Blocks received').rawSql, all)));
    expect(Number(received[0].blocks_received)).toBe(sent);
    // Missing in two parts: lost while the collector ran, and not collected while it was stopped.
    const byCause = (cause: string) => pipeline.collector.stats.reduce((n, s) => n + (s.missingByCause[cause as 'lost_in_flight'] ?? 0), 0);
    const lost = rowsAsObjects(await exec(expandQuery(findQuery('pdm-data-quality', 'Blocks lost while collecting').rawSql, all)));
    const notCollected = rowsAsObjects(
      await exec(expandQuery(findQuery('pdm-data-quality', 'Not collected: collector stopped').rawSql, all)),
    );
    expect(Number(lost[0].blocks_lost)).toBe(missing - byCause('collector_down'));
    expect(Number(notCollected[0].blocks_not_collected)).toBe(byCause('collector_down'));
    expect(missing).toBeGreaterThan(0);
    const completeness = rowsAsObjects(await exec(expandQuery(findQuery('pdm-data-quality', 'Completeness').rawSql, all)));
    expect(Number(completeness[0].completeness)).toBeCloseTo(sent / (sent + missing), 12);
    // Holes in each channel's sequence are exactly the blocks the collector reported missing.
    const perChannel = rowsAsObjects(await exec(expandQuery(findQuery('pdm-data-quality', 'Per channel in range').rawSql, all)));
    for (const s of pipeline.collector.stats) {
      const holes = perChannel.filter((r) => r.machine === s.machine).reduce((n, r) => n + Number(r.seq_holes), 0);
      expect(holes, s.machine).toBe(s.missingBlocks);
    }
    const ledger = rowsAsObjects(await exec(expandQuery(findQuery('pdm-data-quality', 'Gaps ledger').rawSql, all)));
    expect(ledger.every((g) => g.machine === FAN.id || stats(String(g.machine))!.gaps > 0)).toBe(true);
    expect(ledger.reduce((n, g) => n + Number(g.missing_blocks), 0)).toBe(missing);
    // The stall skipped blocks while the collector ran and stayed connected: lost in flight, each gap with its cause.
    for (const g of ledger) expect(g.cause, `${g.machine}/${g.channel}`).toBe('lost_in_flight');
    expect(byCause('lost_in_flight')).toBe(missing);
  });

  it("operating mode timeline shows each machine's modes in time order", async () => {
    const rows = rowsAsObjects(
      await exec(expandQuery(findQuery('pdm-health-rul', 'Operating mode').rawSql, ctx({ machine: machines }, 1000))),
    );
    for (const m of machines) {
      const modes = rows.filter((r) => r.machine === m && r.mode !== null).map((r) => r.mode);
      expect(modes, m).toEqual(['1450rpm/85%', '1450rpm/85%', '1100rpm/40%', '1100rpm/40%', '1100rpm/40%', '1100rpm/40%']);
    }
  });

  it('processing lag is at least one block long and plausible', async () => {
    const rows = rowsAsObjects(
      await exec(expandQuery(findQuery('pdm-plant-overview', 'Processing lag').rawSql, ctx({ machine: machines }))),
    );
    const lags = rows.map((r) => Number(r.avg_lag_s));
    // ts is the block's start: it cannot be written before the block has ended.
    expect(Math.min(...lags)).toBeGreaterThanOrEqual(BLOCK / FS);
    expect(Math.max(...rows.map((r) => Number(r.max_lag_s)))).toBeLessThan(60);
  });

  it('machine state shows one line per machine, joined with the latest health record', async () => {
    const all = ctx({ machine: machines });
    const vibration = rowsAsObjects(await exec(expandQuery(findQuery('pdm-plant-overview', 'Machine state', 'A').rawSql, all)));
    expect(vibration.map((r) => r.machine)).toEqual(machines);
    for (const r of vibration) {
      expect([1, 2, 3, 4]).toContain(Number(r.iso_zone));
      expect(Date.parse(String(r.last_window))).toBeLessThanOrEqual(range.toMs);
    }
    const health = rowsAsObjects(await exec(expandQuery(findQuery('pdm-plant-overview', 'Machine state', 'B').rawSql, all)));
    expect(health.map((r) => [r.machine, r.health_state, r.alarm])).toEqual(machines.map((m) => [m, 'failure', true]));
    const inAlarm = rowsAsObjects(await exec(expandQuery(findQuery('pdm-plant-overview', 'Machines in alarm').rawSql, all)));
    expect(Number(inAlarm[0].machines_in_alarm)).toBe(2);
  });

  it('annotations mark each alarm once, at its onset, and each simulated failure', async () => {
    const annotation = (name: string) => allQueries.find((q) => q.where === `pdm-health-rul / annotation "${name}"`)!;
    const t0 = range.fromMs + 1000;
    for (const selection of [machines, [FAN.id]]) {
      const onsets = rowsAsObjects(await exec(expandQuery(annotation('Alarm raised').rawSql, ctx({ machine: selection }))));
      expect(onsets.map((o) => [o.tags, Date.parse(String(o.time))]).sort()).toEqual(selection.map((m) => [m, t0 + 3000]).sort());
      const failures = rowsAsObjects(await exec(expandQuery(annotation('Simulated failure').rawSql, ctx({ machine: selection }))));
      expect(failures.map((f) => [f.tags, Date.parse(String(f.time))]).sort()).toEqual(selection.map((m) => [m, t0 + 5000]).sort());
    }
  });

  describe('Machine spectra', () => {
    const spectra = (uid: string, title: string, refId: string, machine: string, channel: string) =>
      exec(expandQuery(findQuery(uid, title, refId).rawSql, ctx({ machine, channel })));
    const UID = 'pdm-machine-spectra';
    const AMPLITUDE = 'Amplitude spectrum (latest) with 1X–10X';
    const ENVELOPE = 'Envelope spectrum (latest) with bearing defect frequencies';

    it('every machine channel has spectra and fault-band rows; the counts are what the processor counted out', async () => {
      expect(spectrumChannels).toEqual([
        [FAN.id, 'DE_X'],
        [PRESS.id, 'DE_X'],
        [PRESS.id, 'NDE_Y'],
      ]);
      const out = pipeline.processor.stats.rowsOut;
      const [n] = await sql(services, `SELECT count() n FROM ${T.spectra}`);
      expect(Number(n.n)).toBe(out[T.spectra]);
      // Fault-band rows: one per family of every BANDS_EVERY-th window and of every window with stored spectra.
      const [e] = await sql(services, `SELECT count() n, count_distinct(family) families FROM ${T.evidence}`);
      expect(Number(e.n)).toBe(out[T.evidence]);
      expect(Number(e.families)).toBe(4);
      const bandWindows = await sql(
        services,
        `SELECT e.machine, e.channel, e.window_seq, count() families, first(s.reason) reason FROM ${T.evidence} e LEFT JOIN ${T.spectra} s ON e.ts = s.ts AND e.machine = s.machine AND e.channel = s.channel AND s.kind = 'envelope' GROUP BY e.machine, e.channel, e.window_seq`,
      );
      for (const w of bandWindows) {
        expect(Number(w.families), `${w.machine}/${w.channel} ${w.window_seq}`).toBe(4);
        expect(Number(w.window_seq) % BANDS_EVERY === 0 || w.reason !== null, `${w.machine}/${w.channel} ${w.window_seq}`).toBe(true);
      }
      const kinds = await sql(services, `SELECT kind, count() n FROM ${T.spectra} ORDER BY kind`);
      expect(kinds.map((k) => k.kind)).toEqual(['amplitude', 'envelope']);
      // Every stored window has its amplitude spectrum; an envelope spectrum exactly when it was demodulated
      // (not when its sensor checks failed, e.g. across the stall), and then its fault-band rows too.
      const perWindow = await sql(
        services,
        `SELECT a.machine, a.channel, a.window_seq, e.lines envelope_lines, b.n bands
         FROM (SELECT * FROM ${T.spectra} WHERE kind = 'amplitude') a
         LEFT JOIN (SELECT ts, machine, channel, lines FROM ${T.spectra} WHERE kind = 'envelope') e ON e.ts = a.ts AND e.machine = a.machine AND e.channel = a.channel
         LEFT JOIN (SELECT ts, machine, channel, count() n FROM ${T.evidence} GROUP BY ts, machine, channel) b ON b.ts = a.ts AND b.machine = a.machine AND b.channel = a.channel`,
      );
      expect(perWindow.length).toBe(Number(kinds[0].n));
      expect(perWindow.filter((w) => w.envelope_lines !== null).length).toBe(Number(kinds[1].n));
      for (const w of perWindow)
        expect(w.bands === null ? 0 : Number(w.bands), `${w.machine}/${w.channel} ${w.window_seq}`).toBe(w.envelope_lines === null ? 0 : 4);
      expect(Number(kinds[1].n)).toBeGreaterThan(0);
      // Cadence: stored windows are those whose window_seq divides by SPECTRA_EVERY, or a diagnosis change.
      const stored = await sql(services, `SELECT window_seq, reason FROM ${T.spectra} WHERE kind = 'amplitude'`);
      for (const r of stored)
        expect(r.reason === 'cadence', `window ${r.window_seq} (${r.reason})`).toBe(Number(r.window_seq) % SPECTRA_EVERY === 0);
    });

    it('the array columns decode to the stored lengths and axes', async () => {
      const rows = await sql(
        services,
        `SELECT kind, lines, dim_length(spectrum, 1) decoded, start_hz, step_hz, shaft_hz FROM ${T.spectra}`,
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const r of rows) {
        expect(Number(r.decoded), `${r.kind}`).toBe(Number(r.lines));
        expect(Number(r.lines)).toBeLessThanOrEqual(SPECTRUM_LINES);
        expect(Number(r.start_hz)).toBe(0);
      }
      // The amplitude spectrum spans 0..fs/2.56 in exactly the configured lines (the FFT has more bins than that).
      for (const r of rows.filter((x) => x.kind === 'amplitude')) {
        expect(Number(r.lines)).toBe(SPECTRUM_LINES);
        expect(Number(r.step_hz) * (SPECTRUM_LINES - 1)).toBeCloseTo(FS / 2.56, 6);
      }
    });

    it('each panel returns the columns it draws, and the spectrum panels all the lines of the latest spectrum', async () => {
      const expected: Array<[string, string, string[]]> = [
        [AMPLITUDE, 'A', ['frequency_hz', 'amplitude_g']],
        [AMPLITUDE, 'B', ['frequency_hz', 'shaft_orders_g', 'shaft_order']],
        [ENVELOPE, 'A', ['frequency_hz', 'envelope_g2']],
        [ENVELOPE, 'B', ['frequency_hz', 'bpfo', 'bpfi', 'bsf', 'ftf']],
        ['Waterfall: amplitude spectra over time', 'A', ['ts', 'band_hz', 'amplitude_g']],
        ['BPFO (outer race): level over floor', 'A', ['ts', 'h1_over_floor_db', 'h2_over_floor_db', 'threshold_db']],
        ['Evidence strength per family', 'A', ['ts', 'family', 'strength_db']],
      ];
      for (const [machine, channel] of spectrumChannels) {
        for (const [title, refId, columns] of expected) {
          const r = await spectra(UID, title, refId, machine, channel);
          expect(
            r.columns.map((c) => c.name),
            `${title} ${refId} ${machine}/${channel}`,
          ).toEqual(columns);
          expect(r.rows.length, `${title} ${refId} ${machine}/${channel}`).toBeGreaterThan(0);
        }
        for (const [title, kind] of [
          [AMPLITUDE, 'amplitude'],
          [ENVELOPE, 'envelope'],
        ] as const) {
          const [latest] = await sql(
            services,
            `SELECT lines FROM ${T.spectra} WHERE machine = '${machine}' AND channel = '${channel}' AND kind = '${kind}' LATEST ON ts PARTITION BY kind`,
          );
          const r = await spectra(UID, title, 'A', machine, channel);
          expect(r.rows.length, `${title} ${machine}/${channel}`).toBe(Number(latest.lines));
          // Frequencies ascending, values finite (a spectrum, not holes).
          for (let i = 1; i < r.rows.length; i++) expect(Number(r.rows[i][0])).toBeGreaterThan(Number(r.rows[i - 1][0]));
          for (const row of r.rows) expect(Number.isFinite(Number(row[1]))).toBe(true);
        }
      }
    });

    it("the fan's 25 Hz tone is the amplitude spectrum's tallest line, within one line of the 1X marker", async () => {
      const r = rowsAsObjects(await spectra(UID, AMPLITUDE, 'A', FAN.id, 'DE_X'));
      const markers = rowsAsObjects(await spectra(UID, AMPLITUDE, 'B', FAN.id, 'DE_X'));
      const step = Number(r[1].frequency_hz) - Number(r[0].frequency_hz);
      const tallest = r.reduce((a, b) => (Number(b.amplitude_g) > Number(a.amplitude_g) ? b : a));
      expect(Math.abs(Number(tallest.frequency_hz) - 25)).toBeLessThanOrEqual(step / 2);
      const x1 = markers.find((m) => m.shaft_order === '1X')!;
      expect(Math.abs(Number(x1.frequency_hz) - Number(tallest.frequency_hz))).toBeLessThanOrEqual(step);
      // The marker sits on the spectrum's line there.
      expect(Number(x1.shaft_orders_g)).toBe(Number(tallest.amplitude_g));
      expect(markers.map((m) => m.shaft_order)).toEqual(['1X', '2X', '3X', '4X', '5X', '6X', '7X', '8X', '9X', '10X']);
    });

    it("the envelope markers are each family's harmonics at the stored window's defect frequencies", async () => {
      for (const [machine, channel] of spectrumChannels) {
        const markers = rowsAsObjects(await spectra(UID, ENVELOPE, 'B', machine, channel));
        const [env] = await sql(
          services,
          `SELECT ts FROM ${T.spectra} WHERE machine = '${machine}' AND channel = '${channel}' AND kind = 'envelope' LATEST ON ts PARTITION BY kind`,
        );
        const families = await sql(
          services,
          `SELECT family, defect_hz FROM ${T.evidence} WHERE machine = '${machine}' AND channel = '${channel}' AND ts = '${env.ts}'`,
        );
        expect(families.length, `${machine}/${channel}`).toBe(4);
        for (const f of families) {
          const column = String(f.family);
          const marked = markers.filter((m) => m[column] !== null).map((m) => Number(m.frequency_hz));
          expect(marked.length, `${machine}/${channel} ${column}`).toBeGreaterThanOrEqual(1);
          for (const [i, hz] of marked.entries()) expect(hz).toBeCloseTo((i + 1) * Number(f.defect_hz), 9);
        }
      }
    });
  });

  it('fleet overview: one line per machine with its state, zone, diagnosis, remaining life and the zone episodes open now', async () => {
    // Both machines run at 1 g: ISO 20816-3 zone D on every channel, so the processor opened one zone episode per channel.
    const channelCount = PRESS.channels.length + FAN.channels.length;
    await waitForRows(
      services,
      `SELECT count() n FROM ${T.alerts} WHERE kind = 'iso_zone' AND event = 'start'`,
      (r) => Number(r[0]?.n) === channelCount,
    );
    const r = await exec(expandQuery(findQuery('pdm-fleet', 'Machines by urgency').rawSql, ctx({ machine: machines })));
    expect(r.columns.map((c) => c.name)).toEqual([
      'machine',
      'health_state',
      'baseline_quality',
      'worst_zone',
      'diagnosis',
      'diagnosis_confidence',
      'rul_median_s',
      'rul_lower_s',
      'rul_upper_s',
      'rul_basis',
      'open_alerts',
      'open_kinds',
      'no_estimate',
      'health_rank',
    ]);
    const rows = rowsAsObjects(r);
    // Same remaining life and state (the contract rows): the order falls to the zone, then the name.
    expect(rows.map((x) => [x.machine, x.health_state, x.worst_zone, Number(x.rul_median_s), Number(x.open_alerts)])).toEqual([
      [FAN.id, 'failure', 4, 0, 1],
      [PRESS.id, 'failure', 4, 0, 2],
    ]);
    expect(rows.find((x) => x.machine === PRESS.id)!.open_kinds).toBe('iso_zone DE_X,iso_zone NDE_Y');
    expect(rows.map((x) => [x.machine, x.baseline_quality])).toEqual([
      [FAN.id, 'good'],
      [PRESS.id, 'suspect'],
    ]);
    const open = rowsAsObjects(await exec(expandQuery(findQuery('pdm-fleet', 'Open alert episodes').rawSql, ctx({ machine: [FAN.id] }))));
    expect(open.map((x) => [x.machine, x.kind, x.channel, x.severity])).toEqual([[FAN.id, 'iso_zone', 'DE_X', 'critical']]);
    expect(String(open[0].detail)).toMatch(/^ISO 20816-3 zone D: velocity \d+\.\d\d mm\/s RMS$/);
  });

  it("every alert rule's query returns a row per machine; the zone rule counts the open episodes", async () => {
    for (const rule of buildAlertRules({ tablePrefix: prefix })) {
      const rows = rowsAsObjects(await exec(expandQuery(rule.data[0].model.rawSql, ctx({}))));
      const expected = rule.labels.kind === 'iso_zone' ? [1, 2] : [0, 0];
      expect(
        rows.map((x) => [x.machine, Number(x.open_episodes)]),
        rule.uid,
      ).toEqual([
        [FAN.id, expected[0]],
        [PRESS.id, expected[1]],
      ]);
    }
  });

  describe('pdm report (machine condition report) on the same data', () => {
    const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
    const OUT = join(ROOT, '.pdm', 'test-output', 'reports');
    let dir = '';
    let config = '';

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'pdm-machine-report-'));
      config = join(dir, 'processor.yaml');
      await writeFile(config, `questdb: { tablePrefix: ${prefix} }\n`);
      await mkdir(OUT, { recursive: true });
    });
    afterAll(async () => {
      if (dir !== '') await rm(dir, { recursive: true, force: true });
    });

    function report(machine: string, out: string): Promise<{ code: number; stderr: string }> {
      const args = ['cli/pdm.ts', 'report', '--machine', machine, '--out', out, '--config', config];
      args.push('--from', new Date(range.fromMs).toISOString(), '--to', new Date(range.toMs).toISOString());
      return new Promise((resolve) => {
        execFile(
          process.execPath,
          args,
          {
            cwd: ROOT,
            env: {
              ...process.env,
              PDM_QUESTDB_HTTP: services.questdbHttp,
              ...(services.questdbUser ? { PDM_QUESTDB_USER: services.questdbUser, PDM_QUESTDB_PASSWORD: services.questdbPassword } : {}),
            },
          },
          (err, _stdout, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr }),
        );
      });
    }

    it('press-1: every plot drawn, every section there, the episodes the run raised listed, the markers at the stored frequencies', async () => {
      // The zone episodes the run raised (the fleet test above waits for them too).
      await waitForRows(
        services,
        `SELECT count() n FROM ${T.alerts} WHERE machine = '${PRESS.id}' AND event = 'start'`,
        (r) => Number(r[0]?.n) === 2,
      );
      const out = join(OUT, `machine-report-${PRESS.id}.html`);
      const run = await report(PRESS.id, out);
      expect(run.code, run.stderr).toBe(0);
      const browser = await launchChromium();
      try {
        const { page, network, errors } = await openReport(browser, out, 1000);
        expect(errors).toEqual([]);
        expect(network).toEqual([]);
        for (const id of ['summary', 'trends', 'health', 'rul', 'spectra', 'alerts', 'gaps'])
          expect(await page.locator(`section#${id}`).count(), id).toBe(1);
        const plots = await drawn(page);
        expect(Object.keys(plots).sort()).toEqual(
          [
            'velocity',
            'zone',
            'kurtosis',
            'evidence',
            'anomaly',
            'state',
            'rul',
            ...PRESS.channels.flatMap((c) => [`amplitude ${c.id}`, `envelope ${c.id}`]),
          ].sort(),
        );
        for (const [name, p] of Object.entries(plots)) expect(p.anySeries, name).toBeGreaterThan(20);
        // The alerts table: the episodes the processor stored for press-1, each still open.
        const starts = await sql(
          services,
          `SELECT kind, channel, severity FROM ${T.alerts} WHERE machine = '${PRESS.id}' AND event = 'start' ORDER BY ts, kind, channel`,
        );
        const listed = await page.locator('section#alerts tr.episode').evaluateAll((trs) =>
          // biome-ignore lint/suspicious/noExplicitAny: table rows of the page (no DOM library in the type checker here)
          trs.map((tr: any) => [...tr.querySelectorAll('td')].map((td: any) => String(td.textContent))),
        );
        expect(listed.map((r) => [r[3], r[4], r[5], r[1]])).toEqual(starts.map((a) => [a.kind, a.channel, a.severity, 'open']));
        // The summary in words: zone D (both channels run at 1 g), the health contract's last state and remaining life.
        const summary = String(await page.locator('section#summary').textContent());
        expect(summary).toContain('Worst ISO 20816-3 zone in the range: D');
        expect(summary).toContain('Failure (NE 107)');
        expect(summary).toMatch(/Alerts: 2 open at the end of the range/);
        // The bearing diagnosis is each channel's accumulated one, as stored with its last window.
        const accumulated = await sql(
          services,
          `SELECT channel, accumulated_windows FROM ${T.features} WHERE machine = '${PRESS.id}' LATEST ON ts PARTITION BY channel`,
        );
        expect(accumulated.length).toBe(PRESS.channels.length);
        for (const a of accumulated)
          expect(summary).toMatch(new RegExp(`${a.channel}[^;.]*\\(accumulated over ${Number(a.accumulated_windows)} windows\\)`));
        // Markers: 1X..10X at each amplitude spectrum's stored speed; each family's defect frequency of the envelope's window.
        const spectra = await page.evaluate(
          () =>
            (
              globalThis as unknown as {
                pdmReport: {
                  data: {
                    spectra: Array<{
                      channel: string;
                      kind: string;
                      tsMs: number;
                      shaftHz: number;
                      markers: Array<{ hz: number; label: string; family?: string; strong: boolean }>;
                    }>;
                  };
                };
              }
            ).pdmReport.data.spectra,
        );
        for (const s of spectra) {
          if (s.kind === 'amplitude') {
            expect(s.markers.map((m) => m.label)).toEqual(['1X', '2X', '3X', '4X', '5X', '6X', '7X', '8X', '9X', '10X']);
            for (const [i, m] of s.markers.entries()) expect(m.hz).toBeCloseTo((i + 1) * s.shaftHz, 2);
          } else {
            const families = await sql(
              services,
              `SELECT family, defect_hz FROM ${T.evidence} WHERE machine = '${PRESS.id}' AND channel = '${s.channel}' AND ts = '${new Date(s.tsMs).toISOString()}'`,
            );
            expect(families.length, s.channel).toBe(4);
            for (const f of families) {
              const fundamental = s.markers.find((m) => m.family === f.family && m.strong);
              expect(fundamental?.hz, `${s.channel} ${f.family}`).toBeCloseTo(Number(f.defect_hz), 2);
            }
          }
        }
        await page.screenshot({ path: join(OUT, `machine-report-${PRESS.id}.png`), fullPage: true });
        await page.screenshot({ path: join(OUT, `machine-report-${PRESS.id}-top.png`) });
        await page.close();

        // fan-2: the gap the stall made is listed, as many blocks as the collector reported missing.
        const fanOut = join(OUT, `machine-report-${FAN.id}.html`);
        expect((await report(FAN.id, fanOut)).code).toBe(0);
        const fan = await openReport(browser, fanOut, 1000);
        expect(fan.errors).toEqual([]);
        const gapRows = await fan.page.locator('section#gaps tr.gap').evaluateAll((trs) =>
          // biome-ignore lint/suspicious/noExplicitAny: table rows of the page
          trs.map((tr: any) => [...tr.querySelectorAll('td')].map((td: any) => String(td.textContent))),
        );
        expect(gapRows.length).toBe(stats(FAN.id)!.gaps);
        expect(gapRows.reduce((n, r) => n + Number(r[4]), 0)).toBe(stats(FAN.id)!.missingBlocks);
        await fan.page.locator('section#gaps').screenshot({ path: join(OUT, `machine-report-${FAN.id}-gaps.png`) });
        await fan.page.close();
      } finally {
        await browser.close();
      }
    });

    it('an unknown machine: exit 1, the known machines named, no file written', async () => {
      const out = join(dir, 'nope.html');
      const run = await report('pump-404', out);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`unknown machine 'pump-404'`);
      expect(run.stderr).toContain(`${FAN.id}, ${PRESS.id}`);
      expect(existsSync(out)).toBe(false);
    });
  });
});
