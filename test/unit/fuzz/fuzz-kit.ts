/**
 * Shared settings and checks of the hostile-input fuzzers (issue 15). Every property runs with a
 * fixed seed, so a CI failure replays exactly; fast-check prints the seed and the shrunk
 * counter-example in the failure message. Locally, more runs:
 *
 *   FUZZ_RUNS=20000 npx vitest run test/unit/fuzz      # runs per property (default below)
 *   FUZZ_SEED=12345 npx vitest run test/unit/fuzz      # another seed (printed on failure)
 *
 * Each property also stops after a time budget (`interruptAfterTimeLimit`), so the suite stays
 * under about a minute in CI on a shared 2-core machine whatever FUZZ_RUNS says; raise
 * FUZZ_TIME_MS with FUZZ_RUNS for a long local run.
 */
import fc from 'fast-check';
import { expect, vi } from 'vitest';
import { ERROR_CATALOGUE, PdmError, type PdmErrorCode } from '../../../common/errors.ts';

export const SEED = Number(process.env['FUZZ_SEED'] ?? 20261202);
const RUNS_SCALE = process.env['FUZZ_RUNS'] === undefined ? undefined : Number(process.env['FUZZ_RUNS']);
/** A property's wall-clock budget: past it the property stops early (and passes with what ran). */
const TIME_MS = Number(process.env['FUZZ_TIME_MS'] ?? (RUNS_SCALE === undefined ? 2500 : 600_000));
// A property may use its whole budget before shrinking a failure: vitest must not time it out first
// (its default here is 60 s, less than a long local run's budget).
vi.setConfig({ testTimeout: 2 * TIME_MS + 60_000 });

/** One run (one decode, one file read) taking longer than this is a hang, whatever the machine load. */
export const PER_RUN_MS = 2000;

/** fast-check parameters: fixed seed, `runs` (or FUZZ_RUNS), a time budget (a failure prints the seed and the shrunk value). */
export function params<T>(runs: number): fc.Parameters<T> {
  return {
    seed: SEED,
    numRuns: RUNS_SCALE ?? runs,
    interruptAfterTimeLimit: TIME_MS,
    markInterruptAsFailure: false,
  };
}

/**
 * The first raw control character in `text`: C0 (the line feed too unless `newlineAllowed`, for
 * config errors that list one problem per line), DEL and C1 (0x9b is an 8-bit CSI, a terminal
 * escape like ESC [).
 */
export function controlCharacter(text: string, newlineAllowed = false): string | undefined {
  for (const c of text) {
    const code = c.charCodeAt(0);
    if ((code < 0x20 && !(newlineAllowed && code === 0x0a)) || (code >= 0x7f && code <= 0x9f)) return c;
  }
  return undefined;
}

export interface ErrorRule {
  /** Codes this reader documents. */
  codes: readonly PdmErrorCode[];
  /** Text the message must contain (the file or message it is about). */
  names?: string;
  /** The message may hold several problems, one per line (config files). */
  multiline?: boolean;
}

/** `err` is a documented PdmError: a known code among `rule.codes`, naming its source, with no raw control characters. */
export function expectDocumentedError(err: unknown, rule: ErrorRule): asserts err is PdmError {
  if (!(err instanceof PdmError)) throw new Error(`not a PdmError: ${String((err as Error)?.stack ?? err)}`);
  expect(Object.keys(ERROR_CATALOGUE)).toContain(err.code);
  expect(rule.codes).toContain(err.code);
  if (rule.names !== undefined) expect(err.message).toContain(rule.names);
  expect(err.message.trim()).not.toBe('');
  const control = controlCharacter(err.message, rule.multiline);
  if (control !== undefined)
    throw new Error(`raw control character U+${control.charCodeAt(0).toString(16).padStart(4, '0')} in: ${JSON.stringify(err.message)}`);
}

/**
 * Runs `fn` once, checking it ends within PER_RUN_MS and that array-buffer memory grew by at most
 * `maxBytes` meanwhile (a header declaring 2^31 samples must be refused before allocating them).
 * Returns what `fn` returned or the error it threw.
 */
export function bounded<T>(fn: () => T, maxBytes: number): { value: T } | { error: unknown } {
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  let out: { value: T } | { error: unknown };
  try {
    out = { value: fn() };
  } catch (error) {
    out = { error };
  }
  const ms = performance.now() - start;
  const grown = process.memoryUsage().arrayBuffers - before;
  if (ms > PER_RUN_MS) throw new Error(`one run took ${Math.round(ms)} ms (limit ${PER_RUN_MS} ms): a hang`);
  if (grown > maxBytes) throw new Error(`one run allocated ${grown} bytes of array buffers (limit ${maxBytes})`);
  return out;
}

/** Byte-level mutations of a valid encoding: flip, overwrite, truncate, extend, splice, duplicate. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
    fc.record({
      kind: fc.constant('set' as const),
      at: fc.nat(),
      byte: fc.constantFrom(0, 0xff, 0x7f, 0x80, 0x1b, 0x0a, 0x22, 0x2c, 0x3b),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
    fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  );
  return fc.tuple(valid, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => {
    let b: Uint8Array = Uint8Array.from(bytes);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : ('at' in e ? e.at : 0) % (b.length + 1);
      switch (e.kind) {
        case 'flip':
          if (at < b.length) b[at] ^= 1 << e.bit;
          break;
        case 'set':
          if (at < b.length) b[at] = e.byte;
          break;
        case 'truncate':
          b = b.slice(0, at);
          break;
        case 'extend':
          b = concat(b, e.bytes);
          break;
        case 'insert':
          b = concat(b.slice(0, at), e.bytes, b.slice(at));
          break;
        case 'delete':
          b = concat(b.slice(0, at), b.slice(at + e.n));
          break;
        case 'duplicate':
          b = concat(b.slice(0, at + e.n), b.slice(at));
          break;
      }
    }
    return b;
  });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Text with what breaks readers: controls, escapes, quotes, separators, odd numbers, non-ASCII. */
export const hostileText: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.constantFrom(
        ',',
        ';',
        '\t',
        '"',
        '""',
        '\r',
        '\n',
        '\r\n',
        '\u0000',
        '\u001b[2J',
        '\u009b31m',
        '\u007f',
        '\u0007',
        '\ufeff',
        '\ud800',
        '0x10',
        '0b11',
        'Infinity',
        '-',
        '.',
        'e',
        '1e999',
        'NaN',
        '1,5',
        '\u00e9',
        '\u{1f600}',
        ' ',
        'time',
        'value',
      ),
      fc.double().map(String),
    ),
    { maxLength: 40 },
  )
  .map((parts) => parts.join(''));
