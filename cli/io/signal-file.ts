/**
 * Readers for recorded vibration files: raw little-endian float32 (.f32), CSV (one numeric
 * column, or one picked by name or index) and WAV (PCM 16/24/32-bit integer or 32/64-bit float,
 * first channel). Every reader checks the whole file before returning, so a bad file is refused
 * with one message naming it and what is wrong, and nothing partial is analysed.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { PdmError } from '../../common/errors.ts';
import { parseCsvSignal } from './csv.ts';
import { parseF32 } from './f32.ts';
import { parseWav } from './wav.ts';

export type SignalFormat = 'f32' | 'csv' | 'wav';
export const SIGNAL_FORMATS: readonly SignalFormat[] = ['f32', 'csv', 'wav'];

export interface SignalFile {
  samples: Float32Array;
  format: SignalFormat;
  /** From the file's header (WAV), when it has one. */
  sampleRateHz?: number;
}

export interface ReadOptions {
  format?: SignalFormat;
  /** CSV column: a header name, or a 0-based index. */
  column?: string;
}

export function inferFormat(file: string): SignalFormat | undefined {
  const ext = extname(file).toLowerCase().slice(1);
  return (SIGNAL_FORMATS as readonly string[]).includes(ext) ? (ext as SignalFormat) : undefined;
}

export function fileError(file: string, problem: string, details: Record<string, unknown> = {}, cause?: unknown): PdmError {
  return new PdmError('PDM_ERR_INPUT_FILE', `${file}: ${problem}`, { file, ...details }, cause === undefined ? undefined : { cause });
}

export async function readSignalFile(file: string, options: ReadOptions = {}): Promise<SignalFile> {
  const format = options.format ?? inferFormat(file);
  if (format === undefined)
    throw fileError(file, `cannot tell the format from the extension '${extname(file)}'; give --format f32|csv|wav`);
  if (options.column !== undefined && format !== 'csv')
    throw fileError(file, `--column applies to CSV files only, this one is read as ${format}`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot be read (${(err as Error).message})`;
    throw fileError(file, why, { code }, err);
  }
  const fail = (problem: string, details: Record<string, unknown> = {}): never => {
    throw fileError(file, problem, details);
  };
  let result: SignalFile;
  if (format === 'f32') result = { samples: parseF32(bytes, fail), format };
  else if (format === 'csv') result = { samples: parseCsvSignal(bytes.toString('utf8'), options.column, fail), format };
  else result = { ...parseWav(bytes, fail), format };
  if (result.samples.length === 0) fail('holds no samples');
  const bad = firstNonFinite(result.samples);
  if (bad >= 0) fail(`sample ${bad} is ${String(result.samples[bad])} (NaN or infinite values cannot be analysed)`, { sample: bad });
  return result;
}

function firstNonFinite(x: Float32Array): number {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/** Reports a problem with the file and never returns. */
export type Fail = (problem: string, details?: Record<string, unknown>) => never;
