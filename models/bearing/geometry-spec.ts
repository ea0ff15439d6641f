/**
 * The one schema of a bearing geometry as people write it (fleet files, the processor config,
 * `pdm analyze --bearing-geometry`): every place that accepts a geometry validates it here, so the
 * limits and the messages are the same wherever it is given. The result is the models'
 * `BearingGeometry` (without a catalogue name).
 */
import { z } from 'zod';
import type { BearingGeometry } from './geometry.ts';

const BALLS = 'must be an integer from 3 to 100';
const DIAMETER = 'must be a positive number (mm)';
const ANGLE = 'must be a number from 0 to 60 (degrees)';

export const BearingGeometrySpec = z
  .strictObject({
    // The messages complete "<where> ...": the same words in a fleet file, the processor config and on the command line.
    balls: z.int(BALLS).min(3, BALLS).max(100, BALLS).describe('number of rolling elements per row'),
    ballDiameterMm: z.number(DIAMETER).positive(DIAMETER).describe('rolling element diameter, mm'),
    pitchDiameterMm: z.number(DIAMETER).positive(DIAMETER).describe('pitch (cage) diameter, mm'),
    // Beyond 60° a "ball bearing" is a thrust bearing, whose kinematics the defect formulas do not describe.
    contactAngleDeg: z.number(ANGLE).min(0, ANGLE).max(60, ANGLE).default(0).describe('contact angle, degrees'),
  })
  // The ball must fit inside the pitch circle, or d/D cos a > 1 gives negative defect frequencies.
  .refine((g) => g.ballDiameterMm < g.pitchDiameterMm, { message: 'must be smaller than pitchDiameterMm', path: ['ballDiameterMm'] });

export type BearingGeometryInput = z.input<typeof BearingGeometrySpec>;

// A compile-time check that the schema's output is the models' geometry: a field renamed on one
// side fails the build here rather than at a machine's first window.
const _sameShape: (g: z.output<typeof BearingGeometrySpec>) => Omit<BearingGeometry, 'name'> = (g) => g;
void _sameShape;
