/**
 * InjectFault's arguments: good values become the fault spec the simulation gets (onset counted
 * from the call, the fleet file's defaults for what the method does not take); each bad value is
 * refused with an ArgumentError naming that argument and its index (the server marks it
 * BadInvalidArgument in inputArgumentResults).
 */
import { describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DEFAULT_INITIAL_SEVERITY,
  MACHINE_METHODS,
  parseInjectFaultArguments,
} from '../../../ingest/simulator/opcua/method-arguments.ts';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { machine, START_MS } from '../../../tools/harness/simulator-physics.ts';

const GOOD = ['inner_race', 'NDE', 7200, 60, 0.1] as const;

function refusal(values: readonly unknown[]): ArgumentError {
  try {
    parseInjectFaultArguments(values);
  } catch (err) {
    if (err instanceof ArgumentError) return err;
    throw err;
  }
  throw new Error(`accepted ${JSON.stringify(values)}`);
}

describe('InjectFault arguments', () => {
  it('declares five inputs in the order the parser reads them, each with a description', () => {
    expect(MACHINE_METHODS.InjectFault.inputs.map((a) => a.name)).toEqual([
      'FaultType',
      'Location',
      'TimeToFailureS',
      'OnsetDelayS',
      'InitialSeverity',
    ]);
    for (const m of Object.values(MACHINE_METHODS))
      for (const a of [...m.inputs, ...m.outputs]) expect(a.description.length).toBeGreaterThan(10);
  });

  it('turns good values into a fault with life-second onset, time to failure and initial severity', () => {
    const spec = parseInjectFaultArguments(GOOD);
    expect(spec.type).toBe('inner_race');
    expect(spec.location).toBe('NDE');
    expect(spec.onset).toEqual({ lifeS: 60 });
    expect(spec.growth.timeToFailureS).toBe(7200);
    expect(spec.growth.initialSeverity).toBe(0.1);
    expect(spec.failure).toBe('iso_zone_d');
  });

  it('takes InitialSeverity 0 as the default', () => {
    expect(parseInjectFaultArguments(['outer_race', 'DE', 100, 0, 0]).growth.initialSeverity).toBe(DEFAULT_INITIAL_SEVERITY);
  });

  it.each([
    [['rust', 'DE', 100, 0, 0], 0, /FaultType "rust" is not one of outer_race/],
    [['outer_race', 'XE', 100, 0, 0], 1, /Location "XE" must be DE or NDE/],
    [['misalignment', 'NDE', 100, 0, 0], 1, /DE for misalignment/],
    [['outer_race', 'DE', 0, 0, 0], 2, /TimeToFailureS must be a positive number/],
    [['outer_race', 'DE', Number.NaN, 0, 0], 2, /TimeToFailureS/],
    [['outer_race', 'DE', 100, -1, 0], 3, /OnsetDelayS must be 0 or a positive/],
    [['outer_race', 'DE', 100, 0, 1], 4, /InitialSeverity must be in \(0, 1\)/],
    [['outer_race', 'DE', 100, 0, -0.5], 4, /InitialSeverity/],
    [['outer_race', 'DE', 100], 3, /InjectFault takes 5 arguments/],
  ] as const)('refuses %j naming argument %i', (values, index, message) => {
    const err = refusal(values);
    expect(err.argumentIndex).toBe(index);
    expect(err.message).toMatch(message);
    expect(err.code).toBe('PDM_ERR_INPUT_VALUE');
    expect(Buffer.byteLength(err.message)).toBeLessThanOrEqual(256); // fits an OPC UA status text
  });

  it('gives a spec the simulation accepts: the fault starts after the delay and fails at the time to failure', () => {
    const sim = new MachineSimulation(machine({ timeAcceleration: 100 }), { startTimeMs: START_MS });
    const at = START_MS + 10_000;
    sim.injectFault(parseInjectFaultArguments(['outer_race', 'DE', 3600, 600, 0]), at);
    const fault = sim.truthAt(at).faults[0];
    expect(fault.injected).toBe(true);
    // 600 life s at ×100 = 6 wall s to onset; failure within [0.96, 1] × 3600 life s later (degradation tests).
    expect(fault.onsetAtMs).toBe(at + 6000);
    expect(fault.failureAtMs! - fault.onsetAtMs!).toBeGreaterThanOrEqual(0.96 * 36_000);
    expect(fault.failureAtMs! - fault.onsetAtMs!).toBeLessThanOrEqual(36_000);
  });
});
