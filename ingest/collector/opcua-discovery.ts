/**
 * What to subscribe to on one machine's OPC UA server: its waveform channels (a waveform, its
 * sequence number, sample rate, block size and units) and its energy values. Found by browsing
 * the address space (the default: adding a machine needs only its endpoint) or taken from an
 * explicit node list (`nodes:` in the configuration, for servers laid out differently), and in
 * both cases checked: a node that does not exist or a waveform that is not an array waveform is
 * a PDM_ERR_OPCUA_NODE naming the machine, the channel and the node.
 *
 * Block size and sample rate come from the server's metadata, never from our configuration:
 * the block size is the waveform's array length (its current value, else ArrayDimensions, else
 * XAxisDefinition), the sample rate is the SampleRate variable next to it, else derived from the
 * XAxisDefinition's time range ((N - 1) / fs).
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
import { type ChannelDeclaration, type ChannelMeaning, type DeclarationSource, resolveChannel } from '../../common/channels.ts';
import { PdmError } from '../../common/errors.ts';
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
  sequenceNode: NodeId;
  sampleRateHz: number;
  blockSize: number;
  units: string;
  /** Location, axis, quantity and units (checked): what every frame of this channel carries. */
  meaning: ChannelMeaning;
}

export interface EnergyNode {
  nodeId: NodeId;
  field: EnergyField;
}

export interface DiscoveredMachine {
  machineId: string;
  channels: WaveformChannel[];
  energy: EnergyNode[];
}

/** Explicit node ids for servers whose address space is not laid out as ours. */
export interface ExplicitNodes {
  channels: Array<{ channel: string; waveform: string; sequence: string; sampleRate?: string } & ChannelDeclaration>;
  /** Energy browse name (ActivePower, Current...) -> node id. */
  energy?: Record<string, string>;
}

const YARRAY_ITEM_TYPE = 12029;
const FLOAT_TYPES = new Set<number>([DataType.Float, DataType.Double]);

/** Where a problem is, for messages: "pump-01 (opc.tcp://...)". */
export interface MachineLabel {
  label: string;
  endpoint: string;
}

function nodeError(where: MachineLabel, what: string): PdmError {
  return new PdmError('PDM_ERR_OPCUA_NODE', `machine ${where.label}: ${what}`, { endpoint: where.endpoint });
}

async function browseChildren(session: ClientSession, nodeId: NodeId | string): Promise<ReferenceDescription[]> {
  const result = await session.browse({
    nodeId,
    browseDirection: BrowseDirection.Forward,
    includeSubtypes: true,
    nodeClassMask: 0,
    resultMask: 63,
    referenceTypeId: 'HierarchicalReferences',
  });
  return result.references ?? [];
}

/** Browse for Objects/<machine>/Vibration/<channel>/{Waveform,SequenceNumber,SampleRate} and Objects/<machine>/Energy/*. */
export async function browseMachine(session: ClientSession, where: MachineLabel): Promise<DiscoveredMachine> {
  const objects = await browseChildren(session, 'ns=0;i=85');
  for (const ref of objects) {
    if (ref.nodeClass !== NodeClass.Object || ref.browseName.namespaceIndex === 0) continue;
    const children = await browseChildren(session, ref.nodeId);
    const vib = children.find((c) => c.browseName.name === VIBRATION_FOLDER);
    if (!vib) continue;
    const machineId = ref.browseName.name ?? '';
    const label: MachineLabel = { label: `${machineId} (${where.endpoint})`, endpoint: where.endpoint };
    const channels: WaveformChannel[] = [];
    for (const chan of await browseChildren(session, vib.nodeId)) {
      const items = await browseChildren(session, chan.nodeId);
      const waveform = items.find((i) => i.browseName.name === WAVEFORM);
      const sequence = items.find((i) => i.browseName.name === SEQUENCE_NUMBER);
      const rate = items.find((i) => i.browseName.name === SAMPLE_RATE);
      if (!waveform) continue;
      const name = chan.browseName.name ?? '';
      if (!sequence)
        throw nodeError(label, `channel ${name} has a ${WAVEFORM} but no ${SEQUENCE_NUMBER}: without it lost blocks cannot be counted`);
      channels.push(await checkChannel(session, label, name, waveform.nodeId, sequence.nodeId, rate?.nodeId));
    }
    if (channels.length === 0) throw nodeError(label, `no waveform channels under ${machineId}/${VIBRATION_FOLDER}`);
    const energyFolder = children.find((c) => c.browseName.name === ENERGY_FOLDER);
    const energy: EnergyNode[] = [];
    if (energyFolder) {
      for (const e of await browseChildren(session, energyFolder.nodeId)) {
        const v = ENERGY_VARIABLES.find((x) => x.browseName === e.browseName.name);
        if (v) energy.push({ nodeId: e.nodeId, field: v.field });
      }
    }
    return { machineId, channels, energy };
  }
  throw nodeError(
    where,
    `no machine with waveform channels found (expected Objects/<machine>/${VIBRATION_FOLDER}/<channel>/${WAVEFORM}); list the node ids under nodes: if the server is laid out differently`,
  );
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
    channels.push(
      await checkChannel(
        session,
        where,
        c.channel,
        parseNodeId(where, c.waveform, `${c.channel} waveform`),
        parseNodeId(where, c.sequence, `${c.channel} sequence`),
        c.sampleRate ? parseNodeId(where, c.sampleRate, `${c.channel} sampleRate`) : undefined,
        { from: `the collector config (nodes.channels[${i}])`, declaration: { location, axis, quantity, units } },
      ),
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
  return { machineId, channels, energy };
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
  value: unknown;
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
    value: dv[3].value.value,
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

async function checkChannel(
  session: ClientSession,
  where: MachineLabel,
  channel: string,
  waveformNode: NodeId,
  sequenceNode: NodeId,
  sampleRateNode: NodeId | undefined,
  configured?: DeclarationSource,
): Promise<WaveformChannel> {
  const role = `channel ${channel} waveform`;
  const wf = await readAttributes(session, where, waveformNode, role);
  const type = await typeDefinition(session, waveformNode);
  const isYArray = type.id !== undefined && type.id.namespace === 0 && type.id.value === YARRAY_ITEM_TYPE;
  const isFloatArray = wf.dataType !== undefined && FLOAT_TYPES.has(wf.dataType) && wf.valueRank >= 1;
  if (!isYArray || !isFloatArray) {
    const shape = wf.valueRank >= 1 ? 'array' : 'scalar';
    throw nodeError(
      where,
      `${role} node ${waveformNode.toString()} is of the wrong type: ${type.name}, ${shape} of ${DataType[wf.dataType ?? -1] ?? `data type ${wf.dataType}`}; expected a YArrayItemType holding a Float or Double array`,
    );
  }
  const seq = await readAttributes(session, where, sequenceNode, `channel ${channel} sequence`);
  const integer = new Set<number>([DataType.UInt64, DataType.UInt32, DataType.Int64, DataType.Int32]);
  if (seq.dataType === undefined || !integer.has(seq.dataType) || seq.valueRank >= 1) {
    throw nodeError(
      where,
      `channel ${channel} sequence node ${sequenceNode.toString()} is not an integer scalar (data type ${DataType[seq.dataType ?? -1] ?? seq.dataType})`,
    );
  }

  // Block size: the array's length, from the value, ArrayDimensions, or the X axis.
  const axis = await readXAxis(session, waveformNode);
  let blockSize = Array.isArray(wf.value) || ArrayBuffer.isView(wf.value) ? (wf.value as ArrayLike<number>).length : 0;
  if (blockSize === 0 && wf.arrayDimensions && wf.arrayDimensions[0] > 0) blockSize = wf.arrayDimensions[0];
  let sampleRateHz = Number.NaN;
  const rateNode =
    sampleRateNode ?? (await parentOf(session, waveformNode).then((p) => (p ? childByName(session, p, SAMPLE_RATE) : undefined)));
  if (rateNode) {
    const r = await readAttributes(session, where, rateNode, `channel ${channel} sample rate`);
    sampleRateHz = Number(r.value);
  }
  if (axis && axis.high > 0) {
    if (blockSize === 0 && Number.isFinite(sampleRateHz)) blockSize = Math.round(axis.high * sampleRateHz) + 1;
    if (!Number.isFinite(sampleRateHz) && blockSize > 1) sampleRateHz = (blockSize - 1) / axis.high;
  }
  if (!(blockSize > 0))
    throw nodeError(
      where,
      `${role} node ${waveformNode.toString()}: block size unknown (empty value, no ArrayDimensions, no XAxisDefinition)`,
    );
  if (!(Number.isFinite(sampleRateHz) && sampleRateHz > 0))
    throw nodeError(
      where,
      `${role} node ${waveformNode.toString()}: sample rate unknown (no ${SAMPLE_RATE} variable beside it and no XAxisDefinition)`,
    );
  const meaning = channelMeaning(where, channel, await engineeringUnits(session, waveformNode), configured);
  return { channel, waveformNode, sequenceNode, sampleRateHz, blockSize, units: meaning.units, meaning };
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
