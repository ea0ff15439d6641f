/**
 * Watchdog for one service process: `node watchdog.ts <pid> <graceMs>`, started by the launcher
 * with a pipe on stdin. The kernel closes that pipe when the launcher dies however it dies
 * (Ctrl-C, SIGKILL, a crashed vitest), so end-of-stdin means "no owner any more": SIGTERM the
 * service's process group, give it graceMs to shut down cleanly, then SIGKILL. It exits on its own
 * once the service is gone. Kept dependency-free so it starts in milliseconds.
 */
const pid = Number(process.argv[2]);
const graceMs = Number(process.argv[3] ?? '10000');
if (!Number.isInteger(pid) || pid <= 0) {
  process.stderr.write(`watchdog: bad pid argument ${JSON.stringify(process.argv[2])}\n`);
  process.exit(2);
}

function alive(): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signal(sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig); // the service runs as the leader of its own process group
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

// Launched detached (own session), but a terminal's Ctrl-C must never kill the watchdog first.
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});

let stopping = false;
function ownerGone(): void {
  if (stopping) return;
  stopping = true;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  const poll = setInterval(() => {
    if (!alive()) process.exit(0);
    if (Date.now() >= deadline) {
      signal('SIGKILL');
      process.exit(0);
    }
  }, 100);
  poll.ref();
}

process.stdin.on('end', ownerGone);
process.stdin.on('close', ownerGone);
process.stdin.on('error', ownerGone);
process.stdin.resume();

// The service ended by itself (or was stopped by its owner): nothing left to guard.
setInterval(() => {
  if (!stopping && !alive()) process.exit(0);
}, 1_000);
