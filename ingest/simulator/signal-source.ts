import type { FaultSpec } from './fleet-config.ts';
import type { MachineTruth } from './physics/machine-simulation.ts';

/**
 * What a machine server needs from whatever produces a machine's signals: the physics model
 * (`physics/`), a replay of recorded files, or a plain test signal. Blocks are requested by
 * sequence number; block `seq` of a channel covers the global sample indices
 * [seq * blockSize, (seq + 1) * blockSize) counted from the Unix epoch, so its start time is
 * seq * blockSize / sampleRateHz seconds since the epoch.
 */
export interface ChannelSpec {
  id: string;
  location: 'DE' | 'NDE';
  axis: 'X' | 'Y' | 'Z';
  sampleRateHz: number;
  blockSize: number;
  units: 'g';
}

export interface EnergyReading {
  powerKw: number;
  currentA: number;
  voltageV: number;
  powerFactor: number;
  temperatureC: number;
  speedRpm: number;
  loadPct: number;
}

export interface MachineSignalSource {
  readonly channels: ChannelSpec[];
  renderBlock(channelId: string, seq: number, out: Float32Array): void;
  /**
   * Present when the blocks are rendered off the main thread (a physics thread): the blocks asked
   * for, in that order (a machine renders its blocks in sequence), each its samples or why it
   * could not be rendered. renderBlock is then not available.
   */
  renderBlocks?(blocks: Array<{ channelId: string; seq: number }>): Promise<Array<Float32Array | string>>;
  energyAt(timeMs: number): EnergyReading;
  /**
   * Whether vibration is acquired at this wall time. Absent: always. A stopped machine acquires
   * nothing (condition monitors gate acquisition on the run signal), so a stop shows as a gap.
   */
  isAcquiring?(timeMs: number): boolean;
}

/** What the machine methods drive: the physics model or a replay backed by it. Times are wall ms. */
export interface MachineControl {
  injectFault(fault: FaultSpec, atMs: number): void;
  stop(atMs: number): void;
  start(atMs: number): void;
  repair(atMs: number): void;
  truthAt(timeMs: number): MachineTruth;
}

/** Start of block `seq` in ms since the epoch (exact when blockSize / fs is a whole number of ms). */
export function blockStartMs(channel: ChannelSpec, seq: number): number {
  return (seq * channel.blockSize * 1000) / channel.sampleRateHz;
}

/** Index of the last block that has completely elapsed at `nowMs`. */
export function lastCompleteBlock(channel: ChannelSpec, nowMs: number): number {
  return Math.floor((nowMs * channel.sampleRateHz) / (1000 * channel.blockSize)) - 1;
}
