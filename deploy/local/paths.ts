/**
 * Where the launcher keeps things. Everything is under the repository root (found by walking up to
 * our package.json, so it works from sources and from dist/) unless an env var says otherwise.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = 'pdm-factory';

export function findRepoRoot(start: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = resolve(start);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // not ours; keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

/** `PDM_CACHE_DIR` or `<repo>/.cache/jars`. */
export function jarCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['PDM_CACHE_DIR'];
  return fromEnv ? resolve(fromEnv) : join(findRepoRoot(), '.cache', 'jars');
}

/** `PDM_SERVICES_DIR` or `<repo>/.pdm/services` (dev) / `<repo>/.pdm/test-services` (test). */
export function defaultServicesDir(profile: 'dev' | 'test', env: NodeJS.ProcessEnv = process.env): string {
  if (profile === 'dev' && env['PDM_SERVICES_DIR']) return resolve(env['PDM_SERVICES_DIR']);
  return join(findRepoRoot(), '.pdm', profile === 'dev' ? 'services' : 'test-services');
}
