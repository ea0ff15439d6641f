import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

/**
 * Unit files that replace a module (vi.mock) need a module graph of their own: in a shared one the
 * module under test may already be loaded with the real dependency. Found by scanning, so a new
 * such file is isolated without anyone remembering to list it.
 */
const MOCKING_UNIT_FILES = (readdirSync('test/unit', { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => join('test/unit', f))
  .filter((f) => /\bvi\.(do)?[mM]ock\(/.test(readFileSync(f, 'utf8')));

/**
 * Integration files that may run beside another one. The rest run alone, after these: those that
 * freeze the shared QuestDB (SIGSTOP: backpressure, poison-messages, sigterm-stalled-writer), that
 * stream OPC UA blocks in real time and count every one (collector/*, scalar, the walking
 * skeleton, pdm start twice, the accumulated diagnosis), or that time a stalled server (hung-server).
 * A file listed here builds everything it uses under names and ports of its own (topic and table
 * prefixes, consumer groups, a port offset or data directory of its own for services it starts),
 * and waits on results with deadlines, never on the wall clock. New files run alone unless listed.
 */
const SHARING_INTEGRATION_FILES = [
  'test/integration/cli/history-export.test.ts',
  'test/integration/cli/run-state.test.ts',
  'test/integration/dashboards/dashboard-sql.test.ts',
  'test/integration/processor/accumulated-columns-migration.test.ts',
  'test/integration/processor/alerts.test.ts',
  'test/integration/processor/channels.test.ts',
  'test/integration/processor/gaps-cause-migration.test.ts',
  'test/integration/processor/health-without-energy.test.ts',
  'test/integration/processor/healthy-reference.test.ts',
  'test/integration/processor/processor-kill.test.ts',
  'test/integration/processor/processor-rebalance.test.ts',
  'test/integration/services/cli-services.test.ts',
  'test/integration/services/kafka-security.test.ts',
  'test/integration/services/kafkajs-compat.test.ts',
  'test/integration/services/launcher.test.ts',
  'test/integration/services/printed-env.test.ts',
  'test/integration/services/questdb.test.ts',
  'test/integration/simulator/address-space.test.ts',
  'test/integration/simulator/bad-fleet-entry.test.ts',
  'test/integration/simulator/factory-methods.test.ts',
  'test/integration/simulator/ground-truth.test.ts',
  'test/integration/simulator/replay-machine.test.ts',
  'test/integration/simulator/security.test.ts',
];
for (const file of SHARING_INTEGRATION_FILES)
  if (!existsSync(file)) throw new Error(`vitest.config.ts: SHARING_INTEGRATION_FILES names ${file}, which does not exist`);

/**
 * Unit projects need nothing running; the integration projects start the real Kafka and
 * QuestDB through the local launcher in their (shared) global setup, or use the ones named by
 * PDM_KAFKA_BROKERS, PDM_QUESTDB_HTTP and PDM_QUESTDB_PG. `npm test` runs them all.
 */
// Components log JSON lines at info; in a test run only warnings and errors are worth reading.
process.env['PDM_LOG_LEVEL'] ??= 'warn';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          exclude: MOCKING_UNIT_FILES,
          testTimeout: 60_000,
          // Vitest's default is one worker fewer than the cores: one on a 2-core machine. Unit files
          // are CPU-bound and independent, and the integration files run after them, alone.
          maxWorkers: 2,
          // Unit files share nothing but pure modules: a worker reuses its module graph from file to
          // file instead of importing it again for each (import was 12-18 % of the run). Measured on
          // this machine: 137 files, 1133 tests pass either way; the unit run took 174 s instead of 241.
          isolate: false,
        },
      },
      {
        test: {
          name: 'unit-isolated',
          include: MOCKING_UNIT_FILES,
          testTimeout: 60_000,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'integration',
          include: SHARING_INTEGRATION_FILES,
          globalSetup: ['test/setup/services.ts'],
          // Waits for the services the global setup starts in the background, beside the unit files.
          setupFiles: ['test/setup/await-services.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // Two at a time: these files mostly wait (on Kafka, on QuestDB, on child processes) and used
          // under half of the machine run one by one (CPU sampled per file).
          maxWorkers: 2,
          // A worker keeps its module graph (node-opcua, kafkajs, the models...) from file to file
          // instead of importing it again for each (import was about a tenth of the run). Every test
          // builds its own components; none replaces a module.
          isolate: false,
          // After the unit projects (Vitest runs projects that share a group in one pool, which needs
          // one maxWorkers), and before the files that run alone.
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'integration-alone',
          include: ['test/integration/**/*.test.ts'],
          exclude: SHARING_INTEGRATION_FILES,
          globalSetup: ['test/setup/services.ts'],
          // Waits for the services the global setup starts in the background, beside the unit files.
          setupFiles: ['test/setup/await-services.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // One at a time, with the machine to themselves: see SHARING_INTEGRATION_FILES.
          fileParallelism: false,
          isolate: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
