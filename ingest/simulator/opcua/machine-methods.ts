/**
 * The methods that drive a simulated machine while it runs — InjectFault, Stop, Start, Repair —
 * declared on the machine object with their argument descriptions and bound to the simulation.
 *
 * Only authenticated users may call them: the methods' RolePermissions grant Call to the
 * AuthenticatedUser role only (an anonymous session reads UserExecutable = false and gets
 * BadUserAccessDenied), and the handler checks the user token again so a server configured with
 * permissive defaults cannot open them up by accident. Bad arguments return BadInvalidArgument
 * with a status text naming the argument (clients see it when they ask for diagnostics).
 */
import {
  DataType,
  type ISessionContext,
  type MethodResult,
  type Namespace,
  PermissionType,
  StatusCodes,
  type UAMethod,
  type UAObject,
  UserNameIdentityToken,
  type Variant,
  type VariantOptions,
  WellKnownRoles,
} from 'node-opcua';
import { describeError } from '../../../common/errors.ts';
import { logger } from '../../../common/log.ts';
import type { MachineTruth } from '../physics/machine-simulation.ts';
import type { MachineControl } from '../signal-source.ts';
import {
  ArgumentError,
  type ArgumentType,
  MACHINE_METHOD_NAMES,
  MACHINE_METHODS,
  type MachineMethodName,
  parseInjectFaultArguments,
} from './method-arguments.ts';
import { shownState } from './operating-state.ts';

const DATA_TYPES: Record<ArgumentType, DataType> = {
  String: DataType.String,
  Double: DataType.Double,
  DateTime: DataType.DateTime,
  UInt32: DataType.UInt32,
};

const SEE = PermissionType.Browse | PermissionType.Read | PermissionType.ReadRolePermissions;
/** Everyone may see the methods; only authenticated users may call them. */
const ROLE_PERMISSIONS = [
  { roleId: WellKnownRoles.Anonymous, permissions: SEE },
  { roleId: WellKnownRoles.AuthenticatedUser, permissions: SEE | PermissionType.Call },
];

/** Longest status text a client gets (OPC 10000-4 §7.12 allows 256 bytes of localized text). */
const MAX_STATUS_TEXT = 250;

export interface MachineMethodHooks {
  control: MachineControl;
  /** Wall clock (tests may pin it). */
  now?: () => number;
  /** Called after a call changed the machine, with the truth right after it (to refresh the shown state at once). */
  changed(truth: MachineTruth): void;
}

export function addMachineMethods(
  ns: Namespace,
  machine: UAObject,
  machineId: string,
  hooks: MachineMethodHooks,
): Record<MachineMethodName, UAMethod> {
  const log = logger('machine-methods', { machine: machineId });
  const now = hooks.now ?? Date.now;
  const methods = {} as Record<MachineMethodName, UAMethod>;
  for (const name of MACHINE_METHOD_NAMES) {
    const spec = MACHINE_METHODS[name];
    const method = ns.addMethod(machine, {
      browseName: name,
      description: spec.description,
      inputArguments: spec.inputs.map((a) => ({ name: a.name, dataType: DATA_TYPES[a.type], valueRank: -1, description: a.description })),
      outputArguments: spec.outputs.map((a) => ({ name: a.name, dataType: DATA_TYPES[a.type], valueRank: -1, description: a.description })),
      rolePermissions: ROLE_PERMISSIONS,
    });
    method.bindMethod(async (inputArguments: Variant[], context: ISessionContext): Promise<MethodResult> => {
      const user = userOf(context);
      if (user === null) {
        log.warn({ method: name }, 'method call refused: anonymous session');
        return {
          statusCode: StatusCodes.BadUserAccessDenied,
          statusText: `${name} needs an authenticated user: open the session with a user name and password`,
        };
      }
      const values = inputArguments.map((v) => v.value as unknown);
      try {
        const atMs = now();
        const outputs = run(name, values, atMs, hooks.control);
        const truth = hooks.control.truthAt(atMs);
        hooks.changed(truth);
        log.info({ method: name, user, args: values, state: truth.state, life: truth.life }, 'method called');
        return { statusCode: StatusCodes.Good, outputArguments: outputs };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log.warn({ method: name, user, args: values, err: describeError(err) }, 'method call refused');
        const index = err instanceof ArgumentError ? err.argumentIndex : -1;
        return {
          statusCode: StatusCodes.BadInvalidArgument,
          statusText: message.length > MAX_STATUS_TEXT ? `${message.slice(0, MAX_STATUS_TEXT - 1)}…` : message,
          inputArgumentResults: values.map((_, i) => (i === index ? StatusCodes.BadInvalidArgument : StatusCodes.Good)),
        };
      }
    });
    methods[name] = method;
  }
  return methods;
}

/** The user name of an authenticated session, or null for an anonymous one. */
function userOf(context: ISessionContext): string | null {
  const token = context.session?.userIdentityToken;
  return token instanceof UserNameIdentityToken ? (token.userName ?? '') : null;
}

function run(name: MachineMethodName, values: unknown[], atMs: number, control: MachineControl): VariantOptions[] {
  const state = (): VariantOptions => ({ dataType: DataType.String, value: shownState(control.truthAt(atMs)).operatingState });
  switch (name) {
    case 'InjectFault': {
      const spec = parseInjectFaultArguments(values);
      const before = control.truthAt(atMs).faults.length;
      control.injectFault(spec, atMs);
      const fault = control.truthAt(atMs).faults[before];
      const date = (ms: number | null | undefined): VariantOptions => ({
        dataType: DataType.DateTime,
        value: ms === null || ms === undefined ? null : new Date(ms),
      });
      return [date(fault?.onsetAtMs), date(fault?.failureAtMs)];
    }
    case 'Stop':
      control.stop(atMs);
      return [state()];
    case 'Start':
      control.start(atMs);
      return [state()];
    case 'Repair':
      control.repair(atMs);
      return [state(), { dataType: DataType.UInt32, value: control.truthAt(atMs).life }];
  }
}
