/**
 * `npm run sbom`: the software bill of materials, CycloneDX JSON, at sbom.cdx.json (committed with
 * each release, and checked against package.json and package-lock.json by
 * test/unit/deploy/sbom.test.ts). The npm registry here does not answer `npm audit`, so the SBOM
 * is how a user checks our dependency versions against advisories (e.g. with a scanner that reads
 * CycloneDX).
 *
 * `npm sbom --package-lock-only` reads the lock file alone: it works offline and does not depend
 * on what happens to be installed in node_modules. Two fields are made reproducible, so the file
 * changes only when a dependency does: npm names the root component after the directory it runs
 * in (a checkout called `pdm-2` would produce another SBOM), so it is set to package.json's name;
 * and the random serialNumber and the timestamp (both optional in CycloneDX 1.5) are left out.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const out = join(root, 'sbom.cdx.json');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { name: string };

// Under `npm run`, npm_execpath is the npm that runs us: use the same one.
const npm = process.env['npm_execpath'];
const args = ['sbom', '--sbom-format', 'cyclonedx', '--package-lock-only', '--offline'];
const text = npm
  ? execFileSync(process.execPath, [npm, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  : execFileSync('npm', args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

interface Bom {
  serialNumber?: string;
  metadata: { timestamp?: string; component: { name: string } };
  components: unknown[];
}
const bom = JSON.parse(text) as Bom;
delete bom.serialNumber;
delete bom.metadata.timestamp;
bom.metadata.component.name = pkg.name;
writeFileSync(out, `${JSON.stringify(bom, null, 2)}\n`);
// The repository's formatter has the last word on layout (npm run lint checks every JSON file).
execFileSync(process.execPath, [join(root, 'node_modules', '@biomejs', 'biome', 'bin', 'biome'), 'format', '--write', out], {
  cwd: root,
  stdio: 'inherit',
});
process.stdout.write(`wrote ${out}: ${bom.components.length} components\n`);
