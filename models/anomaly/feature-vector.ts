/**
 * Reads a feature record (`Record<string, number>`, any names) into a caller-owned vector in a
 * fixed feature order, rejecting missing and non-finite values with an error naming the feature
 * and the stream. Shared by the baseline learner, the anomaly score and the health index.
 */
import { PdmError } from '../../common/errors.ts';

export type FeatureRecord = Readonly<Record<string, number>>;

export function readFeatures(out: Float64Array, names: readonly string[], record: FeatureRecord, where: string): void {
  for (let i = 0; i < names.length; i++) {
    const v = record[names[i]];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `${where}: feature '${names[i]}' is ${v === undefined ? 'missing' : `not a finite number (${String(v)})`}`,
        { where, feature: names[i], value: v === undefined ? null : String(v) },
      );
    }
    out[i] = v;
  }
}

/** Natural log that stays finite for zero or negative inputs (they only occur after a baseline judged them positive). */
export function safeLog(v: number): number {
  return Math.log(Math.max(v, Number.MIN_VALUE));
}

export function checkFeatureNames(names: readonly string[], where: string): void {
  if (names.length === 0) throw new PdmError('PDM_ERR_CONFIG_INVALID', `${where}: at least one feature is needed`, { where });
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new PdmError('PDM_ERR_CONFIG_INVALID', `${where}: feature '${n}' is listed twice`, { where, feature: n });
    seen.add(n);
  }
}
