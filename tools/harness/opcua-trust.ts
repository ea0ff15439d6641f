/**
 * Test helper: set up mutual trust between a machine server's PKI and a collector's PKI, as an
 * operator (or `pdm start`) does, by creating both certificates and copying each into the
 * other's trusted/ folder.
 */
import { ensureOwnCertificate, trustCertificate } from '../../ingest/opcua/pki.ts';

export async function trustEachOther(serverPki: string, machineId: string, collectorPki: string): Promise<void> {
  const serverCert = await ensureOwnCertificate(serverPki, 'server', `urn:pdm:simulator:${machineId}`, machineId);
  const clientCert = await ensureOwnCertificate(collectorPki, 'client', 'urn:pdm:collector', 'pdm-collector');
  trustCertificate(collectorPki, serverCert, `machine-${machineId}`);
  trustCertificate(serverPki, clientCert, 'pdm-collector');
}
