/**
 * Turning a stored spectrum (one row: DOUBLE[] with start_hz and step_hz) into (frequency, value)
 * rows in QuestDB SQL. QuestDB 9.3 has no UNNEST (checked against 9.3.4: "unexpected token
 * [UNNEST]"), so each array is indexed by a `long_sequence` counter x (arrays index from 1),
 * cut at the row's own length. The line nearest a frequency f is spectrum[round((f - start) /
 * step) + 1]: markers are drawn at the spectrum's height there, on the line itself.
 */
import type { PdmTables } from '../tables.ts';
import { SPECTRUM_SELECTION } from './variables.ts';

/** Most lines a stored spectrum may have (processor config spectra.lines: at most 6400). */
export const MAX_LINES = 6400;

/** The latest stored spectrum of `kind` of the selected channel in the time range, as CTE `s`. */
export function latestSpectrumCte(tables: PdmTables, kind: 'amplitude' | 'envelope'): string {
  return `s AS (
    SELECT ts, shaft_hz, start_hz, step_hz, lines, spectrum FROM ${tables.spectra}
    WHERE ${SPECTRUM_SELECTION} AND kind = '${kind}' AND $__timeFilter(ts)
    LATEST ON ts PARTITION BY kind
  )`;
}

/** `value` at the line nearest `hzExpr` of the spectrum row `s`. */
export function lineAt(hzExpr: string): string {
  return `s.spectrum[cast(round((${hzExpr} - s.start_hz) / s.step_hz) AS int) + 1]`;
}

/** The CTE `s` unrolled: frequency_hz and `valueName`, in frequency order. */
export function unrollSpectrum(cte: string, valueName: string): string {
  return `WITH ${cte}
  SELECT s.start_hz + (x - 1) * s.step_hz AS frequency_hz, s.spectrum[x] AS ${valueName}
  FROM s CROSS JOIN long_sequence(${MAX_LINES})
  WHERE x <= s.lines
  ORDER BY frequency_hz`;
}
