/**
 * The typed messages between the processor and its worker threads. The window's samples travel
 * as a transferred (moved, not copied) Float32Array.
 */
import type { BearingGeometry } from '../models/bearing/geometry.ts';
import type { EnvelopeReference, HealthyWindow } from '../models/bearing/reference.ts';
import type { FamilyEvidence, WindowSpectra } from '../models/stored-evidence.ts';
import type { WindowAnalysis, WindowAnalysisConfig } from '../models/window-analysis.ts';

export interface AnalysisRequest {
  /** Identifies the analyzer configuration; workers keep one analyzer per key. */
  configKey: string;
  config: WindowAnalysisConfig;
  samples: Float32Array;
  /** Lines of the stored spectra (spectra.lines); the worker returns them with every window's fault-band evidence. */
  spectrumLines: number;
}

export interface AnalysisResponse {
  analysis: WindowAnalysis;
  /** The window's downsampled spectra and, with a bearing and a speed, each defect family's lines (models/stored-evidence.ts). */
  stored: { spectra: WindowSpectra; families?: FamilyEvidence[] };
  /** Worker CPU time for this window, µs (for the live view and metrics). */
  cpuUs: number;
}

/** Learn a channel's healthy envelope reference from its baseline windows (samples transferred). */
export interface ReferenceRequest {
  bearing: BearingGeometry;
  windows: HealthyWindow[];
}

export interface ReferenceResponse {
  reference: EnvelopeReference;
  cpuUs: number;
}
