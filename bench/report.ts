/**
 * How each bench's JSON summary becomes a BENCHMARKS.md section: the headline median, the
 * reference it is compared with (measured in the same run) and the ratio. A bench without a
 * formatter here still appears, with its raw summary.
 */
export interface BenchSection {
  title: string;
  command: string;
  seconds: number;
  lines: string[];
  raw?: unknown;
  /** The bench ran and produced no summary (its earlier section is kept, with the failure said). */
  failed?: boolean;
}

type Formatter = (j: Record<string, unknown>) => Omit<BenchSection, 'command' | 'seconds'>;

// Summaries are whatever each bench prints; read them loosely.
// biome-ignore lint/suspicious/noExplicitAny: each bench prints its own summary shape; the report reads them loosely
type Loose = any;

const r1 = (x: number) => Math.round(x * 10) / 10;

/** Each bench's section heading in BENCHMARKS.md (how a run of some benches finds the others' sections to keep). */
export const sectionTitles: Record<string, string> = {
  collector: 'Collector throughput',
  'collector-compression': 'Collector compression (gzip vs none)',
  'simulator-serving': 'Simulator serving over OPC UA',
  fft: 'FFT implementations',
  'window-analysis': 'Window analysis (models)',
  'simulator-physics': 'Simulator physics',
  'processor-scaling': 'Stream processor scaling (processes and worker threads)',
  'questdb-writes': 'QuestDB write cost (partitioning and commit pattern)',
  'rul-protocol': 'Remaining life on the PHM 2012 protocol',
  'kafka-producer': "The collector's Kafka producer (kafkajs against @platformatic/kafka)",
};

export const formatters: Record<string, Formatter> = {
  'questdb-writes': (j: Loose) => ({
    title: sectionTitles['questdb-writes'],
    lines: [
      `The processor's write pattern without Kafka or the models: ${j.machines} machines × ${j.channelsPerMachine} channels of per-block rows (\`vibration_blocks\`, its DDL from storage/schema.ts) at ${j.blocksPerSecondPerChannel} blocks/s each, ${j.writers} writers (Kafka partitions) whose rows lag the clock by 0–1.5 s each, ${j.liveSeconds} s per variant, each on its own table. QuestDB CPU (user + system) from the first live commit until its WAL is applied, less its idle CPU measured right after. Reference: the empty day with a commit per writer, same run (load average at start ${j.loadAverageAtStart.join(' / ')}).`,
      '',
      '| variant | rows already in the day | commits | rows per commit | QuestDB CPU (cores) | CPU ms per 1000 rows | ratio to the empty day |',
      '|---|---|---|---|---|---|---|',
      ...(j.results as Loose[]).map(
        (r) =>
          `| ${r.variant}${r.variant === j.shipped ? ' (**shipped**)' : ''} | ${r.prefillRows.toLocaleString('en')} | ${r.commits} | ${r.rowsPerCommit} | ${r.questdbCpuCores} | ${r.cpuMsPer1000Rows} | ${r.ratioVsEmptyDay} |`,
      ),
    ],
    raw: j,
  }),
  collector: (j: Loose) => ({
    title: sectionTitles.collector,
    lines: [
      `${j.machines} simulated machines (${j.perMachine.channels} channels × ${j.perMachine.sampleRateHz} Hz, ${j.perMachine.blockSize}-sample blocks, ${j.perMachine.security}) served by another process; one collector process into a real Kafka, compression ${j.compression}, ${j.seconds} s. Reference: the blocks/s the machines produce (real time), in the same run.`,
      '',
      '| blocks/s in | blocks/s acknowledged by Kafka | real time (blocks/s) | ratio | samples/s | collector CPU (cores) | CPU ms per machine-second | machines per core (estimate) | gaps | left in spool |',
      '|---|---|---|---|---|---|---|---|---|---|',
      `| ${j.blocksInPerS} | ${j.blocksOutPerS} | ${j.expectedBlocksPerS} | ${r1((j.blocksOutPerS / j.expectedBlocksPerS) * 100) / 100} | ${j.samplesPerS} | ${j.cpuCoresUsed} | ${j.cpuMsPerMachineSecond} | ${j.machinesPerCoreEstimate} | ${j.gapsDuringRun} | ${j.spoolLeftAtStop} |`,
      '',
      ...(j.bareClient
        ? [
            `Reference in the same run: a bare node-opcua client on the same machines (same security, discovery and subscription settings; counting notifications only: bench/bare-opcua-client.ts): **${j.bareClient.cpuMsPerMachineSecond} ms of CPU per machine-second**, ${j.bareClient.notificationsPerS} notifications/s. Collector ÷ bare client: **${j.bareClient.ratioCollectorOverBare}** (target ≤ 1.5).`,
            '',
          ]
        : []),
      'Where the CPU goes and why compression is off: docs/collector.md.',
    ],
    raw: j,
  }),
  'kafka-producer': (j: Loose) => ({
    title: sectionTitles['kafka-producer'],
    lines: [
      `${j.frames} vibration frames of ${j.frameBytes} bytes (2560 float32 samples, encoded as the collector encodes them, 30 machine/channel keys) in ${j.batches} batches of up to 900 KiB as the store-and-forward builds them, one in flight; ${j.settings}; into a real Kafka; ${j.rounds} rounds alternating the clients in one process (load average at start ${j.loadAverageAtStart.join(' / ')}). CPU = user + system of the process per 1000 frames, median of the rounds. Reference: kafkajs, the collector's producer, same run.`,
      '',
      '| client | CPU ms per 1000 frames | frames/s | MB/s | CPU ÷ kafkajs |',
      '|---|---|---|---|---|',
      ...(j.results as Loose[]).map(
        (r) => `| ${r.client} | ${r.cpuMsPer1000Frames} | ${r.framesPerS} | ${r.mbPerS} | ${r.cpuRatioVsKafkajs} |`,
      ),
      '',
      `A collector machine (triaxial, 10 blocks/s per axis) sends 30 frames a second: kafkajs costs ${r1(((j.results as Loose[]).find((r) => r.client === 'kafkajs')?.cpuMsPer1000Frames * 30) / 1000)} ms of CPU per machine-second here. What the decision rests on: docs/collector.md, "Where the CPU goes".`,
    ],
    raw: j,
  }),
  'collector-compression': (j: Loose) => ({
    title: sectionTitles['collector-compression'],
    lines: [
      `${j.frames} frames of ${j.frameBytes} bytes from physics-simulated machines, gzip as kafkajs does it. Reference: the uncompressed frames (ratio = gzip bytes ÷ raw bytes), same run.`,
      '',
      '| frames per batch | batch KiB | gzip ÷ raw | compress µs per MB | decompress µs per MB |',
      '|---|---|---|---|---|',
      ...(j.results as Loose[]).map(
        (r) => `| ${r.framesPerBatch} | ${r.batchKiB} | ${r.ratio} | ${r.compressUsPerMB} | ${r.decompressUsPerMB} |`,
      ),
      '',
      `Per machine: gzip saves ${j.bytesSavedPercent} % of the bytes for ${j.gzipCpuMsPerMachineSecond} ms of compression CPU per machine-second (+${j.gunzipCpuMsPerMachineSecond} ms to decompress). Float32 noise mantissas barely compress: the default is \`compression: none\`.`,
    ],
    raw: j,
  }),
  'simulator-serving': (j: Loose) => ({
    title: sectionTitles['simulator-serving'],
    lines: [
      `${j.unit}: **${j.median}** machines (largest passing step of one ramp; criterion: ${j.details.criterion}). Reference: physics-only rendering, ${j.reference} machines per core, same run; ratio ${j.ratio}.`,
      '',
      '| layout | machines | passed | simulator cores | simulator RSS MB | start s | latency p99 ms |',
      '|---|---|---|---|---|---|---|',
      // Earlier summaries had one layout's steps at details.steps (a server per machine).
      ...Object.entries(
        (j.details.byLayout as Record<string, { steps: Loose[] }>) ?? { 'server-per-machine': { steps: j.details.steps ?? [] } },
      ).flatMap(([layout, l]) =>
        l.steps.map(
          (s) =>
            `| ${layout} | ${s.machines} | ${s.passed ? 'yes' : 'no'} | ${s.simulatorCores ?? ''} | ${s.simulatorRssMb ?? ''} | ${s.startupS ?? ''} | ${s.latencyMs?.p99 ?? ''} |`,
        ),
      ),
    ],
    raw: j,
  }),
  fft: (j: Loose) => {
    const lines = [
      `Real FFT through \`RealFft\`, µs per transform (median of 7 rounds, float64 in and out): PFFFT in WebAssembly (${j.pffftBuild ?? 'simd'} build, float32; the models' default) and fft.js (float64). Reference: numpy/scipy \`rfft\` (float64) in the same run.`,
      '',
      '| N | PFFFT (default) | fft.js (float64) | mathjs `fft` | numpy rfft | scipy rfft | fft.js ÷ PFFFT | mathjs ÷ fft.js | PFFFT ÷ scipy |',
      '|---|---|---|---|---|---|---|---|---|',
    ];
    for (const r of j.results as Loose[]) {
      const py = j.python?.[String(r.n)];
      lines.push(
        `| ${r.n} | ${r.pffftUs ?? '-'} | ${r.fftjsUs} | ${r.mathjsUs ?? 'not run (minutes)'} | ${py ? r1(py.numpy) : '-'} | ${py ? r1(py.scipy) : '-'} | ${r.fftjsOverPffft ?? '-'} | ${r.mathjsOverFftjs ?? '-'} | ${py && r.pffftUs ? r1(r.pffftUs / py.scipy) : '-'} |`,
      );
    }
    lines.push(
      '',
      "Why PFFFT: the FFT was the largest single cost of a window (a quarter of its CPU in a profile); its float32 round-off (about 1e-7 of the largest line, -130 dB) is far below a sensor's dynamic range, and every DSP oracle test runs under both engines (float32 held to that round-off). Conversions that amplify round-off (double differentiation of displacement) ask for float64. Why not mathjs `fft`: about three orders of magnitude slower than fft.js, so it stays off the hot path (mathjs is used for small-matrix linear algebra only).",
    );
    return { title: sectionTitles.fft, lines, raw: j };
  },
  'window-analysis': (j: Loose) => {
    const lines = [
      `Full feature set (time features, spectrum, velocity RMS/ISO zone, bands, 1X-3X, fast kurtogram, envelope spectrum, bearing evidence and decision) on ${j.window.samples}-sample windows at ${j.window.sampleRateHz} Hz, one core. Reference: the same features with numpy/scipy (\`bench/window_analysis_ref.py\`) in the same run.`,
      '',
      '| | windows/s per core (median) | µs per window |',
      '|---|---|---|',
      `| TypeScript, full (with bearing ${j.window.bearing}) | ${j.full.windowsPerSecPerCore} | ${j.full.usPerWindow} |`,
      `| TypeScript, features only (no bearing) | ${j.featuresOnly.windowsPerSecPerCore} | ${j.featuresOnly.usPerWindow} |`,
      ...(j.fullWithReference
        ? [
            `| TypeScript, full with a healthy reference | ${j.fullWithReference.windowsPerSecPerCore} | ${j.fullWithReference.usPerWindow} |`,
          ]
        : []),
      `| numpy/scipy reference | ${j.python?.windowsPerSecPerCore ?? `unavailable (${j.python?.error ?? '?'})`} | ${j.python?.windowsPerSecPerCore ? Math.round(1e6 / j.python.windowsPerSecPerCore) : '-'} |`,
      '',
      `Ratio TypeScript ÷ numpy/scipy: **${j.ratioTsOverPython ?? 'n/a'}** (higher is faster). Real-time 25.6 kHz channels per core: ${j.realTimeChannelsPerCore}.`,
      ...(j.fullWithReference?.referenceBuild
        ? [
            '',
            `Learning a healthy reference costs ${j.fullWithReference.referenceBuild.msPerWindow} ms per window (baseline phase only); the reference is ${j.fullWithReference.referenceBuild.jsonBytes} bytes of JSON.`,
          ]
        : []),
    ];
    return { title: sectionTitles['window-analysis'], lines, raw: j };
  },
  'simulator-physics': (j: Loose) => {
    const row = (label: string, m: Loose) =>
      `| ${label} | ${m.machinesPerCore ?? '-'} | ${m.cpuMsPerMachineSecond} | ${m.blockUs} | ${m.constructionMs} |`;
    const lines = [
      'Signal synthesis only (no OPC UA): CPU time to render one simulated machine-second (vibration at 25.6 kHz + energy + truth), this process. Reference: real time (1000 ms of CPU per machine-second = one machine per core).',
      '',
      '| sensors | machines per core in real time | CPU ms per machine-second (median) | µs per block | construction ms |',
      '|---|---|---|---|---|',
      row('1 triaxial (3 axes)', j.oneTriaxialSensor),
      row('2 triaxial (6 axes)', j.twoTriaxialSensors),
    ];
    return { title: sectionTitles['simulator-physics'], lines, raw: j };
  },
  'rul-protocol': (j: Loose) => {
    const row = (label: string, cuts: string, s: Loose) =>
      `| ${label} | ${cuts} | ${s.score} | ${s.medianAbsPercentError} % | ${s.overPredicted} / ${s.cases} | ${s.zeroPredictions} | ${s.covered} / ${s.cases} | ${s.medianUpperOverLower === null ? '∞' : `${s.medianUpperOverLower}×`} |`;
    return {
      title: sectionTitles['rul-protocol'],
      lines: [
        `Leave-one-out over the FEMTO learning bearings (${j.bearings.join(', ')}), each cut at the challenge's eleven fractions of life (${j.cuts.challenge.join(', ')}) and at ${j.cuts.uniform.join(', ')}; remaining life predicted at the cut from the rows up to it, scored with the challenge's function (tools/harness/rul-protocol.ts). References, same run: the model before the state work (Bayesian Weibull fleet, uncalibrated), and the model before the score-optimal point and the dropping of passed training failure levels, its median scored. Truncated replays agree with the rows read: ${j.truncatedReplaysAgree ? 'yes' : '**NO**'}. A measurement, not a threshold; goal on the challenge's test runs: score ≥ ${j.goal.score}, median |error| ≤ ${j.goal.medianAbsPercentError} %, ≥ ${j.goal.coveredOf11} of 11 covered with upper ÷ lower ≤ ${j.goal.medianUpperOverLower}.`,
        '',
        '| model | cuts | score | median \\|error\\| | over-predicted | 0 s | 90 % interval covers | median upper ÷ lower |',
        '|---|---|---|---|---|---|---|---|',
        row(`default (${j.model.scored} scored)`, 'challenge', j.model.challenge),
        row('', 'uniform', j.model.uniform),
        ...(j.beforeState
          ? [
              row(`before the state work (${j.beforeState.scored} scored)`, 'challenge', j.beforeState.challenge),
              row('', 'uniform', j.beforeState.uniform),
            ]
          : []),
        row(`reference (${j.reference.scored} scored)`, 'challenge', j.reference.challenge),
        row('', 'uniform', j.reference.uniform),
        '',
        `Replay time for the six leave-one-out histories: ${j.model.replayMs} ms (default), ${j.reference.replayMs} ms (reference).`,
      ],
      raw: j,
    };
  },
  'processor-scaling': (j: Loose) => ({
    title: sectionTitles['processor-scaling'],
    lines: [
      `The same backlog (${j.machines} machines × ${j.windowsPerMachine} one-second windows, one ${j.perMachine.sampleRateHz} Hz accelerometer each with a ${j.perMachine.bearing} at its location, energy beside it, ${j.partitions} partitions) in Kafka before real \`pdm process\` children start; rate from the first window stored to the last, every window then counted in QuestDB. Kafka and QuestDB share the same ${j.cpus} cores (load average at start ${j.loadAverageAtStart.join(' / ')}). Reference: one process with one worker thread, same run. CPU per window by thread (summed over the processes): MainThread is the event loop (Kafka fetch and decode, windowing, the health and life models, the QuestDB writes), WorkerThread the window analysis (FFT, kurtogram, envelope, diagnosis), V8Worker garbage collection and compilation.`,
      '',
      '| layout | windows/s | samples/s | ratio | processor CPU (cores) | CPU ms per window: all; by thread | all windows in QuestDB | dead letters |',
      '|---|---|---|---|---|---|---|---|',
      ...j.results.map(
        (r: Loose) =>
          `| ${r.layout} | ${r.windowsPerS} | ${r.samplesPerS} | ${r.ratioVsOneProcessOneWorker} | ${r.processorCpuCores} | ${perWindow(r)} | ${r.allWindowsInQuestdb ? 'yes' : 'NO'} | ${r.deadLetters} |`,
      ),
    ],
    raw: j,
  }),
};

/** A processor layout's CPU per window, and by thread when the bench measured it (earlier runs did not). */
function perWindow(r: Loose): string {
  if (r.cpuMsPerWindow === undefined) return '-';
  const threads = Object.entries((r.cpuMsPerWindowByThread ?? {}) as Record<string, number>).map(([name, ms]) => `${name} ${ms}`);
  return threads.length === 0 ? `${r.cpuMsPerWindow}` : `${r.cpuMsPerWindow}; ${threads.join(', ')}`;
}

const KEPT_NOTE = /^_Kept from an earlier run:.*_$/m;

/**
 * The sections of an existing BENCHMARKS.md with these titles, each marked as kept from an
 * earlier run (a partial `npm run bench` re-measures only some benches). The soak section, which
 * `npm run soak` owns, is not among them.
 */
export function keptSections(markdown: string, titles: string[], ranNow: string[]): Map<string, string> {
  // The long runs' sections (soak, e2e) come last and are kept by their own markers.
  const longRunsAt = markdown.search(/<!-- [\w-]+:begin /);
  const body = longRunsAt >= 0 ? markdown.slice(0, longRunsAt) : markdown;
  const kept = new Map<string, string>();
  for (const chunk of body.split(/^(?=## )/m)) {
    const heading = /^## (.+)$/m.exec(chunk);
    if (!heading || !titles.includes(heading[1].trim())) continue;
    const note = `_Kept from an earlier run: the latest \`npm run bench\` ran only ${ranNow.join(', ')}._`;
    const marked = KEPT_NOTE.test(chunk) ? chunk.replace(KEPT_NOTE, note) : chunk.replace(/^## .+\n/, (h) => `${h}\n${note}\n`);
    kept.set(heading[1].trim(), marked);
  }
  return kept;
}
