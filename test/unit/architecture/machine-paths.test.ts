/**
 * No absolute path of one machine in the repository's sources and docs (issue 10, part 7): a
 * home or work directory names a place on the machine where the line was written and nowhere
 * else. The shared recordings are `../shared/data`, beside the repository, resolved from the
 * repository root in code (e.g. `join(ROOT, '..', 'shared', 'data')`).
 *
 * Refused: paths under /home, /root, /Users or /work (and C:\Users). System paths such as
 * /usr/lib/jvm, /dev/null, /tmp or /var/lib/grafana are not refused: they name the same thing on
 * every machine (a JDK's install location, a container's mount point) and are genuinely needed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * An absolute home or work path: the directory right after a character that cannot end a path of
 * its own (so `questdb/root/conf`, `https://example.org/home/`, `$HOME/work/x` are not absolute),
 * or after `file://`, or a Windows user folder.
 */
const MACHINE_PATH = /(?:(?<![\w.~$})/-])|(?<=file:\/\/))\/(?:home|root|Users|work)\/|\b[A-Za-z]:\\Users\\/;

/** `line N: text` for each line of `text` that names an absolute home or work path. */
function machinePaths(text: string): string[] {
  return text.split('\n').flatMap((line, i) => (MACHINE_PATH.test(line) ? [`line ${i + 1}: ${line.trim().slice(0, 160)}`] : []));
}

/** The repository's files: tracked, plus new ones not ignored (so a path is caught before it is committed). */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' });
  return [...new Set(out.split('\0').filter((f) => f !== ''))].filter((f) => existsSync(join(ROOT, f)));
}

describe('absolute paths of one machine', () => {
  it('appear in no source or doc of the repository', () => {
    const files = repositoryFiles();
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(join(ROOT, file));
      if (bytes.subarray(0, 8000).includes(0)) continue; // binary (recorded signals, images)
      for (const hit of machinePaths(bytes.toString('utf8'))) found.push(`${file} ${hit}`);
    }
    expect(found).toEqual([]);
  });

  // Built from parts, so that this file holds no such path itself.
  const abs = (...parts: string[]): string => ['', ...parts].join('/');

  it.each([
    `raw float32 as in ${abs('work', 'shared', 'data')}`,
    `const DATA = '${abs('home', 'alice', 'pdm', 'data')}';`,
    `see ${abs('Users', 'bob', 'recordings')}`,
    `cache in ${abs('root', '.cache', 'pdm')}`,
    `(${abs('work', 'main', 'x.ts')})`,
    `url = 'file://${abs('home', 'alice', 'x.f32')}'`,
    `C:${'\\'}Users${'\\'}carol${'\\'}data`,
  ])('refuses %s', (line) => {
    expect(machinePaths(line)).toHaveLength(1);
  });

  it.each([
    'raw float32 as in ../shared/data',
    "join(ROOT, '..', 'shared', 'data')",
    'questdb/root/conf/server.conf',
    'JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64',
    "logFile: '/dev/null'",
    '- grafana-data:/var/lib/grafana',
    `https://example.org${abs('home', 'index.html')}`,
    `$HOME${abs('work', 'pdm')} and \${HOME}${abs('work', 'pdm')}`,
  ])('allows %s', (line) => {
    expect(machinePaths(line)).toEqual([]);
  });
});
