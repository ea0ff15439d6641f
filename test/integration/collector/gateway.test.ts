/**
 * A gateway: four simulated machines served by ONE OPC UA server (one endpoint, SignAndEncrypt,
 * user token, a machine object per machine, one block timer), collected by one collector whose
 * machines share that endpoint and each name their id. Every block the gateway published while
 * collected arrives in Kafka exactly once, in order, with the samples it rendered; the machines
 * share one OPC UA session; a machine id the gateway does not serve stops that entry with an
 * error naming the endpoint and the ids it does serve, and the others flow on. (About 10 s.)
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { topicNames } from '../../../common/topics.ts';
import { decodeVibrationFrame } from '../../../common/wire/vibration-frame.ts';
import { Collector } from '../../../ingest/collector/collector.ts';
import { GatewayServer } from '../../../ingest/simulator/opcua/gateway-server.ts';
import {
  AUTH,
  BLOCK,
  type ConsumedMessage,
  collectorConfig,
  OPCUA_ENV,
  RecordingSource,
  readTopic,
  sineSource,
  TEST_SECURITY,
  TEST_USERS,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { trustEachOther } from '../../../tools/harness/opcua-trust.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

const IDS = ['gw-a', 'gw-b', 'gw-c', 'gw-d'];
const BLOCKS_PER_CHANNEL = 30; // 3 s at 10 blocks/s

describe('a gateway serving four machines on one endpoint: every block of each exactly once', () => {
  const services = testServices();
  const prefix = `gw${Date.now().toString(36)}_`;
  const topics = topicNames(prefix);
  const dir = tempDir('gateway');
  const sources = new Map(IDS.map((id, i) => [id, new RecordingSource(sineSource(i + 1))]));
  let gateway: GatewayServer | undefined;
  let collector: Collector | undefined;
  let frames: ConsumedMessage[] = [];
  let sessionsDuringRun = 0;

  beforeAll(async () => {
    const pkiDir = join(dir, 'gateway-pki');
    await trustEachOther(pkiDir, 'gateway', join(dir, 'collector-pki'));
    gateway = new GatewayServer({
      name: 'gateway',
      port: await freePort(),
      security: TEST_SECURITY,
      users: TEST_USERS,
      pkiDir,
      machines: IDS.map((id) => ({ machineId: id, source: sources.get(id)! })),
    });
    await gateway.start();
    const endpoint = gateway.endpointUrl;
    collector = new Collector(
      collectorConfig(
        dir,
        prefix,
        [...IDS, 'gw-ghost'].map((id) => ({ id, endpoint, auth: AUTH })),
      ),
      { brokers: services.kafkaBrokers, env: { ...process.env, ...OPCUA_ENV } },
    );
    await collector.start();
    const c = collector;
    await until(
      () =>
        c.stats.filter((s) => s.machine !== 'gw-ghost').every((s) => s.blocksOut >= 2 * BLOCKS_PER_CHANNEL) && c.stats.some((s) => s.error),
      60_000,
      `${BLOCKS_PER_CHANNEL} blocks per channel from every machine of the gateway, and the ghost's error`,
    );
    sessionsDuringRun = collector.opcuaSessions;
    await collector.stop();
    await gateway.stop();
    frames = await readTopic(services.kafkaBrokers, topics.vibration);
  }, 90_000);

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await gateway?.stop().catch(() => undefined);
  });

  it('delivers each block the gateway published once, consecutive per channel, with the samples it rendered', () => {
    const expected = new Float32Array(BLOCK);
    for (const [i, id] of IDS.entries()) {
      const decoded = frames.filter((f) => f.key === id).map((f) => decodeVibrationFrame(f.value));
      expect(decoded.every((d) => d.machine === id)).toBe(true);
      const source = sources.get(id)!;
      for (const [channel, rendered] of source.rendered) {
        const seqs = decoded.filter((d) => d.channel === channel).map((d) => d.seq);
        expect(seqs.length).toBeGreaterThanOrEqual(BLOCKS_PER_CHANNEL);
        // Exactly the blocks the gateway published between the first and the last one collected.
        expect(seqs).toEqual(rendered.filter((s) => s >= seqs[0] && s <= seqs.at(-1)!));
      }
      // Each machine's own signal (no crossed wires between machine objects of one server).
      const reference = sineSource(i + 1);
      for (const d of decoded) {
        reference.renderBlock(d.channel, d.seq, expected);
        expect(d.samples).toEqual(expected);
      }
    }
    expect(new Set(frames.map((f) => f.key))).toEqual(new Set(IDS));
  });

  it('counts agree per machine, and the gateway counted no block it fell behind on', () => {
    for (const s of collector!.stats.filter((x) => x.machine !== 'gw-ghost')) {
      expect(s.blocksOut).toBe(frames.filter((f) => f.key === s.machine).length);
      expect(s.blocksIn - s.duplicates).toBe(s.blocksOut);
      expect({ machine: s.machine, gaps: s.gaps, missing: s.missingBlocks, error: s.error }).toEqual({
        machine: s.machine,
        gaps: 0,
        missing: 0,
        error: undefined,
      });
    }
    for (const id of IDS) expect(gateway!.stats.get(id)!.skippedBehind).toBe(0);
  });

  it('the machines of the gateway share one session (each with its own subscription)', () => {
    expect(sessionsDuringRun).toBe(1);
  });

  it('a machine id the gateway does not serve: an error naming the endpoint and the ids it serves', () => {
    const ghost = collector!.stats.find((s) => s.machine === 'gw-ghost')!;
    expect(ghost.blocksOut).toBe(0);
    expect(ghost.error).toContain(`the server at ${gateway!.endpointUrl} has no machine 'gw-ghost': it serves 4 (gw-a, gw-b, gw-c, gw-d)`);
  });
});
