/** What the server shows for each truth: OperatingState, OPC 40001-1 MachineryItemState and the mode. */
import { describe, expect, it } from 'vitest';
import { shownState } from '../../../ingest/simulator/opcua/operating-state.ts';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { machine, START_MS } from '../../../tools/harness/simulator-physics.ts';

describe('shown operating state', () => {
  it.each([
    [
      { state: 'healthy', running: true, mode: 'full' },
      { operatingState: 'Running', machineryItemState: 'Executing', mode: 'full' },
    ],
    [
      { state: 'degrading', running: true, mode: 'part' },
      { operatingState: 'Running', machineryItemState: 'Executing', mode: 'part' },
    ],
    [
      { state: 'stopped', running: false, mode: 'stopped' },
      { operatingState: 'Stopped', machineryItemState: 'NotExecuting', mode: 'stopped' },
    ],
    // Failed but left running (onFailure keep_running): it still does its job, the failure stays visible.
    [
      { state: 'failed', running: true, mode: 'full' },
      { operatingState: 'Failed', machineryItemState: 'Executing', mode: 'full' },
    ],
    // Tripped by its failure: out of service until repaired.
    [
      { state: 'failed', running: false, mode: 'stopped' },
      { operatingState: 'Failed', machineryItemState: 'OutOfService', mode: 'stopped' },
    ],
  ] as const)('%j -> %j', (truth, shown) => {
    expect(shownState(truth)).toEqual(shown);
  });

  it('follows a simulated machine through stop, start, a tripping failure and repair', () => {
    const sim = new MachineSimulation(
      machine({
        timeAcceleration: 1000,
        faults: [{ type: 'outer_race', location: 'DE', onset: 0, growth: { timeToFailure: '1h' } }],
        onFailure: { action: 'trip' },
      }),
      { startTimeMs: START_MS },
    );
    const at = (s: number) => shownState(sim.truthAt(START_MS + s * 1000)).machineryItemState;
    expect(at(0.5)).toBe('Executing');
    sim.stop(START_MS + 1000);
    expect(at(1.5)).toBe('NotExecuting');
    sim.start(START_MS + 2000);
    expect(at(2.5)).toBe('Executing');
    // 1 h of life at ×1000 is 3.6 s of running; the second between stop and start did not count.
    expect(at(6)).toBe('OutOfService');
    expect(shownState(sim.truthAt(START_MS + 6000)).operatingState).toBe('Failed');
    sim.repair(START_MS + 7000);
    expect(at(7.5)).toBe('Executing');
  });
});
