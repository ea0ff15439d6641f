/**
 * OPC UA certificates on disk (node-opcua's PKI layout: own/, trusted/, rejected/, issuers/).
 * Nothing is trusted automatically: a peer is trusted by copying its certificate into
 * trusted/certs, as an operator would. The local factory and docker-compose's `pki` step do this
 * for the simulator's machines and the collectors; a stranger's certificate lands in rejected/.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';

/** Where node-opcua keeps an application's own certificate in its PKI folder. */
export function ownCertificateFile(pkiDir: string, role: 'server' | 'client'): string {
  return join(pkiDir, 'own', 'certs', role === 'server' ? 'certificate.pem' : 'client_certificate.pem');
}

/** Create the PKI folder and, when missing, a self-signed application certificate (kept afterwards). */
export async function ensureOwnCertificate(
  pkiDir: string,
  role: 'server' | 'client',
  applicationUri: string,
  subject: string,
): Promise<string> {
  mkdirSync(pkiDir, { recursive: true });
  const file = ownCertificateFile(pkiDir, role);
  if (existsSync(file)) return file;
  const manager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: false });
  await manager.initialize();
  await manager.createSelfSignedCertificate({
    applicationUri,
    subject: `/CN=${subject}/O=pdm`,
    dns: [...new Set(['localhost', hostname(), subject])],
    startDate: new Date(Date.now() - 24 * 3600_000),
    validity: 3650,
    outputFile: file,
  });
  await manager.dispose();
  return file;
}

/** Trust a peer certificate: copy it into `<pkiDir>/trusted/certs/<alias>.pem`. */
export function trustCertificate(pkiDir: string, certificateFile: string, alias: string): void {
  const dir = join(pkiDir, 'trusted', 'certs');
  mkdirSync(dir, { recursive: true });
  copyFileSync(certificateFile, join(dir, `${alias.replace(/[^A-Za-z0-9_.-]/g, '_')}.pem`));
}

export function rejectedCertificates(pkiDir: string): string[] {
  const dir = join(pkiDir, 'rejected');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.pem') || f.endsWith('.der')) : [];
}
