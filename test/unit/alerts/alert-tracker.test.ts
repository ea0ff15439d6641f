/**
 * Alert episodes (models/alerts): hysteresis so a value at a boundary does not flap, one start and
 * one end per episode, an unknown observation that neither confirms nor clears, silence on the
 * wall clock, and a restored state that raises no second start.
 */
import { describe, expect, it } from 'vitest';
import { ALERT_KINDS, decodeAlertEvent, encodeAlertEvent } from '../../../common/wire/alert-event.ts';
import { type AlertEvent, AlertTracker, type AlertTrackerConfig, type AlertWindow } from '../../../models/alerts/alert-tracker.ts';
import { newEpisode, observe } from '../../../models/alerts/episode.ts';

const CONFIG: AlertTrackerConfig = { kinds: ALERT_KINDS, hysteresis: { confirm: 3, clear: 5 }, rulLeadTimeS: 86_400, silentAfterS: 30 };

function win(tsMs: number, zone: AlertWindow['zone'], extra: Partial<AlertWindow> = {}): AlertWindow {
  return {
    machine: 'fan-1',
    channel: 'DE_X',
    tsMs,
    zone,
    velocityMmS: { A: 1, B: 2, C: 5, D: 9, unknown: 0 }[zone],
    sensor: { status: 'ok', reasonsText: '' },
    ...extra,
  };
}

/** Feed zones one per second from t=1000 ms; returns every event. */
function feedZones(tracker: AlertTracker, zones: string, startMs = 1000): AlertEvent[] {
  const out: AlertEvent[] = [];
  [...zones].forEach((z, i) => {
    out.push(...tracker.onWindow(win(startMs + i * 1000, z === '?' ? 'unknown' : (z as AlertWindow['zone'])), startMs + i * 1000));
  });
  return out;
}

describe('episode hysteresis', () => {
  it('starts after `confirm` consecutive findings and ends after `clear` consecutive absences, at the first of each run', () => {
    const s = newEpisode();
    const h = { confirm: 2, clear: 3 };
    const f = { severity: 'warning' as const, detail: 'x' };
    const seq: Array<[number, typeof f | null]> = [
      [1, f],
      [2, null],
      [3, f],
      [4, f],
      [5, null],
      [6, f],
      [7, null],
      [8, null],
      [9, null],
    ];
    const changes = seq.map(([t, x]) => observe(s, t, x, h)).filter((c) => c !== undefined);
    expect(changes).toEqual([
      { event: 'start', atMs: 3, finding: f },
      { event: 'end', atMs: 7, startedAtMs: 3, finding: f },
    ]);
  });
});

describe('AlertTracker', () => {
  it('a zone that hovers at the C boundary raises one episode, not one per window', () => {
    const t = new AlertTracker(CONFIG);
    // B, then C with single B windows in between (never 5 in a row), then clean B.
    const events = feedZones(t, 'BBCCCBCCBCCCBCBBBBBB');
    expect(events.map((e) => [e.kind, e.event, e.ts_ms])).toEqual([
      ['iso_zone', 'start', 3000],
      ['iso_zone', 'end', 15_000],
    ]);
    expect(events[1]).toMatchObject({ started_at_ms: 3000, duration_s: 12, severity: 'warning', channel: 'DE_X', value: 5 });
  });

  it('escalates an open zone episode to critical on D without a second start; the end carries the worst', () => {
    const t = new AlertTracker(CONFIG);
    const events = feedZones(t, 'CCCDDDBBBBB');
    expect(events.map((e) => [e.event, e.severity])).toEqual([
      ['start', 'warning'],
      ['end', 'critical'],
    ]);
    expect(events[1].detail).toContain('zone D');
  });

  it('a healthy machine raises nothing', () => {
    const t = new AlertTracker(CONFIG);
    expect(feedZones(t, 'AAAABBBBABABAB')).toEqual([]);
    for (let i = 0; i < 10; i++)
      expect(t.onHealth({ machine: 'fan-1', tsMs: i * 1000, state: 'normal', rulMedianS: 10 * 86_400, rulBasis: 'fleet' })).toEqual([]);
  });

  it('a window whose sensor failed says nothing about the zone, and raises a sensor episode', () => {
    const t = new AlertTracker(CONFIG);
    const events: AlertEvent[] = [];
    let ts = 1000;
    const at = (zone: AlertWindow['zone'], failed: boolean) => {
      events.push(...t.onWindow(win(ts, zone, failed ? { sensor: { status: 'check_function', reasonsText: 'flat line' } } : {}), ts));
      ts += 1000;
    };
    for (const z of 'CCC') at(z as 'C', false);
    // Unknown zone: the clearing run must not count these.
    for (let i = 0; i < 4; i++) at('unknown', true);
    for (let i = 0; i < 4; i++) at('B', false);
    expect(events.map((e) => [e.kind, e.event])).toEqual([
      ['iso_zone', 'start'],
      ['sensor', 'start'],
    ]);
    at('B', false); // 5th valid B: zone ends; 5th ok sensor: sensor ends
    expect(events.map((e) => [e.kind, e.event]).slice(2)).toEqual([
      ['sensor', 'end'],
      ['iso_zone', 'end'],
    ]);
    expect(events[1].detail).toBe('sensor check failed: flat line');
  });

  it('health state and remaining life open and close their episodes; check_function neither starts nor clears', () => {
    const t = new AlertTracker(CONFIG);
    const events: AlertEvent[] = [];
    const states = [
      ...Array(3).fill(['maintenance_required', 40_000]),
      ...Array(6).fill(['check_function', Number.NaN]),
      ...Array(2).fill(['failure', 10_000]),
      ...Array(5).fill(['normal', Number.NaN]),
    ] as Array<[string, number]>;
    states.forEach(([state, rul], i) => {
      events.push(...t.onHealth({ machine: 'fan-1', tsMs: i * 1000, state, rulMedianS: rul, rulBasis: 'degradation' }));
    });
    expect(events.map((e) => [e.kind, e.event, e.ts_ms, e.severity])).toEqual([
      ['health_state', 'start', 0, 'warning'],
      ['remaining_life', 'start', 0, 'warning'],
      ['health_state', 'end', 11_000, 'critical'],
      ['remaining_life', 'end', 11_000, 'warning'],
    ]);
    expect(events[1].value).toBe(40_000);
    expect(events[1].detail).toContain('under the lead time of 1.0 d');
  });

  it("a state held up by a suspect baseline says why in the episode's detail", () => {
    const t = new AlertTracker(CONFIG);
    const events: AlertEvent[] = [];
    for (let i = 0; i < 3; i++)
      events.push(
        ...t.onHealth({
          machine: 'pump-4',
          tsMs: i * 1000,
          state: 'maintenance_required',
          rulMedianS: Number.NaN,
          rulBasis: null,
          baselineSuspect: 'DE_Z 2X high (1.66 mm/s, 1X 1.10 mm/s)',
        }),
      );
    expect(events.map((e) => [e.kind, e.event, e.detail])).toEqual([
      ['health_state', 'start', 'NE 107 state maintenance_required; baseline suspect: DE_Z 2X high (1.66 mm/s, 1X 1.10 mm/s)'],
    ]);
  });

  it('silence: a machine not heard for silentAfterS starts one episode on the wall clock, ended by its next window', () => {
    const t = new AlertTracker(CONFIG);
    t.onWindow(win(1000, 'A'), 5000);
    expect(t.tick(5000 + 30_000)).toEqual([]);
    const started = t.tick(5000 + 30_001);
    expect(started).toMatchObject([{ kind: 'silence', channel: '*', event: 'start', ts_ms: 31_000 }]);
    expect(t.tick(5000 + 90_000)).toEqual([]);
    const ended = t.onWindow(win(100_000, 'A'), 100_000);
    expect(ended).toMatchObject([{ kind: 'silence', channel: '*', event: 'end', ts_ms: 100_000, started_at_ms: 31_000, duration_s: 69 }]);
  });

  it('a silence that could not be delivered is rolled back and raised again at the next check', () => {
    const t = new AlertTracker(CONFIG);
    t.onWindow(win(1000, 'A'), 5000);
    const before = t.checkpoint('fan-1')!;
    expect(t.tick(40_000)).toHaveLength(1);
    t.rollback('fan-1', before);
    expect(t.openEpisodes('fan-1')).toEqual([]);
    expect(t.tick(41_000)).toMatchObject([{ kind: 'silence', event: 'start', ts_ms: 31_000 }]);
  });

  it("silence of one channel while the machine's others send", () => {
    const t = new AlertTracker(CONFIG);
    t.onWindow(win(1000, 'A', { channel: 'NDE_Y' }), 1000);
    for (let s = 1; s <= 40; s++) t.onWindow(win(1000 + s * 1000, 'A'), 1000 + s * 1000);
    expect(t.tick(41_000)).toMatchObject([{ kind: 'silence', channel: 'NDE_Y', event: 'start', ts_ms: 31_000 }]);
    expect(t.tick(42_000)).toEqual([]);
  });

  it('a restored state raises no second start, skips replayed windows, and ends the episode once', () => {
    const t = new AlertTracker(CONFIG);
    expect(feedZones(t, 'CCCC').map((e) => e.event)).toEqual(['start']);
    const saved = JSON.parse(JSON.stringify(t.checkpoint('fan-1')));
    const after = new AlertTracker(CONFIG);
    after.restore('fan-1', saved, 10_000);
    expect(after.openEpisodes('fan-1')).toEqual(['iso_zone/DE_X']);
    // The replay from the committed offset: windows already observed, then new ones.
    expect(feedZones(after, 'CCCC')).toEqual([]);
    const tail = feedZones(after, 'CBBBBB', 5000);
    expect(tail.map((e) => [e.event, e.started_at_ms, e.ts_ms])).toEqual([['end', 1000, 6000]]);
    // No silence from the restore itself: the restore time starts the grace.
    expect(new AlertTracker(CONFIG).tick(10_000)).toEqual([]);
    const idle = new AlertTracker(CONFIG);
    idle.restore('fan-1', saved, 10_000);
    expect(idle.tick(10_000 + 29_000)).toEqual([]);
  });

  it('refuses a state of an unknown version, naming the machine', () => {
    expect(() => new AlertTracker(CONFIG).restore('fan-1', { version: 9 } as never, 0)).toThrow(/fan-1.*version 9/);
  });
});

describe('alert event wire format', () => {
  it('round-trips, and names what is wrong in a malformed event', () => {
    const e = {
      machine: 'fan-1',
      kind: 'iso_zone',
      channel: 'DE_X',
      event: 'end',
      ts_ms: 2,
      started_at_ms: 1,
      severity: 'warning',
      detail: 'z',
      duration_s: 0.001,
      raised_at_ms: 3,
    } as const;
    expect(decodeAlertEvent(encodeAlertEvent(e))).toEqual({ v: 1, ...e });
    expect(() => decodeAlertEvent(Buffer.from(JSON.stringify({ v: 1, ...e, kind: 'loud', duration_s: undefined })))).toThrow(
      /kind "loud" is not one of .*; an end has no duration_s/,
    );
    expect(() => decodeAlertEvent(Buffer.from('{"v":2}'))).toThrow(/unknown version 2/);
  });
});
