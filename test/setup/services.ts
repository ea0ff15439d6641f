/**
 * Global setup of the integration projects: starts Kafka and QuestDB with the local launcher's
 * `test` profile (own ports and a directory wiped at each start), unless PDM_KAFKA_BROKERS /
 * PDM_QUESTDB_HTTP / PDM_QUESTDB_PG point at running ones, and hands the endpoints to the tests
 * (`inject('services')`). Progress goes to stderr so a CI log shows downloads and start-up.
 * If vitest dies without teardown, the launcher's watchdogs stop the JVMs.
 *
 * Two projects use it (integration files that may share the machine, then those that run alone):
 * vitest runs a project's global setup for each, in its one main process, so the first call starts
 * the services and the others share them; the last teardown stops them.
 */
import type { TestProject } from 'vitest/node';
import { describeError } from '../../common/errors.ts';
import { ensureServices, type RunningServices } from '../../deploy/local/services.ts';
import './provided-context.ts';

interface Shared {
  services: Promise<RunningServices>;
  users: number;
}

const SHARED = Symbol.for('pdm.test-services');
const holder = globalThis as typeof globalThis & { [SHARED]?: Shared };

function start(): Promise<RunningServices> {
  const t0 = Date.now();
  const say = (line: string) => process.stderr.write(`[services +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
  return ensureServices({ profile: 'test', onProgress: say }).then(
    (services) => {
      say(
        `ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: Kafka ${services.endpoints.kafkaBrokers.join(',')}, QuestDB ${services.endpoints.questdbHttp}`,
      );
      return services;
    },
    (err: unknown) => {
      // One readable line instead of a stack trace from inside the launcher.
      say(`cannot start the test services: ${describeError(err)}`);
      throw err;
    },
  );
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  holder[SHARED] ??= { services: start(), users: 0 };
  const shared = holder[SHARED];
  shared.users++;
  const services = await shared.services;
  project.provide('services', services.endpoints);
  return async () => {
    if (--shared.users > 0) return;
    delete holder[SHARED];
    await services.stop();
  };
}
