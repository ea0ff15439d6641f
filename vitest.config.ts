import { readdirSync, readFileSync } from 'node:fs';
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
 * Two projects: `unit` needs nothing running; `integration` starts the real Kafka and QuestDB
 * through the local launcher in its global setup (or uses the ones named by PDM_KAFKA_BROKERS,
 * PDM_QUESTDB_HTTP and PDM_QUESTDB_PG). `npm test` runs both.
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
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/services.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          // The services are shared; files run one at a time so scenario tests do not starve each other on 2 cores.
          fileParallelism: false,
          // One worker runs them all in turn: it keeps its module graph (node-opcua, kafkajs, the
          // models...) from file to file instead of importing it again for each (import was about
          // a tenth of the run). Every test builds its own components; none replaces a module.
          isolate: false,
          // After the unit projects, in a group of their own (Vitest runs projects that share a
          // group in one pool, which needs one maxWorkers; the integration files run alone).
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
