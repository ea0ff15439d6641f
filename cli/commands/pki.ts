/** `pdm pki init --fleet FILE --out DIR [--hostname H]`: certificates for a plant's machines and collector, trusting each other. */
import { parseArgs } from 'node:util';
import { initPlantPki } from '../../ingest/opcua/pki-init.ts';
import { loadFleet } from '../../ingest/simulator/fleet-config.ts';

const HELP = `Usage: pdm pki init --fleet FILE --out DIR [--hostname HOST]

Creates (once; existing ones are kept) an OPC UA application certificate for every machine of
the fleet (DIR/machines/<id>) and for the collector (DIR/collector), and makes each trust the
other by copying certificates into trusted/. Nothing else is trusted: a stranger's certificate
lands in rejected/.

  --fleet FILE      fleet file (machine ids)
  --out DIR         PKI root
  --hostname HOST   host name the machine certificates are issued for (default: the fleet's)
`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { fleet: { type: 'string' }, out: { type: 'string' }, hostname: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals[0] !== 'init' || !values.fleet || !values.out) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const fleet = loadFleet(values.fleet);
  const ids = fleet.machines.map((m) => m.id);
  const hostname = values.hostname ?? fleet.machines[0]?.opcua.hostname ?? 'localhost';
  const result = await initPlantPki(values.out, ids, hostname);
  process.stdout.write(`PKI ready in ${values.out}: collector ${result.collector}; machines ${ids.join(', ')} (host ${hostname})\n`);
  for (const r of fleet.rejected) process.stderr.write(`skipped ${r.id ?? `machines[${r.index}]`}: ${r.error.message}\n`);
  return 0;
}
