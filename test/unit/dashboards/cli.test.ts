/** `pdm dashboards build`, run for real as a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');
const pdm = (...args: string[]) =>
  spawnSync(process.execPath, [join(ROOT, 'cli/pdm.ts'), 'dashboards', ...args], { cwd: ROOT, encoding: 'utf8' });

describe('pdm dashboards build', () => {
  it('writes the same files as the committed ones into --out, and lists them', () => {
    const out = mkdtempSync(join(tmpdir(), 'pdm-dash-'));
    const r = pdm('build', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      readdirSync(join(ROOT, 'deploy/grafana/dashboards'))
        .filter((f) => f.endsWith('.json'))
        .sort(),
    );
    expect(r.stdout.trim().split('\n').length).toBe(files.length);
    for (const f of files)
      expect(readFileSync(join(out, f), 'utf8'), f).toBe(readFileSync(join(ROOT, 'deploy/grafana/dashboards', f), 'utf8'));
  });

  it('puts the table prefix on every table name', () => {
    const out = mkdtempSync(join(tmpdir(), 'pdm-dash-'));
    expect(pdm('build', '--out', out, '--table-prefix', 'plant7_').status).toBe(0);
    const overview = readFileSync(join(out, 'plant-overview.json'), 'utf8');
    expect(overview).toContain('FROM plant7_vibration_features');
    expect(overview).not.toMatch(/FROM vibration_features/);
  });

  it('rejects a prefix QuestDB table names cannot carry, naming it', () => {
    const r = pdm('build', '--out', mkdtempSync(join(tmpdir(), 'pdm-dash-')), '--table-prefix', 'a-b');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/table prefix "a-b" is not valid/);
  });

  it('rejects a bad ISO class and a missing subcommand: usage errors, exit 2', () => {
    const bad = pdm('build', '--iso-group', '3', '--out', mkdtempSync(join(tmpdir(), 'pdm-dash-')));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--iso-group must be 1 or 2, got '3'/);
    const none = pdm();
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/expected the subcommand 'build'/);
  });
});
