/**
 * The OPC UA server a simulated machine, or a gateway of many, runs in (node-opcua): its PKI,
 * security, users and capabilities, the standard nodesets loaded and nothing else yet. The
 * caller builds its machines' nodes in `server.engine.addressSpace` and then starts it.
 */
import { mkdirSync } from 'node:fs';
import { MessageSecurityMode, makeRoles, OPCUACertificateManager, OPCUAServer, SecurityPolicy, UserTokenType } from 'node-opcua';
import { policyUri, SECURITY_POLICIES, type SecurityModeName, type SecurityPolicyName } from '../../opcua/security.ts';
import { MACHINE_NODESETS } from './machine-nodes.ts';
import { userCheck } from './user-check.ts';

export interface SimulatorServerOptions {
  /** The path of the endpoint URL: opc.tcp://host:port/pdm/<name> (a machine id, or a gateway's name). */
  name: string;
  port: number;
  /** Host name the endpoint URL advertises (default: localhost). */
  hostname?: string;
  /**
   * Address to listen on (default 127.0.0.1: only this computer). node-opcua listens on every
   * interface unless told, which puts a machine on any network the host is on; reaching it from
   * elsewhere must be a decision (`pdm simulate --bind 0.0.0.0`, as docker-compose does).
   */
  bind?: string;
  /**
   * Mode, and the policies offered: `policies` (default all of SECURITY_POLICIES), or `policy`
   * alone to offer only that one.
   */
  security: { mode: SecurityModeName; policies?: readonly SecurityPolicyName[]; policy?: SecurityPolicyName; allowAnonymous: boolean };
  users: Array<{ username: string; password: string }>;
  /** PKI folder of this server (own certificate, trusted/ and rejected/ peers). Created on first start and kept. */
  pkiDir: string;
  /** How many machines it serves: sessions and subscriptions are sized for a client (or two) per machine. */
  machines: number;
  productName: string;
}

/** The security policies a server with these settings offers (none with mode None). */
export function offeredPolicies(security: SimulatorServerOptions['security']): SecurityPolicyName[] {
  if (security.mode === 'None') return [];
  return [...(security.policies ?? (security.policy ? [security.policy] : SECURITY_POLICIES))];
}

export function simulatorEndpointUrl(opts: Pick<SimulatorServerOptions, 'hostname' | 'port' | 'name'>): string {
  return `opc.tcp://${opts.hostname ?? 'localhost'}:${opts.port}/pdm/${opts.name}`;
}

/** Create and initialize (not start) the server: nodesets loaded, endpoints offering only the configured tokens. */
export async function createSimulatorServer(opts: SimulatorServerOptions): Promise<OPCUAServer> {
  const { security } = opts;
  mkdirSync(opts.pkiDir, { recursive: true });
  const serverCertificateManager = new OPCUACertificateManager({
    rootFolder: opts.pkiDir,
    // Peers are trusted explicitly (their certificate copied to trusted/); unknown ones land in rejected/.
    automaticallyAcceptUnknownCertificate: false,
  });
  await serverCertificateManager.initialize();
  // A client per machine (the collector, maybe a second one: pdm factory, a test), each with a
  // subscription, or one client with a subscription per machine: node-opcua's defaults (10
  // sessions, 100 subscriptions, 10 per session) would refuse a gateway of fifty.
  const clients = Math.max(20, 2 * opts.machines + 10);
  const server = new OPCUAServer({
    port: opts.port,
    host: opts.bind ?? '127.0.0.1',
    resourcePath: `/pdm/${opts.name}`,
    alternateHostname: opts.hostname,
    nodeset_filename: MACHINE_NODESETS,
    serverCertificateManager,
    securityModes: [MessageSecurityMode[security.mode]],
    securityPolicies: security.mode === 'None' ? [SecurityPolicy.None] : offeredPolicies(security).map(policyUri),
    allowAnonymous: security.allowAnonymous,
    userManager: {
      isValidUser: userCheck(opts.users),
      // Every configured user operates the machine; anonymous sessions keep the Anonymous role only.
      getUserRoles: () => makeRoles('AuthenticatedUser;Operator'),
    },
    buildInfo: { productName: opts.productName, manufacturerName: 'pdm', softwareVersion: '0.1.0' },
    serverInfo: { applicationUri: `urn:pdm:simulator:${opts.name}`, productUri: 'urn:pdm:simulator' },
    // Advertising 0 makes exception-based items deliver every change: with the default 50 ms two
    // blocks published in one timer tick (a late timer catching up) would be coalesced into one.
    // node-opcua accepts 10 secure channels per endpoint by default: a gateway read with a
    // session per machine (machinesPerSession: 1), or by several clients, needs more.
    maxConnectionsPerEndpoint: clients,
    serverCapabilities: {
      maxSessions: clients,
      maxSubscriptions: 2 * clients,
      maxSubscriptionsPerSession: opts.machines + 10,
      minSupportedSampleRate: 0,
    },
  });
  await server.initialize();
  // node-opcua also offers X509 user tokens (checked against a per-user-profile UserPKI nobody
  // manages here): offer only the tokens the fleet configures, user names and maybe anonymous.
  for (const endpoint of server.endpoints) {
    for (const d of endpoint.endpointDescriptions())
      d.userIdentityTokens = (d.userIdentityTokens ?? []).filter((t) => t.tokenType !== UserTokenType.Certificate);
  }
  return server;
}
