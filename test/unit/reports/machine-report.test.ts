/**
 * `pdm report` without QuestDB or a browser: the times --from/--to take and the range they make,
 * the trend bucket, and the shaping of QuestDB's rows into the page (episodes paired from their
 * start and end rows, spectra with their markers, trends on one time axis with holes, the summary
 * in words, sections that say why they are empty). The queries and the drawing run against the
 * real QuestDB and Chromium in test/integration/dashboards/dashboard-sql.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../cli/command-line.ts';
import { renderMachineReport } from '../../../cli/report/machine-report.ts';
import { alignSeries, pairEpisodes, shapeMachineReport, spectrumViews } from '../../../cli/report/machine-report-data.ts';
import { type MachineRecords, reportQueries, trendBucketS } from '../../../cli/report/machine-report-queries.ts';
import { DEFAULT_SPAN_MS, glueRelativeTimes, parseTimeSpec, resolveRange } from '../../../cli/report/time-range.ts';
import { tableNames } from '../../../storage/tables.ts';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const H = 3_600_000;
const ASSETS = { js: '/* uPlot */', css: '/* css */' };

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

describe('--from / --to times', () => {
  it.each([
    ['2026-11-01T06:00:00Z', { kind: 'absolute', ms: Date.parse('2026-11-01T06:00:00Z') }],
    ['2026-11-01T07:00+01:00', { kind: 'absolute', ms: Date.parse('2026-11-01T06:00:00Z') }],
    ['2026-11-01T06:00:00.250Z', { kind: 'absolute', ms: Date.parse('2026-11-01T06:00:00.250Z') }],
    ['2026-11-01', { kind: 'absolute', ms: Date.parse('2026-11-01T00:00:00Z') }],
    ['now', { kind: 'relative', offsetMs: 0 }],
    ['-24h', { kind: 'relative', offsetMs: -24 * H }],
    ['now-7d', { kind: 'relative', offsetMs: -7 * 24 * H }],
    ['-30m', { kind: 'relative', offsetMs: -30 * 60_000 }],
    ['-90s', { kind: 'relative', offsetMs: -90_000 }],
    ['-2w', { kind: 'relative', offsetMs: -14 * 24 * H }],
    ['-1.5h', { kind: 'relative', offsetMs: -1.5 * H }],
  ])('%s', (text, spec) => {
    expect(parseTimeSpec(text, '--from')).toEqual(spec);
  });

  it.each([
    'yesterday',
    '2026-11-01T06:00:00', // no zone: read in the local zone, refused
    '2026-02-30',
    '-5y',
    '+1h',
    'now+1h',
    '',
  ])('refuses %j with a usage error naming the option and the accepted forms', (text) => {
    const err = thrown(() => parseTimeSpec(text, '--to'));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe(
      `--to must be an ISO 8601 time with a zone (2026-11-01T06:00:00Z), a date (2026-11-01, UTC), 'now' or a time before now (-24h, now-7d; units s, m, h, d, w), got '${text}'`,
    );
  });

  it('--from -24h is taken as --from=-24h (the option parser would take -24h for an option); nothing else is glued', () => {
    expect(glueRelativeTimes(['--machine', 'm', '--from', '-24h', '--to', 'now-1h'], ['--from', '--to'])).toEqual([
      '--machine',
      'm',
      '--from=-24h',
      '--to',
      'now-1h',
    ]);
    expect(glueRelativeTimes(['--to', '-h'], ['--from', '--to'])).toEqual(['--to', '-h']);
    expect(glueRelativeTimes(['--machine', '-7d'], ['--from', '--to'])).toEqual(['--machine', '-7d']);
  });

  it('range: --to defaults to now, --from to a week before --to; relative times count from now', () => {
    expect(resolveRange(undefined, undefined, NOW)).toEqual({ fromMs: NOW - DEFAULT_SPAN_MS, toMs: NOW });
    const to = parseTimeSpec('2026-11-10T00:00:00Z', '--to');
    expect(resolveRange(undefined, to, NOW)).toEqual({
      fromMs: Date.parse('2026-11-03T00:00:00Z'),
      toMs: Date.parse('2026-11-10T00:00:00Z'),
    });
    expect(resolveRange(parseTimeSpec('-24h', '--from'), parseTimeSpec('now-1h', '--to'), NOW)).toEqual({
      fromMs: NOW - 24 * H,
      toMs: NOW - H,
    });
  });

  it('range: --from at or after --to is a usage error naming both times', () => {
    const err = thrown(() => resolveRange(parseTimeSpec('-1h', '--from'), parseTimeSpec('-2h', '--to'), NOW));
    expect(err).toBeInstanceOf(UsageError);
    expect(err.message).toBe('--from (2026-12-03T11:00:00.000Z) must be before --to (2026-12-03T10:00:00.000Z)');
    expect(thrown(() => resolveRange(parseTimeSpec('now', '--from'), undefined, NOW)).message).toContain('(default: now)');
  });
});

describe('queries', () => {
  it('trend bucket: the smallest round step giving at most 600 points', () => {
    expect(trendBucketS({ fromMs: 0, toMs: 10_000 })).toBe(1);
    expect(trendBucketS({ fromMs: 0, toMs: 24 * H })).toBe(300); // 144 s needed
    expect(trendBucketS({ fromMs: 0, toMs: 7 * 24 * H })).toBe(1800); // 1008 s needed
    expect(trendBucketS({ fromMs: 0, toMs: 30 * 24 * H })).toBe(7200); // 4320 s needed
    for (const span of [10_000, H, 24 * H, 7 * 24 * H, 30 * 24 * H, 365 * 24 * H])
      expect(span / 1000 / trendBucketS({ fromMs: 0, toMs: span })).toBeLessThanOrEqual(600);
  });

  it('every statement reads the prefixed tables, quotes the machine, and the trends are sampled in QuestDB', () => {
    const t = tableNames('plant2_');
    const q = reportQueries(t, "o'brien-1", { fromMs: 0, toMs: 7 * 24 * H });
    expect(Object.keys(q).length).toBeGreaterThan(10);
    for (const sql of Object.values(q)) {
      expect(sql).toMatch(/FROM plant2_/);
      expect(sql).not.toMatch(/FROM (vibration_|machine_health|alerts|collection_gaps)/);
    }
    expect(q.features).toContain("machine = 'o''brien-1'");
    for (const trend of [q.features, q.evidence, q.health]) expect(trend).toContain('SAMPLE BY 1800s');
  });
});

describe('shaping', () => {
  it('aligns series on one time axis, a bucket without a value a hole', () => {
    const rows = [
      { ts: '2026-12-01T00:00:00.000000Z', channel: 'DE_X', v: 1 },
      { ts: '2026-12-01T00:00:00.000000Z', channel: 'NDE_Y', v: 2 },
      { ts: '2026-12-01T00:01:00.000000Z', channel: 'DE_X', v: 3 },
      { ts: '2026-12-01T00:02:00.000000Z', channel: 'NDE_Y', v: null },
    ];
    const a = alignSeries(
      rows,
      (r) => String(r.channel),
      (r) => (r.v === null ? null : Number(r.v)),
    );
    const t0 = Date.parse('2026-12-01T00:00:00Z') / 1000;
    expect(a.t).toEqual([t0, t0 + 60, t0 + 120]);
    expect(a.y.get('DE_X')).toEqual([1, 3, null]);
    expect(a.y.get('NDE_Y')).toEqual([2, null, null]);
  });

  it('pairs episodes by kind, channel and start: ended in range, open at the end, ended before the range left out', () => {
    const from = Date.parse('2026-12-01T00:00:00Z');
    const to = Date.parse('2026-12-02T00:00:00Z');
    const row = (ts: string, kind: string, channel: string, event: string, startedAt: string, severity: string, extra = {}) => ({
      ts,
      kind,
      channel,
      event,
      started_at: startedAt,
      severity,
      detail: `${kind} ${channel}`,
      ...extra,
    });
    const episodes = pairEpisodes(
      [
        // Ended before the range: left out.
        row('2026-11-30T10:00:00.000000Z', 'iso_zone', 'DE_X', 'start', '2026-11-30T10:00:00.000000Z', 'warning'),
        row('2026-11-30T11:00:00.000000Z', 'iso_zone', 'DE_X', 'end', '2026-11-30T10:00:00.000000Z', 'warning', { duration_s: 3600 }),
        // Started before the range, ended in it, worse at its end.
        row('2026-11-30T20:00:00.000000Z', 'health_state', '*', 'start', '2026-11-30T20:00:00.000000Z', 'warning'),
        row('2026-12-01T02:00:00.000000Z', 'health_state', '*', 'end', '2026-11-30T20:00:00.000000Z', 'critical', { duration_s: 21_600 }),
        // The same channel's next episode, still open at the end of the range.
        row('2026-12-01T12:00:00.000000Z', 'iso_zone', 'DE_X', 'start', '2026-12-01T12:00:00.000000Z', 'critical'),
      ],
      from,
      to,
    );
    expect(episodes).toEqual([
      {
        kind: 'health_state',
        channel: '*',
        startedAtMs: Date.parse('2026-11-30T20:00:00Z'),
        endedAtMs: Date.parse('2026-12-01T02:00:00Z'),
        durationS: 21_600,
        severity: 'critical',
        detail: 'health_state *',
      },
      {
        kind: 'iso_zone',
        channel: 'DE_X',
        startedAtMs: Date.parse('2026-12-01T12:00:00Z'),
        durationS: 12 * 3600,
        severity: 'critical',
        detail: 'iso_zone DE_X',
      },
    ]);
  });

  it('spectra: 1X..10X within the stored band on the amplitude spectrum, each family at the envelope window’s defect frequency', () => {
    const ts = '2026-12-01T00:00:00.000000Z';
    const views = spectrumViews(
      [
        {
          ts,
          channel: 'DE_X',
          kind: 'amplitude',
          shaft_hz: 25,
          start_hz: 0,
          step_hz: 1,
          lines: 201,
          spectrum: Array.from({ length: 201 }, (_, i) => i / 1000),
        },
        // A DOUBLE[] as text: parsed the same.
        {
          ts,
          channel: 'DE_X',
          kind: 'envelope',
          shaft_hz: 25,
          start_hz: 0,
          step_hz: 0.5,
          lines: 1001,
          spectrum: JSON.stringify(Array(1001).fill(1e-6)),
        },
      ],
      [
        { ts, channel: 'DE_X', family: 'bpfo', defect_hz: 89.4 },
        { ts, channel: 'DE_X', family: 'bpfi', defect_hz: 135.6 },
        { ts, channel: 'DE_X', family: 'bsf', defect_hz: 58.7 },
        { ts, channel: 'DE_X', family: 'ftf', defect_hz: 9.9 },
        // Another window's row: not this spectrum's.
        { ts: '2026-11-30T00:00:00.000000Z', channel: 'DE_X', family: 'bpfo', defect_hz: 50 },
      ],
    );
    const [amplitude, envelope] = views;
    expect(amplitude.kind).toBe('amplitude');
    // The band is 0..200 Hz: 1X..8X fit.
    expect(amplitude.markers.map((m) => [m.label, m.hz])).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((k) => [`${k}X`, 25 * k]));
    expect(amplitude.initialMaxHz).toBe(200);
    expect(envelope.y).toHaveLength(1001);
    const fundamentals = envelope.markers.filter((m) => m.strong).map((m) => [m.family, m.hz]);
    expect(fundamentals).toEqual([
      ['bpfo', 89.4],
      ['bpfi', 135.6],
      ['bsf', 58.7],
      ['ftf', 9.9],
    ]);
    // Harmonics up to the family's count, inside the stored 0..500 Hz.
    expect(envelope.markers.filter((m) => m.family === 'bpfo').map((m) => m.label)).toEqual(['BPFO', '2×', '3×', '4×', '5×']);
    expect(envelope.markers.filter((m) => m.family === 'bpfi').map((m) => m.hz)).toEqual([135.6, 271.2, 406.8]);
  });
});

function records(overrides: Partial<MachineRecords> = {}): MachineRecords {
  return {
    machine: 'pump-1',
    range: { fromMs: NOW - 24 * H, toMs: NOW },
    bucketS: 300,
    features: [],
    evidence: [],
    health: [],
    latestHealth: undefined,
    latestChannels: [],
    coverage: [],
    spectra: [],
    defects: [],
    alerts: [],
    gaps: [],
    gapTotals: { gaps: 0, missingBlocks: 0 },
    ...overrides,
  };
}

describe('the page', () => {
  it('a machine without data in the range: every section says why, no plot', () => {
    const r = shapeMachineReport(records(), NOW);
    expect(r.summary).toEqual([
      'Health: no health record in this range (the health model writes one per window once it has learned the machine).',
      'Vibration: no windows in this range.',
      'Remaining life: no estimate in this range.',
      'Alerts: none open at the end of the range.',
    ]);
    const page = renderMachineReport(r, ASSETS);
    expect(page).not.toContain('id="plot-');
    for (const why of [
      'No windows of this machine in this range',
      'No health record in this range',
      'No remaining-life estimate in this range',
      'No spectra stored in this range',
      'No alert episode in this range.',
      'No collection gap in this range',
    ])
      expect(page).toContain(why);
  });

  it('the summary: state, worst zone, diagnosis with confidence (accumulated where stored), remaining life with its interval, open alerts', () => {
    const ts = (h: number) => new Date(NOW - h * H).toISOString();
    const r = shapeMachineReport(
      records({
        features: [
          { ts: ts(3), channel: 'DE_X', velocity_mm_s: 3, velocity_max_mm_s: 3.2, zone_rank: 2, kurtosis: 3 },
          { ts: ts(2), channel: 'DE_X', velocity_mm_s: 5, velocity_max_mm_s: 7.4, zone_rank: 3, kurtosis: 4 },
          { ts: ts(2), channel: 'NDE_Y', velocity_mm_s: 2, velocity_max_mm_s: 2.1, zone_rank: 2, kurtosis: 3 },
        ],
        latestChannels: [
          // The last window does not name the fault (a weak fault flickers); the accumulated diagnosis does.
          {
            ts: ts(1),
            channel: 'DE_X',
            velocity_rms_mm_s: 6.1,
            iso_zone: 'C',
            bearing_diagnosis: 'none',
            bearing_confidence: 0.4,
            accumulated_diagnosis: 'outer_race',
            accumulated_confidence: 0.9991,
            accumulated_windows: 12,
          },
          // A table from before the accumulated diagnosis: the window's own.
          { ts: ts(1), channel: 'NDE_Y', velocity_rms_mm_s: 2.0, iso_zone: 'B', bearing_diagnosis: 'inner_race', bearing_confidence: 0.82 },
          // A scalar sensor: nothing to diagnose from.
          { ts: ts(1), channel: 'T1', velocity_rms_mm_s: 1.0, iso_zone: 'A', bearing_diagnosis: 'no_waveform', bearing_confidence: 0 },
        ],
        coverage: [
          { channel: 'DE_X', windows: 100, first: ts(20), last: ts(1) },
          { channel: 'NDE_Y', windows: 98, first: ts(20), last: ts(1) },
          { channel: 'T1', windows: 10, first: ts(20), last: ts(1) },
        ],
        health: [
          {
            ts: ts(2),
            anomaly_score: 0.4,
            health_rank: 1,
            alarm: 0,
            rul_median_s: 40 * 3600,
            rul_lower_s: 20 * 3600,
            rul_upper_s: 80 * 3600,
            rul_basis: 'fleet',
          },
          {
            ts: ts(1),
            anomaly_score: 0.7,
            health_rank: 2,
            alarm: 1,
            rul_median_s: null,
            rul_lower_s: null,
            rul_upper_s: null,
            rul_basis: null,
          },
        ],
        latestHealth: { ts: ts(1), health_state: 'out_of_specification', anomaly_score: 0.7, alarm: true, rul_median_s: null },
        alerts: [
          { ts: ts(2), kind: 'iso_zone', channel: 'DE_X', event: 'start', started_at: ts(2), severity: 'warning', detail: 'zone C' },
        ],
        gapTotals: { gaps: 2, missingBlocks: 7 },
        spectra: [{ ts: ts(1), channel: 'DE_X', kind: 'amplitude', shaft_hz: 25, start_hz: 0, step_hz: 1, spectrum: [0, 1, 0.5, 0.2] }],
      }),
      NOW,
    );
    expect(r.summary).toEqual([
      `Health at ${ts(1).replace('T', ' ').replace('.000Z', 'Z')}: Out of specification (NE 107), anomaly score 0.70, anomaly alarm on.`,
      'Worst ISO 20816-3 zone in the range: C (7.40 mm/s RMS on DE_X); latest windows: DE_X zone C (6.10 mm/s), NDE_Y zone B (2.00 mm/s), T1 zone A (1.00 mm/s).',
      'Bearing diagnosis: DE_X outer race fault, confidence 1.00 (accumulated over 12 windows); NDE_Y inner race fault, confidence 0.82 (latest window). T1: no waveform (scalar sensor, overall values only), no bearing diagnosis.',
      // The latest record has no estimate: the last one in the range is reported.
      `Remaining life at ${ts(2).replace('T', ' ').replace('.000Z', 'Z')}: 40.0 h (median), 90 % interval 20.0 h – 80.0 h; basis: the fleet life distribution.`,
      `Alerts: 1 open at the end of the range (iso_zone DE_X, warning, since ${ts(2).replace('T', ' ').replace('.000Z', 'Z')}).`,
    ]);
    expect(r.coverage.text).toMatch(
      /^208 windows on 3 channels \(DE_X 100, NDE_Y 98, T1 10\) from .* 79 % of the range; 2 collection gaps, 7 blocks missing$/,
    );
    const page = renderMachineReport(r, ASSETS);
    expect(page).toContain(
      '<div class="v fault">Outer race fault</div><div class="d">DE_X · confidence 1.00 · accumulated over 12 windows · 2 channels</div>',
    );
    expect(page).toContain('No spectra of T1: a scalar sensor (overall values only, no waveform).');
    expect(r.rul?.unit).toBe('h');
    expect(r.rul?.median).toEqual([40, null]);
    expect(r.trends?.velocity.series.map((s) => [s.label, s.y])).toEqual([
      ['DE_X', [3, 5]],
      ['NDE_Y', [null, 2]],
      // A channel with windows but none in these buckets: a series of holes, not zeros.
      ['T1', [null, null]],
    ]);
  });

  it('escapes what comes from the database: a machine name with markup is text', () => {
    const name = `x<img src=y onerror="alert(1)">&'`;
    const page = renderMachineReport(shapeMachineReport(records({ machine: name }), NOW), ASSETS);
    expect(page).not.toContain('<img');
    expect(page).toContain('x&lt;img src=y onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
    // The embedded JSON cannot end its script element.
    expect(page.match(/<script type="application\/json" id="pdm-data">(.*?)<\/script>/s)?.[1]).not.toContain('<');
  });
});
