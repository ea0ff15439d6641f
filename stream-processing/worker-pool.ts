/**
 * The pool of worker threads that run the models (Piscina). Samples are moved to the worker
 * in the transfer list (moved, not structured-cloned).
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { PdmError } from '../common/errors.ts';
import type { AnalysisRequest, AnalysisResponse, ReferenceRequest, ReferenceResponse } from './analysis-task.ts';

// Run from sources (.ts on Node 24) or from dist (.js): the worker file has this file's extension.
const workerFile = new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

export class WorkerPool {
  readonly #pool: Piscina;

  constructor(opts: { threads?: number } = {}) {
    const threads = opts.threads ?? Math.max(1, availableParallelism() - 1);
    this.#pool = new Piscina({ filename: workerFile, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  }

  async analyze(req: AnalysisRequest): Promise<AnalysisResponse> {
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
