/**
 * docker-compose.yml cannot run here (no Docker engine), so we check what can be checked without
 * one: it parses; every service it depends on exists; every bind-mounted path, build context,
 * Dockerfile and the files a Dockerfile copies exist in the repo; published ports do not
 * collide; every required secret is documented in .env.example and none has a default; each app
 * service runs a real `pdm` subcommand whose config files exist and validate; Kafka is SASL_SSL
 * with the local launcher's settings, and each component reaches it as its own user.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { withFleetMachines } from '../../../cli/io/fleet-models.ts';
import { COMMANDS } from '../../../cli/main.ts';
import { loadConfigFile } from '../../../common/config.ts';
import { kafkaSecurityFromEnv } from '../../../common/kafka.ts';
import { componentAcls } from '../../../common/kafka-acls.ts';
import { saslSslServerProperties } from '../../../deploy/local/kafka-security.ts';
import { QUESTDB_IDLE_SETTINGS } from '../../../deploy/local/questdb.ts';
import { CollectorConfigSpec } from '../../../ingest/collector/collector-config.ts';
import { loadFleet } from '../../../ingest/simulator/fleet-config.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';

const root = resolve(import.meta.dirname, '../../..');
const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  depends_on?: Record<string, { condition: string }> | string[];
  volumes?: string[];
  ports?: string[];
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
}
const compose = parse(text, { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('has the stack the README promises', () => {
    for (const name of ['kafka-pki', 'kafka', 'kafka-acls', 'questdb', 'grafana', 'pki', 'simulator', 'collector', 'processor'])
      expect(services, name).toHaveProperty(name);
  });

  it('depends only on services that exist, with valid conditions', () => {
    for (const [name, s] of Object.entries(services)) {
      const deps = Array.isArray(s.depends_on)
        ? Object.fromEntries(s.depends_on.map((d) => [d, { condition: 'service_started' }]))
        : (s.depends_on ?? {});
      for (const [dep, spec] of Object.entries(deps)) {
        expect(services, `${name} depends on ${dep}`).toHaveProperty(dep);
        expect(['service_started', 'service_healthy', 'service_completed_successfully']).toContain(spec.condition);
        if (spec.condition === 'service_healthy')
          expect((services[dep] as { healthcheck?: unknown }).healthcheck, `${dep} needs a healthcheck`).toBeDefined();
      }
    }
  });

  it('mounts only paths that exist in the repo, and named volumes that are declared', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of s.volumes ?? []) {
        const source = v.split(':')[0];
        if (source.startsWith('./') || source.startsWith('/'))
          expect(existsSync(join(root, source)), `${name} mounts ${source}`).toBe(true);
        else expect(compose.volumes, `${name} uses volume ${source}`).toHaveProperty(source);
      }
    }
  });

  it('builds from contexts and Dockerfiles that exist, copying files that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.build) continue;
      const context = join(root, s.build.context);
      const dockerfile = join(context, s.build.dockerfile ?? 'Dockerfile');
      expect(existsSync(dockerfile), `${name}: ${dockerfile}`).toBe(true);
      for (const line of readFileSync(dockerfile, 'utf8').split('\n')) {
        const m = /^COPY (?!--from)(.+) \S+$/.exec(line.trim());
        if (!m) continue;
        for (const src of m[1].split(/\s+/)) expect(existsSync(join(context, src)), `${name}: COPY ${src}`).toBe(true);
      }
    }
  });

  it('publishes no host port twice', () => {
    const seen = new Map<string, string>();
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) {
        const parts = p.split(':');
        const hostPort = parts.length === 3 ? `${parts[0]}:${parts[1]}` : parts[0];
        expect(seen.get(hostPort), `${name} and ${seen.get(hostPort)} both publish ${hostPort}`).toBeUndefined();
        seen.set(hostPort, name);
      }
    }
  });

  it('requires every secret from .env, with no default, and documents it in .env.example', () => {
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const vars = [...text.matchAll(/\$\{([A-Z0-9_]+)(:?[-?])?([^}]*)\}/g)];
    expect(vars.length).toBeGreaterThan(0);
    for (const [, name, op] of vars) {
      expect(example, `${name} in .env.example`).toMatch(new RegExp(`^${name}=`, 'm'));
      if (/PASSWORD|SECRET|TOKEN/.test(name)) expect(op, `${name} must be required (:?)`).toBe(':?');
    }
    expect(example).not.toMatch(/PASSWORD=\S/); // the example ships no password
  });

  it('QuestDB: ILP over TCP and UDP off (no password there), the read-only default user off, HTTP and PG with the password', () => {
    const env = services.questdb.environment ?? {};
    expect(env['QDB_LINE_TCP_ENABLED']).toBe('false');
    expect(env['QDB_LINE_UDP_ENABLED']).toBe('false');
    expect(env['QDB_PG_READONLY_USER_ENABLED']).toBe('false');
    for (const v of ['QDB_HTTP_USER', 'QDB_HTTP_PASSWORD', 'QDB_PG_USER', 'QDB_PG_PASSWORD']) expect(env[v], v).toMatch(/^\$\{[A-Z_]+:\?/);
    expect((services.questdb.ports ?? []).some((p) => /:9009$/.test(p))).toBe(false);
  });

  it("QuestDB: the local launcher's worker settings (sleep when idle instead of spinning), as QDB_ variables", () => {
    const env = services.questdb.environment ?? {};
    expect(QUESTDB_IDLE_SETTINGS.length).toBeGreaterThan(0);
    for (const setting of QUESTDB_IDLE_SETTINGS) {
      const [key, value] = setting.split('=');
      // QuestDB's environment names: QDB_, upper case, dots as underscores
      expect(env[`QDB_${key.toUpperCase().replaceAll('.', '_')}`], key).toBe(value);
    }
  });

  it('publishes ports on the host loopback only, and every listener that must be reached from another container says so', () => {
    for (const [name, s] of Object.entries(services))
      for (const p of s.ports ?? []) expect(p, `${name} publishes ${p}`).toMatch(/^127\.0\.0\.1:/);
    // The simulator and the metrics endpoints listen on 127.0.0.1 unless told: in a container
    // that would be unreachable, so compose tells them explicitly.
    const sim = services.simulator.command ?? [];
    expect(sim[sim.indexOf('--bind') + 1]).toBe('0.0.0.0');
    for (const name of ['collector', 'processor']) {
      const args = services[name].command ?? [];
      const file = join(root, args[args.indexOf('--config') + 1]);
      const metrics = (parse(readFileSync(file, 'utf8')) as { metrics?: { host?: string } }).metrics;
      expect(metrics?.host, `${name}: metrics.host in ${file}`).toBe('0.0.0.0');
    }
  });

  it('runs real pdm subcommands whose config files exist and validate', () => {
    for (const [name, s] of Object.entries(services)) {
      if (s.image !== 'pdm-factory:local') continue;
      const [sub, ...args] = s.command ?? [];
      expect(COMMANDS, `${name} runs pdm ${sub}`).toHaveProperty(sub);
      const arg = (flag: string) => args[args.indexOf(flag) + 1];
      if (args.includes('--fleet')) {
        const fleet = loadFleet(join(root, arg('--fleet')));
        expect(fleet.rejected, `${name}: fleet rejects nothing`).toEqual([]);
      }
      if (sub === 'collect') {
        const cfg = loadConfigFile(CollectorConfigSpec, join(root, arg('--config')));
        const fleet = loadFleet(join(root, 'deploy/config/fleet.yaml'));
        // The collector collects every machine the simulator serves, at the port the fleet gives it.
        expect(cfg.machines.map((m) => m.endpoint).sort()).toEqual(
          fleet.machines.map((m) => `opc.tcp://simulator:${m.opcua.port}/pdm/${m.id}`).sort(),
        );
      }
      if (sub === 'process') {
        const cfg = loadConfigFile(ProcessorConfigSpec, join(root, arg('--config')));
        // The processor models every simulated machine with its bearings, and keeps its model
        // state on a volume.
        expect(args, `${name} reads the fleet's bearings`).toContain('--fleet');
        expect(withFleetMachines(cfg, join(root, arg('--fleet')))).toEqual([]);
        const fleet = loadFleet(join(root, arg('--fleet')));
        for (const m of fleet.machines)
          expect(cfg.machines[m.id]?.bearings, `${name}: ${m.id} bearings`).toEqual({ DE: m.bearings.DE, NDE: m.bearings.NDE });
        expect(
          (s.volumes ?? []).some((v) => cfg.health.stateDir.startsWith(v.split(':')[1])),
          `${name}: ${cfg.health.stateDir} on a volume`,
        ).toBe(true);
      }
    }
  });

  describe('Kafka security', () => {
    const script = readFileSync(join(root, 'deploy/docker/kafka-start.sh'), 'utf8');
    const props = (lines: string[]) =>
      new Map(lines.filter((l) => /^[a-z]/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const composeProps = props(script.split('\n'));
    const secrets = {
      storePassword: 's',
      users: Object.fromEntries(['admin', 'collector', 'processor', 'simulator'].map((u) => [u, { username: u, password: 'p' }])),
    } as Parameters<typeof saslSslServerProperties>[1];
    const launcherProps = props(
      saslSslServerProperties({ dir: '/x', caCert: '/x/ca.crt', caStore: '', brokerStore: '', usersFile: '' }, secrets, {
        broker: 1,
        controller: 2,
      }),
    );
    // Kafka components (app image) and the Kafka user each one is.
    const USERS: Record<string, string> = { 'kafka-acls': 'admin', simulator: 'simulator', collector: 'collector', processor: 'processor' };

    it('the broker has only SASL_SSL for clients, the authorizer denying by default, as the local launcher does', () => {
      expect(services.kafka.entrypoint).toEqual(['/bin/sh', '/scripts/kafka-start.sh']);
      for (const key of [
        'listener.security.protocol.map',
        'inter.broker.listener.name',
        'sasl.enabled.mechanisms',
        'sasl.mechanism.inter.broker.protocol',
        'listener.name.controller.sasl.enabled.mechanisms',
        'sasl.mechanism.controller.protocol',
        'ssl.keystore.type',
        'ssl.truststore.type',
        'ssl.client.auth',
        'ssl.enabled.protocols',
        'authorizer.class.name',
        'super.users',
        'allow.everyone.if.no.acl.found',
      ])
        expect(composeProps.get(key), key).toBe(launcherProps.get(key));
      expect(composeProps.get('listeners')).toBe('SASL_SSL://:9092,CONTROLLER://127.0.0.1:9093');
      expect(composeProps.get('advertised.listeners')).toBe('SASL_SSL://kafka:9092');
      // Every user the ACLs name is created at format time, with its password from .env.
      for (const u of ['admin', 'collector', 'processor', 'simulator'])
        expect(script).toContain(`SCRAM-SHA-512=[name=${u},password=$KAFKA_${u.toUpperCase()}_PASSWORD]`);
      // The broker certificate names the host the clients connect to.
      expect(readFileSync(join(root, 'deploy/docker/kafka-pki.sh'), 'utf8')).toMatch(/SAN=dns:kafka[,\s]/);
    });

    it('each component connects with TLS and its own user, after the ACLs exist', () => {
      for (const [name, user] of Object.entries(USERS)) {
        const s = services[name];
        const env = { ...(s.environment ?? {}) } as Record<string, string>;
        expect(env['PDM_KAFKA_BROKERS'], name).toBe('kafka:9092');
        expect(env['PDM_KAFKA_USERNAME'], name).toBe(user);
        expect(env['PDM_KAFKA_PASSWORD'], name).toBe(
          `\${KAFKA_${user.toUpperCase()}_PASSWORD:?set KAFKA_${user.toUpperCase()}_PASSWORD in .env}`,
        );
        const caFile = env['PDM_KAFKA_CA_FILE'] ?? '';
        expect(kafkaSecurityFromEnv(env), name).toMatchObject({ protocol: 'sasl_ssl', caFile });
        expect(s.volumes ?? [], `${name} mounts the CA`).toContain(`kafka-pki:${caFile.slice(0, caFile.lastIndexOf('/'))}:ro`);
        const deps = s.depends_on as Record<string, { condition: string }>;
        if (name === 'kafka-acls') expect(deps['kafka']?.condition).toBe('service_healthy');
        else expect(deps['kafka-acls']?.condition, `${name} waits for the ACLs`).toBe('service_completed_successfully');
        const args = s.command ?? [];
        if (args.includes('--config')) {
          const raw = parse(readFileSync(join(root, args[args.indexOf('--config') + 1]), 'utf8')) as { kafka?: { security?: unknown } };
          expect(raw.kafka?.security, `${name}: kafka.security in its config`).toEqual({
            protocol: 'sasl_ssl',
            caFile,
            usernameEnv: 'PDM_KAFKA_USERNAME',
            passwordEnv: 'PDM_KAFKA_PASSWORD',
          });
        }
      }
      // Each component's user is one the ACLs name (the admin user needs none).
      const principals = new Set(componentAcls().map((a) => a.principal));
      for (const user of Object.values(USERS)) if (user !== 'admin') expect(principals, user).toContain(`User:${user}`);
    });
  });
});
