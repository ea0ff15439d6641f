/** `pdm collect --config FILE`: run a collector until SIGINT/SIGTERM. */
import { parseArgs } from 'node:util';
import { loadConfigFile } from '../../common/config.ts';
import { kafkaFromEnv } from '../../common/endpoints.ts';
import { CollectorConfigSpec } from '../../ingest/collector/collector-config.ts';
import { Collector } from '../../ingest/collector/collector.ts';
import { untilSignal } from '../signals.ts';

const HELP = `Usage: pdm collect --config FILE

Subscribes to each configured machine over OPC UA and publishes vibration blocks and energy
readings to Kafka. Credentials come from the environment variables the file names.

  --config FILE   collector configuration (YAML/JSON), e.g. deploy/config/collector.yaml
Environment: PDM_KAFKA_BROKERS (unless kafka.brokers is set), the OPC UA credential variables
`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { config: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help || !values.config) {
    process.stdout.write(HELP);
    return values.help ? 0 : 2;
  }
  const config = loadConfigFile(CollectorConfigSpec, values.config);
  const collector = new Collector(config, { brokers: kafkaFromEnv(config.kafka.brokers) });
  await collector.start();
  await untilSignal();
  await collector.stop();
  return 0;
}
