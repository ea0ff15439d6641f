/**
 * The typed messages between the processor and its worker threads. The window's samples travel
 * as a transferred (moved, not copied) Float32Array.
 */
import type { WindowAnalysis, WindowAnalysisConfig } from '../models/window-analysis.ts';

export interface AnalysisRequest {
  /** Identifies the analyzer configuration; workers keep one analyzer per key. */
  configKey: string;
  config: WindowAnalysisConfig;
  samples: Float32Array;
}

export interface AnalysisResponse {
  analysis: WindowAnalysis;
  /** Worker CPU time for this window, µs (for the live view and metrics). */
  cpuUs: number;
}
