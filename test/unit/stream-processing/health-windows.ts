/** Synthetic analysed windows for the health tracker tests: two channels, features growing from a given window on. */
import { mulberry32 } from '../../../models/dsp/seeded-random.ts';
import type { HealthUpdate, MachineHealthTracker, WindowResult } from '../../../stream-processing/machine-health.ts';

/** Seeded normal noise (Box-Muller on mulberry32). */
export function rng(seed: number): () => number {
  const u = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(u() || 1e-12)) * Math.cos(2 * Math.PI * u());
}

export const CHANNELS = ['DE_X', 'DE_Y'];
export function windows(n: number, degradeFrom: number, seed = 1, machine = 'm1'): WindowResult[] {
  const g = rng(seed);
  const out: WindowResult[] = [];
  for (let k = 0; k < n; k++) {
    const growth = k < degradeFrom ? 1 : Math.exp((k - degradeFrom) / 40);
    for (const channel of CHANNELS) {
      out.push({
        machine,
        channel,
        windowSeq: 1000 + k,
        tsNs: BigInt(1_800_000_000 + k) * 1_000_000_000n,
        features: {
          rms: 0.1 * growth * (1 + 0.05 * g()),
          kurtosis: 3 * (1 + 0.05 * g()) * Math.sqrt(growth),
          crest_factor: 3.5 * (1 + 0.03 * g()),
        },
        zone: growth > 3 ? 'C' : 'A',
      });
    }
  }
  return out;
}

export function run(tracker: MachineHealthTracker, ws: WindowResult[]): HealthUpdate[] {
  const ups: HealthUpdate[] = [];
  for (const w of ws) {
    const u = tracker.onWindow(w);
    if (u) ups.push(u);
  }
  return ups;
}
