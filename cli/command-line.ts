/**
 * The common start of a `pdm` subcommand: parse its options, print its help on --help (exit 0),
 * and on a usage error (an unknown or malformed option, a required one missing) say what is wrong
 * followed by the help, exit 2.
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';

type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O }>>['values'];

/** `required` options are typed as given (string) in the result. */
export function parseCommandLine<O extends ParseArgsOptionsConfig, R extends keyof O & string = never>(
  command: string,
  argv: string[],
  options: O,
  help: string,
  required: readonly R[] = [],
): { values: Parsed<O> & { [K in R]-?: string } } | { exit: number } {
  let values: Parsed<O>;
  let wantsHelp = false;
  try {
    const parsed = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } } });
    wantsHelp = (parsed.values as Record<string, unknown>)['help'] === true;
    values = parsed.values as Parsed<O>;
  } catch (err) {
    process.stderr.write(`pdm ${command}: ${(err as Error).message}\n\n${help}`);
    return { exit: 2 };
  }
  if (wantsHelp) {
    process.stdout.write(help);
    return { exit: 0 };
  }
  for (const name of required) {
    if ((values as Record<string, unknown>)[name] === undefined) {
      process.stderr.write(`pdm ${command}: --${name} is required\n\n${help}`);
      return { exit: 2 };
    }
  }
  return { values: values as Parsed<O> & { [K in R]-?: string } };
}
