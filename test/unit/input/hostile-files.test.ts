/**
 * Regression tests for input files that were once misread or hung the readers (issue 15's table
 * of hostile inputs): each `it` is named after what used to happen. The readers are called as the
 * CLI calls them; two cases run `pdm` itself (an endless device, an escape sequence on a terminal).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readSignalFile } from '../../../cli/io/signal-file.ts';
import { PdmError } from '../../../common/errors.ts';
import { readFeatureCsv } from '../../../common/feature-csv.ts';
import { readBoundedBytes, readLines } from '../../../common/input/bounded-read.ts';
import { thrown } from '../../helpers/thrown.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pdm-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasControlCharacter = (text: string) => [...text].some((c) => c.charCodeAt(0) < 0x20);

function file(name: string, content: string | Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

async function readError(path: string, options: Parameters<typeof readSignalFile>[1] = {}): Promise<PdmError> {
  const err = await readSignalFile(path, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PdmError);
  return err as PdmError;
}

function pdm(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'cli', 'pdm.ts'), ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (err, _out, stderr) => resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stderr }),
    );
  });
}

/** A WAV header + 16-bit PCM data whose data chunk declares `declared` bytes. */
function wav16(samples: number[], declared: number, rate = 12000): Buffer {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((s, i) => {
    data.writeInt16LE(s, i * 2);
  });
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8, 'ascii');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20);
  head.writeUInt16LE(1, 22);
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36, 'ascii');
  head.writeUInt32LE(declared >>> 0, 40);
  return Buffer.concat([head, data]);
}

describe('CSV signals', () => {
  it('comma decimals in a one-column file were read as their integer part: now refused, naming the line and the likely cause', async () => {
    const err = await readError(file('comma.csv', 'value\n0,123\n-0,456\n0,789\n'));
    expect(err.message).toContain('line 2 has 2 fields, the header has 1');
    expect(err.message).toContain('decimal comma');
  });

  it('comma decimals with a semicolon or tab separator are read as the spreadsheet wrote them', async () => {
    const semi = await readSignalFile(file('semi.csv', 'time;value\n0;0,5\n1;-1,25\n2;2\n'), { column: 'value' });
    expect(Array.from(semi.samples)).toEqual([0.5, -1.25, 2]);
    const tab = await readSignalFile(file('tab.csv', '0,5\t1\n1,5\t2\n'), { column: '0' });
    expect(Array.from(tab.samples)).toEqual([0.5, 1.5]);
  });

  it("cells '0x10' and '0b11' were read as 16 and 3: now refused as not decimal", async () => {
    for (const cell of ['0x10', '0b11', '0o7', 'Infinity', '1_000']) {
      const err = await readError(file(`radix-${cell}.csv`, `1\n${cell}\n`));
      expect(err.message, cell).toContain(`line 2, column 0: '${cell}' is not a finite number`);
    }
  });

  it('a quoted header with a comma was split inside the quotes: now one column, as RFC 4180 reads it', async () => {
    const s = await readSignalFile(file('quoted.csv', '"accel, DE (g)",rpm\n0.5,1797\n-0.25,1797\n'), { column: 'accel, DE (g)' });
    expect(Array.from(s.samples)).toEqual([0.5, -0.25]);
    const err = await readError(file('unclosed.csv', '"accel\n1\n'));
    expect(err.message).toContain('line 1: a quoted field is not closed on its line');
  });

  it('escape codes and binary in a cell were printed raw: now escaped in the message', async () => {
    const err = await readError(file('escape.csv', '1\n\u001b[2J\u001b[31mred\u0007\n'));
    expect(hasControlCharacter(err.message)).toBe(false);
    expect(err.message).toContain('\\u001b[2J');
    const bin = await readError(file('binary.csv', Buffer.from([0x31, 0x0a, 0x00, 0xff, 0x0a])));
    expect(bin.message).toContain('has a NUL byte at byte 2: it is a binary file');
  });

  it('a CSV larger than a JavaScript string was refused without the file name: it is now read line by line', async () => {
    // Not 560 MB here: the reader never holds the text, so a file of many lines is read with the
    // memory of its samples, and a line limit keeps one endless line from being held.
    const rows = 200_000;
    const s = await readSignalFile(file('long.csv', `${Array.from({ length: rows }, (_, i) => (i % 7) - 3).join('\n')}\n`));
    expect(s.samples.length).toBe(rows);
    expect(s.samples[rows - 1]).toBe(((rows - 1) % 7) - 3);
    const err = await readError(file('one-line.csv', '1'.repeat(70_000)));
    expect(err.message).toContain('line 1 is longer than 65536 characters');
  });
});

describe('WAV', () => {
  it('a data chunk declaring fewer bytes than present was analysed in part without a word: now refused', async () => {
    const samples = Array.from({ length: 2400 }, (_, i) => Math.round(8000 * Math.sin(i / 3)) | 1);
    const err = await readError(file('short-data.wav', wav16(samples, 1000)));
    expect(err.message).toContain('the data chunk declares 1000 bytes but the file goes on for 3800 more');
    // The honest file is read whole.
    const ok = await readSignalFile(file('ok.wav', wav16(samples, samples.length * 2)));
    expect(ok.samples.length).toBe(samples.length);
  });

  it("a chunk size near 2^32 was reported as 'has no data chunk': now names the chunk and its size", async () => {
    const err = await readError(file('huge.wav', wav16([1, 2, 3, 4], 0xfffffff0)));
    expect(err.message).toContain('data chunk declares 4294967280 bytes but only 8 follow');
    const list = Buffer.concat([
      wav16([1, 2], 4).subarray(0, 36),
      Buffer.from('LIST'),
      Buffer.from([0xf0, 0xff, 0xff, 0xff]),
      Buffer.alloc(16),
    ]);
    const listErr = await readError(file('huge-list.wav', list));
    expect(listErr.message).toContain("chunk 'LIST' at byte 36 declares 4294967280 bytes but only 16 follow");
  });
});

describe('endless and oversized sources', () => {
  it('/dev/zero as --format f32 hung and grew to 16 GB: now refused at the input size bound', () => {
    const err = thrown(() => readBoundedBytes('/dev/zero', 4 << 20));
    expect(err).toBeInstanceOf(PdmError);
    expect(err.message).toContain('/dev/zero: is larger than 4 MiB (or never ends)');
    expect(err.message).toContain('PDM_MAX_INPUT_MB');
  });

  it('/dev/zero as a text table is refused at its first byte', () => {
    const err = thrown(() => readLines('/dev/zero', () => undefined));
    expect(err.message).toContain('/dev/zero: has a NUL byte at byte 0');
  });

  it('pdm analyze --format f32 /dev/zero exits with the bound, and pdm rul --series /dev/zero as binary', async () => {
    const analyze = await pdm(['analyze', '/dev/zero', '--format', 'f32', '--fs', '12000', '--json'], { PDM_MAX_INPUT_MB: '8' });
    expect(analyze.code).not.toBe(0);
    expect(analyze.stderr).toContain('/dev/zero: is larger than 8 MiB');
    const rul = await pdm(['rul', '--series', '/dev/zero', '--json']);
    expect(rul.code).not.toBe(0);
    expect(rul.stderr).toContain('/dev/zero: has a NUL byte');
  });
});

describe('feature histories (pdm rul)', () => {
  it('a series mixing seconds and ISO timestamps gave a remaining life of 540 years: now refused naming the line', () => {
    const path = file('mixed.csv', 'time,rms\n0,1\n10,1.1\n2026-01-01T00:00:20Z,1.2\n');
    const err = thrown(() => readFeatureCsv(path));
    expect(err.message).toContain("line 4, column 'time'");
    expect(err.message).toContain('is a timestamp but the rows before give seconds');
  });

  it('a quoted header with a comma gave a misleading field count: now read as one column', () => {
    const h = readFeatureCsv(file('quoted-features.csv', 'time,"rms, DE",kurtosis\n0,1,3\n10,1.1,3.2\n'));
    expect(h.columns).toEqual(['rms, DE', 'kurtosis']);
    expect(h.rows[1]).toEqual({ 'rms, DE': 1.1, kurtosis: 3.2 });
  });

  it('hex cells and escape codes are refused, the message escaped', () => {
    const hex = thrown(() => readFeatureCsv(file('hex.csv', 'time,rms\n0,0x10\n')));
    expect(hex.message).toContain(`column 'rms': '0x10' is not a finite number`);
    const esc = thrown(() => readFeatureCsv(file('esc.csv', 'time,rms\n0,\u001b]0;pwned\u0007\n')));
    expect(hasControlCharacter(esc.message)).toBe(false);
  });
});

describe('impossible parameters (pdm analyze)', () => {
  const record = join(ROOT, '..', 'shared', 'data', 'cwru', '12k_DE', '130_OR007at6_0_DE.f32');

  it('--fs 1e12 was accepted: now a usage error (exit 2), sampling rates are bounded as on the wire (10 MHz)', async () => {
    const r = await pdm(['analyze', record, '--fs', '1e12', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--fs must be a positive number of at most 10000000, got '1e12'");
  });

  it("--rpm 0.001 was accepted and labelled 'given': now refused, the record holds no whole revolution", async () => {
    const r = await pdm(['analyze', record, '--fs', '12000', '--rpm', '0.001', '--bearing', '6205-2RS', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--rpm 0.001 gives 0.00017 revolutions in the 10.2 s record');
  });

  it('--rpm 100000 at 12 kHz put BPFI above Nyquist without a word: now refused naming both', async () => {
    const r = await pdm(['analyze', record, '--fs', '12000', '--rpm', '100000', '--bearing', '6205-2RS', '--json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("the bearing's inner race frequency (BPFI 9025.4 Hz) is above Nyquist (6000 Hz)");
  });
});

describe('found by the fuzzers (test/unit/fuzz)', () => {
  it('DEL and 8-bit CSI (0x9b) after a quoted field were printed raw in the message: now escaped', async () => {
    const err = await readError(file('csi.csv', '"a"\u009b2J\u007f\n1\n'));
    expect(hasControlCharacter(err.message) || /[\u007f-\u009f]/.test(err.message)).toBe(false);
    expect(err.message).toContain('line 1: text after a quoted field: "\\u009b2J\\u007f"');
  });
});

describe('feature histories, found by the fuzzers (test/unit/fuzz)', () => {
  it("a time of 1e999 seconds was read as Infinity (a last row's time accepted, remaining life from it): now refused", () => {
    for (const [text, line] of [
      ['time,rms\n1e999,1\n', 2],
      ['time,rms\n1,0.5\n1e400,0.6\n', 3],
      ['time,rms\n-1e999,1\n2,0.5\n', 2],
    ] as const) {
      const err = thrown(() => readFeatureCsv(file('infinite-time.csv', text)));
      expect(err).toBeInstanceOf(PdmError);
      expect(err.message).toMatch(
        new RegExp(`infinite-time\\.csv: line ${line}, column 'time': '-?1e\\d+' is not a finite number of seconds$`),
      );
    }
  });
});

describe('CSV signals, found by the fuzzers (test/unit/fuzz)', () => {
  it("a cell beyond the float32 range (-3.5e38) was refused as 'sample 0 is -Infinity', without its line: now names line and value", async () => {
    const err = await readError(file('huge-cell.csv', 'value\n0.5\n-3.5e38\n'));
    expect(err.message).toMatch(/huge-cell\.csv: line 3, column value: '-3\.5e38' is beyond the float32 range of a sample \(±3\.4e38\)$/);
    // The largest float32 itself is a sample.
    const ok = await readSignalFile(file('max-cell.csv', 'value\n3.4028234663852886e38\n'));
    expect(ok.samples[0]).toBe(3.4028234663852886e38);
  });
});

describe('reference files, found by the fuzzers (test/unit/fuzz)', () => {
  it('an unknown key or a value with terminal escapes in a reference file was printed raw: now escaped', async () => {
    const { readReferenceFile } = await import('../../../cli/io/reference-file.ts');
    const cases: [string, string][] = [
      ['{"format":"pdm-envelope-reference","version":1,"\\u001b[2J":1}', ': \\u001b[2J is not a reference field, got 1'],
      ['{"format":"\\u009b31m"}', `: format must be 'pdm-envelope-reference', got "\\u009b31m"`],
    ];
    for (const [json, expected] of cases) {
      const err = await readReferenceFile(file('ref.json', json)).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(PdmError);
      expect([...err!.message].some((c) => c.charCodeAt(0) < 0x20 || (c.charCodeAt(0) >= 0x7f && c.charCodeAt(0) <= 0x9f))).toBe(false);
      expect(err!.message).toContain(expected);
    }
  });
});

describe('reference files as endless or binary sources', () => {
  it('/dev/zero as --reference was read until memory ran out, and binary was quoted raw in "is not JSON": now bounded and escaped', async () => {
    const { readReferenceFile } = await import('../../../cli/io/reference-file.ts');
    const previous = process.env['PDM_MAX_INPUT_MB'];
    process.env['PDM_MAX_INPUT_MB'] = '4';
    try {
      const err = await readReferenceFile('/dev/zero').then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(err).toBeInstanceOf(PdmError);
      expect(err!.message).toContain('/dev/zero: is larger than 4 MiB (or never ends)');
    } finally {
      if (previous === undefined) delete process.env['PDM_MAX_INPUT_MB'];
      else process.env['PDM_MAX_INPUT_MB'] = previous;
    }
    const bin = await readReferenceFile(file('bin.json', '\u001b[2J\u0007')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(bin).toBeInstanceOf(PdmError);
    expect(hasControlCharacter(bin!.message)).toBe(false);
    expect(bin!.message).toContain('bin.json: is not JSON (Unexpected token');
    expect(bin!.message).toContain('\\u001b[2J');
    const missing = await readReferenceFile(join(dir, 'missing.json')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(missing!.message).toBe(`${join(dir, 'missing.json')}: no such file`);
  });
});
