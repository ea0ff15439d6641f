/**
 * The Maven fetch, for real: a tiny artifact (slf4j-api, 41 kB) from Maven Central into a
 * temporary cache. Needs network access to Maven Central, like the launcher itself.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { artifactDir, fetchArtifacts, isFetched, parseDownloadedBytes } from '../../../deploy/local/maven.ts';
import type { ArtifactSet } from '../../../deploy/local/versions.ts';

const tiny: ArtifactSet = {
  name: 'slf4j-api-1.7.36',
  label: 'SLF4J API 1.7.36',
  dependencies: [{ groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '1.7.36' }],
  approxBytes: 1024 * 1024,
};

describe('parseDownloadedBytes', () => {
  it.each([
    [
      '[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/questdb/questdb/9.3.4/questdb-9.3.4.jar (30 MB at 56 MB/s)',
      30e6,
    ],
    [
      '[INFO] Downloaded from central: https://repo.maven.apache.org/maven2/org/questdb/questdb/9.3.4/questdb-9.3.4.pom (32 kB at 168 kB/s)',
      32e3,
    ],
    ['Downloaded from central: https://x/y.sha1 (40 B at 2.1 kB/s)', 40],
    ['[INFO] Downloading from central: https://repo.maven.apache.org/maven2/a.jar', 0],
  ])('%s', (line, bytes) => {
    expect(parseDownloadedBytes(line)).toBe(bytes);
  });
});

describe('fetchArtifacts', () => {
  it('fetches into <cache>/<artifact>-<version>/ with progress, then reuses the cache without running Maven', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'pdm-jars-'));
    const lines: string[] = [];
    const dir = await fetchArtifacts(tiny, { cacheDir, onProgress: (l) => lines.push(l) });
    expect(dir).toBe(join(cacheDir, 'slf4j-api-1.7.36'));
    expect(readdirSync(dir)).toContain('slf4j-api-1.7.36.jar');
    expect(isFetched(tiny, cacheDir)).toBe(true);
    expect(lines[0]).toContain('fetching SLF4J API 1.7.36 with Maven');
    expect(lines.at(-1)).toMatch(/^fetched SLF4J API 1\.7\.36 in \d+\.\d s/);
    // No temporary directories left behind.
    expect(readdirSync(cacheDir)).toEqual(['slf4j-api-1.7.36']);

    // Second run: Maven is not even looked for (a missing mvn would fail).
    const again = await fetchArtifacts(tiny, { cacheDir, mvn: '/nonexistent/mvn' });
    expect(again).toBe(dir);
  });

  it('explains a missing Maven', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'pdm-jars-'));
    const err = await fetchArtifacts(tiny, { cacheDir, mvn: '/nonexistent/bin/mvn' }).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_ENV_MAVEN')).toBe(true);
    expect((err as Error).message).toContain('Maven (`/nonexistent/bin/mvn`) not found');
    expect((err as Error).message).toContain('apt-get install maven');
    expect(existsSync(artifactDir(tiny, cacheDir))).toBe(false);
  });

  it('shows Maven’s own error for an artifact that does not exist, and caches nothing', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'pdm-jars-'));
    const missing: ArtifactSet = {
      ...tiny,
      name: 'nope-0.0.0',
      label: 'a missing artifact',
      dependencies: [{ groupId: 'org.slf4j', artifactId: 'slf4j-api', version: '0.0.0-does-not-exist' }],
    };
    const err = await fetchArtifacts(missing, { cacheDir }).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_ENV_MAVEN')).toBe(true);
    expect((err as Error).message).toContain('Maven could not fetch a missing artifact');
    expect((err as Error).message).toContain('slf4j-api');
    expect((err as Error).message).toContain('0.0.0-does-not-exist');
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
