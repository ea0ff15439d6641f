import { describe, expect, it } from 'vitest';
import { isPdmError } from '../../../common/errors.ts';
import { CONTRACT_TABLES, contractTableDdl, groundTruthDdl, tableDefinitions } from '../../../storage/schema.ts';
import { TABLES, tableNames } from '../../../storage/tables.ts';

describe('table names', () => {
  it('put the prefix on every table', () => {
    expect(tableNames('p7_')).toEqual({
      blocks: 'p7_vibration_blocks',
      features: 'p7_vibration_features',
      energy: 'p7_energy',
      gaps: 'p7_collection_gaps',
      health: 'p7_machine_health',
      spectra: 'p7_vibration_spectra',
      evidence: 'p7_bearing_evidence',
      alerts: 'p7_alerts',
      groundTruth: 'p7_ground_truth',
    });
    expect(tableNames()).toEqual(TABLES);
  });

  it('refuse a prefix that is not a plain identifier, naming it', () => {
    const err = (() => {
      try {
        return tableNames("x; drop table energy; --'");
      } catch (e) {
        return e;
      }
    })();
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('table prefix "x; drop table energy; --\'" is not valid');
  });
});

describe('DDL', () => {
  it('creates every table the processor writes, with the prefix, WAL and DEDUP keys', () => {
    const defs = tableDefinitions('p_');
    const t = tableNames('p_');
    expect(defs.map((d) => d.name)).toEqual([t.blocks, t.features, t.energy, t.health, t.spectra, t.evidence, t.alerts, t.gaps]);
    // Alert episodes: few rows, kept a year; the event's identity is the DEDUP key (a replayed start is the same start).
    const alerts = defs.find((d) => d.name === t.alerts)!;
    expect(alerts.ddl).toMatch(
      /TIMESTAMP\(ts\) PARTITION BY MONTH TTL 12 MONTHS WAL DEDUP UPSERT KEYS\(ts, machine, kind, channel, event, started_at\)$/,
    );
    for (const col of CONTRACT_TABLES.alerts.columns.split(',').map((c) => c.trim())) expect(alerts.ddl).toContain(col);
    for (const d of defs.filter((x) => x !== alerts)) {
      expect(d.ddl).toMatch(new RegExp(`^CREATE TABLE IF NOT EXISTS ${d.name} \\(`));
      // Spectra keep 14 days (they are the bulk); a spectrum is one per kind, a fault band one per family.
      expect(d.ddl).toMatch(
        /TIMESTAMP\(ts\) PARTITION BY DAY TTL (30|14) DAYS WAL DEDUP UPSERT KEYS\(ts, machine(, channel(, kind|, family)?)?\)$/,
      );
    }
  });

  it('contract tables: exactly the contract columns; ground truth adds its own after them', () => {
    expect(contractTableDdl('health', 'p_')).toBe(
      `CREATE TABLE IF NOT EXISTS p_machine_health (${CONTRACT_TABLES.health.columns}) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, machine)`,
    );
    expect(groundTruthDdl('p_')).toBe(
      `CREATE TABLE IF NOT EXISTS p_ground_truth (${CONTRACT_TABLES.groundTruth.columns}, fault_location SYMBOL, onset_at TIMESTAMP, life LONG, life_s DOUBLE, mode SYMBOL) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP UPSERT KEYS(ts, machine)`,
    );
  });
});
