/** The one bearing-geometry schema, and the two configurations that take a geometry through it. */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../common/config.ts';
import { BearingGeometrySpec } from '../../../models/bearing/geometry-spec.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';

describe('BearingGeometrySpec', () => {
  it('gives the models a geometry, contact angle 0 unless given', () => {
    expect(BearingGeometrySpec.parse({ balls: 9, ballDiameterMm: 7.94, pitchDiameterMm: 39.04 })).toEqual({
      balls: 9,
      ballDiameterMm: 7.94,
      pitchDiameterMm: 39.04,
      contactAngleDeg: 0,
    });
  });

  it.each([
    [{ balls: 2.5, ballDiameterMm: 7, pitchDiameterMm: 39 }, /balls/],
    [{ balls: 2, ballDiameterMm: 7, pitchDiameterMm: 39 }, /balls/],
    [{ balls: 9, ballDiameterMm: 40, pitchDiameterMm: 39 }, /ballDiameterMm must be smaller than pitchDiameterMm/],
    [{ balls: 9, ballDiameterMm: 7, pitchDiameterMm: 39, contactAngleDeg: 75 }, /contactAngleDeg/],
    [{ balls: 9, ballDiameterMm: 7, pitchDiameterMm: 39, width: 3 }, /unknown setting width/],
  ])('refuses %j naming the field', (geometry, message) => {
    expect(() => validateConfig(BearingGeometrySpec, geometry, 'geometry')).toThrow(message);
  });

  it('is what the processor config checks a machine bearing with (the ball must fit the pitch circle there too)', () => {
    const config = (g: object) => ({ machines: { 'pump-1': { bearings: { DE: g } } } });
    expect(() => validateConfig(ProcessorConfigSpec, config({ balls: 9, ballDiameterMm: 40, pitchDiameterMm: 39 }), 'p.yaml')).toThrow(
      /ballDiameterMm must be smaller than pitchDiameterMm/,
    );
  });
});
