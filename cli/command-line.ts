/**
 * The one command-line helper of `pdm`: every command declares its options (with their value
 * types: numbers with ranges, choices, custom parsers), its subcommands and positionals here, and
 * so behaves like every other one:
 * - `--help` / `-h` prints the command's help on stdout, exit 0 (whatever else is on the line);
 * - a usage error (an unknown option, a missing required one, a bad value, a wrong subcommand or
 *   argument) prints one line `pdm <command>: <what is wrong> (pdm <command> --help)` on stderr,
 *   exit 2. A command's body throws `usageError(...)` for the rules only it can check (options
 *   that go together); anything else it throws is its own business (exit 1).
 * Option values are checked here and only here, so a message names the option and the rule the
 * same way in every command: `--rpm must be a positive number, got 'fast'`.
 */
import { parseArgs } from 'node:util';
import { PdmError } from '../common/errors.ts';

/** A command line that cannot be run: exit 2, with a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function usageError(message: string): UsageError {
  return new UsageError(message);
}

type Shape = 'optional' | 'required' | 'default' | 'multiple';

/**
 * One option: string-valued (parsed into T) or a boolean flag, and its shape in the result:
 * `T | undefined` (optional), `T` (required, or with a default), `T[]` (repeatable).
 */
export class Option<T, S extends Shape = 'optional'> {
  readonly kind: 'string' | 'boolean';
  readonly parse: (text: string, option: string) => T;
  readonly shape: S;
  readonly fallback: T | undefined;
  readonly shortName: string | undefined;
  /** What a required option's message shows after its name: `--endpoint opc.tcp://HOST:PORT is required`. */
  readonly hint: string | undefined;

  constructor(
    kind: 'string' | 'boolean',
    parse: (text: string, option: string) => T,
    shape: S,
    extra: { fallback?: T; shortName?: string; hint?: string } = {},
  ) {
    this.kind = kind;
    this.parse = parse;
    this.shape = shape;
    this.fallback = extra.fallback;
    this.shortName = extra.shortName;
    this.hint = extra.hint;
  }

  #with<S2 extends Shape>(shape: S2, extra: { fallback?: T; shortName?: string; hint?: string }): Option<T, S2> {
    return new Option(this.kind, this.parse, shape, { fallback: this.fallback, shortName: this.shortName, hint: this.hint, ...extra });
  }

  required(hint?: string): Option<T, 'required'> {
    return this.#with('required', { hint });
  }

  default(value: T): Option<T, 'default'> {
    return this.#with('default', { fallback: value });
  }

  multiple(): Option<T, 'multiple'> {
    return this.#with('multiple', {});
  }

  short(letter: string): Option<T, S> {
    return this.#with(this.shape, { shortName: letter });
  }

  /** A further rule on the parsed value; `rule` completes "--x must be ...". */
  check(test: (value: T) => boolean, rule: string): Option<T, S> {
    const parse = this.parse;
    return new Option(
      this.kind,
      (text, option) => {
        const value = parse(text, option);
        if (!test(value)) throw invalid(option, rule, text);
        return value;
      },
      this.shape,
      { fallback: this.fallback, shortName: this.shortName, hint: this.hint },
    );
  }
}

function invalid(option: string, rule: string, text: string): UsageError {
  return usageError(`${option} must be ${rule}, got '${text}'`);
}

/** A boolean flag, false unless given. */
export function flag(): Option<boolean, 'default'> {
  return new Option('boolean', () => true, 'default', { fallback: false });
}

/** A string, taken as given. */
export function text(): Option<string> {
  return new Option('string', (t) => t, 'optional');
}

/** The bounds of a numeric option; `note` says what the number is, in the message. */
export interface NumberRange {
  integer?: boolean;
  /** value >= min */
  min?: number;
  /** value <= max */
  max?: number;
  /** value > above */
  above?: number;
  /** value < below */
  below?: number;
  note?: string;
}

/** "a positive number", "an integer from 3 to 100", "a number above 1 (a multiple of ...)". */
export function describeRange(r: NumberRange): string {
  const noun = r.integer ? 'integer' : 'number';
  const bounds = [
    r.min !== undefined ? `at least ${r.min}` : '',
    r.above !== undefined ? `above ${r.above}` : '',
    r.max !== undefined ? `at most ${r.max}` : '',
    r.below !== undefined ? `below ${r.below}` : '',
  ].filter((b) => b !== '');
  let rule: string;
  if (bounds.length === 1 && r.above === 0) rule = `a positive ${noun}`;
  else if (bounds.length === 1 && r.min === 0) rule = `a non-negative ${noun}`;
  else if (bounds.length === 2 && r.min !== undefined && r.max !== undefined)
    rule = `${r.integer ? 'an' : 'a'} ${noun} from ${r.min} to ${r.max}`;
  else if (bounds.length === 2 && r.above === 0 && r.max !== undefined) rule = `a positive ${noun} of at most ${r.max}`;
  else if (bounds.length === 0) rule = `${r.integer ? 'an' : 'a'} ${noun}`;
  else rule = `${r.integer ? 'an' : 'a'} ${noun}${r.min !== undefined || r.max !== undefined ? ' of' : ''} ${bounds.join(' and ')}`;
  return r.note ? `${rule} (${r.note})` : rule;
}

/**
 * A number within `range`, or a usage error naming `label`. Exported for values whose label is
 * more than an option name (`--train-rpm (for run-2.csv)`); options use `number()`.
 */
export function numberValue(text: string, label: string, range: NumberRange = {}): number {
  const x = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(x) &&
    (!range.integer || Number.isInteger(x)) &&
    (range.min === undefined || x >= range.min) &&
    (range.max === undefined || x <= range.max) &&
    (range.above === undefined || x > range.above) &&
    (range.below === undefined || x < range.below);
  if (!ok) throw invalid(label, describeRange(range), text);
  return x;
}

export function number(range: NumberRange = {}): Option<number> {
  return new Option('string', (t, option) => numberValue(t, option, range), 'optional');
}

/** "1 or 2", "one of f32, csv, wav". */
function describeChoices(values: readonly string[]): string {
  return values.length === 2 ? `${values[0]} or ${values[1]}` : `one of ${values.join(', ')}`;
}

export function choice<const C extends readonly string[]>(values: C): Option<C[number]> {
  return new Option(
    'string',
    (t, option) => {
      if (!values.includes(t)) throw invalid(option, describeChoices(values), t);
      return t as C[number];
    },
    'optional',
  );
}

/**
 * A value with its own syntax (a duration, a time, a key=value list). `parse` throws
 * `usageError(...)` naming the option (it is given its name); a `PdmError` it lets through (e.g.
 * from a catalogue look-up) is taken as a usage error too, its message prefixed with the option.
 */
export function custom<T>(parse: (text: string, option: string) => T): Option<T> {
  return new Option(
    'string',
    (t, option) => {
      try {
        return parse(t, option);
      } catch (err) {
        if (err instanceof PdmError) throw usageError(`${option}: ${err.message}`);
        throw err;
      }
    },
    'optional',
  );
}

/** --iso-group and --iso-foundation: the ISO 20816-3 machine class, as analyze and dashboards take it. */
export const ISO_CLASS_OPTIONS = {
  'iso-group': choice(['1', '2']).default('2'),
  'iso-foundation': choice(['rigid', 'flexible']).default('rigid'),
};

export function isoClass(values: { 'iso-group': '1' | '2'; 'iso-foundation': 'rigid' | 'flexible' }): {
  group: 1 | 2;
  foundation: 'rigid' | 'flexible';
} {
  return { group: values['iso-group'] === '1' ? 1 : 2, foundation: values['iso-foundation'] };
}

// biome-ignore lint/suspicious/noExplicitAny: any option type; each is read back through its own Option<T, S>
export type OptionSet = Record<string, Option<any, Shape>>;

type ValueOf<O> = O extends Option<infer T, infer S> ? (S extends 'multiple' ? T[] : S extends 'optional' ? T | undefined : T) : never;

export type Values<O extends OptionSet> = { -readonly [K in keyof O]: ValueOf<O[K]> };

/** Plain arguments (after the subcommand, if any): how many, and what to call them in messages. */
export interface PositionalSpec {
  name: string;
  min?: number;
  max?: number;
}

export interface SubcommandSpec<SO extends OptionSet = OptionSet> {
  /** Options only this subcommand takes: given with another one, they are a usage error. */
  options?: SO;
  positionals?: PositionalSpec;
}

export interface CommandSpec<O extends OptionSet, C extends Record<string, SubcommandSpec>> {
  /** As typed after `pdm`. */
  name: string;
  help: string;
  /** Options every subcommand takes. */
  options: O;
  /** When given, the first argument must name one of them. */
  subcommands?: C;
  /** Plain arguments of a command without subcommands; none unless given. */
  positionals?: PositionalSpec;
}

type SubOptions<S> = S extends { options: infer SO extends OptionSet } ? SO : Record<never, never>;

export type CommandLine<O extends OptionSet, C extends Record<string, SubcommandSpec>> = [keyof C] extends [never]
  ? { subcommand: undefined; values: Values<O>; positionals: string[] }
  : { [K in keyof C & string]: { subcommand: K; values: Values<O> & Values<SubOptions<C[K]>>; positionals: string[] } }[keyof C & string];

export type ParseOutcome<O extends OptionSet, C extends Record<string, SubcommandSpec>> =
  | { help: true }
  | { error: string }
  | { line: CommandLine<O, C> };

function optionList(names: string[]): string {
  return names.map((n) => `--${n}`).join(', ');
}

/** Parses a command line against `spec`; prints nothing (see `command` for the printing). */
export function parseCommandLine<O extends OptionSet, C extends Record<string, SubcommandSpec> = Record<never, never>>(
  spec: CommandSpec<O, C>,
  argv: string[],
): ParseOutcome<O, C> {
  const subcommands = (spec.subcommands ?? {}) as Record<string, SubcommandSpec>;
  const all: Record<string, Option<unknown, Shape>> = { ...spec.options };
  /** For options of subcommands: which subcommands take each. */
  const owners = new Map<string, string[]>();
  for (const [sub, s] of Object.entries(subcommands)) {
    for (const [name, option] of Object.entries(s.options ?? {})) {
      all[name] = option;
      owners.set(name, [...(owners.get(name) ?? []), sub]);
    }
  }
  const config = Object.fromEntries(
    Object.entries(all).map(([name, o]) => [
      name,
      { type: o.kind, ...(o.shape === 'multiple' ? { multiple: true } : {}), ...(o.shortName ? { short: o.shortName } : {}) },
    ]),
  ) as Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  const withHelp = { ...config, help: { type: 'boolean', short: 'h' } } as const;

  // --help wins over every other problem on the line: whoever asks for it wants to read it.
  const loose = parseArgs({ args: argv, options: withHelp, strict: false, allowPositionals: true, tokens: true });
  if (loose.tokens.some((t) => t.kind === 'option' && t.name === 'help')) return { help: true };

  let values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: config, strict: true, allowPositionals: true }));
  } catch (err) {
    // node's own message names the option ("Option '--fs <value>' argument missing"); of the
    // unknown-option one, the first sentence says it all (the rest is about positionals).
    const message = (err as Error).message;
    return { error: /^Unknown option '[^']*'/.exec(message)?.[0] ?? message };
  }

  let subcommand: string | undefined;
  if (spec.subcommands !== undefined) {
    const names = Object.keys(subcommands);
    const expected = names.length === 1 ? `the subcommand '${names[0]}'` : `one of ${names.join(', ')}`;
    subcommand = positionals[0];
    if (subcommand === undefined || !Object.hasOwn(subcommands, subcommand)) {
      return { error: `expected ${expected}${positionals.length > 0 ? `, got '${positionals.join(' ')}'` : ''}` };
    }
    positionals = positionals.slice(1);
    const stray = [...owners].filter(([name, subs]) => values[name] !== undefined && !subs.includes(subcommand as string));
    if (stray.length > 0) {
      const to = [...new Set(stray.flatMap(([, subs]) => subs))].join(', ');
      return { error: `${optionList(stray.map(([name]) => name))} only apply to ${to}` };
    }
  }

  const expectedPositionals = (subcommand !== undefined ? subcommands[subcommand].positionals : spec.positionals) ?? { name: '', max: 0 };
  const min = expectedPositionals.min ?? 0;
  const max = expectedPositionals.max ?? Number.POSITIVE_INFINITY;
  if (positionals.length < min) return { error: `no ${expectedPositionals.name} given` };
  if (positionals.length > max) return { error: `unexpected argument '${positionals.slice(max).join(' ')}'` };

  const own = subcommand !== undefined ? (subcommands[subcommand].options ?? {}) : {};
  const result: Record<string, unknown> = {};
  try {
    for (const [name, o] of [...Object.entries(spec.options), ...Object.entries(own)]) {
      const raw = values[name];
      const option = `--${name}`;
      if (raw === undefined) {
        if (o.shape === 'required') {
          const what = `${option}${o.hint ? ` ${o.hint}` : ''}`;
          return { error: Object.hasOwn(own, name) ? `${subcommand} needs ${what}` : `${what} is required` };
        }
        result[name] = o.shape === 'multiple' ? [] : o.fallback;
      } else if (Array.isArray(raw)) {
        result[name] = raw.map((r) => (typeof r === 'string' ? o.parse(r, option) : r));
      } else {
        result[name] = typeof raw === 'string' ? o.parse(raw, option) : raw;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) return { error: err.message };
    throw err;
  }
  return { line: { subcommand, values: result, positionals } as CommandLine<O, C> };
}

/** Infers a spec's option and subcommand types, so a command's body can be typed from it (`CommandLineOf<typeof SPEC>`). */
export function commandSpec<O extends OptionSet, C extends Record<string, SubcommandSpec> = Record<never, never>>(
  spec: CommandSpec<O, C>,
): CommandSpec<O, C> {
  return spec;
}

export type CommandLineOf<Spec> = Spec extends CommandSpec<infer O, infer C> ? CommandLine<O, C> : never;

/** The one-line usage error every command prints; returns the exit code 2. */
export function reportUsageError(command: string, message: string): number {
  process.stderr.write(`pdm ${command}: ${message} (pdm ${command} --help)\n`);
  return 2;
}

/**
 * A command's `run(argv)`: parse, print the help or a usage error, else run `body` with the
 * typed command line; a `UsageError` the body throws is reported the same way.
 */
export function command<O extends OptionSet, C extends Record<string, SubcommandSpec> = Record<never, never>>(
  spec: CommandSpec<O, C>,
  body: (line: CommandLine<O, C>) => Promise<number>,
): (argv: string[]) => Promise<number> {
  return async (argv) => {
    const outcome = parseCommandLine(spec, argv);
    if ('help' in outcome) {
      process.stdout.write(spec.help);
      return 0;
    }
    if ('error' in outcome) return reportUsageError(spec.name, outcome.error);
    try {
      return await body(outcome.line);
    } catch (err) {
      if (err instanceof UsageError) return reportUsageError(spec.name, err.message);
      throw err;
    }
  };
}
