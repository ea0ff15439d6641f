/**
 * A recording analysed as the stream processor analyses a channel: cut into consecutive windows
 * of the stream's length, each window analysed by a WindowAnalyzer (as the workers do), each
 * window's diagnosis taken by a DiagnosisAccumulator (as the processor does, per machine and
 * channel). Offline use (`pdm analyze`, the MODELS.md tools): the same code as the stream, on
 * files.
 */
import {
  type AccumulatedResult,
  type AccumulatorOptions,
  DiagnosisAccumulator,
  windowDiagnosisOf,
} from './bearing/diagnosis-accumulator.ts';
import { type BearingDiagnosis, type WindowAnalysisConfig, WindowAnalyzer } from './window-analysis.ts';

/** The stream's default window: 10 blocks of a tenth of a second (the processor's windowBlocks, the collector's block). */
export const STREAM_WINDOW_SECONDS = 1;

export interface WindowSequenceResult {
  windowSize: number;
  /** Per window, in order: its own diagnosis and the accumulated one after it. */
  window: BearingDiagnosis[];
  accumulated: AccumulatedResult[];
  /** The accumulator's final result. */
  final: AccumulatedResult;
}

/**
 * `samples` cut into consecutive windows of `windowSize` samples (default STREAM_WINDOW_SECONDS
 * of them; the remainder is left out), analysed and accumulated in order.
 */
export function analyzeWindowSequence(
  samples: Float32Array,
  config: Omit<WindowAnalysisConfig, 'windowSize'>,
  options: { windowSize?: number; accumulator?: Partial<AccumulatorOptions> } = {},
): WindowSequenceResult {
  const windowSize = options.windowSize ?? Math.round(config.sampleRateHz * STREAM_WINDOW_SECONDS);
  const analyzer = new WindowAnalyzer({ ...config, windowSize });
  const accumulator = new DiagnosisAccumulator(options.accumulator);
  const window: BearingDiagnosis[] = [];
  const accumulated: AccumulatedResult[] = [];
  for (let i = 0, start = 0; start + windowSize <= samples.length; i++, start += windowSize) {
    const a = analyzer.analyze(samples.subarray(start, start + windowSize));
    window.push(a.bearing.diagnosis);
    accumulated.push(accumulator.add(windowDiagnosisOf(i, a, config.sampleRateHz, windowSize)));
  }
  return { windowSize, window, accumulated, final: accumulator.result() };
}
