/**
 * `pdm pki init` must not say "PKI ready" for a fleet that has nothing to serve. Regression for
 * "pdm pki init with a fleet where every machine is invalid exits 0, PKI ready" (issue 15): the
 * compose `pki` step then succeeded and the plant came up empty, the cause scrolled away.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../cli/main.ts';
import { isPdmError } from '../../../common/errors.ts';
import { initPlantPki } from '../../../ingest/opcua/pki-init.ts';

const GOOD = `
  - id: pump-ok
    type: pump
    identification: { manufacturer: pdm, model: t, serialNumber: T-1 }
    ratedPowerKw: 5.5
    nominalSpeedRpm: 1450
    lineFrequencyHz: 50
    poles: 4
    operatingModes: [{ mode: full, durationS: 60, loadPct: 80 }]
    bearings: { DE: 6205-2RS, NDE: 6203-2RS }`;
// Two different faults: a field of the wrong type and an impossible slip.
const BAD = `
  - id: pump-bad-poles
    type: pump
    identification: { manufacturer: pdm, model: t, serialNumber: T-2 }
    ratedPowerKw: 5.5
    nominalSpeedRpm: 1450
    lineFrequencyHz: 50
    poles: three
    operatingModes: [{ mode: full, durationS: 60, loadPct: 80 }]
    bearings: { DE: 6205-2RS, NDE: 6203-2RS }
  - id: fan-bad-speed
    type: fan
    identification: { manufacturer: pdm, model: t, serialNumber: T-3 }
    ratedPowerKw: 7.5
    nominalSpeedRpm: 1500
    lineFrequencyHz: 50
    poles: 4
    operatingModes: [{ mode: full, durationS: 60, loadPct: 80 }]
    bearings: { DE: 6205-2RS, NDE: 6203-2RS }`;

describe('pdm pki init', () => {
  let out: string;
  let err: string;
  let dir: string;
  beforeEach(() => {
    out = '';
    err = '';
    dir = mkdtempSync(join(tmpdir(), 'pdm-pki-init-'));
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
  });
  afterEach(() => vi.restoreAllMocks());

  function fleet(entries: string): string {
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, `opcua: { basePort: 48500 }\nmachines:${entries}\n`);
    return file;
  }

  it('with a fleet where every machine is invalid exits 1, names each machine and why, and creates nothing', async () => {
    const pki = join(dir, 'pki');
    expect(await main(['pki', 'init', '--fleet', fleet(BAD), '--out', pki])).toBe(1);
    expect(out).not.toMatch(/PKI ready/);
    expect(err).toMatch(/no valid machine, so no PKI was created/);
    expect(err).toMatch(/pump-bad-poles: .*machines\[0\]\.poles/);
    expect(err).toMatch(/fan-bad-speed: .*nominalSpeedRpm.*slip/);
    expect(existsSync(pki)).toBe(false);
  });

  it('with one valid machine among invalid ones: PKI for the valid one, the others named as skipped, exit 0', async () => {
    const pki = join(dir, 'pki');
    expect(await main(['pki', 'init', '--fleet', fleet(GOOD + BAD), '--out', pki])).toBe(0);
    expect(out).toMatch(/PKI ready in .*machines pump-ok \(/);
    expect(err).toMatch(/skipped pump-bad-poles: /);
    expect(err).toMatch(/skipped fan-bad-speed: /);
    expect(existsSync(join(pki, 'machines', 'pump-ok', 'own', 'certs', 'certificate.pem'))).toBe(true);
  });

  it('initPlantPki refuses an empty machine list rather than making a collector that trusts nobody', async () => {
    const e = await initPlantPki(join(dir, 'pki'), [], 'localhost').catch((x: unknown) => x);
    expect(isPdmError(e, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    expect(existsSync(join(dir, 'pki'))).toBe(false);
  });
});
