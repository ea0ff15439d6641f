import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headlineFigures, headlineKeys, mergeHeadline } from '../../../bench/headline.ts';
import { keptSections, sectionTitles } from '../../../bench/report.ts';
import { targetsLines } from '../../../bench/targets.ts';
import { existingMarkedSection, writeMarkedSection } from '../../../tools/benchmarks-section.ts';

const run = { node: 'v24.0.0', cpus: 2, loadAverage: [1, 2, 3], at: '2026-12-03T07:00:00.000Z' };

describe('BENCHMARKS.json headline figures', () => {
  it('reads each bench summary into its figures, a missing value as null', () => {
    expect(headlineFigures('window-analysis', { full: { windowsPerSecPerCore: 700 }, ratioTsOverPython: 2.3 })).toEqual({
      dsp_windows_per_s: 700,
      dsp_ratio_vs_numpy: 2.3,
    });
    // fft: numpy time over ours at the window-analysis size (8192), higher = faster than numpy
    const fft = headlineFigures('fft', {
      results: [
        { n: 4096, fftjsUs: 10 },
        { n: 8192, fftjsUs: 80 },
      ],
      python: { '8192': { numpy: 40, scipy: 30 } },
    });
    expect(fft.fft_ratio_vs_numpy).toBe(0.5);
    const scaling = headlineFigures('processor-scaling', {
      results: [
        { processes: 1, workersPerProcess: 1, samplesPerS: 1000, ratioVsOneProcessOneWorker: 1 },
        { processes: 1, workersPerProcess: 2, samplesPerS: 1500, ratioVsOneProcessOneWorker: 1.5 },
        { processes: 2, workersPerProcess: 1, samplesPerS: 1700, ratioVsOneProcessOneWorker: 1.7 },
      ],
    });
    expect(scaling).toEqual({ processor_samples_per_s: 1000, pool_scaling_2_threads: 1.5, processor_scaling_2_processes: 1.7 });
    expect(headlineFigures('collector', { cpuMsPerMachineSecond: Number.NaN })).toEqual({
      collector_cpu_ms_per_machine_s: null,
      collector_cpu_ratio_vs_bare_client: null,
    });
    expect(headlineFigures('collector-compression', { anything: 1 })).toEqual({});
  });

  it('takes the end-to-end figures from a same-cores run and only the pipeline-alone figure from an --external-simulator run', () => {
    const sameCores = { externalSimulator: false, machinesSustained: 24, latencyS: { p50: 1.2, p95: 1.9, p99: 2.4 } };
    expect(headlineFigures('e2e', sameCores)).toEqual({
      e2e_machines: 24,
      e2e_latency_p50_s: 1.2,
      e2e_latency_p95_s: 1.9,
      e2e_latency_p99_s: 2.4,
    });
    expect(headlineFigures('e2e', { ...sameCores, externalSimulator: true, machinesSustained: 12 })).toEqual({
      e2e_machines_external_simulator: 12,
    });
    // so the two runs, in either order, keep each other's figures
    const both = mergeHeadline(
      mergeHeadline(undefined, headlineFigures('e2e', sameCores), run),
      { e2e_machines_external_simulator: 12 },
      run,
    );
    expect([both.e2e_machines, both.e2e_machines_external_simulator]).toEqual([24, 12]);
  });

  it('keeps the figures of benches that did not run, with their dates, and has every key', () => {
    const first = mergeHeadline(undefined, { dsp_windows_per_s: 700, fft_ratio_vs_numpy: 0.5 }, run);
    for (const key of headlineKeys) expect(first).toHaveProperty(key);
    expect(first.e2e_machines).toBeNull();
    expect(first.measured_at_by_figure).toEqual({ dsp_windows_per_s: run.at, fft_ratio_vs_numpy: run.at });

    const later = { ...run, at: '2026-12-04T07:00:00.000Z' };
    const second = mergeHeadline(first, { fft_ratio_vs_numpy: null, simulator_machines_per_process: 24 }, later);
    expect(second.dsp_windows_per_s).toBe(700);
    expect(second.measured_at_by_figure.dsp_windows_per_s).toBe(run.at);
    // a bench that ran and did not produce its figure does not keep the stale one
    expect(second.fft_ratio_vs_numpy).toBeNull();
    expect(second.measured_at_by_figure.fft_ratio_vs_numpy).toBeUndefined();
    expect(second.simulator_machines_per_process).toBe(24);
    expect(second.measured_at).toBe(later.at);
  });
});

describe('BENCHMARKS.md sections kept by a partial run', () => {
  const md = [
    '# Benchmarks',
    '',
    '## Machine',
    '',
    '| CPU | x |',
    '',
    '## FFT implementations',
    '',
    'Command: `node bench/fft.bench.ts` (3 s)',
    '',
    '| N | µs |',
    '',
    '## Window analysis (models)',
    '',
    'text',
    '',
    '<!-- soak:begin -->',
    '## Soak (`npm run soak`)',
    'soak text',
  ].join('\n');

  it('returns the asked sections marked as earlier, never the soak or the machine', () => {
    const kept = keptSections(md, ['FFT implementations', 'Soak (`npm run soak`)'], ['window-analysis']);
    expect([...kept.keys()]).toEqual(['FFT implementations']);
    const fft = kept.get('FFT implementations') ?? '';
    expect(fft).toMatch(/^## FFT implementations\n\n_Kept from an earlier run: the latest `npm run bench` ran only window-analysis._\n/);
    expect(fft).toContain('| N | µs |');
    expect(fft).not.toContain('Window analysis');
  });

  it('knows the section title of every bench in bench/ (a bench without one loses its section on a partial run)', () => {
    const benches = readdirSync(new URL('../../../bench/', import.meta.url))
      .filter((f) => f.endsWith('.bench.ts'))
      .map((f) => f.replace(/\.bench\.ts$/, ''));
    expect(benches.length).toBeGreaterThan(5);
    expect(benches.filter((b) => !sectionTitles[b])).toEqual([]);
  });

  it('replaces an earlier kept note instead of stacking them', () => {
    const once = keptSections(md, ['FFT implementations'], ['collector']).get('FFT implementations') ?? '';
    const twice = keptSections(`# B\n\n${once}`, ['FFT implementations'], ['fft-free']).get('FFT implementations') ?? '';
    expect(twice.match(/_Kept from an earlier run/g)).toHaveLength(1);
    expect(twice).toContain('ran only fft-free');
  });
});

describe('BENCHMARKS.md sections of the long runs (soak, end to end)', () => {
  it('are written in place between their markers, found again, and never taken for a bench section', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pdm-bench-md-')), 'BENCHMARKS.md');
    writeFileSync(file, '# Benchmarks\n\n## FFT implementations\n\nfft table\n');
    writeMarkedSection(file, 'e2e', 'bench/e2e.ts', ['## End to end', '', 'first run']);
    writeMarkedSection(file, 'soak', 'tools/soak.ts', ['## Soak', '', 'soak run']);
    writeMarkedSection(file, 'e2e', 'bench/e2e.ts', ['## End to end', '', 'second run']);
    const text = readFileSync(file, 'utf8');
    expect(text.match(/## End to end/g)).toHaveLength(1);
    expect(text).toContain('second run');
    expect(text).not.toContain('first run');
    expect(existingMarkedSection(file, 'soak', 'tools/soak.ts')).toMatch(/^<!-- soak:begin .*\n## Soak\n\nsoak run\n<!-- soak:end -->$/);
    expect(existingMarkedSection(file, 'e2e', 'bench/e2e.ts')).toContain('second run');
    // A partial npm run bench keeps bench sections from above the long runs only.
    expect([...keptSections(text, ['FFT implementations', 'End to end', 'Soak'], ['x']).keys()]).toEqual(['FFT implementations']);
  });
});

describe('BENCHMARKS.md targets (issue 16)', () => {
  const row = (lines: string[], goal: string) => lines.find((l) => l.startsWith(`| ${goal}`)) ?? '';

  it('puts each goal beside its figure, says whether it is met, and explains only the missed ones', () => {
    const lines = targetsLines({ dsp_ratio_vs_numpy: 4.2, dsp_windows_per_s: 900, simulator_machines_per_process: 24 });
    expect(row(lines, 'Full window analysis')).toMatch(/\| 4\.2× \(900 windows\/s per core\) \| yes \|\s*\|$/);
    expect(row(lines, 'Simulator')).toMatch(/\| 24 machines \| \*\*no\*\* \| 76 machines short in the ramp\./);
    expect(row(lines, 'Collector')).toMatch(/\| not measured yet \| - \| Not measured yet: `npm run bench -- collector`/);
  });

  it("states the collector's producer's share from the producer bench's figures", () => {
    // kafkajs 200 ms per 1000 frames at 30 frames per machine-second = 6 ms per machine-second; the
    // collector's producer (@platformatic/kafka) half of it: 3 ms
    const lines = targetsLines({
      collector_cpu_ms_per_machine_s: 60,
      collector_cpu_ratio_vs_bare_client: 2,
      kafka_producer_cpu_ms_per_1000_frames: 200,
      kafka_producer_platformatic_cpu_ratio: 0.5,
    });
    expect(row(lines, 'Collector')).toContain('spends 60 ms of CPU per machine-second, its OPC UA client alone 30');
    expect(row(lines, 'Collector')).toContain("it spends 0.5× kafkajs's CPU, about 3 instead of 6 ms per machine-second");
  });
});
