/**
 * `pdm report --machine ID [--from T] [--to T] --out OUT.html [--config FILE]`: a machine's
 * condition report from QuestDB (trends, latest spectra with their markers, health, remaining life
 * with its interval, alert episodes, collection gaps) as one self-contained HTML file: what an
 * engineer mails after a route. The queries are in cli/report/machine-report-queries.ts, the page
 * in cli/report/machine-report.ts.
 *
 * An unknown machine is an error naming the machines QuestDB knows (exit 1), and no file is
 * written; a known machine without data in the range gets a report whose sections say so.
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadConfigFile, validateConfig } from '../../common/config.ts';
import { questdbFromEnv } from '../../common/endpoints.ts';
import { describeError, PdmError } from '../../common/errors.ts';
import { tableNames } from '../../storage/tables.ts';
import { ProcessorConfigSpec } from '../../stream-processing/processor-config.ts';
import { type CommandLineOf, command, commandSpec, custom, text } from '../command-line.ts';
import { loadChartAssets } from '../report/chart-assets.ts';
import { renderMachineReport } from '../report/machine-report.ts';
import { shapeMachineReport } from '../report/machine-report-data.ts';
import { knownMachines, readMachineRecords } from '../report/machine-report-queries.ts';
import { glueRelativeTimes, parseTimeSpec, resolveRange } from '../report/time-range.ts';

const HELP = `Usage: pdm report --machine ID [--from TIME] [--to TIME] --out OUT.html [--config FILE]

Writes one machine's condition report from QuestDB as a self-contained HTML file (charts and data
inlined, no network needed to view it): the summary in words (NE 107 state, worst ISO 20816-3
zone, bearing diagnosis with its confidence, remaining life with its 90 % interval, open alerts),
trends per channel (velocity RMS, ISO zone, kurtosis, bearing fault evidence), health and the
remaining-life fan chart, the latest amplitude and envelope spectra with 1X-10X and BPFO/BPFI/
BSF/FTF markers, the alert episodes and the collection gaps in the range.

  --machine ID      the machine (an unknown one: an error listing the machines QuestDB has)
  --from TIME       start of the range; default: 7 days before --to
  --to TIME         end of the range; default: now
  --out OUT.html    the report file (its directory must exist)
  --config FILE     the processor configuration (for its table prefix)

TIME is an ISO 8601 time with a zone (2026-11-01T06:00:00Z, 2026-11-01T07:00+01:00), a date
(2026-11-01, midnight UTC), 'now', or a time before now: -24h, now-24h, -30m, -7d, -2w (units
s, m, h, d, w; relative to when the command runs, for --from and --to alike).

Environment: PDM_QUESTDB_HTTP, PDM_QUESTDB_USER, PDM_QUESTDB_PASSWORD
`;

const SPEC = commandSpec({
  name: 'report',
  help: HELP,
  options: {
    machine: text().required(),
    from: custom(parseTimeSpec),
    to: custom(parseTimeSpec),
    out: text().required('OUT.html'),
    config: text(),
  },
});

const parse = command(SPEC, report);

/** `pdm report`, with `--from -24h` taken as `--from=-24h`. */
export function run(argv: string[]): Promise<number> {
  return parse(glueRelativeTimes(argv, ['--from', '--to']));
}

/** The known machines for the message: all of a plant's few, the first of a large fleet's. */
function listed(machines: string[], most = 40): string {
  return machines.length <= most ? machines.join(', ') : `${machines.slice(0, most).join(', ')} and ${machines.length - most} more`;
}

async function report({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const nowMs = Date.now();
  // A range that cannot be is a usage error (exit 2), before anything is asked of QuestDB.
  const range = resolveRange(values.from, values.to, nowMs);
  try {
    const config = values.config ? loadConfigFile(ProcessorConfigSpec, values.config) : validateConfig(ProcessorConfigSpec, {}, 'defaults');
    const tables = tableNames(config.questdb.tablePrefix);
    const outDir = dirname(values.out);
    if (!(await stat(outDir).catch(() => undefined))?.isDirectory())
      throw new PdmError('PDM_ERR_INPUT_FILE', `--out: cannot write ${values.out}: directory ${outDir} does not exist`, {
        file: values.out,
      });
    const target = questdbFromEnv();
    const known = await knownMachines(target, tables);
    if (!known.includes(values.machine)) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `unknown machine '${values.machine}': ${tables.features} has ${known.length === 0 ? 'no machine at all' : `windows of ${listed(known)}`}; no report written`,
        { machine: values.machine, known },
      );
    }
    const records = await readMachineRecords(target, tables, values.machine, range);
    const shaped = shapeMachineReport(records, nowMs);
    await writeFile(values.out, renderMachineReport(shaped, await loadChartAssets()));
    process.stderr.write(
      `pdm report: ${values.out} (${values.machine}, ${new Date(range.fromMs).toISOString()} – ${new Date(range.toMs).toISOString()}: ${shaped.coverage.text})\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof PdmError) {
      process.stderr.write(`pdm report: ${describeError(err)}\n`);
      return 1;
    }
    throw err;
  }
}
