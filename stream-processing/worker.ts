/**
 * Piscina worker entry: plumbing only. Keeps one WindowAnalyzer per configuration (they
 * precompute windows, FFT tables and filters) and calls into `models/`.
 */
import { WindowAnalyzer } from '../models/window-analysis.ts';
import type { AnalysisRequest, AnalysisResponse } from './analysis-task.ts';

const analyzers = new Map<string, WindowAnalyzer>();

export default function analyzeWindow(req: AnalysisRequest): AnalysisResponse {
  const t0 = process.cpuUsage();
  let analyzer = analyzers.get(req.configKey);
  if (!analyzer) {
    analyzer = new WindowAnalyzer(req.config);
    analyzers.set(req.configKey, analyzer);
  }
  const analysis = analyzer.analyze(req.samples);
  const used = process.cpuUsage(t0);
  return { analysis, cpuUs: used.user + used.system };
}
