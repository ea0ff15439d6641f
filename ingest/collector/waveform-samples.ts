/**
 * A waveform notification's value as the float32 samples a frame carries: Float arrays as they
 * are (no copy), Double arrays rounded to float32, Int16/Int32 counts (data loggers) turned into
 * units with the configured value = raw * scale + offset, computed in float64 and rounded once.
 */
export interface Scaling {
  scale: number;
  offset: number;
}

/** The samples, or undefined when the value is not a non-empty numeric array. */
export function toSamples(raw: unknown, scaling: Scaling | undefined): Float32Array | undefined {
  if (!ArrayBuffer.isView(raw) && !Array.isArray(raw)) return undefined;
  const values = raw as ArrayLike<number>;
  if (values.length === 0) return undefined;
  if (!scaling) return raw instanceof Float32Array ? raw : Float32Array.from(values);
  const out = new Float32Array(values.length);
  const { scale, offset } = scaling;
  for (let i = 0; i < values.length; i++) out[i] = values[i] * scale + offset;
  return out;
}
