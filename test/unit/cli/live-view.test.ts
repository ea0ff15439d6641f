import { describe, expect, it } from 'vitest';
import { baselineQualityText, diagnosisText, missingText, openAlertsText } from '../../../cli/live-view.ts';
import { NO_WAVEFORM } from '../../../storage/schema.ts';

describe('live view: missing blocks', () => {
  it('none', () => {
    expect(missingText([{ missingBlocks: 0, missingByCause: {} }])).toBe('0 missing');
  });

  it("tells the collector's own downtime apart from blocks lost while it ran, summed over machines", () => {
    const text = missingText([
      { missingBlocks: 635_502, missingByCause: { collector_down: 635_500, lost_in_flight: 2 } },
      { missingBlocks: 13, missingByCause: { collector_down: 10, disconnected: 3 } },
    ]);
    expect(text).toBe('635515 missing (635510 while the collector was stopped; lost while running: 2 lost in flight, 3 disconnected)');
  });

  it('only losses while running', () => {
    expect(missingText([{ missingBlocks: 4, missingByCause: { spool_full: 4 } }])).toBe('4 missing (lost while running: 4 spool full)');
    // A stopped machine acquires nothing: not a loss.
    expect(missingText([{ missingBlocks: 603, missingByCause: { not_running: 600, lost_in_flight: 3 } }])).toBe(
      '603 missing (600 while the machine was not running; lost while running: 3 lost in flight)',
    );
  });
});

describe('live view: open alert episodes', () => {
  it('lists them after the health summary, and says nothing when none is open', () => {
    expect(openAlertsText(['iso_zone/DE_X', 'silence/*'])).toBe('   | alerts: iso_zone/DE_X, silence/*');
    expect(openAlertsText([])).toBe('');
  });
});

describe('live view: bearing diagnosis', () => {
  it('leads with the accumulated diagnosis, the window’s own beside it', () => {
    const accumulated = { diagnosis: 'inner_race', confidence: 0.9991, windows: 42 };
    expect(diagnosisText({ diagnosis: 'none', confidence: 0.7, referenceWindows: 0, accumulated })).toBe(
      'inner_race 1.00 over 42 windows, this one none',
    );
    expect(diagnosisText({ diagnosis: 'inner_race', confidence: 0.93, referenceWindows: 8, accumulated })).toBe(
      'inner_race 1.00 over 42 windows, this one inner_race 0.93 (vs healthy)',
    );
  });

  it('shows the window’s own on channels without a bearing (nothing accumulated)', () => {
    expect(diagnosisText({ diagnosis: 'none', confidence: 0, referenceWindows: 0 })).toBe('none');
  });

  it('says "no waveform" for a scalar sensor, never a healthy-looking none', () => {
    expect(diagnosisText({ diagnosis: NO_WAVEFORM, confidence: Number.NaN, referenceWindows: 0 })).toBe('no waveform (scalar sensor)');
  });
});

describe('live view: baseline quality', () => {
  it('says when the baseline is suspect, and nothing when it is good, unknown or still learnt', () => {
    expect(baselineQualityText('suspect')).toBe(' (baseline suspect: see /health)');
    for (const q of ['good', 'unknown', undefined]) expect(baselineQualityText(q)).toBe('');
  });
});
