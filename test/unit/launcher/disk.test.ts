import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { ensureFreeSpace, freeBytes } from '../../../deploy/local/disk.ts';

describe('free disk space', () => {
  it('agrees with df about the space available', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdm-disk-'));
    const dfAvail = Number(execFileSync('df', ['-B1', '--output=avail', dir], { encoding: 'utf8' }).trim().split('\n')[1]);
    // Other processes write meanwhile: agree within 64 MiB.
    expect(Math.abs(freeBytes(dir) - dfAvail)).toBeLessThan(64 * 1024 * 1024);
  });

  it('measures a directory that does not exist yet on its nearest existing parent', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdm-disk-'));
    expect(freeBytes(join(dir, 'not', 'yet', 'there'))).toBe(freeBytes(dir));
  });

  it('refuses when more is needed than is free, naming the path, the purpose and both sizes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdm-disk-'));
    const need = freeBytes(dir) + 1024 ** 4; // a tebibyte more than there is
    let err: unknown;
    try {
      ensureFreeSpace(dir, need, 'downloading Apache Kafka 4.4.0');
    } catch (e) {
      err = e;
    }
    expect(isPdmError(err, 'PDM_ERR_ENV_DISK')).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain('downloading Apache Kafka 4.4.0');
    expect(msg).toContain(dir);
    expect(msg).toContain(`${(need / 1024 / 1024).toFixed(0)} MiB needed`);
    expect(msg).toContain('PDM_CACHE_DIR');
  });

  it('passes when enough is free', () => {
    expect(() => ensureFreeSpace(tmpdir(), 1024, 'a test')).not.toThrow();
  });
});
