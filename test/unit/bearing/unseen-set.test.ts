/**
 * A small part of the unseen-recordings set (tools/harness/unseen-set.ts; the whole set is
 * MODELS.md's "Recordings it has not seen" table): an inner race record, two outer race records
 * and a ball record of the shared 12 kHz data as a 48 kHz sensor would have recorded them (with
 * the content above 6 kHz: the impacts' own high resonance and the rig's broadband), the healthy
 * record 97 the same way, and their fan-end channels as a weak path, through
 * `analyzeRecord` as `pdm analyze` runs it. The race faults are named, the healthy record is
 * `none` and the ball record is never another fault type (nor `cage`). And the set's
 * `other-bearing` part whole: a ZA-2115 in one-second records at 20 kHz.
 */
import { describe, expect, it } from 'vitest';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { analyzeRecord } from '../../../models/window-analysis.ts';
import { REPO_ROOT } from '../../../tools/harness/femto-histories.ts';
import { unseenCases } from '../../../tools/harness/unseen-set.ts';
import { analyzeCase, unseenVerdict } from '../../../tools/unseen-report.ts';

describe('diagnosis on recordings it has not seen (a few cases of the set)', () => {
  it('48 kHz with a high band: race faults named, healthy none, a ball never misnamed; the fan-end path names the races', async () => {
    const verdicts: Record<string, string> = {};
    for await (const c of unseenCases({
      root: REPO_ROOT,
      parts: ['resampled', 'fan-end'],
      records: [105, 130, 236, 118, 97],
      ratesHz: [48_000],
    })) {
      // The fan-end bearing's own analysis (6203) and the healthy record's fan-end channel are other tables' rows.
      if (c.id.includes('as 6203') || (c.id.startsWith('97 ') && c.id.includes(' FE '))) continue;
      const d = analyzeCase(c).bearing.diagnosis;
      verdicts[c.id] = `${d} (${unseenVerdict(c, d)})`;
    }
    expect(verdicts).toEqual({
      '105 IR007_0 DE 48 kHz': 'inner_race (correct)',
      '130 OR007@6_0 DE 48 kHz': 'outer_race (correct)',
      '236 OR021@6_2 DE 48 kHz': 'outer_race (correct)',
      '118 B007_0 DE 48 kHz': expect.stringMatching(/^(rolling_element \(correct\)|none \(missed\))$/),
      '97 Normal_0 DE 48 kHz': 'none (correct)',
      '97 Normal_0 DE 48 kHz (native)': 'none (correct)',
      '97 Normal_0 DE 24 kHz (from 48)': 'none (correct)',
      '105 IR007_0 FE 12 kHz as 6205': 'inner_race (correct)',
      '130 OR007@6_0 FE 12 kHz as 6205': 'outer_race (correct)',
      // Its ball family (3 x BSF 1.4 % from 2 x BPFO) held the outer race to a draw until the dominant series claimed first.
      '236 OR021@6_2 FE 12 kHz as 6205': 'outer_race (correct)',
      '118 B007_0 FE 12 kHz as 6205': expect.stringMatching(/^(rolling_element \(correct\)|none \(missed\))$/),
    });
  });

  it('the prewhitened second look names an inner race fault seen only at the far end of the machine, and keeps healthy channels none', async () => {
    const seen: Record<string, string> = {};
    for await (const c of unseenCases({ root: REPO_ROOT, parts: ['simulated'], machines: 1, faults: ['inner_race'] })) {
      const config = { sampleRateHz: c.sampleRateHz, shaftHz: c.shaftHz, bearing: lookupBearing(c.bearing) };
      const a = analyzeRecord(c.samples, config);
      const e = a.bearing.evidence ?? {};
      // The second look runs exactly where the envelope's own segments named nothing.
      const rawNamed = e.votes_outer_race + e.votes_inner_race + e.votes_rolling_element + e.votes_cage > e.segments / 2;
      expect(e.prewhitened_segments > 0).toBe(!rawNamed);
      seen[c.id] = `${a.bearing.diagnosis}${a.segments.prewhitened ? ' (prewhitened)' : ''}`;
      if (c.id.includes('inner_race DE at NDE_Y')) {
        // Without it the record is none: the raw segments hold BPFI without its 1X sidebands.
        expect(analyzeRecord(c.samples, config, { prewhitenedPass: false }).bearing.diagnosis).toBe('none');
        expect(e.prewhitened).toBe(1);
        expect(a.segments.samples).toBe(2 * e.segment_samples);
      }
    }
    expect(seen).toEqual({
      'sim 21 (1480 rpm) healthy DE_Y': 'none',
      'sim 21 (1480 rpm) healthy NDE_Y': 'none',
      'sim 21 (1480 rpm) inner_race DE at DE_Y': 'inner_race',
      'sim 21 (1480 rpm) inner_race DE at NDE_Y': 'inner_race (prewhitened)',
      'sim 21 (1480 rpm) inner_race NDE at NDE_Y': 'inner_race',
      'sim 21 (1480 rpm) inner_race NDE at DE_Y': 'inner_race',
    });
  });

  it('another bearing type in one-second records (ZA-2115 at 20 kHz, 1.024 s): the races on the faulty bearing named, healthy none, nothing misnamed', async () => {
    const verdicts: Record<string, string> = {};
    for await (const c of unseenCases({ root: REPO_ROOT, parts: ['other-bearing'] })) {
      expect([c.bearing, c.sampleRateHz, c.samples.length]).toStrictEqual(['ZA-2115', 20_000, 20_480]);
      verdicts[c.id] = unseenVerdict(c, analyzeCase(c).bearing.diagnosis);
    }
    const ids = Object.keys(verdicts);
    expect(ids).toHaveLength(20);
    for (const id of ids) {
      expect(verdicts[id], id).not.toMatch(/wrong type|false alarm/);
      if (/healthy|(outer|inner)_race DE at DE_Y/.test(id)) expect(verdicts[id], id).toBe('correct');
    }
  });
});
