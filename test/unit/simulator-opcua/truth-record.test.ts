/**
 * The ground truth record (v1) and its QuestDB row: the summary (worst fault present, severity,
 * predicted failure of the life) follows the simulation's per-fault truth; unknown values are
 * null, never NaN; the row carries the documented ground_truth columns.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation, type MachineTruth } from '../../../ingest/simulator/physics/machine-simulation.ts';
import { truthRecord } from '../../../ingest/simulator/truth-record.ts';
import { groundTruthRow } from '../../../storage/rows.ts';
import { CONTRACT_TABLES, groundTruthDdl, NO_FAULT } from '../../../storage/schema.ts';
import { tableNames } from '../../../storage/tables.ts';
import { machine, START_MS } from '../../../tools/harness/simulator-physics.ts';

const ACCEL = 1000;

/** Outer race from the start (fails after ~2 h of life = 7.2 s), imbalance from 1 h of life (fails after 10 h). */
function twoFaults(onFailure: Record<string, unknown> = {}): MachineSimulation {
  return new MachineSimulation(
    machine({
      timeAcceleration: ACCEL,
      faults: [
        { type: 'imbalance', location: 'DE', onset: '1h', growth: { timeToFailure: '10h' } },
        { type: 'outer_race', location: 'DE', onset: 0, growth: { timeToFailure: '2h' } },
      ],
      onFailure,
    }),
    { startTimeMs: START_MS },
  );
}

describe('truth record v1', () => {
  it('names the fault with the highest severity among those past onset, and the earliest projected failure', () => {
    const sim = twoFaults();
    const early = truthRecord(sim.truthAt(START_MS + 1000)); // imbalance not started yet (onset at 3.6 s)
    expect(early.faultType).toBe('outer_race');
    expect(early.faults.find((f) => f.type === 'imbalance')!.severity).toBe(0);

    const t = sim.truthAt(START_MS + 5000);
    const r = truthRecord(t);
    const present = t.faults.filter((f) => f.severity > 0);
    expect(present).toHaveLength(2);
    const worst = present.reduce((a, b) => (b.severity > a.severity ? b : a));
    expect(r.faultType).toBe(worst.type);
    expect(r.faultLocation).toBe(worst.location);
    expect(r.severity).toBe(worst.severity);
    expect(r.onsetAtMs).toBe(worst.onsetAtMs);
    expect(r.failureAtMs).toBe(Math.min(...t.faults.map((f) => f.failureAtMs!)));
    // The outer race fails first (2 h vs 1 h + 10 h of life), within [0.96, 1] of its 7.2 s.
    expect(r.failureAtMs! - START_MS).toBeGreaterThanOrEqual(0.96 * 7200);
    expect(r.failureAtMs! - START_MS).toBeLessThanOrEqual(7200);
    expect(r.v).toBe(1);
    expect(r.time).toBe(new Date(START_MS + 5000).toISOString());
    expect(r.life).toBe(0);
  });

  it('reports the failure time once failed, and no projection while the machine is stopped', () => {
    const sim = twoFaults({ action: 'trip' });
    const failed = truthRecord(sim.truthAt(START_MS + 8000));
    expect(failed.state).toBe('failed');
    expect(failed.failedAtMs).not.toBeNull();
    expect(failed.failureAtMs).toBe(failed.failedAtMs);

    const stopped = twoFaults();
    stopped.stop(START_MS + 1000);
    const r = truthRecord(stopped.truthAt(START_MS + 2000));
    expect(r.state).toBe('stopped');
    expect(r.failureAtMs).toBeNull();
  });

  it('is all zeros and nulls for a sound machine', () => {
    const r = truthRecord(new MachineSimulation(machine(), { startTimeMs: START_MS }).truthAt(START_MS + 1000));
    expect([r.faultType, r.faultLocation, r.onsetAtMs, r.failureAtMs, r.severity]).toEqual([null, null, null, null, 0]);
    expect(r.state).toBe('healthy');
  });

  it('turns the unknown severity of a replayed recording into null (valid JSON), keeping its declared fault', () => {
    const truth: MachineTruth = {
      machine: 'rec-1',
      timeMs: START_MS,
      lifeS: 0,
      life: 0,
      state: 'degrading',
      health: 'degrading',
      running: true,
      mode: 'full',
      failedAtMs: null,
      faults: [
        {
          type: 'inner_race',
          location: 'DE',
          onsetLifeS: 0,
          severity: Number.NaN,
          failureLifeS: null,
          nominalFailureLifeS: Number.NaN,
          onsetAtMs: null,
          failureAtMs: null,
          health: 'degrading',
          injected: false,
        },
      ],
    };
    const r = truthRecord(truth);
    expect(r.faultType).toBe('inner_race');
    expect(r.severity).toBeNull();
    expect(r.faults[0].severity).toBeNull();
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('ground_truth row and table', () => {
  it('carries the record in the documented columns (timestamps in µs, designated ts in ns)', () => {
    const r = truthRecord(twoFaults().truthAt(START_MS + 5000));
    const row = groundTruthRow(tableNames('p_'), r);
    expect(row.table).toBe('p_ground_truth');
    expect(row.tsNs).toBe(BigInt(START_MS + 5000) * 1_000_000n);
    expect(row.symbols).toMatchObject({ machine: 'pump-1', state: r.state, fault_type: r.faultType, fault_location: 'DE', mode: 'full' });
    expect(row.doubles['severity']).toBe(r.severity);
    expect(row.timestampsUs['failure_at']).toBe(Math.round(r.failureAtMs! * 1000));
    expect(row.longs['life']).toBe(0);
  });

  it('writes "none" for no fault and leaves unknown values out', () => {
    const sound = groundTruthRow(tableNames(), truthRecord(new MachineSimulation(machine(), { startTimeMs: START_MS }).truthAt(START_MS)));
    expect(sound.symbols['fault_type']).toBe(NO_FAULT);
    expect(sound.timestampsUs).toEqual({});
    expect('fault_location' in sound.symbols).toBe(false);
  });

  it('creates every documented column with its type, WAL, deduplicated on (ts, machine)', () => {
    const ddl = groundTruthDdl('p_');
    expect(ddl).toMatch(/^CREATE TABLE IF NOT EXISTS p_ground_truth \(/);
    for (const col of CONTRACT_TABLES.groundTruth.columns.split(',').map((c) => c.trim())) expect(ddl).toContain(col);
    expect(ddl).toMatch(/TIMESTAMP\(ts\) PARTITION BY DAY WAL DEDUP UPSERT KEYS\(ts, machine\)$/);
  });
});
