// `node tools/run-ts.mjs FILE.ts [ARGS...]`: runs a TypeScript tool with this Node when it strips
// types, else with the Node 24 that ./dev installed into .cache/node, else says what to do.
// npm run lint goes through it, so that it passes under the machine's older Node too: its other
// steps (biome, tsc) run on any Node; only the architecture check is TypeScript.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nodeTooOld, tooOldMessage } from './node-version.mjs';

const installed = fileURLToPath(new URL('../.cache/node/bin/node', import.meta.url));
let node = process.execPath;
if (nodeTooOld(process.versions.node)) {
  if (!existsSync(installed)) {
    process.stderr.write(tooOldMessage(process.version));
    process.exit(1);
  }
  node = installed;
}
const run = spawnSync(node, process.argv.slice(2), { stdio: 'inherit' });
if (run.error) throw run.error;
process.exit(run.status ?? 1);
