/** `pdm factory inject|stop|start|repair --endpoint URL`: drive a running simulated machine through its OPC UA methods. */
import { join } from 'node:path';
import { setErrorLogger, setWarningLogger } from 'node-opcua';
import { describeError, PdmError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import { durationSchema } from '../../ingest/simulator/fleet-config.ts';
import { callMachineMethod, type MethodOutcome, operatorPkiDir } from '../../ingest/simulator/opcua/factory-client.ts';
import type { MachineMethodName } from '../../ingest/simulator/opcua/method-arguments.ts';
import { type CommandLineOf, command, commandSpec, custom, flag, number, text, usageError } from '../command-line.ts';

const HELP = `Usage: pdm factory <inject|stop|start|repair> --endpoint URL [--machine ID] [options]

Calls a method of a simulated machine (pdm simulate) while it runs, over OPC UA with
SignAndEncrypt (the strongest policy the machine offers) and a user name and password, and
prints the result.

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

const ACTIONS = { inject: 'InjectFault', stop: 'Stop', start: 'Start', repair: 'Repair' } as const satisfies Record<
  string,
  MachineMethodName
>;

/** Seconds, or a duration with a unit as the fleet file writes them ("90s", "14d"). */
function lifeSeconds(value: string, option: string): number {
  const parsed = durationSchema.safeParse(/^\d+(\.\d+)?$/.test(value) ? Number(value) : value);
  if (!parsed.success) throw usageError(`${option} ${JSON.stringify(value)} must be seconds or a duration like "90s", "20min", "14d"`);
  return parsed.data;
}

const SPEC = commandSpec({
  name: 'factory',
  help: HELP,
  options: {
    endpoint: text()
      .check((url) => url.startsWith('opc.tcp://'), 'an opc.tcp:// URL')
      .required('opc.tcp://HOST:PORT/pdm/<machine>'),
    machine: text(),
    pki: text(),
    json: flag(),
  },
  subcommands: {
    // Type and location are the machine's to check: it answers with what it knows (BadInvalidArgument and why).
    inject: {
      options: {
        type: text().required(),
        location: text().required('DE|NDE'),
        'time-to-failure': custom(lifeSeconds).required(),
        'onset-delay': custom(lifeSeconds).default(0),
        // 0 asks the machine for its default initial severity.
        'initial-severity': number({ min: 0, below: 1, note: '0 for the default' }).default(0),
      },
    },
    stop: {},
    start: {},
    repair: {},
  },
});

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

export const run = command(SPEC, factory);

async function factory(line: CommandLineOf<typeof SPEC>): Promise<number> {
  const { values } = line;
  const method = ACTIONS[line.subcommand];
  const inject = line.subcommand === 'inject' ? line.values : undefined;
  const args: Record<string, string | number> = inject
    ? {
        FaultType: inject.type,
        Location: inject.location,
        TimeToFailureS: inject['time-to-failure'],
        OnsetDelayS: inject['onset-delay'],
        InitialSeverity: inject['initial-severity'],
      }
    : {};
  const username = process.env['PDM_OPCUA_USER'];
  const password = process.env['PDM_OPCUA_PASSWORD'];
  if (!username || !password)
    throw usageError(
      'set PDM_OPCUA_USER and PDM_OPCUA_PASSWORD to a user of the fleet file: the machine methods need an authenticated user',
    );
  try {
    // node-opcua prints its warnings (certificate dumps...) on the console: keep the terminal for the
    // answer and the one-line error; the details stay available with PDM_LOG_LEVEL=debug.
    const opcuaLog = logger('node-opcua');
    setWarningLogger((...args: unknown[]) => opcuaLog.debug(args.map(String).join(' ')));
    setErrorLogger((...args: unknown[]) => opcuaLog.debug(args.map(String).join(' ')));
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
    return 1;
  }
}
