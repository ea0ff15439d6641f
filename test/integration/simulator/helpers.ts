/**
 * Helpers for the simulator's integration tests: small fleet entries, the collector's real OPC UA
 * input counting what it receives, and a plain client session for reading nodes.
 */
import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  MessageSecurityMode,
  type NodeId,
  OPCUACertificateManager,
  OPCUAClient,
  type ReferenceDescription,
  SecurityPolicy,
  type UserIdentityInfo,
  UserTokenType,
} from 'node-opcua';
import { type CollectedBlock, OpcuaMachineInput } from '../../../ingest/collector/opcua-machine-input.ts';
import { RunStateSpans } from '../../../ingest/collector/run-state-spans.ts';

export const USER = { username: 'operator', password: `pw-${Math.random().toString(36).slice(2)}` };
export const USER_ENV = { SIM_TEST_USER: USER.username, SIM_TEST_PASSWORD: USER.password };
export const USERS_FROM_ENV = [{ usernameEnv: 'SIM_TEST_USER', passwordEnv: 'SIM_TEST_PASSWORD' }];

/** A fleet entry: a 5.5 kW pump with one triaxial accelerometer (3 × 25.6 kHz, 100 ms blocks). */
export function pumpEntry(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    type: 'pump',
    identification: { manufacturer: 'ACME Pumps', model: 'AP-55', serialNumber: `SN-${id}` },
    ratedPowerKw: 5.5,
    nominalSpeedRpm: 1450,
    lineFrequencyHz: 50,
    poles: 4,
    operatingModes: [{ mode: 'full', durationS: 3600, loadPct: 80 }],
    bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
    sensors: { vibration: [{ location: 'DE', axes: ['X', 'Y', 'Z'] }] },
    ...overrides,
  };
}

/** What the collector's OPC UA input delivered, per channel, in arrival order. */
export interface CollectorView {
  input: OpcuaMachineInput;
  seqs: Map<string, number[]>;
  /** Sequence jumps seen per channel: [last before, first after]. */
  gaps: Map<string, Array<[number, number]>>;
  blocks: CollectedBlock[];
  /** The machine's Machinery state as the collector follows it (when it was not running). */
  runState: RunStateSpans;
  states: string[];
  stop(): Promise<void>;
}

export async function collectorView(
  endpoint: string,
  pkiDir: string,
  credentials: { username: string; password: string } | null = USER,
): Promise<CollectorView> {
  const seqs = new Map<string, number[]>();
  const gaps = new Map<string, Array<[number, number]>>();
  const blocks: CollectedBlock[] = [];
  const runState = new RunStateSpans();
  const states: string[] = [];
  const input = new OpcuaMachineInput(
    {
      endpoint,
      security: { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' },
      credentials,
      pkiDir,
      publishingIntervalMs: 100,
      reconnectMaxDelayMs: 2000,
    },
    {
      block(b) {
        blocks.push(b);
        const list = seqs.get(b.channel) ?? [];
        const last = list.at(-1);
        const seq = b.seq!; // the simulator always has a block counter
        if (last !== undefined && seq !== last + 1) gaps.set(b.channel, [...(gaps.get(b.channel) ?? []), [last, seq]]);
        list.push(seq);
        seqs.set(b.channel, list);
      },
      energy() {},
      runState(state, atMs) {
        states.push(state);
        runState.observe(state, atMs);
      },
    },
  );
  await input.start();
  return { input, seqs, gaps, blocks, runState, states, stop: () => input.stop() };
}

/** A client session (SignAndEncrypt) with small browse/read helpers. */
export interface ReadSession {
  session: ClientSession;
  children(nodeId: NodeId | string): Promise<ReferenceDescription[]>;
  /** Node of a browse-name path below `from` (names without namespace). */
  find(from: NodeId | string, ...path: string[]): Promise<ReferenceDescription>;
  value(nodeId: NodeId): Promise<unknown>;
  close(): Promise<void>;
}

export async function readSession(
  endpoint: string,
  pkiDir: string,
  identity: UserIdentityInfo = { type: UserTokenType.UserName, userName: USER.username, password: USER.password },
  applicationUri = 'urn:pdm:collector',
): Promise<ReadSession> {
  const clientCertificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: false });
  await clientCertificateManager.initialize();
  const client = OPCUAClient.create({
    applicationUri,
    clientCertificateManager,
    securityMode: MessageSecurityMode.SignAndEncrypt,
    securityPolicy: SecurityPolicy.Basic256Sha256,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
  });
  await client.connect(endpoint);
  let session: ClientSession;
  try {
    session = await client.createSession(identity);
  } catch (err) {
    await client.disconnect();
    throw err;
  }
  const children = async (nodeId: NodeId | string) =>
    (
      await session.browse({
        nodeId,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        nodeClassMask: 0,
        resultMask: 63,
      })
    ).references ?? [];
  const find = async (from: NodeId | string, ...path: string[]) => {
    let node: ReferenceDescription | undefined;
    let at: NodeId | string = from;
    for (const name of path) {
      node = (await children(at)).find((c) => c.browseName.name === name);
      if (!node) throw new Error(`no ${name} below ${at.toString()} (path ${path.join('/')})`);
      at = node.nodeId;
    }
    return node!;
  };
  return {
    session,
    children,
    find,
    value: async (nodeId) => (await session.read({ nodeId, attributeId: AttributeIds.Value })).value.value as unknown,
    close: async () => {
      await session.close().catch(() => undefined);
      await client.disconnect();
      await clientCertificateManager.dispose();
    },
  };
}

export const OBJECTS = 'ns=0;i=85';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
