/**
 * Peak-hold downsampling of a spectrum onto a coarser, evenly spaced frequency axis, for storage
 * and plots: output line j (at j x stepHz) holds the largest input bin whose frequency rounds to
 * it. The maximum, not the mean: a bearing defect line is one or two input bins wide, and
 * averaging it with the 5-10 floor bins that share its output line would sink it into the floor
 * (by 7-10 dB), exactly the evidence a stored spectrum must keep. The floor itself reads a little
 * high (the largest of a few noise bins), which an analyst expects from a peak-hold display.
 */

/** An evenly spaced axis: `lines` values at startHz + j x stepHz. */
export interface SpectrumAxis {
  startHz: number;
  stepHz: number;
  lines: number;
}

/**
 * The axis for at most `maxLines` lines from 0 up to `maxHz` of a spectrum of `bins` bins of
 * `binHz`: the step is never finer than the input's bin (there would be empty lines), and the top
 * is clipped to the last input bin.
 */
export function peakHoldAxis(binHz: number, bins: number, maxHz: number, maxLines: number): SpectrumAxis {
  if (!(binHz > 0) || !(bins >= 2) || !(maxHz > 0) || !(Number.isInteger(maxLines) && maxLines >= 2))
    throw new RangeError(
      `peakHoldAxis: needs binHz > 0, bins >= 2, maxHz > 0, integer maxLines >= 2 (got ${binHz}, ${bins}, ${maxHz}, ${maxLines})`,
    );
  const topHz = Math.min(maxHz, (bins - 1) * binHz);
  const stepHz = Math.max(binHz, topHz / (maxLines - 1));
  return { startHz: 0, stepHz, lines: Math.min(maxLines, Math.floor(topHz / stepHz + 1e-9) + 1) };
}

/**
 * Writes the peak-hold of `input` (bin k at k x binHz) onto `axis` into `out` (length >= axis.lines).
 * Input bins beyond the axis's last line (by more than half a step) are left out.
 */
export function peakHold(out: Float64Array, input: Float64Array, binHz: number, axis: SpectrumAxis): void {
  if (out.length < axis.lines) throw new RangeError(`peakHold: output holds ${out.length} lines, the axis has ${axis.lines}`);
  out.fill(-Infinity, 0, axis.lines);
  const perBin = binHz / axis.stepHz;
  const last = axis.lines - 1;
  for (let k = 0; k < input.length; k++) {
    const j = Math.round((k * binHz - axis.startHz) / axis.stepHz);
    if (j < 0) continue;
    if (j > last) break;
    if (input[k] > out[j]) out[j] = input[k];
  }
  // A line no bin rounds to (only when stepHz < binHz, which peakHoldAxis never makes): nearest bin.
  for (let j = 0; j <= last; j++) {
    if (out[j] === -Infinity) out[j] = input[Math.min(input.length - 1, Math.round(j / perBin))] ?? 0;
  }
}
