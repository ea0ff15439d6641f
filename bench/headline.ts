/**
 * BENCHMARKS.json: the headline figures of the benches, one flat object a reader (or a script
 * comparing releases) can take without parsing BENCHMARKS.md. Each run of `npm run bench`
 * rewrites it; a figure whose bench did not run this time (a partial run, or a bench that failed)
 * keeps its previous value, and `measured_at_by_figure` says when each figure was measured, so an
 * old figure is never passed off as new. A figure no bench measures yet is null.
 */

// Summaries are whatever each bench prints; read them loosely.
// biome-ignore lint/suspicious/noExplicitAny: each bench prints its own summary shape
type Loose = any;

export const headlineKeys = [
  'dsp_windows_per_s',
  'dsp_ratio_vs_numpy',
  'fft_ratio_vs_numpy',
  'pool_scaling_2_threads',
  'collector_cpu_ms_per_machine_s',
  'collector_cpu_ratio_vs_bare_client',
  'simulator_machines_per_process',
  'processor_samples_per_s',
  'processor_scaling_2_processes',
  'e2e_machines',
  'e2e_machines_external_simulator',
  'questdb_cpu_ms_per_1000_rows',
  'e2e_latency_p50_s',
  'e2e_latency_p95_s',
  'e2e_latency_p99_s',
  // Beyond the list: what the collector's producer costs, and the alternative measured beside it.
  'kafka_producer_cpu_ms_per_1000_frames',
  'kafka_producer_platformatic_cpu_ratio',
] as const;
export type HeadlineKey = (typeof headlineKeys)[number];
export type HeadlineFigures = Partial<Record<HeadlineKey, number | null>>;

/** The FFT size the window-analysis bench transforms (its 8192-sample windows): the ratio that matters. */
const FFT_HEADLINE_N = 8192;

const finite = (x: unknown): number | null => (typeof x === 'number' && Number.isFinite(x) ? x : null);
const round = (x: number | null, digits = 2): number | null => (x === null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

/** The headline figures one bench's JSON summary carries (ratios: higher is better, reference ÷ ours for times). */
export function headlineFigures(bench: string, j: Loose): HeadlineFigures {
  switch (bench) {
    case 'window-analysis':
      return { dsp_windows_per_s: finite(j.full?.windowsPerSecPerCore), dsp_ratio_vs_numpy: finite(j.ratioTsOverPython) };
    case 'fft': {
      const row = (j.results as Loose[] | undefined)?.find((r) => r.n === FFT_HEADLINE_N);
      // The models' transform: PFFFT (runs before it carried fft.js only).
      const ours = row?.pffftUs ?? row?.fftjsUs;
      const numpy = j.python?.[String(FFT_HEADLINE_N)]?.numpy;
      return { fft_ratio_vs_numpy: finite(ours) && finite(numpy) ? round(numpy / ours) : null };
    }
    case 'collector':
      return {
        collector_cpu_ms_per_machine_s: finite(j.cpuMsPerMachineSecond),
        collector_cpu_ratio_vs_bare_client: finite(j.bareClient?.ratioCollectorOverBare),
      };
    case 'kafka-producer': {
      const of = (client: string) => (j.results as Loose[] | undefined)?.find((r) => r.client === client);
      return {
        kafka_producer_cpu_ms_per_1000_frames: finite(of('kafkajs')?.cpuMsPer1000Frames),
        kafka_producer_platformatic_cpu_ratio: finite(of('@platformatic/kafka')?.cpuRatioVsKafkajs),
      };
    }
    case 'simulator-serving':
      return { simulator_machines_per_process: finite(j.median) };
    case 'processor-scaling': {
      const byLayout = (processes: number, workers: number) =>
        (j.results as Loose[] | undefined)?.find((r) => r.processes === processes && r.workersPerProcess === workers);
      const reference = byLayout(1, 1);
      return {
        processor_samples_per_s: finite(reference?.samplesPerS),
        pool_scaling_2_threads: finite(byLayout(1, 2)?.ratioVsOneProcessOneWorker),
        processor_scaling_2_processes: finite(byLayout(2, 1)?.ratioVsOneProcessOneWorker),
      };
    }
    case 'e2e':
      // A run with the simulator on a core of its own measures the pipeline alone: its one figure.
      if (j.externalSimulator === true) return { e2e_machines_external_simulator: finite(j.machinesSustained) };
      return {
        e2e_machines: finite(j.machinesSustained),
        e2e_latency_p50_s: finite(j.latencyS?.p50),
        e2e_latency_p95_s: finite(j.latencyS?.p95),
        e2e_latency_p99_s: finite(j.latencyS?.p99),
      };
    case 'questdb-writes':
      // The figure of the write pattern and partitioning the processor ships with.
      return {
        questdb_cpu_ms_per_1000_rows: finite((j.results as Loose[] | undefined)?.find((r) => r.variant === j.shipped)?.cpuMsPer1000Rows),
      };
    default:
      return {};
  }
}

export interface HeadlineDocument extends Record<HeadlineKey, number | null> {
  node: string;
  cpus: number;
  load_average: number[];
  measured_at: string;
  measured_at_by_figure: Partial<Record<HeadlineKey, string>>;
}

/**
 * This run's figures over the previous document's: a figure measured now replaces the old one
 * (even by null, when its bench ran and did not produce it); the others are kept with their dates.
 */
export function mergeHeadline(
  previous: Partial<HeadlineDocument> | undefined,
  measured: HeadlineFigures,
  run: { node: string; cpus: number; loadAverage: number[]; at: string },
): HeadlineDocument {
  const byFigure: Partial<Record<HeadlineKey, string>> = { ...(previous?.measured_at_by_figure ?? {}) };
  const doc = {} as Record<HeadlineKey, number | null>;
  for (const key of headlineKeys) {
    if (key in measured) {
      doc[key] = measured[key] ?? null;
      if (doc[key] === null) delete byFigure[key];
      else byFigure[key] = run.at;
    } else doc[key] = finite(previous?.[key]);
  }
  return {
    ...doc,
    node: run.node,
    cpus: run.cpus,
    load_average: run.loadAverage,
    measured_at: run.at,
    measured_at_by_figure: byFigure,
  };
}
