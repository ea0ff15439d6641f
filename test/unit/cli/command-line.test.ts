/** cli/command-line.ts: the one parser behind every `pdm` command, and the way it reports. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  choice,
  command,
  commandSpec,
  custom,
  describeRange,
  flag,
  number,
  numberValue,
  parseCommandLine,
  text,
  usageError,
} from '../../../cli/command-line.ts';

const PLAIN = commandSpec({
  name: 'demo',
  help: 'Usage: pdm demo --series FILE\n',
  positionals: { name: 'FILE', min: 1, max: 2 },
  options: {
    series: text().required(),
    json: flag(),
    rpm: number({ above: 0 }),
    group: choice(['1', '2']).default('2'),
    format: choice(['f32', 'csv', 'wav']),
    train: text().multiple(),
    speeds: number({ min: 0 }).multiple(),
    balls: number({ integer: true, min: 3, max: 100 }).short('b'),
    endpoint: text().check((u) => u.startsWith('opc.tcp://'), 'an opc.tcp:// URL'),
    pair: custom((value, option) => {
      const [a, b] = value.split('=');
      if (b === undefined) throw usageError(`${option} must be A=B, got '${value}'`);
      return { a, b };
    }),
  },
});

const SUBS = commandSpec({
  name: 'machine',
  help: 'Usage: pdm machine <inject|stop>\n',
  options: { endpoint: text().required('opc.tcp://HOST:PORT'), json: flag() },
  subcommands: {
    inject: { options: { type: text().required(), severity: number({ min: 0, below: 1 }).default(0) } },
    stop: {},
  },
});

function line<T>(outcome: T): Extract<T, { line: unknown }> extends { line: infer L } ? L : never {
  if (typeof outcome !== 'object' || outcome === null || !('line' in outcome)) throw new Error(`not parsed: ${JSON.stringify(outcome)}`);
  return outcome.line as never;
}

describe('parseCommandLine', () => {
  it('types and fills every option: given, default, repeated, absent', () => {
    const l = line(
      parseCommandLine(PLAIN, ['a.csv', '--series', 's.csv', '--rpm', '1797', '--train', 't1', '--train=t2', '-b', '9', '--speeds', '0']),
    );
    expect(l.positionals).toEqual(['a.csv']);
    expect(l.values).toEqual({
      series: 's.csv',
      json: false,
      rpm: 1797,
      group: '2',
      format: undefined,
      train: ['t1', 't2'],
      speeds: [0],
      balls: 9,
      endpoint: undefined,
      pair: undefined,
    });
  });

  it('--help and -h win over every other problem on the line', () => {
    expect(parseCommandLine(PLAIN, ['--help'])).toEqual({ help: true });
    expect(parseCommandLine(PLAIN, ['--bogus', '-h'])).toEqual({ help: true });
    expect(parseCommandLine(SUBS, ['explode', '--help'])).toEqual({ help: true });
  });

  it.each([
    [['a', '--series', 's', '--bogus'], "Unknown option '--bogus'"],
    [['a', '--series'], "Option '--series <value>' argument missing"],
    [['a'], '--series is required'],
    [['--series', 's'], 'no FILE given'],
    [['a', 'b', 'c', '--series', 's'], "unexpected argument 'c'"],
    [['a', '--series', 's', '--rpm', 'fast'], "--rpm must be a positive number, got 'fast'"],
    [['a', '--series', 's', '--rpm', ''], "--rpm must be a positive number, got ''"],
    [['a', '--series', 's', '--rpm', '-3'], "Option '--rpm' argument is ambiguous"],
    [['a', '--series', 's', '--rpm=-3'], "--rpm must be a positive number, got '-3'"],
    [['a', '--series', 's', '--group', '3'], "--group must be 1 or 2, got '3'"],
    [['a', '--series', 's', '--format', 'mp3'], "--format must be one of f32, csv, wav, got 'mp3'"],
    [['a', '--series', 's', '--speeds', '1', '--speeds', 'x'], "--speeds must be a non-negative number, got 'x'"],
    [['a', '--series', 's', '-b', '2.5'], "--balls must be an integer from 3 to 100, got '2.5'"],
    [['a', '--series', 's', '--endpoint', 'http://x'], "--endpoint must be an opc.tcp:// URL, got 'http://x'"],
    [['a', '--series', 's', '--pair', 'ab'], "--pair must be A=B, got 'ab'"],
    [['a', '--series', 's', '--json=yes'], "Option '--json' does not take an argument"],
  ])('%j: %s', (argv, message) => {
    const outcome = parseCommandLine(PLAIN, argv);
    expect(outcome).toHaveProperty('error');
    expect((outcome as { error: string }).error).toContain(message);
  });

  it('subcommands: the first argument, with their own options typed and required for them only', () => {
    const inject = line(parseCommandLine(SUBS, ['inject', '--endpoint', 'opc.tcp://h:1', '--type', 'cage']));
    expect(inject.subcommand).toBe('inject');
    if (inject.subcommand === 'inject')
      expect(inject.values).toEqual({ endpoint: 'opc.tcp://h:1', json: false, type: 'cage', severity: 0 });
    const stop = line(parseCommandLine(SUBS, ['stop', '--endpoint', 'opc.tcp://h:1']));
    expect(stop).toEqual({ subcommand: 'stop', values: { endpoint: 'opc.tcp://h:1', json: false }, positionals: [] });
  });

  it.each([
    [[], 'expected one of inject, stop'],
    [['restart'], "expected one of inject, stop, got 'restart'"],
    [['stop'], '--endpoint opc.tcp://HOST:PORT is required'],
    [['inject', '--endpoint', 'e'], 'inject needs --type'],
    [['stop', '--endpoint', 'e', '--type', 'cage', '--severity', '0.5'], '--type, --severity only apply to inject'],
    [['inject', '--endpoint', 'e', '--type', 'cage', '--severity', '1'], "--severity must be a number of at least 0 and below 1, got '1'"],
    [['stop', 'now', '--endpoint', 'e'], "unexpected argument 'now'"],
  ])('subcommand line %j: %s', (argv, message) => {
    expect(parseCommandLine(SUBS, argv)).toEqual({ error: message });
  });

  it('one subcommand is named as such', () => {
    const one = commandSpec({ name: 'd', help: '', options: {}, subcommands: { build: {} } });
    expect(parseCommandLine(one, [])).toEqual({ error: "expected the subcommand 'build'" });
  });
});

describe('numbers', () => {
  it.each([
    [{ above: 0 }, 'a positive number'],
    [{ min: 0 }, 'a non-negative number'],
    [{ above: 1, note: 'x baseline' }, 'a number above 1 (x baseline)'],
    [{ integer: true, min: 3, max: 100 }, 'an integer from 3 to 100'],
    [{ min: 0.1 }, 'a number of at least 0.1'],
    [{}, 'a number'],
  ])('%j reads "%s"', (range, words) => {
    expect(describeRange(range)).toBe(words);
  });

  it('numberValue names what it checks, and refuses what Number() would forgive', () => {
    expect(numberValue('4.5', '--x', { above: 0 })).toBe(4.5);
    expect(() => numberValue(' ', '--train-rpm (for a.csv)', { above: 0 })).toThrow(
      "--train-rpm (for a.csv) must be a positive number, got ' '",
    );
    expect(() => numberValue('Infinity', '--x')).toThrow("--x must be a number, got 'Infinity'");
    expect(() => numberValue('1e3', '--x', { max: 100 })).toThrow('--x must be a number of at most 100');
  });
});

describe('command', () => {
  let out: string;
  let err: string;
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  const run = command(SUBS, async (l) => {
    if (l.values.endpoint === 'usage') throw usageError('that endpoint is for tests');
    if (l.values.endpoint === 'boom') throw new Error('boom');
    return l.subcommand === 'stop' ? 0 : 7;
  });

  it('--help: the help on stdout, exit 0, the body not run', async () => {
    expect(await run(['-h'])).toBe(0);
    expect(out).toBe(SUBS.help);
    expect(err).toBe('');
  });

  it('a usage error: one line on stderr naming the command and pointing at --help, exit 2', async () => {
    expect(await run(['stop', '--bogus'])).toBe(2);
    expect(err).toBe("pdm machine: Unknown option '--bogus' (pdm machine --help)\n");
    expect(out).toBe('');
  });

  it("the body's own usage errors read the same; its other errors are its own", async () => {
    expect(await run(['stop', '--endpoint', 'usage'])).toBe(2);
    expect(err).toBe('pdm machine: that endpoint is for tests (pdm machine --help)\n');
    await expect(run(['stop', '--endpoint', 'boom'])).rejects.toThrow('boom');
    expect(await run(['inject', '--endpoint', 'e', '--type', 't'])).toBe(7);
  });

  it("a custom value's PdmError (a catalogue look-up) is a usage error naming the option", async () => {
    const { lookupBearing } = await import('../../../models/bearing/catalogue.ts');
    const spec = commandSpec({ name: 'b', help: '', options: { bearing: custom(lookupBearing) } });
    expect(parseCommandLine(spec, ['--bearing', '6209'])).toEqual({ error: expect.stringMatching(/^--bearing: unknown bearing '6209'/) });
    expect(line(parseCommandLine(spec, ['--bearing', '6205'])).values.bearing).toMatchObject({ balls: 9 });
  });
});
