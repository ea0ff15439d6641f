/**
 * Fuzzing the recorded-signal readers (cli/io: CSV, WAV, raw f32, and readSignalFile which picks
 * one): generated files round-trip to their samples; arbitrary, hostile and mutated files are
 * read (every sample finite) or refused with a documented PdmError naming the file, within a time
 * and memory bound. See fuzz-kit.ts for the seed and FUZZ_RUNS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CsvSignalReader } from '../../../cli/io/csv.ts';
import { parseF32 } from '../../../cli/io/f32.ts';
import { type Fail, fileError, readSignalFile, type SignalFormat } from '../../../cli/io/signal-file.ts';
import { parseWav } from '../../../cli/io/wav.ts';
import { bounded, expectDocumentedError, hostileText, mutated, params } from './fuzz-kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'pdm-fuzz-signal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function file(content: string | Uint8Array, ext: string): string {
  const path = join(dir, `s${fileCount++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

const failFor =
  (name: string): Fail =>
  (problem, details = {}) => {
    throw fileError(name, problem, details);
  };

/** Float32 values that print and parse back to themselves (-0 prints as 0). */
const sample = fc.float({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));

/** Reads `path` as the CLI does; checks the outcome is samples (all finite) or a documented error naming the file. */
async function readHostile(path: string, format: SignalFormat | undefined, column?: string): Promise<Float32Array | undefined> {
  const start = performance.now();
  const before = process.memoryUsage().arrayBuffers;
  const out = await readSignalFile(path, { ...(format ? { format } : {}), ...(column !== undefined ? { column } : {}) }).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(performance.now() - start).toBeLessThan(2000);
  // Input files here are a few kB: the reader holds at most its chunk buffers and the samples.
  expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 << 20);
  if ('error' in out) {
    expectDocumentedError(out.error, { codes: ['PDM_ERR_INPUT_FILE'], names: path });
    return undefined;
  }
  expect(out.value.samples.length).toBeGreaterThan(0);
  for (const s of out.value.samples) expect(Number.isFinite(s)).toBe(true);
  if (out.value.sampleRateHz !== undefined) expect(out.value.sampleRateHz).toBeGreaterThan(0);
  return out.value.samples;
}

/** A CSV of samples as a spreadsheet or logger writes it, with the column to read. */
const csvTable = fc
  .record({
    values: fc.array(sample, { minLength: 1, maxLength: 60 }),
    extra: fc.nat({ max: 3 }),
    at: fc.nat(),
    sep: fc.constantFrom(',', ';', '\t'),
    decimalComma: fc.boolean(),
    header: fc.boolean(),
    quoted: fc.boolean(),
    byName: fc.boolean(),
    crlf: fc.boolean(),
    bom: fc.boolean(),
    blankEnd: fc.boolean(),
  })
  .map((t) => {
    const width = t.extra + 1;
    const col = t.at % width;
    const names = Array.from({ length: width }, (_, i) => (i === col ? 'accel DE (g)' : `other ${i}`));
    // A decimal comma only where the separator is not a comma (as the reader documents).
    const num = (v: number) => (t.decimalComma && t.sep !== ',' ? String(v).replace('.', ',') : String(v));
    const cell = (text: string) => (t.quoted ? `"${text}"` : text);
    const lines = t.values.map((v, r) => names.map((_, i) => cell(i === col ? num(v) : num(r))).join(t.sep));
    // With a single column of plain numbers there is no separator to see: only ',' then.
    const sepVisible = width > 1 || t.sep === ',';
    if (t.header) lines.unshift(names.map((n) => cell(n)).join(t.sep));
    const text = (t.bom ? '\ufeff' : '') + lines.join(t.crlf ? '\r\n' : '\n') + (t.blankEnd ? '\n\n' : '');
    const column = width === 1 && !t.byName ? undefined : t.header && t.byName ? names[col] : String(col);
    return { text, column, values: t.values, valid: sepVisible || !t.decimalComma };
  });

describe('CSV signals', () => {
  it('a written table reads back its column exactly (any separator, decimal comma, quotes, header, CRLF, BOM)', () => {
    fc.assert(
      fc.property(
        csvTable.filter((t) => t.valid),
        ({ text, column, values }) => {
          const reader = new CsvSignalReader(column, failFor('table.csv'));
          text
            .replace(/^\ufeff/, '')
            .split(/\r?\n/)
            .forEach((l, i) => {
              reader.line(l, i + 1);
            });
          expect(Array.from(reader.finish())).toEqual(values);
        },
      ),
      params(600),
    );
  });

  it('hostile lines are read (finite samples) or refused with a documented error naming the file', () => {
    const column = fc.option(fc.oneof(fc.constantFrom('0', '1', '2', 'value', 'time'), hostileText), { nil: undefined });
    fc.assert(
      fc.property(fc.array(hostileText, { maxLength: 8 }), column, (lines, col) => {
        const out = bounded(() => {
          const reader = new CsvSignalReader(col, failFor('hostile.csv'));
          lines.forEach((l, i) => {
            reader.line(l, i + 1);
          });
          return reader.finish();
        }, 1 << 22);
        if ('error' in out) return expectDocumentedError(out.error, { codes: ['PDM_ERR_INPUT_FILE'], names: 'hostile.csv' });
        for (const s of out.value) expect(Number.isFinite(s)).toBe(true);
      }),
      params(3000),
    );
  });

  it('mutated CSV files are read or refused, naming the file', async () => {
    await fc.assert(
      fc.asyncProperty(
        mutated(csvTable.map((t) => new TextEncoder().encode(t.text))),
        fc.constantFrom(undefined, '0', '1'),
        async (bytes, column) => {
          await readHostile(file(bytes, 'csv'), 'csv', column);
        },
      ),
      params(300),
    );
  });
});

type WavSpec = { format: 1 | 3; bits: number; channels: number; rate: number; extensible: boolean; list: Uint8Array | undefined };

/** A WAV file with the first channel `first` (other channels arbitrary): the bytes and the samples the reader must return. */
const wavFile = fc
  .record({
    kind: fc.constantFrom('pcm8', 'pcm16', 'pcm24', 'pcm32', 'f32', 'f64'),
    channels: fc.integer({ min: 1, max: 3 }),
    rate: fc.integer({ min: 1, max: 200_000 }),
    extensible: fc.boolean(),
    list: fc.option(fc.uint8Array({ maxLength: 9 }), { nil: undefined }),
    raw: fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 1, maxLength: 200 }),
    listAfter: fc.boolean(),
  })
  .map(({ kind, channels, rate, extensible, list, raw, listAfter }) => {
    const bits = { pcm8: 8, pcm16: 16, pcm24: 24, pcm32: 32, f32: 32, f64: 64 }[kind];
    const spec: WavSpec = { format: kind.startsWith('f') ? 3 : 1, bits, channels, rate, extensible, list };
    const frames = Math.floor(raw.length / channels) || 1;
    const bytesPer = bits / 8;
    const data = Buffer.alloc(frames * channels * bytesPer);
    const expected = new Float32Array(frames);
    for (let i = 0; i < frames; i++) {
      for (let c = 0; c < channels; c++) {
        const x = raw[(i * channels + c) % raw.length];
        const p = (i * channels + c) * bytesPer;
        let read: number;
        if (kind === 'f32') {
          data.writeFloatLE(x, p);
          read = data.readFloatLE(p);
        } else if (kind === 'f64') {
          data.writeDoubleLE(x, p);
          read = x;
        } else if (kind === 'pcm8') {
          const v = Math.max(0, Math.min(255, Math.round(x * 127) + 128));
          data.writeUInt8(v, p);
          read = (data.readUInt8(p) - 128) / 128;
        } else if (kind === 'pcm16') {
          const v = Math.round(x * 32767);
          data.writeInt16LE(v, p);
          read = data.readInt16LE(p) / 32768;
        } else if (kind === 'pcm24') {
          const v = Math.round(x * 8388607);
          data.writeIntLE(v, p, 3);
          read = data.readIntLE(p, 3) / 8388608;
        } else {
          const v = Math.round(x * 2147483647);
          data.writeInt32LE(v, p);
          read = data.readInt32LE(p) / 2147483648;
        }
        if (c === 0) expected[i] = read;
      }
    }
    return { bytes: wavBytes(spec, data, listAfter), expected, rate };
  });

function chunk(id: string, body: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.write(id, 0, 'ascii');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
}

function wavBytes(s: WavSpec, data: Buffer, listAfter: boolean): Uint8Array {
  const fmt = Buffer.alloc(s.extensible ? 40 : 16);
  fmt.writeUInt16LE(s.extensible ? 0xfffe : s.format, 0);
  fmt.writeUInt16LE(s.channels, 2);
  fmt.writeUInt32LE(s.rate, 4);
  fmt.writeUInt32LE((s.rate * s.channels * s.bits) / 8, 8);
  fmt.writeUInt16LE((s.channels * s.bits) / 8, 12);
  fmt.writeUInt16LE(s.bits, 14);
  if (s.extensible) {
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(s.bits, 18);
    fmt.writeUInt16LE(s.format, 24);
  }
  const list = s.list ? chunk('LIST', s.list) : Buffer.alloc(0);
  const chunks = [chunk('fmt ', fmt), ...(listAfter ? [] : [list]), chunk('data', data), ...(listAfter ? [list] : [])];
  const body = Buffer.concat([Buffer.from('WAVE'), ...chunks]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'ascii');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

/** parseWav on any bytes: samples no more than the bytes hold, or a documented error naming the file. */
function parseHostileWav(bytes: Uint8Array): void {
  const out = bounded(() => parseWav(bytes, failFor('hostile.wav')), 8 * bytes.length + (1 << 20));
  if ('error' in out) {
    expectDocumentedError(out.error, { codes: ['PDM_ERR_INPUT_FILE'], names: 'hostile.wav' });
    return;
  }
  expect(out.value.samples.length).toBeLessThanOrEqual(bytes.length);
  expect(out.value.sampleRateHz).toBeGreaterThan(0);
}

describe('WAV', () => {
  it('a written WAV reads back its first channel exactly (PCM 8-32 bit, float 32/64, extensible, extra chunks)', () => {
    fc.assert(
      fc.property(wavFile, ({ bytes, expected, rate }) => {
        const out = parseWav(bytes, failFor('ok.wav'));
        expect(out.sampleRateHz).toBe(rate);
        expect(out.samples).toEqual(expected);
      }),
      params(500),
    );
  });

  it('arbitrary bytes behind a RIFF/WAVE header are parsed or refused with a documented error', () => {
    const riff = fc.uint8Array({ maxLength: 120 }).map((rest) => Uint8Array.from([...Buffer.from('RIFF\0\0\0\0WAVE'), ...rest]));
    fc.assert(fc.property(fc.oneof(riff, fc.uint8Array({ maxLength: 64 })), parseHostileWav), params(2000));
  });

  it('mutated WAVs (sizes near 2^32, flipped, cut, spliced) are parsed or refused with a documented error', () => {
    const hugeSize = fc
      .tuple(wavFile, fc.nat(), fc.constantFrom(0xffffffff, 0xfffffff0, 0x80000000, 0x7fffffff, 1, 0))
      .map(([w, at, size]) => {
        const b = Uint8Array.from(w.bytes);
        const p = 4 + 4 * (at % Math.floor((b.length - 4) / 4));
        new DataView(b.buffer).setUint32(p, size, true);
        return b;
      });
    fc.assert(fc.property(fc.oneof(mutated(wavFile.map((w) => w.bytes)), hugeSize), parseHostileWav), params(2000));
  });
});

describe('raw float32 and readSignalFile', () => {
  it('parseF32: written samples read back; any other length is refused naming the file', () => {
    fc.assert(
      fc.property(fc.float32Array({ maxLength: 100 }), fc.uint8Array({ maxLength: 3 }), (samples, tail) => {
        const bytes = Uint8Array.from([...new Uint8Array(samples.buffer), ...tail]);
        const out = bounded(() => parseF32(bytes, failFor('raw.f32')), 1 << 20);
        if ('error' in out) {
          expect(tail.length).toBeGreaterThan(0);
          return expectDocumentedError(out.error, { codes: ['PDM_ERR_INPUT_FILE'], names: 'raw.f32' });
        }
        expect(tail.length).toBe(0);
        expect(out.value).toEqual(samples);
      }),
      params(500),
    );
  });

  it('any file under any format or extension is read (all samples finite) or refused, naming the file', async () => {
    const content = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      wavFile.map((w) => w.bytes),
      mutated(wavFile.map((w) => w.bytes)),
      fc.float32Array({ maxLength: 40 }).map((a) => new Uint8Array(a.buffer)),
      hostileText.map((t) => new TextEncoder().encode(t)),
    );
    await fc.assert(
      fc.asyncProperty(
        content,
        fc.constantFrom('wav', 'f32', 'csv', 'WAV', 'txt', ''),
        fc.constantFrom(undefined, 'wav', 'f32', 'csv'),
        async (bytes, ext, format) => {
          await readHostile(file(bytes, ext), format as SignalFormat | undefined);
        },
      ),
      params(400),
    );
  });
});
