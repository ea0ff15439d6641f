/**
 * The operator's side of the machine methods: connect to a simulated machine's server
 * (SignAndEncrypt with the strongest policy it offers, user name and password, the operator's own
 * client certificate), find the
 * machine object, call InjectFault / Stop / Start / Repair and report what the server answered,
 * including its status text. Every failure becomes a PdmError that says what to do.
 */

import { join } from 'node:path';
import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  DataType,
  MessageSecurityMode,
  NodeClass,
  type NodeId,
  OPCUACertificateManager,
  OPCUAClient,
  type ReferenceDescription,
  UserTokenType,
  type VariantOptions,
} from 'node-opcua';
import { PdmError } from '../../../common/errors.ts';
import { VIBRATION_FOLDER } from '../../opcua/address-space-model.ts';
import { ensureOwnCertificate } from '../../opcua/pki.ts';
import { chooseEndpoint, policyUri, serverEndpoints } from '../../opcua/security.ts';
import { type ArgumentType, MACHINE_METHODS, type MachineMethodName } from './method-arguments.ts';

/** The operator's client certificate lives in `<pkiRoot>/operator`; `pdm simulate` trusts it on every machine. */
export function operatorPkiDir(pkiRoot: string): string {
  return join(pkiRoot, 'operator');
}
export const OPERATOR_APPLICATION_URI = 'urn:pdm:operator';

/** RequestHeader.returnDiagnostics: operation-level SymbolicId (0x20) and LocalizedText (0x40). */
const DIAGNOSTICS_SYMBOL_AND_TEXT = 0x60;

const VARIANT_TYPES: Record<ArgumentType, DataType> = {
  String: DataType.String,
  Double: DataType.Double,
  DateTime: DataType.DateTime,
  UInt32: DataType.UInt32,
};

export interface OperatorConnection {
  endpoint: string;
  credentials: { username: string; password: string };
  /** The operator's PKI folder (client certificate created there on first use). */
  pkiDir: string;
  securityMode?: 'SignAndEncrypt' | 'Sign';
}

export interface MethodOutcome {
  machine: string;
  method: MachineMethodName;
  /** Name of the status code the server returned, e.g. Good, BadInvalidArgument. */
  status: string;
  ok: boolean;
  /** The server's status text (why it refused). */
  message?: string;
  /** Output arguments by name. */
  outputs: Record<string, unknown>;
}

/** Connect, call `method` on the machine (`machine` may be omitted when the server has one), disconnect. */
export async function callMachineMethod(
  conn: OperatorConnection,
  call: { machine?: string; method: MachineMethodName; args?: Record<string, string | number> },
): Promise<MethodOutcome> {
  const certificate = await ensureOwnCertificate(conn.pkiDir, 'client', OPERATOR_APPLICATION_URI, 'pdm-operator');
  const clientCertificateManager = new OPCUACertificateManager({ rootFolder: conn.pkiDir, automaticallyAcceptUnknownCertificate: false });
  await clientCertificateManager.initialize();
  const mode = conn.securityMode ?? 'SignAndEncrypt';
  // The strongest policy the machine offers (a fleet may offer only some of them).
  let endpoints;
  try {
    endpoints = await serverEndpoints(conn.endpoint, {
      applicationName: 'pdm-operator',
      applicationUri: OPERATOR_APPLICATION_URI,
      clientCertificateManager,
    });
  } catch (err) {
    await clientCertificateManager.dispose().catch(() => undefined);
    throw classifyConnectError(conn, certificate, err);
  }
  const choice = chooseEndpoint(endpoints, mode);
  if (!choice.ok) {
    await clientCertificateManager.dispose().catch(() => undefined);
    throw new PdmError('PDM_ERR_OPCUA_SECURITY', `${conn.endpoint}: ${choice.problem}`, {
      endpoint: conn.endpoint,
      offered: choice.offered,
    });
  }
  const client = OPCUAClient.create({
    applicationName: 'pdm-operator',
    applicationUri: OPERATOR_APPLICATION_URI,
    clientCertificateManager,
    securityMode: MessageSecurityMode[mode],
    securityPolicy: policyUri(choice.policy),
    endpointMustExist: false,
    // One attempt: an operator command must fail fast and say why, not retry forever.
    connectionStrategy: { initialDelay: 200, maxDelay: 1000, maxRetry: 0 },
  });
  try {
    try {
      await client.connect(conn.endpoint);
    } catch (err) {
      throw classifyConnectError(conn, certificate, err);
    }
    let session: ClientSession;
    try {
      session = await client.createSession({
        type: UserTokenType.UserName,
        userName: conn.credentials.username,
        password: conn.credentials.password,
      });
    } catch (err) {
      throw classifySessionError(conn, certificate, err);
    }
    try {
      return await callOnSession(session, conn.endpoint, call);
    } finally {
      await session.close().catch(() => undefined);
    }
  } finally {
    await client.disconnect().catch(() => undefined);
    await clientCertificateManager.dispose().catch(() => undefined);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function classifyConnectError(conn: OperatorConnection, certificate: string, err: unknown): PdmError {
  const message = messageOf(err);
  const unreachable = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|premature disconnection|Fail to connect/i.test(message);
  if (!unreachable && /BadSecurityChecksFailed|BadCertificate|rejected by server|certificate/i.test(message)) {
    return new PdmError(
      'PDM_ERR_OPCUA_SECURITY',
      `${conn.endpoint}: no secure channel (${firstLine(message)}): this client (certificate ${certificate}) and the server must trust each other's certificates. Use --pki with the operator PKI pdm simulate set up (<its --pki>/operator), or copy each certificate into the other's trusted/certs`,
      { endpoint: conn.endpoint, certificate },
      { cause: err },
    );
  }
  return new PdmError(
    'PDM_ERR_OPCUA_CONNECT',
    `cannot connect to ${conn.endpoint} (${firstLine(message)}): is pdm simulate running, and are the host, port and path (/pdm/<machine>) right?`,
    { endpoint: conn.endpoint },
    { cause: err },
  );
}

function classifySessionError(conn: OperatorConnection, certificate: string, err: unknown): PdmError {
  const message = messageOf(err);
  if (/BadIdentityToken|BadUserAccessDenied|user/i.test(message)) {
    return new PdmError(
      'PDM_ERR_OPCUA_SECURITY',
      `${conn.endpoint} refused user "${conn.credentials.username}" (${firstLine(message)}): set PDM_OPCUA_USER and PDM_OPCUA_PASSWORD to a user of the fleet file's opcua.users`,
      { endpoint: conn.endpoint },
      { cause: err },
    );
  }
  return classifyConnectError(conn, certificate, err);
}

function firstLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .slice(0, 200);
}

async function children(session: ClientSession, nodeId: NodeId | string): Promise<ReferenceDescription[]> {
  const result = await session.browse({
    nodeId,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: 'HierarchicalReferences',
    includeSubtypes: true,
    nodeClassMask: 0,
    resultMask: 63,
  });
  return result.references ?? [];
}

/** Machine objects of a server: children of Objects (outside namespace 0) with a Vibration folder. */
async function findMachines(
  session: ClientSession,
): Promise<Array<{ id: string; ref: ReferenceDescription; children: ReferenceDescription[] }>> {
  const out = [];
  for (const ref of await children(session, 'ns=0;i=85')) {
    if (ref.nodeClass !== NodeClass.Object || ref.browseName.namespaceIndex === 0) continue;
    const kids = await children(session, ref.nodeId);
    if (kids.some((k) => k.browseName.name === VIBRATION_FOLDER)) out.push({ id: ref.browseName.name ?? '', ref, children: kids });
  }
  return out;
}

async function callOnSession(
  session: ClientSession,
  endpoint: string,
  call: { machine?: string; method: MachineMethodName; args?: Record<string, string | number> },
): Promise<MethodOutcome> {
  const machines = await findMachines(session);
  const known = machines.map((m) => m.id).join(', ') || 'none';
  const machine =
    call.machine === undefined ? (machines.length === 1 ? machines[0] : undefined) : machines.find((m) => m.id === call.machine);
  if (!machine) {
    const why =
      call.machine === undefined
        ? `serves ${machines.length} machines (${known}): name one with --machine`
        : `has no machine "${call.machine}" (it serves: ${known})`;
    throw new PdmError('PDM_ERR_OPCUA_NODE', `${endpoint} ${why}`, { endpoint });
  }
  const methodRef = machine.children.find((c) => c.nodeClass === NodeClass.Method && c.browseName.name === call.method);
  if (!methodRef)
    throw new PdmError(
      'PDM_ERR_OPCUA_NODE',
      `${endpoint}: machine ${machine.id} has no method ${call.method} (is it a pdm simulator of this version?)`,
      { endpoint },
    );
  const spec = MACHINE_METHODS[call.method];
  const inputArguments: VariantOptions[] = spec.inputs.map((a) => {
    const value = call.args?.[a.name];
    if (value === undefined) throw new PdmError('PDM_ERR_INPUT_VALUE', `${call.method} needs ${a.name} (${a.description})`);
    return { dataType: VARIANT_TYPES[a.type], value };
  });
  const executable = await session.read({ nodeId: methodRef.nodeId, attributeId: AttributeIds.UserExecutable });
  const { results, diagnosticStrings } = await session.callWithDiagnostics(
    [{ objectId: machine.ref.nodeId, methodId: methodRef.nodeId, inputArguments }],
    DIAGNOSTICS_SYMBOL_AND_TEXT,
  );
  const result = results[0];
  const status = result.statusCode.name;
  const outputs: Record<string, unknown> = {};
  (result.outputArguments ?? []).forEach((v, i) => {
    outputs[spec.outputs[i]?.name ?? `output${i}`] = v.value;
  });
  const text = diagnosticStrings[0]?.localizedText ?? undefined;
  const message =
    text ??
    (executable.value.value === false && status === 'BadUserAccessDenied' ? 'this user may not call the machine methods' : undefined);
  return { machine: machine.id, method: call.method, status, ok: result.statusCode.isGood(), ...(message ? { message } : {}), outputs };
}
