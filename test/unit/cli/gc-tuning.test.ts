/**
 * The GC heuristic every pdm command sets (cli/gc-tuning.ts): ArrayBuffer churn no longer starts
 * a major GC at each fixed step of external memory, and PDM_GC_TUNING=off restores V8's default.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const churn = fileURLToPath(new URL('./fixtures/array-buffer-churn.ts', import.meta.url));

function majorGcs(env: NodeJS.ProcessEnv): number {
  return Number(execFileSync(process.execPath, [churn], { env: { ...process.env, ...env }, encoding: 'utf8' }).trim());
}

describe('garbage collection tuning', () => {
  it('runs far fewer major GCs over the same ArrayBuffer churn than V8 by default (PDM_GC_TUNING=off)', () => {
    const tuned = majorGcs({});
    const byDefault = majorGcs({ PDM_GC_TUNING: 'off' });
    expect(byDefault).toBeGreaterThanOrEqual(3);
    expect(tuned).toBeLessThan(byDefault / 2);
  });
});
