/**
 * The stream learns each channel's healthy envelope reference from its baseline, for real:
 * a simulated machine (OPC UA, SignAndEncrypt) whose own structural line sits exactly on its
 * 6205's BPFI — impacts at BPFI, modulated at shaft rate, ringing a 2 kHz resonance, the pattern
 * of an inner race fault — streams through the collector, Kafka and the processor's workers into
 * QuestDB. Until the baseline is complete its windows are called `inner_race` (nothing tells the
 * machine's line from a fault); after it, the processor has learnt the reference in a worker,
 * checkpointed it, and the same windows are `none`. An outer race fault that then appears is
 * still named.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelSpec, EnergyReading, MachineSignalSource } from '../../../ingest/simulator/signal-source.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { defectFrequencies } from '../../../models/bearing/geometry.ts';
import { validateReference } from '../../../models/bearing/reference.ts';
import type { MachineCheckpoint } from '../../../stream-processing/machine-health.ts';
import { type RunningPipeline, startPipeline } from '../../helpers/pipeline.ts';
import { sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';
import { addImpacts, machineBackground } from '../../unit/bearing/helpers/synthetic.ts';

const FS = 12_000;
const BLOCK = 1_200; // 100 ms
const WINDOW_BLOCKS = 14; // 16 800 samples: 1.4 s, 42 revolutions
const SHAFT_HZ = 29.95; // 1797 rpm
const LOOP_S = 40;
const BASELINE_WINDOWS = 8;
const REFERENCE_WINDOWS = 4;

const bearing = lookupBearing('6205-2RS');
const f = defectFrequencies(bearing, SHAFT_HZ);

/** The machine in good health (background plus its own line at BPFI), looped; an outer race fault can be switched on. */
class RigSource implements MachineSignalSource {
  readonly channels: ChannelSpec[] = [{ id: 'DE_X', location: 'DE', axis: 'X', sampleRateHz: FS, blockSize: BLOCK, units: 'g' }];
  readonly #healthy = addImpacts(machineBackground(FS, SHAFT_HZ, LOOP_S, 7), FS, {
    rateHz: f.bpfi,
    modulationHz: SHAFT_HZ,
    depth: 0.8,
    resonanceHz: 2000,
    amplitude: 0.12,
    seed: 7,
  });
  readonly #fault = addImpacts(new Float32Array(FS * LOOP_S), FS, {
    rateHz: f.bpfo,
    resonanceHz: 2000,
    amplitude: 0.3,
    jitter: 0.01,
    seed: 6,
  });
  /** Blocks from this sequence on carry the outer race fault. */
  faultFromSeq = Infinity;

  renderBlock(_channelId: string, seq: number, out: Float32Array): void {
    const n = this.#healthy.length;
    for (let i = 0; i < out.length; i++) {
      const k = (seq * BLOCK + i) % n;
      out[i] = this.#healthy[k] + (seq >= this.faultFromSeq ? this.#fault[k] : 0);
    }
  }

  energyAt(timeMs: number): EnergyReading {
    // A little load ripple, so the power-versus-load baseline has something to learn.
    const load = 80 + 2 * Math.sin(timeMs / 7_000);
    return {
      powerKw: 0.1375 * load,
      currentA: 20.5,
      voltageV: 400,
      powerFactor: 0.85,
      temperatureC: 45,
      speedRpm: SHAFT_HZ * 60,
      loadPct: load,
    };
  }
}

describe('processor: healthy envelope reference learnt in the stream', () => {
  const services = testServices();
  const prefix = `ref${Date.now().toString(36)}_`;
  const stateDir = mkdtempSync(join(tmpdir(), 'pdm-ref-state-'));
  const source = new RigSource();
  let pipeline: RunningPipeline;

  beforeAll(async () => {
    pipeline = await startPipeline({
      services,
      prefix,
      machines: [{ id: 'rig-1', source }],
      windowBlocks: WINDOW_BLOCKS,
      health: true,
      stateDir,
      processor: {
        health: {
          checkpointIntervalS: 1,
          monitor: { anomaly: { baseline: { windows: BASELINE_WINDOWS } } },
          reference: { windows: REFERENCE_WINDOWS },
        },
        machines: { 'rig-1': { bearings: { DE: '6205-2RS' } } },
        metrics: { port: 0, host: '127.0.0.1' },
      },
    });
  }, 60_000);

  afterAll(async () => {
    await pipeline?.stop();
  });

  it('diagnoses the machine line as inner_race during the baseline, learns the reference, and says none after it', async () => {
    const features = `${prefix}vibration_features`;
    const rows = await waitForRows(
      services,
      `SELECT window_seq, bearing_diagnosis, reference_windows FROM ${features} WHERE reference_windows > 0`,
      (r) => r.length >= 5,
      120_000,
    );
    expect(rows.length, 'windows analysed against a learnt reference').toBeGreaterThanOrEqual(5);
    expect(pipeline.processor.stats.referencesLearnt).toBe(1);
    expect(pipeline.processor.stats.referencesFailed).toBe(0);
    expect(rows.every((r) => r.reference_windows === REFERENCE_WINDOWS)).toBe(true);
    expect(rows.map((r) => r.bearing_diagnosis)).toEqual(rows.map(() => 'none'));
    // The accumulated diagnosis named the machine line too while there was no reference, and
    // started afresh with the reference (its windows are judged on another basis): none since.
    const accumulated = await sql(
      services,
      `SELECT reference_windows > 0 AS with_reference, accumulated_diagnosis, count() n FROM ${features} GROUP BY with_reference, accumulated_diagnosis`,
    );
    const withReference = accumulated.filter((r) => r.with_reference === true);
    expect(
      withReference.map((r) => r.accumulated_diagnosis),
      JSON.stringify(accumulated),
    ).toEqual(['none']);
    expect(
      accumulated.some((r) => r.with_reference === false && r.accumulated_diagnosis === 'inner_race'),
      JSON.stringify(accumulated),
    ).toBe(true);

    const before = await sql(services, `SELECT bearing_diagnosis, count() n FROM ${features} WHERE reference_windows = 0`);
    const byDiagnosis = Object.fromEntries(before.map((r) => [r.bearing_diagnosis, r.n]));
    expect(Number(byDiagnosis['inner_race'] ?? 0), JSON.stringify(byDiagnosis)).toBeGreaterThanOrEqual(BASELINE_WINDOWS);

    // Health rows carry the operating mode their model learnt (steady speed and load).
    const modes = await sql(services, `SELECT mode, count() n FROM ${prefix}machine_health`);
    expect(modes.map((r) => r.mode)).toEqual([expect.stringMatching(/^1797rpm\/(7[89]|8[012])%$/)]);
    // Its baseline (a machine line named inner_race, without impacts behind it) is judged good
    // against absolute physics (models/health/baseline-quality.ts), so the reference above was used.
    const quality = await sql(services, `SELECT baseline_quality, count() n FROM ${prefix}machine_health WHERE phase = 'monitoring'`);
    expect(quality.map((r) => r.baseline_quality)).toEqual(['good']);

    // The reference is part of the machine's checkpointed model state.
    const file = join(stateDir, 'rig-1.json');
    await waitForRows(
      services,
      'SELECT 1',
      () => existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as MachineCheckpoint).references !== undefined,
      10_000,
    );
    const cp = JSON.parse(readFileSync(file, 'utf8')) as MachineCheckpoint;
    const reference = validateReference(cp.references?.['DE_X']);
    expect(reference.windows).toBe(REFERENCE_WINDOWS);
    expect(reference.shaftHz.min).toBeCloseTo(SHAFT_HZ, 6);
    // So is the channel's accumulated diagnosis, started afresh with the reference as its basis.
    const diagnosis = cp.version === 2 ? cp.diagnoses?.['DE_X'] : undefined;
    expect(diagnosis?.basis).toMatch(/^[0-9a-f]{16}$/);
    expect(diagnosis?.resets).toBeGreaterThanOrEqual(1);
  }, 150_000);

  it('still names an outer race fault that appears after the baseline', async () => {
    const features = `${prefix}vibration_features`;
    const [{ last }] = (await sql(services, `SELECT max(window_seq) last FROM ${features}`)) as Array<{ last: number }>;
    // A few windows on, so no window straddles the switch.
    const fromWindow = Number(last) + 3;
    source.faultFromSeq = fromWindow * WINDOW_BLOCKS;
    const rows = await waitForRows(
      services,
      `SELECT bearing_diagnosis, reference_windows FROM ${features} WHERE window_seq >= ${fromWindow}`,
      (r) => r.length >= 5,
      60_000,
    );
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(rows.every((r) => r.reference_windows === REFERENCE_WINDOWS)).toBe(true);
    const named = rows.filter((r) => r.bearing_diagnosis === 'outer_race').length;
    expect(
      rows.filter(
        (r) => r.bearing_diagnosis === 'inner_race' || r.bearing_diagnosis === 'rolling_element' || r.bearing_diagnosis === 'cage',
      ),
    ).toEqual([]);
    expect(named, JSON.stringify(rows)).toBeGreaterThanOrEqual(rows.length - 1);
    // The accumulated diagnosis names it too once its windows add up (a few), and nothing else ever.
    const accumulated = await sql(
      services,
      `SELECT window_seq, accumulated_diagnosis FROM ${features} WHERE window_seq >= ${fromWindow} ORDER BY window_seq`,
    );
    expect(accumulated.at(-1)?.accumulated_diagnosis, JSON.stringify(accumulated)).toBe('outer_race');
    expect(accumulated.filter((r) => r.accumulated_diagnosis !== 'outer_race' && r.accumulated_diagnosis !== 'none')).toEqual([]);
  }, 90_000);

  it('counts what went in and what came out on /metrics and /health, as QuestDB holds it', async () => {
    await pipeline.stopCollecting();
    const processor = pipeline.processor;
    const blocks = `${prefix}vibration_blocks`;
    // Drained: every block the collector sent is a row.
    const sent = pipeline.collector.stats.reduce((n, s) => n + s.blocksOut, 0);
    await waitForRows(services, `SELECT count() n FROM ${blocks}`, (r) => Number(r[0]?.n) === sent, 60_000);
    await new Promise((r) => setTimeout(r, 1500)); // the last commit after the last write
    const base = `http://127.0.0.1:${processor.metricsPort}`;
    const health = (await (await fetch(`${base}/health`)).json()) as {
      status: string;
      counts: { blocksIn: number; rowsOut: Record<string, number>; referencesLearnt: number };
      machines: Array<{ machine: string; mode?: string; phase: string; baselineQuality?: Record<string, string> }>;
    };
    const metrics = await (await fetch(`${base}/metrics`)).text();
    const value = (line: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) => l.startsWith(line))
          ?.split(' ')
          .at(-1),
      );
    const [{ n: rows }] = (await sql(services, `SELECT count() n FROM ${blocks}`)) as Array<{ n: number }>;
    expect(health.status).toBe('ok');
    expect(health.counts.blocksIn).toBeGreaterThanOrEqual(sent);
    expect(health.counts.rowsOut[blocks]).toBeGreaterThanOrEqual(Number(rows));
    expect(value(`pdm_processor_rows_out_total{table="${blocks}"}`)).toBe(health.counts.rowsOut[blocks]);
    expect(value('pdm_processor_blocks_in_total')).toBe(health.counts.blocksIn);
    expect(value('pdm_processor_references_learnt_total')).toBe(1);
    expect(value('pdm_processor_references_suspect_total')).toBe(0);
    expect(value('pdm_processor_dead_lettered_total')).toBe(0);
    // Every window written has its latency observed: at least its own length after its first sample
    // (1.4 s here) less its length, so > 0, and on a pipeline keeping up, not minutes.
    const [{ n: featureRows }] = (await sql(services, `SELECT count() n FROM ${prefix}vibration_features`)) as Array<{ n: number }>;
    const latencies = value('pdm_processor_window_latency_seconds_count');
    expect(latencies).toBe(value('pdm_processor_windows_analysed_total'));
    expect(latencies).toBeGreaterThanOrEqual(Number(featureRows));
    expect(value('pdm_processor_window_latency_seconds_sum') / latencies).toBeGreaterThan(0);
    expect(value('pdm_processor_window_latency_seconds_bucket{le="60"}')).toBe(latencies);
    expect(health.machines).toEqual([
      expect.objectContaining({ machine: 'rig-1', phase: 'monitoring', mode: expect.stringMatching(/^1797rpm\//) }),
    ]);
    expect(Number.isFinite(value('pdm_processor_machine_anomaly_score{machine="rig-1"}'))).toBe(true);
    expect(Object.values(health.machines[0].baselineQuality ?? {})).toEqual(['good']);
  }, 90_000);
});
