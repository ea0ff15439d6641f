/**
 * What a client reads back from a simulated machine started by the factory: OPC 40001-1
 * identification and state, OPC 10000-8 waveform metadata (units, ranges, time axis — checking
 * that addYArrayItem kept them), method argument descriptions, and the collector's own OPC UA
 * input finding the channels and receiving consecutive blocks.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, type ReferenceDescription } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorPkiDir, initPlantPki } from '../../../ingest/opcua/pki-init.ts';
import { Factory } from '../../../ingest/simulator/factory.ts';
import { validateFleet } from '../../../ingest/simulator/fleet-config.ts';
import { MACHINE_METHODS } from '../../../ingest/simulator/opcua/method-arguments.ts';
import { freePort, until } from '../../../tools/harness/ports.ts';
import {
  type CollectorView,
  collectorView,
  OBJECTS,
  pumpEntry,
  type ReadSession,
  readSession,
  USER_ENV,
  USERS_FROM_ENV,
} from './helpers.ts';

const ID = 'pump-7';
const FS = 25_600;
const BLOCK = 2_560;

/** OPC UA unitId of a UNECE common code (OPC 10000-8 §5.6.3): the code's ASCII bytes, big-endian. */
function unitId(code: string): number {
  return [...code].reduce((id, c) => (id << 8) | c.charCodeAt(0), 0);
}

describe('simulated machine address space', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-sim-as-'));
  let factory: Factory;
  let client: ReadSession;
  let collector: CollectorView;
  let machine: ReferenceDescription;

  beforeAll(async () => {
    const port = await freePort();
    const fleet = validateFleet(
      {
        opcua: { basePort: port, users: USERS_FROM_ENV },
        machines: [
          pumpEntry(ID, {
            identification: { manufacturer: 'ACME Pumps', model: 'AP-55', serialNumber: 'SN-0042', yearOfConstruction: 2019 },
          }),
        ],
      },
      join(dir, 'fleet.yaml'),
    );
    expect(fleet.rejected).toEqual([]);
    await initPlantPki(join(dir, 'pki'), [ID], 'localhost');
    factory = new Factory(fleet, { pkiRoot: join(dir, 'pki'), env: { ...process.env, ...USER_ENV } });
    await factory.start();
    const endpoint = factory.machines[0].endpointUrl!;
    client = await readSession(endpoint, collectorPkiDir(join(dir, 'pki')));
    machine = await client.find(OBJECTS, ID);
    collector = await collectorView(endpoint, collectorPkiDir(join(dir, 'pki')));
    await until(
      () => [...collector.seqs.values()].every((s) => s.length >= 10) && collector.seqs.size === 3,
      30_000,
      '10 blocks per channel',
    );
  });

  afterAll(async () => {
    await collector?.stop();
    await client?.close();
    await factory?.stop();
  });

  const typeName = async (ref: ReferenceDescription) =>
    (await client.session.read({ nodeId: ref.typeDefinition, attributeId: AttributeIds.BrowseName })).value.value.name;

  it("puts the machine under Objects (for the collectors) and under Machinery's Machines folder", async () => {
    expect((await client.children(OBJECTS)).map((r) => r.browseName.name)).toEqual(expect.arrayContaining(['Machines', ID]));
    expect((await client.children((await client.find(OBJECTS, 'Machines')).nodeId)).map((r) => r.browseName.name)).toContain(ID);
  });

  it('identifies the machine with MachineIdentificationType: nameplate, year, type and instance URI', async () => {
    const ident = await client.find(machine.nodeId, 'Identification');
    expect(await typeName(ident)).toBe('MachineIdentificationType');
    const read = async (name: string) => client.value((await client.find(ident.nodeId, name)).nodeId);
    expect(((await read('Manufacturer')) as { text: string }).text).toBe('ACME Pumps');
    expect(((await read('Model')) as { text: string }).text).toBe('AP-55');
    expect(await read('SerialNumber')).toBe('SN-0042');
    expect(await read('YearOfConstruction')).toBe(2019);
    expect(await read('DeviceClass')).toBe('pump');
    expect(await read('ProductInstanceUri')).toBe(`urn:pdm:machine:${ID}`);
  });

  it('shows the operating state three ways: MachineryItemState, OperatingState and the schedule mode', async () => {
    const state = await client.find(machine.nodeId, 'MachineryBuildingBlocks', 'MachineryItemState');
    expect(await typeName(state)).toBe('MachineryItemState_StateMachineType');
    expect(((await client.value((await client.find(state.nodeId, 'CurrentState')).nodeId)) as { text: string }).text).toBe('Executing');
    expect(await client.value((await client.find(machine.nodeId, 'OperatingState')).nodeId)).toBe('Running');
    expect(await client.value((await client.find(machine.nodeId, 'OperatingMode')).nodeId)).toBe('full');
  });

  it('describes each waveform as a YArrayItem in g with its ranges and time axis', async () => {
    for (const channel of ['DE_X', 'DE_Y', 'DE_Z']) {
      const waveform = await client.find(machine.nodeId, 'Vibration', channel, 'Waveform');
      expect(await typeName(waveform)).toBe('YArrayItemType');
      const prop = async (name: string) => client.value((await client.find(waveform.nodeId, name)).nodeId);
      const eu = (await prop('EngineeringUnits')) as { displayName: { text: string }; unitId: number; namespaceUri: string };
      expect(eu.displayName.text).toBe('g');
      expect(eu.unitId).toBe(unitId('K40'));
      expect(eu.namespaceUri).toBe('http://www.opcfoundation.org/UA/units/un/cefact');
      expect(await prop('EURange')).toMatchObject({ low: -50, high: 50 });
      expect(await prop('InstrumentRange')).toMatchObject({ low: -50, high: 50 });
      expect(((await prop('Title')) as { text: string }).text).toBe(`${ID} ${channel} acceleration`);
      const x = (await prop('XAxisDefinition')) as {
        engineeringUnits: { displayName: { text: string } };
        euRange: { low: number; high: number };
        title: { text: string };
      };
      expect(x.engineeringUnits.displayName.text).toBe('s');
      expect(x.euRange.low).toBe(0);
      expect(x.euRange.high).toBeCloseTo((BLOCK - 1) / FS, 12);
      expect(x.title.text).toBe('time');
      expect(await client.value((await client.find(machine.nodeId, 'Vibration', channel, 'SampleRate')).nodeId)).toBe(FS);
      const value = (await client.value(waveform.nodeId)) as Float32Array;
      expect(value).toBeInstanceOf(Float32Array);
      expect(value.length).toBe(BLOCK);
    }
  });

  it("describes the methods' arguments, and lets this user call them", async () => {
    for (const [name, spec] of Object.entries(MACHINE_METHODS)) {
      const method = await client.find(machine.nodeId, name);
      const args = await client.session.getArgumentDefinition(method.nodeId);
      expect(args.inputArguments.map((a) => a.name)).toEqual(spec.inputs.map((a) => a.name));
      expect(args.outputArguments.map((a) => a.name)).toEqual(spec.outputs.map((a) => a.name));
      for (const a of [...args.inputArguments, ...args.outputArguments]) expect(a.description.text).toBeTruthy();
      expect((await client.session.read({ nodeId: method.nodeId, attributeId: AttributeIds.UserExecutable })).value.value).toBe(true);
    }
  });

  it("serves the collector's OPC UA input: three channels of consecutive 2560-sample blocks in g", () => {
    expect(collector.input.machineId).toBe(ID);
    expect([...collector.seqs.keys()].sort()).toEqual(['DE_X', 'DE_Y', 'DE_Z']);
    expect([...collector.gaps], JSON.stringify([...collector.gaps])).toEqual([]);
    for (const b of collector.blocks) {
      expect(b.samples.length).toBe(BLOCK);
      expect(b.units).toBe('g');
      expect(b.sampleRateHz).toBe(FS);
      // Block seq starts at seq·N/fs s after the epoch (signal-source.ts).
      expect(b.startTimeNs).toBe(BigInt(b.seq! * 100) * 1_000_000n);
    }
  });
});
