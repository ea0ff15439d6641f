/**
 * The times `pdm report --from/--to` take, and the range they make. Accepted:
 * - ISO 8601 with a zone: `2026-11-01T06:00:00Z`, `2026-11-01T07:00+01:00` (a time without a
 *   zone would be read in the local zone: an hour off in winter, so it is refused);
 * - a date: `2026-11-01` (midnight UTC);
 * - `now`, and times relative to now: `-24h`, `now-24h`, `-30m`, `-7d`, `-2w`, `-90s`.
 * Relative times are relative to when the command runs (as Grafana's `now-24h`), whichever option
 * they are given to. Pure: the caller passes the clock.
 */
import { usageError } from '../command-line.ts';

/** A time as written: absolute (epoch ms), or an offset from now (ms, ≤ 0). */
export type TimeSpec = { kind: 'absolute'; ms: number } | { kind: 'relative'; offsetMs: number };

export interface TimeRange {
  fromMs: number;
  toMs: number;
}

const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
/** The default span: a week before --to (a route's interval in many plants). */
export const DEFAULT_SPAN_MS = 7 * UNIT_MS.d;

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RELATIVE = /^(?:now)?-(\d+(?:\.\d+)?)([smhdw])$/;

export const TIME_FORMS =
  "an ISO 8601 time with a zone (2026-11-01T06:00:00Z), a date (2026-11-01, UTC), 'now' or a time before now (-24h, now-7d; units s, m, h, d, w)";

/** `text` as a TimeSpec, or a usage error naming `option`. */
export function parseTimeSpec(text: string, option: string): TimeSpec {
  const t = text.trim();
  if (t === 'now') return { kind: 'relative', offsetMs: 0 };
  const rel = RELATIVE.exec(t);
  if (rel) {
    const offsetMs = Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
    if (Number.isFinite(offsetMs)) return { kind: 'relative', offsetMs: -offsetMs };
  }
  if (ISO_WITH_ZONE.test(t) || DATE.test(t)) {
    const ms = Date.parse(DATE.test(t) ? `${t}T00:00:00Z` : t);
    // Date.parse takes 2026-02-30; the round trip through the calendar does not.
    if (Number.isFinite(ms) && (!DATE.test(t) || new Date(ms).toISOString().startsWith(t))) return { kind: 'absolute', ms };
  }
  throw usageError(`${option} must be ${TIME_FORMS}, got '${text}'`);
}

function resolve(spec: TimeSpec, nowMs: number): number {
  return spec.kind === 'absolute' ? spec.ms : nowMs + spec.offsetMs;
}

/** The report's range: --to (default now), --from (default a week before --to); from must be before to. */
export function resolveRange(from: TimeSpec | undefined, to: TimeSpec | undefined, nowMs: number): TimeRange {
  const toMs = to === undefined ? nowMs : resolve(to, nowMs);
  const fromMs = from === undefined ? toMs - DEFAULT_SPAN_MS : resolve(from, nowMs);
  if (!(fromMs < toMs)) {
    throw usageError(
      `--from (${new Date(fromMs).toISOString()}) must be before --to (${new Date(toMs).toISOString()})${to === undefined ? ' (default: now)' : ''}`,
    );
  }
  return { fromMs, toMs };
}

/**
 * `--from -24h` as `--from=-24h`: the option parser takes a value starting with '-' for an
 * option of its own unless it is glued with '='. Only a relative time right after one of
 * `options` is glued; anything else is left for the parser to judge.
 */
export function glueRelativeTimes(argv: string[], options: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (options.includes(argv[i]) && next !== undefined && /^-\d/.test(next) && RELATIVE.test(next)) {
      out.push(`${argv[i]}=${next}`);
      i++;
    } else out.push(argv[i]);
  }
  return out;
}
