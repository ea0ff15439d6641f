/** `pdm dashboards build [--out DIR] [--table-prefix P]`: write the Grafana dashboards' JSON from code. */
import { relative, resolve } from 'node:path';
import { describeError } from '../../common/errors.ts';
import { writeAlerting } from '../../dashboards/alerting/rules.ts';
import { writeDashboards } from '../../dashboards/build.ts';
import { findRepoRoot } from '../../deploy/local/paths.ts';
import { type CommandLineOf, command, commandSpec, ISO_CLASS_OPTIONS, isoClass, text } from '../command-line.ts';

const HELP = `Usage: pdm dashboards build [--out DIR] [--table-prefix P] [--iso-group 1|2] [--iso-foundation rigid|flexible]

Writes one JSON file per dashboard (plant overview, fleet overview, machine vibration, energy,
health & RUL, data quality) and the alert rules, contact point and notification policy
(pdm-alerts.yaml) for Grafana's file provisioning. The output is deterministic: rebuilding from
the same code gives identical files.

  --out DIR             where to write the dashboards (default: deploy/grafana/dashboards in the repository)
  --alerting-out DIR    where to write pdm-alerts.yaml (default: deploy/grafana/provisioning/alerting in the
                        repository when --out is not given; with --out, only when this is given)
  --table-prefix P      prefix of the QuestDB table names (the processor's questdb.tablePrefix; default none)
  --iso-group N         ISO 20816-3 machine group whose zone boundaries the velocity chart draws (default 2)
  --iso-foundation F    rigid or flexible (default rigid)
`;

const SPEC = commandSpec({
  name: 'dashboards',
  help: HELP,
  options: { out: text(), 'alerting-out': text(), 'table-prefix': text().default(''), ...ISO_CLASS_OPTIONS },
  subcommands: { build: {} },
});

export const run = command(SPEC, build);

async function build({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  try {
    const outDir = resolve(values.out ?? resolve(findRepoRoot(), 'deploy/grafana/dashboards'));
    const written = writeDashboards(outDir, { tablePrefix: values['table-prefix'], iso: isoClass(values) });
    const alertingOut =
      values['alerting-out'] ?? (values.out === undefined ? resolve(findRepoRoot(), 'deploy/grafana/provisioning/alerting') : undefined);
    if (alertingOut !== undefined) written.push(writeAlerting(resolve(alertingOut), { tablePrefix: values['table-prefix'] }));
    for (const file of written) process.stdout.write(`${relative(process.cwd(), file) || file}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`pdm dashboards: ${describeError(err)}\n`);
    return 1;
  }
}
