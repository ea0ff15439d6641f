/**
 * A fleet entry with a replay section is served from its recording (the factory picks the source
 * with createMachineSource): the collector's OPC UA input receives exactly the recorded samples at
 * the position the block's sequence number gives, and the truth is the recording's declaration.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorPkiDir, initPlantPki } from '../../../ingest/opcua/pki-init.ts';
import { Factory } from '../../../ingest/simulator/factory.ts';
import { validateFleet } from '../../../ingest/simulator/fleet-config.ts';
import { ReplaySimulation } from '../../../ingest/simulator/replay.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import { type CollectorView, collectorView, pumpEntry, USER_ENV, USERS_FROM_ENV } from './helpers.ts';

const ID = 'rec-5';
const FS = 12_800;
const BLOCK = 1_280;
const LENGTH = 9_973; // a prime: blocks wrap around the recording at ever different offsets
const sample = (i: number) => Math.fround(Number((((i % 997) - 498) * 0.01).toFixed(2)));

describe('replay machine served by the factory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-sim-replay-'));
  let factory: Factory;
  let collector: CollectorView;

  beforeAll(async () => {
    writeFileSync(join(dir, 'de_x.csv'), `accel_g\n${Array.from({ length: LENGTH }, (_, i) => sample(i).toFixed(2)).join('\n')}\n`);
    const entry = pumpEntry(ID, {
      replay: {
        channels: { DE_X: { file: 'de_x.csv', format: 'csv', sampleRateHz: FS, blockSize: BLOCK } },
        groundTruth: { state: 'degrading', faults: [{ type: 'inner_race', location: 'DE' }] },
      },
    });
    const fleet = validateFleet(
      { opcua: { basePort: await freePort(), users: USERS_FROM_ENV }, machines: [entry] },
      join(dir, 'fleet.yaml'),
    );
    expect(fleet.rejected).toEqual([]);
    await initPlantPki(join(dir, 'pki'), [ID], 'localhost');
    factory = new Factory(fleet, { pkiRoot: join(dir, 'pki'), env: { ...process.env, ...USER_ENV } });
    await factory.start();
    collector = await collectorView(factory.machines[0].endpointUrl!, collectorPkiDir(join(dir, 'pki')));
    await until(() => (collector.seqs.get('DE_X')?.length ?? 0) >= 10, 30_000, '10 replayed blocks');
  });

  afterAll(async () => {
    await collector?.stop();
    await factory?.stop();
  });

  it('uses the replay source for the entry', () => {
    expect(factory.machines[0].simulation).toBeInstanceOf(ReplaySimulation);
  });

  it('delivers the recorded samples at the position of each block', () => {
    expect([...collector.seqs.keys()]).toEqual(['DE_X']);
    for (const b of collector.blocks) {
      expect(b.sampleRateHz).toBe(FS);
      expect(b.samples.length).toBe(BLOCK);
      const start = (b.seq! * BLOCK) % LENGTH;
      const expected = Float32Array.from({ length: BLOCK }, (_, k) => sample((start + k) % LENGTH));
      expect(b.samples).toEqual(expected);
    }
  });

  it("reports the recording's declared truth", async () => {
    const [record] = await factory.publishTruth(Date.now());
    expect(record).toMatchObject({
      machine: ID,
      state: 'degrading',
      faultType: 'inner_race',
      faultLocation: 'DE',
      severity: null,
      failureAtMs: null,
    });
  });
});
