/**
 * What to subscribe to on one machine's OPC UA server: its waveform channels (a waveform, its
 * sequence number, sample rate, block size and units) and its energy values. Found by browsing
 * the address space (the default: adding a machine needs only its endpoint) or taken from an
 * explicit node list (`nodes:` in the configuration, for servers laid out differently), and in
 * both cases checked: a node that does not exist or a waveform that is not an array waveform is
 * a PDM_ERR_OPCUA_NODE naming the machine, the channel and the node.
 *
 * A waveform is any one-dimensional array variable (a YArrayItemType or the plain
 * BaseDataVariableType most gateways and PLCs expose) of Float or Double, or of Int16/Int32 counts
 * with a configured scale (data loggers). Its block counter is optional: without one, continuity
 * is judged from the SourceTimestamp (block-continuity.ts); UInt16/UInt32 counters may wrap.
 *
 * Block size comes from the server (the array's length, else ArrayDimensions, else the
 * XAxisDefinition). The sample rate, in order: a node (the configured one, else a SampleRate
 * variable beside the waveform), the XAxisDefinition's time range ((N - 1) / range), the
 * configuration (a number in Hz); none of them stops the machine with an error naming the field.
 *
 * What a channel measures (common/channels.ts): units from the waveform's EngineeringUnits when
 * the server has them, else from the configuration (`nodes.channels[].units`); neither is a
 * PDM_ERR_CONFIG_INVALID for that machine, never a silent 'g'. Location, axis and quantity from the
 * configuration, else the quantity the units measure and the id convention <location>_<axis>.
 */
import {
  AttributeIds,
  BrowseDirection,
  type ClientSession,
  coerceNodeId,
  DataType,
  NodeClass,
  type NodeId,
  type ReferenceDescription,
  StatusCodes,
} from 'node-opcua';
import {
  type ChannelDeclaration,
  type ChannelMeaning,
  type DeclarationSource,
  locationAxisFromId,
  resolveChannel,
} from '../../common/channels.ts';
import { PdmError } from '../../common/errors.ts';
import { SCALAR_FEATURES, type ScalarFeatureField, type ScalarFeatureKey, scalarUnits, toCanonical } from '../../common/scalar-features.ts';
import {
  ENERGY_FOLDER,
  ENERGY_VARIABLES,
  type EnergyField,
  SAMPLE_RATE,
  SEQUENCE_NUMBER,
  VIBRATION_FOLDER,
  WAVEFORM,
} from '../opcua/address-space-model.ts';

export interface WaveformChannel {
  channel: string;
  waveformNode: NodeId;
  /** The block counter; undefined: continuity from the SourceTimestamp. */
  sequenceNode: NodeId | undefined;
  /** Width of a counter that wraps to 0 after its maximum (UInt16, UInt32); undefined: it does not wrap. */
  counterBits: 16 | 32 | undefined;
  /** What the array holds; integer counts are scaled. */
  sampleType: SampleType;
  /** value = raw * scale + offset; undefined: the samples as the server sends them. */
  scaling: { scale: number; offset: number } | undefined;
  sampleRateHz: number;
  /** Where the sample rate came from, for the log ("node ns=2;s=Fs", "XAxisDefinition", "the configuration"). */
  sampleRateFrom: string;
  blockSize: number;
  units: string;
  /** Location, axis, quantity and units (checked): what every frame of this channel carries. */
  meaning: ChannelMeaning;
}

export interface EnergyNode {
  nodeId: NodeId;
  field: EnergyField;
}

/** One overall value of a scalar sensor: its node, and how its units become the wire field's. */
export interface ScalarValueNode {
  key: ScalarFeatureKey;
  field: ScalarFeatureField;
  nodeId: NodeId;
  /** The units the server or the configuration gave (for the log). */
  units: string;
  toCanonical: (v: number) => number;
}

/** A scalar vibration sensor (IO-Link, 4-20 mA): overall values, no waveform. */
export interface ScalarChannel {
  channel: string;
  location: string;
  axis: string;
  /** How often the sensor updates its values, ms (configured; 1000 when browsed). */
  periodMs: number;
  values: ScalarValueNode[];
}

export interface DiscoveredMachine {
  machineId: string;
  /** MachineryItemState.CurrentState (OPC 40001-1), when the server has it: whether the machine runs. */
  runStateNode?: NodeId;
  channels: WaveformChannel[];
  /** Scalar sensors; a machine may have only these. */
  scalars: ScalarChannel[];
  energy: EnergyNode[];
}

/** Explicit node ids for servers whose address space is not laid out as ours. */
export interface ExplicitNodes {
  channels: Array<ExplicitChannel>;
  scalars?: Array<ExplicitScalar>;
  /** Energy browse name (ActivePower, Current...) -> node id. */
  energy?: Record<string, string>;
}

export type ExplicitChannel = {
  channel: string;
  waveform: string;
  sequence?: string;
  /** A node id, or a number in Hz (used when the server has neither a node nor an XAxisDefinition). */
  sampleRate?: string | number;
  scale?: number;
  offset?: number;
} & ChannelDeclaration;

export type ExplicitScalar = {
  channel: string;
  units?: Partial<Record<ScalarFeatureKey, string>>;
  location?: string;
  axis?: string;
  periodMs?: number;
} & Partial<Record<ScalarFeatureKey, string>>;

/** Scalar sensors update about once a second (IO-Link process data, a 4-20 mA transmitter's averaging). */
export const DEFAULT_SCALAR_PERIOD_MS = 1000;

export type SampleType = 'Float' | 'Double' | 'Int16' | 'Int32';
const SAMPLE_TYPES = new Map<number, SampleType>([
  [DataType.Float, 'Float'],
  [DataType.Double, 'Double'],
  [DataType.Int16, 'Int16'],
  [DataType.Int32, 'Int32'],
]);
const COUNTER_TYPES = new Set<number>([DataType.UInt64, DataType.UInt32, DataType.UInt16, DataType.Int64, DataType.Int32]);
/** Counters that wrap to 0 (a 16-bit counter at 10 blocks/s wraps every 109 minutes). */
const WRAPPING_COUNTERS = new Map<number, 16 | 32>([
  [DataType.UInt16, 16],
  [DataType.UInt32, 32],
]);
/**
 * Value ranks under which the current value decides: OneOrMoreDimensions (asyncua's default for
 * a new variable), Any, ScalarOrOneDimension, and Scalar, which sloppy servers leave on array
 * variables: a Variant that holds a one-dimensional array is one, whatever the attribute says.
 */
const VALUE_DECIDES_RANKS = new Set([0, -1, -2, -3]);

/** Where a problem is, for messages: "pump-01 (opc.tcp://...)". */
export interface MachineLabel {
  label: string;
  endpoint: string;
}

/** A waveform without a value yet: retriable (the supervisor tries again with its backoff). */
function notYet(where: MachineLabel, what: string): PdmError {
  return new PdmError('PDM_ERR_OPCUA_CONNECT', `machine ${where.label}: ${what}; waiting for the first block`, {
    endpoint: where.endpoint,
  });
}

function nodeError(where: MachineLabel, what: string): PdmError {
  return new PdmError('PDM_ERR_OPCUA_NODE', `machine ${where.label}: ${what}`, { endpoint: where.endpoint });
}

/** A machine object found on a server: an object with a Vibration folder, its browse name the machine id. */
interface MachineObject {
  id: string;
  ref: ReferenceDescription;
  children: ReferenceDescription[];
}

/** Folders below Objects searched for machine objects: gateways put them in Objects/<folder>/ or DI's DeviceSet/<device>/... */
const SEARCH_DEPTH = 3;
/** Nodes browsed at most while searching (a server with a huge address space is not walked whole). */
const SEARCH_LIMIT = 5000;

/** The hierarchical children of each node, in one Browse request. */
async function browseMany(session: ClientSession, nodeIds: Array<NodeId | string>): Promise<ReferenceDescription[][]> {
  if (nodeIds.length === 0) return [];
  const results = await session.browse(
    nodeIds.map((nodeId) => ({
      nodeId,
      browseDirection: BrowseDirection.Forward,
      includeSubtypes: true,
      nodeClassMask: 0,
      resultMask: 63,
      referenceTypeId: 'HierarchicalReferences',
    })),
  );
  return results.map((r) => r.references ?? []);
}

async function browseChildren(session: ClientSession, nodeId: NodeId | string): Promise<ReferenceDescription[]> {
  const [children] = await browseMany(session, [nodeId]);
  return children ?? [];
}

/**
 * The machine objects of a server: objects with a Vibration folder, directly under Objects (a
 * machine's own server, our gateway) or in folders below it, up to SEARCH_DEPTH levels (other
 * vendors' gateways: Objects/<folder>/<machine>, Objects/DeviceSet/<machine>). One object reached
 * by two paths (Objects and Machinery's Machines folder) counts once. With an expected id, a
 * direct child of Objects by that name is taken without searching further.
 */
async function findMachineObjects(session: ClientSession, expectedId?: string): Promise<MachineObject[]> {
  const found = new Map<string, MachineObject>();
  const seen = new Set<string>();
  let frontier = (await browseChildren(session, 'ns=0;i=85')).filter(
    (r) => r.nodeClass === NodeClass.Object && r.browseName.namespaceIndex !== 0,
  );
  let browsed = 0;
  if (expectedId !== undefined) {
    const direct = frontier.filter((r) => r.browseName.name === expectedId);
    const kids = await browseMany(
      session,
      direct.map((r) => r.nodeId),
    );
    const i = kids.findIndex((k) => k.some((c) => c.browseName.name === VIBRATION_FOLDER));
    if (i >= 0) return [{ id: expectedId, ref: direct[i], children: kids[i] }];
  }
  for (let depth = 0; depth < SEARCH_DEPTH && frontier.length > 0 && browsed < SEARCH_LIMIT; depth++) {
    frontier = frontier.filter((r) => {
      const key = r.nodeId.toString();
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    frontier = frontier.slice(0, SEARCH_LIMIT - browsed);
    browsed += frontier.length;
    const kids = await browseMany(
      session,
      frontier.map((r) => r.nodeId),
    );
    const next: ReferenceDescription[] = [];
    frontier.forEach((ref, i) => {
      if (kids[i].some((c) => c.browseName.name === VIBRATION_FOLDER)) {
        found.set(ref.nodeId.toString(), { id: ref.browseName.name ?? '', ref, children: kids[i] });
        return;
      }
      // Folders and objects that hold others; a machine's own parts are not searched (it is a machine or not).
      for (const c of kids[i]) if (c.nodeClass === NodeClass.Object && c.browseName.namespaceIndex !== 0) next.push(c);
    });
    frontier = next;
  }
  return [...found.values()];
}

/**
 * Find the machine on the server and browse its
 * Vibration/<channel>/{Waveform,SequenceNumber,SampleRate} and Energy/*. With `expectedId` (the
 * configured id), the machine object of that browse name, wherever findMachineObjects finds it;
 * without, the only machine the server serves. A missing id, or several machines and no id, is a
 * PDM_ERR_OPCUA_NODE naming the endpoint and the ids found.
 */
export async function browseMachine(session: ClientSession, where: MachineLabel, expectedId?: string): Promise<DiscoveredMachine> {
  const machines = await findMachineObjects(session, expectedId);
  if (machines.length === 0)
    throw nodeError(
      where,
      `no machine with waveform channels found (expected Objects/<machine>/${VIBRATION_FOLDER}/<channel>/${WAVEFORM}, or <machine> in a folder up to ${SEARCH_DEPTH} levels below Objects); list the node ids under nodes: if the server is laid out differently`,
    );
  const ids = [...new Set(machines.map((m) => m.id))].sort();
  const listed = ids.length > 20 ? `${ids.slice(0, 20).join(', ')} and ${ids.length - 20} more` : ids.join(', ');
  let chosen: MachineObject | undefined;
  if (expectedId !== undefined) {
    const named = machines.filter((m) => m.id === expectedId);
    // A server of one machine: the machine's own server, reached at the wrong endpoint or with the wrong id.
    if (named.length === 0 && machines.length === 1)
      throw nodeError(where, `the server serves machine '${machines[0].id}', not '${expectedId}'; fix the endpoint or the id`);
    if (named.length === 0)
      throw nodeError(
        where,
        `the server at ${where.endpoint} has no machine '${expectedId}': it serves ${ids.length} (${listed}); fix the id or the endpoint`,
      );
    if (named.length > 1)
      throw nodeError(
        where,
        `the server at ${where.endpoint} has ${named.length} machine objects named '${expectedId}': list its node ids under nodes:`,
      );
    chosen = named[0];
  } else if (machines.length > 1) {
    throw nodeError(
      where,
      `the server at ${where.endpoint} serves ${machines.length} machines (${listed}), a gateway: set this machine's id to the one to collect, one entry per machine`,
    );
  } else chosen = machines[0];
  return describeMachine(session, where, chosen);
}

/** The channels, scalar sensors, energy values and run state of a machine object. */
async function describeMachine(session: ClientSession, where: MachineLabel, { ref, children }: MachineObject): Promise<DiscoveredMachine> {
  const vib = children.find((c) => c.browseName.name === VIBRATION_FOLDER)!;
  const machineId = ref.browseName.name ?? '';
  const label: MachineLabel = { label: `${machineId} (${where.endpoint})`, endpoint: where.endpoint };
  const channels: WaveformChannel[] = [];
  const scalars: ScalarChannel[] = [];
  for (const chan of await browseChildren(session, vib.nodeId)) {
    const items = await browseChildren(session, chan.nodeId);
    const waveform = items.find((i) => i.browseName.name === WAVEFORM);
    const sequence = items.find((i) => i.browseName.name === SEQUENCE_NUMBER);
    const rate = items.find((i) => i.browseName.name === SAMPLE_RATE);
    const name = chan.browseName.name ?? '';
    if (!waveform) {
      // A channel of overall values only (VelocityRms, AccelerationRms...): a scalar sensor.
      const nodes: Partial<Record<ScalarFeatureKey, NodeId>> = {};
      for (const f of SCALAR_FEATURES) {
        const n = items.find((i) => i.browseName.name === f.browseName);
        if (n) nodes[f.key] = n.nodeId;
      }
      if (Object.keys(nodes).length > 0)
        scalars.push(await checkScalar(session, label, { channel: name, nodes, periodMs: DEFAULT_SCALAR_PERIOD_MS }));
      continue;
    }
    // Without a SequenceNumber, continuity comes from the SourceTimestamp.
    channels.push(
      await checkChannel(session, label, {
        channel: name,
        waveformNode: waveform.nodeId,
        sequenceNode: sequence?.nodeId,
        rateNode: rate?.nodeId,
      }),
    );
  }
  if (channels.length === 0 && scalars.length === 0)
    throw nodeError(label, `no waveform channels and no scalar sensors under ${machineId}/${VIBRATION_FOLDER}`);
  const energyFolder = children.find((c) => c.browseName.name === ENERGY_FOLDER);
  const energy: EnergyNode[] = [];
  if (energyFolder) {
    for (const e of await browseChildren(session, energyFolder.nodeId)) {
      const v = ENERGY_VARIABLES.find((x) => x.browseName === e.browseName.name);
      if (v) energy.push({ nodeId: e.nodeId, field: v.field });
    }
  }
  const runStateNode = await findRunState(session, children);
  return { machineId, channels, scalars, energy, ...(runStateNode ? { runStateNode } : {}) };
}

/** MachineryBuildingBlocks/MachineryItemState/CurrentState under the machine, when the server follows OPC 40001-1. */
async function findRunState(session: ClientSession, machineChildren: ReferenceDescription[]): Promise<NodeId | undefined> {
  const blocks = machineChildren.find((c) => c.browseName.name === 'MachineryBuildingBlocks');
  if (!blocks) return undefined;
  const item = (await browseChildren(session, blocks.nodeId)).find((c) => c.browseName.name === 'MachineryItemState');
  if (!item) return undefined;
  return (await browseChildren(session, item.nodeId)).find((c) => c.browseName.name === 'CurrentState')?.nodeId;
}

/** Check explicitly configured nodes (`nodes:`), for a machine whose id is configured. */
export async function explicitMachine(
  session: ClientSession,
  where: MachineLabel,
  machineId: string,
  nodes: ExplicitNodes,
): Promise<DiscoveredMachine> {
  const channels: WaveformChannel[] = [];
  for (const [i, c] of nodes.channels.entries()) {
    const { location, axis, quantity, units } = c;
    const field = `nodes.channels[${i}]`;
    channels.push(
      await checkChannel(session, where, {
        channel: c.channel,
        waveformNode: parseNodeId(where, c.waveform, `${c.channel} waveform`),
        sequenceNode: c.sequence ? parseNodeId(where, c.sequence, `${c.channel} sequence`) : undefined,
        rateNode: typeof c.sampleRate === 'string' ? parseNodeId(where, c.sampleRate, `${c.channel} sampleRate`) : undefined,
        configuredRateHz: typeof c.sampleRate === 'number' ? c.sampleRate : undefined,
        scale: c.scale,
        offset: c.offset,
        field,
        configured: { from: `the collector config (${field})`, declaration: { location, axis, quantity, units } },
      }),
    );
  }
  const scalars: ScalarChannel[] = [];
  for (const [i, c] of (nodes.scalars ?? []).entries()) {
    const field = `nodes.scalars[${i}]`;
    const ids: Partial<Record<ScalarFeatureKey, NodeId>> = {};
    for (const f of SCALAR_FEATURES) {
      const text = c[f.key];
      if (text !== undefined) ids[f.key] = parseNodeId(where, text, `${c.channel} ${f.key}`);
    }
    scalars.push(
      await checkScalar(session, where, {
        channel: c.channel,
        nodes: ids,
        periodMs: c.periodMs ?? DEFAULT_SCALAR_PERIOD_MS,
        field,
        units: c.units,
        location: c.location,
        axis: c.axis,
      }),
    );
  }
  const energy: EnergyNode[] = [];
  for (const [name, id] of Object.entries(nodes.energy ?? {})) {
    const v = ENERGY_VARIABLES.find((x) => x.browseName === name);
    if (!v) throw nodeError(where, `energy value '${name}' is not one of ${ENERGY_VARIABLES.map((x) => x.browseName).join(', ')}`);
    const nodeId = parseNodeId(where, id, `energy ${name}`);
    await readAttributes(session, where, nodeId, `energy ${name}`);
    energy.push({ nodeId, field: v.field });
  }
  return { machineId, channels, scalars, energy };
}

function parseNodeId(where: MachineLabel, text: string, role: string): NodeId {
  try {
    return coerceNodeId(text);
  } catch {
    throw nodeError(where, `${role} node id '${text}' is not an OPC UA node id (e.g. ns=2;s=Pump/DE_X/Waveform)`);
  }
}

interface NodeFacts {
  nodeClass: number;
  dataType: number | undefined;
  valueRank: number;
  /** The current value; undefined when the server has none yet (a bad status such as BadWaitingForInitialData). */
  value: unknown;
  valueStatus: string;
  arrayDimensions: number[] | null;
}

async function readAttributes(session: ClientSession, where: MachineLabel, nodeId: NodeId, role: string): Promise<NodeFacts> {
  const ids = [AttributeIds.NodeClass, AttributeIds.DataType, AttributeIds.ValueRank, AttributeIds.Value, AttributeIds.ArrayDimensions];
  const dv = await session.read(ids.map((attributeId) => ({ nodeId, attributeId })));
  const cls = dv[0];
  if (cls.statusCode.value === StatusCodes.BadNodeIdUnknown.value || cls.statusCode.value === StatusCodes.BadNodeIdInvalid.value) {
    throw nodeError(where, `${role} node ${nodeId.toString()} does not exist on the server (${cls.statusCode.name})`);
  }
  if (!cls.statusCode.isGood()) throw nodeError(where, `${role} node ${nodeId.toString()} cannot be read (${cls.statusCode.name})`);
  if (cls.value.value !== NodeClass.Variable)
    throw nodeError(
      where,
      `${role} node ${nodeId.toString()} is not a variable (node class ${NodeClass[cls.value.value as number] ?? cls.value.value})`,
    );
  const dataTypeId = dv[1].value.value as NodeId | null;
  return {
    nodeClass: cls.value.value as number,
    dataType: dataTypeId && dataTypeId.namespace === 0 && typeof dataTypeId.value === 'number' ? dataTypeId.value : undefined,
    valueRank: Number(dv[2].value.value),
    value: dv[3].statusCode.isGood() ? dv[3].value.value : undefined,
    valueStatus: dv[3].statusCode.name,
    arrayDimensions: (dv[4].value.value as number[] | null) ?? null,
  };
}

async function typeDefinition(session: ClientSession, nodeId: NodeId): Promise<{ id: NodeId | undefined; name: string }> {
  const r = await session.browse({
    nodeId,
    browseDirection: BrowseDirection.Forward,
    referenceTypeId: 'HasTypeDefinition',
    includeSubtypes: true,
    nodeClassMask: 0,
    resultMask: 63,
  });
  const ref = r.references?.[0];
  if (!ref) return { id: undefined, name: '(none)' };
  const name = await session.read({ nodeId: ref.nodeId, attributeId: AttributeIds.BrowseName });
  return { id: ref.nodeId, name: (name.value.value as { name?: string } | null)?.name ?? ref.nodeId.toString() };
}

async function childByName(session: ClientSession, parent: NodeId, name: string): Promise<NodeId | undefined> {
  return (await browseChildren(session, parent)).find((c) => c.browseName.name === name)?.nodeId;
}

interface ChannelToCheck {
  channel: string;
  waveformNode: NodeId;
  sequenceNode: NodeId | undefined;
  /** Configured or browsed sample-rate node; undefined: look for a SampleRate sibling. */
  rateNode: NodeId | undefined;
  configuredRateHz?: number;
  scale?: number;
  offset?: number;
  /** The configuration entry (nodes.channels[i]) for messages; undefined when browsed. */
  field?: string;
  configured?: DeclarationSource;
}

async function checkChannel(session: ClientSession, where: MachineLabel, c: ChannelToCheck): Promise<WaveformChannel> {
  const { channel, waveformNode } = c;
  const role = `channel ${channel} waveform`;
  const configError = (what: string) =>
    new PdmError('PDM_ERR_CONFIG_INVALID', `machine ${where.label}: channel ${channel}: ${what}`, { endpoint: where.endpoint, channel });
  const wf = await readAttributes(session, where, waveformNode, role);
  const sampleType = wf.dataType === undefined ? undefined : SAMPLE_TYPES.get(wf.dataType);
  const value = wf.value;
  const valueIsArray = Array.isArray(value) || ArrayBuffer.isView(value);
  // One dimension: rank 1, or a rank under which an array value decides (VALUE_DECIDES_RANKS); never a matrix.
  const oneDimensional =
    (wf.valueRank === 1 || (VALUE_DECIDES_RANKS.has(wf.valueRank) && valueIsArray)) && (wf.arrayDimensions?.length ?? 1) <= 1;
  // A variable whose rank leaves the shape to its value, and no value yet (the machine has not
  // produced its first block): not wrong, not known; retried until there is one.
  const undecided = !oneDimensional && value === undefined && VALUE_DECIDES_RANKS.has(wf.valueRank) && sampleType !== undefined;
  if (undecided) throw notYet(where, `${role} node ${waveformNode.toString()} has no value yet (${wf.valueStatus}) to tell its shape`);
  if (sampleType === undefined || !oneDimensional) {
    const type = await typeDefinition(session, waveformNode);
    const shape = wf.valueRank >= 2 ? `${wf.valueRank}-dimensional array` : oneDimensional || wf.valueRank >= 1 ? 'array' : 'scalar';
    throw nodeError(
      where,
      `${role} node ${waveformNode.toString()} is of the wrong type: ${type.name}, ${shape} of ${DataType[wf.dataType ?? -1] ?? `data type ${wf.dataType}`}; expected a one-dimensional Float or Double array, or Int16/Int32 counts with a scale`,
    );
  }
  const integer = sampleType === 'Int16' || sampleType === 'Int32';
  if (integer && c.scale === undefined)
    throw configError(
      `the waveform holds ${sampleType} counts: set ${c.field ?? 'nodes.channels[].'}${c.field ? '.' : ''}scale (and offset if any) to turn them into units${c.field ? '' : ' (list the channel under nodes.channels)'}`,
    );
  const scaling = c.scale !== undefined || c.offset !== undefined ? { scale: c.scale ?? 1, offset: c.offset ?? 0 } : undefined;

  let counterBits: 16 | 32 | undefined;
  if (c.sequenceNode) {
    const seq = await readAttributes(session, where, c.sequenceNode, `channel ${channel} sequence`);
    if (seq.dataType === undefined || !COUNTER_TYPES.has(seq.dataType) || seq.valueRank >= 1) {
      throw nodeError(
        where,
        `channel ${channel} sequence node ${c.sequenceNode.toString()} is not an integer scalar (data type ${DataType[seq.dataType ?? -1] ?? seq.dataType})`,
      );
    }
    counterBits = WRAPPING_COUNTERS.get(seq.dataType);
  }

  // Block size: the array's length, from the value, ArrayDimensions, or the X axis.
  const axis = await readXAxis(session, waveformNode);
  let blockSize = valueIsArray ? (value as ArrayLike<number>).length : 0;
  if (blockSize === 0 && wf.arrayDimensions && wf.arrayDimensions[0] > 0) blockSize = wf.arrayDimensions[0];

  // Sample rate: a node, else the X axis, else the configuration.
  let sampleRateHz = Number.NaN;
  let sampleRateFrom = '';
  const rateNode =
    c.rateNode ?? (await parentOf(session, waveformNode).then((p) => (p ? childByName(session, p, SAMPLE_RATE) : undefined)));
  if (rateNode) {
    const r = await readAttributes(session, where, rateNode, `channel ${channel} sample rate`);
    sampleRateHz = Number(r.value);
    sampleRateFrom = `node ${rateNode.toString()}`;
    if (!(Number.isFinite(sampleRateHz) && sampleRateHz > 0))
      throw nodeError(where, `channel ${channel} sample rate node ${rateNode.toString()} holds ${String(r.value)}, not a rate in Hz`);
  }
  if (axis && axis.high > 0) {
    if (blockSize === 0 && Number.isFinite(sampleRateHz)) blockSize = Math.round(axis.high * sampleRateHz) + 1;
    if (!Number.isFinite(sampleRateHz) && blockSize > 1) {
      sampleRateHz = roundNearInteger((blockSize - 1) / axis.high);
      sampleRateFrom = 'XAxisDefinition';
    }
  }
  if (!Number.isFinite(sampleRateHz) && c.configuredRateHz !== undefined) {
    sampleRateHz = c.configuredRateHz;
    sampleRateFrom = `the configuration (${c.field}.sampleRate)`;
  } else if (c.configuredRateHz !== undefined && Math.abs(sampleRateHz / c.configuredRateHz - 1) > 1e-6) {
    // The server's word wins (it knows its sampling), but a configuration that says otherwise is wrong somewhere.
    throw configError(
      `the server says ${sampleRateHz} Hz (${sampleRateFrom}), ${c.field}.sampleRate says ${c.configuredRateHz}: correct the one that is wrong`,
    );
  }
  if (!(blockSize > 0) && value === undefined)
    throw notYet(where, `${role} node ${waveformNode.toString()} has no value yet (${wf.valueStatus}) to tell its block size`);
  if (!(blockSize > 0))
    throw nodeError(
      where,
      `${role} node ${waveformNode.toString()}: block size unknown (empty value, no ArrayDimensions, no XAxisDefinition)`,
    );
  if (!(Number.isFinite(sampleRateHz) && sampleRateHz > 0))
    throw configError(
      `sample rate unknown: no ${SAMPLE_RATE} node beside waveform ${waveformNode.toString()} and no XAxisDefinition; set ${c.field ?? 'nodes.channels[]'}.sampleRate (a node id, or the rate in Hz)`,
    );
  const meaning = channelMeaning(where, channel, await engineeringUnits(session, waveformNode), c.configured);
  return {
    channel,
    waveformNode,
    sequenceNode: c.sequenceNode,
    counterBits,
    sampleType,
    scaling,
    sampleRateHz,
    sampleRateFrom,
    blockSize,
    units: meaning.units,
    meaning,
  };
}

/**
 * (N - 1) / range in floating point gives 11999.999999999998 for 12 kHz; a rate within 1e-9 of a
 * whole number of Hz is that number (frames carry the rate, and blocks of one channel must agree).
 */
export function roundNearInteger(hz: number): number {
  const r = Math.round(hz);
  return Math.abs(hz - r) <= 1e-9 * hz ? r : hz;
}

interface ScalarToCheck {
  channel: string;
  nodes: Partial<Record<ScalarFeatureKey, NodeId>>;
  periodMs: number;
  /** The configuration entry (nodes.scalars[i]) for messages; undefined when browsed. */
  field?: string;
  units?: Partial<Record<ScalarFeatureKey, string>>;
  location?: string;
  axis?: string;
}

const NUMERIC_TYPES = new Set<number>([
  DataType.Float,
  DataType.Double,
  DataType.Int16,
  DataType.Int32,
  DataType.UInt16,
  DataType.UInt32,
  DataType.Int64,
  DataType.UInt64,
  DataType.Byte,
  DataType.SByte,
]);

/**
 * Check a scalar sensor's value nodes (numeric scalars) and resolve each value's units: the
 * node's EngineeringUnits when the server has them, else the configuration's `units.<key>`; a
 * server and a configuration that disagree, units nobody gives, or units that do not measure the
 * value stop the machine with a PDM_ERR_CONFIG_INVALID naming the setting. The crest factor is a
 * ratio (peak / RMS) by definition: it needs no units.
 */
export async function checkScalar(session: ClientSession, where: MachineLabel, c: ScalarToCheck): Promise<ScalarChannel> {
  const configError = (what: string) =>
    new PdmError('PDM_ERR_CONFIG_INVALID', `machine ${where.label}: scalar sensor ${c.channel}: ${what}`, {
      endpoint: where.endpoint,
      channel: c.channel,
    });
  const values: ScalarValueNode[] = [];
  for (const f of SCALAR_FEATURES) {
    const nodeId = c.nodes[f.key];
    if (!nodeId) continue;
    const role = `scalar sensor ${c.channel} ${f.key}`;
    const facts = await readAttributes(session, where, nodeId, role);
    const isArray = facts.valueRank >= 1 || Array.isArray(facts.value) || ArrayBuffer.isView(facts.value);
    if (facts.dataType === undefined || !NUMERIC_TYPES.has(facts.dataType) || isArray)
      throw nodeError(
        where,
        `${role} node ${nodeId.toString()} is not a numeric scalar (${isArray ? 'an array' : 'a scalar'} of ${DataType[facts.dataType ?? -1] ?? `data type ${facts.dataType}`}); expected a Float or Double value`,
      );
    const serverUnits = await engineeringUnits(session, nodeId);
    const configUnits = c.units?.[f.key];
    const setting = `${c.field ?? 'nodes.scalars[]'}.units.${f.key}`;
    if (serverUnits !== undefined && configUnits !== undefined && serverUnits !== configUnits)
      throw configError(
        `the server's EngineeringUnits of ${f.key} say '${serverUnits}', ${setting} says '${configUnits}': correct the one that is wrong`,
      );
    const units = serverUnits ?? configUnits ?? (f.key === 'crestFactor' ? '1' : undefined);
    if (units === undefined)
      throw configError(
        `${f.key} (node ${nodeId.toString()}) has no EngineeringUnits on the server and the collector config gives none: set ${setting} (${scalarUnits(f.key).join(', ')}); units are never assumed`,
      );
    const convert = toCanonical(f.key, units);
    if (!convert)
      throw configError(
        `${f.key} is in '${units}' (${serverUnits !== undefined ? "the server's EngineeringUnits" : setting}), which are not units of ${f.key} (known: ${scalarUnits(f.key).join(', ')})`,
      );
    values.push({ key: f.key, field: f.field, nodeId, units, toCanonical: convert });
  }
  if (values.length === 0) throw configError('no value node (velocityRms, accelerationRms, accelerationPeak, crestFactor, temperature)');
  const fallback = locationAxisFromId(c.channel);
  return {
    channel: c.channel,
    location: c.location ?? fallback.location,
    axis: c.axis ?? fallback.axis,
    periodMs: c.periodMs,
    values,
  };
}

/** The waveform's EngineeringUnits display name (e.g. "g", "mm/s"), or undefined when the server has none. */
async function engineeringUnits(session: ClientSession, waveformNode: NodeId): Promise<string | undefined> {
  const unitsNode = await childByName(session, waveformNode, 'EngineeringUnits');
  if (!unitsNode) return undefined;
  const eu = (await session.read({ nodeId: unitsNode, attributeId: AttributeIds.Value })).value.value as {
    displayName?: { text?: string };
  } | null;
  return eu?.displayName?.text?.trim() || undefined;
}

/**
 * Units from the server when it has them, else the configuration; the rest from the configuration
 * or the units and the id. Units nobody declares, a server and a configuration that disagree on
 * them, or units of another quantity stop this machine with a config error saying what to fix.
 */
export function channelMeaning(
  where: MachineLabel,
  channel: string,
  serverUnits: string | undefined,
  configured?: DeclarationSource,
): ChannelMeaning {
  const configError = (what: string) =>
    new PdmError('PDM_ERR_CONFIG_INVALID', `machine ${where.label}: channel ${channel}: ${what}`, { endpoint: where.endpoint, channel });
  const configUnits = configured?.declaration.units;
  if (serverUnits !== undefined && configUnits !== undefined && serverUnits !== configUnits)
    throw configError(
      `the server's EngineeringUnits say '${serverUnits}', ${configured!.from} says '${configUnits}': correct the one that is wrong`,
    );
  if (serverUnits === undefined && configUnits === undefined)
    throw configError(
      'the server has no EngineeringUnits and the collector config no units: list the channel under nodes.channels with its units (e.g. g, mm/s, µm); they are never assumed',
    );
  const sources: DeclarationSource[] = [];
  if (serverUnits !== undefined) sources.push({ from: "the server's EngineeringUnits", declaration: { units: serverUnits } });
  if (configured) sources.push(configured);
  const r = resolveChannel(channel, sources);
  // resolveChannel's problem already names the channel.
  if (!r.ok) throw new PdmError('PDM_ERR_CONFIG_INVALID', `machine ${where.label}: ${r.problem}`, { endpoint: where.endpoint, channel });
  return r.meaning;
}

async function readXAxis(session: ClientSession, waveformNode: NodeId): Promise<{ high: number } | undefined> {
  const id = await childByName(session, waveformNode, 'XAxisDefinition');
  if (!id) return undefined;
  const v = (await session.read({ nodeId: id, attributeId: AttributeIds.Value })).value.value as {
    euRange?: { high?: number; low?: number };
  } | null;
  const high = Number(v?.euRange?.high) - Number(v?.euRange?.low ?? 0);
  return Number.isFinite(high) ? { high } : undefined;
}

async function parentOf(session: ClientSession, nodeId: NodeId): Promise<NodeId | undefined> {
  const r = await session.browse({
    nodeId,
    browseDirection: BrowseDirection.Inverse,
    referenceTypeId: 'HierarchicalReferences',
    includeSubtypes: true,
    nodeClassMask: 0,
    resultMask: 63,
  });
  return r.references?.[0]?.nodeId;
}
