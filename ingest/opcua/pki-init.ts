/**
 * One-shot PKI set-up for a plant: a certificate for every machine server of a fleet and for
 * the collector, each trusting the other (what `docker compose` runs as its `pki` step and what
 * `pdm start` does on first start). Existing certificates are kept; re-running changes nothing.
 */
import { join } from 'node:path';
import { PdmError } from '../../common/errors.ts';
import { ensureOwnCertificate, trustCertificate } from './pki.ts';

export function collectorPkiDir(pkiRoot: string): string {
  return join(pkiRoot, 'collector');
}

export function machinePkiDir(pkiRoot: string, machineId: string): string {
  return join(pkiRoot, 'machines', machineId);
}

export async function initPlantPki(
  pkiRoot: string,
  machineIds: string[],
  hostname: string,
): Promise<{ collector: string; machines: Record<string, string> }> {
  // A collector certificate trusting nobody is not a plant PKI: callers must say why there is no machine.
  if (machineIds.length === 0)
    throw new PdmError('PDM_ERR_CONFIG_INVALID', `no machine to create certificates for in ${pkiRoot}: the fleet has no valid machine`, {
      pkiRoot,
    });
  const collectorDir = collectorPkiDir(pkiRoot);
  const collectorCert = await ensureOwnCertificate(collectorDir, 'client', 'urn:pdm:collector', 'pdm-collector');
  const machines: Record<string, string> = {};
  for (const id of machineIds) {
    const dir = machinePkiDir(pkiRoot, id);
    const cert = await ensureOwnCertificate(dir, 'server', `urn:pdm:simulator:${id}`, hostname);
    trustCertificate(dir, collectorCert, 'pdm-collector');
    trustCertificate(collectorDir, cert, `machine-${id}`);
    machines[id] = dir;
  }
  return { collector: collectorDir, machines };
}
