/**
 * The collector against the simulator's machine servers, one security policy at a time (issue 12
 * part 5) and the insecure settings (issue 15), all in one collector run as in a plant:
 *
 * - a server offering only Aes256_Sha256_RsaPss, only Basic256Sha256, only Aes128_Sha256_RsaOaep,
 *   each collected with that policy configured: blocks reach Kafka, /health names the policy;
 * - a server offering all three (the simulator's default), no policy configured: the strongest,
 *   Aes256_Sha256_RsaPss, is used; a policy the server does not offer stops that machine with
 *   what it offers instead;
 * - the same server reached as opc.tcp://127.0.0.1 while its certificate names localhost: collected,
 *   with the mismatch reported (what the certificate says, what the URL says, what to do);
 * - security mode None without allowInsecure: that machine stops with an error naming it and the
 *   field; None and anonymous with allowInsecure: true is collected, with the warning in its
 *   /health risks.
 * The other machines flow throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../../ingest/collector/collector.ts';
import type { SecurityModeName, SecurityPolicyName } from '../../../ingest/opcua/security.ts';
import type { MachineServer } from '../../../ingest/simulator/opcua/machine-server.ts';
import {
  AUTH,
  collectorConfig,
  OPCUA_ENV,
  RecordingSource,
  readTopic,
  sineSource,
  startMachine,
  tempDir,
} from '../../../tools/harness/collector-plant.ts';
import { until } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

interface Served {
  id: string;
  server: MachineServer;
  source: RecordingSource;
}

describe('collector security: each policy, the strongest by default, certificate mismatch, allowInsecure', () => {
  const services = testServices();
  const prefix = `sp${Date.now().toString(36)}_`;
  const dir = tempDir('security-policies');
  const served: Served[] = [];
  let collector: Collector;
  let health: ReturnType<Collector['health']>;

  async function serve(id: string, mode: SecurityModeName, policies?: SecurityPolicyName[], allowAnonymous = false): Promise<Served> {
    const machine = await startMachine(dir, id, {
      source: new RecordingSource(sineSource(served.length + 1)),
      security: { mode, ...(policies ? { policies } : {}), allowAnonymous },
    });
    const s = { id, server: machine.server, source: machine.source };
    served.push(s);
    return s;
  }

  const byId = (id: string) => collector.stats.find((s) => s.machine === id)!;
  const healthOf = (id: string) => health.machines.find((m) => m.machine === id)!;

  beforeAll(async () => {
    const rsaPss = await serve('only-rsapss', 'SignAndEncrypt', ['Aes256_Sha256_RsaPss']);
    const basic = await serve('only-basic256sha256', 'SignAndEncrypt', ['Basic256Sha256']);
    const aes128 = await serve('only-aes128', 'SignAndEncrypt', ['Aes128_Sha256_RsaOaep']);
    const all = await serve('all-three', 'SignAndEncrypt');
    const byIp = await serve('by-ip', 'SignAndEncrypt');
    const notOffered = await serve('not-offered', 'SignAndEncrypt', ['Basic256Sha256']);
    const plain = await serve('plain-refused', 'None');
    // node-opcua offers no user name token without message security: a None server is anonymous.
    const plainAllowed = await serve('plain-allowed', 'None', undefined, true);
    // A None server with users only: node-opcua offers no user name token there.
    const plainUser = await serve('plain-user', 'None');
    const entry = (s: Served, extra: Record<string, unknown> = {}) => ({ id: s.id, endpoint: s.server.endpointUrl, auth: AUTH, ...extra });
    const config = collectorConfig(dir, prefix, [
      entry(rsaPss, { security: { policy: 'Aes256_Sha256_RsaPss' } }),
      entry(basic, { security: { policy: 'Basic256Sha256' } }),
      entry(aes128, { security: { policy: 'Aes128_Sha256_RsaOaep' } }),
      entry(all),
      // The same kind of server, reached by an address its certificate does not name.
      entry(byIp, { endpoint: byIp.server.endpointUrl.replace('//localhost:', '//127.0.0.1:') }),
      entry(notOffered, { security: { policy: 'Aes256_Sha256_RsaPss' } }),
      entry(plain, { security: { mode: 'None' } }),
      entry(plainAllowed, { security: { mode: 'None' }, auth: { anonymous: true }, allowInsecure: true }),
      entry(plainUser, { security: { mode: 'None' }, allowInsecure: true }),
    ]);
    collector = new Collector(config, { brokers: services.kafkaBrokers, env: { ...process.env, ...OPCUA_ENV } });
    await collector.start();
    const flowing = ['only-rsapss', 'only-basic256sha256', 'only-aes128', 'all-three', 'by-ip', 'plain-allowed'];
    await until(
      () =>
        ['not-offered', 'plain-refused', 'plain-user'].every((id) => byId(id).state === 'failed') &&
        flowing.every((id) => byId(id).blocksOut >= 20),
      90_000,
      'the three refused machines to fail and the others to deliver 20 blocks each',
    ).catch((err: unknown) => {
      const states = collector.stats.map((s) => `${s.machine}: ${s.state} out ${s.blocksOut} ${s.error ?? ''}`).join('\n');
      throw new Error(`${(err as Error).message}\n${states}`);
    });
    health = collector.health();
    await collector.stop();
  });

  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await Promise.all(served.map((s) => s.server.stop().catch(() => undefined)));
  });

  it('collects with each policy, and /health says which', async () => {
    for (const [id, policy] of [
      ['only-rsapss', 'Aes256_Sha256_RsaPss'],
      ['only-basic256sha256', 'Basic256Sha256'],
      ['only-aes128', 'Aes128_Sha256_RsaOaep'],
    ]) {
      expect(healthOf(id).state, id).toBe('connected');
      expect(healthOf(id).security, id).toBe(`SignAndEncrypt/${policy}`);
      expect(byId(id).gaps, id).toBe(0);
      expect(byId(id).blocksOut, id).toBe(byId(id).blocksIn - byId(id).duplicates);
    }
    // What was delivered is in Kafka, for every machine that flowed.
    const frames = await readTopic(services.kafkaBrokers, `${prefix}pdm.vibration.v1`);
    const perMachine = new Map<string, number>();
    for (const f of frames) perMachine.set(f.key, (perMachine.get(f.key) ?? 0) + 1);
    for (const id of ['only-rsapss', 'only-basic256sha256', 'only-aes128', 'all-three', 'by-ip', 'plain-allowed'])
      expect(perMachine.get(id) ?? 0, id).toBe(byId(id).blocksOut);
  });

  it('takes the strongest policy a server offers when none is configured', () => {
    expect(healthOf('all-three').state).toBe('connected');
    expect(healthOf('all-three').security).toBe('SignAndEncrypt/Aes256_Sha256_RsaPss');
    expect(healthOf('all-three').risks).toEqual([]);
  });

  it('stops a machine whose configured policy the server does not offer, saying what it offers', () => {
    expect(healthOf('not-offered').state).toBe('failed');
    expect(healthOf('not-offered').error).toMatch(
      /^PDM_ERR_OPCUA_SECURITY: machine not-offered \(opc\.tcp:\/\/[^)]+\): the server does not offer SignAndEncrypt\/Aes256_Sha256_RsaPss \(it offers SignAndEncrypt\/Basic256Sha256\); set security\.policy/,
    );
    expect(byId('not-offered').blocksIn).toBe(0);
  });

  it('reports a certificate that does not name the host of the endpoint URL: both sides and the fix, and collects on', () => {
    const m = healthOf('by-ip');
    expect(m.state).toBe('connected');
    expect(m.risks).toHaveLength(1);
    expect(m.risks[0]).toMatch(/^certificate mismatch: the server's certificate is issued for "localhost", /);
    expect(m.risks[0]).toMatch(/but the endpoint URL opc\.tcp:\/\/127\.0\.0\.1:\d+\/pdm\/by-ip names IP address "127\.0\.0\.1"/);
    expect(m.risks[0]).toContain('connect with a name the certificate lists, or reissue the server\'s certificate with "127.0.0.1"');
  });

  it('refuses security mode None without allowInsecure on that machine, naming the machine and the field', () => {
    const m = healthOf('plain-refused');
    expect(m.state).toBe('failed');
    expect(m.error).toMatch(
      /^PDM_ERR_CONFIG_INVALID: machines\[6\] plain-refused \(opc\.tcp:\/\/localhost:\d+\/pdm\/plain-refused\): security\.mode None \(messages neither signed nor encrypted\) refused: set machines\[6\]\.allowInsecure: true/,
    );
    expect(byId('plain-refused').blocksIn).toBe(0);
    expect(health.status).toBe('degraded');
  });

  it('stops, without retrying for ever, a machine whose server offers no user name token on its None endpoint', () => {
    const m = healthOf('plain-user');
    expect(m.state).toBe('failed');
    expect(m.error).toMatch(
      /^PDM_ERR_OPCUA_SECURITY: machine plain-user \(opc\.tcp:\/\/[^)]+\): the server offers no user name token on its None endpoint .*use security\.mode SignAndEncrypt/,
    );
    expect(byId('plain-user').reconnects).toBe(0);
  });

  it('collects a None machine that sets allowInsecure, with the warning in its /health risks', () => {
    const m = healthOf('plain-allowed');
    expect(m.state).toBe('connected');
    expect(m.security).toBe('None');
    expect(m.risks).toEqual([
      'insecure connection allowed by allowInsecure: security.mode None (messages neither signed nor encrypted) and auth anonymous (no user token)',
    ]);
  });
});
