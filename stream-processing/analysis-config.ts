/**
 * The analysis configuration of one window (sample rate, size, shaft speed, ISO class, bearing
 * and learnt reference) and the key under which the workers cache the analyser built for it.
 */
import { lookupBearing } from '../models/bearing/catalogue.ts';
import type { BearingGeometry, WindowAnalysisConfig } from '../models/window-analysis.ts';
import type { MachineHealthTracker } from './machine-health.ts';
import type { ProcessorConfig } from './processor-config.ts';
import type { CompletedWindow } from './windowing.ts';

/** What the configuration of a window depends on beyond the window itself. */
export interface AnalysisContext {
  config: ProcessorConfig;
  /** Latest shaft speed per machine from its energy readings (rpm). */
  speedRpm: ReadonlyMap<string, number>;
  /** The health model, for the channel's learnt healthy reference; none without the health model. */
  health: MachineHealthTracker | undefined;
}

export function analysisConfig(w: CompletedWindow, ctx: AnalysisContext): { key: string; config: WindowAnalysisConfig } {
  const m = ctx.config.machines[w.machine];
  const rpm = ctx.speedRpm.get(w.machine) ?? m?.shaftRpm;
  // The window's speed (0.1 rpm resolution) goes with the request, not into the key: the worker's
  // analyzer for this channel serves every speed (worker.ts). The key says only whether one is given.
  const shaftHz = rpm !== undefined ? Math.round(rpm * 10) / 600 : undefined;
  const iso = m?.iso ?? ctx.config.iso;
  // The bearing to watch is the one at the channel's location (declared, or from the id: channel-meaning.ts).
  const { location, quantity, units } = w.meaning;
  const bearingRef = m?.bearings?.[location];
  const bearing: BearingGeometry | undefined =
    bearingRef === undefined ? undefined : typeof bearingRef === 'string' ? lookupBearing(bearingRef) : bearingRef;
  const learnt = bearing ? ctx.health?.reference(w.machine, w.channel) : undefined;
  const config: WindowAnalysisConfig = {
    sampleRateHz: w.sampleRateHz,
    windowSize: w.samples.length,
    shaftHz,
    iso,
    bearing,
    ...(learnt ? { reference: learnt.reference } : {}),
    quantity,
    units,
  };
  // Defaults stay implicit (and out of the key); overrides or `false` go to the analyzer.
  const sensorCheck = ctx.config.sensorCheck;
  const customSensorCheck = sensorCheck === false || Object.keys(sensorCheck).length > 0;
  if (customSensorCheck) config.sensorCheck = sensorCheck;
  const bearingKey = bearingRef === undefined ? '-' : typeof bearingRef === 'string' ? bearingRef : JSON.stringify(bearingRef);
  return {
    // Neither the speed nor the learnt reference is in the key: both go with each window.
    key: `${w.sampleRateHz}|${w.samples.length}|${shaftHz === undefined ? 'estimated' : 'given'}|${iso.group}${iso.foundation}|${bearingKey}|${quantity}|${units}${customSensorCheck ? `|${JSON.stringify(sensorCheck)}` : ''}`,
    config,
  };
}
