/**
 * The committed SBOM (sbom.cdx.json, CycloneDX) must describe the dependencies we actually pin:
 * exactly the direct dependencies of package.json (runtime and development), each at the version
 * package-lock.json resolves. A dependency added, removed or upgraded without regenerating the
 * SBOM fails here, with the command that fixes it.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const read = <T>(file: string) => JSON.parse(readFileSync(join(root, file), 'utf8')) as T;
const STALE = 'sbom.cdx.json is stale: run `npm run sbom` and commit sbom.cdx.json';

interface Bom {
  bomFormat: string;
  metadata: { component: { 'bom-ref': string; name: string; version: string } };
  components: Array<{ 'bom-ref': string; name: string; version: string; scope?: string }>;
  dependencies: Array<{ ref: string; dependsOn?: string[] }>;
}

describe('sbom.cdx.json', () => {
  const bom = read<Bom>('sbom.cdx.json');
  const pkg = read<{ name: string; version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> }>(
    'package.json',
  );
  const lock = read<{ packages: Record<string, { version: string }> }>('package-lock.json');
  const direct = { ...pkg.dependencies, ...pkg.devDependencies };
  const locked = (name: string) => lock.packages[`node_modules/${name}`]?.version;

  it('is CycloneDX for this package', () => {
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.metadata.component, STALE).toMatchObject({ name: pkg.name, version: pkg.version });
  });

  it('lists exactly the direct dependencies of package.json, at the versions of package-lock.json', () => {
    const expected = Object.keys(direct)
      .map((name) => `${name}@${locked(name)}`)
      .sort();
    for (const name of Object.keys(direct)) expect(locked(name), `${name} is not in package-lock.json: run npm install`).toBeDefined();
    const rootRef = bom.metadata.component['bom-ref'];
    const listed = [...(bom.dependencies.find((d) => d.ref === rootRef)?.dependsOn ?? [])].sort();
    expect(listed, STALE).toEqual(expected);
    // Each of them is a component of the SBOM with that name and version, runtime ones as required.
    for (const [name, version] of Object.keys(direct).map((n) => [n, locked(n)] as const)) {
      const c = bom.components.find((x) => x.name === name && x.version === version);
      expect(c, `${STALE} (${name}@${version} missing from components)`).toBeDefined();
      if (name in pkg.dependencies) expect(c?.scope, `${name} is a runtime dependency`).toBe('required');
    }
  });

  it('lists every package of the lock file (the whole tree, not only the direct ones)', () => {
    const inLock = new Set(
      Object.entries(lock.packages)
        .filter(([path]) => path.startsWith('node_modules/'))
        .map(([path, p]) => `${path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length)}@${p.version}`),
    );
    const inBom = new Set(bom.components.map((c) => `${c.name}@${c.version}`));
    expect([...inLock].filter((x) => !inBom.has(x)).sort(), STALE).toEqual([]);
    expect([...inBom].filter((x) => !inLock.has(x)).sort(), STALE).toEqual([]);
  });
});
