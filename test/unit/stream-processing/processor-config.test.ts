import { describe, expect, it } from 'vitest';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';

describe('processor configuration', () => {
  it('accepts a bearing at one end only, by name or geometry', () => {
    const c = ProcessorConfigSpec.parse({
      machines: {
        'fan-1': { bearings: { DE: '6205-2RS' } },
        'pump-2': { bearings: { NDE: { balls: 8, ballDiameterMm: 6.75, pitchDiameterMm: 28.5 } } },
      },
    });
    expect(c.machines['fan-1'].bearings).toEqual({ DE: '6205-2RS' });
    expect(c.machines['pump-2'].bearings?.NDE).toMatchObject({ balls: 8, contactAngleDeg: 0 });
  });

  it('learns healthy references by default, from 8 baseline windows per channel', () => {
    expect(ProcessorConfigSpec.parse({}).health.reference).toEqual({ enabled: true, windows: 8 });
    expect(() => ProcessorConfigSpec.parse({ health: { reference: { windows: 1 } } })).toThrow();
    expect(() => ProcessorConfigSpec.parse({ machines: { m: { bearings: { XE: '6205-2RS' } } } })).toThrow();
  });

  it('fails machines at their ISO zone C/D velocity by default, and takes run-to-failure histories per machine', () => {
    const c = ProcessorConfigSpec.parse({ machines: { 'pump-1': { histories: ['runs/pump-a.csv', 'runs/pump-b.csv'] } } });
    expect(c.health.isoFailure).toBe(true);
    expect(c.machines['pump-1'].histories).toEqual(['runs/pump-a.csv', 'runs/pump-b.csv']);
    expect(() => ProcessorConfigSpec.parse({ machines: { 'pump-1': { histories: [] } } })).toThrow();
  });
});
