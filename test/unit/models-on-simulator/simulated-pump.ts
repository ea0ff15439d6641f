/**
 * The simulated machine the models are judged on (shared by simulated-faults.test.ts and
 * tools/simulator-report.ts): the simulator tests' 11 kW pump on 6205-2RS / 6203-2RS bearings,
 * with a triaxial accelerometer at the drive end (25.6 kHz), one day of life per wall second
 * unless overridden, and the stream's one-second windows and analyzer.
 */
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import type { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { machine } from '../simulator-physics/helpers.ts';

export { START_MS } from '../simulator-physics/helpers.ts';
export const DAY_S = 86_400;

export function machineWith(faults: unknown[], overrides: Record<string, unknown> = {}) {
  return machine({
    id: 'sim-1',
    operatingModes: [{ mode: 'full', durationS: 36_000, loadPct: 90 }],
    sensors: { vibration: [{ location: 'DE', axes: ['X', 'Y', 'Z'] }] },
    timeAcceleration: DAY_S, // one day of life per wall second
    seed: 11,
    faults,
    ...overrides,
  });
}

/** Ten consecutive blocks (1 s at 25.6 kHz) of one channel, starting at a wall time. */
export function window(sim: MachineSimulation, channel: string, atMs: number): Float32Array {
  const ch = sim.channels.find((c) => c.id === channel)!;
  const blocks = 10;
  const seq0 = Math.floor((atMs * ch.sampleRateHz) / (1000 * ch.blockSize));
  const out = new Float32Array(blocks * ch.blockSize);
  const buf = new Float32Array(ch.blockSize);
  for (let b = 0; b < blocks; b++) {
    sim.renderBlock(channel, seq0 + b, buf);
    out.set(buf, b * ch.blockSize);
  }
  return out;
}

export function analyzer(sim: MachineSimulation, shaftHz?: number): WindowAnalyzer {
  const ch = sim.channels[0];
  return new WindowAnalyzer({ sampleRateHz: ch.sampleRateHz, windowSize: 10 * ch.blockSize, shaftHz, bearing: lookupBearing('6205-2RS'), iso: { group: 2, foundation: 'rigid' } });
}
