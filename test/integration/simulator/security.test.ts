/**
 * Security by default: a machine from the fleet file offers SignAndEncrypt with the three
 * supported policies and user names only; a client without credentials, with a wrong password, or with a certificate
 * the machine does not trust is refused with a clear status (and the stranger's certificate lands
 * in the machine's rejected/ folder). Anonymous sessions exist only where the fleet file allows
 * them (allowAnonymous and the machine's allowInsecure), and even there they may read but not call the machine methods.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageSecurityMode, OPCUAClient, SecurityPolicy, UserTokenType } from 'node-opcua';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { ensureOwnCertificate, ownCertificateFile, rejectedCertificates, trustCertificate } from '../../../ingest/opcua/pki.ts';
import { collectorPkiDir, initPlantPki, machinePkiDir } from '../../../ingest/opcua/pki-init.ts';
import { Factory } from '../../../ingest/simulator/factory.ts';
import { validateFleet } from '../../../ingest/simulator/fleet-config.ts';
import { callMachineMethod, operatorPkiDir } from '../../../ingest/simulator/opcua/factory-client.ts';
import { freePorts } from '../../../tools/harness/ports.ts';
import { OBJECTS, pumpEntry, readSession, USER, USER_ENV, USERS_FROM_ENV } from './helpers.ts';

const LOCKED = 'locked-1';
const OPEN = 'open-2';

/** The base64 body of a PEM certificate (to compare a file with node-opcua's copy of it). */
function pemBody(text: string): string {
  return text.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('machine server security', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-sim-security-'));
  const pkiRoot = join(dir, 'pki');
  const collectorPki = collectorPkiDir(pkiRoot);
  let factory: Factory;
  const endpoint = (id: string) => factory.machines.find((m) => m.id === id)!.endpointUrl!;

  beforeAll(async () => {
    // Distinct: ports probed one after another can repeat.
    const [basePort, openPort] = await freePorts(2);
    const fleet = validateFleet(
      {
        opcua: { basePort, users: USERS_FROM_ENV },
        machines: [
          pumpEntry(LOCKED),
          // Anonymous sessions are insecure: the machine has to say it accepts them.
          pumpEntry(OPEN, { opcua: { port: openPort, security: { allowAnonymous: true } }, allowInsecure: true }),
        ],
      },
      join(dir, 'fleet.yaml'),
    );
    expect(fleet.rejected).toEqual([]);
    await initPlantPki(pkiRoot, [LOCKED, OPEN], 'localhost');
    factory = new Factory(fleet, { pkiRoot, env: { ...process.env, ...USER_ENV } });
    await factory.start();
  });

  afterAll(async () => {
    await factory?.stop();
  });

  it('offers only SignAndEncrypt with Aes256_Sha256_RsaPss, Basic256Sha256 and Aes128_Sha256_RsaOaep, and user names (anonymous only where the fleet allows it)', async () => {
    for (const [id, tokens] of [
      [LOCKED, ['UserName']],
      [OPEN, ['Anonymous', 'UserName']],
    ] as const) {
      const client = OPCUAClient.create({ endpointMustExist: false, connectionStrategy: { maxRetry: 0 } });
      await client.connect(endpoint(id));
      const endpoints = await client.getEndpoints();
      await client.disconnect();
      expect(endpoints.length).toBeGreaterThan(0);
      expect([...new Set(endpoints.map((e) => e.securityPolicyUri))].sort()).toEqual(
        [SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Aes256_Sha256_RsaPss, SecurityPolicy.Basic256Sha256].sort(),
      );
      for (const e of endpoints) {
        expect(e.securityMode).toBe(MessageSecurityMode.SignAndEncrypt);
        expect([...new Set((e.userIdentityTokens ?? []).map((t) => UserTokenType[t.tokenType]))].sort()).toEqual(tokens);
      }
    }
  });

  it('refuses a session without credentials', async () => {
    // The server advertises no anonymous token (above), so node-opcua's client stops before sending one.
    const message = await refusal(readSession(endpoint(LOCKED), collectorPki, { type: UserTokenType.Anonymous }));
    expect(message).toMatch(/Cannot find ANONYMOUS user token policy in end point description/);
  });

  it('refuses a wrong password, and pdm factory says which variables to fix', async () => {
    const message = await refusal(
      readSession(endpoint(LOCKED), collectorPki, { type: UserTokenType.UserName, userName: USER.username, password: 'not-the-password' }),
    );
    expect(message).toMatch(/BadUserAccessDenied/);
    const err = await callMachineMethod(
      { endpoint: endpoint(LOCKED), credentials: { username: USER.username, password: 'nope' }, pkiDir: operatorPkiDir(pkiRoot) },
      { method: 'Stop' },
    ).catch((e: unknown) => e);
    expect(isPdmError(err, 'PDM_ERR_OPCUA_SECURITY')).toBe(true);
    expect((err as Error).message).toMatch(/refused user "operator" \(BadUserAccessDenied.*set PDM_OPCUA_USER and PDM_OPCUA_PASSWORD/);
    expect((await factory.publishTruth(Date.now())).find((r) => r.machine === LOCKED)!.running).toBe(true); // nothing was stopped
  });

  it('refuses a client whose certificate it does not trust, and keeps that certificate in rejected/', async () => {
    const stranger = join(dir, 'stranger-pki');
    const strangerCert = await ensureOwnCertificate(stranger, 'client', 'urn:pdm:stranger', 'stranger');
    // The stranger trusts the machine (so it is the machine that says no), the machine does not trust the stranger.
    trustCertificate(stranger, ownCertificateFile(machinePkiDir(pkiRoot, LOCKED), 'server'), 'machine');
    expect(rejectedCertificates(machinePkiDir(pkiRoot, LOCKED))).toEqual([]);
    const message = await refusal(readSession(endpoint(LOCKED), stranger, undefined, 'urn:pdm:stranger'));
    expect(message).toBe('The connection has been rejected by server: BadSecurityChecksFailed (0x80130000)');
    const rejectedDir = join(machinePkiDir(pkiRoot, LOCKED), 'rejected');
    const rejected = rejectedCertificates(machinePkiDir(pkiRoot, LOCKED));
    expect(rejected).toHaveLength(1);
    expect(pemBody(readFileSync(join(rejectedDir, rejected[0]), 'utf8'))).toBe(pemBody(readFileSync(strangerCert, 'utf8')));
    // Trusted peers are exactly the ones the PKI set-up put there.
    expect(readdirSync(join(machinePkiDir(pkiRoot, LOCKED), 'trusted', 'certs')).sort()).toEqual(['pdm-collector.pem', 'pdm-operator.pem']);
  });

  it('says at start which machine accepted an insecure setting, and which did not need to', () => {
    expect(factory.machines.find((m) => m.id === OPEN)!.insecure).toEqual(['opcua.security.allowAnonymous true (sessions without a user)']);
    expect(factory.machines.find((m) => m.id === LOCKED)!.insecure).toBeUndefined();
  });

  it('lets anonymous sessions read where the fleet allows it, but not call the methods', async () => {
    const anonymous = await readSession(endpoint(OPEN), collectorPki, { type: UserTokenType.Anonymous });
    try {
      const machine = await anonymous.find(OBJECTS, OPEN);
      expect(await anonymous.value((await anonymous.find(machine.nodeId, 'OperatingState')).nodeId)).toBe('Running');
      const stop = await anonymous.find(machine.nodeId, 'Stop');
      expect((await anonymous.session.read({ nodeId: stop.nodeId, attributeId: 22 /* UserExecutable */ })).value.value).toBe(false);
      const result = await anonymous.session.call({ objectId: machine.nodeId, methodId: stop.nodeId, inputArguments: [] });
      expect(result.statusCode.name).toBe('BadUserAccessDenied');
    } finally {
      await anonymous.close();
    }
    expect((await factory.publishTruth(Date.now())).find((r) => r.machine === OPEN)!.running).toBe(true);
    // The same method, called by a user, works.
    const byUser = await callMachineMethod(
      { endpoint: endpoint(OPEN), credentials: USER, pkiDir: operatorPkiDir(pkiRoot) },
      { method: 'Stop' },
    );
    expect(byUser).toMatchObject({ ok: true, outputs: { State: 'Stopped' } });
  });
});
