import { chmodSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPdmError, type PdmError } from '../../../common/errors.ts';
import { findJava, parseJavaMajor } from '../../../deploy/local/java.ts';

function catchPdm(fn: () => unknown): PdmError {
  try {
    fn();
  } catch (err) {
    if (isPdmError(err)) return err;
    throw err;
  }
  throw new Error('expected a PdmError');
}

describe('parseJavaMajor', () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "25" 2025-09-16', 25],
    ['openjdk version "21.0.4" 2024-07-16 LTS', 21],
    ['java version "1.8.0_392"', 8],
    ['openjdk version "11.0.22-ea" 2024-01-16', 11],
  ])('%s -> %i', (line, major) => {
    expect(parseJavaMajor(line)).toBe(major);
  });

  it('returns undefined for text without a version', () => {
    expect(parseJavaMajor('bash: java: command not found')).toBeUndefined();
  });
});

describe('findJava', () => {
  it('finds the machine Java on PATH and it is 17 or later', () => {
    const env = { ...process.env };
    delete env['JAVA_HOME'];
    const java = findJava(env);
    expect(java.command).toBe('java');
    expect(java.major).toBeGreaterThanOrEqual(17);
  });

  it.skipIf(!existsSync('/usr/lib/jvm/temurin-25-jdk-amd64/bin/java'))('uses JAVA_HOME when set (Temurin 25 where installed)', () => {
    const java = findJava({ ...process.env, JAVA_HOME: '/usr/lib/jvm/temurin-25-jdk-amd64' });
    expect(java.command).toBe('/usr/lib/jvm/temurin-25-jdk-amd64/bin/java');
    expect(java.major).toBe(25);
  });

  it('names a JAVA_HOME that does not exist and says how to fix it', () => {
    const err = catchPdm(() => findJava({ ...process.env, JAVA_HOME: '/nonexistent/jdk-17' }));
    expect(err.code).toBe('PDM_ERR_ENV_JAVA');
    expect(err.message).toContain('JAVA_HOME=/nonexistent/jdk-17');
    expect(err.message).toContain('not found');
    expect(err.message).toMatch(/install a Java 17\+/);
  });

  it('says which Java it found when it is too old', () => {
    // No Java 8 on this machine: a `java` that answers -version the way Java 8 does.
    const home = mkdtempSync(join(tmpdir(), 'pdm-old-java-'));
    mkdirSync(join(home, 'bin'));
    const exe = join(home, 'bin', 'java');
    writeFileSync(
      exe,
      "#!/bin/sh\necho 'openjdk version \"1.8.0_392\"' >&2\necho 'OpenJDK Runtime Environment (build 1.8.0_392-b08)' >&2\n",
    );
    chmodSync(exe, 0o755);
    const err = catchPdm(() => findJava({ ...process.env, JAVA_HOME: home }));
    expect(err.code).toBe('PDM_ERR_ENV_JAVA');
    expect(err.message).toContain('Java 8 found');
    expect(err.message).toContain(home);
    expect(err.message).toContain('1.8.0_392');
  });

  it('reports a java that is not an executable', () => {
    const home = mkdtempSync(join(tmpdir(), 'pdm-bad-java-'));
    mkdirSync(join(home, 'bin'));
    writeFileSync(join(home, 'bin', 'java'), 'not a program');
    const err = catchPdm(() => findJava({ ...process.env, JAVA_HOME: home }));
    expect(err.code).toBe('PDM_ERR_ENV_JAVA');
    expect(err.message).toContain(`JAVA_HOME=${home}`);
  });
});
