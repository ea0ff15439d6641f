import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { KNOWN_BEARINGS, lookupBearing } from '../../../models/bearing/catalogue.ts';
import { defectFrequencies, defectOrders, requiredRevolutions } from '../../../models/bearing/geometry.ts';
import { expectClose } from '../models-dsp/helpers/tolerance.ts';

// Independent references: the CWRU bearing sheet (in the dataset's metadata.json) and the IMS
// test rig's published defect frequencies at 2000 r/min (Qiu et al. 2006, J. Sound Vib. 289).
const META = JSON.parse(readFileSync(new URL('../../../../shared/data/cwru/metadata.json', import.meta.url), 'utf8')) as {
  bearings: Record<
    'DE' | 'FE',
    { defect_freq_multiples_of_shaft_Hz: { BPFI: number; BPFO: number; FTF: number; rolling_element: number } }
  >;
  records: Array<{
    file: string;
    shaft_speed_rpm: number;
    sensor_position: 'DE' | 'FE';
    fault_freqs_hz_for_sensor_end_bearing: { BPFI: number; BPFO: number; FTF: number; BSF_x2: number };
  }>;
};

describe('defect frequencies', () => {
  it('match the CWRU bearing sheet for both ends (ball spin = half its "rolling element" multiple)', () => {
    for (const [end, name] of [
      ['DE', '6205-2RS'],
      ['FE', '6203-2RS'],
    ] as const) {
      const sheet = META.bearings[end].defect_freq_multiples_of_shaft_Hz;
      const o = defectOrders(lookupBearing(name));
      expectClose(o.bpfi, sheet.BPFI, { rel: 2e-4 }, `${end} BPFI`);
      expectClose(o.bpfo, sheet.BPFO, { rel: 2e-4 }, `${end} BPFO`);
      expectClose(o.ftf, sheet.FTF, { rel: 5e-4 }, `${end} FTF`);
      expectClose(2 * o.bsf, sheet.rolling_element, { rel: 2e-4 }, `${end} 2 x BSF`);
    }
  });

  it("match every CWRU record's listed frequencies in Hz at its own speed", () => {
    for (const r of META.records) {
      const f = defectFrequencies(lookupBearing(r.sensor_position === 'DE' ? '6205-2RS' : '6203-2RS'), r.shaft_speed_rpm / 60);
      const want = r.fault_freqs_hz_for_sensor_end_bearing;
      expectClose(f.bpfi, want.BPFI, { rel: 3e-4 }, `${r.file} BPFI`);
      expectClose(f.bpfo, want.BPFO, { rel: 3e-4 }, `${r.file} BPFO`);
      expectClose(2 * f.bsf, want.BSF_x2, { rel: 3e-4 }, `${r.file} 2 x BSF`);
    }
  });

  it('match the IMS (Rexnord ZA-2115) frequencies at 2000 r/min, with its 15.17 degree contact angle', () => {
    const f = defectFrequencies(lookupBearing('ZA-2115'), 2000 / 60);
    expectClose(f.bpfo, 236.4, { abs: 0.1 }, 'BPFO');
    expectClose(f.bpfi, 296.9, { abs: 0.1 }, 'BPFI');
    expectClose(2 * f.bsf, 279.8, { abs: 0.1 }, '2 x BSF');
    expectClose(f.ftf, 14.8, { abs: 0.05 }, 'FTF');
  });

  it('scale with shaft speed and obey BPFO + BPFI = n x fr, BPFO = n x FTF', () => {
    const g = { balls: 11, ballDiameterMm: 9.5, pitchDiameterMm: 52, contactAngleDeg: 12 };
    for (const fr of [5, 29.95, 100]) {
      const f = defectFrequencies(g, fr);
      expectClose(f.bpfo + f.bpfi, 11 * fr, { rel: 1e-12 }, 'BPFO + BPFI');
      expectClose(f.bpfo, 11 * f.ftf, { rel: 1e-12 }, 'BPFO = n FTF');
    }
  });

  it('asks for longer windows when a race frequency sits near a shaft harmonic (6203: BPFO 3.053 x)', () => {
    expect(requiredRevolutions(lookupBearing('6205-2RS'))).toBe(32);
    expect(requiredRevolutions(lookupBearing('6203-2RS'))).toBe(128);
  });
});

describe('bearing catalogue', () => {
  it('knows the four built-in bearings by name and alias, case-insensitively', () => {
    expect(KNOWN_BEARINGS).toEqual(['6205-2RS', '6203-2RS', 'ZA-2115', 'FEMTO-PRONOSTIA']);
    for (const alias of ['6205-2rs', '6205-2RS JEM SKF', 'skf 6205-2rs', '6205']) expect(lookupBearing(alias).name).toBe('6205-2RS');
    expect(lookupBearing('femto').balls).toBe(13);
    expect(lookupBearing('za-2115').contactAngleDeg).toBe(15.17);
  });

  it('refuses an unknown name with PDM_ERR_BEARING_UNKNOWN listing the known ones', () => {
    try {
      lookupBearing('6309-ZZ');
      expect.fail('no error');
    } catch (err) {
      expect(isPdmError(err, 'PDM_ERR_BEARING_UNKNOWN')).toBe(true);
      expect((err as Error).message).toMatch(/6309-ZZ.*6205-2RS, 6203-2RS, ZA-2115, FEMTO-PRONOSTIA/);
    }
  });
});
