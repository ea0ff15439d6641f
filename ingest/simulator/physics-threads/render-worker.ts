/**
 * A physics thread: renders the vibration blocks of the machines it was given, off the simulator's
 * main thread (which then only serves OPC UA). Each machine is a replica of the main thread's
 * MachineSimulation (same fleet entry, same start), driven by the same control calls in the same
 * order, so its blocks are those the main thread would have rendered. A block that fails to
 * render is answered with the reason; the thread goes on.
 */
import { parentPort } from 'node:worker_threads';
import { describeError } from '../../../common/errors.ts';
import { MachineSimulation } from '../physics/machine-simulation.ts';
import type { FromPhysicsThread, ToPhysicsThread } from './render-protocol.ts';

const port = parentPort;
if (!port) throw new Error('render-worker.ts runs as a worker thread of the simulator (physics-threads.ts)');

const machines = new Map<string, MachineSimulation>();

port.on('message', (msg: ToPhysicsThread) => {
  switch (msg.kind) {
    case 'add': {
      let error: string | undefined;
      try {
        machines.set(msg.machineId, new MachineSimulation(msg.machine, { startTimeMs: msg.startTimeMs, initialLifeS: msg.initialLifeS }));
      } catch (err) {
        error = describeError(err);
      }
      port.postMessage({ kind: 'added', machineId: msg.machineId, ...(error ? { error } : {}) } satisfies FromPhysicsThread);
      return;
    }
    case 'control': {
      const sim = machines.get(msg.machineId);
      if (!sim) return; // its construction failed: every render of it says so
      const c = msg.call;
      // The main thread's copy took the same call and reported any error to the caller.
      try {
        if (c.op === 'injectFault') sim.injectFault(c.fault, c.atMs);
        else sim[c.op](c.atMs);
      } catch {
        /* the same error was thrown to the caller on the main thread */
      }
      return;
    }
    case 'render': {
      const blocks: Array<Float32Array | string> = [];
      const transfer: ArrayBuffer[] = [];
      for (const b of msg.blocks) {
        const sim = machines.get(b.machineId);
        if (!sim) {
          blocks.push(`machine ${b.machineId} is not rendered by this physics thread (its simulation could not be built)`);
          continue;
        }
        try {
          const channel = sim.channels.find((c) => c.id === b.channelId);
          const out = new Float32Array(channel?.blockSize ?? 0);
          sim.renderBlock(b.channelId, b.seq, out);
          blocks.push(out);
          transfer.push(out.buffer);
        } catch (err) {
          blocks.push(describeError(err));
        }
      }
      port.postMessage({ kind: 'rendered', requestId: msg.requestId, blocks } satisfies FromPhysicsThread, transfer);
      return;
    }
  }
});

port.postMessage({ kind: 'ready' } satisfies FromPhysicsThread);
