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
  OPCUACertificateManager,
  OPCUAServer,
  SecurityPolicy,
  StatusCodes,
  Variant,
  VariantArrayType,
  makeEUInformation,
  standardUnits,
  type EUInformation,
  type Namespace,
  type UAObject,
  type UAVariable,
} from 'node-opcua';
import { logger } from '../../../common/log.ts';
import {
  BLOCK_START_TIME,
  ENERGY_FOLDER,
  ENERGY_VARIABLES,
  IDENTIFICATION_FOLDER,
  NAMESPACE_URI,
  OPERATING_STATE,
  SAMPLE_RATE,
  SEQUENCE_NUMBER,
  VIBRATION_FOLDER,
  WAVEFORM,
  toUInt64,
} from '../../opcua/address-space-model.ts';
import { blockStartMs, lastCompleteBlock, type ChannelSpec, type EnergyReading, type MachineSignalSource } from '../signal-source.ts';

export type SecurityModeName = 'SignAndEncrypt' | 'Sign' | 'None';

export interface MachineServerOptions {
  machineId: string;
  port: number;
  /** Host name the endpoint URL advertises (default: localhost). */
  hostname?: string;
  identification?: { manufacturer?: string; model?: string; serialNumber?: string; machineType?: string };
  source: MachineSignalSource;
  security: { mode: SecurityModeName; policy: 'Basic256Sha256'; allowAnonymous: boolean };
  users: Array<{ username: string; password: string }>;
  /** PKI folder of this server (own certificate, trusted/ and rejected/ peers). Created on first start and kept. */
  pkiDir: string;
  /** Energy publishing period (default 1000 ms). */
  energyPeriodMs?: number;
  /** Longest run of missed blocks rendered when the timer falls behind; older ones become a gap. */
  maxCatchUpBlocks?: number;
}

const G_UNIT: EUInformation = makeEUInformation('K40', 'g', 'standard acceleration of free fall');
const UNIT_BY_SYMBOL: Record<string, EUInformation> = {
  kW: standardUnits.kilowatt,
  A: standardUnits.ampere,
  V: standardUnits.volt,
  '1': standardUnits.one,
  '°C': standardUnits.degree_celsius,
  rpm: standardUnits.revolutions_per_minute,
  '%': standardUnits.percent,
};
const ENERGY_KEYS: Record<string, keyof EnergyReading> = {
  ActivePower: 'powerKw',
  Current: 'currentA',
  Voltage: 'voltageV',
  PowerFactor: 'powerFactor',
  Temperature: 'temperatureC',
  Speed: 'speedRpm',
  Load: 'loadPct',
};

interface ChannelNodes {
  spec: ChannelSpec;
  waveform: UAVariable;
  sequence: UAVariable;
  blockStart: UAVariable;
  buffer: Float32Array;
  lastSeq: number;
}

export class MachineServer {
  readonly machineId: string;
  readonly #opts: MachineServerOptions;
  readonly #log;
  #server: OPCUAServer | undefined;
  #channels: ChannelNodes[] = [];
  #energyNodes = new Map<string, UAVariable>();
  #stateNode: UAVariable | undefined;
  #blockTimer: NodeJS.Timeout | undefined;
  #energyTimer: NodeJS.Timeout | undefined;
  #running = false;
  /** Blocks published since start, per channel id (for counting in tests and the live view). */
  readonly published = new Map<string, number>();

  constructor(opts: MachineServerOptions) {
    this.machineId = opts.machineId;
    this.#opts = opts;
    this.#log = logger('machine-server', { machine: opts.machineId });
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
      resourcePath: `/pdm/${this.machineId}`,
      alternateHostname: this.#opts.hostname,
      serverCertificateManager,
      securityModes: [MessageSecurityMode[security.mode]],
      securityPolicies: security.mode === 'None' ? [SecurityPolicy.None] : [SecurityPolicy[security.policy]],
      allowAnonymous: security.allowAnonymous,
      userManager: {
        isValidUser: (username: string, password: string) => users.some((u) => u.username === username && u.password === password),
      },
      buildInfo: { productName: `pdm simulated machine ${this.machineId}`, manufacturerName: 'pdm', softwareVersion: '0.1.0' },
      serverInfo: { applicationUri: `urn:pdm:simulator:${this.machineId}`, productUri: 'urn:pdm:simulator' },
      // Advertising 0 makes exception-based items deliver every change: with the default 50 ms two
      // blocks published in one timer tick (a late timer catching up) would be coalesced into one.
      serverCapabilities: { maxSessions: 20, minSupportedSampleRate: 0 },
    });
    await server.initialize();
    this.#buildAddressSpace(server);
    await server.start();
    this.#server = server;
    this.#running = true;
    this.#setState('Running');
    this.#scheduleBlocks();
    this.#energyTimer = setInterval(() => this.#publishEnergy(Date.now()), this.#opts.energyPeriodMs ?? 1000);
    this.#log.info({ endpoint: this.endpointUrl, security: security.mode }, 'machine server listening');
  }

  /** Stop publishing and close the server (sessions are dropped, as when a machine is switched off). */
  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#blockTimer);
    clearInterval(this.#energyTimer);
    if (this.#server) {
      await this.#server.shutdown(0);
      this.#server = undefined;
    }
  }

  #buildAddressSpace(server: OPCUAServer): void {
    const addressSpace = server.engine.addressSpace!;
    const ns: Namespace = addressSpace.registerNamespace(NAMESPACE_URI);
    const machine: UAObject = ns.addObject({ organizedBy: addressSpace.rootFolder.objects, browseName: this.machineId, description: 'simulated machine' });
    const ident = ns.addObject({ componentOf: machine, browseName: IDENTIFICATION_FOLDER });
    const id = this.#opts.identification ?? {};
    for (const [name, value] of [
      ['Manufacturer', id.manufacturer ?? 'pdm simulator'],
      ['Model', id.model ?? 'generic'],
      ['SerialNumber', id.serialNumber ?? this.machineId],
      ['MachineType', id.machineType ?? 'machine'],
      ['ProductInstanceUri', `urn:pdm:machine:${this.machineId}`],
    ] as const) {
      ns.addVariable({ propertyOf: ident, browseName: name, dataType: 'String', value: { dataType: DataType.String, value } });
    }
    this.#stateNode = ns.addVariable({ componentOf: machine, browseName: OPERATING_STATE, dataType: 'String', value: { dataType: DataType.String, value: 'Stopped' } });

    const vib = ns.addObject({ componentOf: machine, browseName: VIBRATION_FOLDER });
    for (const spec of this.#opts.source.channels) {
      const chan = ns.addObject({ componentOf: vib, browseName: spec.id });
      const empty = new Float32Array(spec.blockSize);
      const waveform = ns.addYArrayItem({
        componentOf: chan,
        browseName: WAVEFORM,
        title: `${this.machineId} ${spec.id} acceleration`,
        dataType: DataType.Float as never, // addYArrayItem coerces a DataType number, not the name
        engineeringUnitsRange: { low: -50, high: 50 },
        instrumentRange: { low: -50, high: 50 },
        engineeringUnits: G_UNIT,
        axisScaleType: 'Linear',
        xAxisDefinition: {
          engineeringUnits: standardUnits.second,
          title: 'time',
          euRange: { low: 0, high: (spec.blockSize - 1) / spec.sampleRateHz },
          axisScaleType: 'Linear' as never,
          axisSteps: null,
        },
        value: new Variant({ dataType: DataType.Float, arrayType: VariantArrayType.Array, value: empty }),
      });
      // addYArrayItem leaves these to the type's defaults: EngineeringUnits empty, sampling interval
      // unspecified. 0 = exception-based: every block is a change the subscription reports.
      waveform.minimumSamplingInterval = 0;
      (waveform as UAVariable & { engineeringUnits?: UAVariable }).engineeringUnits?.setValueFromSource({ dataType: DataType.ExtensionObject, value: G_UNIT });
      const sequence = ns.addVariable({ componentOf: chan, browseName: SEQUENCE_NUMBER, dataType: 'UInt64', minimumSamplingInterval: 0, value: { dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: [0, 0] } });
      const blockStart = ns.addVariable({ componentOf: chan, browseName: BLOCK_START_TIME, dataType: 'DateTime', minimumSamplingInterval: 0, value: { dataType: DataType.DateTime, value: new Date(0) } });
      ns.addAnalogDataItem({
        componentOf: chan,
        browseName: SAMPLE_RATE,
        dataType: 'Double',
        engineeringUnits: standardUnits.hertz,
        engineeringUnitsRange: { low: 0, high: 1e6 },
        value: { dataType: DataType.Double, value: spec.sampleRateHz },
      });
      this.#channels.push({ spec, waveform, sequence, blockStart, buffer: new Float32Array(spec.blockSize), lastSeq: -1 });
      this.published.set(spec.id, 0);
    }

    const energy = ns.addObject({ componentOf: machine, browseName: ENERGY_FOLDER });
    for (const v of ENERGY_VARIABLES) {
      const node = ns.addAnalogDataItem({
        componentOf: energy,
        browseName: v.browseName,
        dataType: 'Double',
        minimumSamplingInterval: 0,
        engineeringUnits: UNIT_BY_SYMBOL[v.unit],
        engineeringUnitsRange: { low: 0, high: 1e6 },
        value: { dataType: DataType.Double, value: 0 },
      });
      this.#energyNodes.set(v.browseName, node);
    }
  }

  #setState(state: 'Running' | 'Stopped' | 'Failed'): void {
    this.#stateNode?.setValueFromSource({ dataType: DataType.String, value: state });
  }

  /** Wake at each block boundary (the shortest block period of all channels) and publish what has elapsed. */
  #scheduleBlocks(): void {
    if (!this.#running) return;
    const periodMs = Math.min(...this.#channels.map((c) => (c.spec.blockSize * 1000) / c.spec.sampleRateHz));
    const now = Date.now();
    this.#publishElapsedBlocks(now);
    const next = Math.ceil((now + 1) / periodMs) * periodMs;
    this.#blockTimer = setTimeout(() => this.#scheduleBlocks(), Math.max(1, next - now + 2));
  }

  #publishElapsedBlocks(nowMs: number): void {
    const maxCatchUp = this.#opts.maxCatchUpBlocks ?? 50;
    for (const ch of this.#channels) {
      const last = lastCompleteBlock(ch.spec, nowMs);
      // First block after (re)start: begin at the current one; a long stall skips ahead (a gap) rather than flooding.
      let seq = ch.lastSeq < 0 ? last : Math.max(ch.lastSeq + 1, last - maxCatchUp + 1);
      for (; seq <= last; seq++) {
        this.#opts.source.renderBlock(ch.spec.id, seq, ch.buffer);
        const startMs = blockStartMs(ch.spec, seq);
        const sourceTimestamp = new Date(startMs);
        // A fresh copy per block: the subscription queue keeps a reference to the value it reports.
        ch.waveform.setValueFromSource(new Variant({ dataType: DataType.Float, arrayType: VariantArrayType.Array, value: Float32Array.from(ch.buffer) }), StatusCodes.Good, sourceTimestamp);
        ch.sequence.setValueFromSource(new Variant({ dataType: DataType.UInt64, arrayType: VariantArrayType.Scalar, value: toUInt64(seq) }), StatusCodes.Good, sourceTimestamp);
        ch.blockStart.setValueFromSource(new Variant({ dataType: DataType.DateTime, value: sourceTimestamp }), StatusCodes.Good, sourceTimestamp);
        ch.lastSeq = seq;
        this.published.set(ch.spec.id, (this.published.get(ch.spec.id) ?? 0) + 1);
      }
    }
  }

  #publishEnergy(nowMs: number): void {
    const reading = this.#opts.source.energyAt(nowMs);
    const ts = new Date(Math.floor(nowMs / 1000) * 1000);
    for (const [name, node] of this.#energyNodes) {
      node.setValueFromSource(new Variant({ dataType: DataType.Double, value: reading[ENERGY_KEYS[name]] }), StatusCodes.Good, ts);
    }
  }
}
