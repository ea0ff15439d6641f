/**
 * Every `pdm` command behaves alike on its command line (cli/command-line.ts): --help prints its
 * help and exits 0; a bad option and a bad value print one line naming the command and the
 * option, pointing at --help, and exit 2, before anything is started. Run in-process through
 * `main`, as `pdm <command>` dispatches.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { COMMANDS, main } from '../../../cli/main.ts';

/** For each command: a line with one bad value, and the words that must name it. */
const BAD_VALUE: Record<string, [string[], string]> = {
  start: [['--duration', 'soon'], "--duration must be a positive number (seconds), got 'soon'"],
  services: [['status', '--profile', 'prod'], "--profile must be dev or test, got 'prod'"],
  simulate: [['--fleet'], "Option '--fleet <value>' argument missing"],
  collect: [['--config'], "Option '--config <value>' argument missing"],
  'kafka-acls': [['--group'], "Option '--group <value>' argument missing"],
  process: [['--fleet'], "Option '--fleet <value>' argument missing"],
  pki: [['init', '--fleet', 'f.yaml', '--out'], "Option '--out <value>' argument missing"],
  factory: [
    ['inject', '--endpoint', 'opc.tcp://h:1/m', '--type', 'cage', '--location', 'DE', '--time-to-failure', '3 weeks'],
    '--time-to-failure "3 weeks" must be seconds or a duration',
  ],
  analyze: [['a.f32', '--fs', '0'], "--fs must be a positive number of at most 10000000, got '0'"],
  rul: [['--series', 's.csv', '--life-exponent', 'x'], "--life-exponent must be a positive number, got 'x'"],
  'rul-eval': [['--history', 'a.csv', '--cuts', '0.5,1.2'], "--cuts's fraction '1.2' must be a number above 0 and below 1, got '1.2'"],
  history: [['--machine', 'm', '--to', 'tomorrow'], '--to must be an ISO 8601 time with a zone'],
  report: [['--machine', 'm', '--out', 'r.html', '--from', 'yesterday'], '--from must be an ISO 8601 time with a zone'],
  dashboards: [['build', '--iso-foundation', 'soft'], "--iso-foundation must be rigid or flexible, got 'soft'"],
};

describe('every pdm command line', () => {
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

  it('has a bad-value case here for each command', () => {
    expect(Object.keys(BAD_VALUE).sort()).toEqual(Object.keys(COMMANDS).sort());
  });

  describe.each(Object.keys(COMMANDS))('pdm %s', (name) => {
    it('--help and -h: its help on stdout, exit 0', async () => {
      expect(await main([name, '--help'])).toBe(0);
      expect(out).toMatch(new RegExp(`^Usage: pdm ${name}\\b`));
      expect(err).toBe('');
      const help = out;
      out = '';
      expect(await main([name, '-h'])).toBe(0);
      expect(out).toBe(help);
    });

    it('an unknown option: exit 2, one line naming it', async () => {
      expect(await main([name, '--no-such-option'])).toBe(2);
      expect(err).toBe(`pdm ${name}: Unknown option '--no-such-option' (pdm ${name} --help)\n`);
      expect(out).toBe('');
    });

    it('a bad value: exit 2, one line naming the option', async () => {
      const [argv, message] = BAD_VALUE[name];
      expect(await main([name, ...argv])).toBe(2);
      expect(err).toContain(`pdm ${name}: ${message}`);
      expect(err).toMatch(new RegExp(`\\(pdm ${name} --help\\)\\n$`));
      expect(err.trim().split('\n')).toHaveLength(1);
      expect(out).toBe('');
    });
  });
});

describe('pdm analyze --bearing-geometry (the one key=value parser, limits from the geometry schema)', () => {
  let err: string;
  beforeEach(() => {
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  it.each([
    ['balls=9,ball=7.94', "missing 'pitch='"],
    ['balls=9,ball=x,pitch=39', 'ball'],
    ['balls=9,ball=7.94,pitch=39,width=3', "unknown key 'width'"],
    ['balls=2.5,ball=7.94,pitch=39', 'balls must be an integer from 3 to 100, got 2.5'],
    ['balls=9,ball=40,pitch=39', 'ball must be smaller than pitch'],
    ['balls=9,ball=7,pitch=39,angle=95', 'angle must be a number from 0 to 60 (degrees), got 95'],
    ['balls=9;ball=7', "'balls=9;ball=7' is not key=value"],
    ['balls=9,balls=8,ball=7,pitch=39', "'balls' given twice"],
  ])('%s is a usage error naming the part (exit 2)', async (spec, words) => {
    const code = await main(['analyze', 'a.f32', '--fs', '12000', '--bearing-geometry', spec]);
    expect(code).toBe(2);
    expect(err).toContain('--bearing-geometry');
    expect(err).toContain(words);
  });
});
