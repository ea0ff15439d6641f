/** Synthetic run-to-failure histories for the remaining-life tests. */
import { type AssetMonitor, type AssetStatus, newAssetStatus } from '../../../models/rul/asset-monitor.ts';
import type { History } from '../../../models/rul/fleet-training.ts';
import { gaussian, seeded } from '../../../tools/harness/synthetic-features.ts';

/**
 * A synthetic run to failure that follows the model's own assumptions: healthy for a while, then
 * log-amplitudes rising linearly (random rate per asset) with a Brownian wander, until the
 * amplitudes reach 5x their healthy level (failure). Windows every 10 s. `timeScale` runs the
 * same history at a condition where the bearing lasts that many times as long: every duration
 * (window spacing, healthy stretch, degradation) stretched alike, the sequence of rows unchanged
 * (`healthyS` is on the unstretched clock).
 */
export function runToFailure(seed: number, healthyS: number, timeScale = 1): History & { lifetimeS: number } {
  const rnd = seeded(seed);
  const g = gaussian(rnd);
  const rate = (1 + rnd()) * 1e-4; // nepers per second
  const times: number[] = [];
  const rows: Record<string, number>[] = [];
  let wander = 0;
  for (let t = 0; ; t += 10) {
    const degradation = t < healthyS ? 0 : Math.max(0, rate * (t - healthyS) + wander);
    if (t >= healthyS) wander += Math.sqrt(2e-6 * 10) * g();
    const level = Math.exp(degradation);
    times.push(t * timeScale);
    rows.push({ rms: 0.4 * level * Math.exp(0.04 * g()), peak: 1.6 * level * Math.exp(0.06 * g()), kurtosis: 3 * Math.exp(0.05 * g()) });
    if (degradation >= Math.log(5)) break;
  }
  return { name: `asset-${seed}`, times, rows, lifetimeS: times[times.length - 1] };
}

/** The monitor's status after each row of `asset` in [from, to), as the stream would update it. */
export function monitorOutputs(m: AssetMonitor, asset: History, from = 0, to = asset.times.length): AssetStatus[] {
  const out: AssetStatus[] = [];
  for (let i = from; i < to; i++) out.push(m.update(newAssetStatus(), asset.times[i], asset.rows[i]));
  return out;
}
