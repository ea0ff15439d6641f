/**
 * Sensor faults injected by the simulator (physics/sensor-fault.ts), read by the window analysis's
 * sensor checks: every fault is flagged `check_function` with its reason from the window it starts
 * in, the healthy channels and the windows before it are `ok`.
 */
import { describe, expect, it } from 'vitest';
import { MachineSimulation } from '../../../ingest/simulator/physics/machine-simulation.ts';
import type { SensorFaultType } from '../../../ingest/simulator/physics/sensor-fault.ts';
import { lookupBearing } from '../../../models/bearing/catalogue.ts';
import { WindowAnalyzer } from '../../../models/window-analysis.ts';
import { machine, START_MS } from '../../../tools/harness/simulator-physics.ts';

const FS = 25_600;
const WINDOW = 10 * 2560;
const FAULT_AT_S = 3;

/** The windows (1 s) of every channel of a pump whose DE_X sensor fails at `atS` (in window 3). */
function analyse(
  type: SensorFaultType,
  atS: number,
  extra: Record<string, unknown> = {},
): Map<string, Array<{ status: string; reasons: string[] }>> {
  const m = machine({ sensorFaults: [{ channel: 'DE_X', type, atS, ...extra }] });
  const sim = new MachineSimulation(m, { startTimeMs: START_MS });
  const analyzer = new WindowAnalyzer({ sampleRateHz: FS, windowSize: WINDOW, shaftHz: 1465 / 60, bearing: lookupBearing('6205-2RS') });
  const out = new Map<string, Array<{ status: string; reasons: string[] }>>();
  const buf = new Float32Array(2560);
  const window = new Float32Array(WINDOW);
  for (const ch of ['DE_X', 'DE_Y']) {
    const results: Array<{ status: string; reasons: string[] }> = [];
    for (let w = 0; w < 5; w++) {
      for (let b = 0; b < 10; b++) {
        sim.renderBlock(ch, w * 10 + b, buf);
        window.set(buf, b * 2560);
      }
      const a = analyzer.analyze(window);
      results.push({ status: a.sensor.status, reasons: a.sensor.reasons });
      if (a.sensor.status !== 'ok') {
        expect(a.iso20816.zone).toBe('unknown');
        expect(a.bearing).toEqual({ diagnosis: 'none', confidence: 0 });
      }
    }
    out.set(ch, results);
  }
  return out;
}

describe('simulated sensor faults are flagged by the sensor checks', () => {
  const cases: Array<[SensorFaultType, number, string, Record<string, unknown>, boolean]> = [
    // type, start (s), expected reason, options, whether windows after the one it starts in are flagged too
    ['dead', 3, 'flat_line', {}, true],
    ['dead', 3.5, 'flat_line', {}, true],
    ['flat', 3.3, 'flat_line', {}, true],
    ['offset', 3.5, 'offset_step', { offsetG: 2 }, false],
    ['clip', 3, 'clipping', {}, true],
    ['clip', 3, 'clipping', { levelG: 0.15 }, true],
    ['mains', 3, 'mains_only', {}, true],
    ['held', 3, 'sample_rate', {}, true],
    ['held', 3.5, 'sample_rate', {}, true],
  ];
  for (const [type, atS, reason, extra, lasting] of cases) {
    it(`${type} from ${atS} s: ${reason}`, () => {
      const r = analyse(type, atS, extra);
      const de = r.get('DE_X')!;
      for (const w of de.slice(0, FAULT_AT_S)) expect(w).toEqual({ status: 'ok', reasons: [] });
      expect(de[FAULT_AT_S].status).toBe('check_function');
      expect(de[FAULT_AT_S].reasons).toContain(reason);
      // A DC jump is a step only in the window it happens in (after it the level is steady).
      if (lasting) for (const w of de.slice(FAULT_AT_S)) expect(w.reasons).toContain(reason);
      for (const w of r.get('DE_Y')!) expect(w).toEqual({ status: 'ok', reasons: [] });
    });
  }

  it('the fleet file names the channel, and refuses one the machine does not have', () => {
    expect(() => machine({ sensorFaults: [{ channel: 'NDE_Q', type: 'dead', atS: 1 }] })).toThrow(/channel/);
    expect(() =>
      machine({ sensors: { vibration: [{ location: 'DE', axes: ['X'] }] }, sensorFaults: [{ channel: 'NDE_X', type: 'dead', atS: 1 }] }),
    ).toThrow(/not a channel of sensors\.vibration/);
  });
});
