/**
 * An acquisition change: at one instant every channel of the machine reports its vibration with
 * another gain and bias, and keeps doing so (a sensor remounted, a channel re-ranged with the old
 * sensitivity still configured, a DAQ replaced). The machine is unchanged; only what every
 * channel reports. What the processor must record as a system event and not alarm on
 * (models/health/system-event.ts). Sample-exact and stateless, so a block rendered twice or
 * split reads the same.
 */
export interface AcquisitionChangeSpec {
  /** Signal seconds from the start of the simulation (block seq 0) at which it happens. */
  atS: number;
  /** Factor on every sample from then on (1.2: levels read 20 % higher). */
  gain: number;
  /** DC added to every sample from then on, g. */
  offsetG: number;
}

/** Applies the changes in force to block `seq` of `blockSize` samples of a channel sampled at `sampleRateHz` (in place). */
export function applyAcquisitionChanges(
  changes: readonly AcquisitionChangeSpec[],
  out: Float32Array,
  seq: number,
  blockSize: number,
  sampleRateHz: number,
): void {
  const first = seq * blockSize;
  for (const c of changes) {
    const from = Math.max(0, Math.round(c.atS * sampleRateHz) - first);
    for (let i = from; i < blockSize; i++) out[i] = out[i] * c.gain + c.offsetG;
  }
}
