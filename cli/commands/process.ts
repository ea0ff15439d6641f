/**
 * `pdm process [--config FILE] [--fleet FILE]`: run the stream processor until SIGINT/SIGTERM,
 * then stop within the config's shutdown.timeoutS (StreamProcessor.stop() abandons what does not
 * finish) and exit: the caller (pdm.ts) exits the process, so a request QuestDB never answers
 * cannot keep it alive.
 */
import { loadConfigFile, validateConfig } from '../../common/config.ts';
import { kafkaFromEnv, questdbFromEnv } from '../../common/endpoints.ts';
import { StreamProcessor } from '../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../stream-processing/processor-config.ts';
import { type CommandLineOf, command, commandSpec, text } from '../command-line.ts';
import { withFleetMachines } from '../io/fleet-models.ts';
import { untilSignal } from '../signals.ts';

const HELP = `Usage: pdm process [--config FILE] [--fleet FILE]

Consumes vibration blocks, energy readings and gap events from Kafka, analyses windows in
worker threads and writes to QuestDB. Offsets are committed only after QuestDB accepted the rows.
Impossible messages, and rows QuestDB refuses, go to the dead-letter topic with the reason.
SIGINT/SIGTERM stops within shutdown.timeoutS (default 15 s); unfinished work is not committed
and is processed again by the next processor.

  --config FILE   processor configuration (YAML/JSON); defaults apply without one
  --fleet FILE    take each machine's bearings, nominal speed and ISO class from a simulator
                  fleet file (the config's own machines section wins)
Environment: PDM_KAFKA_BROKERS, PDM_QUESTDB_HTTP, PDM_QUESTDB_USER, PDM_QUESTDB_PASSWORD; Kafka
TLS and user from the config's kafka.security, else PDM_KAFKA_SECURITY_PROTOCOL, PDM_KAFKA_CA_FILE,
PDM_KAFKA_USERNAME, PDM_KAFKA_PASSWORD (SECURITY.md)
`;

const SPEC = commandSpec({ name: 'process', help: HELP, options: { config: text(), fleet: text() } });

export const run = command(SPEC, processStreams);

async function processStreams({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const config = values.config ? loadConfigFile(ProcessorConfigSpec, values.config) : validateConfig(ProcessorConfigSpec, {}, 'defaults');
  if (values.fleet)
    for (const message of withFleetMachines(config, values.fleet)) process.stderr.write(`! ${message} — that machine is not modelled\n`);
  const q = questdbFromEnv();
  const processor = new StreamProcessor(config, {
    brokers: kafkaFromEnv(config.kafka.brokers),
    questdbHttp: q.httpUrl,
    questdbIlpConfig: q.ilpConfig,
    questdbAuth: q.auth,
  });
  await processor.start();
  await untilSignal();
  await processor.stop();
  return 0;
}
