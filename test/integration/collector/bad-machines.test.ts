/**
 * Six broken machines among good ones: wrong credentials, a server certificate the collector
 * does not trust, a configured node id that does not exist, a configured "waveform" of the wrong
 * type, a server that serves another machine than the configured id, a channel declared as a
 * velocity sensor in mm/s whose server says its units are g. Each stops with one clear error line naming the machine and the cause (what /health and
 * the log show), none is retried for ever, and the good machines keep flowing, gap-free.
 */
import { join } from 'node:path';
import { BrowseDirection, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, UserTokenType } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../../ingest/collector/collector.ts';
import { rejectedCertificates } from '../../../ingest/opcua/pki.ts';
import {
  AUTH,
  collectorConfig,
  machineEntry,
  OPCUA_ENV,
  startMachine,
  type TestMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

/** Node ids of a machine's channel, found by browsing as an operator's OPC UA browser would. */
async function channelNodeIds(
  dir: string,
  m: TestMachine,
  channel: string,
): Promise<{ waveform: string; sequence: string; sampleRate: string }> {
  const cm = new OPCUACertificateManager({ rootFolder: join(dir, 'collector-pki'), automaticallyAcceptUnknownCertificate: false });
  await cm.initialize();
  const client = OPCUAClient.create({
    clientCertificateManager: cm,
    applicationUri: 'urn:pdm:collector',
    securityMode: MessageSecurityMode.SignAndEncrypt,
    securityPolicy: SecurityPolicy.Basic256Sha256,
    endpointMustExist: false,
    connectionStrategy: { initialDelay: 100, maxDelay: 500, maxRetry: 1 },
  });
  await client.connect(m.server.endpointUrl);
  const session = await client.createSession({
    type: UserTokenType.UserName,
    userName: OPCUA_ENV.COLLECTOR_TEST_USER,
    password: OPCUA_ENV.COLLECTOR_TEST_PASSWORD,
  });
  try {
    // Browse Objects/<machine>/Vibration/<channel>/<leaf> by browse name.
    const child = async (parent: string, name: string): Promise<string> => {
      const r = await session.browse({
        nodeId: parent,
        browseDirection: BrowseDirection.Forward,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        nodeClassMask: 0,
        resultMask: 63,
      });
      const ref = (r.references ?? []).find((x) => x.browseName.name === name);
      if (!ref) throw new Error(`${parent} has no child ${name}`);
      return ref.nodeId.toString();
    };
    let node = 'ns=0;i=85';
    for (const name of [m.id, 'Vibration', channel]) node = await child(node, name);
    return {
      waveform: await child(node, 'Waveform'),
      sequence: await child(node, 'SequenceNumber'),
      sampleRate: await child(node, 'SampleRate'),
    };
  } finally {
    await session.close();
    await client.disconnect();
  }
}

describe('bad machines: one clear error each, the others keep flowing', () => {
  const services = testServices();
  const prefix = `bm${Date.now().toString(36)}_`;
  const dir = tempDir('bad-machines');
  const good: TestMachine[] = [];
  const bad: Record<string, TestMachine> = {};
  let collector: Collector;
  let outWhenAllFailed: number[] = [];
  let health: ReturnType<Collector['health']>;

  beforeAll(async () => {
    good.push(await startMachine(dir, 'good-1'));
    bad.credentials = await startMachine(dir, 'wrong-pw');
    bad.untrusted = await startMachine(dir, 'stranger', { trust: false });
    bad.missingNode = await startMachine(dir, 'no-node');
    bad.wrongType = await startMachine(dir, 'wrong-type');
    bad.otherMachine = await startMachine(dir, 'press-2');
    bad.wrongUnits = await startMachine(dir, 'wrong-units');
    good.push(await startMachine(dir, 'good-2'));
    const ids = await channelNodeIds(dir, bad.wrongType, 'DE_X');
    const unitsIds = await channelNodeIds(dir, bad.wrongUnits, 'DE_X');
    const config = collectorConfig(dir, prefix, [
      machineEntry(good[0]),
      {
        id: 'wrong-pw',
        endpoint: bad.credentials.server.endpointUrl,
        auth: { usernameEnv: 'COLLECTOR_TEST_USER', passwordEnv: 'WRONG_PASSWORD' },
      },
      machineEntry(bad.untrusted),
      {
        id: 'no-node',
        endpoint: bad.missingNode.server.endpointUrl,
        auth: AUTH,
        nodes: { channels: [{ channel: 'DE_X', waveform: 'ns=1;s=NoSuchWaveform', sequence: 'ns=1;s=NoSuchSequence' }] },
      },
      // The sample rate variable (an AnalogItemType holding a Double) given where a waveform belongs.
      {
        id: 'wrong-type',
        endpoint: bad.wrongType.server.endpointUrl,
        auth: AUTH,
        nodes: { channels: [{ channel: 'DE_X', waveform: ids.sampleRate, sequence: ids.sequence }] },
      },
      // The configured id does not match what the server serves (a wrong port, say).
      { id: 'press-9', endpoint: bad.otherMachine.server.endpointUrl, auth: AUTH },
      // Declared a velocity sensor; the server's EngineeringUnits say g: neither is silently believed.
      {
        id: 'wrong-units',
        endpoint: bad.wrongUnits.server.endpointUrl,
        auth: AUTH,
        nodes: {
          channels: [{ channel: 'DE_X', waveform: unitsIds.waveform, sequence: unitsIds.sequence, quantity: 'velocity', units: 'mm/s' }],
        },
      },
      machineEntry(good[1]),
    ]);
    collector = new Collector(config, {
      brokers: services.kafkaBrokers,
      env: { ...process.env, ...OPCUA_ENV, WRONG_PASSWORD: 'not-the-password' },
    });
    await collector.start();
    const byId = (id: string) => collector.stats.find((s) => s.machine === id)!;
    await until(
      () => ['wrong-pw', 'stranger', 'no-node', 'wrong-type', 'press-9', 'wrong-units'].every((id) => byId(id).state === 'failed'),
      60_000,
      'the six bad machines to fail',
    );
    outWhenAllFailed = good.map((m) => byId(m.id).blocksOut);
    await until(() => good.every((m, i) => byId(m.id).blocksOut >= outWhenAllFailed[i] + 40), 60_000, 'the good machines flowing on');
    health = collector.health();
    // Stopped before the counts are compared: nothing is left in flight.
    await collector.stop();
  });

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await Promise.all([...good, ...Object.values(bad)].map((m) => m.server.stop().catch(() => undefined)));
  });

  const errorOf = (id: string) => {
    const s = collector.stats.find((x) => x.machine === id)!;
    expect(s.state).toBe('failed');
    expect(s.error).toBeDefined();
    expect(s.error).not.toContain('\n'); // one line
    expect(s.error).toContain(`machine ${id}`);
    return s.error!;
  };

  it('wrong credentials: refused user name or password, named as such', () => {
    const e = errorOf('wrong-pw');
    expect(e).toMatch(
      /^PDM_ERR_OPCUA_SECURITY: machine wrong-pw \(opc\.tcp:\/\/[^)]+\): user name or password refused \(.*BadUserAccessDenied/,
    );
  });

  it('untrusted server certificate: says where to put it, and it waits in rejected/', () => {
    const e = errorOf('stranger');
    expect(e).toMatch(
      /^PDM_ERR_OPCUA_SECURITY: machine stranger \(.*\): the server's certificate is not trusted by the collector .*BadCertificateUntrusted.*trusted\/certs/,
    );
    expect(rejectedCertificates(join(dir, 'collector-pki')).length).toBeGreaterThanOrEqual(1);
  });

  it('a node id that does not exist: names the channel and the node', () => {
    const e = errorOf('no-node');
    expect(e).toMatch(
      /^PDM_ERR_OPCUA_NODE: machine no-node \(.*\): channel DE_X waveform node ns=1;s=NoSuchWaveform does not exist on the server \(BadNodeIdUnknown\)/,
    );
  });

  it('a waveform of the wrong type: names the node, what it is and what was expected', () => {
    const e = errorOf('wrong-type');
    expect(e).toMatch(
      /^PDM_ERR_OPCUA_NODE: machine wrong-type \(.*\): channel DE_X waveform node ns=\d+;i=\d+ is of the wrong type: AnalogItemType, scalar of Double; expected a one-dimensional Float or Double array, or Int16\/Int32 counts with a scale/,
    );
  });

  it('a server serving another machine than the configured id: names both', () => {
    const e = errorOf('press-9');
    expect(e).toMatch(/^PDM_ERR_OPCUA_NODE: machine press-9 \(opc\.tcp:\/\/[^)]+\): the server serves machine 'press-2', not 'press-9'/);
  });

  it('units the server and the config disagree on: a config error naming both, never a silent g', () => {
    const e = errorOf('wrong-units');
    expect(e).toMatch(
      /^PDM_ERR_CONFIG_INVALID: machine wrong-units \(opc\.tcp:\/\/[^)]+\): channel DE_X: the server's EngineeringUnits say 'g', the collector config \(nodes\.channels\[0\]\) says 'mm\/s'/,
    );
  });

  it('gives up on them: no endless retries (one attempt each)', () => {
    for (const id of ['wrong-pw', 'stranger', 'no-node', 'wrong-type', 'press-9', 'wrong-units']) {
      const s = collector.stats.find((x) => x.machine === id)!;
      expect(s.blocksIn).toBe(0);
      expect(s.reconnects).toBe(0);
    }
    const h = health;
    expect(h.status).toBe('degraded');
    expect(
      h.machines
        .filter((m) => m.state === 'failed')
        .map((m) => m.machine)
        .sort(),
    ).toEqual(['no-node', 'press-9', 'stranger', 'wrong-pw', 'wrong-type', 'wrong-units']);
  });

  it('keeps the good machines flowing without a gap', () => {
    good.forEach((m, i) => {
      const s = collector.stats.find((x) => x.machine === m.id)!;
      expect(health.machines.find((x) => x.machine === m.id)!.state).toBe('connected');
      expect(s.gaps).toBe(0);
      expect(s.blocksOut).toBe(s.blocksIn - s.duplicates);
      // 20 more blocks per channel delivered after the last bad machine had failed.
      expect(s.blocksOut).toBeGreaterThanOrEqual(outWhenAllFailed[i] + 40);
    });
  });
});
