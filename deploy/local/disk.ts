/** Free-space check before downloads and before formatting data directories. */
import { existsSync, statfsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PdmError } from '../../common/errors.ts';

/** Bytes free for an unprivileged user on the file system that holds `path` (or would hold it). */
export function freeBytes(path: string): number {
  let dir = resolve(path);
  while (!existsSync(dir)) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

const MiB = 1024 * 1024;

/** Throws PDM_ERR_ENV_DISK naming the directory, what needs the space, and how much is missing. */
export function ensureFreeSpace(path: string, neededBytes: number, purpose: string): void {
  const free = freeBytes(path);
  if (free < neededBytes) {
    throw new PdmError(
      'PDM_ERR_ENV_DISK',
      `not enough free disk space for ${purpose}: ${(free / MiB).toFixed(0)} MiB free on the file system of ${path}, ` +
        `${(neededBytes / MiB).toFixed(0)} MiB needed; free some space or point the directory elsewhere (PDM_CACHE_DIR for jars, PDM_SERVICES_DIR or --data-dir for service data)`,
      { path, freeBytes: free, neededBytes },
    );
  }
}
