/**
 * BENCHMARKS.md's "Targets" section (issue 16): each goal beside the latest figure in
 * BENCHMARKS.json, whether it is met, and for a goal missed which stage limits, by how much, and
 * what would move it. `npm run bench` and `npm run bench:e2e` rewrite it after they update
 * BENCHMARKS.json, so the table never disagrees with the figures. The "what limits" text comes
 * from profiles and measurements named beside it; the numbers in it are the JSON's.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeMarkedSection } from '../tools/benchmarks-section.ts';
import type { HeadlineDocument } from './headline.ts';

type Doc = Partial<HeadlineDocument>;

interface Target {
  goal: string;
  /** The figure as measured, or null when no run measured it yet. */
  measured(d: Doc): string | null;
  met(d: Doc): boolean | null;
  /** For a goal missed: which stage limits, by how much, and what would move it. */
  limits(d: Doc): string;
}

const n = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const r1 = (x: number) => Math.round(x * 10) / 10;
const r2 = (x: number) => Math.round(x * 100) / 100;
/** Frames a collector machine sends per second: a triaxial sensor, 10 blocks/s per axis. */
const FRAMES_PER_MACHINE_S = 30;
/** Samples a triaxial 25.6 kHz machine sends per second. */
const SAMPLES_PER_MACHINE_S = 3 * 25_600;

export const targets: Target[] = [
  {
    goal: 'Full window analysis ≥ 4× the numpy/scipy reference per core, same run',
    measured: (d) => (n(d.dsp_ratio_vs_numpy) ? `${d.dsp_ratio_vs_numpy}× (${d.dsp_windows_per_s} windows/s per core)` : null),
    met: (d) => (n(d.dsp_ratio_vs_numpy) ? d.dsp_ratio_vs_numpy >= 4 : null),
    limits: (d) =>
      `${n(d.dsp_ratio_vs_numpy) ? `Needs ${r2(4 / d.dsp_ratio_vs_numpy)}× the speed. ` : ''}The FFT is no longer the limit: PFFFT takes ${n(d.fft_ratio_vs_numpy) ? `${r2(1 / d.fft_ratio_vs_numpy)}×` : 'about half'} numpy's time at 8192 points (FFT section). What is left is the window's JavaScript around it. On 2026-12-05 the velocity spectrum's noise floor (a median per 16-bin block over all 4096 bins, 14 % of the window) was found read only by the shaft speed search, over its first five harmonics: it is now computed that far (bit for bit the same there), +21 % windows per second; and the bench times V8's steady state (400 windows of warm-up; with 20 its first rounds ran 25-30 % slower). A CPU profile after that shares the rest between the kurtogram's bands (filling each band into PFFFT's buffer and the spectral kurtosis of its envelope: about 19 %), the sensor checks (one pass over the samples and three medians of the spectrum, the grid-line share: about 23 %) and PFFFT itself (about 17 %); no single stage holds a missing factor. Moving it means fewer bands judged per window (the kurtogram every Nth window of a steady machine) or the filter bank in WebAssembly SIMD beside PFFFT. The numpy reference itself varies by about ±10 % between runs on this shared box.`,
  },
  {
    goal: "Collector CPU ≤ 1.5× its bare node-opcua client's, same run",
    measured: (d) =>
      n(d.collector_cpu_ratio_vs_bare_client)
        ? `${d.collector_cpu_ratio_vs_bare_client}× (${d.collector_cpu_ms_per_machine_s} ms per machine-second)`
        : null,
    met: (d) => (n(d.collector_cpu_ratio_vs_bare_client) ? d.collector_cpu_ratio_vs_bare_client <= 1.5 : null),
    limits: (d) => {
      if (!n(d.collector_cpu_ratio_vs_bare_client) || !n(d.collector_cpu_ms_per_machine_s))
        return 'Not measured yet: `npm run bench -- collector`.';
      const collector = d.collector_cpu_ms_per_machine_s;
      const bare = collector / d.collector_cpu_ratio_vs_bare_client;
      const lines = [
        `The collector spends ${r1(collector)} ms of CPU per machine-second, its OPC UA client alone ${r1(bare)}: ${r1(collector - bare)} ms on top, ${r1(collector - 1.5 * bare)} ms more than the goal allows.`,
      ];
      if (n(d.kafka_producer_cpu_ms_per_1000_frames) && n(d.kafka_producer_platformatic_cpu_ratio)) {
        const producer = (d.kafka_producer_cpu_ms_per_1000_frames * FRAMES_PER_MACHINE_S) / 1000;
        lines.push(
          `Its Kafka producer is @platformatic/kafka (ingest/collector/kafka-output.ts), chosen on the producer bench: on the same frames and batches it spends ${d.kafka_producer_platformatic_cpu_ratio}× kafkajs's CPU, about ${r1(producer * d.kafka_producer_platformatic_cpu_ratio)} instead of ${r1(producer)} ms per machine-second.`,
        );
      }
      lines.push(
        'The rest is garbage collection of what each block allocates on the way (node-opcua\'s decoded and decrypted buffers, the frame, the batch) and node-opcua\'s decryption, which the bare client pays as well: docs/collector.md, "Where the CPU goes".',
      );
      return lines.join(' ');
    },
  },
  {
    goal: 'End to end, simulator on the same 2 cores: ≥ 50 triaxial 25.6 kHz machines with p95 latency ≤ 2 s',
    measured: (d) =>
      n(d.e2e_machines)
        ? `${d.e2e_machines} machines, p95 ${d.e2e_latency_p95_s} s (p50 ${d.e2e_latency_p50_s}, p99 ${d.e2e_latency_p99_s})`
        : null,
    met: (d) => (n(d.e2e_machines) ? d.e2e_machines >= 50 && n(d.e2e_latency_p95_s) && d.e2e_latency_p95_s <= 2 : null),
    limits: (d) =>
      n(d.e2e_machines)
        ? [
            `**What limits: CPU, every stage at once.** ${r1(50 / Math.max(1, d.e2e_machines))}× short on machines. The two cores are full at the first size not sustained: in the ramp of 2026-12-05 07:06, 40 machines took the processor (pdm start) 0.56 cores (its analysis worker 0.32, its event loop 0.17), the simulator 0.55, QuestDB 0.42, the collector 0.22, Kafka 0.08 (1.83 of 2), and at 44 the processor fell behind, starved rather than slow (${n(d.processor_samples_per_s) ? `alone on a backlog it analysed ${r1(d.processor_samples_per_s / 1e6)} million samples/s, ${Math.floor(d.processor_samples_per_s / SAMPLES_PER_MACHINE_S)} machines' worth` : 'see'}: processor scaling section). So no single stage holds the missing factor; 50 machines need every stage's CPU per machine about ${Math.round(100 * (1 - d.e2e_machines / 50))} % lower.`,
            `**Latency:** ${n(d.e2e_latency_p95_s) ? `p95 ${d.e2e_latency_p95_s} s at ${d.e2e_machines} machines, ${r1(d.e2e_latency_p95_s / 2)}× the goal` : 'not measured'}. With the lag settled and CPU to spare the p95 is near 2 s up to about 28 machines (2.03 s at 28 on 2026-12-05 01:32; 2.09 s at 28 with the simulator on its own core). Since the collector runs as its own process (2026-12-05 07:06) the tail at 40 shortened from 5.06 to 3.01 s at p95 (7.11 to 3.49 s at p99): its OPC UA work and the processor's no longer queue on one event loop. Of the p50, 1 s is the window itself and the processor's part (the window's last sample to QuestDB accepting its row) about 1 s at 40 machines: a block's end to Kafka 155 ms median (the simulator's block timer, the 200 ms OPC UA publishing interval, the collector's 100 ms linger); the analysis of the second's windows, which all end together (the simulated machines share one clock), 2.7 ms each in one worker, so the last of 120 waits about 0.3 s; up to questdb.commitIntervalMs (500 ms) of grouping and the write, 50-60 ms; then the write-ahead log's apply and the bench's 250 ms poll. A p95 of 2 s leaves 1 s after a 1 s window; shorter windows are not the way (the bearing diagnosis needs 32 revolutions or more). Above about 30 machines the tail is queueing for CPU.`,
            `**What would move it**, largest first, from a CPU profile of pdm start at 40 machines (before the collector had its own process): (1) the OPC UA security of every chunk, about a fifth of the collector's CPU and more of the simulator's (Node 24 spends about 12 µs in its KeyObject check for each createHmac or createCipheriv given a Buffer key, which node-opcua-crypto does per chunk and requires to be a Buffer; with a KeyObject an 8 KB HMAC takes 8 µs instead of 20: an upstream change); (2) QuestDB, 0.42 cores at 40 machines: about 0.1 of it idle (measured before each write bench variant), the per-block rows (vibration_blocks, 30 per machine-second, 1 200 a second) ${n(d.questdb_cpu_ms_per_1000_rows) ? `about ${r2((1.2 * d.questdb_cpu_ms_per_1000_rows) / 1000)} cores at the write bench's ${d.questdb_cpu_ms_per_1000_rows} ms per 1000 rows` : 'see the QuestDB section'}, the rest the wide feature rows, the models' rows and the bench's own queries (not split yet); (3) the analysis worker, 2.66 ms per 1 s window, half of it the kurtogram's bands (every Nth window on a steady machine, or the filter bank in WebAssembly SIMD); (4) the simulator, which a plant does not run (0.48-0.7 cores). For the latency alone: a shorter group commit (questdb.commitIntervalMs) trades QuestDB CPU per row for up to half its interval (QuestDB section).`,
          ].join(' ')
        : 'Not measured yet: `npm run bench:e2e`.',
  },
  {
    goal: 'End to end, simulator elsewhere: ≥ 100 machines',
    measured: (d) => (n(d.e2e_machines_external_simulator) ? `${d.e2e_machines_external_simulator} machines on ONE core` : null),
    met: (d) => (n(d.e2e_machines_external_simulator) ? d.e2e_machines_external_simulator >= 100 : null),
    limits: (d) =>
      n(d.e2e_machines_external_simulator)
        ? `This box has no other machine: the pipeline ran on one core with the simulator on the other, so ${d.e2e_machines_external_simulator} machines per pipeline core; two cores for the pipeline would need ${r1(100 / (2 * Math.max(1, d.e2e_machines_external_simulator)))}× less CPU per machine to reach 100. The same stages as above share that core, less the simulator's. With the collector in a process of its own (2026-12-05 07:39) one core sustains 30 with the lag settled (p95 2.61 s) and not 32 (CPU 0 full: processor 0.49, QuestDB 0.23, collector 0.17, Kafka 0.1); with collector and processor in one process it had sustained 36 while still draining its warm-up backlog (28 settled): on one core two processes cost a little more, on two they cut the tail (row above).`
        : 'Not measured yet: `npm run bench:e2e -- --external-simulator`.',
  },
  {
    goal: 'Simulator: ≥ 100 triaxial machines per process in real time',
    measured: (d) => (n(d.simulator_machines_per_process) ? `${d.simulator_machines_per_process} machines` : null),
    met: (d) => (n(d.simulator_machines_per_process) ? d.simulator_machines_per_process >= 100 : null),
    limits: (d) =>
      `${n(d.simulator_machines_per_process) && d.simulator_machines_per_process < 100 ? `${100 - d.simulator_machines_per_process} machines short in the ramp. ` : ''}Since 2026-12-04 the physics is rendered in worker threads (ingest/simulator/physics-threads; 96 machines get two) and the main thread only serves OPC UA; before, its one main thread was the limit (64 machines; at 96 it reached 0.78 cores with the physics alone needing 0.74 of it). Now the box is: the bench's client shares this machine's 2 cores, and at 112 machines the simulator took 1.0 core and the client 0.87, so blocks came up to 1.02 s late (24 of 50 400 late, none lost) in the ramp of 2026-12-04 22:18, while separate runs of the same gateway step that day passed 96 in 5 of 6 tries, 112 in 2 of 3 and 128 in 2 of 3 (p99 0.3-0.7 s when they passed). With one physics thread instead of two, 96 failed (p50 0.63 s): the threads are what moved it. Above that: a client on another machine, or more cores.`,
  },
];

/** The section's lines for a BENCHMARKS.json document. */
export function targetsLines(d: Doc): string[] {
  const cell = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
  return [
    '## Targets (issue 16)',
    '',
    'Benchmark goals, not timed tests: each beside the latest figure of BENCHMARKS.json (its date in `measured_at_by_figure`), and for a goal missed, which stage limits, by how much, and what would move it. Written by `bench/targets.ts` whenever `npm run bench` or `npm run bench:e2e` updates the figures.',
    '',
    '| goal | measured | met | what limits, by how much, what would move it |',
    '|---|---|---|---|',
    ...targets.map((t) => {
      const measured = t.measured(d);
      const met = t.met(d);
      return `| ${cell(t.goal)} | ${cell(measured ?? 'not measured yet')} | ${met === null ? '-' : met ? 'yes' : '**no**'} | ${met ? '' : cell(t.limits(d))} |`;
    }),
  ];
}

/** Rewrites the section of `root`/BENCHMARKS.md from `root`/BENCHMARKS.json. */
export function writeTargetsSection(root: string): void {
  const json = join(root, 'BENCHMARKS.json');
  const doc = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as Doc) : {};
  writeMarkedSection(join(root, 'BENCHMARKS.md'), 'targets', 'bench/targets.ts', targetsLines(doc));
}
