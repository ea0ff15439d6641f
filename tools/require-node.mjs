// Runs before npm run lint / test / bench (npm "pre" scripts), in plain JavaScript so that an older
// Node reads it: the project's tools are TypeScript run by Node's own type stripping (Node >= 22.13;
// ./dev installs Node 24). Without this, an older Node stops with ERR_UNKNOWN_FILE_EXTENSION and a
// stack trace that names no fix.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 13)) {
  process.stderr.write(
    `This project needs Node.js >= 22.13 (Node 24 LTS recommended); this is ${process.version}.\n` +
      'Use ./dev (it installs Node 24 into .cache/node): ./dev npm run <script>, ./dev test, ./dev start,\n' +
      'or put .cache/node/bin first in PATH after one ./dev run.\n',
  );
  process.exit(1);
}
