/**
 * Piscina worker entry: plumbing only. Keeps WindowAnalyzers per configuration (they
 * precompute windows, FFT tables and filters) and calls into `models/`.
 */
import { buildReference } from '../models/bearing/reference.ts';
import { WindowAnalyzer } from '../models/window-analysis.ts';
import type { AnalysisRequest, AnalysisResponse, ReferenceRequest, ReferenceResponse } from './analysis-task.ts';

/**
 * Analyzers by configuration key, least recently used first: one per acquisition (rate, window
 * length, units), ISO class and bearing, shared by every channel that has them — the shaft speed
 * and the channel's learnt healthy reference go with each window. The cache is bounded: an
 * evicted analyzer is rebuilt on its next window (about twice an analysis). The bound is memory: an analyzer of 1 s
 * windows at 25.6 kHz with a bearing holds about 25 MB (FFT tables, filter banks, spectra), and
 * each worker has its own cache. With the speed in the key, a speed that moved by 0.1 rpm built a
 * new analyzer, and a soak of the demo plant grew to 3 GB in ten minutes.
 */
const MAX_ANALYZERS = 32;
const analyzers = new Map<string, WindowAnalyzer>();

export default function analyzeWindow(req: AnalysisRequest): AnalysisResponse {
  const t0 = process.cpuUsage();
  let analyzer = analyzers.get(req.configKey);
  if (analyzer) {
    analyzers.delete(req.configKey);
  } else {
    analyzer = new WindowAnalyzer(req.config);
    if (analyzers.size >= MAX_ANALYZERS) analyzers.delete(analyzers.keys().next().value!);
  }
  analyzers.set(req.configKey, analyzer);
  const analysis = analyzer.analyze(req.samples, { shaftHz: req.config.shaftHz, reference: req.config.reference });
  const stored = analyzer.storedEvidence(req.spectrumLines);
  const used = process.cpuUsage(t0);
  return { analysis, stored, cpuUs: used.user + used.system };
}

/** Not the hot path: each window is demodulated in every admissible band (about 8 x an analysis). */
export function learnReference(req: ReferenceRequest): ReferenceResponse {
  const t0 = process.cpuUsage();
  const reference = buildReference(req.windows, { bearing: req.bearing });
  const used = process.cpuUsage(t0);
  return { reference, cpuUs: used.user + used.system };
}
