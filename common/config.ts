/**
 * Configuration files (YAML or JSON) validated once, at start-up, against a zod schema that is
 * the one source of defaults, validation and documentation (`.describe()` on every field).
 * Unknown keys are rejected by using `z.strictObject`. Every message names the file and the
 * setting: `collector.yaml: machines[3].endpoint must be an opc.tcp:// URL`.
 */
import { basename } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { isPdmError, PdmError } from './errors.ts';
import { readBoundedBytes } from './input/bounded-read.ts';
import { escaped } from './input/display.ts';

/**
 * A key of a config file shown in a message: a YAML or JSON key may hold control characters and
 * terminal escapes ("\e[2J" in YAML), which must not reach a terminal or a log line raw.
 */
export function configKey(key: PropertyKey): string {
  return escaped(String(key), 64);
}

/** `machines[3].endpoint` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? configKey(key) : `.${configKey(key)}`;
  }
  return out === '' ? '(top level)' : out;
}

/** Validate an already-parsed value; `source` names where it came from (a file name, an option). */
export function validateConfig<S extends z.ZodType>(schema: S, value: unknown, source: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const where = formatPath(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const keys = issue.keys.map((k) => (where === '(top level)' ? configKey(k) : `${where}.${configKey(k)}`));
      return `${source}: unknown setting ${keys.join(', ')}`;
    }
    return `${source}: ${where} ${escaped(issue.message, 500)}`;
  });
  throw new PdmError('PDM_ERR_CONFIG_INVALID', problems.join('\n'), { source, problems });
}

/** A configuration file is a few kB; far larger is not one. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

/** Read a YAML or JSON file (at most MAX_CONFIG_BYTES) and validate it. */
export function loadConfigFile<S extends z.ZodType>(schema: S, file: string): z.output<S> {
  let text: string;
  try {
    // Bounded: a path to an endless source (/dev/zero, a FIFO never closed) must not hang start-up
    // while memory grows, as readFileSync does on one.
    text = readBoundedBytes(file, MAX_CONFIG_BYTES).toString('utf8');
  } catch (err) {
    if (isPdmError(err) && err.details['maxBytes'] !== undefined) {
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `${file}: is larger than ${MAX_CONFIG_BYTES / 1024 / 1024} MiB (or never ends): not a configuration file`,
        { file, maxBytes: MAX_CONFIG_BYTES },
        { cause: err },
      );
    }
    // The system's own words, as before the bound (ENOENT: no such file or directory, open '...').
    const cause = isPdmError(err) && err.cause instanceof Error ? err.cause : (err as Error);
    throw new PdmError('PDM_ERR_CONFIG_INVALID', `${file}: cannot be read (${cause.message})`, { file }, { cause });
  }
  let value: unknown;
  try {
    // YAML is a superset of JSON. A warning (an unresolved tag such as `!foo`, an unknown
    // directive) is refused like an error: yaml's parse() would print it to stderr, raw and
    // without the file's name, and read the value as if the tag were not there.
    const doc = parseDocument(text);
    const problem = doc.errors[0] ?? doc.warnings[0];
    if (problem) throw problem;
    value = doc.toJS();
  } catch (err) {
    // The parser quotes the offending line of the file under its message: kept line by line, with
    // its control characters and escapes shown as \uXXXX.
    const message = (err as Error).message
      .split('\n')
      .map((line) => escaped(line, 200))
      .join('\n');
    throw new PdmError('PDM_ERR_CONFIG_INVALID', `${file}: is not valid YAML/JSON (${message})`, { file }, { cause: err });
  }
  return validateConfig(schema, value, basename(file));
}
