/**
 * The reference the collector's CPU is compared with (issue 16 part 2): a bare node-opcua client
 * on the same machines, with what the collector cannot do without and nothing else. Per machine:
 * connect with the same security (SignAndEncrypt, Basic256Sha256, the collector's certificate and
 * user token), discover the nodes with the collector's own browse (opcua-discovery.ts), one
 * subscription with the collector's settings (publishing interval, queue sizes, trigger), and count
 * the notifications. No decoding into blocks, no sequence ledger, no spool, no Kafka.
 */
import {
  AttributeIds,
  type ClientSession,
  type ClientSubscription,
  DataChangeFilter,
  DataChangeTrigger,
  MessageSecurityMode,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  TimestampsToReturn,
  UserTokenType,
} from 'node-opcua';
import { browseMachine } from '../ingest/collector/opcua-discovery.ts';

export interface BareClientResult {
  machines: number;
  seconds: number;
  notificationsPerS: number;
  cpuMsPerMachineSecond: number;
}

interface Connected {
  client: OPCUAClient;
  session: ClientSession;
  subscription: ClientSubscription;
}

/** Connect to every endpoint, subscribe like the collector, then measure this process's CPU for `seconds`. */
export async function measureBareClient(
  endpoints: Array<{ id: string; endpoint: string }>,
  opts: { pkiDir: string; user: string; password: string; publishingIntervalMs: number; seconds: number },
): Promise<BareClientResult> {
  const certificates = new OPCUACertificateManager({ rootFolder: opts.pkiDir, automaticallyAcceptUnknownCertificate: false });
  await certificates.initialize();
  let notifications = 0;
  const connected: Connected[] = [];
  for (const e of endpoints) {
    const client = OPCUAClient.create({
      applicationName: 'pdm-collector',
      applicationUri: 'urn:pdm:collector',
      clientCertificateManager: certificates,
      securityMode: MessageSecurityMode.SignAndEncrypt,
      securityPolicy: SecurityPolicy.Basic256Sha256,
      endpointMustExist: false,
      connectionStrategy: { initialDelay: 200, maxDelay: 400, maxRetry: 1 },
    });
    await client.connect(e.endpoint);
    const session = await client.createSession({ type: UserTokenType.UserName, userName: opts.user, password: opts.password });
    const machine = await browseMachine(session, { label: e.id, endpoint: e.endpoint }, e.id);
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: opts.publishingIntervalMs,
      requestedLifetimeCount: 600,
      requestedMaxKeepAliveCount: 20,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    // The collector's queue for waveforms: four publishing intervals of blocks, at least 2 s of them.
    const shortestBlockMs = Math.min(...machine.channels.map((c) => (c.blockSize * 1000) / c.sampleRateHz));
    const queueSize = Math.max(8, Math.ceil((4 * subscription.publishingInterval) / shortestBlockMs), Math.ceil(2000 / shortestBlockMs));
    const nodes = machine.channels.flatMap((c) => (c.sequenceNode ? [c.waveformNode, c.sequenceNode] : [c.waveformNode]));
    const waveforms = await subscription.monitorItems(
      nodes.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
      {
        samplingInterval: 0,
        discardOldest: true,
        queueSize,
        filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp }),
      },
      TimestampsToReturn.Both,
    );
    waveforms.on('changed', () => notifications++);
    if (machine.energy.length > 0) {
      const energy = await subscription.monitorItems(
        machine.energy.map((n) => ({ nodeId: n.nodeId, attributeId: AttributeIds.Value })),
        {
          samplingInterval: 0,
          discardOldest: true,
          queueSize: 4,
          filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp }),
        },
        TimestampsToReturn.Both,
      );
      energy.on('changed', () => notifications++);
    }
    connected.push({ client, session, subscription });
  }
  await new Promise((r) => setTimeout(r, 3_000)); // settle, as the collector's measure does
  const n0 = notifications;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, opts.seconds * 1000));
  const cpu = process.cpuUsage(c0);
  const seconds = (performance.now() - t0) / 1000;
  const n1 = notifications;
  for (const c of connected) {
    await c.subscription.terminate().catch(() => undefined);
    await c.session.close().catch(() => undefined);
    await c.client.disconnect().catch(() => undefined);
  }
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    machines: endpoints.length,
    seconds: Math.round(seconds * 10) / 10,
    notificationsPerS: Math.round(((n1 - n0) / seconds) * 10) / 10,
    cpuMsPerMachineSecond: Math.round((cpuMs / seconds / endpoints.length) * 100) / 100,
  };
}
