/**
 * `pdm history --machine ID [--from T] [--to T] [--config FILE] > RUN.csv`: one machine's window
 * features from QuestDB as the feature-history CSV `pdm rul` reads (--series, --train) and the
 * processor takes as a machine's `histories`: a `time` column (ISO 8601, UTC) and one column per
 * channel and health feature, `<channel>_<feature>`, one row per window sequence - the record the
 * processor fuses for the machine's health model. A machine that ran to failure becomes, this way,
 * a training history for its siblings.
 *
 * Windows missing a channel (a collection gap) are left out and counted on stderr, as the processor
 * leaves them out of the health model.
 */

import { loadConfigFile, validateConfig } from '../../common/config.ts';
import { questdbFromEnv } from '../../common/endpoints.ts';
import { describeError, PdmError } from '../../common/errors.ts';
import { questdbExec } from '../../storage/sql.ts';
import { tableNames } from '../../storage/tables.ts';
import { ProcessorConfigSpec } from '../../stream-processing/processor-config.ts';
import { type CommandLineOf, command, commandSpec, custom, text, usageError } from '../command-line.ts';

const HELP = `Usage: pdm history --machine ID [--from TIME] [--to TIME] [--features LIST] [--config FILE]

Writes one machine's window features from QuestDB to stdout as a feature-history CSV: a 'time'
column (ISO 8601, UTC) and <channel>_<feature> columns, one row per window - what pdm rul reads
(--series, --train) and the processor takes as a machine's run-to-failure 'histories'.

  --machine ID      the machine
  --from TIME       first window time (ISO 8601, e.g. 2026-11-01T00:00:00Z); default: its first
  --to TIME         windows before this time; default: up to its last
  --features LIST   comma-separated window features; default: the processor config's health
                    features (rms, kurtosis, crest_factor, velocity_rms_mm_s)
  --config FILE     the processor configuration (for its table prefix and health features)

Environment: PDM_QUESTDB_HTTP, PDM_QUESTDB_USER, PDM_QUESTDB_PASSWORD
`;

const PAGE = 100_000;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

/** An ISO 8601 time with a zone (a time without one would be read in the local zone: an hour off in winter). */
function isoTime(value: string, option: string): string {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) || !Number.isFinite(Date.parse(value))) {
    throw usageError(`${option} must be an ISO 8601 time with a zone, e.g. 2026-11-01T00:00:00Z, got '${value}'`);
  }
  return new Date(Date.parse(value)).toISOString();
}

/** Column names go into the SQL as they are: only identifiers pass. */
function featureList(value: string, option: string): string[] {
  const features = value
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f !== '');
  if (features.length === 0 || features.some((f) => !IDENTIFIER.test(f))) {
    throw usageError(`${option} must be comma-separated column names of the vibration_features table, got '${value}'`);
  }
  return features;
}

const SPEC = commandSpec({
  name: 'history',
  help: HELP,
  options: {
    machine: text().required(),
    from: custom(isoTime),
    to: custom(isoTime),
    features: custom(featureList),
    config: text(),
  },
});

export const run = command(SPEC, history);

async function history({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  try {
    const config = values.config ? loadConfigFile(ProcessorConfigSpec, values.config) : validateConfig(ProcessorConfigSpec, {}, 'defaults');
    const features = values.features ?? config.health.features;
    const table = tableNames(config.questdb.tablePrefix).features;
    // The config's features go into the SQL too.
    const bad = features.filter((f) => !IDENTIFIER.test(f));
    if (bad.length > 0) {
      throw new PdmError('PDM_ERR_CONFIG_INVALID', `health.features must be column names of the ${table} table, got '${bad.join(', ')}'`, {
        file: values.config,
      });
    }
    const where = [`machine = ${sqlString(values.machine)}`];
    if (values.from) where.push(`ts >= ${sqlString(values.from)}`);
    if (values.to) where.push(`ts < ${sqlString(values.to)}`);
    const q = questdbFromEnv();
    const select = `SELECT ts, channel, window_seq, ${features.join(', ')} FROM ${table} WHERE ${where.join(' AND ')} ORDER BY window_seq, channel`;
    const byWindow = new Map<number, { ts: string; values: Map<string, unknown[]> }>();
    const channels = new Set<string>();
    for (let lo = 0; ; lo += PAGE) {
      const rows = (await questdbExec(q, `${select} LIMIT ${lo}, ${lo + PAGE}`)).dataset;
      for (const r of rows) {
        const [ts, channel, seq, ...vals] = r as [string, string, number, ...unknown[]];
        channels.add(channel);
        let w = byWindow.get(seq);
        if (!w) {
          w = { ts, values: new Map() };
          byWindow.set(seq, w);
        }
        if (ts < w.ts) w.ts = ts;
        w.values.set(channel, vals);
      }
      if (rows.length > 0) process.stderr.write(`\r${lo + rows.length} channel windows read`);
      if (rows.length < PAGE) break;
    }
    if (byWindow.size === 0) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `no windows of machine '${values.machine}' in ${table}${values.from || values.to ? ' in that time range' : ''}; check the machine id (and --config's table prefix)`,
        { machine: values.machine },
      );
    }
    const chs = [...channels].sort();
    const out: string[] = [['time', ...chs.flatMap((c) => features.map((f) => `${c}_${f}`))].join(',')];
    let incomplete = 0;
    let missingValue = 0;
    for (const [, w] of [...byWindow.entries()].sort((a, b) => a[0] - b[0])) {
      if (!chs.every((c) => w.values.has(c))) {
        incomplete++;
        continue;
      }
      const cells = chs.flatMap((c) => w.values.get(c)!);
      if (cells.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
        missingValue++;
        continue;
      }
      out.push([w.ts, ...cells].join(','));
    }
    process.stdout.write(`${out.join('\n')}\n`);
    process.stderr.write(
      `\rpdm history: ${out.length - 1} windows of ${values.machine} (${chs.join(', ')} x ${features.join(', ')})${incomplete > 0 ? `; ${incomplete} left out for a missing channel` : ''}${missingValue > 0 ? `; ${missingValue} left out for a missing value` : ''}\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof PdmError) {
      process.stderr.write(`pdm history: ${describeError(err)}\n`);
      return 1;
    }
    throw err;
  }
}
