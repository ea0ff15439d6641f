/**
 * The configuration-file shape of a channel declaration (collector and processor configs use the
 * same), checked against the units and quantity tables of common/channels.ts so a bad entry
 * fails at startup, naming the setting and what is wrong.
 */
import { z } from 'zod';
import { declarationProblem, knownUnits, QUANTITIES } from './channels.ts';

const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

export const ChannelDeclarationFields = {
  location: z
    .string()
    .regex(NAME, 'must be 1-64 letters, digits, _ . -')
    .optional()
    .describe('where the sensor is: any name the plant uses (DE, NDE, gearbox_in, fan); default: the <location> of a <location>_<axis> id'),
  axis: z
    .string()
    .regex(NAME, 'must be 1-64 letters, digits, _ . -')
    .optional()
    .describe('direction: any name (X, Y, Z, radial, axial); default: the <axis> of a <location>_<axis> id'),
  quantity: z
    .string()
    .optional()
    .describe(`what the sensor measures: ${Object.keys(QUANTITIES).join(', ')}; default: what its units measure`),
  units: z
    .string()
    .optional()
    .describe(`units of the samples: ${knownUnits().join(', ')}`),
};

/** Adds the declaration's problem (unknown units, units of another quantity...) as an issue on the entry. */
export function checkDeclaration(
  entry: { location?: string; axis?: string; quantity?: string; units?: string },
  ctx: z.RefinementCtx,
): void {
  const problem = declarationProblem(entry);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
}

export const ChannelDeclarationSpec = z.strictObject(ChannelDeclarationFields).superRefine(checkDeclaration);
