/**
 * Replay of recorded signals through the block API: f32 (the real CWRU file), CSV and WAV,
 * looped at their own sample rate, with energy and truth from the machine entry.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { validateFleet } from '../../../ingest/simulator/fleet-config.ts';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { createMachineSource, ReplaySimulation, readRecording } from '../../../ingest/simulator/replay.ts';
import { pumpEntry, START_MS } from '../../../tools/harness/simulator-physics.ts';

const DATA = resolve(import.meta.dirname, '../../../../shared/data');
const dir = mkdtempSync(join(tmpdir(), 'pdm-replay-'));

function replayMachine(replay: unknown, extra: Record<string, unknown> = {}) {
  const fleet = validateFleet({ machines: [pumpEntry({ replay, ...extra })] }, join(dir, 'fleet.yaml'));
  if (fleet.rejected.length) throw fleet.rejected[0].error;
  return fleet.machines[0];
}

/** 16-bit PCM stereo WAV: left = ramp, right = constant. */
function writeWav(file: string, rate: number, frames: number): void {
  const data = Buffer.alloc(frames * 4);
  for (let i = 0; i < frames; i++) {
    data.writeInt16LE(Math.round(((i % 100) - 50) * 100), 4 * i);
    data.writeInt16LE(16384, 4 * i + 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(2, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 4, 28);
  header.writeUInt16LE(4, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
}

describe('replay', () => {
  it('serves the real CWRU recording at its own rate, block by block, looping at the end', () => {
    const file = resolve(DATA, 'cwru/12k_DE/130_OR007at6_0_DE.f32');
    const bytes = readFileSync(file);
    const real = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    const m = replayMachine({
      channels: { DE_Y: { file, format: 'f32', sampleRateHz: 12_000 } },
      groundTruth: { state: 'degrading', faults: [{ type: 'outer_race', location: 'DE' }] },
    });
    const src = createMachineSource(m, { startTimeMs: START_MS });
    expect(src).toBeInstanceOf(ReplaySimulation);
    expect(src.channels).toEqual([{ id: 'DE_Y', location: 'DE', axis: 'Y', sampleRateHz: 12_000, blockSize: 1200, units: 'g' }]);
    const out = new Float32Array(1200);
    // Block seq covers global samples [seq·1200, (seq+1)·1200) of the endless loop.
    const len = real.length;
    const seq = Math.floor(START_MS / 100);
    src.renderBlock('DE_Y', seq, out);
    const first = (seq * 1200) % len;
    for (let i = 0; i < 1200; i++) expect(out[i]).toBe(real[(first + i) % len]);
    // A block that straddles the end of the file wraps to its start.
    const seqWrap = Array.from({ length: 2000 }, (_, k) => seq + k).find((s) => ((s * 1200) % len) + 1200 > len)!;
    src.renderBlock('DE_Y', seqWrap, out);
    const start = (seqWrap * 1200) % len;
    expect(start + 1200).toBeGreaterThan(len);
    for (let i = 0; i < 1200; i++) expect(out[i]).toBe(real[(start + i) % len]);
    // Energy comes from the machine's physics; the truth is what the recording is declared to show.
    expect(src.energyAt(START_MS + 1000).powerKw).toBeGreaterThan(5);
    const truth = src.truthAt(START_MS + 1000);
    expect(truth.state).toBe('degrading');
    expect(truth.faults.map((f) => [f.type, f.location])).toEqual([['outer_race', 'DE']]);
  });

  it('reads CSV (with a header, chosen column, scale) and 16-bit stereo WAV (chosen channel)', () => {
    const csv = join(dir, 'rec.csv');
    writeFileSync(csv, `time,acc_g\n${Array.from({ length: 500 }, (_, i) => `${i / 1000},${Math.sin(i / 10)}`).join('\n')}\n`);
    const wav = join(dir, 'rec.wav');
    writeWav(wav, 8000, 1000);
    const m = replayMachine({
      channels: {
        DE_X: { file: 'rec.csv', format: 'csv', sampleRateHz: 1000, column: 1, scale: 2, blockSize: 200 },
        DE_Z: { file: 'rec.wav', format: 'wav', column: 1, scale: 5 },
      },
    });
    const src = new ReplaySimulation(m, { startTimeMs: START_MS });
    expect(src.channels.map((c) => [c.id, c.sampleRateHz, c.blockSize])).toEqual([
      ['DE_X', 1000, 200],
      ['DE_Z', 8000, 800],
    ]);
    const x = new Float32Array(200);
    src.renderBlock('DE_X', 3, x); // samples 600..799 of a 500-sample loop: 100..299
    for (let i = 0; i < 200; i++) expect(x[i]).toBeCloseTo(2 * Math.sin((100 + i) / 10), 6);
    const z = new Float32Array(800);
    src.renderBlock('DE_Z', 0, z);
    expect(z.every((v) => v === 2.5)).toBe(true); // 16384 / 32768 × 5 g
    const left = readRecording({ file: wav, format: 'wav', column: 0, scale: 1 }, dir);
    expect(left.samples[0]).toBeCloseTo(-5000 / 32768, 9);
    expect(left.sampleRateHz).toBe(8000);
  });

  it('quiets the recording while the machine is stopped', () => {
    const file = resolve(DATA, 'cwru/normal/97_Normal_0_DE.f32');
    const src = new ReplaySimulation(replayMachine({ channels: { DE_X: { file, format: 'f32', sampleRateHz: 48_000 } } }), {
      startTimeMs: START_MS,
    });
    const seq = Math.floor(START_MS / 100) + 50;
    const running = new Float32Array(4800);
    src.renderBlock('DE_X', seq, running);
    src.stop(START_MS);
    const stopped = new Float32Array(4800);
    src.renderBlock('DE_X', seq, stopped);
    expect(Math.max(...stopped.map(Math.abs))).toBeLessThan(0.05 * Math.max(...running.map(Math.abs)));
  });

  it('reports unreadable and malformed recordings by file and place', () => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, 'g\n0.1\n0.2\noops\n');
    const f32 = join(dir, 'bad.f32');
    writeFileSync(f32, Buffer.alloc(7));
    const wav = join(dir, 'bad.wav');
    writeFileSync(wav, Buffer.from('RIFF....WAVEjunk'));
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        expect(isPdmError(e, 'PDM_ERR_INPUT_FILE')).toBe(true);
        return (e as Error).message;
      }
      throw new Error('expected an error');
    };
    expect(err(() => readRecording({ file: 'nope.f32', format: 'f32', sampleRateHz: 1, column: 0, scale: 1 }, dir))).toMatch(
      /nope\.f32: cannot be read/,
    );
    expect(err(() => readRecording({ file: csv, format: 'csv', sampleRateHz: 1, column: 0, scale: 1 }, dir))).toMatch(
      /bad\.csv: line 4 column 0: "oops" is not a number/,
    );
    expect(err(() => readRecording({ file: f32, format: 'f32', sampleRateHz: 1, column: 0, scale: 1 }, dir))).toMatch(
      /bad\.f32: size 7 bytes is not a whole number of float32 samples/,
    );
    expect(err(() => readRecording({ file: wav, format: 'wav', column: 0, scale: 1 }, dir))).toMatch(
      /bad\.wav: not a usable WAV file \(no fmt chunk\)/,
    );
    // and a missing sample rate is caught when the fleet is loaded, for that machine only
    const fleet = validateFleet(
      { machines: [pumpEntry({ replay: { channels: { DE_X: { file: 'x.f32', format: 'f32' } } } }), pumpEntry({ id: 'ok' })] },
      'fleet.yaml',
    );
    expect(fleet.machines.map((m) => m.id)).toEqual(['ok']);
    expect(fleet.rejected[0].error.message).toBe(
      'fleet.yaml: machines[0].replay.channels.DE_X.sampleRateHz is required for f32 recordings (machine "pump-1")',
    );
  });

  it('a machine without replay gets the physics', () => {
    expect(createMachineSource(replayMachine(undefined), { startTimeMs: START_MS })).toBeInstanceOf(MachineSimulation);
  });
});
