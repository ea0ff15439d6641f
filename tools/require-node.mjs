// Runs before npm run test / bench (npm "pre" scripts), in plain JavaScript so that an older
// Node reads it: without it, an older Node stops with ERR_UNKNOWN_FILE_EXTENSION and a stack
// trace that names no fix.
import { nodeTooOld, tooOldMessage } from './node-version.mjs';

if (nodeTooOld(process.versions.node)) {
  process.stderr.write(tooOldMessage(process.version));
  process.exit(1);
}
