/**
 * Readers for recorded vibration files: raw little-endian float32 (.f32), CSV (one numeric
 * column, or one picked by name or index) and WAV (PCM 16/24/32-bit integer or 32/64-bit float,
 * first channel). Every reader checks the whole file before returning, so a bad file is refused
 * with one message naming it and what is wrong, and nothing partial is analysed. Files are read
 * in chunks up to a size bound (PDM_MAX_INPUT_MB, common/input/limits.ts): an endless source
 * such as /dev/zero is refused, never read until memory runs out.
 */
import { extname } from 'node:path';
import { PdmError } from '../../common/errors.ts';
import { readBoundedBytes, readLines } from '../../common/input/bounded-read.ts';
import { CsvSignalReader } from './csv.ts';
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
  const fail = (problem: string, details: Record<string, unknown> = {}): never => {
    throw fileError(file, problem, details);
  };
  let result: SignalFile;
  if (format === 'csv') {
    const reader = new CsvSignalReader(options.column, fail);
    readLines(file, (line, n) => reader.line(line, n));
    result = { samples: reader.finish(), format };
  } else {
    const bytes = readBoundedBytes(file);
    result = format === 'f32' ? { samples: parseF32(bytes, fail), format } : { ...parseWav(bytes, fail), format };
  }
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
