/**
 * OPC UA security settings (issue 15 and issue 12 part 5), without a server: None and anonymous
 * need allowInsecure on that very machine, in a collector config and in a fleet; the collector
 * picks the strongest policy a server offers, in the documented order; and a server certificate
 * that does not name the host of the endpoint URL, or the server's application URI, is described
 * with both sides and what to do.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSecurityMode } from 'node-opcua';
import { describe, expect, it } from 'vitest';
import { CollectorConfigSpec, insecureSettings } from '../../../ingest/collector/collector-config.ts';
import { ensureOwnCertificate } from '../../../ingest/opcua/pki.ts';
import {
  certificateMismatches,
  certificateNames,
  chooseEndpoint,
  type OfferedEndpoint,
  policyUri,
  SECURITY_POLICIES,
  type SecurityPolicyName,
} from '../../../ingest/opcua/security.ts';
import { validateFleet } from '../../../ingest/simulator/fleet-config.ts';

const machine = (over: Record<string, unknown> = {}) => ({ endpoint: 'opc.tcp://press-7:4840/pdm/press-7', ...over });
const parse = (m: Record<string, unknown>) => CollectorConfigSpec.parse({ machines: [m] }).machines[0];

function fleetEntry(id: string, over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    type: 'pump',
    identification: { manufacturer: 'ACME', model: 'AP-55', serialNumber: `SN-${id}` },
    ratedPowerKw: 5.5,
    nominalSpeedRpm: 1450,
    lineFrequencyHz: 50,
    poles: 4,
    operatingModes: [{ mode: 'full', durationS: 3600, loadPct: 80 }],
    bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
    ...over,
  };
}

describe('collector config: None and anonymous need allowInsecure on the machine', () => {
  it('secure by default: SignAndEncrypt, a user from the environment, allowInsecure false, no policy (negotiated)', () => {
    const m = parse(machine());
    expect(m.security).toEqual({ mode: 'SignAndEncrypt' });
    expect(m.allowInsecure).toBe(false);
    expect(insecureSettings(m)).toEqual([]);
    expect(CollectorConfigSpec.parse({ metrics: { port: 9464 }, machines: [machine()] }).metrics?.host).toBe('127.0.0.1');
  });

  it('names mode None and anonymous auth as insecure; Sign alone is not', () => {
    expect(insecureSettings(parse(machine({ security: { mode: 'None' } })))).toEqual([
      'security.mode None (messages neither signed nor encrypted)',
    ]);
    expect(insecureSettings(parse(machine({ auth: { anonymous: true } })))).toEqual(['auth anonymous (no user token)']);
    expect(insecureSettings(parse(machine({ security: { mode: 'None' }, auth: { anonymous: true }, allowInsecure: true })))).toHaveLength(
      2,
    );
    expect(insecureSettings(parse(machine({ security: { mode: 'Sign' } })))).toEqual([]);
  });

  it('accepts each supported policy and refuses others, naming the choices', () => {
    for (const policy of SECURITY_POLICIES) expect(parse(machine({ security: { policy } })).security.policy).toBe(policy);
    const r = CollectorConfigSpec.safeParse({ machines: [machine({ security: { policy: 'Basic128Rsa15' } })] });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/Aes256_Sha256_RsaPss.*Basic256Sha256.*Aes128_Sha256_RsaOaep/);
  });
});

describe('fleet: None and anonymous need allowInsecure on the machine', () => {
  const file = join(tmpdir(), 'fleet.yaml');

  it('refuses an anonymous machine without allowInsecure, naming file, machine and field; the others run', () => {
    const fleet = validateFleet(
      {
        opcua: { basePort: 48600 },
        machines: [fleetEntry('ok-1'), fleetEntry('open-2', { opcua: { security: { allowAnonymous: true } } }), fleetEntry('ok-3')],
      },
      file,
    );
    expect(fleet.machines.map((m) => m.id)).toEqual(['ok-1', 'ok-3']);
    expect(fleet.rejected).toHaveLength(1);
    expect(fleet.rejected[0].id).toBe('open-2');
    expect(fleet.rejected[0].error.message).toBe(
      'fleet.yaml: machines[1] (machine "open-2"): opcua.security.allowAnonymous true (sessions without a user) refused: set machines[1].allowInsecure: true to accept it for this machine, or use SignAndEncrypt with users',
    );
    expect(fleet.rejected[0].error.details).toMatchObject({ field: 'allowInsecure', index: 1, id: 'open-2' });
  });

  it('an insecure fleet default is refused for every machine that does not accept it itself', () => {
    const fleet = validateFleet(
      {
        opcua: { basePort: 48600, security: { mode: 'None' } },
        machines: [fleetEntry('lab-1', { allowInsecure: true }), fleetEntry('plant-2')],
      },
      file,
    );
    expect(fleet.machines.map((m) => m.id)).toEqual(['lab-1']);
    expect(fleet.machines[0].opcua.security.mode).toBe('None');
    expect(fleet.rejected[0].error.message).toMatch(
      /machines\[1\] \(machine "plant-2"\): opcua\.security\.mode None .*allowInsecure: true/,
    );
  });

  it('servers offer all three policies by default; policy offers one, policies a list', () => {
    const fleet = validateFleet(
      {
        opcua: { basePort: 48600 },
        machines: [
          fleetEntry('all-1'),
          fleetEntry('one-2', { opcua: { security: { policy: 'Aes128_Sha256_RsaOaep' } } }),
          fleetEntry('two-3', { opcua: { security: { policies: ['Basic256Sha256', 'Aes256_Sha256_RsaPss'] } } }),
          fleetEntry('both-4', { opcua: { security: { policy: 'Basic256Sha256', policies: ['Basic256Sha256'] } } }),
        ],
      },
      file,
    );
    expect(Object.fromEntries(fleet.machines.map((m) => [m.id, m.opcua.security.policies]))).toEqual({
      'all-1': ['Aes256_Sha256_RsaPss', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep'],
      'one-2': ['Aes128_Sha256_RsaOaep'],
      'two-3': ['Basic256Sha256', 'Aes256_Sha256_RsaPss'],
    });
    expect(fleet.rejected[0].error.message).toMatch(/both-4.*give policy or policies, not both|give policy or policies, not both.*both-4/);
  });
});

describe('policy choice', () => {
  const offer = (mode: MessageSecurityMode, ...names: Array<SecurityPolicyName | 'None'>): OfferedEndpoint[] =>
    names.map((n) => ({ securityMode: mode, securityPolicyUri: policyUri(n) }));
  const SE = MessageSecurityMode.SignAndEncrypt;

  it('takes the strongest offered in the documented order: Aes256_Sha256_RsaPss > Basic256Sha256 > Aes128_Sha256_RsaOaep', () => {
    expect(SECURITY_POLICIES).toEqual(['Aes256_Sha256_RsaPss', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep']);
    const pick = (e: OfferedEndpoint[]) => {
      const c = chooseEndpoint(e, 'SignAndEncrypt');
      return c.ok ? c.policy : c.problem;
    };
    expect(pick(offer(SE, 'Aes128_Sha256_RsaOaep', 'Basic256Sha256', 'Aes256_Sha256_RsaPss'))).toBe('Aes256_Sha256_RsaPss');
    expect(pick(offer(SE, 'Aes128_Sha256_RsaOaep', 'Basic256Sha256'))).toBe('Basic256Sha256');
    expect(pick(offer(SE, 'None', 'Aes128_Sha256_RsaOaep'))).toBe('Aes128_Sha256_RsaOaep');
    // The strongest policy in another mode does not count.
    expect(pick([...offer(MessageSecurityMode.Sign, 'Aes256_Sha256_RsaPss'), ...offer(SE, 'Basic256Sha256')])).toBe('Basic256Sha256');
  });

  it('says what the server offers when the wanted policy or any supported one is missing', () => {
    const wanted = chooseEndpoint(offer(SE, 'Basic256Sha256'), 'SignAndEncrypt', 'Aes256_Sha256_RsaPss');
    expect(wanted).toMatchObject({
      ok: false,
      problem:
        'the server does not offer SignAndEncrypt/Aes256_Sha256_RsaPss (it offers SignAndEncrypt/Basic256Sha256); set security.policy to one it offers, or leave it out to use the strongest offered',
    });
    const none = chooseEndpoint(offer(MessageSecurityMode.None, 'None'), 'SignAndEncrypt');
    expect(none.ok).toBe(false);
    expect(!none.ok && none.problem).toMatch(/offers none of .* in SignAndEncrypt mode \(it offers None\/None\)/);
  });
});

describe('server certificate against the endpoint URL and the application URI', () => {
  it('agrees for a host name or IP the certificate lists, and says both sides and the fix otherwise', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pdm-cert-check-'));
    const pem = readFileSync(await ensureOwnCertificate(dir, 'server', 'urn:pdm:simulator:press-7', 'press-7'), 'utf8');
    const der = Buffer.from(pem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''), 'base64');
    const names = certificateNames(der);
    expect(names.dns).toEqual(expect.arrayContaining(['localhost', 'press-7']));
    expect(names.uri).toEqual(['urn:pdm:simulator:press-7']);
    expect(certificateMismatches(der, 'opc.tcp://press-7:4840/pdm/press-7', 'urn:pdm:simulator:press-7')).toEqual([]);
    expect(certificateMismatches(der, 'opc.tcp://localhost:4840', undefined)).toEqual([]);

    const [byIp] = certificateMismatches(der, 'opc.tcp://10.1.2.3:4840/pdm/press-7', 'urn:pdm:simulator:press-7');
    expect(byIp).toMatch(/^the server's certificate is issued for "localhost", .*"press-7"/);
    expect(byIp).toContain('but the endpoint URL opc.tcp://10.1.2.3:4840/pdm/press-7 names IP address "10.1.2.3"');
    expect(byIp).toContain('reissue the server\'s certificate with "10.1.2.3" in its subjectAltName');
    const [byName] = certificateMismatches(der, 'opc.tcp://press-8.plant.local:4840', 'urn:pdm:simulator:press-7');
    expect(byName).toContain('names host "press-8.plant.local"');

    const [uri] = certificateMismatches(der, 'opc.tcp://press-7:4840', 'urn:acme:plc:press-8');
    expect(uri).toBe(
      'the server\'s certificate carries the application URI "urn:pdm:simulator:press-7", but the server describes itself as "urn:acme:plc:press-8": the certificate belongs to another application (copied from another machine?); reissue it for "urn:acme:plc:press-8"',
    );
    // A chain (the server's certificate followed by its issuer's) is read from its first certificate.
    expect(certificateNames(Buffer.concat([der, der]))).toEqual(names);
  });
});
