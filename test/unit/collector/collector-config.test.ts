import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../common/config.ts';
import { isPdmError } from '../../../common/errors.ts';
import { CollectorConfigSpec, collectorId, spoolDir } from '../../../ingest/collector/collector-config.ts';

function load(yaml: string): ReturnType<typeof loadConfigFile<typeof CollectorConfigSpec>> {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-collector-config-'));
  const file = join(dir, 'collector.yaml');
  writeFileSync(file, yaml);
  return loadConfigFile(CollectorConfigSpec, file);
}

function messageOf(yaml: string): string {
  try {
    load(yaml);
  } catch (err) {
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

const M = (n: number) => `  - endpoint: opc.tcp://m${n}:4840/pdm/m${n}\n`;

describe('collector configuration', () => {
  it('needs only endpoints; everything else has a documented default', () => {
    const c = load(`machines:\n${M(1)}`);
    expect(c.machines[0]).toMatchObject({
      security: { mode: 'SignAndEncrypt' }, // no policy: the strongest the server offers
      auth: { usernameEnv: 'PDM_OPCUA_USER', passwordEnv: 'PDM_OPCUA_PASSWORD' },
      allowInsecure: false,
      publishingIntervalMs: 200,
    });
    expect(c.spool).toEqual({ maxBytes: 1024 ** 3, segmentBytes: 16 * 1024 * 1024, fsync: 'interval', fsyncIntervalMs: 1000 });
    expect(c.kafka).toMatchObject({ compression: 'none', partitions: 6, maxMessageBytes: 1_000_000 });
    expect(collectorId(c)).toBe('pdm-collector');
    expect(spoolDir(c)).toBe(join('.pdm', 'spool', 'pdm-collector'));
    expect(c.metrics).toBeUndefined();
  });

  it('derives the instance id from the topic prefix and the shard, unless given', () => {
    expect(collectorId(load(`kafka: { topicPrefix: plant2. }\nshard: { index: 1, count: 3 }\nmachines:\n${M(1)}`))).toBe(
      'plant2.pdm-collector-shard1of3',
    );
    const c = load(`id: edge-7\nspool: { dir: /data/spool }\nmachines:\n${M(1)}`);
    expect(collectorId(c)).toBe('edge-7');
    expect(spoolDir(c)).toBe('/data/spool');
  });

  it('names the file and the setting in every message', () => {
    expect(
      messageOf(
        `machines:\n${M(1)}  - id: m2\n    endpoint: opc.tcp://m2:4840\n    nodes: { channels: [{ channel: DE_X, waveform: "ns=2;s=W", sequence: Seq }] }\n`,
      ),
    ).toBe(
      'collector.yaml: machines[1].nodes.channels[0].sequence must be an OPC UA node id such as ns=2;s=Pump/DE_X/Waveform or ns=1;i=1001',
    );
    expect(messageOf(`spool: { fsync: sometimes }\nmachines:\n${M(1)}`)).toMatch(/^collector\.yaml: spool\.fsync /);
    expect(messageOf(`metrics: { prot: 9464 }\nmachines:\n${M(1)}`)).toBe(
      'collector.yaml: metrics.port Invalid input: expected number, received undefined\ncollector.yaml: unknown setting metrics.prot',
    );
    expect(messageOf('machines: []\n')).toBe('collector.yaml: machines must list at least one machine');
  });

  it('checks settings against each other', () => {
    expect(messageOf(`shard: { index: 3, count: 3 }\nmachines:\n${M(1)}`)).toBe(
      'collector.yaml: shard.index must be less than shard.count (3)',
    );
    expect(messageOf(`spool: { maxBytes: 10000000, segmentBytes: 5000000 }\nmachines:\n${M(1)}`)).toBe(
      'collector.yaml: spool.segmentBytes must be at most spool.maxBytes / 4 (2500000)',
    );
    expect(
      messageOf(
        `machines:\n${M(1)}  - endpoint: opc.tcp://x:4840\n    nodes: { channels: [{ channel: DE_X, waveform: "ns=2;s=W", sequence: "ns=2;s=S" }] }\n`,
      ),
    ).toBe('collector.yaml: machines[1].id is required with nodes: (the machine id cannot be discovered without browsing)');
    expect(messageOf(`machines:\n${M(1)}${M(2)}${M(1)}`)).toBe(
      'collector.yaml: machines[2].id is required: machines[0] and machines[2] share the endpoint opc.tcp://m1:4840/pdm/m1 (a gateway serving several machines), so each must name its machine id',
    );
    // The entry without the id is the one named, whichever comes first.
    expect(
      messageOf(`machines:\n  - { endpoint: "opc.tcp://gw:1/pdm/gateway" }\n  - { id: b, endpoint: "opc.tcp://gw:1/pdm/gateway" }\n`),
    ).toBe(
      'collector.yaml: machines[0].id is required: machines[0] and machines[1] share the endpoint opc.tcp://gw:1/pdm/gateway (a gateway serving several machines), so each must name its machine id',
    );
    expect(messageOf(`machines:\n  - { id: a, endpoint: "opc.tcp://a:1" }\n  - { id: a, endpoint: "opc.tcp://b:1" }\n`)).toBe(
      'collector.yaml: machines[1].id repeats machines[0].id (a)',
    );
    expect(messageOf(`machines:\n  - { endpoint: "opc.tcp://a:1", shard: 0 }\n`)).toBe(
      'collector.yaml: machines[0].shard needs a top-level shard: { index, count }',
    );
    expect(messageOf(`shard: { index: 0, count: 2 }\nmachines:\n  - { endpoint: "opc.tcp://a:1", shard: 2 }\n`)).toBe(
      'collector.yaml: machines[0].shard must be less than shard.count (2)',
    );
  });

  it('accepts machines sharing a gateway endpoint when each names its id', () => {
    const c = load(
      `machines:\n  - { id: a, endpoint: "opc.tcp://gw:4840/pdm/gateway" }\n  - { id: b, endpoint: "opc.tcp://gw:4840/pdm/gateway" }\n  - { id: c, endpoint: "opc.tcp://other:4840/pdm/c" }\n`,
    );
    expect(c.machines.map((m) => `${m.id} ${m.endpoint}`)).toEqual([
      'a opc.tcp://gw:4840/pdm/gateway',
      'b opc.tcp://gw:4840/pdm/gateway',
      'c opc.tcp://other:4840/pdm/c',
    ]);
  });

  it('accepts the shipped configurations', () => {
    for (const f of ['collector.yaml', 'collector.compose.yaml']) {
      const c = loadConfigFile(CollectorConfigSpec, join(import.meta.dirname, '..', '..', '..', 'deploy', 'config', f));
      expect(c.machines.length).toBeGreaterThan(0);
    }
  });
});

describe('collector configuration: what a channel measures', () => {
  const nodes = (extra: string) =>
    `machines:\n  - id: m1\n    endpoint: opc.tcp://m1:4840\n    nodes: { channels: [{ channel: V1, waveform: "ns=2;s=W", sequence: "ns=2;s=S"${extra} }] }\n`;

  it('takes location, axis, quantity and units per explicit channel, all optional', () => {
    const c = load(nodes(', location: gearbox_in, axis: radial, quantity: velocity, units: in/s'));
    expect(c.machines[0].nodes?.channels[0]).toMatchObject({ location: 'gearbox_in', axis: 'radial', quantity: 'velocity', units: 'in/s' });
    expect(load(nodes('')).machines[0].nodes?.channels[0].units).toBeUndefined();
  });

  it('refuses unknown units and units of another quantity, naming the setting', () => {
    expect(messageOf(nodes(', units: ips'))).toMatch(/collector.yaml: machines\[0\].nodes.channels\[0\] units 'ips' are not known/);
    expect(messageOf(nodes(', quantity: displacement, units: mm/s'))).toMatch(
      /machines\[0\].nodes.channels\[0\] units 'mm\/s' measure velocity, not displacement/,
    );
  });

  it('takes a channel with only a waveform and a sample rate (node id or Hz); sequence, units, scale optional', () => {
    const c = load(
      `machines:\n  - id: m1\n    endpoint: opc.tcp://m1:4840\n    nodes: { channels: [{ channel: DE, waveform: "ns=2;s=W", sampleRate: 12000 }, { channel: FE, waveform: "ns=2;s=V", sampleRate: "ns=2;s=Fs", units: g, scale: 0.0002, offset: 0.01 }] }\n`,
    );
    expect(c.machines[0].nodes?.channels).toEqual([
      { channel: 'DE', waveform: 'ns=2;s=W', sampleRate: 12000 },
      { channel: 'FE', waveform: 'ns=2;s=V', sampleRate: 'ns=2;s=Fs', units: 'g', scale: 0.0002, offset: 0.01 },
    ]);
    const bad = (extra: string) =>
      messageOf(
        `machines:\n  - id: m1\n    endpoint: opc.tcp://m1:4840\n    nodes: { channels: [{ channel: DE, waveform: "ns=2;s=W"${extra} }] }\n`,
      );
    expect(bad(', sampleRate: -5')).toMatch(/^collector\.yaml: machines\[0\]\.nodes\.channels\[0\]\.sampleRate /);
    expect(bad(', scale: 0')).toMatch(/^collector\.yaml: machines\[0\]\.nodes\.channels\[0\]\.scale must be a finite number other than 0/);
  });
});

describe('collector configuration: scalar vibration sensors', () => {
  const machine = (nodes: string) => `machines:\n  - id: b5\n    endpoint: opc.tcp://b5:4840\n    nodes: ${nodes}\n`;

  it('takes a machine of scalar sensors only: node ids per value, units where the server has none, period', () => {
    const c = load(
      machine(
        `{ scalars: [{ channel: DE, velocityRms: "ns=2;s=DE.v", accelerationRms: "ns=2;s=DE.a", temperature: "ns=2;s=DE.t", units: { velocityRms: in/s, temperature: K }, location: DE, axis: radial }, { channel: NDE, crestFactor: "ns=2;i=7", periodMs: 2000 }] }`,
      ),
    );
    expect(c.machines[0].nodes).toEqual({
      channels: [],
      scalars: [
        {
          channel: 'DE',
          velocityRms: 'ns=2;s=DE.v',
          accelerationRms: 'ns=2;s=DE.a',
          temperature: 'ns=2;s=DE.t',
          units: { velocityRms: 'in/s', temperature: 'K' },
          location: 'DE',
          axis: 'radial',
          periodMs: 1000,
        },
        { channel: 'NDE', crestFactor: 'ns=2;i=7', periodMs: 2000 },
      ],
    });
  });

  it('keeps waveform-only configurations as they were (scalars optional)', () => {
    const c = load(machine(`{ channels: [{ channel: DE, waveform: "ns=2;s=W", sampleRate: 12000 }] }`));
    expect(c.machines[0].nodes).toEqual({ channels: [{ channel: 'DE', waveform: 'ns=2;s=W', sampleRate: 12000 }], scalars: [] });
  });

  it('refuses what cannot work, naming the file and the setting', () => {
    expect(messageOf(machine('{ scalars: [] }'))).toBe(
      'collector.yaml: machines[0].nodes.channels must list at least one channel (or a scalar sensor under scalars)',
    );
    expect(messageOf(machine('{ scalars: [{ channel: DE }] }'))).toBe(
      'collector.yaml: machines[0].nodes.scalars[0] must give the node id of at least one value (velocityRms, accelerationRms, accelerationPeak, crestFactor, temperature)',
    );
    expect(messageOf(machine('{ scalars: [{ channel: DE, velocityRms: "ns=2;s=v", units: { velocityRms: g } }] }'))).toBe(
      "collector.yaml: machines[0].nodes.scalars[0].units.velocityRms 'g' are not units of velocityRms (known: mm/s, m/s, in/s)",
    );
    expect(messageOf(machine('{ scalars: [{ channel: DE, velocityRms: "ns=2;s=v", units: { temperature: °C } }] }'))).toBe(
      'collector.yaml: machines[0].nodes.scalars[0].units.temperature is given but temperature (its node id) is not',
    );
    expect(messageOf(machine('{ scalars: [{ channel: DE, velocityRms: "Pump.v" }] }'))).toBe(
      'collector.yaml: machines[0].nodes.scalars[0].velocityRms must be an OPC UA node id such as ns=2;s=Pump/DE_X/Waveform or ns=1;i=1001',
    );
    expect(messageOf(machine('{ scalars: [{ channel: DE, velocityRms: "ns=2;s=v", rms: "ns=2;s=r" }] }'))).toBe(
      'collector.yaml: unknown setting machines[0].nodes.scalars[0].rms',
    );
    expect(
      messageOf(
        machine(
          '{ channels: [{ channel: DE, waveform: "ns=2;s=W", sampleRate: 100 }], scalars: [{ channel: DE, velocityRms: "ns=2;s=v" }] }',
        ),
      ),
    ).toBe('collector.yaml: machines[0].nodes.scalars[0].channel repeats channels[0].channel (DE)');
  });
});
