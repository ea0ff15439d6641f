import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../common/config.ts';
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

  it('judges messages, stalls and shutdowns by documented defaults, and refuses a down threshold below degraded', () => {
    const c = ProcessorConfigSpec.parse({});
    expect(c.validation).toEqual({ maxPastDays: 30, maxFutureS: 600, maxAbsSample: 1e6 });
    expect(c.stall).toEqual({ degradedS: 30, downS: 120 });
    expect(c.shutdown).toEqual({ timeoutS: 15 });
    expect(ProcessorConfigSpec.parse({ validation: { maxFutureS: 5 } }).validation.maxPastDays).toBe(30);
    expect(() => ProcessorConfigSpec.parse({ stall: { degradedS: 60, downS: 10 } })).toThrow(
      /stall.downS must be at least stall.degradedS/,
    );
    expect(() => ProcessorConfigSpec.parse({ validation: { maxAbsSample: 0 } })).toThrow();
  });

  it('stores 800-line spectra every 60th window and fault-band lines every 10th by default; refuses lines out of range and unknown keys', () => {
    expect(ProcessorConfigSpec.parse({}).spectra).toEqual({ lines: 800, everyWindows: 60, bandsEveryWindows: 10 });
    expect(ProcessorConfigSpec.parse({ spectra: { everyWindows: 0 } }).spectra).toEqual({
      lines: 800,
      everyWindows: 0,
      bandsEveryWindows: 10,
    });
    for (const spectra of [{ lines: 32 }, { lines: 10_000 }, { lines: 800.5 }, { everyWindows: -1 }, { every: 5 }])
      expect(() => ProcessorConfigSpec.parse({ spectra }), JSON.stringify(spectra)).toThrow();
  });

  it('raises every alert kind by default, with more windows to end an episode than to start one', () => {
    const a = ProcessorConfigSpec.parse({}).alerts;
    expect(a).toEqual({
      enabled: true,
      kinds: ['health_state', 'iso_zone', 'remaining_life', 'silence', 'sensor'],
      confirmWindows: 3,
      clearWindows: 10,
      leadTimeS: 7 * 86_400,
      silentAfterS: 60,
      checkIntervalS: 5,
    });
    expect(() => validateConfig(ProcessorConfigSpec, { alerts: { kinds: ['loud'] } }, 'processor.yaml')).toThrow(
      /processor\.yaml.*alerts\.kinds/,
    );
  });

  it('learns healthy references by default, from 8 baseline windows per channel', () => {
    expect(ProcessorConfigSpec.parse({}).health.reference).toEqual({ enabled: true, windows: 8 });
    expect(() => ProcessorConfigSpec.parse({ health: { reference: { windows: 1 } } })).toThrow();
  });

  it('fails machines at their ISO zone C/D velocity by default, and takes run-to-failure histories per machine', () => {
    const c = ProcessorConfigSpec.parse({ machines: { 'pump-1': { histories: ['runs/pump-a.csv', 'runs/pump-b.csv'] } } });
    expect(c.health.isoFailure).toBe(true);
    expect(c.machines['pump-1'].histories).toEqual(['runs/pump-a.csv', 'runs/pump-b.csv']);
    expect(() => ProcessorConfigSpec.parse({ machines: { 'pump-1': { histories: [] } } })).toThrow();
  });

  it('attaches bearings to any location name (not only DE and NDE)', () => {
    const c = ProcessorConfigSpec.parse({ machines: { m: { bearings: { DE: '6205-2RS', gearbox_in: '6203-2RS' } } } });
    expect(c.machines.m.bearings).toEqual({ DE: '6205-2RS', gearbox_in: '6203-2RS' });
    expect(() => ProcessorConfigSpec.parse({ machines: { m: { bearings: { 'drive end': '6205-2RS' } } } })).toThrow(/location name/);
  });

  it('maps channels to what they measure, and refuses unknown or inconsistent units at startup, naming the setting', () => {
    const c = ProcessorConfigSpec.parse({
      machines: { m: { channels: { V1: { location: 'DE', axis: 'radial', quantity: 'velocity', units: 'in/s' }, P1: { units: 'µm' } } } },
    });
    expect(c.machines.m.channels?.V1).toEqual({ location: 'DE', axis: 'radial', quantity: 'velocity', units: 'in/s' });
    const fails = (channels: object) => {
      const r = ProcessorConfigSpec.safeParse({ machines: { m: { channels } } });
      return r.success ? '' : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(fails({ V1: { units: 'ips' } })).toMatch(/machines.m.channels.V1: units 'ips' are not known/);
    expect(fails({ V1: { quantity: 'velocity', units: 'g' } })).toMatch(
      /machines.m.channels.V1: units 'g' measure acceleration, not velocity/,
    );
    expect(fails({ V1: { quantity: 'temperature' } })).toMatch(/quantity 'temperature' is not one of/);
    expect(fails({ V1: { unit: 'g' } })).toMatch(/unit/);
  });
});
