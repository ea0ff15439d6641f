/**
 * Should the collector's producer compress? Measured on real frames: vibration blocks rendered
 * by the physics simulator (a healthy pump and machines with bearing faults, 3 axes at 25.6 kHz,
 * 2560-sample blocks) encoded as `pdm.vibration.v1` frames exactly as the collector sends them,
 * and compressed the way kafkajs does it (zlib gzip, default level, over the whole record
 * batch), for batch sizes the forwarder produces: a live batch (a few frames within the 20 ms
 * linger) and a spool-drain batch (up to 900 KiB). Reports the size ratio and the CPU time to
 * compress (collector) and to decompress (processor) per MB of frames, and, for scale, per
 * machine-second of data. Prints one JSON object.
 *
 * Run: node bench/collector-compression.bench.ts [--seconds 10]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encodeVibrationFrame } from '../common/wire/vibration-frame.ts';
import { parseMachine } from '../ingest/simulator/fleet-config.ts';
import { MachineSimulation } from '../ingest/simulator/physics/machine-simulation.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' } } });
const SECONDS = Number(values.seconds);
const START_MS = Date.UTC(2026, 0, 1);

const base = {
  identification: { manufacturer: 'bench', model: 'bench', serialNumber: 'B' },
  lineFrequencyHz: 50,
  operatingModes: [{ mode: 'full', durationS: 60, loadPct: 90 }],
  bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
  timeAcceleration: 1000,
  sensors: { vibration: [{ location: 'DE' }] },
};
const MIX = [
  { id: 'pump-healthy', type: 'pump', ratedPowerKw: 11, nominalSpeedRpm: 1465, poles: 4, faults: [] },
  {
    id: 'fan-outer-race',
    type: 'fan',
    ratedPowerKw: 30,
    nominalSpeedRpm: 1475,
    poles: 4,
    faults: [{ type: 'outer_race', location: 'DE', growth: { timeToFailure: '14d', noise: 0.15 } }],
  },
  {
    id: 'compressor-inner-race',
    type: 'compressor_motor',
    ratedPowerKw: 75,
    nominalSpeedRpm: 2975,
    poles: 2,
    faults: [{ type: 'inner_race', location: 'DE', growth: { timeToFailure: '20d', noise: 0.15 } }],
  },
];

/** Frames of `SECONDS` of every machine, in arrival order (all channels of a block time together). */
function renderFrames(): { frames: Uint8Array[]; samples: number; machineSeconds: number } {
  const sims = MIX.map((m) => new MachineSimulation(parseMachine({ ...base, ...m }), { startTimeMs: START_MS }));
  const seq0 = Math.floor((START_MS + 600_000) / 100);
  const frames: Uint8Array[] = [];
  let samples = 0;
  for (let b = 0; b < SECONDS * 10; b++) {
    for (const [i, sim] of sims.entries()) {
      for (const ch of sim.channels) {
        const buf = new Float32Array(ch.blockSize);
        sim.renderBlock(ch.id, seq0 + b, buf);
        samples += buf.length;
        frames.push(
          encodeVibrationFrame({
            machine: MIX[i].id,
            channel: ch.id,
            units: 'g',
            seq: seq0 + b,
            startTimeNs: BigInt(seq0 + b) * 100_000_000n,
            sampleRateHz: ch.sampleRateHz,
            samples: buf,
          }),
        );
      }
    }
  }
  return { frames, samples, machineSeconds: SECONDS * sims.length };
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function measure(
  frames: Uint8Array[],
  perBatch: number,
): { framesPerBatch: number; batchKiB: number; ratio: number; compressUsPerMB: number; decompressUsPerMB: number } {
  const batches: Buffer[] = [];
  for (let i = 0; i + perBatch <= frames.length; i += perBatch) batches.push(Buffer.concat(frames.slice(i, i + perBatch)));
  const rawBytes = batches.reduce((n, b) => n + b.length, 0);
  const rounds: Array<{ c: number; d: number; out: number }> = [];
  for (let r = 0; r < 5; r++) {
    let out = 0;
    const c0 = cpuUs();
    const zipped = batches.map((b) => gzipSync(b));
    const c = cpuUs() - c0;
    for (const z of zipped) out += z.length;
    const d0 = cpuUs();
    for (const z of zipped) gunzipSync(z);
    const d = cpuUs() - d0;
    rounds.push({ c, d, out });
  }
  const mb = rawBytes / 1e6;
  return {
    framesPerBatch: perBatch,
    batchKiB: Math.round(batches[0].length / 1024),
    ratio: Math.round((rounds[0].out / rawBytes) * 1000) / 1000,
    compressUsPerMB: Math.round(median(rounds.map((x) => x.c)) / mb),
    decompressUsPerMB: Math.round(median(rounds.map((x) => x.d)) / mb),
  };
}

const load = loadavg();
const { frames, samples, machineSeconds } = renderFrames();
const rawBytes = frames.reduce((n, f) => n + f.byteLength, 0);
const batchSizes = [1, 3, 30, 88]; // one frame; a live 20 ms batch; a larger live batch; a 900 KiB drain batch
const results = batchSizes.map((n) => measure(frames, n));
const mbPerMachineSecond = rawBytes / 1e6 / machineSeconds;
const live = results[1];
const summary = {
  benchmark: 'collector-compression',
  node: process.version,
  cpu: cpus()[0]?.model,
  loadAverageAtStart: load.map((l) => Math.round(l * 100) / 100),
  frames: frames.length,
  frameBytes: frames[0].byteLength,
  samples,
  rawMB: Math.round(rawBytes / 1e4) / 100,
  mbPerMachineSecond: Math.round(mbPerMachineSecond * 1000) / 1000,
  results,
  // Cost of gzip for one machine (3 axes at 25.6 kHz) in the collector, at the live batch size.
  gzipCpuMsPerMachineSecond: Math.round((live.compressUsPerMB * mbPerMachineSecond) / 10) / 100,
  gunzipCpuMsPerMachineSecond: Math.round((live.decompressUsPerMB * mbPerMachineSecond) / 10) / 100,
  bytesSavedPercent: Math.round((1 - live.ratio) * 1000) / 10,
  note: 'ratio = gzip bytes / raw bytes (lower is better); CPU per MB of raw frames, median of 5 rounds, this process',
};
console.log(JSON.stringify(summary, null, 2));
