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
  energyAt(timeMs: number): EnergyReading;
}

/** Start of block `seq` in ms since the epoch (exact when blockSize / fs is a whole number of ms). */
export function blockStartMs(channel: ChannelSpec, seq: number): number {
  return (seq * channel.blockSize * 1000) / channel.sampleRateHz;
}

/** Index of the last block that has completely elapsed at `nowMs`. */
export function lastCompleteBlock(channel: ChannelSpec, nowMs: number): number {
  return Math.floor((nowMs * channel.sampleRateHz) / (1000 * channel.blockSize)) - 1;
}
