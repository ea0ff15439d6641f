import { describe, expect, it } from 'vitest';
import {
  declarationProblem,
  knownUnits,
  locationAxisFromId,
  QUANTITIES,
  resolveChannel,
  STANDARD_GRAVITY_M_S2,
  UNITS,
} from '../../../common/channels.ts';

describe('channels: the units table', () => {
  it('has every unit the issue names, each with its quantity and factor to SI', () => {
    const expected: Record<string, [string, number]> = {
      g: ['acceleration', STANDARD_GRAVITY_M_S2],
      'm/s²': ['acceleration', 1],
      'm/s^2': ['acceleration', 1],
      'm/s2': ['acceleration', 1],
      'mm/s': ['velocity', 1e-3],
      'in/s': ['velocity', 0.0254],
      'm/s': ['velocity', 1],
      µm: ['displacement', 1e-6],
      um: ['displacement', 1e-6],
      mm: ['displacement', 1e-3],
      mil: ['displacement', 25.4e-6],
    };
    for (const [units, [quantity, factor]] of Object.entries(expected)) {
      expect(UNITS[units], units).toEqual({ quantity, toCanonical: factor });
    }
    for (const u of Object.values(UNITS)) expect(Object.keys(QUANTITIES)).toContain(u.quantity);
    expect(knownUnits('velocity')).toEqual(['mm/s', 'in/s', 'm/s']);
  });
});

describe('channels: the id convention (only when nothing is declared)', () => {
  it('splits <location>_<axis> at the last underscore; an id without one is a location', () => {
    expect(locationAxisFromId('DE_X')).toEqual({ location: 'DE', axis: 'X' });
    expect(locationAxisFromId('NDE_Y')).toEqual({ location: 'NDE', axis: 'Y' });
    expect(locationAxisFromId('gearbox_in_radial')).toEqual({ location: 'gearbox_in', axis: 'radial' });
    expect(locationAxisFromId('fan')).toEqual({ location: 'fan', axis: '' });
    expect(locationAxisFromId('_X')).toEqual({ location: '_X', axis: '' });
  });
});

describe('channels: validation names what is wrong', () => {
  it('unknown units, unknown quantity, units of another quantity, bad names', () => {
    expect(declarationProblem({ units: 'furlong/s' })).toMatch(/units 'furlong\/s' are not known \(known: g, m\/s², /);
    expect(declarationProblem({ quantity: 'temperature' })).toMatch(/quantity 'temperature' is not one of acceleration, velocity/);
    expect(declarationProblem({ quantity: 'velocity', units: 'g' })).toMatch(
      /units 'g' measure acceleration, not velocity \(velocity units: mm\/s, in\/s, m\/s\)/,
    );
    expect(declarationProblem({ location: 'drive end' })).toMatch(/location 'drive end'/);
    expect(declarationProblem({ location: 'gearbox_in', axis: 'axial', quantity: 'displacement', units: 'mil' })).toBeUndefined();
  });
});

describe('channels: resolution, first source wins field by field', () => {
  const config = (d: object) => ({ from: 'processor config machines.p1.channels.X', declaration: d });
  const frame = (d: object) => ({ from: 'the frame', declaration: d });

  it('falls back to the units table for the quantity and to the id for location and axis', () => {
    expect(resolveChannel('DE_X', [frame({ units: 'g' })])).toEqual({
      ok: true,
      meaning: { location: 'DE', axis: 'X', quantity: 'acceleration', units: 'g' },
    });
  });

  it('takes declared fields over the frame and the convention; empty strings count as not declared', () => {
    const r = resolveChannel('DE_V', [
      config({ location: 'gearbox', quantity: 'velocity' }),
      frame({ units: 'mm/s', location: 'DE', axis: '', quantity: '' }),
    ]);
    expect(r).toEqual({ ok: true, meaning: { location: 'gearbox', axis: 'V', quantity: 'velocity', units: 'mm/s' } });
  });

  it('refuses a channel without units, naming where it looked (never a silent g)', () => {
    const r = resolveChannel('DE_X', [config({}), frame({ units: '' })]);
    expect(r).toEqual({
      ok: false,
      problem: 'channel DE_X: no units declared (checked: processor config machines.p1.channels.X, the frame)',
    });
  });

  it('refuses units that do not fit the declared quantity, naming both sources', () => {
    const r = resolveChannel('DE_V', [config({ quantity: 'velocity' }), frame({ units: 'g' })]);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toMatch(
      /channel DE_V: units 'g' measure acceleration, not velocity .*units from the frame, quantity from processor config machines.p1.channels.X/,
    );
  });

  it('refuses unknown units wherever they come from', () => {
    const r = resolveChannel('DE_X', [frame({ units: 'G' })]);
    expect(!r.ok && r.problem).toMatch(/channel DE_X: units 'G' are not known .*\(from the frame\)/);
  });
});
