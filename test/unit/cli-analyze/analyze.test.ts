/**
 * `pdm analyze` for real: spawned as `node cli/pdm.ts analyze ...` on the shared CWRU files and
 * on CSV/WAV copies written to a temporary directory, plus every kind of bad input.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON output, read field by field by the assertions
type Loose = any;

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DATA = join(ROOT, '..', 'shared', 'data', 'cwru');
const IR = join(DATA, '12k_DE', '105_IR007_0_DE.f32');
const OR = join(DATA, '12k_DE', '130_OR007at6_0_DE.f32');
const NORMAL = join(DATA, 'normal', '97_Normal_0_DE.f32');
const NORMAL_FE = join(DATA, 'normal', '97_Normal_0_FE.f32');
/** A DE ball fault seen on the fan-end channel, where a rig line sits on the 6203's BPFI. */
const RIG_LINE_FE = join(DATA, '12k_DE', '120_B007_2_FE.f32');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function pdm(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(ROOT, 'cli', 'pdm.ts'), 'analyze', ...args],
      { cwd: ROOT, maxBuffer: 1 << 24 },
      (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : 1, stdout, stderr });
      },
    );
  });
}

function lines(out: string): Array<Record<string, Loose>> {
  return out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, Loose>);
}

let dir = '';
let ir: Float32Array;

/** A minimal WAV writer (independent of the reader under test): PCM int or IEEE float. */
function wav(samples: Float32Array, rate: number, bits: 16 | 24 | 32, float: boolean, channels = 1): Buffer {
  const bytes = bits / 8;
  const data = Buffer.alloc(samples.length * bytes * channels);
  for (let i = 0; i < samples.length; i++) {
    for (let c = 0; c < channels; c++) {
      const at = (i * channels + c) * bytes;
      const v = c === 0 ? samples[i] : -samples[i] * 0.5;
      if (float) data.writeFloatLE(v, at);
      else if (bits === 16) data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32768))), at);
      else if (bits === 24) data.writeIntLE(Math.max(-8388608, Math.min(8388607, Math.round(v * 8388608))), at, 3);
      else data.writeInt32LE(Math.max(-2147483648, Math.min(2147483647, Math.round(v * 2147483648))), at);
    }
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(float ? 3 : 1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * bytes * channels, 28);
  header.writeUInt16LE(bytes * channels, 32);
  header.writeUInt16LE(bits, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pdm-analyze-'));
  const b = await readFile(IR);
  ir = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4).slice();
  await writeFile(join(dir, 'ir.csv'), `${Array.from(ir, (v) => String(v)).join('\n')}\n`);
  await writeFile(join(dir, 'ir-named.csv'), `time,accel_de,other\n${Array.from(ir, (v, i) => `${i / 12000},${v},0`).join('\n')}\n`);
  await writeFile(join(dir, 'ir-float.wav'), wav(ir, 12000, 32, true, 2));
  await writeFile(
    join(dir, 'ir-pcm24.wav'),
    wav(
      ir.map((v) => v / 4),
      12000,
      24,
      false,
    ),
  );
  await writeFile(join(dir, 'ir.f32'), Buffer.from(ir.buffer));
  await writeFile(join(dir, 'odd.f32'), Buffer.from(ir.buffer, 0, 4001));
  const withNan = ir.slice();
  withNan[5000] = Number.NaN;
  await writeFile(join(dir, 'nan.f32'), Buffer.from(withNan.buffer));
  await writeFile(join(dir, 'bad.csv'), '0.1\n0.2\nabc\n0.3\n');
  await writeFile(join(dir, 'notwav.wav'), Buffer.from('RIFFxxxxWAVEjunk'));
  await writeFile(join(dir, 'notjson.json'), '{"format": "pdm-envelope-reference",');
  await writeFile(join(dir, 'badref.json'), JSON.stringify({ format: 'pdm-envelope-reference', version: 3 }));
}, 60_000);

afterAll(async () => {
  if (dir !== '') await rm(dir, { recursive: true, force: true });
});

describe('pdm analyze (spawned)', () => {
  it('prints one JSON line per file with the contract fields, and names the faults', async () => {
    const r = await pdm(IR, OR, NORMAL, '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--json');
    // NORMAL is 48 kHz: analysed at 12 kHz here it is simply another record; the test below reads it right.
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out.map((o) => o.file)).toEqual([IR, OR, NORMAL]);
    for (const o of out) {
      for (const k of ['rms', 'kurtosis', 'velocity_rms_mm_s']) expect(typeof o.features[k]).toBe('number');
      expect(o.iso20816.zone).toMatch(/^[ABCD]$/);
      expect(o.bearing.confidence).toBeGreaterThanOrEqual(0);
      expect(o.bearing.confidence).toBeLessThanOrEqual(1);
      expect(o.shaft.source).toBe('given');
    }
    expect(out[0].bearing.diagnosis).toBe('inner_race');
    expect(out[1].bearing.diagnosis).toBe('outer_race');
    // Named by the envelope's own segments; the healthy record also got the prewhitened second look.
    expect(out.map((o) => o.bearing.method)).toEqual(['envelope', 'envelope', 'envelope']);
    expect(out[0].bearing.evidence.prewhitened_segments).toBeUndefined();
    expect(out[2].bearing.evidence).toMatchObject({ prewhitened: 0, prewhitened_votes_none: expect.any(Number) });
  });

  it('a dead sensor is not a healthy machine: a flat record is check_function, zone unknown, no diagnosis', async () => {
    const flat = join(dir, 'flat.f32');
    await writeFile(flat, Buffer.from(new Float32Array(120_000).fill(0.02).buffer));
    const r = await pdm(flat, IR, '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--json');
    expect(r.code, r.stderr).toBe(0);
    const [dead, ir] = lines(r.stdout);
    expect(dead.sensor).toEqual({ status: 'check_function', reasons: ['flat_line'] });
    expect(dead.iso20816.zone).toBe('unknown');
    expect(dead.bearing).toMatchObject({ diagnosis: 'none', confidence: 0 });
    expect(ir.sensor).toEqual({ status: 'ok', reasons: [] });
    const table = await pdm(flat, '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS');
    expect(table.stdout).toMatch(/unknown .* none \(check function: flat_line\)/);
  });

  it('a record shorter than the bearing needs is no confident all-clear: none at a reduced confidence, and the table says why', async () => {
    // 0.5 s of the healthy record: about 15 of the 32 revolutions a 6205 needs.
    const whole = new Float32Array((await readFile(NORMAL)).buffer.slice(0));
    const short = join(dir, 'short.f32');
    await writeFile(short, Buffer.from(whole.slice(0, 24_000).buffer));
    const r = await pdm(short, NORMAL, '--fs', '48000', '--rpm', '1796', '--bearing', '6205-2RS', '--json');
    expect(r.code, r.stderr).toBe(0);
    const [brief, full] = lines(r.stdout);
    expect([brief.bearing.diagnosis, full.bearing.diagnosis]).toStrictEqual(['none', 'none']);
    // The speed refined on the spectrum (shaft.hz), over the half second.
    const revolutions = brief.bearing.evidence.segment_revolutions;
    expect(revolutions).toBeCloseTo(0.5 * brief.shaft.hz, 2); // both rounded in the JSON
    expect(brief.bearing.evidence.required_revolutions).toBe(32);
    expect(brief.bearing.confidence).toBeLessThanOrEqual(revolutions / 32 + 0.001);
    expect(full.bearing.evidence.segment_revolutions).toBeGreaterThanOrEqual(32);
    const table = await pdm(short, NORMAL, '--fs', '48000', '--rpm', '1796', '--bearing', '6205-2RS');
    const [, shortRow, fullRow] = table.stdout.trim().split('\n');
    expect(shortRow).toMatch(/ none \(record too short: 15 of 32 revolutions\) +0\.\d\d$/);
    expect(fullRow).not.toContain('too short');
  });

  it('reads the healthy baseline at its real 48 kHz as none, with a geometry instead of a name', async () => {
    const r = await pdm(NORMAL, '--fs', '48000', '--rpm', '1796', '--bearing-geometry', 'balls=9,ball=7.94,pitch=39.04,angle=0', '--json');
    expect(r.code, r.stderr).toBe(0);
    const [o] = lines(r.stdout);
    expect(o.bearing.diagnosis).toBe('none');
    expect(o.bearing.geometry).toEqual({ balls: 9, ball_diameter_mm: 7.94, pitch_diameter_mm: 39.04, contact_angle_deg: 0 });
    expect(o.sample_rate_hz).toBe(48000);
  });

  it('gives the same answer from CSV (plain or named column) and WAV (float, 24-bit PCM; rate from the header)', async () => {
    const base = lines((await pdm(join(dir, 'ir.f32'), '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--json')).stdout)[0];
    const csv = await pdm(join(dir, 'ir.csv'), '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--json');
    const named = await pdm(
      join(dir, 'ir-named.csv'),
      '--column',
      'accel_de',
      '--fs',
      '12000',
      '--rpm',
      '1797',
      '--bearing',
      '6205-2RS',
      '--json',
    );
    const fwav = await pdm(join(dir, 'ir-float.wav'), '--rpm', '1797', '--bearing', '6205-2RS', '--json');
    const iwav = await pdm(join(dir, 'ir-pcm24.wav'), '--rpm', '1797', '--bearing', '6205-2RS', '--json');
    for (const [name, r] of [
      ['csv', csv],
      ['named csv', named],
      ['float wav', fwav],
      ['pcm24 wav', iwav],
    ] as const) {
      expect(r.code, `${name}: ${r.stderr}`).toBe(0);
      const o = lines(r.stdout)[0];
      expect(o.bearing.diagnosis, name).toBe('inner_race');
      expect(o.sample_rate_hz, name).toBe(12000);
      expect(o.samples, name).toBe(ir.length);
      // 24-bit PCM of x/4 quantises to 2^-25 g: kurtosis is scale-free, so it must still agree.
      expect(o.features.kurtosis, name).toBeCloseTo(base.features.kurtosis, 3);
    }
    expect(lines(csv.stdout)[0].features.rms).toBe(base.features.rms);
    expect(lines(iwav.stdout)[0].features.rms).toBeCloseTo(base.features.rms / 4, 5);
  });

  it('prints a human table without --json and estimates the speed when --rpm is absent', async () => {
    const r = await pdm(IR, '--fs', '12000', '--bearing', '6205');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^file\s+rms g\s+kurtosis\s+vel mm\/s\s+ISO\s+shaft Hz\s+diagnosis\s+conf/);
    expect(r.stdout).toMatch(/105_IR007_0_DE\.f32 .* \(est\.\)\s+inner_race/);
  });

  it("--baseline: the healthy record (48 kHz, --baseline-fs) discounts the rig line that sits on a fan-end bearing's BPFI, and the JSON says which lines", async () => {
    const common = [RIG_LINE_FE, '--fs', '12000', '--rpm', '1748', '--bearing', '6203-2RS', '--json'];
    const plain = lines((await pdm(...common)).stdout)[0];
    // Without a reference the line is not named either (it has no BPFI +/- fr sideband).
    expect(plain.bearing.diagnosis).toBe('none');
    expect(plain.bearing.discounted).toBeUndefined();
    const saved = join(dir, 'fe-reference.json');
    const r = await pdm(...common, '--baseline', NORMAL_FE, '--baseline-fs', '48000', '--baseline-rpm', '1796', '--save-reference', saved);
    expect(r.code, r.stderr).toBe(0);
    const o = lines(r.stdout)[0];
    expect(o.bearing.diagnosis).toBe('none');
    expect(o.bearing.reference).toMatchObject({ baselines: [NORMAL_FE], windows: 1, max_frequency_hz: 4687.5 });
    expect(o.bearing.discounted.length).toBeGreaterThan(0);
    expect(o.bearing.discounted.some((l: { type: string }) => l.type === 'inner_race')).toBe(true);
    for (const l of o.bearing.discounted) {
      expect(l.type).toMatch(/^(outer_race|inner_race|rolling_element|cage)$/);
      expect(l.line).toMatch(/^(h\d|1x)$/);
      expect(l.snr_db).toBeGreaterThan(l.reference_db);
    }
    // The saved reference gives the same answer.
    const again = lines((await pdm(...common, '--reference', saved)).stdout)[0];
    expect(again.bearing.diagnosis).toBe('none');
    expect(again.bearing.discounted).toEqual(o.bearing.discounted);
    expect(again.bearing.reference.file).toBe(saved);
  });

  it('--baseline without its speed estimates it, and the table says a reference was used', async () => {
    const r = await pdm(IR, '--fs', '12000', '--rpm', '1797', '--bearing', '6205-2RS', '--baseline', NORMAL, '--baseline-fs', '48000');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/105_IR007_0_DE\.f32 .*inner_race/);
    expect(r.stdout).toMatch(/^healthy reference: .*97_Normal_0_DE\.f32; \d+ machine line\(s\) discounted/m);
  });

  // `true`: a good file comes first, and nothing of it may be printed since a later one is bad.
  const bad: Array<[string, () => string[], RegExp, boolean?]> = [
    [
      'an unreadable file',
      () => [join(dir, 'missing.f32'), '--fs', '12000'],
      /missing\.f32: cannot be read \(ENOENT\): no such file/,
      true,
    ],
    [
      'a length that is not a multiple of 4',
      () => [join(dir, 'odd.f32'), '--fs', '12000'],
      /odd\.f32: length 4001 bytes is not a multiple of 4/,
      true,
    ],
    ['a NaN sample', () => [join(dir, 'nan.f32'), '--fs', '12000'], /nan\.f32: sample 5000 is NaN/, true],
    [
      'a non-numeric CSV cell',
      () => [join(dir, 'bad.csv'), '--fs', '12000'],
      /bad\.csv: line 3, column 0: 'abc' is not a finite number/,
      true,
    ],
    [
      'a missing CSV column',
      () => [join(dir, 'ir-named.csv'), '--column', 'accel_fe', '--fs', '12000'],
      /ir-named\.csv: has no column 'accel_fe' \(columns: time, accel_de, other\)/,
    ],
    [
      'several CSV columns without --column',
      () => [join(dir, 'ir-named.csv'), '--fs', '12000'],
      /ir-named\.csv: has 3 columns .* pick one with --column/,
    ],
    ['a broken WAV', () => [join(dir, 'notwav.wav')], /notwav\.wav: has no fmt chunk/],
    [
      'an unknown bearing',
      () => [IR, '--fs', '12000', '--bearing', '6209'],
      /unknown bearing '6209'; known: 6205-2RS, 6203-2RS, ZA-2115, FEMTO-PRONOSTIA/,
    ],
    ['a missing --fs', () => [join(dir, 'ir.f32')], /ir\.f32: the sampling rate is unknown; give --fs HZ/],
    ['a bad --rpm', () => [IR, '--fs', '12000', '--rpm', 'fast'], /--rpm must be a positive number, got 'fast'/],
    ['an unknown option', () => [IR, '--fs', '12000', '--speed', '3'], /Unknown option '--speed'/],
    [
      'a baseline without a bearing',
      () => [IR, '--fs', '12000', '--baseline', NORMAL],
      /--baseline needs a bearing \(--bearing or --bearing-geometry\)/,
    ],
    [
      '--baseline with --reference',
      () => [IR, '--fs', '12000', '--bearing', '6205', '--baseline', NORMAL, '--reference', join(dir, 'x.json')],
      /give --baseline or --reference, not both/,
    ],
    [
      '--baseline-fs without --baseline',
      () => [IR, '--fs', '12000', '--bearing', '6205', '--baseline-fs', '48000'],
      /--baseline-fs needs --baseline/,
    ],
    [
      'a --baseline-rpm per baseline that does not add up',
      () => [
        IR,
        '--fs',
        '12000',
        '--bearing',
        '6205',
        '--baseline',
        NORMAL,
        '--baseline',
        NORMAL,
        '--baseline',
        NORMAL,
        '--baseline-rpm',
        '1796',
        '--baseline-rpm',
        '1797',
      ],
      /--baseline-rpm given 2 times for 3 --baseline files/,
    ],
    [
      'an unreadable baseline',
      () => ['--fs', '12000', '--bearing', '6205', '--baseline', join(dir, 'gone.f32')],
      /gone\.f32: cannot be read \(ENOENT\): no such file/,
      true,
    ],
    [
      'a reference file that is not JSON',
      () => ['--fs', '12000', '--bearing', '6205', '--reference', join(dir, 'notjson.json')],
      /notjson\.json: is not JSON/,
      true,
    ],
    [
      'a reference file of another version',
      () => ['--fs', '12000', '--bearing', '6205', '--reference', join(dir, 'badref.json')],
      /badref\.json: version must be 1/,
      true,
    ],
  ];
  for (const [what, args, message, goodFirst] of bad) {
    it(`refuses ${what}: one error naming the problem, non-zero exit, nothing on stdout`, async () => {
      const r = await pdm(...(goodFirst === true ? [IR, ...args()] : args()));
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(
        r.stderr
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('pdm analyze:')).length,
      ).toBe(1);
      expect(r.stdout).toBe('');
    });
  }
});
