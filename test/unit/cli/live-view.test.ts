import { describe, expect, it } from 'vitest';
import { missingText, openAlertsText } from '../../../cli/live-view.ts';

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
  });
});

describe('live view: open alert episodes', () => {
  it('lists them after the health summary, and says nothing when none is open', () => {
    expect(openAlertsText(['iso_zone/DE_X', 'silence/*'])).toBe('   | alerts: iso_zone/DE_X, silence/*');
    expect(openAlertsText([])).toBe('');
  });
});
