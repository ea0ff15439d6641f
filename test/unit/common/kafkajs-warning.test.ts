import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const module = fileURLToPath(new URL('../../../common/kafkajs-warning.ts', import.meta.url));

describe('quietKafkajsTimeoutWarning', () => {
  it("drops Node 24's TimeoutNegativeWarning (kafkajs's negative setTimeout) and prints every other warning", () => {
    const script = `
      const { quietKafkajsTimeoutWarning } = await import(${JSON.stringify(module)});
      quietKafkajsTimeoutWarning();
      setTimeout(() => {}, -5);
      process.emitWarning('something else is wrong', 'ExperimentalWarning');
    `;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/TimeoutNegativeWarning/);
    expect(run.stderr).toMatch(/ExperimentalWarning: something else is wrong/);
    // Without the filter the same timer is reported: the test sees what it filters.
    const bare = spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, -5)'], { encoding: 'utf8' });
    expect(bare.stderr).toMatch(/TimeoutNegativeWarning/);
  });
});
