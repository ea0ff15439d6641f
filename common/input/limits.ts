/**
 * How much of an input file the readers take. A recorded file can be large (hours at 25.6 kHz),
 * but a reader must never hang or grow without bound on an endless source (/dev/zero, a pipe
 * that never closes): everything is read in chunks and refused past this size.
 */
import { PdmError } from '../errors.ts';

export const MAX_INPUT_ENV = 'PDM_MAX_INPUT_MB';
const DEFAULT_MAX_INPUT_MB = 1024;

/** The largest input file in bytes: `PDM_MAX_INPUT_MB` (MiB), default 1 GiB. */
export function maxInputBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[MAX_INPUT_ENV];
  if (raw === undefined || raw === '') return DEFAULT_MAX_INPUT_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) {
    throw new PdmError('PDM_ERR_CONFIG_INVALID', `${MAX_INPUT_ENV}=${JSON.stringify(raw)} is not a positive number of MiB`, {
      variable: MAX_INPUT_ENV,
    });
  }
  return Math.floor(mb * 1024 * 1024);
}

export function tooLarge(file: string, maxBytes: number): PdmError {
  return new PdmError(
    'PDM_ERR_INPUT_FILE',
    `${file}: is larger than ${formatBytes(maxBytes)} (or never ends); split it, or raise the limit with ${MAX_INPUT_ENV}=<MiB>`,
    { file, maxBytes },
  );
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${Math.round(n / 1024 / 1024)} MiB` : `${n} bytes`;
}
