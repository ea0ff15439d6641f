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
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
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

const services = inject('services');
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
      processor: {
        machines: {
          [PRESS.id]: { bearings: { DE: '6205-2RS', NDE: '6203-2RS' }, shaftRpm: 1500 },
          [FAN.id]: { bearings: { DE: '6205-2RS' }, shaftRpm: 1500 },
        },
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

    const [span] = await sql(services, `SELECT cast(min(ts) AS long) lo, cast(max(ts) AS long) hi FROM ${T.blocks}`);
    range = { fromMs: Math.floor(Number(span.lo) / 1000) - 1000, toMs: Math.ceil(Number(span.hi) / 1000) + 1000 };
    await createContractTables(range.fromMs);

    machines = (await exec(expandQuery(variableSql('pdm-plant-overview', 'machine'), ctx({})))).rows.map((r) => String(r[0]));
    channels = (await exec(expandQuery(variableSql('pdm-machine-vibration', 'channel'), ctx({ machine: machines })))).rows.map((r) =>
      String(r[0]),
    );
    bands = (await exec(expandQuery(variableSql('pdm-machine-vibration', 'band'), ctx({})))).rows.map((r) => String(r[0]));
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
   * health worsening normal -> failure, alarm from the fourth record on, RUL shrinking; the
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
          `(${us(t0 + i * 1000)}, '${m}', ${i * 0.2}, '${state}', ${i >= 3}, ${1 - i * 0.15}, ${rul}, ${rul * 0.5}, ${rul * 2}, '${i < 3 ? 'fleet' : 'degradation'}', '${i < 2 ? '1450rpm/85%' : '1100rpm/40%'}')`,
        );
        truth.push(`(${us(t0 + i * 1000)}, '${m}', '${i < 5 ? 'degrading' : 'failed'}', 'outer_race', ${i * 0.2}, ${us(t0 + 5000)})`);
      }
    }
    await exec(
      `INSERT INTO ${T.health} (ts, machine, anomaly_score, health_state, alarm, health_index, rul_median_s, rul_lower_s, rul_upper_s, rul_basis, mode) VALUES ${health.join(', ')}`,
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
      expect(median(perSecond), m.id).toBe(m.channels.length * BLOCKS_PER_S);
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
});
