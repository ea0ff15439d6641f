/**
 * Global setup of the `integration` project: starts Kafka and QuestDB with the local launcher's
 * `test` profile (own ports and a directory wiped at each start), unless PDM_KAFKA_BROKERS /
 * PDM_QUESTDB_HTTP / PDM_QUESTDB_PG point at running ones, and hands the endpoints to the tests
 * (`inject('services')`). Progress goes to stderr so a CI log shows downloads and start-up.
 * If vitest dies without teardown, the launcher's watchdogs stop the JVMs.
 */
import type { TestProject } from 'vitest/node';
import { describeError } from '../../common/errors.ts';
import { ensureServices } from '../../deploy/local/services.ts';
import './provided-context.ts';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const t0 = Date.now();
  const say = (line: string) => process.stderr.write(`[services +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
  let services;
  try {
    services = await ensureServices({ profile: 'test', onProgress: say });
  } catch (err) {
    // One readable line instead of a stack trace from inside the launcher.
    say(`cannot start the test services: ${describeError(err)}`);
    throw err;
  }
  say(
    `ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: Kafka ${services.endpoints.kafkaBrokers.join(',')}, QuestDB ${services.endpoints.questdbHttp}`,
  );
  project.provide('services', services.endpoints);
  return async () => {
    await services.stop();
  };
}
