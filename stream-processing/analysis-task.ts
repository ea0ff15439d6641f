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
  /** Without `reference`: the channel's learnt reference travels as `reference` below. */
  config: Omit<WindowAnalysisConfig, 'reference'>;
  /**
   * The channel's healthy reference: its content digest and its JSON, serialised once per
   * reference. A learnt reference can hold thousands of lines (measured: 7 200, 73 KB of JSON,
   * for 1 s windows at 25.6 kHz of a machine with steady tones; a simulated pump's about 180):
   * structured-cloned as objects with every window, that one cost 1.5 ms on the consumer thread
   * and as much again in the worker, and the analyzer rebuilt its floor (0.7 ms) from each fresh
   * copy. As a string it is copied in microseconds, and the worker parses it once per id.
   */
  reference?: SerializedReference;
  samples: Float32Array;
  /** Lines of the stored spectra (spectra.lines); the worker returns them with every window's fault-band evidence. */
  spectrumLines: number;
}

export interface SerializedReference {
  /** Stable for the same content (the learnt reference's digest). */
  id: string;
  json: string;
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
