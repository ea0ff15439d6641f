/**
 * Global setup of the integration projects: starts Kafka and QuestDB with the local launcher's
 * `test` profile (own ports and a directory wiped at each start), unless PDM_KAFKA_BROKERS /
 * PDM_QUESTDB_HTTP / PDM_QUESTDB_PG point at running ones. Progress goes to stderr so a CI log
 * shows downloads and start-up. If vitest dies without teardown, the launcher's watchdogs stop the JVMs.
 *
 * Vitest runs every project's global setup before the first test of the run, so waiting here for
 * the services would hold the unit files back too (a cold start took 25-60 s: Maven resolving the
 * jars, two JVMs). The start runs in the background instead, beside the unit files, and says how
 * it ended in a file (`inject('servicesFile')`) that the integration files' setup waits for
 * (test/setup/await-services.ts), which then hands the endpoints to the tests (testServices()).
 *
 * Two projects use it (integration files that may share the machine, then those that run alone):
 * vitest runs it for each, in its one main process, so the first call starts the services and the
 * others share them; the last teardown stops them.
 */
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { describeError } from '../../common/errors.ts';
import { ensureServices, type RunningServices } from '../../deploy/local/services.ts';
import type { ServicesFile } from './services-file.ts';
import './provided-context.ts';

interface Shared {
  services: Promise<RunningServices | undefined>;
  file: string;
  users: number;
}

const SHARED = Symbol.for('pdm.test-services');
const holder = globalThis as typeof globalThis & { [SHARED]?: Shared };

function report(file: string, content: ServicesFile): void {
  // Written whole under another name, then renamed: a reader never sees half of it. 0600: it holds QuestDB's password.
  const part = `${file}.part`;
  writeFileSync(part, JSON.stringify(content), { mode: 0o600 });
  renameSync(part, file);
}

function start(file: string): Promise<RunningServices | undefined> {
  const t0 = Date.now();
  const say = (line: string) => process.stderr.write(`[services +${((Date.now() - t0) / 1000).toFixed(1)}s] ${line}\n`);
  return ensureServices({ profile: 'test', onProgress: say }).then(
    (services) => {
      say(
        `ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: Kafka ${services.endpoints.kafkaBrokers.join(',')}, QuestDB ${services.endpoints.questdbHttp}`,
      );
      report(file, { endpoints: services.endpoints });
      return services;
    },
    (err: unknown) => {
      // One readable line instead of a stack trace from inside the launcher; every integration file fails with it.
      const error = `cannot start the test services: ${describeError(err)}`;
      say(error);
      report(file, { error });
      return undefined;
    },
  );
}

export default function setup(project: TestProject): () => Promise<void> {
  if (!holder[SHARED]) {
    const file = join(tmpdir(), `pdm-test-services-${process.pid}-${Date.now().toString(36)}.json`);
    holder[SHARED] = { services: start(file), file, users: 0 };
  }
  const shared = holder[SHARED];
  shared.users++;
  project.provide('servicesFile', shared.file);
  return async () => {
    if (--shared.users > 0) return;
    delete holder[SHARED];
    const services = await shared.services;
    rmSync(shared.file, { force: true });
    await services?.stop();
  };
}
