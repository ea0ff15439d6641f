/**
 * The messages between the simulator's main thread and a physics thread (physics-threads.ts,
 * render-worker.ts). A physics thread holds a replica of each machine it renders, built from the
 * same validated fleet entry and start time, and receives the same control calls at the same wall
 * times as the main thread's own copy, so the blocks it renders are the ones the main thread
 * would have rendered, bit for bit.
 */
import type { FaultSpec, ValidMachine } from '../fleet-config.ts';

export type ControlCall =
  | { op: 'injectFault'; fault: FaultSpec; atMs: number }
  | { op: 'stop'; atMs: number }
  | { op: 'start'; atMs: number }
  | { op: 'repair'; atMs: number };

export interface BlockRequest {
  channelId: string;
  seq: number;
}

export type ToPhysicsThread =
  | { kind: 'add'; machineId: string; machine: ValidMachine; startTimeMs: number; initialLifeS?: number }
  | { kind: 'control'; machineId: string; call: ControlCall }
  /** Render these blocks, in this order (a machine's renderer carries its state from block to block). */
  | { kind: 'render'; requestId: number; blocks: Array<BlockRequest & { machineId: string }> };

export type FromPhysicsThread =
  /** The thread has loaded its code and takes machines. */
  | { kind: 'ready' }
  | { kind: 'added'; machineId: string; error?: string }
  /** One entry per requested block, in order: its samples, or why it could not be rendered. */
  | { kind: 'rendered'; requestId: number; blocks: Array<Float32Array | string> };
