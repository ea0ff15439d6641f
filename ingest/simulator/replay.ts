/**
 * Replay: serve recorded signals (raw float32 as in the repository's ../shared/data, CSV or WAV) instead of
 * synthetic vibration, looped at their own sample rate, through the same block API as the
 * physics. Block `seq` of a channel is global samples [seq·n, (seq+1)·n) of the endlessly
 * repeated recording, so any block can be served at any time (restarts, gaps) without state.
 *
 * Energy, operating state, injected faults and repairs still come from the physics model of
 * the machine entry; ground truth is the recording's declared `groundTruth` when given.
 *
 * `createMachineSource(machine)` picks replay or physics for a fleet entry.
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { locationAxisFromId } from '../../common/channels.ts';
import { PdmError } from '../../common/errors.ts';
import type { FaultSpec, ValidMachine } from './fleet-config.ts';
import { type MachineEnergyReading, MachineSimulation, type MachineTruth, type SimulationOptions } from './physics/machine-simulation.ts';
import type { ChannelSpec, MachineControl, MachineSignalSource } from './signal-source.ts';

export interface RecordingSpec {
  file: string;
  format: 'f32' | 'csv' | 'wav';
  sampleRateHz?: number | undefined;
  /** CSV column or WAV channel (0-based). */
  column: number;
  /** Multiplier to g. */
  scale: number;
}

export interface Recording {
  /** Samples in g. */
  samples: Float32Array;
  sampleRateHz: number;
  file: string;
}

/** Fraction of the recorded level left while the machine is stopped (the shaft is still; noise floor). */
const STOPPED_LEVEL = 0.03;

const cache = new Map<string, Recording>();

/** Read a recording (cached by path, format, column and scale: several machines may replay one file). */
export function readRecording(spec: RecordingSpec, baseDir: string): Recording {
  const path = isAbsolute(spec.file) ? spec.file : resolve(baseDir, spec.file);
  const key = `${path}|${spec.format}|${spec.column}|${spec.scale}|${spec.sampleRateHz ?? ''}`;
  const hit = cache.get(key);
  if (hit) return hit;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: cannot be read (${(err as Error).message})`, { file: path }, { cause: err });
  }
  let rec: Recording;
  if (spec.format === 'wav') {
    rec = decodeWav(bytes, path, spec.column, spec.scale);
  } else {
    if (spec.sampleRateHz === undefined)
      throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: a ${spec.format} recording needs sampleRateHz`, { file: path });
    const samples =
      spec.format === 'f32' ? decodeF32(bytes, path, spec.scale) : decodeCsv(bytes.toString('utf8'), path, spec.column, spec.scale);
    rec = { samples, sampleRateHz: spec.sampleRateHz, file: path };
  }
  if (rec.samples.length === 0) throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: holds no samples`, { file: path });
  cache.set(key, rec);
  return rec;
}

function decodeF32(bytes: Buffer, path: string, scale: number): Float32Array {
  if (bytes.byteLength % 4 !== 0)
    throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: size ${bytes.byteLength} bytes is not a whole number of float32 samples`, {
      file: path,
    });
  const out = new Float32Array(bytes.byteLength / 4);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) {
    const v = view.getFloat32(4 * i, true);
    if (!Number.isFinite(v))
      throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: sample ${i} is not a finite number`, { file: path, sample: i });
    out[i] = v * scale;
  }
  return out;
}

function decodeCsv(text: string, path: string, column: number, scale: number): Float32Array {
  const values: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const cells = line.split(/[,;\t]/);
    const cell = cells[column]?.trim();
    if (cell === undefined)
      throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: line ${i + 1} has no column ${column} (it has ${cells.length})`, {
        file: path,
        line: i + 1,
      });
    const v = Number(cell);
    if (cell === '' || !Number.isFinite(v)) {
      if (values.length === 0) continue; // a header line
      throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: line ${i + 1} column ${column}: "${cell}" is not a number`, {
        file: path,
        line: i + 1,
      });
    }
    values.push(v * scale);
  }
  return Float32Array.from(values);
}

/** RIFF/WAVE: PCM 8/16/24/32-bit integer (format 1) or IEEE float 32/64-bit (format 3), any channel count. */
function decodeWav(bytes: Buffer, path: string, channel: number, scale: number): Recording {
  const bad = (why: string): never => {
    throw new PdmError('PDM_ERR_INPUT_FILE', `${path}: not a usable WAV file (${why})`, { file: path });
  };
  if (bytes.byteLength < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WAVE')
    bad('no RIFF/WAVE header');
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let data: { offset: number; length: number } | undefined;
  for (let off = 12; off + 8 <= bytes.byteLength; ) {
    const id = bytes.toString('latin1', off, off + 4);
    const size = bytes.readUInt32LE(off + 4);
    const body = off + 8;
    if (id === 'fmt ') {
      let format = bytes.readUInt16LE(body);
      if (format === 0xfffe && size >= 40) format = bytes.readUInt16LE(body + 24); // WAVE_FORMAT_EXTENSIBLE: sub-format GUID
      fmt = { format, channels: bytes.readUInt16LE(body + 2), rate: bytes.readUInt32LE(body + 4), bits: bytes.readUInt16LE(body + 14) };
    } else if (id === 'data') {
      data = { offset: body, length: Math.min(size, bytes.byteLength - body) };
    }
    off = body + size + (size % 2);
  }
  if (!fmt) return bad('no fmt chunk');
  if (!data) return bad('no data chunk');
  const { format, channels, rate, bits } = fmt;
  if (!(format === 1 && [8, 16, 24, 32].includes(bits)) && !(format === 3 && (bits === 32 || bits === 64)))
    bad(`format ${format} with ${bits}-bit samples is not supported (PCM integer or IEEE float)`);
  if (channel >= channels) bad(`channel ${channel} requested, the file has ${channels}`);
  const width = bits / 8;
  const frame = width * channels;
  const count = Math.floor(data.length / frame);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const at = data.offset + i * frame + channel * width;
    let v: number;
    if (format === 3) v = bits === 32 ? bytes.readFloatLE(at) : bytes.readDoubleLE(at);
    else if (bits === 8) v = (bytes.readUInt8(at) - 128) / 128;
    else if (bits === 16) v = bytes.readInt16LE(at) / 32768;
    else if (bits === 24) v = bytes.readIntLE(at, 3) / 8388608;
    else v = bytes.readInt32LE(at) / 2147483648;
    out[i] = v * scale;
  }
  return { samples: out, sampleRateHz: rate, file: path };
}

interface ReplayChannel {
  spec: ChannelSpec;
  recording: Recording;
}

export class ReplaySimulation implements MachineSignalSource, MachineControl {
  readonly machine: ValidMachine;
  readonly channels: ChannelSpec[];
  /** The physics model behind energy, operating state and (without groundTruth) the truth. */
  readonly physics: MachineSimulation;
  readonly #byId = new Map<string, ReplayChannel>();

  constructor(machine: ValidMachine, opts: SimulationOptions & { baseDir?: string }) {
    if (!machine.replay)
      throw new PdmError('PDM_ERR_CONFIG_INVALID', `machine ${machine.id}: has no replay section`, { machine: machine.id });
    this.machine = machine;
    this.physics = new MachineSimulation(machine, opts);
    const baseDir = opts.baseDir ?? dirname(resolve(machine.origin.path));
    this.channels = [];
    for (const [id, spec] of Object.entries(machine.replay.channels)) {
      const recording = readRecording(spec, baseDir);
      // The fleet schema allows only DE_X ... NDE_Z ids, so the id convention gives the simulator's own location and axis types.
      const { location, axis } = locationAxisFromId(id) as Pick<ChannelSpec, 'location' | 'axis'>;
      const blockSize = spec.blockSize ?? Math.max(64, Math.round(recording.sampleRateHz / 10));
      const channel: ChannelSpec = { id, location, axis, sampleRateHz: recording.sampleRateHz, blockSize, units: 'g' };
      this.channels.push(channel);
      this.#byId.set(id, { spec: channel, recording });
    }
  }

  renderBlock(channelId: string, seq: number, out: Float32Array): void {
    const ch = this.#byId.get(channelId);
    if (!ch)
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `machine ${this.machine.id}: no replay channel "${channelId}" (channels: ${this.channels.map((c) => c.id).join(', ')})`,
        { machine: this.machine.id, channelId },
      );
    const n = ch.spec.blockSize;
    if (out.length < n)
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `machine ${this.machine.id}: output buffer holds ${out.length} samples, channel ${channelId} needs ${n}`,
        { machine: this.machine.id },
      );
    const src = ch.recording.samples;
    const len = src.length;
    // seq·n can exceed 2^53 only after millions of years; the modulo keeps the index exact.
    let pos = ((seq % len) * (n % len)) % len;
    let written = 0;
    while (written < n) {
      const take = Math.min(n - written, len - pos);
      out.set(src.subarray(pos, pos + take), written);
      written += take;
      pos = 0;
    }
    const startMs = (seq * n * 1000) / ch.spec.sampleRateHz;
    if (!this.physics.isAcquiring(startMs)) for (let i = 0; i < n; i++) out[i] *= STOPPED_LEVEL;
  }

  energyAt(timeMs: number): MachineEnergyReading {
    return this.physics.energyAt(timeMs);
  }

  isAcquiring(timeMs: number): boolean {
    return this.physics.isAcquiring(timeMs);
  }

  truthAt(timeMs: number): MachineTruth {
    const truth = this.physics.truthAt(timeMs);
    const declared = this.machine.replay?.groundTruth;
    if (!declared) return truth;
    // What the recording shows; its severity and failure time are unknown (NaN, null in JSON).
    return {
      ...truth,
      state: truth.running ? declared.state : 'stopped',
      health: declared.state,
      failedAtMs: null,
      faults: declared.faults.map((f) => ({
        type: f.type,
        location: f.location,
        onsetLifeS: 0,
        severity: Number.NaN,
        failureLifeS: null,
        nominalFailureLifeS: Number.NaN,
        onsetAtMs: null,
        failureAtMs: null,
        health: declared.state,
        injected: false,
      })),
    };
  }

  injectFault(fault: FaultSpec, atMs: number): void {
    this.physics.injectFault(fault, atMs);
  }

  repair(atMs: number): void {
    this.physics.repair(atMs);
  }

  stop(atMs: number): void {
    this.physics.stop(atMs);
  }

  start(atMs: number): void {
    this.physics.start(atMs);
  }
}

/** The signal source of a fleet entry: its recordings when it has a replay section, else the physics. */
export function createMachineSource(
  machine: ValidMachine,
  opts: SimulationOptions & { baseDir?: string },
): MachineSimulation | ReplaySimulation {
  return machine.replay ? new ReplaySimulation(machine, opts) : new MachineSimulation(machine, opts);
}
