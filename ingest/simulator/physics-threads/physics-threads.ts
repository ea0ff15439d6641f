/**
 * Physics threads: the simulator's vibration rendering moved off its main thread. A gateway of a
 * hundred machines spent most of its one main thread on the physics (96 triaxial machines: 0.74
 * of the 0.78 cores it reached before blocks came late, BENCHMARKS.md), leaving too little for
 * serving OPC UA. Here each physics machine is rendered by one of a few worker threads, and the
 * main thread only publishes what comes back.
 *
 * How the blocks stay exactly those of a simulation on the main thread: the main thread keeps its
 * own MachineSimulation for everything cheap (energy, ground truth, the run signal, the control
 * methods), and the thread a replica built from the same fleet entry and start time. Every control
 * call is applied to both at the same wall time, in call order; block requests travel on the same
 * message port after the calls that preceded them, so the replica renders each block in the state
 * the main copy would have rendered it in (test/unit/simulator-physics/physics-threads.test.ts
 * compares them sample for sample). The requests made within one tick of the event loop go to
 * each thread as one message.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { describeError, PdmError } from '../../../common/errors.ts';
import { type Logger, logger } from '../../../common/log.ts';
import type { FaultSpec, ValidMachine } from '../fleet-config.ts';
import { MachineSimulation, type MachineTruth, type SimulationOptions } from '../physics/machine-simulation.ts';
import type { ChannelSpec, MachineControl, MachineSignalSource } from '../signal-source.ts';
import type { BlockRequest, ControlCall, FromPhysicsThread, ToPhysicsThread } from './render-protocol.ts';

const workerFile = new URL(`./render-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** Physics machines one thread is given before another is started (a triaxial machine: about 8 ms of a core per second). */
export const MACHINES_PER_PHYSICS_THREAD = 64;

/**
 * How many physics threads serve `machines` physics machines when the fleet does not say: none for
 * none, else one per MACHINES_PER_PHYSICS_THREAD, at most one per core.
 */
export function physicsThreadsFor(machines: number, cores = availableParallelism()): number {
  if (machines <= 0) return 0;
  return Math.max(1, Math.min(Math.ceil(machines / MACHINES_PER_PHYSICS_THREAD), cores));
}

interface Pending {
  resolve: (blocks: Array<Float32Array | string>) => void;
  reject: (err: Error) => void;
}

/** One worker thread and the requests of the current tick not yet sent to it. */
class PhysicsThread {
  readonly #worker: Worker;
  readonly #log: Logger;
  readonly #pending = new Map<number, Pending>();
  #nextRequest = 0;
  #batch: Array<BlockRequest & { machineId: string }> = [];
  #batchWaiters: Array<{ from: number; count: number; resolve: (b: Array<Float32Array | string>) => void; reject: (e: Error) => void }> =
    [];
  #failed: Error | undefined;
  machines = 0;
  /** Settled once the thread has loaded its code (rejected if it stops first). */
  readonly ready: Promise<void>;
  #booted!: () => void;
  #bootFailed!: (err: Error) => void;

  constructor(index: number, log: Logger) {
    this.#log = log;
    this.ready = new Promise((resolve, reject) => {
      this.#booted = resolve;
      this.#bootFailed = reject;
    });
    // Not an unhandled rejection when nobody waits for it.
    this.ready.catch(() => undefined);
    this.#worker = new Worker(workerFile, { name: `physics-${index}` });
    this.#worker.on('message', (msg: FromPhysicsThread) => this.#onMessage(msg));
    this.#worker.on('error', (err) => this.#fail(err));
    this.#worker.on('exit', (code) => {
      if (!this.#failed) this.#fail(new Error(`physics thread exited (code ${code})`));
    });
  }

  #fail(err: Error): void {
    if (this.#failed) return;
    this.#failed = new PdmError(
      'PDM_ERR_WORKER',
      `a physics thread of the simulator stopped: ${describeError(err)}; its machines publish nothing until the simulator is restarted`,
    );
    this.#log.error({ err: describeError(err) }, 'physics thread stopped');
    this.#bootFailed(this.#failed);
    for (const p of this.#pending.values()) p.reject(this.#failed);
    this.#pending.clear();
    for (const w of this.#batchWaiters) w.reject(this.#failed);
    this.#batchWaiters = [];
    this.#batch = [];
  }

  #onMessage(msg: FromPhysicsThread): void {
    if (msg.kind === 'ready') {
      this.#booted();
      return;
    }
    if (msg.kind === 'added') {
      if (msg.error) this.#log.error({ machine: msg.machineId, err: msg.error }, 'physics thread cannot build this machine');
      return;
    }
    const p = this.#pending.get(msg.requestId);
    if (!p) return;
    this.#pending.delete(msg.requestId);
    p.resolve(msg.blocks);
  }

  post(msg: ToPhysicsThread): void {
    if (this.#failed) return;
    // Requests made before this message go first: the replica must see calls and blocks in order.
    this.#flush();
    this.#worker.postMessage(msg);
  }

  /** The blocks, rendered in the thread; requests made in the same tick travel as one message. */
  render(machineId: string, blocks: BlockRequest[]): Promise<Array<Float32Array | string>> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (blocks.length === 0) return Promise.resolve([]);
    if (this.#batch.length === 0) queueMicrotask(() => this.#flush());
    const from = this.#batch.length;
    for (const b of blocks) this.#batch.push({ ...b, machineId });
    return new Promise((resolve, reject) => this.#batchWaiters.push({ from, count: blocks.length, resolve, reject }));
  }

  #flush(): void {
    const batch = this.#batch;
    const waiters = this.#batchWaiters;
    this.#batch = [];
    this.#batchWaiters = [];
    if (batch.length === 0) return;
    if (this.#failed) {
      for (const w of waiters) w.reject(this.#failed);
      return;
    }
    const requestId = this.#nextRequest++;
    this.#pending.set(requestId, {
      resolve: (rendered) => {
        for (const w of waiters) w.resolve(rendered.slice(w.from, w.from + w.count));
      },
      reject: (err) => {
        for (const w of waiters) w.reject(err);
      },
    });
    this.#worker.postMessage({ kind: 'render', requestId, blocks: batch } satisfies ToPhysicsThread);
  }

  async close(): Promise<void> {
    this.#failed ??= new PdmError('PDM_ERR_WORKER', 'the physics threads were closed');
    await this.#worker.terminate();
  }
}

/** The simulator's physics threads; machines are spread over them as they are added. */
export class PhysicsThreads {
  readonly #threads: PhysicsThread[];

  constructor(threads: number, log: Logger = logger('physics-threads')) {
    if (!Number.isInteger(threads) || threads < 1)
      throw new PdmError('PDM_ERR_INPUT_VALUE', `physics threads must be a whole number of at least 1, got ${threads}`);
    this.#threads = Array.from({ length: threads }, (_, i) => new PhysicsThread(i, log));
  }

  /**
   * Settled when every thread has loaded its code: a thread still loading when the first blocks
   * fall due would hold them back for seconds on a busy machine, beyond the publisher's catch-up.
   * Rejects when a thread stops first.
   */
  async ready(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.ready));
  }

  /** A simulation of `machine` whose blocks the least loaded thread renders. Throws as MachineSimulation does. */
  simulate(machine: ValidMachine, opts: SimulationOptions): ThreadedSimulation {
    // The main thread's copy renders nothing: no renderers, no block buffers.
    const local = new MachineSimulation(machine, { ...opts, renders: false });
    const thread = this.#threads.reduce((a, b) => (b.machines < a.machines ? b : a));
    thread.machines++;
    thread.post({ kind: 'add', machineId: machine.id, machine, startTimeMs: opts.startTimeMs, initialLifeS: opts.initialLifeS });
    return new ThreadedSimulation(local, thread);
  }

  async close(): Promise<void> {
    await Promise.all(this.#threads.map((t) => t.close()));
  }
}

/**
 * A physics machine whose blocks a physics thread renders (renderBlocks); everything else is its
 * main-thread copy's. Control calls go to both.
 */
export class ThreadedSimulation implements MachineSignalSource, MachineControl {
  readonly local: MachineSimulation;
  readonly #thread: PhysicsThread;

  constructor(local: MachineSimulation, thread: PhysicsThread) {
    this.local = local;
    this.#thread = thread;
  }

  get channels(): ChannelSpec[] {
    return this.local.channels;
  }

  /** Not here: its blocks are rendered in a physics thread (renderBlocks). */
  renderBlock(channelId: string): void {
    throw new PdmError(
      'PDM_ERR_WORKER',
      `machine ${this.local.machine.id}: channel ${channelId} is rendered in a physics thread; ask renderBlocks for its blocks`,
    );
  }

  renderBlocks(blocks: BlockRequest[]): Promise<Array<Float32Array | string>> {
    return this.#thread.render(this.local.machine.id, blocks);
  }

  energyAt(timeMs: number): ReturnType<MachineSimulation['energyAt']> {
    return this.local.energyAt(timeMs);
  }

  isAcquiring(timeMs: number): boolean {
    return this.local.isAcquiring(timeMs);
  }

  truthAt(timeMs: number): MachineTruth {
    return this.local.truthAt(timeMs);
  }

  injectFault(fault: FaultSpec, atMs: number): void {
    this.local.injectFault(fault, atMs);
    this.#control({ op: 'injectFault', fault, atMs });
  }

  stop(atMs: number): void {
    this.local.stop(atMs);
    this.#control({ op: 'stop', atMs });
  }

  start(atMs: number): void {
    this.local.start(atMs);
    this.#control({ op: 'start', atMs });
  }

  repair(atMs: number): void {
    this.local.repair(atMs);
    this.#control({ op: 'repair', atMs });
  }

  /** After the main copy accepted the call (it throws first on a bad one), so both stay alike. */
  #control(call: ControlCall): void {
    this.#thread.post({ kind: 'control', machineId: this.local.machine.id, call });
  }
}
