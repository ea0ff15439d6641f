// Which Node runs the project's TypeScript, in plain JavaScript so that an older Node reads it:
// the tools are TypeScript run by Node's own type stripping (Node >= 22.13; ./dev installs
// Node 24 into .cache/node).

/** True when `version` (e.g. "20.20.2") cannot strip types: older than 22.13. */
export function nodeTooOld(version) {
  const [major, minor] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 13);
}

/** What to tell a person whose Node is `version` (e.g. "v20.20.2"). */
export function tooOldMessage(version) {
  return (
    `This project needs Node.js >= 22.13 (Node 24 LTS recommended); this is ${version}.\n` +
    'Use ./dev (it installs Node 24 into .cache/node): ./dev npm run <script>, ./dev test, ./dev start,\n' +
    'or put .cache/node/bin first in PATH after one ./dev run.\n'
  );
}
