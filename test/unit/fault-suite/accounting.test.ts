import { describe, expect, it } from 'vitest';
import { accountChannel, mergeRuns } from '../../../tools/fault-suite/accounting.ts';

const base = { machine: 'm', channel: 'DE_X' };

describe('fault suite accounting', () => {
  it('counts a block stored, inside a reported gap, or unaccounted, within what was collected', () => {
    const a = accountChannel({
      ...base,
      // Produced 0..19 (one life), then 25..40 after a restart; 41..45 produced after the collector's last read.
      produced: [
        [0, 19],
        [25, 45],
      ],
      stored: [3, 4, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 19, 25, 26, 27, 28, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40],
      gaps: [
        { from: 11, to: 13, cause: 'collector_down' },
        { from: 20, to: 24, cause: 'disconnected' },
      ],
      collectedUpTo: 40,
    });
    // In scope: 3 (first stored) .. 40; produced in scope: 3..19 (17) and 25..40 (16); 20..24 never produced.
    expect(a.produced).toBe(33);
    expect(a.stored).toBe(29);
    expect(a.reported).toEqual({ collector_down: 3 });
    expect(a.unaccounted).toBe(1); // 29: neither stored nor in a gap
    expect(a.unaccountedExamples).toEqual([29]);
    expect(a.duplicates).toBe(0);
  });

  it('counts a stored block as produced even when the record of it died with its simulator, and repeats as duplicates', () => {
    const a = accountChannel({ ...base, produced: [[0, 4]], stored: [0, 1, 2, 3, 4, 5, 6, 6], gaps: [] });
    expect(a.produced).toBe(7);
    expect(a.stored).toBe(7);
    expect(a.duplicates).toBe(1);
    expect(a.unaccounted).toBe(0);
  });

  it("with Kafka's census, says which unaccounted blocks Kafka holds (the processor lost them) and which it dead-lettered", () => {
    const a = accountChannel({
      ...base,
      produced: [[0, 9]],
      stored: [0, 1, 2, 6, 7, 8, 9],
      gaps: [],
      // 3 in Kafka (not stored), 4 dead-lettered (so in Kafka too), 5 never reached Kafka.
      kafka: { inTopic: new Set([0, 1, 2, 3, 4, 6, 7, 8, 9]), deadLettered: new Set([4]) },
    });
    expect(a.unaccounted).toBe(3);
    expect(a.unaccountedInKafka).toEqual({ inTopic: 2, deadLettered: 1 });
    expect(accountChannel({ ...base, produced: [[0, 9]], stored: [0, 9], gaps: [] }).unaccountedInKafka).toBeUndefined();
  });

  it('merges the runs of repeated reports and of several lives', () => {
    expect(
      mergeRuns([
        [10, 12],
        [0, 3],
        [0, 5],
        [6, 8],
        [20, 20],
      ]),
    ).toEqual([
      [0, 8],
      [10, 12],
      [20, 20],
    ]);
  });
});
