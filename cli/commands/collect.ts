/** `pdm collect --config FILE`: run a collector until SIGINT/SIGTERM. */
import { loadConfigFile } from '../../common/config.ts';
import { kafkaFromEnv } from '../../common/endpoints.ts';
import { Collector, type MachineStats } from '../../ingest/collector/collector.ts';
import { CollectorConfigSpec, collectorId, spoolDir } from '../../ingest/collector/collector-config.ts';
import { type CommandLineOf, command, commandSpec, flag, text } from '../command-line.ts';
import { untilSignal } from '../signals.ts';

const HELP = `Usage: pdm collect --config FILE

Subscribes to each configured machine over OPC UA and publishes vibration blocks, energy
readings and gap events to Kafka. While Kafka cannot be reached, messages wait in an on-disk
spool (spool.dir, default .pdm/spool/<collector id>) and leave in order when it is back; a
restarted collector sends what its spool holds first. See docs/collector.md.

  --config FILE   collector configuration (YAML/JSON), e.g. deploy/config/collector.yaml
  --check         validate the configuration, print what would run, and exit
Environment: PDM_KAFKA_BROKERS (unless kafka.brokers is set); PDM_KAFKA_SECURITY_PROTOCOL,
PDM_KAFKA_CA_FILE, PDM_KAFKA_USERNAME, PDM_KAFKA_PASSWORD (unless kafka.security is set); the OPC UA credential variables
the file names (default PDM_OPCUA_USER / PDM_OPCUA_PASSWORD), PDM_LOG_LEVEL.
Metrics: /metrics (Prometheus) and /health (JSON) on metrics.port when configured.
`;

const SPEC = commandSpec({ name: 'collect', help: HELP, options: { config: text().required(), check: flag() } });

export const run = command(SPEC, collect);

async function collect({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const config = loadConfigFile(CollectorConfigSpec, values.config);
  if (values.check) {
    process.stdout.write(
      `${values.config}: valid. collector ${collectorId(config)}, spool ${spoolDir(config)}, ${config.machines.length} machine(s)${config.shard ? ` (shard ${config.shard.index} of ${config.shard.count})` : ''}\n`,
    );
    return 0;
  }
  const collector = new Collector(config, { brokers: kafkaFromEnv(config.kafka.brokers) });
  await collector.start();
  const parent = reportToParent(collector);
  const signal = await Promise.race([untilSignal(), parent.gone]);
  process.stderr.write(`pdm collect: ${signal}, stopping (sending what waits, the rest stays in ${collector.spoolDir})\n`);
  parent.stop();
  await collector.stop();
  // The last counters, after what waited has been sent, for the parent's final view.
  await parent.report();
  return 0;
}

/** What `pdm collect` tells the process that forked it (pdm start), over the IPC channel. */
export type CollectorMessage = { type: 'ready' } | { type: 'stats'; stats: MachineStats[] };

/**
 * Forked with an IPC channel (pdm start runs the collector as its own process): the machines'
 * counters once a second, for the parent's live view, and a stop when the parent is gone (its
 * channel closes), so a collector never outlives the run that started it. Without a channel
 * (run by hand, in a container) nothing happens.
 */
function reportToParent(collector: Collector): { gone: Promise<string>; stop(): void; report(): Promise<void> } {
  const send = process.send?.bind(process);
  if (send === undefined) return { gone: new Promise(() => {}), stop: () => {}, report: async () => {} };
  // Resolves once the message has left (the entry point exits right after the last one).
  const post = (m: CollectorMessage) =>
    new Promise<void>((resolve) => {
      if (!process.connected) return resolve();
      send(m, undefined, {}, () => resolve());
    });
  void post({ type: 'ready' });
  void post({ type: 'stats', stats: collector.stats });
  const timer = setInterval(() => void post({ type: 'stats', stats: collector.stats }), 1000);
  const gone = new Promise<string>((resolve) => process.once('disconnect', () => resolve('the parent process is gone')));
  return {
    gone,
    stop: () => clearInterval(timer),
    report: () => post({ type: 'stats', stats: collector.stats }),
  };
}
