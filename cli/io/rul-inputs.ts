/**
 * What `pdm rul` and `pdm rul-eval` both read besides the feature histories themselves: the model
 * configuration with its command-line overrides, and the feature columns every history must share.
 */
import { loadConfigFile } from '../../common/config.ts';
import { PdmError } from '../../common/errors.ts';
import type { FeatureHistory } from '../../common/feature-csv.ts';
import { type MonitorConfigInput, MonitorConfigSpec } from '../../models/rul/monitor-config.ts';

/** The configuration file (if any) with --life-exponent and --threshold over it. */
export function buildMonitorConfig(
  file: string | undefined,
  threshold: number | undefined,
  lifeExponent: number | undefined,
): MonitorConfigInput {
  let config: MonitorConfigInput = file ? loadConfigFile(MonitorConfigSpec, file) : {};
  if (lifeExponent !== undefined) config = { ...config, rul: { ...(config.rul ?? {}), lifeExponent } };
  if (threshold !== undefined) config = { ...config, rul: { ...(config.rul ?? {}), failureThreshold: threshold } };
  return config;
}

/** Features: those of the training histories (all alike), which the series must have; else the series'. */
export function featureColumns(train: FeatureHistory[], series: FeatureHistory): string[] {
  if (train.length === 0) return series.columns;
  const reference = train[0];
  for (const h of train.slice(1)) {
    const missing = reference.columns.filter((c) => !h.columns.includes(c));
    const extra = h.columns.filter((c) => !reference.columns.includes(c));
    if (missing.length > 0 || extra.length > 0) {
      throw new PdmError(
        'PDM_ERR_INPUT_FILE',
        `${h.file}: training histories must have the same columns; compared with ${reference.file} it ${missing.length > 0 ? `lacks ${missing.join(', ')}` : ''}${missing.length > 0 && extra.length > 0 ? ' and ' : ''}${extra.length > 0 ? `adds ${extra.join(', ')}` : ''}`,
        { file: h.file, missing, extra },
      );
    }
  }
  const missing = reference.columns.filter((c) => !series.columns.includes(c));
  if (missing.length > 0) {
    throw new PdmError(
      'PDM_ERR_INPUT_FILE',
      `${series.file}: the series lacks column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that the training histories have`,
      {
        file: series.file,
        missing,
      },
    );
  }
  return reference.columns;
}
