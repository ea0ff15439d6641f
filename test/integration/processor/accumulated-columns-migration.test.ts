/**
 * A vibration_features table made before the accumulated diagnosis gets its columns when the
 * processor starts (storage/schema.ts migrations), so the dashboards' bearing panels run at once;
 * its old rows keep nulls there. Likewise a machine_health table made before system events
 * (models/health/system-event.ts) gets system_event and system_event_at.
 */
import { describe, expect, it } from 'vitest';
import { tableDefinitions } from '../../../storage/schema.ts';
import { StreamProcessor } from '../../../stream-processing/processor.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import { exec, questdbAuth, sql, waitForRows } from '../../helpers/questdb.ts';
import { testServices } from '../../helpers/services.ts';

const services = testServices();

describe('vibration_features accumulated columns on a table from before them', () => {
  it('are added at the processor start; old rows null', async () => {
    const prefix = `am${Date.now().toString(36)}_`;
    const table = `${prefix}vibration_features`;
    // The table as the previous release made it, with a row.
    await exec(
      services,
      `CREATE TABLE ${table} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096, channel SYMBOL CAPACITY 256,
        window_seq LONG, samples INT, sample_rate_hz DOUBLE,
        rms DOUBLE, peak DOUBLE, peak_to_peak DOUBLE, crest_factor DOUBLE, kurtosis DOUBLE, skewness DOUBLE,
        velocity_rms_mm_s DOUBLE, dominant_hz DOUBLE, shaft_hz DOUBLE, x1 DOUBLE, x2 DOUBLE, x3 DOUBLE,
        iso_zone SYMBOL CAPACITY 8, shaft_source SYMBOL CAPACITY 8,
        bearing_diagnosis SYMBOL CAPACITY 8, bearing_confidence DOUBLE, reference_windows INT,
        sensor_state SYMBOL CAPACITY 4, sensor_reason SYMBOL CAPACITY 64,
        processed_at TIMESTAMP
      ) TIMESTAMP(ts) PARTITION BY DAY TTL 30 DAYS WAL DEDUP UPSERT KEYS(ts, machine, channel)`,
    );
    await exec(
      services,
      `INSERT INTO ${table} (ts, machine, channel, bearing_diagnosis) VALUES ('2026-12-01T00:00:00.000000Z', 'old', 'DE_X', 'none')`,
    );
    // machine_health as the release before system events made it.
    const health = `${prefix}machine_health`;
    await exec(
      services,
      `CREATE TABLE ${health} (
        ts TIMESTAMP, machine SYMBOL CAPACITY 4096,
        anomaly_score DOUBLE, health_state SYMBOL CAPACITY 8, alarm BOOLEAN, health_index DOUBLE,
        rul_median_s DOUBLE, rul_lower_s DOUBLE, rul_upper_s DOUBLE, rul_basis SYMBOL CAPACITY 4,
        phase SYMBOL CAPACITY 4, mode SYMBOL CAPACITY 64, degradation BOOLEAN, onset_at TIMESTAMP, window_seq LONG, channels INT,
        sensor_reason SYMBOL CAPACITY 256, processed_at TIMESTAMP, baseline_quality SYMBOL CAPACITY 4
      ) TIMESTAMP(ts) PARTITION BY DAY TTL 30 DAYS WAL DEDUP UPSERT KEYS(ts, machine)`,
    );
    const processor = new StreamProcessor(
      ProcessorConfigSpec.parse({
        kafka: { topicPrefix: prefix, groupId: `${prefix}processor`, partitions: 1 },
        questdb: { tablePrefix: prefix },
        workers: 1,
      }),
      {
        brokers: services.kafkaBrokers,
        questdbHttp: services.questdbHttp,
        questdbIlpConfig: services.questdbIlpConfig,
        questdbAuth: questdbAuth(services),
      },
    );
    await processor.start();
    try {
      const columns = await sql(services, `SELECT "column", type FROM table_columns('${table}')`);
      expect(columns).toContainEqual({ column: 'accumulated_diagnosis', type: 'SYMBOL' });
      expect(columns).toContainEqual({ column: 'accumulated_confidence', type: 'DOUBLE' });
      expect(columns).toContainEqual({ column: 'accumulated_windows', type: 'LONG' });
      const healthColumns = await sql(services, `SELECT "column", type FROM table_columns('${health}')`);
      expect(healthColumns).toContainEqual({ column: 'system_event', type: 'VARCHAR' });
      expect(healthColumns).toContainEqual({ column: 'system_event_at', type: 'TIMESTAMP' });
      // And a machine_health made afresh has them from its DDL.
      const fresh = tableDefinitions(`${prefix}new_`).find((d) => d.name.endsWith('machine_health'))!;
      await exec(services, fresh.ddl);
      const freshColumns = await sql(services, `SELECT "column", type FROM table_columns('${fresh.name}')`);
      expect(freshColumns).toContainEqual({ column: 'system_event', type: 'VARCHAR' });
      expect(freshColumns).toContainEqual({ column: 'system_event_at', type: 'TIMESTAMP' });
      // The old row once QuestDB has applied it (WAL).
      const rows = await waitForRows(
        services,
        `SELECT machine, accumulated_diagnosis, accumulated_windows FROM ${table}`,
        (r) => r.length === 1,
        20_000,
      );
      expect(rows).toEqual([{ machine: 'old', accumulated_diagnosis: null, accumulated_windows: null }]);
    } finally {
      await processor.stop();
    }
  });
});
