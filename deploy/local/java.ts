/**
 * Find a Java runtime for Kafka and QuestDB: `$JAVA_HOME/bin/java` when JAVA_HOME is set (so a
 * user can point at another JDK without touching PATH), else `java` on PATH. Both need Java 17+.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { PdmError } from '../../common/errors.ts';
import { MIN_JAVA_MAJOR } from './versions.ts';

export interface JavaRuntime {
  /** Executable to spawn. */
  command: string;
  /** Major version (8, 11, 17, 21, 25...). */
  major: number;
  /** The full version line Java printed, for messages. */
  versionLine: string;
}

const INSTALL_HINT =
  `install a Java ${MIN_JAVA_MAJOR}+ runtime (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; macOS: brew install openjdk@17) ` +
  'and put it on PATH, or set JAVA_HOME to its directory';

/** Major version from `java -version` output (`openjdk version "17.0.15"`, `"1.8.0_392"`, `"25"`). */
export function parseJavaMajor(versionOutput: string): number | undefined {
  const m = /version "(\d+)(?:\.(\d+))?[^"]*"/.exec(versionOutput);
  if (!m) return undefined;
  const first = Number(m[1]);
  return first === 1 && m[2] !== undefined ? Number(m[2]) : first;
}

export function findJava(env: NodeJS.ProcessEnv = process.env): JavaRuntime {
  const javaHome = env['JAVA_HOME'];
  const command = javaHome ? join(javaHome, 'bin', 'java') : 'java';
  const where = javaHome ? `JAVA_HOME=${javaHome} (${command})` : '`java` on PATH';
  const res = spawnSync(command, ['-version'], { encoding: 'utf8', env, timeout: 30_000 });
  if (res.error) {
    const code = (res.error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : `cannot be run (${res.error.message})`;
    throw new PdmError('PDM_ERR_ENV_JAVA', `Java ${why}: looked for ${where}; ${INSTALL_HINT}`, { command, javaHome });
  }
  const output = `${res.stderr}${res.stdout}`;
  const versionLine = output.split('\n').find((l) => l.includes('version')) ?? output.trim();
  const major = parseJavaMajor(output);
  if (res.status !== 0 || major === undefined) {
    throw new PdmError(
      'PDM_ERR_ENV_JAVA',
      `cannot tell the Java version of ${where}: \`java -version\` said ${JSON.stringify(output.trim().slice(0, 300))}; ${INSTALL_HINT}`,
      { command },
    );
  }
  if (major < MIN_JAVA_MAJOR) {
    throw new PdmError(
      'PDM_ERR_ENV_JAVA',
      `Java ${major} found at ${where} (${versionLine.trim()}), but Kafka 4 and QuestDB 9 need Java ${MIN_JAVA_MAJOR} or later; ${INSTALL_HINT}`,
      { command, major },
    );
  }
  return { command, major, versionLine: versionLine.trim() };
}
