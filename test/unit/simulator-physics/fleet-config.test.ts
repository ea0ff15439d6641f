/**
 * The fleet file: the shipped examples load and simulate; errors name the file, the machine
 * index, its id and the field; a bad machine entry rejects only that machine; the top level is
 * strict as a whole.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { isPdmError } from '../../../common/errors.ts';
import { loadFleet, loadFleetStrict, parseFaultSpec } from '../../../ingest/simulator/fleet-config.ts';
import { ScalarOverall } from '../../../ingest/simulator/opcua/scalar-overall.ts';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { isoZone } from '../../../models/vibration/iso20816.ts';
import { pumpEntry, START_MS } from '../../../tools/harness/simulator-physics.ts';

const ROOT = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'pdm-fleet-'));
function fleetFile(name: string, content: unknown): string {
  const file = join(dir, name);
  writeFileSync(file, typeof content === 'string' ? content : stringify(content));
  return file;
}

describe('shipped fleet files', () => {
  for (const name of ['fleet.yaml', 'fleet-ci.yaml']) {
    it(`${name} loads without rejections and every machine simulates`, () => {
      const fleet = loadFleet(join(ROOT, 'deploy/config', name));
      expect(fleet.rejected).toEqual([]);
      expect(fleet.machines.length).toBeGreaterThanOrEqual(2);
      const ports = new Set(fleet.machines.map((m) => m.opcua.port));
      expect(ports.size).toBe(fleet.machines.length);
      for (const m of fleet.machines) {
        const sim = new MachineSimulation(m, { startTimeMs: START_MS });
        expect(sim.channels.length).toBeGreaterThan(0);
        expect(sim.truthAt(START_MS).machine).toBe(m.id);
      }
    });
  }

  it('fleet.yaml: the fan fails about 20 minutes of wall time after start', () => {
    const fan = loadFleet(join(ROOT, 'deploy/config/fleet.yaml')).machines.find((m) => m.type === 'fan' && m.faults.length > 0)!;
    const sim = new MachineSimulation(fan, { startTimeMs: START_MS });
    const failsAfterS = (sim.truthAt(START_MS).faults[0].failureAtMs! - START_MS) / 1000;
    expect(failsAfterS).toBeGreaterThan(0.96 * 1209.6);
    expect(failsAfterS).toBeLessThanOrEqual(1209.6 + 1e-6);
  });
});

describe('scalar (IO-Link style) machines', () => {
  it('fleet.yaml: blower-05 publishes overall values only, and its imbalance takes it from zone A through C to D', () => {
    const blower = loadFleet(join(ROOT, 'deploy/config/fleet.yaml')).machines.find((m) => m.sensors.output === 'scalar')!;
    expect(blower.id).toBe('blower-05');
    expect(blower.sensors.scalarPeriodS).toBe(1);
    const sim = new MachineSimulation(blower, { startTimeMs: START_MS });
    const overall = new ScalarOverall(sim, { periodMs: 1000, shaftHz: blower.nominalSpeedRpm / 60, iso: blower.iso });
    const failureAtMs = sim.truthAt(START_MS).faults[0].failureAtMs!;
    const zoneAt = (ms: number) => isoZone(overall.over(sim.channels[0], ms - 1000, ms).velocityRmsMmS, blower.iso);
    expect(zoneAt(START_MS + 60_000)).toBe('A');
    // The simulator's failure (iso_zone_d, from its own physics) and the sensor's computed velocity agree within a minute.
    expect(['B', 'C']).toContain(zoneAt(failureAtMs - 5 * 60_000));
    expect(zoneAt(failureAtMs + 60_000)).toBe('D');
  });

  it('defaults to waveforms', () => {
    const m = loadFleet(join(ROOT, 'deploy/config/fleet.yaml')).machines.find((x) => x.id === 'pump-01')!;
    expect(m.sensors.output).toBe('waveform');
  });
});

describe('fleet file errors', () => {
  it('rejects only the bad machine, naming file, index, id and field', () => {
    const file = fleetFile('plant.yaml', {
      machines: [
        pumpEntry({ id: 'good-1' }),
        pumpEntry({ id: 'bad-2', faults: [{ type: 'outer_race', location: 'MIDDLE' }] }),
        pumpEntry({ id: 'good-3' }),
      ],
    });
    const fleet = loadFleet(file);
    expect(fleet.machines.map((m) => m.id)).toEqual(['good-1', 'good-3']);
    expect(fleet.rejected).toHaveLength(1);
    const r = fleet.rejected[0];
    expect(r.index).toBe(1);
    expect(r.id).toBe('bad-2');
    expect(isPdmError(r.error, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    expect(r.error.message).toMatch(/^plant\.yaml: machines\[1\]\.faults\[0\]\.location .*"DE"\|"NDE".*\(machine "bad-2"\)$/);
    expect(r.error.details).toMatchObject({ file: 'plant.yaml', index: 1, id: 'bad-2', field: 'faults[0].location' });
  });

  it('names unknown settings, physically impossible nameplates and duplicate ids and ports', () => {
    const file = fleetFile('plant2.yaml', {
      machines: [
        pumpEntry({ id: 'a' }),
        pumpEntry({ id: 'b', colour: 'red' }),
        pumpEntry({ id: 'c', nominalSpeedRpm: 1500 }),
        pumpEntry({ id: 'a' }),
        pumpEntry({ id: 'e', opcua: { port: 4840 } }),
        pumpEntry({ id: 'f', bearings: { DE: '6205', NDE: '6203-2RS' } }),
        { type: 'pump' },
        pumpEntry({ id: 'h', bearings: { DE: '6205-2RS', NDE: { balls: 8, ballDiameterMm: 30, pitchDiameterMm: 20 } } }),
      ],
    });
    const fleet = loadFleet(file);
    expect(fleet.machines.map((m) => m.id)).toEqual(['a']);
    const byIndex = new Map(fleet.rejected.map((r) => [r.index, r.error.message]));
    expect(byIndex.get(1)).toBe('plant2.yaml: unknown setting machines[1].colour (machine "b")');
    expect(byIndex.get(2)).toMatch(
      /^plant2\.yaml: machines\[2\]\.nominalSpeedRpm 1500 rpm gives a rated slip of 0\.00 % against the synchronous 1500 rpm/,
    );
    expect(byIndex.get(3)).toBe('plant2.yaml: machines[3].id "a" is already used by machines[0]');
    expect(byIndex.get(4)).toBe('plant2.yaml: machines[4].opcua.port 4840 is already used by machines[0] (machine "e")');
    expect(byIndex.get(5)).toMatch(/machines\[5\]\.bearings\.DE .*6205-2RS/);
    expect(byIndex.get(7)).toBe('plant2.yaml: machines[7].bearings.NDE.ballDiameterMm must be smaller than pitchDiameterMm (machine "h")');
    expect(byIndex.get(6)).toMatch(/^plant2\.yaml: machines\[6\]\.id /m);
    expect(byIndex.get(6)).toMatch(/machines\[6\]\.identification /);
  });

  it('layout gateway: every machine on the gateway port and name; a machine of its own port, security or users is refused by name and field', () => {
    const users = [{ usernameEnv: 'GW_USER', passwordEnv: 'GW_PASSWORD' }];
    const file = fleetFile('gateway.yaml', {
      opcua: { layout: 'gateway', basePort: 4900, gatewayName: 'hall-1', users },
      machines: [
        pumpEntry({ id: 'p1' }),
        pumpEntry({ id: 'p2' }),
        pumpEntry({ id: 'p3', opcua: { port: 4950 } }),
        pumpEntry({ id: 'p4', opcua: { security: { mode: 'Sign' }, users } }),
      ],
    });
    const fleet = loadFleet(file);
    // One server: the same port (no clash), the gateway's name, the fleet's users.
    expect(fleet.machines.map((m) => [m.id, m.opcua.port, m.opcua.layout, m.opcua.serverName, m.opcua.users])).toEqual([
      ['p1', 4900, 'gateway', 'hall-1', users],
      ['p2', 4900, 'gateway', 'hall-1', users],
    ]);
    const byIndex = new Map(fleet.rejected.map((r) => [r.index, r.error]));
    expect(byIndex.get(2)?.message).toBe(
      'gateway.yaml: machines[2].opcua.port (machine "p3") is not allowed with opcua.layout gateway: one gateway server serves every machine, with the fleet\'s opcua.basePort; remove it, or use layout server-per-machine',
    );
    expect(byIndex.get(2)?.details).toMatchObject({ file: 'gateway.yaml', index: 2, id: 'p3', field: 'machines[2].opcua.port' });
    expect(byIndex.get(3)?.message.split('\n')).toEqual([
      expect.stringMatching(
        /^gateway\.yaml: machines\[3\]\.opcua\.security \(machine "p4"\) is not allowed with opcua\.layout gateway: .* opcua\.security;/,
      ),
      expect.stringMatching(
        /^gateway\.yaml: machines\[3\]\.opcua\.users \(machine "p4"\) is not allowed with opcua\.layout gateway: .* opcua\.users;/,
      ),
    ]);
    // The default stays a server per machine, each on its own port, named by its id.
    const own = loadFleet(
      fleetFile('own.yaml', { opcua: { basePort: 4900 }, machines: [pumpEntry({ id: 'q1' }), pumpEntry({ id: 'q2' })] }),
    );
    expect(own.machines.map((m) => [m.opcua.port, m.opcua.layout, m.opcua.serverName])).toEqual([
      [4900, 'server-per-machine', 'q1'],
      [4901, 'server-per-machine', 'q2'],
    ]);
    expect(() => loadFleet(fleetFile('bad-layout.yaml', { opcua: { layout: 'hub' }, machines: [pumpEntry()] }))).toThrow(
      /bad-layout\.yaml: opcua\.layout .*"server-per-machine"\|"gateway"/,
    );
    expect(() =>
      loadFleet(fleetFile('bad-gw.yaml', { opcua: { layout: 'gateway', gatewayName: 'a/b' }, machines: [pumpEntry()] })),
    ).toThrow(/bad-gw\.yaml: opcua\.gatewayName must use only letters, digits, _ and -/);
  });

  it('a bad top level fails the whole file, naming the setting', () => {
    const file = fleetFile('plant3.yaml', { timeAcceleration: -5, machines: [pumpEntry()], extra: 1 });
    expect(() => loadFleet(file)).toThrow(/plant3\.yaml: timeAcceleration Too small/);
    expect(() => loadFleet(file)).toThrow(/plant3\.yaml: unknown setting extra/);
    expect(() => loadFleet(join(dir, 'missing.yaml'))).toThrow(/missing\.yaml: cannot be read/);
    expect(() => loadFleet(fleetFile('broken.yaml', 'machines: [\n'))).toThrow(/broken\.yaml: is not valid YAML/);
  });

  it('strict loading throws every machine problem at once', () => {
    const file = fleetFile('plant4.yaml', { machines: [pumpEntry({ id: 'x', poles: 3 }), pumpEntry({ id: 'y', type: 'boat' })] });
    expect(() => loadFleetStrict(file)).toThrow(/machines\[0\]\.poles must be even[\s\S]*machines\[1\]\.type/);
  });

  it('parses durations, ISO onsets and time acceleration overrides', () => {
    const fleet = loadFleet(
      fleetFile('plant5.yaml', {
        timeAcceleration: 500,
        machines: [
          pumpEntry({
            timeAcceleration: 20,
            faults: [{ type: 'cage', location: 'NDE', onset: '2026-01-02T00:00:00Z', growth: { timeToFailure: '1.5d' } }],
          }),
        ],
      }),
    );
    const m = fleet.machines[0];
    expect(m.timeAcceleration).toBe(20);
    expect(m.faults[0].onset).toEqual({ atMs: Date.UTC(2026, 0, 2) });
    expect(m.faults[0].growth.timeToFailureS).toBe(1.5 * 86_400);
    expect(() => parseFaultSpec({ type: 'outer_race', location: 'DE', growth: { timeToFailure: '3 weeks' } }, 'inject')).toThrow(
      /inject: growth\.timeToFailure must be a number of seconds or a duration/,
    );
  });
});
