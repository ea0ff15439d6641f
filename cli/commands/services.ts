/**
 * `pdm services fetch|up|down|status`: the local Kafka and QuestDB (deploy/local/).
 */

import { resolve } from 'node:path';
import { PdmError } from '../../common/errors.ts';
import { credentialsFile, servicesStatus, stopRecorded } from '../../deploy/local/control.ts';
import { printableQuestdb } from '../../deploy/local/endpoints.ts';
import { KAFKA_SECURITY_MODES } from '../../deploy/local/kafka-security.ts';
import { fetchArtifacts } from '../../deploy/local/maven.ts';
import { defaultServicesDir, jarCacheDir } from '../../deploy/local/paths.ts';
import type { Profile } from '../../deploy/local/profiles.ts';
import { endpointsFromEnv, ensureServices, type RunningServices } from '../../deploy/local/services.ts';
import { tailFile } from '../../deploy/local/supervisor.ts';
import { KAFKA_ARTIFACTS, QUESTDB_ARTIFACTS } from '../../deploy/local/versions.ts';
import { type CommandLineOf, choice, command, commandSpec, flag, text } from '../command-line.ts';

const HELP = `Usage: pdm services <fetch|up|down|status> [options]

  fetch    download the Kafka and QuestDB jars with Maven into the cache (PDM_CACHE_DIR,
           default <repo>/.cache/jars); later runs reuse them
  up       start Kafka and QuestDB and print their endpoints. Runs in the foreground: Ctrl-C
           stops both. With --detach it returns once they are healthy and leaves them running
           (pid records in <data-dir>/services.json) until 'pdm services down'.
           Services named by PDM_KAFKA_BROKERS / PDM_QUESTDB_HTTP / PDM_QUESTDB_PG are not started.
  down     stop the services that 'up' started from the data directory
  status   say what runs from the data directory, where, and whether it answers

Options:
  --profile dev|test   ports and directory: dev = 9092/9093, 9000/8812/9003 in <repo>/.pdm/services;
                       test = 19092/19093, 19000/18812/19003 in <repo>/.pdm/test-services (wiped at start)
  --data-dir DIR       services directory (default per profile; PDM_SERVICES_DIR for dev)
  --kafka-security plaintext|sasl_ssl
                       (up) plaintext (default): no TLS, no users, loopback only. sasl_ssl: TLS
                       with a CA of the directory, SCRAM-SHA-512 users admin, collector,
                       processor, simulator (random passwords in a 0600 file, printed as its
                       path) and ACLs per component; a directory is secured from its first start
  --detach             (up) leave the services running after this command returns
  --json               (up, status) print JSON instead of text
  -h, --help           this text

Environment: PDM_SERVICES_PORT_OFFSET=<n> adds n to every port; JAVA_HOME picks the Java (17+);
PDM_MAVEN the Maven executable. Details: deploy/local/README.md.
`;

function out(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

function progress(line: string): void {
  process.stderr.write(`pdm services: ${line}\n`);
}

const ENV_PASSWORD = 'the environment (PDM_QUESTDB_PASSWORD)';

/**
 * What `up` prints: every endpoint and the variables another process needs, but never the QuestDB
 * password — where it is instead (the services directory's credentials file, or the environment
 * it came from), and a shell line that reads it from there.
 */
export function upReport(
  services: Pick<RunningServices, 'endpoints' | 'started' | 'dataDir' | 'kafkaSecurity'>,
  json: boolean,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  const fromEnv = endpointsFromEnv(env).questdb !== undefined;
  const file = !fromEnv && services.dataDir ? resolve(credentialsFile(services.dataDir)) : undefined;
  const passwordAt = file ?? ENV_PASSWORD;
  const { kafkaBrokers, ...questdb } = services.endpoints;
  const e = { kafkaBrokers, ...printableQuestdb(questdb, passwordAt) };
  const hasPassword = services.endpoints.questdbPassword !== undefined;
  if (json)
    return [
      JSON.stringify({
        ...e,
        ...(hasPassword ? { questdbPasswordAt: passwordAt, ...(file ? { questdbCredentialsFile: file } : {}) } : {}),
        // The same shell lines as the text output: a script can eval them without parsing the rest.
        exports: exportLines(services.endpoints, file),
        started: services.started,
        dataDir: services.dataDir,
        ...(services.kafkaSecurity ? { kafkaSecurity: services.kafkaSecurity } : {}),
      }),
    ];
  const lines = [
    `Kafka brokers:   ${e.kafkaBrokers.join(',')}${services.started.kafka ? '' : ' (already running)'}`,
    `QuestDB HTTP:    ${e.questdbHttp}${services.started.questdb ? '' : ' (already running)'}${e.questdbUser ? `  (basic auth user ${e.questdbUser}, password in ${passwordAt})` : ''}`,
    `QuestDB PG wire: ${e.questdbPg}`,
    `QuestDB ILP:     ${e.questdbIlpConfig}`,
  ];
  const ks = services.kafkaSecurity;
  if (ks)
    lines.push(
      `Kafka security:  SASL_SSL, SCRAM-SHA-512; CA ${resolve(ks.caFile)}; users admin, collector, processor, simulator, passwords in ${resolve(ks.usersFile)}`,
    );
  if (services.dataDir) lines.push(`Data and logs:   ${services.dataDir}`);
  lines.push('To point other processes at these, run these lines in their shell (or: eval "$(pdm services up --detach | grep ^export)"):');
  lines.push(...exportLines(services.endpoints, file));
  if (ks) {
    // Which user: the one of the component being started (collector here; processor or simulator likewise).
    lines.push(
      'export PDM_KAFKA_SECURITY_PROTOCOL=sasl_ssl',
      `export PDM_KAFKA_CA_FILE=${JSON.stringify(resolve(ks.caFile))}`,
      'export PDM_KAFKA_USERNAME=collector',
      `export PDM_KAFKA_PASSWORD="$(node -p 'require(process.argv[1]).users.collector.password' ${JSON.stringify(resolve(ks.usersFile))})"`,
      '(for the processor or the simulator, put its name in PDM_KAFKA_USERNAME and in the users.<name> of the password)',
    );
  }
  return lines;
}

/**
 * One `export` line per variable another process reads (common/endpoints.ts: the processor,
 * `pdm history`, the simulator's truth recorder; deploy/local/endpoints.ts: `pdm start` and the
 * tests' set-up using services that already run): the Kafka brokers, QuestDB's HTTP and PG
 * addresses (the PG URL without user info: the user and password have their own variables) and
 * its user, and the password as a shell expression that reads it from its file (or from the
 * variable it came from), so the lines can be pasted or eval'd and still print no secret.
 * PDM_QUESTDB_ILP is left out on purpose: every reader derives it from the HTTP address, the user
 * and the password, and an exported one without the password would take precedence and fail.
 */
export function exportLines(endpoints: RunningServices['endpoints'], credentialsFile: string | undefined): string[] {
  const pg = new URL(endpoints.questdbPg);
  pg.username = '';
  pg.password = '';
  const lines = [
    `export PDM_KAFKA_BROKERS=${shellWord(endpoints.kafkaBrokers.join(','))}`,
    `export PDM_QUESTDB_HTTP=${shellWord(endpoints.questdbHttp)}`,
    `export PDM_QUESTDB_PG=${shellWord(pg.toString())}`,
  ];
  if (endpoints.questdbUser !== undefined && endpoints.questdbPassword !== undefined) {
    lines.push(`export PDM_QUESTDB_USER=${shellWord(endpoints.questdbUser)}`);
    lines.push(
      credentialsFile
        ? `export PDM_QUESTDB_PASSWORD="$(node -p 'require(process.argv[1]).password' ${shellWord(credentialsFile)})"`
        : 'export PDM_QUESTDB_PASSWORD="$PDM_QUESTDB_PASSWORD"',
    );
  }
  return lines;
}

/** A value as one shell word: bare when it holds only safe characters, else single-quoted. */
function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`;
}

const SPEC = commandSpec({
  name: 'services',
  help: HELP,
  // --detach and --json are read only by some actions, but accepted by all (as they always were).
  options: {
    profile: choice(['dev', 'test']).default('dev'),
    'data-dir': text(),
    'kafka-security': choice(KAFKA_SECURITY_MODES).default('plaintext'),
    detach: flag(),
    json: flag(),
  },
  subcommands: { fetch: {}, up: {}, down: {}, status: {} },
});

export const run = command(SPEC, servicesCommand);

async function servicesCommand({ subcommand: action, values }: CommandLineOf<typeof SPEC>): Promise<number> {
  const profile: Profile = values.profile;
  const dataDir = values['data-dir'] !== undefined ? resolve(values['data-dir']) : undefined;
  const dir = dataDir ?? defaultServicesDir(profile);

  switch (action) {
    case 'fetch': {
      const cacheDir = jarCacheDir();
      for (const set of [KAFKA_ARTIFACTS, QUESTDB_ARTIFACTS])
        out(`${set.label}: ${await fetchArtifacts(set, { cacheDir, onProgress: progress })}`);
      return 0;
    }
    case 'up': {
      const abort = new AbortController();
      const onSignal = () => abort.abort(new PdmError('PDM_ERR_SERVICE_START', 'interrupted while starting'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let services;
      try {
        services = await ensureServices({
          profile,
          dataDir,
          onProgress: progress,
          signal: abort.signal,
          detach: values.detach,
          kafkaSecurity: values['kafka-security'],
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      for (const line of upReport(services, values.json)) out(line);
      if (values.detach || (!services.started.kafka && !services.started.questdb)) {
        if (values.detach)
          out(
            `Left running; stop with: pdm services down${dataDir ? ` --data-dir ${dataDir}` : ''}${profile === 'test' ? ' --profile test' : ''}`,
          );
        return 0;
      }
      progress('running; press Ctrl-C to stop');
      // The JVMs are unref'd children and signal handlers do not hold the event loop: this does.
      const keepAlive = setInterval(() => {}, 1 << 30);
      const died = await Promise.race([
        new Promise<undefined>((res) => {
          process.once('SIGINT', () => res(undefined));
          process.once('SIGTERM', () => res(undefined));
        }),
        services.unexpectedExit,
      ]);
      clearInterval(keepAlive);
      if (died)
        progress(
          `${died.service} exited unexpectedly (exit ${died.code ?? died.signal}); its log: ${died.logFile}\n${tailFile(died.logFile, 15)}`,
        );
      await services.stop();
      return died ? 1 : 0;
    }
    case 'down': {
      const stopped = await stopRecorded(dir, progress);
      out(stopped.length > 0 ? `stopped ${stopped.join(' and ')} (${dir})` : `nothing recorded as running in ${dir}`);
      return 0;
    }
    case 'status': {
      const statuses = await servicesStatus(dir);
      const env = endpointsFromEnv();
      if (values.json) {
        const external = { ...env, ...(env.questdb ? { questdb: printableQuestdb(env.questdb, ENV_PASSWORD) } : {}) };
        out(JSON.stringify({ dataDir: dir, services: statuses, external }));
      } else {
        if (env.kafkaBrokers) out(`kafka    external (PDM_KAFKA_BROKERS): ${env.kafkaBrokers.join(',')}`);
        if (env.questdb) out(`questdb  external (PDM_QUESTDB_*): ${env.questdb.questdbHttp}`);
        if (statuses.length === 0) out(`nothing recorded as running in ${dir}`);
        for (const s of statuses) {
          const state = !s.running ? 'not running (stale record)' : s.healthy ? 'running, healthy' : 'running, NOT answering';
          out(
            `${s.name.padEnd(8)} ${state}  pid ${s.pid}  ${s.address}  log ${s.logFile}  (${s.detached ? 'detached' : `owned by pid ${s.launcherPid}`})`,
          );
        }
      }
      return statuses.length > 0 && statuses.every((s) => s.running && s.healthy) ? 0 : 1;
    }
  }
  return 2;
}
