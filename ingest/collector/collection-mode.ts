/**
 * How a machine's waveforms are collected, pure: by subscription (the server reports every block
 * it writes), or by timed Read calls when the server samples more slowly than blocks come (a
 * revised sampling interval longer than a block period: a subscription would see only one block
 * per interval, the rest are overwritten before the server looks). And, when nothing can keep
 * up, how many blocks per second will be lost, for /health and the log.
 */

export type CollectionMode = 'subscription' | 'polling';

export interface ModeDecision {
  mode: CollectionMode;
  /** Blocks per second expected to be lost (0: none expected). */
  expectedLossPerS: number;
  /** Why, in one line for the log and /health. */
  reason: string;
}

export interface ModeFacts {
  /** Shortest block period of the machine's waveforms, ms. */
  blockMs: number;
  /** Longest revised sampling interval the server granted on them, ms. */
  revisedSamplingMs: number;
  /** The waveforms' MinimumSamplingInterval attribute (how often the server refreshes the value), when given and > 0. */
  minimumSamplingMs?: number;
  /** Whether a Read of the waveforms succeeds (readable: the AccessLevel allows it). */
  readable: boolean;
}

/** One sampling every intervalMs sees at most one block of period blockMs: the rest are lost. */
export function lossPerS(blockMs: number, intervalMs: number): number {
  return intervalMs > blockMs ? 1000 / blockMs - 1000 / intervalMs : 0;
}

export function chooseMode(f: ModeFacts): ModeDecision {
  const p = f.blockMs.toFixed(1);
  if (f.revisedSamplingMs <= f.blockMs)
    return { mode: 'subscription', expectedLossPerS: 0, reason: `sampling interval ${f.revisedSamplingMs} ms ≤ block period ${p} ms` };
  if (!f.readable) {
    const loss = lossPerS(f.blockMs, f.revisedSamplingMs);
    return {
      mode: 'subscription',
      expectedLossPerS: loss,
      reason: `the server samples every ${f.revisedSamplingMs} ms (blocks every ${p} ms) and refuses Reads of the waveform: about ${loss.toFixed(2)} blocks/s will be lost`,
    };
  }
  // Reads twice per block period see every block even when a read is late by up to half a period.
  const refresh = f.minimumSamplingMs ?? 0;
  const loss = lossPerS(f.blockMs, refresh);
  return {
    mode: 'polling',
    expectedLossPerS: loss,
    reason:
      loss > 0
        ? `the server samples every ${f.revisedSamplingMs} ms and refreshes the waveform only every ${refresh} ms (MinimumSamplingInterval; blocks every ${p} ms): reading it twice per block, about ${loss.toFixed(2)} blocks/s will still be lost`
        : `the server samples every ${f.revisedSamplingMs} ms, longer than a block (${p} ms): reading the waveform twice per block instead`,
  };
}

/** Read calls that take longer than a block lose blocks: one read per round trip sees at most one. */
export function pollingLossPerS(blockMs: number, medianReadMs: number): number {
  return lossPerS(blockMs, medianReadMs);
}
