/** `pdm factory inject|stop|start|repair --endpoint URL`: drive a running simulated machine through its OPC UA methods. */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setErrorLogger, setWarningLogger } from 'node-opcua';
import { describeError, PdmError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import { durationSchema } from '../../ingest/simulator/fleet-config.ts';
import { callMachineMethod, type MethodOutcome, operatorPkiDir } from '../../ingest/simulator/opcua/factory-client.ts';
import type { MachineMethodName } from '../../ingest/simulator/opcua/method-arguments.ts';

const HELP = `Usage: pdm factory <inject|stop|start|repair> --endpoint URL [--machine ID] [options]

Calls a method of a simulated machine (pdm simulate) while it runs, over OPC UA with
SignAndEncrypt (Basic256Sha256) and a user name and password, and prints the result.

  inject   start a fault that grows to failure (a repair clears it)
  stop     switch the machine off (no vibration is acquired until it starts: a sequence gap)
  start    switch it on again
  repair   replace the damaged parts: a new life starts

  --endpoint URL         the machine's server, e.g. opc.tcp://localhost:4841/pdm/fan-02
  --machine ID           the machine object (default: the one the server serves)
  --pki DIR              the operator's PKI folder (default .pdm/pki/operator, which pdm simulate
                         --pki .pdm/pki trusts; a new certificate is created there if missing)
  --json                 print the result as one JSON object
 inject:
  --type TYPE            outer_race, inner_race, rolling_element, cage, imbalance, misalignment, looseness
  --location DE|NDE      where (misalignment: DE)
  --time-to-failure T    life from onset to failure: seconds or "14d", "6h" (required)
  --onset-delay T        life until onset (default 0: now)
  --initial-severity S   severity at onset, 0 < S < 1 (default 0.05)

Environment: PDM_OPCUA_USER and PDM_OPCUA_PASSWORD (a user of the fleet file).
Exit code: 0 done, 1 refused by the machine or not reachable, 2 usage error.
`;

const ACTIONS: Record<string, MachineMethodName> = { inject: 'InjectFault', stop: 'Stop', start: 'Start', repair: 'Repair' };

function usageError(message: string): PdmError {
  return new PdmError('PDM_ERR_INPUT_VALUE', `${message} (pdm factory --help)`, { usage: true });
}

function lifeSeconds(text: string | undefined, option: string, fallback?: number): number {
  if (text === undefined) {
    if (fallback === undefined) throw usageError(`inject needs ${option}`);
    return fallback;
  }
  const parsed = durationSchema.safeParse(/^\d+(\.\d+)?$/.test(text) ? Number(text) : text);
  if (!parsed.success) throw usageError(`${option} ${JSON.stringify(text)} must be seconds or a duration like "90s", "20min", "14d"`);
  return parsed.data;
}

function injectArguments(values: Record<string, string | boolean | undefined>): Record<string, string | number> {
  const type = values['type'];
  const location = values['location'];
  if (typeof type !== 'string') throw usageError('inject needs --type');
  if (typeof location !== 'string') throw usageError('inject needs --location DE|NDE');
  const severityText = values['initial-severity'];
  const initialSeverity = typeof severityText === 'string' ? Number(severityText) : 0;
  if (!Number.isFinite(initialSeverity)) throw usageError(`--initial-severity ${JSON.stringify(severityText)} is not a number`);
  return {
    FaultType: type,
    Location: location,
    TimeToFailureS: lifeSeconds(values['time-to-failure'] as string | undefined, '--time-to-failure'),
    OnsetDelayS: lifeSeconds(values['onset-delay'] as string | undefined, '--onset-delay', 0),
    InitialSeverity: initialSeverity,
  };
}

function formatValue(v: unknown): string {
  if (v instanceof Date) return v.getTime() <= 0 ? 'never (machine stopped)' : v.toISOString();
  if (v === null || v === undefined) return 'none';
  return String(v);
}

function describeOutcome(o: MethodOutcome): string {
  const outputs = Object.entries(o.outputs)
    .map(([k, v]) => `${k} ${formatValue(v)}`)
    .join(', ');
  return `${o.machine}: ${o.method} ${o.ok ? 'done' : `refused (${o.status})`}${o.message ? `: ${o.message}` : ''}${outputs ? ` — ${outputs}` : ''}`;
}

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        endpoint: { type: 'string' },
        machine: { type: 'string' },
        pki: { type: 'string' },
        json: { type: 'boolean' },
        type: { type: 'string' },
        location: { type: 'string' },
        'time-to-failure': { type: 'string' },
        'onset-delay': { type: 'string' },
        'initial-severity': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`pdm factory: ${(err as Error).message} (pdm factory --help)\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const action = positionals[0];
  try {
    if (action === undefined || !(action in ACTIONS) || positionals.length > 1)
      throw usageError(
        action === undefined
          ? 'say what to do: inject, stop, start or repair'
          : `unknown action ${JSON.stringify(positionals.join(' '))}: inject, stop, start or repair`,
      );
    if (!values.endpoint) throw usageError('--endpoint opc.tcp://HOST:PORT/pdm/<machine> is required');
    if (!values.endpoint.startsWith('opc.tcp://'))
      throw usageError(`--endpoint ${JSON.stringify(values.endpoint)} must be an opc.tcp:// URL`);
    const method = ACTIONS[action];
    const args = method === 'InjectFault' ? injectArguments(values) : {};
    if (method !== 'InjectFault') {
      const stray = ['type', 'location', 'time-to-failure', 'onset-delay', 'initial-severity'].filter(
        (k) => values[k as keyof typeof values] !== undefined,
      );
      if (stray.length > 0) throw usageError(`${stray.map((k) => `--${k}`).join(', ')} only apply to inject`);
    }
    // node-opcua prints its warnings (certificate dumps...) on the console: keep the terminal for the
    // answer and the one-line error; the details stay available with PDM_LOG_LEVEL=debug.
    const opcuaLog = logger('node-opcua');
    setWarningLogger((...args: unknown[]) => opcuaLog.debug(args.map(String).join(' ')));
    setErrorLogger((...args: unknown[]) => opcuaLog.debug(args.map(String).join(' ')));
    const username = process.env['PDM_OPCUA_USER'];
    const password = process.env['PDM_OPCUA_PASSWORD'];
    if (!username || !password)
      throw usageError(
        'set PDM_OPCUA_USER and PDM_OPCUA_PASSWORD to a user of the fleet file: the machine methods need an authenticated user',
      );
    const outcome = await callMachineMethod(
      { endpoint: values.endpoint, credentials: { username, password }, pkiDir: values.pki ?? operatorPkiDir(join('.pdm', 'pki')) },
      { ...(values.machine !== undefined ? { machine: values.machine } : {}), method, args },
    );
    process.stdout.write(
      values.json
        ? `${JSON.stringify({ ...outcome, outputs: Object.fromEntries(Object.entries(outcome.outputs).map(([k, v]) => [k, v instanceof Date ? (v.getTime() <= 0 ? null : v.toISOString()) : v])) })}\n`
        : `${describeOutcome(outcome)}\n`,
    );
    return outcome.ok ? 0 : 1;
  } catch (err) {
    // Our messages already quote the cause's first line: no second copy of it.
    process.stderr.write(`pdm factory: ${err instanceof PdmError ? `${err.code}: ${err.message}` : describeError(err)}\n`);
    return err instanceof PdmError && err.details['usage'] === true ? 2 : 1;
  }
}
