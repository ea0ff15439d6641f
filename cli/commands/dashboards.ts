/** `pdm dashboards build [--out DIR] [--table-prefix P]`: write the Grafana dashboards' JSON from code. */
import { relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, PdmError } from '../../common/errors.ts';
import { writeDashboards } from '../../dashboards/build.ts';
import { findRepoRoot } from '../../deploy/local/paths.ts';

const HELP = `Usage: pdm dashboards build [--out DIR] [--table-prefix P] [--iso-group 1|2] [--iso-foundation rigid|flexible]

Writes one JSON file per dashboard (plant overview, machine vibration, energy, health & RUL,
data quality) for Grafana's file provisioning. The output is deterministic: rebuilding from the
same code gives identical files.

  --out DIR             where to write (default: deploy/grafana/dashboards in the repository)
  --table-prefix P      prefix of the QuestDB table names (the processor's questdb.tablePrefix; default none)
  --iso-group N         ISO 20816-3 machine group whose zone boundaries the velocity chart draws (default 2)
  --iso-foundation F    rigid or flexible (default rigid)
`;

export async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: 'string' },
        'table-prefix': { type: 'string', default: '' },
        'iso-group': { type: 'string', default: '2' },
        'iso-foundation': { type: 'string', default: 'rigid' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`pdm dashboards: ${describeError(err)}\n\n${HELP}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (positionals.length !== 1 || positionals[0] !== 'build') {
    process.stderr.write(
      `pdm dashboards: expected the subcommand 'build'${positionals.length ? `, got '${positionals.join(' ')}'` : ''}\n\n${HELP}`,
    );
    return 2;
  }
  try {
    const group = values['iso-group'];
    const foundation = values['iso-foundation'];
    if (group !== '1' && group !== '2') throw new PdmError('PDM_ERR_CONFIG_INVALID', `--iso-group must be 1 or 2, got '${group}'`);
    if (foundation !== 'rigid' && foundation !== 'flexible')
      throw new PdmError('PDM_ERR_CONFIG_INVALID', `--iso-foundation must be rigid or flexible, got '${foundation}'`);
    const outDir = resolve(values.out ?? resolve(findRepoRoot(), 'deploy/grafana/dashboards'));
    const written = writeDashboards(outDir, { tablePrefix: values['table-prefix'], iso: { group: group === '1' ? 1 : 2, foundation } });
    for (const file of written) process.stdout.write(`${relative(process.cwd(), file) || file}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`pdm dashboards: ${describeError(err)}\n`);
    return 1;
  }
}
