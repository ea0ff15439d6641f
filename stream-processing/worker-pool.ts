/**
 * The pool of worker threads that run the models (Piscina). Samples are moved to the worker
 * in the transfer list (moved, not structured-cloned); a learnt reference goes as JSON under its
 * id, serialised once per reference (AnalysisRequest.reference).
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { PdmError } from '../common/errors.ts';
import type { EnvelopeReference } from '../models/bearing/reference.ts';
import type { WindowAnalysisConfig } from '../models/window-analysis.ts';
import type { AnalysisRequest, AnalysisResponse, ReferenceRequest, ReferenceResponse, SerializedReference } from './analysis-task.ts';

/** One window to analyse: its configuration with the channel's learnt reference, if any, and that reference's id. */
export interface WindowTask {
  configKey: string;
  config: WindowAnalysisConfig;
  /** The learnt reference's content digest ('' when it has none: one is made per reference object). */
  referenceId: string;
  samples: Float32Array;
  spectrumLines: number;
}

// Run from sources (.ts on Node 24) or from dist (.js): the worker file has this file's extension.
const workerFile = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

export class WorkerPool {
  readonly #pool: Piscina;

  constructor(opts: { threads?: number } = {}) {
    const threads = opts.threads ?? Math.max(1, availableParallelism() - 1);
    this.#pool = new Piscina({ filename: workerFile, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  }

  /** Each reference serialised once, for as long as it is the one in use (see AnalysisRequest.reference). */
  readonly #serialized = new WeakMap<EnvelopeReference, SerializedReference>();
  #unnamedReferences = 0;

  async analyze(task: WindowTask): Promise<AnalysisResponse> {
    const { reference, ...config } = task.config;
    const req: AnalysisRequest = { configKey: task.configKey, config, samples: task.samples, spectrumLines: task.spectrumLines };
    if (reference !== undefined) {
      let serialized = this.#serialized.get(reference);
      if (serialized === undefined) {
        serialized = { id: task.referenceId || `unnamed-${++this.#unnamedReferences}`, json: JSON.stringify(reference) };
        this.#serialized.set(reference, serialized);
      }
      req.reference = serialized;
    }
    try {
      // Transfer the samples' buffer: the consumer thread gives it up, nothing is copied.
      return (await this.#pool.run(req, { transferList: [req.samples.buffer as ArrayBuffer] })) as AnalysisResponse;
    } catch (err) {
      throw new PdmError('PDM_ERR_WORKER', `window analysis failed in a worker: ${(err as Error).message}`, {}, { cause: err });
    }
  }

  async learnReference(req: ReferenceRequest): Promise<ReferenceResponse> {
    try {
      const transferList = req.windows.map((w) => w.samples.buffer as ArrayBuffer);
      return (await this.#pool.run(req, { name: 'learnReference', transferList })) as ReferenceResponse;
    } catch (err) {
      throw new PdmError(
        'PDM_ERR_WORKER',
        `learning a healthy reference failed in a worker: ${(err as Error).message}`,
        {},
        { cause: err },
      );
    }
  }

  get threads(): number {
    return this.#pool.threads.length;
  }

  get utilization(): number {
    return this.#pool.utilization;
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
