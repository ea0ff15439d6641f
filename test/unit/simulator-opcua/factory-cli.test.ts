/**
 * `pdm factory` refuses bad command lines before connecting: exit code 2 and one line that says
 * what is wrong and what to give instead. (The calls themselves are tested against running
 * machines in test/integration/simulator.)
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../cli/commands/factory.ts';

const E = ['--endpoint', 'opc.tcp://localhost:1/pdm/m'];

describe('pdm factory command line', () => {
  let stderr: string;
  const saved = { user: process.env['PDM_OPCUA_USER'], password: process.env['PDM_OPCUA_PASSWORD'] };
  beforeEach(() => {
    stderr = '';
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      stderr += String(chunk);
      return true;
    });
    process.env['PDM_OPCUA_USER'] = 'op';
    process.env['PDM_OPCUA_PASSWORD'] = 'pw';
  });
  afterEach(() => {
    vi.restoreAllMocks();
    for (const [k, v] of [
      ['PDM_OPCUA_USER', saved.user],
      ['PDM_OPCUA_PASSWORD', saved.password],
    ] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it.each([
    [[...E], /expected one of inject, stop, start, repair \(pdm factory --help\)\n$/],
    [['explode', ...E], /expected one of inject, stop, start, repair, got 'explode'/],
    [['stop'], /--endpoint opc\.tcp:\/\/HOST:PORT\/pdm\/<machine> is required/],
    [['stop', '--endpoint', 'http://localhost/x'], /must be an opc\.tcp:\/\/ URL/],
    [['inject', ...E, '--location', 'DE', '--time-to-failure', '1d'], /inject needs --type/],
    [['inject', ...E, '--type', 'cage', '--time-to-failure', '1d'], /inject needs --location DE\|NDE/],
    [['inject', ...E, '--type', 'cage', '--location', 'DE'], /inject needs --time-to-failure/],
    [
      ['inject', ...E, '--type', 'cage', '--location', 'DE', '--time-to-failure', '3 weeks'],
      /--time-to-failure "3 weeks" must be seconds or a duration like "90s"/,
    ],
    [
      ['inject', ...E, '--type', 'cage', '--location', 'DE', '--time-to-failure', '1d', '--initial-severity', 'high'],
      /--initial-severity must be a number of at least 0 and below 1 \(0 for the default\), got 'high'/,
    ],
    [
      ['inject', ...E, '--type', 'cage', '--location', 'DE', '--time-to-failure', '1d', '--initial-severity', '1'],
      /--initial-severity must be .* below 1 .*, got '1'/,
    ],
    [['stop', ...E, '--type', 'cage'], /--type only apply to inject/],
    [['stop', ...E, '--frobnicate'], /Unknown option '--frobnicate'/],
  ])('%j -> exit 2 and %s', async (argv, message) => {
    expect(await run(argv)).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('asks for the user variables before connecting', async () => {
    delete process.env['PDM_OPCUA_PASSWORD'];
    expect(await run(['repair', ...E])).toBe(2);
    expect(stderr).toMatch(/set PDM_OPCUA_USER and PDM_OPCUA_PASSWORD to a user of the fleet file/);
  });
});
