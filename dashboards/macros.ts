/**
 * What Grafana and the QuestDB plugin do to a panel's SQL before QuestDB sees it, reproduced so
 * the tests can run every panel's SQL for real. Two passes, in Grafana's order:
 *
 * 1. Front end (the plugin's `applyTemplateVariables`): first its `$__conditionalAll(cond, $var)`
 *    becomes `1=1` when `$var` is set to All (or empty), else `cond`; then Grafana's template
 *    service: `$var`, `${var}`, `${var:format}`, `[[var]]` become the variable's value. Without an
 *    explicit format the plugin's own formatter applies: a multi-value becomes `'a','b'` (quoted,
 *    not escaped), a single value is inserted bare. Names Grafana does not know (the plugin's
 *    `$__macros`) are left alone. Panel-scoped `$__interval` / `$__interval_ms` are replaced here.
 * 2. Back end (grafana-plugin-sdk-go `sqlutil.Interpolate` with the plugin's macros, longest name
 *    first): `$__timeFilter(col)` -> `col >= cast(<from µs> as timestamp) AND col <= cast(<to µs>
 *    as timestamp)`, `$__fromTime` / `$__toTime` -> `cast(<µs> as timestamp)`,
 *    `$__sampleByInterval` -> the interval as a QuestDB SAMPLE BY unit (`1h`, `30s`, `500T`).
 *    Arguments are taken only from a bracket immediately after the name.
 *
 * Newer plugin versions bind the time bounds as parameters instead of inlining them; the SQL
 * QuestDB runs is equivalent. Anything left unexpanded is an error here, where Grafana would pass
 * it on and QuestDB would fail: a typo in a dashboard must fail a test, not a plant engineer.
 */
import { PdmError } from '../common/errors.ts';

export interface ExpansionContext {
  fromMs: number;
  toMs: number;
  /** The panel's query interval (Grafana: range / max data points, rounded, at least the panel's min interval). */
  intervalMs: number;
  /**
   * Dashboard variables: an array for a multi-value variable (as Grafana holds it, also for one
   * selected value), a string otherwise. For a variable set to All, the values All stands for.
   */
  variables: Readonly<Record<string, string | readonly string[]>>;
  /** Variables whose current selection is All (Grafana's `$__all`). */
  all?: readonly string[];
}

/** Grafana's variable syntax (public/app/features/variables/utils.ts `variableRegex`). */
const VARIABLE_PATTERN = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;

export interface VariableReference {
  name: string;
  format?: string;
  text: string;
}

/** Every variable reference in the SQL, including Grafana's `__` globals and the plugin's macros. */
export function variableReferences(sql: string): VariableReference[] {
  const refs: VariableReference[] = [];
  for (const m of sql.matchAll(VARIABLE_PATTERN)) {
    const name = m[1] ?? m[2] ?? m[4];
    const format = m[3] ?? m[6];
    refs.push(format === undefined ? { name, text: m[0] } : { name, format, text: m[0] });
  }
  return refs;
}

const sqlQuote = (v: string) => `'${v.replaceAll("'", "''")}'`;

/** Grafana's named variable formats that make sense in SQL (others are rejected, not guessed). */
const FORMATS: Record<string, (value: string | readonly string[]) => string> = {
  sqlstring: (v) => (typeof v === 'string' ? sqlQuote(v) : v.map(sqlQuote).join(',')),
  singlequote: (v) => (typeof v === 'string' ? [v] : v).map((x) => `'${x.replaceAll("'", "\\'")}'`).join(','),
  doublequote: (v) => (typeof v === 'string' ? [v] : v).map((x) => `"${x.replaceAll('"', '\\"')}"`).join(','),
  csv: (v) => (typeof v === 'string' ? v : v.join(',')),
  raw: (v) => (typeof v === 'string' ? v : v.join(',')),
  pipe: (v) => (typeof v === 'string' ? v : v.join('|')),
};

/** The plugin's formatter (QuestDbDatasource.format): arrays quoted and comma-joined, scalars bare. */
function pluginFormat(value: string | readonly string[]): string {
  return typeof value === 'string' ? value : `'${value.join("','")}'`;
}

/** Grafana's panel-scoped interval variables, as the template service formats them. */
function scopedGlobals(ctx: ExpansionContext): Record<string, string> {
  return { __interval: grafanaInterval(ctx.intervalMs), __interval_ms: String(ctx.intervalMs) };
}

/** The plugin's getMacroArgs: the bracketed list at `open`, split on commas at the first level (untrimmed). */
function pluginMacroArgs(sql: string, open: number): string[] {
  const args: string[] = [];
  const rest = sql.slice(open);
  let depth = 0;
  let lastEnd = 1;
  for (const m of rest.matchAll(/\(|\)|,/g)) {
    const at = m.index ?? 0;
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth--;
    if (m[0] === ',' && depth === 1) {
      args.push(rest.slice(lastEnd, at));
      lastEnd = at + 1;
    }
    if (depth === 0) {
      args.push(rest.slice(lastEnd, at));
      return args;
    }
  }
  return [];
}

/**
 * The plugin's `$__conditionalAll(condition, $var)` (QuestDbDatasource.applyConditionalAll),
 * applied last to first: `1=1` when the variable's current value is All or empty, else the
 * condition, left for the template service. A malformed use is left as it is (and then reported).
 */
export function applyConditionalAll(sql: string, ctx: ExpansionContext): string {
  const macro = '$__conditionalAll(';
  let out = sql;
  let at = out.lastIndexOf(macro);
  while (at !== -1) {
    const params = pluginMacroArgs(out, at + macro.length - 1);
    if (params.length !== 2) return out;
    const name = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(params[1].trim())?.[0];
    let phrase = params[0];
    if (name !== undefined) {
      const value = ctx.variables[name];
      const current = ctx.all?.includes(name) ? '$__all' : value === undefined ? undefined : String(value);
      if (current === '' || current === '$__all') phrase = '1=1';
    }
    out = out.replace(`${macro}${params[0]},${params[1]})`, () => phrase);
    at = out.lastIndexOf(macro);
  }
  return out;
}

/** Pass 1: the plugin's conditional-All, then template variables as Grafana's front end does it. Unknown names stay as they are. */
export function interpolateVariables(sql: string, ctx: ExpansionContext): string {
  const globals = scopedGlobals(ctx);
  return applyConditionalAll(sql, ctx).replace(
    VARIABLE_PATTERN,
    (match, v1?: string, v2?: string, f2?: string, v3?: string, fieldPath?: string, f3?: string) => {
      const name = (v1 ?? v2 ?? v3) as string;
      const format = f2 ?? f3;
      if (fieldPath !== undefined) throw queryError(`variable field path ${match} is not supported`, sql);
      const value = globals[name] ?? ctx.variables[name];
      if (value === undefined) return match;
      if (format === undefined) return pluginFormat(value);
      const formatter = FORMATS[format];
      if (!formatter) throw queryError(`variable format ${match} is not one of ${Object.keys(FORMATS).join(', ')}`, sql);
      return formatter(value);
    },
  );
}

/** gtime.FormatInterval: the largest whole unit (used by the back end's `$__interval`). */
export function grafanaInterval(ms: number): string {
  const units: Array<[string, number]> = [
    ['y', 365 * 86_400_000],
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ];
  for (const [unit, size] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

/**
 * The plugin's `$__sampleByInterval` (pkg/macros/macros.go): whole hours (as whole days, by
 * integer division, when the interval is a whole number of hours of at least 24), else whole
 * seconds, else milliseconds (`T`, at least 1). Note the truncation: 90 min gives `1h`, 1.5 s
 * gives `1s`.
 */
export function sampleByInterval(intervalMs: number): string {
  const hours = Math.max(Math.trunc(intervalMs / 3_600_000), 0);
  const seconds = Math.max(Math.trunc(intervalMs / 1000), 0);
  if (hours > 0) {
    // Go's integer division: an exact 25 h also becomes 1d. Grafana's rounded intervals (1d, 7d...) are exact days.
    if (hours >= 24 && intervalMs / 3_600_000 === hours) return `${Math.trunc(hours / 24)}d`;
    return `${hours}h`;
  }
  if (seconds > 0) return `${seconds}s`;
  return `${Math.max(Math.trunc(intervalMs), 1)}T`;
}

type MacroFn = (args: string[] | undefined, ctx: ExpansionContext, sql: string) => string;

const toMicros = (ms: number) => String(Math.trunc(ms) * 1000);

function oneArg(name: string, args: string[] | undefined, sql: string): string {
  if (args?.length !== 1 || args[0] === '')
    throw queryError(`$__${name} needs exactly one argument (the time column), got ${args === undefined ? 'none' : args.length}`, sql);
  return args[0];
}

/** The plugin's macros plus the SDK defaults it leaves in place that are meaningful for QuestDB. */
const MACROS: Record<string, MacroFn> = {
  timeFilter: (args, ctx, sql) => {
    const col = oneArg('timeFilter', args, sql);
    return `${col} >= cast(${toMicros(ctx.fromMs)} as timestamp) AND ${col} <= cast(${toMicros(ctx.toMs)} as timestamp)`;
  },
  fromTime: (_args, ctx) => `cast(${toMicros(ctx.fromMs)} as timestamp)`,
  toTime: (_args, ctx) => `cast(${toMicros(ctx.toMs)} as timestamp)`,
  sampleByInterval: (_args, ctx) => sampleByInterval(ctx.intervalMs),
  interval: (_args, ctx) => grafanaInterval(ctx.intervalMs),
  interval_ms: (_args, ctx) => String(Math.trunc(ctx.intervalMs)),
};

/** SDK default macros that would expand to SQL QuestDB does not understand (datepart, RFC 3339 strings without a table). */
const UNSUPPORTED_MACROS = ['timeGroup', 'timeFrom', 'timeTo', 'table', 'column'];

/** sqlutil.parseArgs: a bracketed, comma-separated list right after the macro name (nesting respected). */
function parseArgs(rest: string): { args: string[] | undefined; length: number } {
  if (!rest.startsWith('(')) return { args: undefined, length: 0 };
  const args: string[] = [];
  let depth = 0;
  let arg = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === '(') {
      depth++;
      if (depth === 1) continue;
    } else if (c === ')') {
      depth--;
      if (depth === 0) {
        args.push(arg.trim());
        return { args, length: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      args.push(arg.trim());
      arg = '';
      continue;
    }
    arg += c;
  }
  return { args: undefined, length: -1 };
}

/** Pass 2: the back end's macros, longest name first as sqlutil.Interpolate does. */
export function interpolateMacros(sql: string, ctx: ExpansionContext): string {
  let out = sql;
  const names = Object.keys(MACROS).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const pattern = new RegExp(`\\$__${name}\\b`, 'g');
    const matches: Array<{ full: string; args: string[] | undefined }> = [];
    for (const m of out.matchAll(pattern)) {
      const end = (m.index ?? 0) + m[0].length;
      const { args, length } = parseArgs(out.slice(end));
      if (length < 0) throw queryError(`$__${name}( has no closing bracket`, sql);
      matches.push({ full: out.slice(m.index, end + length), args });
    }
    for (const match of matches) out = out.replaceAll(match.full, MACROS[name](match.args, ctx, sql));
  }
  return out;
}

/** Both passes, then a check that nothing Grafana-shaped is left for QuestDB to choke on. */
export function expandQuery(sql: string, ctx: ExpansionContext): string {
  const expanded = interpolateMacros(interpolateVariables(sql, ctx), ctx);
  const left = variableReferences(expanded).filter((r) => !isInsideStringLiteral(expanded, r.text));
  if (left.length > 0) {
    const unsupported = left.filter((r) => UNSUPPORTED_MACROS.includes(r.name.replace(/^__/, '')));
    const what = left
      .map((r) =>
        r.name.startsWith('__')
          ? `macro ${r.text}${unsupported.includes(r) ? ' (expands to SQL QuestDB does not run)' : ' (not one the QuestDB plugin expands)'}`
          : `variable ${r.text} (not defined)`,
      )
      .join(', ');
    throw queryError(`left unexpanded: ${what}`, sql);
  }
  return expanded;
}

/** A `$` inside a quoted SQL string (e.g. a regex) is data, not a variable. */
function isInsideStringLiteral(sql: string, text: string): boolean {
  const at = sql.indexOf(text);
  let quotes = 0;
  for (let i = 0; i < at; i++) if (sql[i] === "'") quotes++;
  return quotes % 2 === 1;
}

function queryError(message: string, sql: string): PdmError {
  const oneLine = sql.replace(/\s+/g, ' ').trim();
  return new PdmError(
    'PDM_ERR_DASHBOARD_INVALID',
    `${message} in query: ${oneLine.length > 160 ? `${oneLine.slice(0, 157)}...` : oneLine}`,
    { sql },
  );
}
