/**
 * OPC UA input for one machine: connects with the configured security, browses the machine's
 * address space for waveform channels (YArrayItemType) and energy values (AnalogItemType),
 * puts them all in one subscription, and turns notifications into complete blocks (samples +
 * sequence number, paired by their shared SourceTimestamp) and energy readings.
 * Reconnection, session restore and subscription transfer are node-opcua's; what is ours is
 * noticing what was lost (sequence gaps, counted by the collector) and never stalling others.
 */
import {
  AttributeIds,
  BrowseDirection,
  DataChangeFilter,
  DataChangeTrigger,
  DataType,
  MessageSecurityMode,
  NodeClass,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
  type ClientSession,
  type ClientSubscription,
  type DataValue,
  type NodeId,
  type ReferenceDescription,
  type UserIdentityInfo,
} from 'node-opcua';
import { PdmError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import {
  ENERGY_FOLDER,
  ENERGY_VARIABLES,
  SAMPLE_RATE,
  SEQUENCE_NUMBER,
  VIBRATION_FOLDER,
  WAVEFORM,
  fromUInt64,
  type EnergyField,
} from '../opcua/address-space-model.ts';

export interface MachineEndpointConfig {
  endpoint: string;
  security: { mode: 'SignAndEncrypt' | 'Sign' | 'None'; policy: 'Basic256Sha256' };
  /** Resolved credentials (from the environment), or null for anonymous. */
  credentials: { username: string; password: string } | null;
  pkiDir: string;
  publishingIntervalMs: number;
}

export interface CollectedBlock {
  machine: string;
  channel: string;
  seq: number;
  startTimeNs: bigint;
  sampleRateHz: number;
  units: string;
  samples: Float32Array;
}

export interface EnergyReadingMessage {
  machine: string;
  timeMs: number;
  values: Partial<Record<EnergyField, number>>;
}

export interface MachineInputHandlers {
  block(block: CollectedBlock): void;
  energy(reading: EnergyReadingMessage): void;
  /** Connection state changes, for logs and the health endpoint. */
  state?(state: 'connecting' | 'connected' | 'reconnecting' | 'failed', detail?: string): void;
}

interface ChannelInfo {
  channel: string;
  waveformNode: NodeId;
  sequenceNode: NodeId;
  sampleRateHz: number;
  units: string;
}

interface Pending {
  samples?: Float32Array;
  seq?: number;
}

const YARRAY_ITEM_TYPE = 'ns=0;i=12029';

export class OpcuaMachineInput {
  readonly #cfg: MachineEndpointConfig;
  readonly #handlers: MachineInputHandlers;
  readonly #log;
  #client: OPCUAClient | undefined;
  #session: ClientSession | undefined;
  #subscription: ClientSubscription | undefined;
  machineId: string | undefined;
  channels: ChannelInfo[] = [];
  /** Per channel: halves of blocks waiting for their other half, by SourceTimestamp (ms). */
  readonly #pending = new Map<string, Map<number, Pending>>();
  readonly #energyPending = new Map<number, EnergyReadingMessage>();

  constructor(cfg: MachineEndpointConfig, handlers: MachineInputHandlers) {
    this.#cfg = cfg;
    this.#handlers = handlers;
    this.#log = logger('opcua-input', { endpoint: cfg.endpoint });
  }

  async start(): Promise<void> {
    const { security } = this.#cfg;
    const clientCertificateManager = new OPCUACertificateManager({ rootFolder: this.#cfg.pkiDir, automaticallyAcceptUnknownCertificate: false });
    await clientCertificateManager.initialize();
    this.#handlers.state?.('connecting');
    const client = OPCUAClient.create({
      applicationName: 'pdm-collector',
      applicationUri: 'urn:pdm:collector',
      clientCertificateManager,
      securityMode: MessageSecurityMode[security.mode],
      securityPolicy: security.mode === 'None' ? SecurityPolicy.None : SecurityPolicy[security.policy],
      endpointMustExist: false,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      connectionStrategy: { initialDelay: 500, maxDelay: 5_000, maxRetry: Number.MAX_SAFE_INTEGER },
    });
    this.#client = client;
    client.on('connection_lost', () => this.#handlers.state?.('reconnecting', 'connection lost'));
    client.on('connection_reestablished', () => this.#handlers.state?.('connected', 'connection re-established'));
    try {
      await client.connect(this.#cfg.endpoint);
    } catch (err) {
      throw this.#classify(err, 'connect');
    }
    const identity: UserIdentityInfo = this.#cfg.credentials
      ? { type: UserTokenType.UserName, userName: this.#cfg.credentials.username, password: this.#cfg.credentials.password }
      : { type: UserTokenType.Anonymous };
    try {
      this.#session = await client.createSession(identity);
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      throw this.#classify(err, 'session');
    }
    await this.#discover(this.#session);
    await this.#subscribe(this.#session);
    this.#handlers.state?.('connected');
  }

  async stop(): Promise<void> {
    try {
      await this.#subscription?.terminate();
    } catch {
      /* the server may be gone already */
    }
    try {
      await this.#session?.close();
    } catch {
      /* idem */
    }
    await this.#client?.disconnect().catch(() => undefined);
  }

  #classify(err: unknown, stage: 'connect' | 'session'): PdmError {
    const message = err instanceof Error ? err.message : String(err);
    if (/BadIdentityTokenRejected|BadUserAccessDenied|BadIdentityTokenInvalid|BadCertificate|BadSecurityChecksFailed|certificate/i.test(message)) {
      return new PdmError('PDM_ERR_OPCUA_SECURITY', `${this.#cfg.endpoint}: ${stage === 'session' ? 'user credentials or certificate refused' : 'secure channel refused'} (${message}); check the user/password environment variables and that each side trusts the other's certificate`, { endpoint: this.#cfg.endpoint }, { cause: err });
    }
    return new PdmError('PDM_ERR_OPCUA_CONNECT', `${this.#cfg.endpoint}: cannot ${stage === 'connect' ? 'connect' : 'open a session'} (${message})`, { endpoint: this.#cfg.endpoint }, { cause: err });
  }

  async #browseChildren(session: ClientSession, nodeId: NodeId | string): Promise<ReferenceDescription[]> {
    const result = await session.browse({ nodeId, browseDirection: BrowseDirection.Forward, includeSubtypes: true, nodeClassMask: 0, resultMask: 63, referenceTypeId: 'HierarchicalReferences' });
    return result.references ?? [];
  }

  /** Find the machine object (the one with a Vibration folder) and its channels and energy values. */
  async #discover(session: ClientSession): Promise<void> {
    const objects = await this.#browseChildren(session, 'ns=0;i=85');
    for (const ref of objects) {
      if (ref.nodeClass !== NodeClass.Object || ref.browseName.namespaceIndex === 0) continue;
      const children = await this.#browseChildren(session, ref.nodeId);
      const vib = children.find((c) => c.browseName.name === VIBRATION_FOLDER);
      if (!vib) continue;
      this.machineId = ref.browseName.name ?? undefined;
      for (const chan of await this.#browseChildren(session, vib.nodeId)) {
        const items = await this.#browseChildren(session, chan.nodeId);
        const waveform = items.find((i) => i.browseName.name === WAVEFORM);
        const sequence = items.find((i) => i.browseName.name === SEQUENCE_NUMBER);
        const rate = items.find((i) => i.browseName.name === SAMPLE_RATE);
        if (!waveform || !sequence || !rate) continue;
        if (waveform.typeDefinition.toString() !== YARRAY_ITEM_TYPE) {
          throw new PdmError('PDM_ERR_OPCUA_NODE', `${this.#cfg.endpoint}: ${this.machineId}/${chan.browseName.name}/Waveform is not a YArrayItemType (type ${waveform.typeDefinition.toString()})`, { endpoint: this.#cfg.endpoint });
        }
        const [rateValue, unitsValue] = await session.read([
          { nodeId: rate.nodeId, attributeId: AttributeIds.Value },
          { nodeId: await this.#childId(session, waveform.nodeId, 'EngineeringUnits'), attributeId: AttributeIds.Value },
        ]);
        const sampleRateHz = Number(rateValue.value.value);
        const eu = unitsValue.value.value as { displayName?: { text?: string } } | null;
        this.channels.push({ channel: chan.browseName.name!, waveformNode: waveform.nodeId, sequenceNode: sequence.nodeId, sampleRateHz, units: eu?.displayName?.text || 'g' });
      }
      const energy = children.find((c) => c.browseName.name === ENERGY_FOLDER);
      this.#energyNodes = energy ? (await this.#browseChildren(session, energy.nodeId)).filter((e) => ENERGY_VARIABLES.some((v) => v.browseName === e.browseName.name)) : [];
      break;
    }
    if (!this.machineId || this.channels.length === 0) {
      throw new PdmError('PDM_ERR_OPCUA_NODE', `${this.#cfg.endpoint}: no machine with waveform channels found (expected Objects/<machine>/${VIBRATION_FOLDER}/<channel>/${WAVEFORM})`, { endpoint: this.#cfg.endpoint });
    }
    this.#log.info({ machine: this.machineId, channels: this.channels.map((c) => c.channel) }, 'discovered machine');
  }

  #energyNodes: ReferenceDescription[] = [];

  async #childId(session: ClientSession, parent: NodeId, name: string): Promise<NodeId> {
    const child = (await this.#browseChildren(session, parent)).find((c) => c.browseName.name === name);
    if (!child) throw new PdmError('PDM_ERR_OPCUA_NODE', `${this.#cfg.endpoint}: ${parent.toString()} has no ${name}`);
    return child.nodeId;
  }

  async #subscribe(session: ClientSession): Promise<void> {
    const publishingInterval = this.#cfg.publishingIntervalMs;
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: publishingInterval,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.#subscription = subscription;
    const machine = this.machineId!;
    // Queue: every block produced during one publishing interval must wait at the server; x4 for
    // a late publish response. (One monitored item per node, all in one subscription.)
    const items: Array<{ nodeId: NodeId; queueSize: number; onValue: (dv: DataValue) => void }> = [];
    for (const ch of this.channels) {
      const blockMs = 100; // refined below from the first block's length
      const queueSize = Math.max(4, Math.ceil((publishingInterval / blockMs) * 4));
      const pending = new Map<number, Pending>();
      this.#pending.set(ch.channel, pending);
      const complete = (ts: number, p: Pending) => {
        if (p.samples && p.seq !== undefined) {
          pending.delete(ts);
          this.#handlers.block({ machine, channel: ch.channel, seq: p.seq, startTimeNs: BigInt(ts) * 1_000_000n, sampleRateHz: ch.sampleRateHz, units: ch.units, samples: p.samples });
        }
      };
      const entry = (ts: number): Pending => {
        let p = pending.get(ts);
        if (!p) {
          p = {};
          pending.set(ts, p);
          // Halves never completed (initial values, a lost notification) must not pile up.
          if (pending.size > 64) pending.delete(pending.keys().next().value!);
        }
        return p;
      };
      items.push({
        nodeId: ch.waveformNode,
        queueSize,
        onValue: (dv) => {
          const ts = dv.sourceTimestamp?.getTime();
          const value = dv.value.value as Float32Array | null;
          if (!ts || !(value instanceof Float32Array) || value.length === 0) return;
          const p = entry(ts);
          p.samples = value;
          complete(ts, p);
        },
      });
      items.push({
        nodeId: ch.sequenceNode,
        queueSize,
        onValue: (dv) => {
          const ts = dv.sourceTimestamp?.getTime();
          if (!ts || dv.value.dataType !== DataType.UInt64) return;
          const seq = fromUInt64(dv.value.value);
          if (seq <= 0) return;
          const p = entry(ts);
          p.seq = seq;
          complete(ts, p);
        },
      });
    }
    for (const node of this.#energyNodes) {
      const field = ENERGY_VARIABLES.find((v) => v.browseName === node.browseName.name)!.field;
      items.push({
        nodeId: node.nodeId,
        queueSize: 4,
        onValue: (dv) => {
          const ts = dv.sourceTimestamp?.getTime();
          const value = Number(dv.value.value);
          if (!ts || !Number.isFinite(value)) return;
          let reading = this.#energyPending.get(ts);
          if (!reading) {
            reading = { machine, timeMs: ts, values: {} };
            this.#energyPending.set(ts, reading);
          }
          reading.values[field] = value;
          if (Object.keys(reading.values).length === this.#energyNodes.length) {
            this.#energyPending.delete(ts);
            this.#handlers.energy(reading);
          }
          for (const old of this.#energyPending.keys()) if (old < ts - 10_000) this.#energyPending.delete(old);
        },
      });
    }
    const group = await subscription.monitorItems(
      items.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })),
      {
        samplingInterval: 0,
        discardOldest: true,
        queueSize: Math.max(...items.map((i) => i.queueSize)),
        // Timestamp too: an unchanged energy value read again is still a reading.
        filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp }),
      },
      TimestampsToReturn.Both,
    );
    group.on('changed', (_item, dataValue, index) => {
      items[index].onValue(dataValue);
    });
  }
}
