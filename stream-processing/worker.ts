/**
 * Piscina worker entry: plumbing only. Keeps WindowAnalyzers per configuration (they
 * precompute windows, FFT tables and filters) and calls into `models/`.
 */
import { buildReference, type EnvelopeReference } from '../models/bearing/reference.ts';
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

/**
 * Healthy references by id, least recently used first: parsed once, and the same object for
 * every window of the channel, so the analyzers keep the floor they built from it (keyed by the
 * object). Bounded by memory: a parsed reference of 1 s windows at 25.6 kHz holds about 0.5 MB;
 * the bound is above the channels one worker of a large plant sees, and an evicted reference is
 * parsed again from the next window's copy.
 */
const MAX_REFERENCES = 512;
const references = new Map<string, EnvelopeReference>();

/** The entry of `key` in `cache` (a least-recently-used map of at most `max`), built on a miss. */
function cached<T>(cache: Map<string, T>, key: string, max: number, build: () => T): T {
  let value = cache.get(key);
  if (value !== undefined) cache.delete(key);
  else {
    value = build();
    if (cache.size >= max) cache.delete(cache.keys().next().value!);
  }
  cache.set(key, value);
  return value;
}

export default function analyzeWindow(req: AnalysisRequest): AnalysisResponse {
  const t0 = process.cpuUsage();
  const analyzer = cached(analyzers, req.configKey, MAX_ANALYZERS, () => new WindowAnalyzer(req.config));
  // A reference is validated by the analyzer (validateReference) when it first meets its object.
  const r = req.reference;
  const reference = r === undefined ? undefined : cached(references, r.id, MAX_REFERENCES, () => JSON.parse(r.json) as EnvelopeReference);
  const analysis = analyzer.analyze(req.samples, { shaftHz: req.config.shaftHz, reference });
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
