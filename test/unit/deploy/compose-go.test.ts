/**
 * docker-compose.yml as Docker Compose itself reads it: tools/compose-check (a small Go program on
 * compose-go, the library Docker Compose uses) is built into .cache/ and loads the file with and
 * without the secrets set, and with `--scale processor=3`. No Docker engine is needed.
 * Skipped, visibly, where no Go toolchain is installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const compose = join(root, 'docker-compose.yml');
const binary = join(root, '.cache', 'compose-check', 'compose-check');
/**
 * Every variable .env.example lists, with a value: the file a newcomer copies is the list of what
 * compose needs, so a secret added to compose but not to .env.example fails here.
 */
const SECRETS: Record<string, string> = Object.fromEntries(
  readFileSync(join(root, '.env.example'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim()))
    .filter((m) => m !== null)
    .map((m) => [m[1], m[2] !== '' ? m[2] : `${m[1].toLowerCase()}-secret`]),
);
const REQUIRED_SECRETS = Object.keys(SECRETS).filter((name) => name.endsWith('PASSWORD'));
const hasGo = spawnSync('go', ['version']).status === 0;

interface Loaded {
  ok: boolean;
  error?: string;
  services?: Record<
    string,
    { scale: number; containerName?: string; ports: Array<{ target: number; published?: string; hostIp?: string }>; healthcheck?: string[] }
  >;
}

/** Load with compose-go; `env` is all the environment the loader sees (no .env file is read). */
function load(args: string[], env: Record<string, string>): Loaded {
  const r = spawnSync(binary, args, { env, encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(`compose-check failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Loaded;
}

describe.skipIf(!hasGo)('docker-compose.yml loaded by compose-go (Docker Compose’s own loader)', () => {
  beforeAll(() => {
    mkdirSync(join(root, '.cache', 'compose-check'), { recursive: true });
    execFileSync('go', ['build', '-o', binary, '.'], { cwd: join(root, 'tools', 'compose-check'), stdio: 'inherit' });
  }, 300_000);

  it('refuses to load without the secrets, naming each one and where to set it', () => {
    const r = load([compose], {});
    expect(r.ok).toBe(false);
    for (const name of REQUIRED_SECRETS) expect(r.error).toContain(`required variable ${name} is missing a value: set ${name} in .env`);
  });

  it('loads with the secrets set: every service, and a processor healthcheck that fails when /health says down', () => {
    const r = load([compose], SECRETS);
    expect(r.error).toBeUndefined();
    expect(Object.keys(r.services!).sort()).toEqual([
      'collector',
      'grafana',
      'kafka',
      'kafka-acls',
      'kafka-pki',
      'pki',
      'processor',
      'questdb',
      'simulator',
    ]);
    const check = r.services!.processor.healthcheck!.join(' ');
    expect(check).toContain('/health');
    expect(check).toContain("h.status !== 'down'");
  });

  it('scales the processor to 3: no fixed container name or host port in the way', () => {
    const r = load(['--scale', 'processor=3', compose], SECRETS);
    expect(r.error).toBeUndefined();
    const p = r.services!.processor;
    expect(p.scale).toBe(3);
    expect(p.containerName ?? '').toBe('');
    for (const port of p.ports) expect(port.published ?? '', `port ${port.target}`).toBe('');
  });

  it('would catch what stops a scale-out: a fixed container_name (compose-go’s rule) or a fixed host port', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdm-compose-'));
    const named = join(dir, 'named.yml');
    writeFileSync(named, 'services:\n  processor:\n    image: busybox\n    container_name: pdm-processor\n');
    expect(load(['--scale', 'processor=3', named], {}).error).toMatch(
      /can't set container_name and processor as container name must be unique/,
    );
    const fixed = join(dir, 'fixed.yml');
    writeFileSync(fixed, 'services:\n  processor:\n    image: busybox\n    ports: ["127.0.0.1:9465:9465"]\n');
    expect(load([fixed], {}).ok).toBe(true);
    expect(load(['--scale', 'processor=3', fixed], {}).error).toMatch(/3 replicas cannot all publish host port 9465/);
  });
});
