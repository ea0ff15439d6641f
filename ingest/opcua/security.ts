/**
 * OPC UA security shared by the collector and the simulated machines: the security policies pdm
 * speaks, which one a client picks from what a server offers, and whether the server's
 * certificate names the host and application it is reached as.
 *
 * Preference order (strongest first), used when a collector's config names no policy:
 *   1. Aes256_Sha256_RsaPss   AES-256-CBC, RSA-PSS-SHA256 signatures, RSA-OAEP-SHA256 key transport
 *   2. Basic256Sha256         AES-256-CBC, RSA-PKCS#1 v1.5-SHA256 signatures, RSA-OAEP-SHA1
 *   3. Aes128_Sha256_RsaOaep  AES-128-CBC, RSA-PKCS#1 v1.5-SHA256 signatures, RSA-OAEP-SHA1
 * The first is the only one without PKCS#1 v1.5 signatures and SHA-1 in its key transport (the
 * padding and hash cryptographers retire first); between the other two, which differ only in the
 * symmetric key, the longer key wins. All three need 2048-4096-bit RSA certificates, which is
 * what `pdm pki init` makes. The deprecated policies (Basic128Rsa15, Basic256) are not offered or
 * accepted.
 */
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { type EndpointDescription, MessageSecurityMode, type OPCUACertificateManager, OPCUAClient, SecurityPolicy } from 'node-opcua';

export const SECURITY_POLICIES = ['Aes256_Sha256_RsaPss', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep'] as const;
export type SecurityPolicyName = (typeof SECURITY_POLICIES)[number];
export const SECURITY_MODES = ['SignAndEncrypt', 'Sign', 'None'] as const;
export type SecurityModeName = (typeof SECURITY_MODES)[number];

export function policyUri(name: SecurityPolicyName | 'None'): SecurityPolicy {
  return SecurityPolicy[name];
}

/** The short name of a policy URI (`http://opcfoundation.org/UA/SecurityPolicy#X` -> X). */
export function policyShortName(uri: string | null | undefined): string {
  return (uri ?? '').replace(/^.*#/, '') || '(none)';
}

/** The part of an endpoint description the choice needs (node-opcua's EndpointDescription has it). */
export interface OfferedEndpoint {
  securityMode: MessageSecurityMode;
  securityPolicyUri: string | null;
  serverCertificate?: Buffer | null;
  server?: { applicationUri?: string | null } | null;
}

export type EndpointChoice<E extends OfferedEndpoint> =
  | { ok: true; policy: SecurityPolicyName; endpoint: E }
  | { ok: false; problem: string; offered: string[] };

/**
 * The endpoint to connect to: in the configured mode, with the configured policy, or without one
 * the first of SECURITY_POLICIES the server offers. `problem` says what is missing and what the
 * server offers instead.
 */
export function chooseEndpoint<E extends OfferedEndpoint>(
  endpoints: readonly E[],
  mode: Exclude<SecurityModeName, 'None'>,
  wanted?: SecurityPolicyName,
): EndpointChoice<E> {
  const offered = [
    ...new Set(endpoints.map((e) => `${MessageSecurityMode[e.securityMode]}/${policyShortName(e.securityPolicyUri)}`)),
  ].sort();
  const inMode = (name: SecurityPolicyName) =>
    endpoints.find((e) => e.securityMode === MessageSecurityMode[mode] && e.securityPolicyUri === policyUri(name));
  if (wanted) {
    const endpoint = inMode(wanted);
    if (endpoint) return { ok: true, policy: wanted, endpoint };
    return {
      ok: false,
      offered,
      problem: `the server does not offer ${mode}/${wanted} (it offers ${offered.join(', ') || 'nothing'}); set security.policy to one it offers, or leave it out to use the strongest offered`,
    };
  }
  for (const name of SECURITY_POLICIES) {
    const endpoint = inMode(name);
    if (endpoint) return { ok: true, policy: name, endpoint };
  }
  return {
    ok: false,
    offered,
    problem: `the server offers none of ${SECURITY_POLICIES.join(', ')} in ${mode} mode (it offers ${offered.join(', ') || 'nothing'}); configure the server for one of them`,
  };
}

/**
 * The endpoints a server offers (GetEndpoints, which OPC UA answers on an unsecured channel: it is
 * how a client learns the policies and the certificate before it can secure anything). One quick
 * attempt; errors are the caller's to explain.
 */
export async function serverEndpoints(
  endpointUrl: string,
  client: { applicationName: string; applicationUri: string; clientCertificateManager: OPCUACertificateManager },
  signal?: AbortSignal,
): Promise<EndpointDescription[]> {
  const discovery = OPCUAClient.create({
    ...client,
    endpointMustExist: false,
    connectionStrategy: { initialDelay: 200, maxDelay: 400, maxRetry: 1 },
  });
  // A caller that gives up (a hung server, a stop) hangs up now rather than at node-opcua's timeout.
  const hangUp = () => void discovery.disconnect().catch(() => undefined);
  signal?.addEventListener('abort', hangUp, { once: true });
  try {
    signal?.throwIfAborted();
    await discovery.connect(endpointUrl);
    return await discovery.getEndpoints();
  } finally {
    signal?.removeEventListener('abort', hangUp);
    await discovery.disconnect().catch(() => undefined);
  }
}

/** Names a certificate is issued for: DNS names, IP addresses and URIs of its subjectAltName. */
export interface CertificateNames {
  dns: string[];
  ip: string[];
  uri: string[];
}

/** The first certificate of a DER buffer (an endpoint may carry a chain: certificates back to back). */
function firstCertificate(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch (err) {
    // SEQUENCE with a long-form length: 0x30 0x8N followed by N length bytes.
    if (der[0] !== 0x30 || (der[1] & 0x80) === 0) throw err;
    const n = der[1] & 0x7f;
    let len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[2 + i];
    return new X509Certificate(der.subarray(0, 2 + n + len));
  }
}

export function certificateNames(der: Buffer): CertificateNames {
  const san = firstCertificate(der).subjectAltName ?? '';
  const names: CertificateNames = { dns: [], ip: [], uri: [] };
  for (const part of san.split(/,\s*/)) {
    const m = /^(DNS|IP Address|URI):(.*)$/.exec(part.trim());
    if (!m) continue;
    (m[1] === 'DNS' ? names.dns : m[1] === 'URI' ? names.uri : names.ip).push(m[2]);
  }
  return names;
}

/**
 * What the server's certificate says against what the client was told (OPC UA Part 4, 5.4.1: the
 * client shall check the host name of the certificate against the endpoint URL and report a
 * difference). Trust itself rests on the certificate being in trusted/, so a mismatch is
 * reported, not refused: it usually means a certificate issued for another name (an IP address
 * instead of a host name, a renamed host), which a later certificate renewal must fix.
 * Returns one sentence per mismatch, naming both sides and what to do; [] when both agree.
 */
export function certificateMismatches(der: Buffer, endpointUrl: string, serverApplicationUri?: string | null): string[] {
  const names = certificateNames(der);
  const cert = firstCertificate(der);
  const host = hostOf(endpointUrl);
  const out: string[] = [];
  const ip = isIP(host) !== 0;
  const hostOk = ip ? cert.checkIP(host) !== undefined : cert.checkHost(host, { subject: 'never' }) !== undefined;
  if (!hostOk) {
    const issued = [...names.dns, ...names.ip];
    out.push(
      `the server's certificate is issued for ${issued.length > 0 ? issued.map((n) => `"${n}"`).join(', ') : 'no host name or IP address'}, but the endpoint URL ${endpointUrl} names ${ip ? 'IP address' : 'host'} "${host}": connect with a name the certificate lists, or reissue the server's certificate with "${host}" in its subjectAltName (for the simulator: pdm pki init --hostname ${host} in a fresh PKI directory)`,
    );
  }
  if (serverApplicationUri && !names.uri.includes(serverApplicationUri)) {
    out.push(
      `the server's certificate carries the application URI ${names.uri.length > 0 ? names.uri.map((u) => `"${u}"`).join(', ') : '(none)'}, but the server describes itself as "${serverApplicationUri}": the certificate belongs to another application (copied from another machine?); reissue it for "${serverApplicationUri}"`,
    );
  }
  return out;
}

function hostOf(endpointUrl: string): string {
  const m = /^opc\.tcp:\/\/(\[[^\]]+\]|[^:/]+)/.exec(endpointUrl);
  return (m?.[1] ?? '').replace(/^\[|\]$/g, '');
}
