/**
 * A Python with the `asyncua` OPC UA stack, for tests that check the collector against a second
 * OPC UA implementation: a virtual environment created once under <repo>/.cache/pyenv-asyncua
 * (`python3 -m venv` + pip from PyPI, progress on stderr) and shared by every test and process
 * after that. A marker file written last says the environment is complete; a lock directory keeps
 * two test processes from building it at once; a half-built one (killed set-up) is rebuilt.
 * PDM_ASYNCUA_PYTHON names an existing Python with asyncua instead.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRepoRoot } from '../../deploy/local/paths.ts';

export const ASYNCUA_VERSION = '1.1.8';

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    // pip's progress goes to stderr, where a test run's set-up progress belongs.
    const p = spawn(cmd, args, { stdio: ['ignore', 2, 2] });
    p.once('error', reject);
    p.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}`))));
  });
}

async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      // A lock older than 10 minutes belongs to a set-up that died.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 10 * 60_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`waited 10 min for ${lock}: another process builds the asyncua environment`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The Python interpreter to run asyncua scripts with (the environment is built on first use). */
export async function asyncuaPython(): Promise<string> {
  const given = process.env['PDM_ASYNCUA_PYTHON'];
  if (given) return given;
  const dir = join(findRepoRoot(), '.cache', 'pyenv-asyncua');
  const python = join(dir, 'bin', 'python');
  const marker = join(dir, '.pdm-ready');
  const ready = () => existsSync(marker) && readFileSync(marker, 'utf8').trim() === ASYNCUA_VERSION;
  if (ready()) return python;
  mkdirSync(join(findRepoRoot(), '.cache'), { recursive: true });
  await withLock(`${dir}.lock`, async () => {
    if (ready()) return; // built by another process meanwhile
    process.stderr.write(`[asyncua] creating ${dir} (python3 -m venv, pip install asyncua==${ASYNCUA_VERSION}); once\n`);
    rmSync(dir, { recursive: true, force: true });
    await run('python3', ['-m', 'venv', dir]);
    await run(python, ['-m', 'pip', 'install', '--disable-pip-version-check', `asyncua==${ASYNCUA_VERSION}`]);
    writeFileSync(marker, `${ASYNCUA_VERSION}\n`);
    process.stderr.write('[asyncua] ready\n');
  });
  return python;
}
