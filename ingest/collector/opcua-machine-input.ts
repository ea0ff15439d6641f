/**
 * OPC UA input for one machine: connects with the configured security, finds the waveform
 * channels and energy values (opcua-discovery.ts), puts them all in one subscription, and turns
 * notifications into complete blocks (samples + sequence number, paired by their shared
 * SourceTimestamp) and energy readings.
 *
 * Queues: a waveform item's queue must hold every block produced during one publishing interval
 * (plus slack for a late publish), so it is derived from the revised publishing interval and the
 * block period read from the server. The revised sampling interval and queue size are checked:
 * a sampling interval > 0 on a waveform means the server samples instead of reporting every
 * write (blocks can be coalesced away), a queue smaller than asked means blocks can be dropped
 * at the server under load; both are logged as risks.
 *
 * Channels without a block counter are single items: each waveform notification is a block,
 * stamped with its SourceTimestamp (the collector numbers it, block-continuity.ts).
 *
 * Servers that sample: when the revised sampling interval is longer than a block period, a
 * subscription sees one block per interval and the others are overwritten before the server
 * looks. The machine then switches to timed Read calls, twice per block period (a read late by
 * up to half a period still sees every block; one that sees the same block again is skipped by
 * its timestamp), unless the server refuses Reads; the mode and the loss it still expects
 * (collection-mode.ts) go to the log and /health.
 *
 * Reconnection: node-opcua (2.186) repairs a broken connection by itself, forever: new secure
 * channel, reactivation of the session or a new one, transfer of the subscription, and when the
 * transfer fails (a restarted server) recreation of the subscription and its items (#1059 is
 * fixed there). What it does not do is tell us when that recreation failed (its errors are only
 * debug-logged) or notice a server that stopped answering without closing the socket. So this
 * input exposes when it last heard from the subscription (data or keep-alive) and when the
 * last block came; the machine supervisor rebuilds everything from scratch when either stalls.
 * The first connection fails fast (one retry) so the supervisor's own bounded backoff and state
 * reporting apply to a machine that is not there yet.
 */
import {
  AttributeIds,
  type ClientMonitoredItemGroup,
  type ClientSession,
  type ClientSubscription,
  DataChangeFilter,
  DataChangeTrigger,
  type DataValue,
  MessageSecurityMode,
  type NodeId,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  StatusCodes,
  TimestampsToReturn,
  type UserIdentityInfo,
  UserTokenType,
} from 'node-opcua';
import type { ChannelMeaning } from '../../common/channels.ts';
import { PdmError } from '../../common/errors.ts';
import { logger } from '../../common/log.ts';
import type { ScalarFeatureField } from '../../common/scalar-features.ts';
import { type EnergyField, fromUInt64 } from '../opcua/address-space-model.ts';
import {
  certificateMismatches,
  chooseEndpoint,
  policyUri,
  type SecurityModeName,
  type SecurityPolicyName,
  serverEndpoints,
} from '../opcua/security.ts';
import { continuityToleranceMs } from './block-continuity.ts';
import { chooseMode, type ModeDecision, pollingLossPerS } from './collection-mode.ts';
import {
  browseMachine,
  type DiscoveredMachine,
  type ExplicitNodes,
  explicitMachine,
  type MachineLabel,
  type WaveformChannel,
} from './opcua-discovery.ts';
import { bounded, OpcuaSessionPool, type OpenedSession, type SessionLease } from './opcua-session-pool.ts';
import { toSamples } from './waveform-samples.ts';

/** Read results that mean the server refuses Reads of a value (its AccessLevel or the user's rights). */
const READ_REFUSED = new Set<number>([
  StatusCodes.BadNotReadable.value,
  StatusCodes.BadUserAccessDenied.value,
  StatusCodes.BadSecurityModeInsufficient.value,
]);

export interface MachineEndpointConfig {
  endpoint: string;
  /** Configured machine id (checked against the server's; required with explicit nodes). */
  machineId?: string;
  /** Security mode, and the policy (absent: the strongest the server offers, see ingest/opcua/security.ts). */
  security: { mode: SecurityModeName; policy?: SecurityPolicyName };
  /** Resolved credentials (from the environment), or null for anonymous. */
  credentials: { username: string; password: string } | null;
  pkiDir: string;
  publishingIntervalMs: number;
  /** Longest wait between node-opcua's reconnection attempts (short: every block published before we are back is lost). */
  reconnectMaxDelayMs: number;
  nodes?: ExplicitNodes;
  /** Sessions shared with other machines of the same server (a gateway); absent: a session of its own. */
  sessions?: OpcuaSessionPool;
}

export interface CollectedBlock {
  machine: string;
  channel: string;
  /** The server's block counter as sent; undefined: the channel has none (numbered by time). */
  seq: number | undefined;
  /** Width of a counter that wraps (UInt16, UInt32), to unwrap it. */
  counterBits: 16 | 32 | undefined;
  startTimeNs: bigint;
  /** Start of the block, ms since the epoch (the SourceTimestamp). */
  startMs: number;
  /** Block period (samples / sample rate), ms. */
  blockMs: number;
  /** How far a start may be from where the previous block says and still be on time (block-continuity.ts). */
  toleranceMs: number;
  /** Start of the next block, ms since the epoch. */
  endTimeMs: number;
  sampleRateHz: number;
  units: string;
  /** What the channel measures (discovery checked it); written on every frame. */
  meaning: ChannelMeaning;
  samples: Float32Array;
}

/** One reading of a scalar sensor: its overall values sharing one SourceTimestamp, in canonical units. */
export interface ScalarReadingMessage {
  machine: string;
  channel: string;
  location: string;
  axis: string;
  /** The values' SourceTimestamp, ms since the epoch: the reading's identity downstream. */
  timeMs: number;
  values: Partial<Record<ScalarFeatureField, number>>;
}

export interface EnergyReadingMessage {
  machine: string;
  timeMs: number;
  values: Partial<Record<EnergyField, number>>;
}

export type InputState = 'connecting' | 'connected' | 'reconnecting';

export interface MachineInputHandlers {
  block(block: CollectedBlock): void;
  energy(reading: EnergyReadingMessage): void;
  /** A reading of a scalar sensor (overall values, no waveform). */
  scalar?(reading: ScalarReadingMessage): void;
  /** Connection state changes, for logs, metrics and the health endpoint. */
  state?(state: InputState, detail?: string): void;
  /** A risk found in what the server granted (sampling interval, queue size). */
  risk?(message: string, severity: 'warn' | 'error'): void;
  /** How the waveforms are collected, and the loss expected when nothing can keep up. */
  mode?(decision: ModeDecision): void;
  /** The machine's MachineryItemState.CurrentState (e.g. Executing, NotExecuting) at the server's time. */
  runState?(state: string, atMs: number): void;
}

interface Pending {
  samples?: Float32Array;
  seq?: number;
  /** The waveform's data value (its timestamps). */
  dv?: DataValue;
}

/** The revised subscription and item parameters, for logs and tests. */
export interface GrantedParameters {
  publishingIntervalMs: number;
  keepAliveCount: number;
  waveformQueueSize: number;
  requestedQueueSize: number;
  samplingIntervalMs: number;
}

export class OpcuaMachineInput {
  readonly #cfg: MachineEndpointConfig;
  readonly #handlers: MachineInputHandlers;
  readonly #log;
  #session: ClientSession | undefined;
  #lease: SessionLease | undefined;
  #unlisten: (() => void) | undefined;
  #subscription: ClientSubscription | undefined;
  #stopped = false;
  /** Aborted by stop(): ends a discovery still waiting for the server. */
  readonly #abort = new AbortController();
  /** Timed Read loops (waveforms, scalar sensors) by name. */
  readonly #pollTimers = new Map<string, NodeJS.Timeout>();
  machine: DiscoveredMachine | undefined;
  granted: GrantedParameters | undefined;
  /** Last time the server's publish loop answered (data or keep-alive), ms. */
  lastActivityMs = 0;
  lastBlockMs = 0;
  /** Set when the subscription ended on the server side (nothing more will come). */
  terminated: string | undefined;
  readonly #energyPending = new Map<number, EnergyReadingMessage>();

  constructor(cfg: MachineEndpointConfig, handlers: MachineInputHandlers) {
    this.#cfg = cfg;
    this.#handlers = handlers;
    this.#log = logger('opcua-input', { endpoint: cfg.endpoint });
  }

  get machineId(): string | undefined {
    return this.machine?.machineId;
  }

  get #label(): MachineLabel {
    return { label: `${this.machine?.machineId ?? this.#cfg.machineId ?? '?'} (${this.#cfg.endpoint})`, endpoint: this.#cfg.endpoint };
  }

  /** The subscription's keep-alive period: the longest the server may stay silent. */
  get keepAlivePeriodMs(): number {
    return (this.granted?.publishingIntervalMs ?? this.#cfg.publishingIntervalMs) * (this.granted?.keepAliveCount ?? 10);
  }

  /** Security of the connection once started, e.g. `SignAndEncrypt/Aes256_Sha256_RsaPss`. */
  security: string | undefined;
  /** The policy in use (configured, or chosen from what the server offers); undefined with mode None. */
  policy: SecurityPolicyName | undefined;

  /**
   * Ask the server what it offers (GetEndpoints, which OPC UA answers without security), pick the
   * policy, and check its certificate against the endpoint URL and its application URI.
   */
  async #negotiate(clientCertificateManager: OPCUACertificateManager): Promise<SecurityPolicyName> {
    const { mode, policy } = this.#cfg.security;
    if (mode === 'None') throw new Error('no policy to negotiate with security mode None');
    let endpoints;
    try {
      endpoints = await serverEndpoints(
        this.#cfg.endpoint,
        {
          applicationName: 'pdm-collector',
          applicationUri: 'urn:pdm:collector',
          clientCertificateManager,
        },
        this.#abort.signal,
      );
    } catch (err) {
      throw this.#classify(err, 'connect');
    }
    const choice = chooseEndpoint(endpoints, mode, policy);
    if (!choice.ok) {
      throw new PdmError('PDM_ERR_OPCUA_SECURITY', `machine ${this.#label.label}: ${choice.problem}`, {
        endpoint: this.#cfg.endpoint,
        offered: choice.offered,
      });
    }
    const cert = choice.endpoint.serverCertificate;
    if (cert && cert.length > 0) {
      let mismatches: string[];
      try {
        mismatches = certificateMismatches(cert, this.#cfg.endpoint, choice.endpoint.server?.applicationUri);
      } catch (err) {
        mismatches = [`the server's certificate cannot be read (${err instanceof Error ? err.message : String(err)})`];
      }
      for (const m of mismatches) {
        this.#log.warn({ machine: this.#cfg.machineId, endpoint: this.#cfg.endpoint }, `certificate mismatch: ${m}`);
        this.#handlers.risk?.(`certificate mismatch: ${m}`, 'warn');
      }
    }
    return choice.policy;
  }

  /** A secure channel and a session to the endpoint (shared with other machines of the same server when the pool allows). */
  async #open(): Promise<OpenedSession> {
    const { security } = this.#cfg;
    const clientCertificateManager = new OPCUACertificateManager({
      rootFolder: this.#cfg.pkiDir,
      automaticallyAcceptUnknownCertificate: false,
    });
    await clientCertificateManager.initialize();
    const policy = security.mode === 'None' ? undefined : await this.#negotiate(clientCertificateManager);
    this.policy = policy;
    const client = OPCUAClient.create({
      applicationName: 'pdm-collector',
      applicationUri: 'urn:pdm:collector',
      clientCertificateManager,
      securityMode: MessageSecurityMode[security.mode],
      securityPolicy: policy ? policyUri(policy) : SecurityPolicy.None,
      endpointMustExist: false,
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      // maxRetry bounds only the first connection (reconnection after a loss is always unbounded in
      // node-opcua); 0 would switch reconnection off altogether. maxDelay must exceed initialDelay:
      // the backoff library node-opcua uses throws otherwise, and every connection then fails as a
      // "premature disconnection".
      connectionStrategy: { initialDelay: 200, maxDelay: Math.max(400, this.#cfg.reconnectMaxDelayMs), maxRetry: 1 },
    });
    try {
      await client.connect(this.#cfg.endpoint);
    } catch (err) {
      await bounded(client.disconnect(), 5_000);
      throw this.#classify(err, 'connect');
    }
    const identity: UserIdentityInfo = this.#cfg.credentials
      ? { type: UserTokenType.UserName, userName: this.#cfg.credentials.username, password: this.#cfg.credentials.password }
      : { type: UserTokenType.Anonymous };
    try {
      return { client, session: await client.createSession(identity), policy };
    } catch (err) {
      await bounded(client.disconnect(), 5_000);
      throw this.#classify(err, 'session');
    }
  }

  async start(): Promise<void> {
    const { security } = this.#cfg;
    this.#handlers.state?.('connecting');
    const pool = this.#cfg.sessions ?? new OpcuaSessionPool(1);
    // Machines may share a session only when everything the session is made of is the same.
    const key = JSON.stringify([
      this.#cfg.endpoint,
      security.mode,
      security.policy ?? '',
      this.#cfg.credentials?.username ?? '',
      this.#cfg.credentials?.password ?? '',
      this.#cfg.pkiDir,
    ]);
    const lease = await pool.acquire(key, () => this.#open());
    if (this.#stopped) {
      await lease.release();
      throw new PdmError('PDM_ERR_OPCUA_CONNECT', `machine ${this.#label.label}: stopped while connecting`);
    }
    this.#lease = lease;
    this.policy = lease.policy;
    this.security = `${security.mode}${this.policy ? `/${this.policy}` : ''}`;
    const { client, session } = lease;
    this.#session = session;
    const lost = () => {
      if (!this.#stopped) this.#handlers.state?.('reconnecting', 'connection lost');
    };
    const back = () => {
      if (!this.#stopped) this.#handlers.state?.('connected', 'connection re-established');
    };
    const restored = () =>
      this.#log.info({ machine: this.machineId }, 'session restored (reactivated or recreated, subscription transferred or recreated)');
    // A shared client has a listener per machine on it: more than node's default warning level of 10.
    client.setMaxListeners(Math.max(client.getMaxListeners(), 4 * pool.maxMachinesPerSession + 10));
    session.setMaxListeners?.(Math.max(session.getMaxListeners?.() ?? 10, 2 * pool.maxMachinesPerSession + 10));
    client.on('connection_lost', lost);
    client.on('connection_reestablished', back);
    session.on('session_restored', restored);
    this.#unlisten = () => {
      client.off('connection_lost', lost);
      client.off('connection_reestablished', back);
      session.off('session_restored', restored);
    };
    this.machine = this.#cfg.nodes
      ? await explicitMachine(this.#session, this.#label, this.#cfg.machineId!, this.#cfg.nodes)
      : await browseMachine(this.#session, this.#label, this.#cfg.machineId);
    if (this.#cfg.machineId && this.machine.machineId !== this.#cfg.machineId) {
      throw new PdmError(
        'PDM_ERR_OPCUA_NODE',
        `machine ${this.#cfg.machineId} (${this.#cfg.endpoint}): the server serves machine '${this.machine.machineId}', not '${this.#cfg.machineId}'; fix the endpoint or the id`,
        { endpoint: this.#cfg.endpoint },
      );
    }
    this.#log.info(
      {
        machine: this.machine.machineId,
        security: this.security,
        channels: this.machine.channels.map((c) => `${c.channel} ${c.blockSize}@${c.sampleRateHz}Hz`),
        scalars: this.machine.scalars.map((c) => `${c.channel} ${c.values.map((v) => `${v.key} [${v.units}]`).join(', ')}`),
        energy: this.machine.energy.length,
      },
      'machine found',
    );
    await this.#subscribe(this.#session, this.machine);
    this.#handlers.state?.('connected');
  }

  /** Close subscription, session and connection; safe to call again (returns the same promise). */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  #stopping: Promise<void> | undefined;

  async #stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('input stopped'));
    for (const t of this.#pollTimers.values()) clearTimeout(t);
    // With the server gone, node-opcua's terminate waits for request timeouts (bounded, as the pool's close).
    await bounded(this.#subscription?.terminate(), 2_000);
    this.#unlisten?.();
    // The session and connection close when the last machine sharing them leaves.
    await this.#lease?.release();
  }

  #classify(err: unknown, stage: 'connect' | 'session'): PdmError {
    const message = err instanceof Error ? err.message : String(err);
    const where = `machine ${this.#label.label}`;
    const details = { endpoint: this.#cfg.endpoint };
    if (/BadIdentityTokenRejected|BadUserAccessDenied|BadIdentityTokenInvalid/.test(message)) {
      return new PdmError(
        'PDM_ERR_OPCUA_SECURITY',
        `${where}: user name or password refused (${message}); check the credentials in the environment variables the config names`,
        details,
        { cause: err },
      );
    }
    if (
      /Certificate verification failed|BadCertificateUntrusted|BadCertificateInvalid/.test(message) &&
      stage === 'connect' &&
      /server Certificate/i.test(message)
    ) {
      return new PdmError(
        'PDM_ERR_OPCUA_SECURITY',
        `${where}: the server's certificate is not trusted by the collector (${message}); put the server's certificate in ${this.#cfg.pkiDir}/trusted/certs (it was not accepted automatically)`,
        details,
        { cause: err },
      );
    }
    if (/BadSecurityChecksFailed|BadCertificate|rejected by server/i.test(message)) {
      return new PdmError(
        'PDM_ERR_OPCUA_SECURITY',
        `${where}: the server refused the secure channel (${message}); the server must trust the collector's certificate (${this.#cfg.pkiDir}/own/certs), look in its rejected/ folder`,
        details,
        { cause: err },
      );
    }
    // node-opcua checks the token against the endpoint before sending it: a server may offer no
    // user name token (or no anonymous one) on this endpoint; retrying cannot change that.
    if (/Cannot find (USERNAME|ANONYMOUS) user token policy/i.test(message)) {
      const anonymous = /ANONYMOUS/i.test(message);
      return new PdmError(
        'PDM_ERR_OPCUA_SECURITY',
        `${where}: the server offers no ${anonymous ? 'anonymous' : 'user name'} token on its ${this.security ?? this.#cfg.security.mode} endpoint (${message}); ${anonymous ? 'configure a user (auth.usernameEnv / passwordEnv)' : this.#cfg.security.mode === 'None' ? 'servers rarely accept a password without message security: use security.mode SignAndEncrypt' : 'check the user tokens the server offers'}`,
        details,
        { cause: err },
      );
    }
    if (/BadSecurityPolicyRejected|BadSecurityModeRejected|no endpoint|endpoint.*not found/i.test(message)) {
      return new PdmError(
        'PDM_ERR_OPCUA_SECURITY',
        `${where}: the server does not offer ${this.#cfg.security.mode}/${this.policy ?? this.#cfg.security.policy ?? 'None'} (${message})`,
        details,
        { cause: err },
      );
    }
    return new PdmError(
      'PDM_ERR_OPCUA_CONNECT',
      `${where}: cannot ${stage === 'connect' ? 'connect' : 'open a session'} (${message})`,
      details,
      { cause: err },
    );
  }

  async #subscribe(session: ClientSession, machine: DiscoveredMachine): Promise<void> {
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: this.#cfg.publishingIntervalMs,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    this.#subscription = subscription;
    const now = () => Date.now();
    this.lastActivityMs = now();
    subscription.on('keepalive', () => (this.lastActivityMs = now()));
    subscription.on('received_notifications', () => (this.lastActivityMs = now()));
    subscription.on('terminated', () => {
      if (!this.#stopped) this.terminated = 'subscription terminated by the server';
    });
    const publishingIntervalMs = subscription.publishingInterval;
    if (machine.channels.length > 0) await this.#subscribeWaveforms(session, subscription, machine, publishingIntervalMs);
    if (machine.scalars.length > 0) await this.#subscribeScalars(session, subscription, machine);

    if (machine.runStateNode) {
      // Whether the machine runs: a stopped one acquires nothing, and its missing blocks are no loss.
      const stateItem = await subscription.monitorItems(
        [{ nodeId: machine.runStateNode, attributeId: AttributeIds.Value }],
        { samplingInterval: 0, discardOldest: true, queueSize: 8 },
        TimestampsToReturn.Both,
      );
      stateItem.on('changed', (_item, dv) => {
        const text = (dv.value?.value as { text?: string } | undefined)?.text;
        const atMs = (dv.sourceTimestamp ?? dv.serverTimestamp)?.getTime();
        if (text && atMs !== undefined && dv.statusCode.isGood()) this.#handlers.runState?.(text, atMs);
      });
    }

    if (machine.energy.length > 0) {
      const energyGroup = await subscription.monitorItems(
        machine.energy.map((e) => ({ nodeId: e.nodeId, attributeId: AttributeIds.Value })),
        // Timestamp too: an unchanged energy value published again is still a reading.
        {
          samplingInterval: 0,
          discardOldest: true,
          queueSize: 4,
          filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp }),
        },
        TimestampsToReturn.Both,
      );
      energyGroup.on('changed', (_item, dv, index) => this.#onEnergy(machine, machine.energy[index].field, dv));
    }
  }

  /** The waveform channels: one monitored item per waveform (and counter), or timed Reads for a server that samples. */
  async #subscribeWaveforms(
    session: ClientSession,
    subscription: ClientSubscription,
    machine: DiscoveredMachine,
    publishingIntervalMs: number,
  ): Promise<void> {
    const now = () => Date.now();
    // Every block produced during one publishing interval waits in the server's queue; x4 covers a
    // publish response that is late by a few intervals, and at least 2 s of blocks covers a
    // collector that stalls briefly (garbage collection, a busy core): a full queue drops blocks.
    const shortestBlockMs = Math.min(...machine.channels.map((c) => (c.blockSize * 1000) / c.sampleRateHz));
    const requestedQueueSize = Math.max(8, Math.ceil((4 * publishingIntervalMs) / shortestBlockMs), Math.ceil(2000 / shortestBlockMs));
    type Item = { nodeId: WaveformChannel['waveformNode']; onValue: (dv: DataValue) => void; isWaveform: boolean };
    const waveItems: Item[] = [];
    for (const ch of machine.channels) {
      const pending = new Map<number, Pending>();
      const toleranceMs = continuityToleranceMs(ch.sampleRateHz);
      const emit = (dv: DataValue, samples: Float32Array, seq: number | undefined) => {
        // node-opcua hands the SourceTimestamp over in whole milliseconds (+ picoseconds, when sent).
        const ts = dv.sourceTimestamp!.getTime();
        const startMs = ts + (dv.sourcePicoseconds ?? 0) / 1e9;
        const blockLenMs = (samples.length * 1000) / ch.sampleRateHz;
        this.lastBlockMs = now();
        this.#handlers.block({
          machine: machine.machineId,
          channel: ch.channel,
          seq,
          counterBits: ch.counterBits,
          startTimeNs: BigInt(ts) * 1_000_000n + BigInt(Math.floor((dv.sourcePicoseconds ?? 0) / 1000)),
          startMs,
          blockMs: blockLenMs,
          toleranceMs,
          endTimeMs: startMs + blockLenMs,
          sampleRateHz: ch.sampleRateHz,
          units: ch.units,
          meaning: ch.meaning,
          samples,
        });
      };
      const entry = (ts: number): Pending => {
        let p = pending.get(ts);
        if (!p) {
          p = {};
          pending.set(ts, p);
          // Halves never completed (a lost notification) must not pile up.
          if (pending.size > 64) pending.delete(pending.keys().next().value!);
        }
        return p;
      };
      if (!ch.sequenceNode) {
        // No counter: every waveform value is a block, judged by its timestamp downstream.
        waveItems.push({
          nodeId: ch.waveformNode,
          isWaveform: true,
          onValue: (dv) => {
            const samples = toSamples(dv.value.value, ch.scaling);
            if (!dv.sourceTimestamp?.getTime() || !samples || !dv.statusCode.isGood()) return;
            emit(dv, samples, undefined);
          },
        });
        continue;
      }
      const complete = (ts: number, p: Pending) => {
        if (p.samples && p.seq !== undefined && p.dv) {
          pending.delete(ts);
          emit(p.dv, p.samples, p.seq);
        }
      };
      waveItems.push({
        nodeId: ch.waveformNode,
        isWaveform: true,
        onValue: (dv) => {
          const ts = dv.sourceTimestamp?.getTime();
          const samples = toSamples(dv.value.value, ch.scaling);
          // A bad status (BadWaitingForInitialData before the first block...) carries no block.
          if (!ts || !samples || !dv.statusCode.isGood()) return;
          const p = entry(ts);
          p.samples = samples;
          p.dv = dv;
          complete(ts, p);
        },
      });
      waveItems.push({
        nodeId: ch.sequenceNode,
        isWaveform: false,
        onValue: (dv) => {
          const ts = dv.sourceTimestamp?.getTime();
          if (!ts || !dv.statusCode.isGood()) return;
          const seq = fromUInt64(dv.value.value);
          // 0 is the initial value before the first block of a counter that never wraps; a wrapping one passes 0 every 2^n blocks.
          if (!(seq > 0) && !(seq === 0 && ch.counterBits !== undefined)) return;
          const p = entry(ts);
          p.seq = seq;
          complete(ts, p);
        },
      });
    }
    const group = await subscription.monitorItems(
      waveItems.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })),
      {
        samplingInterval: 0,
        discardOldest: true,
        queueSize: requestedQueueSize,
        filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp }),
      },
      TimestampsToReturn.Both,
    );
    // Listen at once: notifications that arrive while the mode is decided below are blocks too.
    let subscribed = true;
    group.on('changed', (_item, dataValue, index) => {
      if (subscribed) waveItems[index].onValue(dataValue);
    });
    this.#checkItems(
      group,
      waveItems.map((i) => ({ nodeId: i.nodeId.toString(), isWaveform: i.isWaveform })),
      requestedQueueSize,
      shortestBlockMs,
      publishingIntervalMs,
      subscription.maxKeepAliveCount,
    );
    const decision = chooseMode({
      blockMs: shortestBlockMs,
      revisedSamplingMs: this.granted!.samplingIntervalMs,
      minimumSamplingMs: await this.#minimumSamplingMs(session, machine),
      readable: await this.#readable(session, waveItems),
    });
    this.#handlers.mode?.(decision);
    if (decision.mode === 'polling') {
      // The subscription's view of the waveforms is the sampled one: leave it, read instead.
      subscribed = false;
      await group.terminate();
      this.#log[decision.expectedLossPerS > 0 ? 'error' : 'warn'](
        { machine: machine.machineId, ...decision },
        'waveforms read by timed Read calls',
      );
      this.#startPolling('waveforms', session, waveItems, shortestBlockMs, (d) => this.#handlers.mode?.(d));
    } else {
      if (decision.expectedLossPerS > 0) this.#log.error({ machine: machine.machineId, ...decision }, 'blocks will be lost');
    }
  }

  /**
   * Scalar sensors: every value node in one monitored group (timestamp changes too: an unchanged
   * value published again is still a reading), values paired into one reading per channel by their
   * shared SourceTimestamp. A server that samples them more slowly than the sensor updates
   * (revised sampling interval > periodMs) is read by timed Reads instead, as waveforms are
   * (collection-mode.ts); a reading whose values never all arrive (a server that stamps each value
   * on its own) is sent with what it has once two periods have passed, never dropped.
   */
  async #subscribeScalars(session: ClientSession, subscription: ClientSubscription, machine: DiscoveredMachine): Promise<void> {
    type ScalarItem = { nodeId: NodeId; onValue: (dv: DataValue) => void };
    const items: ScalarItem[] = [];
    for (const ch of machine.scalars) {
      const pending = new Map<number, Partial<Record<ScalarFeatureField, number>>>();
      const emit = (ts: number, values: Partial<Record<ScalarFeatureField, number>>) => {
        pending.delete(ts);
        this.lastBlockMs = Date.now();
        this.#handlers.scalar?.({
          machine: machine.machineId,
          channel: ch.channel,
          location: ch.location,
          axis: ch.axis,
          timeMs: ts,
          values,
        });
      };
      for (const v of ch.values) {
        items.push({
          nodeId: v.nodeId,
          onValue: (dv) => {
            const ts = dv.sourceTimestamp?.getTime();
            const raw = Number(dv.value.value);
            // A bad status (BadWaitingForInitialData, a sensor fault on an IO-Link master) carries no value.
            if (!ts || !dv.statusCode.isGood() || dv.value.value === null || !Number.isFinite(raw)) return;
            let values = pending.get(ts);
            if (!values) {
              values = {};
              pending.set(ts, values);
            }
            values[v.field] = v.toCanonical(raw);
            if (Object.keys(values).length === ch.values.length) emit(ts, values);
            for (const [old, partial] of pending) if (old < ts - 2 * ch.periodMs) emit(old, partial);
          },
        });
      }
    }
    const group = await subscription.monitorItems(
      items.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })),
      {
        samplingInterval: 0,
        discardOldest: true,
        queueSize: 8,
        filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp }),
      },
      TimestampsToReturn.Both,
    );
    let subscribed = true;
    group.on('changed', (_item, dv, index) => {
      if (subscribed) items[index].onValue(dv);
    });
    let sampling = 0;
    group.monitoredItems.forEach((item, i) => {
      const r = item.result;
      if (r && !r.statusCode.isGood())
        throw new PdmError(
          'PDM_ERR_OPCUA_NODE',
          `machine ${this.#label.label}: monitoring node ${items[i].nodeId.toString()} refused (${r.statusCode.name})`,
          { endpoint: this.#cfg.endpoint },
        );
      if (r) sampling = Math.max(sampling, r.revisedSamplingInterval);
    });
    const periodMs = Math.min(...machine.scalars.map((c) => c.periodMs));
    const read = await session.read(items.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })));
    const decision = chooseMode({
      blockMs: periodMs,
      revisedSamplingMs: sampling,
      readable: read.every((dv) => !READ_REFUSED.has(dv.statusCode.value)),
    });
    const scalarDecision: ModeDecision = { ...decision, reason: `scalar sensors: ${decision.reason.replaceAll('block', 'update')}` };
    // A machine with waveforms reports their mode; the scalars' only when it is all there is, else as a risk when it loses.
    const report = (d: ModeDecision) => {
      if (machine.channels.length === 0) this.#handlers.mode?.(d);
      else if (d.expectedLossPerS > 0 || d.mode === 'polling') this.#handlers.risk?.(d.reason, d.expectedLossPerS > 0 ? 'error' : 'warn');
    };
    report(scalarDecision);
    this.#log.info({ machine: machine.machineId, samplingIntervalMs: sampling, periodMs, ...scalarDecision }, 'scalar sensors subscribed');
    if (scalarDecision.mode === 'polling') {
      subscribed = false;
      await group.terminate();
      this.#startPolling('scalars', session, items, periodMs, report);
    }
  }

  /** The longest MinimumSamplingInterval the waveforms declare (how often the server refreshes them), if any. */
  async #minimumSamplingMs(session: ClientSession, machine: DiscoveredMachine): Promise<number | undefined> {
    const r = await session.read(
      machine.channels.map((c) => ({ nodeId: c.waveformNode, attributeId: AttributeIds.MinimumSamplingInterval })),
    );
    const ms = r.filter((dv) => dv.statusCode.isGood()).map((dv) => Number(dv.value.value));
    const max = Math.max(0, ...ms.filter((v) => Number.isFinite(v)));
    return max > 0 ? max : undefined;
  }

  /**
   * Whether Reads of the waveforms are allowed. Only a refusal counts (BadNotReadable, access
   * denied): a value that is merely not good yet (a server waiting for its first block answers
   * BadWaitingForInitialData) will be readable once written, and polling is still what sees every block.
   */
  async #readable(session: ClientSession, items: Array<{ nodeId: WaveformChannel['waveformNode'] }>): Promise<boolean> {
    const r = await session.read(items.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })));
    return r.every((dv) => !READ_REFUSED.has(dv.statusCode.value));
  }

  /**
   * Read every waveform (and counter) twice per block period, in one Read each time, and hand each
   * value on only when its SourceTimestamp is new. Reads never overlap: a slow server is read as
   * fast as it answers, and when that is slower than a block the loss it implies is reported.
   */
  #startPolling(
    name: string,
    session: ClientSession,
    items: Array<{ nodeId: WaveformChannel['waveformNode']; onValue: (dv: DataValue) => void }>,
    blockMs: number,
    report: (decision: ModeDecision) => void,
  ): void {
    const intervalMs = blockMs / 2;
    const lastSeen = items.map(() => Number.NaN);
    const durations: number[] = [];
    let reported = false;
    const poll = async () => {
      if (this.#stopped) return;
      const t0 = performance.now();
      try {
        const values = await session.read(
          items.map((i) => ({ nodeId: i.nodeId, attributeId: AttributeIds.Value })),
          0,
        );
        this.lastActivityMs = Date.now();
        values.forEach((dv, i) => {
          const ts = (dv.sourceTimestamp?.getTime() ?? 0) + (dv.sourcePicoseconds ?? 0) / 1e9;
          if (!dv.statusCode.isGood() || ts === 0 || ts === lastSeen[i]) return;
          lastSeen[i] = ts;
          items[i].onValue(dv);
        });
      } catch (err) {
        // A failed read is a missed chance, not a stop: the continuity check counts what it missed,
        // and a dead connection is the watchdogs' business.
        this.#log.debug({ err: (err as Error).message, poller: name }, 'timed read failed');
      }
      const took = performance.now() - t0;
      durations.push(took);
      if (durations.length === 20 && !reported) {
        reported = true;
        const median = [...durations].sort((a, b) => a - b)[10];
        const loss = pollingLossPerS(blockMs, median);
        if (loss > 0) {
          const decision: ModeDecision = {
            mode: 'polling',
            expectedLossPerS: loss,
            reason: `a Read of the waveforms takes ${median.toFixed(0)} ms, longer than a block (${blockMs.toFixed(1)} ms): about ${loss.toFixed(2)} blocks/s will be lost`,
          };
          this.#log.error({ machine: this.machineId, poller: name, ...decision }, 'polling cannot keep up');
          report(decision);
        }
      }
      if (!this.#stopped) this.#pollTimers.set(name, setTimeout(poll, Math.max(0, intervalMs - took)));
    };
    this.#pollTimers.set(name, setTimeout(poll, 0));
  }

  #checkItems(
    group: ClientMonitoredItemGroup,
    items: Array<{ nodeId: string; isWaveform: boolean }>,
    requestedQueueSize: number,
    blockMs: number,
    publishingIntervalMs: number,
    keepAliveCount: number,
  ): void {
    let grantedQueue = Number.POSITIVE_INFINITY;
    let sampling = 0;
    group.monitoredItems.forEach((item, i) => {
      const r = item.result;
      if (r && !r.statusCode.isGood()) {
        throw new PdmError(
          'PDM_ERR_OPCUA_NODE',
          `machine ${this.#label.label}: monitoring node ${items[i].nodeId} refused (${r.statusCode.name})`,
          { endpoint: this.#cfg.endpoint },
        );
      }
      if (!items[i].isWaveform || !r) return;
      grantedQueue = Math.min(grantedQueue, r.revisedQueueSize);
      sampling = Math.max(sampling, r.revisedSamplingInterval);
    });
    this.granted = {
      publishingIntervalMs,
      keepAliveCount,
      waveformQueueSize: grantedQueue,
      requestedQueueSize,
      samplingIntervalMs: sampling,
    };
    const machineLog = { machine: this.machineId, ...this.granted, blockMs };
    // Longer than a block: the mode decision (timed Reads, or the loss to expect) says the rest.
    if (sampling > 0 && sampling <= blockMs) {
      const msg = `revised sampling interval ${sampling} ms on waveforms (blocks every ${blockMs.toFixed(1)} ms): the server samples instead of reporting every block; blocks written within one interval can be coalesced`;
      this.#log.warn(machineLog, msg);
      this.#handlers.risk?.(msg, 'warn');
    }
    const needed = Math.ceil(publishingIntervalMs / blockMs);
    if (grantedQueue < requestedQueueSize) {
      const severity = grantedQueue < needed ? 'error' : 'warn';
      const msg = `server granted a waveform queue of ${grantedQueue} (asked ${requestedQueueSize}, one publishing interval of ${publishingIntervalMs} ms holds ${needed} blocks)`;
      this.#log[severity](machineLog, msg);
      this.#handlers.risk?.(msg, severity);
    }
    this.#log.info(machineLog, 'subscribed');
  }

  #onEnergy(machine: DiscoveredMachine, field: EnergyField, dv: DataValue): void {
    const ts = dv.sourceTimestamp?.getTime();
    const value = Number(dv.value.value);
    if (!ts || !Number.isFinite(value) || !dv.statusCode.isGood()) return;
    let reading = this.#energyPending.get(ts);
    if (!reading) {
      reading = { machine: machine.machineId, timeMs: ts, values: {} };
      this.#energyPending.set(ts, reading);
    }
    reading.values[field] = value;
    if (Object.keys(reading.values).length === machine.energy.length) {
      this.#energyPending.delete(ts);
      this.#handlers.energy(reading);
    }
    for (const old of this.#energyPending.keys()) if (old < ts - 10_000) this.#energyPending.delete(old);
  }
}
