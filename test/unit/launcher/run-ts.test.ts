/**
 * tools/run-ts.mjs: npm run lint's architecture check is TypeScript, the rest of lint runs on any
 * Node. Under a Node too old to strip types the launcher runs the tool with the Node 24 ./dev
 * installed, or says what to do; the version test behind it and the pre-scripts' guard agree.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findRepoRoot } from '../../../deploy/local/paths.ts';
import { nodeTooOld, tooOldMessage } from '../../../tools/node-version.mjs';

const root = findRepoRoot();
const launcher = join(root, 'tools', 'run-ts.mjs');
/** The machine's own Node (Debian's), when it is one too old for the project. */
const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
  if (!existsSync(p)) return false;
  const v = spawnSync(p, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  return v !== '' && nodeTooOld(v);
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tsProbe(): string {
  const dir = mkdtempSync(join(root, '.cache', 'run-ts-'));
  dirs.push(dir);
  const file = join(dir, 'probe.ts');
  writeFileSync(
    file,
    "const v: string = process.versions.node;\nprocess.stdout.write(`${v} ${process.argv.slice(2).join(',')}`);\nprocess.exitCode = 3;\n",
  );
  return file;
}

describe('run-ts launcher', () => {
  it('tells which versions strip types', () => {
    expect(nodeTooOld('20.20.2')).toBe(true);
    expect(nodeTooOld('22.12.9')).toBe(true);
    expect(nodeTooOld('22.13.0')).toBe(false);
    expect(nodeTooOld('24.1.0')).toBe(false);
    expect(tooOldMessage('v20.20.2')).toContain('./dev');
  });

  it('runs a TypeScript tool with this Node, passing its arguments and exit code', () => {
    const r = spawnSync(process.execPath, [launcher, tsProbe(), 'a', 'b'], { encoding: 'utf8' });
    expect(r.stdout).toBe(`${process.versions.node} a,b`);
    expect(r.status).toBe(3);
  });

  // Which of the two depends on whether ./dev installed Node here: a run whose newer Node came from
  // elsewhere on the PATH (nvm, another checkout's .cache/node) has none in this checkout.
  it.skipIf(systemNode === undefined)(
    "under the machine's older Node, runs it with the Node ./dev installed, or says what to do when there is none",
    () => {
      const r = spawnSync(systemNode as string, [launcher, tsProbe(), 'x'], { encoding: 'utf8' });
      if (existsSync(join(root, '.cache', 'node', 'bin', 'node'))) {
        const [version, args] = r.stdout.split(' ');
        expect(nodeTooOld(version ?? ''), r.stderr).toBe(false);
        expect(args).toBe('x');
        expect(r.status).toBe(3);
      } else {
        expect(r.stdout).toBe('');
        expect(r.stderr).toContain('./dev');
        expect(r.status).toBe(1);
      }
    },
  );
});
