/**
 * Physics threads (ingest/simulator/physics-threads): blocks rendered in a worker thread are the
 * blocks a simulation on the main thread renders, sample for sample, through control calls (a
 * fault injected, a stop and a start, a repair) made between blocks; the main-thread copy answers
 * energy, the run signal and the truth as a simulation of its own does; a bad block request is
 * answered with its reason and the others are rendered.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseFaultSpec } from '../../../ingest/simulator/fleet-config.ts';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { PhysicsThreads, physicsThreadsFor } from '../../../ingest/simulator/physics-threads/physics-threads.ts';
import { machine, START_MS } from '../../../tools/harness/simulator-physics.ts';

const threads = new PhysicsThreads(2);
afterAll(() => threads.close());

const FAULTY = { faults: [{ type: 'outer_race', location: 'DE', growth: { timeToFailure: 3000 } }], timeAcceleration: 100 };

/** Renders blocks first..last of every channel, channel by channel, as the publisher asks. */
function direct(sim: MachineSimulation, first: number, last: number): Float32Array[] {
  const out: Float32Array[] = [];
  for (const ch of sim.channels)
    for (let s = first; s <= last; s++) {
      const b = new Float32Array(ch.blockSize);
      sim.renderBlock(ch.id, s, b);
      out.push(b);
    }
  return out;
}

function requests(sim: { channels: Array<{ id: string }> }, first: number, last: number) {
  return sim.channels.flatMap((ch) => Array.from({ length: last - first + 1 }, (_, i) => ({ channelId: ch.id, seq: first + i })));
}

describe('physics threads', () => {
  it('render the same blocks as the main thread would, through a fault injection, a stop, a start and a repair', async () => {
    const spec = machine({ ...FAULTY, seed: 11 });
    const reference = new MachineSimulation(spec, { startTimeMs: START_MS });
    const threaded = threads.simulate(spec, { startTimeMs: START_MS });
    const seq0 = Math.floor((START_MS + 600_000) / 100);
    const fault = parseFaultSpec({ type: 'inner_race', location: 'DE', growth: { timeToFailure: '1h', noise: 0 } }, 'test');
    // Blocks, then a control call at the wall time between them, as the OPC UA methods make them.
    const steps: Array<{ first: number; last: number; control?: (s: MachineSimulation | typeof threaded, atMs: number) => void }> = [
      { first: seq0, last: seq0 + 4, control: (s, at) => s.injectFault(fault, at) },
      { first: seq0 + 5, last: seq0 + 9, control: (s, at) => s.stop(at) },
      { first: seq0 + 10, last: seq0 + 12, control: (s, at) => s.start(at) },
      { first: seq0 + 40, last: seq0 + 44, control: (s, at) => s.repair(at) },
      { first: seq0 + 45, last: seq0 + 49 },
    ];
    let compared = 0;
    for (const step of steps) {
      const want = direct(reference, step.first, step.last);
      const got = await threaded.renderBlocks(requests(threaded, step.first, step.last));
      expect(got).toHaveLength(want.length);
      for (let i = 0; i < want.length; i++) {
        expect(got[i]).toBeInstanceOf(Float32Array);
        expect(got[i]).toEqual(want[i]);
        compared++;
      }
      const atMs = (step.last + 1) * 100;
      step.control?.(reference, atMs);
      step.control?.(threaded, atMs);
      expect(threaded.truthAt(atMs + 50)).toEqual(reference.truthAt(atMs + 50));
      expect(threaded.isAcquiring(atMs + 50)).toBe(reference.isAcquiring(atMs + 50));
      expect(threaded.energyAt(atMs + 50)).toEqual(reference.energyAt(atMs + 50));
    }
    expect(compared).toBe(23 * reference.channels.length);
    // The injected fault, the stop and the repair changed what was rendered (not a vacuous equality).
    expect(reference.truthAt((seq0 + 6) * 100).faults.some((f) => f.injected)).toBe(true);
    expect(reference.isAcquiring((seq0 + 11) * 100 + 50)).toBe(false);
    expect(reference.truthAt((seq0 + 46) * 100).life).toBe(1);
  });

  it('machines spread over the threads render side by side, each its own blocks, in one tick', async () => {
    const specs = [1, 2, 3].map((seed) => machine({ ...FAULTY, seed, id: `m${seed}` }));
    const refs = specs.map((s) => new MachineSimulation(s, { startTimeMs: START_MS }));
    const sims = specs.map((s) => threads.simulate(s, { startTimeMs: START_MS }));
    const seq0 = Math.floor((START_MS + 60_000) / 100);
    // Asked in the same tick: sent to each thread as one message, answered per machine.
    const got = await Promise.all(sims.map((s) => s.renderBlocks(requests(s, seq0, seq0 + 2))));
    for (const [i, blocks] of got.entries()) expect(blocks).toEqual(direct(refs[i], seq0, seq0 + 2));
    expect(got[0][0]).not.toEqual(got[1][0]);
  });

  it('a block that cannot be rendered is answered with its reason; the others are rendered', async () => {
    const spec = machine({ seed: 5, id: 'bad-request' });
    const sim = threads.simulate(spec, { startTimeMs: START_MS });
    const seq = Math.floor((START_MS + 1000) / 100);
    const got = await sim.renderBlocks([
      { channelId: 'NOPE_X', seq },
      { channelId: sim.channels[0].id, seq },
    ]);
    expect(got[0]).toMatch(/no channel "NOPE_X"/);
    expect(got[1]).toBeInstanceOf(Float32Array);
    // Nothing asked, nothing waited for.
    await expect(sim.renderBlocks([])).resolves.toEqual([]);
    expect(() => sim.renderBlock(sim.channels[0].id)).toThrow(/rendered in a physics thread/);
    // The main thread's copy holds no renderer (nor its buffers).
    expect(() => sim.local.renderBlock(sim.channels[0].id, seq, new Float32Array(2560))).toThrow(/does not render/);
  });

  it('a thread per 64 physics machines, at most one per core, none for none', () => {
    expect(physicsThreadsFor(0, 8)).toBe(0);
    expect(physicsThreadsFor(3, 8)).toBe(1);
    expect(physicsThreadsFor(64, 8)).toBe(1);
    expect(physicsThreadsFor(100, 8)).toBe(2);
    expect(physicsThreadsFor(500, 2)).toBe(2);
    expect(() => new PhysicsThreads(0)).toThrow(/at least 1/);
    return expect(threads.ready()).resolves.toBeUndefined();
  });
});
