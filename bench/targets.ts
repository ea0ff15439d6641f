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
        ? `${r1(50 / Math.max(1, d.e2e_machines))}× short. Every stage shares the two cores and they are full at the first size not sustained ("End to end" below: CPU by process and by thread), so no single stage is the limit: the processor falls behind first because it is starved, not because it is slow alone (processor scaling section). What moves it is the CPU per machine of every stage: the collector (goal above), the window analysis (goal above), QuestDB's per-row cost (QuestDB section), and the simulator's physics and OPC UA serving, which a plant does not run. The latency goal: each batch's grouped write, state save and commit now run after kafkajs's batch handler has returned, so its next fetch no longer waits for them (stream-processing/batch-pipeline.ts, 2026-12-05). With the lag settled, 20 machines went from p50/p95/p99 1.97/2.47/2.73 s to 1.57/2.1/3.67 s, and 28 from a failed run at p95 7.53 s to a sustained one at 1.75/2.03/2.23 s (the ramp of 2026-12-05 01:32). The split before that change (temporary timing in pdm start, 20 machines, 2026-12-04): 1 s is the window itself; a block's end to its Kafka timestamp 155 ms median (230 ms p95: the simulator's block timer, the 200 ms OPC UA publishing interval, the collector's 100 ms linger); Kafka to the processor 430 ms median (0.9 s p95), the part the change takes out; the analysis of a second's windows, which all end together (the simulator's machines share one clock), 140-170 ms in one worker; the grouped QuestDB write 50-60 ms; then the write-ahead log's apply and the bench's 250 ms poll. Near the largest size sustained the tail is queueing again: in the ramp of 2026-12-05 01:59, 32 and 36 machines with the lag settled had p50/p95/p99 1.85/2.39/2.72 and 2.02/2.58/2.93 s, while 40 did not settle within its 300 s warm-up (it drained 3 813 messages of backlog while measured), so its figures include the backlog. After the window-analysis changes of 2026-12-05 (the velocity floor computed only where the shaft search reads it; the learnt reference sent to the worker once per id instead of structured-cloned, validated and rebuilt with every window: 4-5 ms of a 1 s window's 7-8 ms with a reference of 7 200 lines, nothing measurable with the simulated pumps' references of about 180 lines, so the floor is what moved this ramp), the ramp of 04:31 sustained 40 with the lag settled (p50/p95/p99 2.61/5.06/7.11 s; CPU: pdm start 0.75, QuestDB 0.43, simulator 0.48, Kafka 0.1), and 44 not: the simulator rose to 0.7 cores and the box was full. The next costs a profile of pdm start at 40 machines shows: the OPC UA security of every chunk (about a fifth of pdm start's main thread, and more of the simulator's: Node 24 spends about 12 µs in its KeyObject check for each createHmac or createCipheriv given a Buffer key, which node-opcua does per chunk; a KeyObject costs nothing there, measured 20 → 8 µs per HMAC of 8 KB), the per-block rows (vibration_blocks, 30 rows per machine-second: most of QuestDB's 0.4 cores), a shorter group-commit interval (questdb.commitIntervalMs, 500 ms, against QuestDB's CPU per commit: QuestDB section), and a first look at a shorter window.`
        : 'Not measured yet: `npm run bench:e2e`.',
  },
  {
    goal: 'End to end, simulator elsewhere: ≥ 100 machines',
    measured: (d) => (n(d.e2e_machines_external_simulator) ? `${d.e2e_machines_external_simulator} machines on ONE core` : null),
    met: (d) => (n(d.e2e_machines_external_simulator) ? d.e2e_machines_external_simulator >= 100 : null),
    limits: (d) =>
      n(d.e2e_machines_external_simulator)
        ? `This box has no other machine: the pipeline ran on one core with the simulator on the other, so ${d.e2e_machines_external_simulator} machines per pipeline core; two cores for the pipeline would need ${r1(50 / Math.max(1, d.e2e_machines_external_simulator))}× less CPU per machine to reach 100. Same stages as above.`
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
