/**
 * Determinism, phase continuity and robustness of the block API: the same seed gives the same
 * blocks, energy and truth; channels can be read in any interleaving; a block split in two is
 * the same waveform as one long block (phase and resonator state carried, through a speed
 * ramp); a gap in sequence numbers neither crashes nor disturbs the signal's statistics.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { VibrationModel } from '../../../ingest/simulator/physics/vibration-model.ts';
import { machine, moments, record, START_MS } from '../../../tools/harness/simulator-physics.ts';

const FAULTY = {
  faults: [
    { type: 'inner_race', location: 'DE', growth: { timeToFailure: 2000 } },
    { type: 'looseness', location: 'NDE', growth: { timeToFailure: 3000 } },
  ],
};

describe('determinism', () => {
  it('same seed: identical blocks, energy and truth; another seed: different blocks', () => {
    const a = new MachineSimulation(machine({ ...FAULTY, seed: 7 }), { startTimeMs: START_MS });
    const b = new MachineSimulation(machine({ ...FAULTY, seed: 7 }), { startTimeMs: START_MS });
    const c = new MachineSimulation(machine({ ...FAULTY, seed: 8 }), { startTimeMs: START_MS });
    const ra = record(a, START_MS + 900_000, 5);
    const rb = record(b, START_MS + 900_000, 5);
    const rc = record(c, START_MS + 900_000, 5);
    for (const id of Object.keys(ra)) {
      expect(ra[id]).toEqual(rb[id]);
      expect(ra[id]).not.toEqual(rc[id]);
    }
    expect(a.energyAt(START_MS + 901_000)).toEqual(b.energyAt(START_MS + 901_000));
    expect(a.truthAt(START_MS + 901_000)).toEqual(b.truthAt(START_MS + 901_000));
  });

  it('channels read in any interleaving get the same data', () => {
    const a = new MachineSimulation(machine({ ...FAULTY, seed: 3 }), { startTimeMs: START_MS });
    const b = new MachineSimulation(machine({ ...FAULTY, seed: 3 }), { startTimeMs: START_MS });
    const seq0 = Math.floor((START_MS + 900_000) / 100);
    const buf = new Float32Array(2560);
    const byBlock: Record<string, number[]> = {};
    for (let s = 0; s < 8; s++)
      for (const ch of a.channels) {
        a.renderBlock(ch.id, seq0 + s, buf);
        byBlock[ch.id] ??= [];
        byBlock[ch.id].push(...buf);
      }
    // The server's catch-up order: all blocks of one channel, then the next channel.
    for (const ch of b.channels) {
      const got: number[] = [];
      for (let s = 0; s < 8; s++) {
        b.renderBlock(ch.id, seq0 + s, buf);
        got.push(...buf);
      }
      expect(got).toEqual(byBlock[ch.id]);
    }
  });
});

describe('continuity across blocks', () => {
  it('two half blocks equal one whole block through a speed ramp (phase, impacts, resonators and noise carried)', () => {
    const m = machine({ faults: [{ type: 'outer_race', location: 'DE' }] });
    const model = new VibrationModel(m);
    const positions = [0, 1, 2];
    const cond = (f0: number, f1: number) => ({ shaftHz0: f0, shaftHz1: f1, load: 0.8, supplyHz: 50, polePassHz: 2 });
    const faults = [{ type: 'outer_race' as const, location: 'DE' as const, severity: 0.5, scale: 3 }];
    const run = (blockSize: number, speeds: Array<[number, number]>) => {
      const r = model.createRenderer(positions, 25_600, blockSize, 42);
      const src = model.createSource('outer_race', 'DE', positions, 9);
      const out = positions.map(() => new Float64Array(blockSize * speeds.length));
      const blk = positions.map(() => new Float64Array(blockSize));
      speeds.forEach(([f0, f1], i) => {
        // Amplitudes scale with each block's mean speed, so hold them at 22 Hz in both runs and ramp only the phase.
        model.fill(r, positions, cond(22, 22), faults, [src]);
        r.shaftHz0 = f0;
        r.shaftHz1 = f1;
        r.render(blk);
        positions.forEach((_, c) => {
          out[c].set(blk[c], i * blockSize);
        });
      });
      return out;
    };
    // 20 Hz → 24 Hz across 2560 samples; the halves ramp 20 → 22 and 22 → 24.
    const whole = run(2560, [[20, 24]]);
    const halves = run(1280, [
      [20, 22],
      [22, 24],
    ]);
    for (let c = 0; c < 3; c++) {
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < 2560; i++) {
        worst = Math.max(worst, Math.abs(whole[c][i] - halves[c][i]));
        scale = Math.max(scale, Math.abs(whole[c][i]));
      }
      expect(scale).toBeGreaterThan(0.1);
      expect(worst).toBeLessThan(1e-9 * scale);
    }
  });

  it('a gap in sequence numbers (a restart a day later) renders at once with the same statistics', () => {
    const sim = new MachineSimulation(machine({ ...FAULTY, timeAcceleration: 0.001 }), { startTimeMs: START_MS });
    const before = record(sim, START_MS + 10_000, 10).DE_X;
    const after = record(sim, START_MS + 86_400_000, 10).DE_X;
    const mb = moments(before);
    const ma = moments(after);
    expect(after.every(Number.isFinite)).toBe(true);
    expect(ma.rms / mb.rms).toBeGreaterThan(0.8);
    expect(ma.rms / mb.rms).toBeLessThan(1.25);
    // and an old block, no longer cached, is still served
    const buf = new Float32Array(2560);
    sim.renderBlock('DE_X', Math.floor((START_MS + 5_000) / 100), buf);
    expect(moments(buf).rms).toBeGreaterThan(0.5 * mb.rms);
  });

  it('rejects an unknown channel, a negative seq and a short buffer with clear errors', () => {
    const sim = new MachineSimulation(machine(), { startTimeMs: START_MS });
    expect(() => sim.renderBlock('DE_Q', 1, new Float32Array(2560))).toThrow(/no channel "DE_Q".*DE_X/);
    expect(() => sim.renderBlock('DE_X', -1, new Float32Array(2560))).toThrow(/seq must be a non-negative integer/);
    expect(() => sim.renderBlock('DE_X', 1, new Float32Array(100))).toThrow(/holds 100 samples, channel DE_X needs 2560/);
  });
});
