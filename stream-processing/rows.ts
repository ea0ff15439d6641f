/**
 * Rows for QuestDB, built by pure code (tested exactly) and written by the sink. A row is a
 * table name, symbols, typed columns and a designated timestamp in ns.
 */
export interface Row {
  table: string;
  symbols: Record<string, string>;
  doubles: Record<string, number>;
  longs: Record<string, number>;
  timestampsUs: Record<string, number>;
  booleans: Record<string, boolean>;
  tsNs: bigint;
}

export function row(table: string, tsNs: bigint, parts: Partial<Omit<Row, 'table' | 'tsNs'>> = {}): Row {
  return {
    table,
    tsNs,
    symbols: parts.symbols ?? {},
    doubles: parts.doubles ?? {},
    longs: parts.longs ?? {},
    timestampsUs: parts.timestampsUs ?? {},
    booleans: parts.booleans ?? {},
  };
}

/** RMS and absolute peak of a block: cheap enough for the consumer thread (a few µs per block). */
export function blockStats(samples: Float32Array): { rms: number; peak: number } {
  let sumSq = 0;
  let peak = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i];
    sumSq += v * v;
    const a = v < 0 ? -v : v;
    if (a > peak) peak = a;
  }
  return { rms: Math.sqrt(sumSq / samples.length), peak };
}
