/**
 * One simulated machine as a real OPC UA server (node-opcua): builds the address space described
 * in `ingest/opcua/address-space-model.ts` and publishes the machine's signals block by block,
 * aligned to wall-clock time, so sequence numbers are stable across restarts (a restarted
 * machine continues at the block the clock says, and the downtime shows as a gap).
 */
import { mkdirSync } from 'node:fs';
import {
  DataType,
  MessageSecurityMode,
  makeRoles,
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  UserTokenType,
  Variant,
  VariantArrayType,
} from 'node-opcua';
import { describeError } from '../../../common/errors.ts';
import { logger } from '../../../common/log.ts';
import type { IsoClass } from '../../../models/vibration/iso20816.ts';
import { toUInt64 } from '../../opcua/address-space-model.ts';
import { policyUri, SECURITY_POLICIES, type SecurityModeName, type SecurityPolicyName } from '../../opcua/security.ts';
import type { MachineTruth } from '../physics/machine-simulation.ts';
import { blockStartMs, lastCompleteBlock, type MachineControl, type MachineSignalSource } from '../signal-source.ts';
import { addMachineMethods } from './machine-methods.ts';
import {
  buildMachineNodes,
  type ChannelNodes,
  ENERGY_KEYS,
  MACHINE_NODESETS,
  type MachineIdentification,
  type MachineNodes,
} from './machine-nodes.ts';
import { shownState } from './operating-state.ts';
import { ScalarOverall } from './scalar-overall.ts';
import { userCheck } from './user-check.ts';

export type { SecurityModeName } from '../../opcua/security.ts';

export interface MachineServerOptions {
  machineId: string;
  port: number;
  /** Host name the endpoint URL advertises (default: localhost). */
  hostname?: string;
  /**
   * Address to listen on (default 127.0.0.1: only this computer). node-opcua listens on every
   * interface unless told, which puts a machine on any network the host is on; reaching it from
   * elsewhere must be a decision (`pdm simulate --bind 0.0.0.0`, as docker-compose does).
   */
  bind?: string;
  identification?: MachineIdentification;
  source: MachineSignalSource;
  /** What the InjectFault/Stop/Start/Repair methods drive and where the shown state comes from; no methods without it. */
  control?: MachineControl;
  /**
   * Mode, and the policies offered: `policies` (default all of SECURITY_POLICIES), or `policy`
   * alone to offer only that one.
   */
  security: { mode: SecurityModeName; policies?: readonly SecurityPolicyName[]; policy?: SecurityPolicyName; allowAnonymous: boolean };
  users: Array<{ username: string; password: string }>;
  /** PKI folder of this server (own certificate, trusted/ and rejected/ peers). Created on first start and kept. */
  pkiDir: string;
  /** Energy publishing period (default 1000 ms). */
  energyPeriodMs?: number;
  /** Longest run of missed blocks rendered when the timer falls behind; older ones become a gap. */
  maxCatchUpBlocks?: number;
  /**
   * Serve the channels as scalar sensors (IO-Link style) instead of waveforms: every periodMs, each
   * channel's overall values over the period just ended, computed from the same rendered signal by
   * the window analysis the processor runs (scalar-overall.ts). Absent: waveforms.
   */
  scalar?: { periodMs: number; shaftHz: number; iso: IsoClass };
}

interface PublishedChannel {
  nodes: ChannelNodes;
  buffer: Float32Array;
  lastSeq: number;
}

export interface MachineServerStats {
  /** Blocks published per channel id since start. */
  published: Map<string, number>;
  /** Blocks not acquired because the machine was stopped (all channels). */
  notAcquired: number;
  /** Blocks (and scalar periods) skipped because the timer fell more than maxCatchUpBlocks (SCALAR_MAX_CATCH_UP) behind: lost. */
  skippedBehind: number;
  /** Largest delay between a block's end and its publication, ms. */
  maxPublishDelayMs: number;
  /**
   * The sequence numbers published per channel id, as runs [first, last] (a new run after a
   * stop or a skip): the simulator's own record of what it produced, which a fault suite counts
   * what reached storage against.
   */
  producedRuns: Map<string, Array<[number, number]>>;
  /** Scalar sensors: the time stamp (period end, ms) of the first values published since start; 0 before. */
  firstScalarEndMs: number;
}

export class MachineServer {
  readonly machineId: string;
  readonly #opts: MachineServerOptions;
  readonly #log;
  #server: OPCUAServer | undefined;
  #nodes: MachineNodes | undefined;
  #channels: PublishedChannel[] = [];
  #blockTimer: NodeJS.Timeout | undefined;
  #energyTimer: NodeJS.Timeout | undefined;
  #scalarTimer: NodeJS.Timeout | undefined;
  #scalarOverall: ScalarOverall | undefined;
  #running = false;
  readonly stats: MachineServerStats = {
    published: new Map(),
    notAcquired: 0,
    skippedBehind: 0,
    maxPublishDelayMs: 0,
    producedRuns: new Map(),
    firstScalarEndMs: 0,
  };
  /** Blocks published since start, per channel id (for counting in tests and the live view). */
  readonly published = this.stats.published;

  constructor(opts: MachineServerOptions) {
    this.machineId = opts.machineId;
    this.#opts = opts;
    this.#log = logger('machine-server', { machine: opts.machineId });
  }

  /** The security policies this server offers (none with mode None). */
  get policies(): SecurityPolicyName[] {
    const { security } = this.#opts;
    if (security.mode === 'None') return [];
    return [...(security.policies ?? (security.policy ? [security.policy] : SECURITY_POLICIES))];
  }

  get endpointUrl(): string {
    return `opc.tcp://${this.#opts.hostname ?? 'localhost'}:${this.#opts.port}/pdm/${this.machineId}`;
  }

  async start(): Promise<void> {
    const { security } = this.#opts;
    mkdirSync(this.#opts.pkiDir, { recursive: true });
    const serverCertificateManager = new OPCUACertificateManager({
      rootFolder: this.#opts.pkiDir,
      // Peers are trusted explicitly (their certificate copied to trusted/); unknown ones land in rejected/.
      automaticallyAcceptUnknownCertificate: false,
    });
    await serverCertificateManager.initialize();
    const users = this.#opts.users;
    const server = new OPCUAServer({
      port: this.#opts.port,
      host: this.#opts.bind ?? '127.0.0.1',
      resourcePath: `/pdm/${this.machineId}`,
      alternateHostname: this.#opts.hostname,
      nodeset_filename: MACHINE_NODESETS,
      serverCertificateManager,
      securityModes: [MessageSecurityMode[security.mode]],
      securityPolicies: security.mode === 'None' ? [SecurityPolicy.None] : this.policies.map(policyUri),
      allowAnonymous: security.allowAnonymous,
      userManager: {
        isValidUser: userCheck(users),
        // Every configured user operates the machine; anonymous sessions keep the Anonymous role only.
        getUserRoles: () => makeRoles('AuthenticatedUser;Operator'),
      },
      buildInfo: { productName: `pdm simulated machine ${this.machineId}`, manufacturerName: 'pdm', softwareVersion: '0.1.0' },
      serverInfo: { applicationUri: `urn:pdm:simulator:${this.machineId}`, productUri: 'urn:pdm:simulator' },
      // Advertising 0 makes exception-based items deliver every change: with the default 50 ms two
      // blocks published in one timer tick (a late timer catching up) would be coalesced into one.
      serverCapabilities: { maxSessions: 20, minSupportedSampleRate: 0 },
    });
    await server.initialize();
    // node-opcua also offers X509 user tokens (checked against a per-user-profile UserPKI nobody
    // manages here): offer only the tokens the fleet configures, user names and maybe anonymous.
    for (const endpoint of server.endpoints) {
      for (const d of endpoint.endpointDescriptions())
        d.userIdentityTokens = (d.userIdentityTokens ?? []).filter((t) => t.tokenType !== UserTokenType.Certificate);
    }
    const nodes = buildMachineNodes(
      server.engine.addressSpace!,
      this.machineId,
      this.#opts.identification ?? {},
      this.#opts.source.channels,
      this.#opts.scalar ? 'scalar' : 'waveform',
    );
    this.#nodes = nodes;
    const control = this.#opts.control;
    if (control) addMachineMethods(nodes.namespace, nodes.machine, this.machineId, { control, changed: (truth) => this.#showTruth(truth) });
    this.#channels = nodes.channels.map((n) => ({ nodes: n, buffer: new Float32Array(n.spec.blockSize), lastSeq: -1 }));
    for (const c of this.#channels) this.stats.published.set(c.nodes.spec.id, 0);
    for (const c of nodes.scalars) this.stats.published.set(c.spec.id, 0);
    await server.start();
    this.#server = server;
    this.#running = true;
    this.#refreshState(Date.now());
    if (this.#opts.scalar) {
      this.#scalarOverall = new ScalarOverall(this.#opts.source, this.#opts.scalar);
      // A restarted server starts at the current period: nothing was measured while it was down.
      this.#lastScalarEndMs = 0;
      this.#scheduleScalars();
    } else this.#scheduleBlocks();
    this.#energyTimer = setInterval(() => {
      const now = Date.now();
      this.#publishEnergy(now);
      this.#refreshState(now);
    }, this.#opts.energyPeriodMs ?? 1000);
    this.#log.info(
      {
        endpoint: this.endpointUrl,
        bind: this.#opts.bind ?? '127.0.0.1',
        security: security.mode,
        policies: this.policies,
        anonymous: security.allowAnonymous,
        methods: Boolean(control),
      },
      'machine server listening',
    );
  }

  /** Stop publishing and close the server (sessions are dropped, as when a machine is switched off). */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#blockTimer);
    clearInterval(this.#energyTimer);
    clearTimeout(this.#scalarTimer);
    if (this.#server) {
      await this.#server.shutdown(0);
      this.#server = undefined;
    }
  }

  #refreshState(nowMs: number): void {
    const control = this.#opts.control;
    if (!control) {
      this.#nodes?.showState({ operatingState: 'Running', machineryItemState: 'Executing', mode: 'running' });
      return;
    }
    try {
      this.#showTruth(control.truthAt(nowMs));
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'cannot read the machine state');
    }
  }

  #showTruth(truth: MachineTruth): void {
    this.#nodes?.showState(shownState(truth));
  }

  /** Wake at each block boundary (the shortest block period of all channels) and publish what has elapsed. */
  #scheduleBlocks(): void {
    if (!this.#running) return;
    const periodMs = Math.min(...this.#channels.map((c) => (c.nodes.spec.blockSize * 1000) / c.nodes.spec.sampleRateHz));
    const now = Date.now();
    try {
      this.#publishElapsedBlocks(now);
    } catch (err) {
      // A source that fails must not stop the timer: the next tick tries again (and shows a gap).
      this.#log.error({ err: describeError(err) }, 'block not published');
    }
    const next = Math.ceil((now + 1) / periodMs) * periodMs;
    this.#blockTimer = setTimeout(() => this.#scheduleBlocks(), Math.max(1, next - now + 2));
  }

  #publishElapsedBlocks(nowMs: number): void {
    const maxCatchUp = this.#opts.maxCatchUpBlocks ?? 50;
    const source = this.#opts.source;
    for (const ch of this.#channels) {
      const spec = ch.nodes.spec;
      const last = lastCompleteBlock(spec, nowMs);
      // First block after (re)start: begin at the current one; a long stall skips ahead (a gap) rather than flooding.
      let seq = ch.lastSeq < 0 ? last : Math.max(ch.lastSeq + 1, last - maxCatchUp + 1);
      if (ch.lastSeq >= 0 && seq > ch.lastSeq + 1) this.stats.skippedBehind += seq - ch.lastSeq - 1;
      for (; seq <= last; seq++) {
        const startMs = blockStartMs(spec, seq);
        ch.lastSeq = seq;
        if (source.isAcquiring && !source.isAcquiring(startMs)) {
          this.stats.notAcquired++;
          continue;
        }
        source.renderBlock(spec.id, seq, ch.buffer);
        const sourceTimestamp = new Date(startMs);
        const { waveform, sequence, blockStart } = ch.nodes;
        // A fresh copy per block: the subscription queue keeps a reference to the value it reports.
        waveform.setValueFromSource(
          new Variant({ dataType: DataType.Float, arrayType: VariantArrayType.Array, value: Float32Array.from(ch.buffer) }),
          StatusCodes.Good,
          sourceTimestamp,
        );
        sequence.setValueFromSource(
          new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: toUInt64(seq) }),
          StatusCodes.Good,
          sourceTimestamp,
        );
        blockStart.setValueFromSource(
          new Variant({ dataType: DataType.DateTime, value: sourceTimestamp }),
          StatusCodes.Good,
          sourceTimestamp,
        );
        this.stats.published.set(spec.id, (this.stats.published.get(spec.id) ?? 0) + 1);
        recordRun(this.stats.producedRuns, spec.id, seq);
        const delay = nowMs - blockStartMs(spec, seq + 1);
        if (delay > this.stats.maxPublishDelayMs) this.stats.maxPublishDelayMs = delay;
      }
    }
  }

  /**
   * Wake at each scalar period boundary of the wall clock and publish every channel's overall
   * values of the period just ended, stamped with its end (so a restarted server stamps the same
   * period the same way). A stopped machine publishes nothing (no signal to measure).
   * A timer that wakes late (a loaded machine) publishes every period it slept through, in order,
   * as a sensor that kept measuring would: a skipped period read as a lost reading in the
   * collector's tests. A long stall skips ahead after SCALAR_MAX_CATCH_UP periods (counted in
   * skippedBehind) rather than overflowing a client's queue.
   */
  #scheduleScalars(): void {
    if (!this.#running || !this.#opts.scalar) return;
    const periodMs = this.#opts.scalar.periodMs;
    const now = Date.now();
    const endMs = Math.floor(now / periodMs) * periodMs;
    try {
      if (endMs > this.#lastScalarEndMs) {
        let next = this.#lastScalarEndMs === 0 ? endMs : this.#lastScalarEndMs + periodMs;
        const skipTo = endMs - (SCALAR_MAX_CATCH_UP - 1) * periodMs;
        if (next < skipTo) {
          this.stats.skippedBehind += (skipTo - next) / periodMs;
          next = skipTo;
        }
        for (; next <= endMs; next += periodMs) {
          this.#lastScalarEndMs = next;
          this.#publishScalars(next);
        }
      }
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'scalar values not published');
    }
    this.#scalarTimer = setTimeout(() => this.#scheduleScalars(), Math.max(1, endMs + periodMs - now + 2));
  }

  #lastScalarEndMs = 0;

  #publishScalars(endMs: number): void {
    const nodes = this.#nodes;
    const overall = this.#scalarOverall;
    if (!nodes || !overall) return;
    const source = this.#opts.source;
    const startMs = endMs - this.#opts.scalar!.periodMs;
    if (source.isAcquiring && !(source.isAcquiring(startMs) && source.isAcquiring(endMs - 1))) {
      this.stats.notAcquired++;
      return;
    }
    const temperatureC = source.energyAt(endMs).temperatureC;
    if (this.stats.firstScalarEndMs === 0) this.stats.firstScalarEndMs = endMs;
    const ts = new Date(endMs);
    for (const ch of nodes.scalars) {
      const v = overall.over(ch.spec, startMs, endMs);
      const values: Record<string, number> = {
        VelocityRms: v.velocityRmsMmS,
        AccelerationRms: v.rmsG,
        AccelerationPeak: v.peakG,
        CrestFactor: v.crestFactor,
        Temperature: temperatureC,
      };
      for (const [name, node] of ch.values)
        node.setValueFromSource(new Variant({ dataType: DataType.Double, value: values[name] }), StatusCodes.Good, ts);
      this.stats.published.set(ch.spec.id, (this.stats.published.get(ch.spec.id) ?? 0) + 1);
    }
  }

  #publishEnergy(nowMs: number): void {
    if (!this.#nodes) return;
    let reading;
    try {
      reading = this.#opts.source.energyAt(nowMs);
    } catch (err) {
      this.#log.error({ err: describeError(err) }, 'energy reading not published');
      return;
    }
    const ts = new Date(Math.floor(nowMs / 1000) * 1000);
    for (const [name, node] of this.#nodes.energy) {
      node.setValueFromSource(new Variant({ dataType: DataType.Double, value: reading[ENERGY_KEYS[name]] }), StatusCodes.Good, ts);
    }
  }
}

/**
 * Scalar periods a late timer publishes at once at most: the depth of the queue the collector asks
 * for on each value node (opcua-machine-input.ts), so a burst never overflows it.
 */
const SCALAR_MAX_CATCH_UP = 8;

/** Add `seq` to a channel's runs: extends the last run when it follows it, else starts a new one. */
function recordRun(runs: Map<string, Array<[number, number]>>, channel: string, seq: number): void {
  const list = runs.get(channel) ?? [];
  runs.set(channel, list);
  const last = list.at(-1);
  if (last && seq === last[1] + 1) last[1] = seq;
  else list.push([seq, seq]);
}
