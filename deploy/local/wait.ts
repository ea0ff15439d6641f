/** Poll a health check until it passes, the process fails, the deadline passes, or we are aborted. */
import type { PdmError } from '../../common/errors.ts';

export interface WaitOptions {
  what: string;
  deadlineMs: number;
  check: () => Promise<boolean>;
  /** An error when waiting is pointless (the process exited), else undefined. */
  failed: () => PdmError | undefined;
  timedOut: () => PdmError;
  onProgress: (line: string) => void;
  signal?: AbortSignal;
  intervalMs?: number;
  progressEveryMs?: number;
}

export async function waitUntil(o: WaitOptions): Promise<number> {
  const started = Date.now();
  const interval = o.intervalMs ?? 250;
  const progressEvery = o.progressEveryMs ?? 5_000;
  let lastProgress = started;
  for (;;) {
    o.signal?.throwIfAborted();
    const early = o.failed();
    if (early) throw early;
    if (await o.check()) return Date.now() - started;
    // The check may have raced the process's exit: report the exit, not a timeout.
    const late = o.failed();
    if (late) throw late;
    const now = Date.now();
    if (now - started >= o.deadlineMs) throw o.timedOut();
    if (now - lastProgress >= progressEvery) {
      lastProgress = now;
      o.onProgress(`waiting for ${o.what}: ${Math.round((now - started) / 1000)} s`);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}
