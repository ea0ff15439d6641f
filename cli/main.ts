/**
 * `pdm`: the one command line of the product. Each subcommand lives in `cli/commands/<name>.ts`
 * and exports `run(argv): Promise<number>` (the exit code); it is imported only when asked for,
 * so `pdm --help` and light commands start fast.
 */

interface CommandEntry {
  summary: string;
}

export const COMMANDS: Record<string, CommandEntry> = {
  start: { summary: 'run a local simulated factory end to end (services, simulator, collector, processor) with a live view' },
  services: { summary: 'fetch, start, stop or inspect the local Kafka and QuestDB (up | down | status | fetch)' },
  simulate: { summary: 'run the factory simulator: one OPC UA server per machine of a fleet file' },
  collect: { summary: 'run an OPC UA to Kafka collector' },
  'kafka-acls': { summary: 'give the collector, processor and simulator their Kafka ACLs (a broker with SASL and an authorizer)' },
  process: { summary: 'run the stream processor: Kafka to worker pool to QuestDB' },
  pki: { summary: 'create and cross-trust the OPC UA certificates of a plant (machines and collector)' },
  factory: { summary: 'drive a running simulated factory: inject a fault, stop, start or repair a machine' },
  analyze: { summary: 'analyse recorded vibration files offline (JSON Lines on stdout)' },
  rul: { summary: 'health index, alarms and remaining useful life of a recorded feature history' },
  'rul-eval': { summary: "how well pdm rul's remaining life does on your own histories, scored as the PHM 2012 challenge did" },
  history: {
    summary: "export a machine's window features from QuestDB as a feature history (CSV for pdm rul and the processor's histories)",
  },
  report: {
    summary:
      "a machine's condition report from QuestDB as one self-contained HTML file (trends, spectra, health, remaining life, alerts, gaps)",
  },
  dashboards: { summary: 'generate the Grafana dashboards (JSON) from code' },
};

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    'pdm: predictive maintenance for factories',
    '',
    'Usage: pdm <command> [options]   (pdm <command> --help for its options)',
    '',
    'Commands:',
    ...lines,
    '',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 1 : 0;
  }
  if (!(name in COMMANDS)) {
    process.stderr.write(`pdm: unknown command '${name}'.\n\n${usage()}`);
    return 2;
  }
  // The extension of this very file tells whether we run from sources (.ts) or from dist (.js).
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const mod = (await import(`./commands/${name}${ext}`)) as { run: (argv: string[]) => Promise<number> };
  return mod.run(rest);
}
