/**
 * Reading input files in chunks with a size bound: whole (for binary formats) or line by line
 * (for text tables, so a file larger than a JavaScript string can hold is still read, and memory
 * stays at the parsed values). Works the same on regular files, pipes and devices; an endless
 * source is refused at the bound instead of hanging. Synchronous on purpose: the callers (CLI
 * readers, the processor's start-up) read a file before they can do anything else.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { PdmError } from '../errors.ts';
import { maxInputBytes, tooLarge } from './limits.ts';

const CHUNK = 1 << 20;
/** A text table's line is at most this long: longer means it is not one (a binary file, a one-line dump). */
export const MAX_LINE_CHARS = 1 << 16;

export function openInput(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const what: Record<string, string> = { ENOENT: 'no such file', EISDIR: 'is a directory', EACCES: 'permission denied' };
    const why =
      code === undefined ? `cannot be read (${(err as Error).message})` : `cannot be read (${code})${what[code] ? `: ${what[code]}` : ''}`;
    throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: ${why}`, { file, code }, { cause: err });
  }
}

function readChunk(fd: number, file: string, buf: Buffer): number {
  try {
    return readSync(fd, buf, 0, buf.length, null);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EISDIR' ? 'cannot be read (EISDIR): is a directory' : `cannot be read (${code ?? (err as Error).message})`;
    throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: ${why}`, { file, code }, { cause: err });
  }
}

/** The whole file, refused past `maxBytes` (default: PDM_MAX_INPUT_MB). */
export function readBoundedBytes(file: string, maxBytes = maxInputBytes()): Buffer {
  const fd = openInput(file);
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      const n = readChunk(fd, file, buf);
      if (n === 0) break;
      total += n;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
      chunks.push(n === CHUNK ? buf : buf.subarray(0, n));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
}

/**
 * Calls `onLine(line, lineNumber)` for each line (1-based; `\r\n` or `\n`; a UTF-8 byte-order
 * mark is dropped). Refuses a file past `maxBytes`, a line longer than `maxLineChars` and a NUL
 * byte (a binary file given as text), naming the file and where.
 */
export function readLines(
  file: string,
  onLine: (line: string, lineNumber: number) => void,
  limits: { maxBytes?: number; maxLineChars?: number } = {},
): void {
  const maxBytes = limits.maxBytes ?? maxInputBytes();
  const maxLineChars = limits.maxLineChars ?? MAX_LINE_CHARS;
  const fd = openInput(file);
  const decoder = new StringDecoder('utf8');
  const buf = Buffer.allocUnsafe(CHUNK);
  let total = 0;
  let pending = '';
  let lineNumber = 0;
  const emit = (line: string) => {
    lineNumber++;
    if (lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    onLine(line.endsWith('\r') ? line.slice(0, -1) : line, lineNumber);
  };
  try {
    for (;;) {
      const n = readChunk(fd, file, buf);
      if (n === 0) break;
      const nul = buf.subarray(0, n).indexOf(0);
      if (nul >= 0) {
        throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: has a NUL byte at byte ${total + nul}: it is a binary file, not a text table`, {
          file,
          byte: total + nul,
        });
      }
      total += n;
      if (total > maxBytes) throw tooLarge(file, maxBytes);
      pending += decoder.write(buf.subarray(0, n));
      let from = 0;
      for (let at = pending.indexOf('\n'); at >= 0; at = pending.indexOf('\n', from)) {
        emit(pending.slice(from, at));
        from = at + 1;
      }
      pending = pending.slice(from);
      if (pending.length > maxLineChars) {
        throw new PdmError(
          'PDM_ERR_INPUT_FILE',
          `${file}: line ${lineNumber + 1} is longer than ${maxLineChars} characters: not a text table with one row per line`,
          { file, line: lineNumber + 1 },
        );
      }
    }
    pending += decoder.end();
    if (pending !== '') emit(pending);
  } finally {
    closeSync(fd);
  }
}
