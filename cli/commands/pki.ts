/** `pdm pki init --fleet FILE --out DIR [--hostname H]`: certificates for a plant's machines and collector, trusting each other. */
import { initPlantPki } from '../../ingest/opcua/pki-init.ts';
import { loadFleet } from '../../ingest/simulator/fleet-config.ts';
import { type CommandLineOf, command, commandSpec, text } from '../command-line.ts';

const HELP = `Usage: pdm pki init --fleet FILE --out DIR [--hostname HOST]

Creates (once; existing ones are kept) an OPC UA application certificate for every machine of
the fleet (DIR/machines/<id>) and for the collector (DIR/collector), and makes each trust the
other by copying certificates into trusted/. Nothing else is trusted: a stranger's certificate
lands in rejected/. An invalid machine entry is skipped (and named); a fleet with no valid
machine at all is an error (exit 1), as nothing could be served.

  --fleet FILE      fleet file (machine ids)
  --out DIR         PKI root
  --hostname HOST   host name the machine certificates are issued for (default: the fleet's)
`;

const SPEC = commandSpec({
  name: 'pki',
  help: HELP,
  options: { fleet: text().required(), out: text().required(), hostname: text() },
  subcommands: { init: {} },
});

export const run = command(SPEC, init);

async function init({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const fleet = loadFleet(values.fleet);
  const skipped = fleet.rejected.map((r) => `${r.id ?? `machines[${r.index}]`}: ${r.error.message}`);
  // A plant without one valid machine gets no PKI: "ready" would send compose on to a simulator
  // that serves nothing and a collector that never connects, with the cause long scrolled away.
  if (fleet.machines.length === 0) {
    process.stderr.write(
      `pdm pki: ${values.fleet}: no valid machine, so no PKI was created. Every machine entry is invalid:\n${skipped.map((s) => `  ${s}`).join('\n')}\n`,
    );
    return 1;
  }
  // A certificate per server: each machine's own, or one for a gateway serving several.
  const ids = [...new Set(fleet.machines.map((m) => m.opcua.serverName))];
  const hostname = values.hostname ?? fleet.machines[0]?.opcua.hostname ?? 'localhost';
  const result = await initPlantPki(values.out, ids, hostname);
  for (const s of skipped) process.stderr.write(`skipped ${s}\n`);
  process.stdout.write(`PKI ready in ${values.out}: collector ${result.collector}; machines ${ids.join(', ')} (host ${hostname})\n`);
  return 0;
}
