/**
 * `pdm rul [--train RUN.csv...] --series RUN.csv [--json]`: replays one asset's recorded feature
 * history through the health and remaining-life model, optionally with fleet knowledge learned
 * from run-to-failure histories of similar machines, and prints one JSON object per row of the
 * series (JSON Lines) or a short summary.
 */
import { basename } from 'node:path';
import { describeError, PdmError } from '../../common/errors.ts';
import { type FeatureHistory, readFeatureCsv } from '../../common/feature-csv.ts';
import type { OperatingCondition } from '../../models/rul/life-scaling.ts';
import type { ReplayResult } from '../../models/rul/replay.ts';
import { type CommandLineOf, command, commandSpec, custom, flag, number, numberValue, text, usageError } from '../command-line.ts';
import { buildMonitorConfig, featureColumns } from '../io/rul-inputs.ts';

const HELP = `Usage: pdm rul [--train RUN.csv ...] --series RUN.csv [--json] [--threshold X] [--config FILE]
               [--load N --train-load N ...] [--rpm RPM --train-rpm RPM ...] [--life-exponent P]
               [--feature-limit COLUMN[,COLUMN...]=LIMIT] [--location NAME=COLUMN[,COLUMN...] ...]

Health index, alarm and remaining useful life of one asset's feature history.

  --series FILE     the asset's history: CSV with a 'time' column (seconds, or ISO 8601 timestamps
                    with a zone) and numeric feature columns with any names, sorted by time
  --train FILE      a run-to-failure history of a similar machine (repeatable): same columns, ends
                    at failure; gives the fleet life distribution, the failure threshold and the
                    degradation prior
  --json            one JSON object per series row on stdout:
                    {"time", "health_index", "alarm", "rul_s": {"median","lower","upper","point"} | null, "rul_basis",
                     "system_event": null | {"at", "detected_at", "reason", "locations", "features"}}
                    (system_event on the row that confirmed one, see below)
  --threshold X     failure threshold on the health index (x baseline, > 1); default: the lowest
                    health index at failure among the training histories, or 4 without them
  --config FILE     model configuration (YAML/JSON, see models/rul/monitor-config.ts)
  --feature-limit COLUMNS=LIMIT
                    a second failure criterion: the asset also fails when the largest of these
                    columns reaches LIMIT (e.g. velocity columns at the ISO 20816-3 zone C/D
                    boundary, 4.5 mm/s for a group 2 rigid machine; a test rig's stop level);
                    remaining life is then the first of the two crossings
  --location NAME=COLUMNS
                    the columns of one location (a bearing, a channel), repeatable: a step is a
                    system event (a change of the rig or its acquisition, not wear) only when every
                    location steps at once; without it the series is one location

Operating conditions (optional; a history run harder fails sooner):
  --load N          radial load of the series' bearing (N); with it, one --train-load per --train,
  --train-load N    in the same order, and every training history's durations are scaled to the
                    series' load by ISO 281: life ∝ load^-P
  --rpm RPM         shaft speed of the series; with it, one --train-rpm per --train: durations
  --train-rpm RPM   scale with 1/speed (a bearing's life is a number of revolutions)
  --life-exponent P ISO 281 exponent: 3 for ball bearings (default), 3.333 for roller bearings

The health index is the geometric mean of the positive features relative to their baseline (the
first 60 rows by default), counting increases only: 1 = as in the baseline, 2 = twice it. rul_s is
a median and a 90 % interval in seconds, and a point to plan with: the remaining life that
maximises the expected PHM 2012 challenge score under the same distribution (an over-prediction
costs four times as much per percent as an under-prediction, so it usually lies below the
median, the lower the more uncertain the distribution; MODELS.md, "PHM 2012 protocol"); rul_basis is "fleet" (life distribution of the training
histories given the asset's age, before degradation is detected), "degradation" (after) or null
(no training histories and no degradation yet).

System events: a step of the columns' levels common to every location at one instant, clean and
flat for the confirmation span (24 rows), is a change of the rig or of its acquisition (a sensor
remounted, a channel re-ranged, a DAQ replaced), not wear: it raises no alarm (the alarm and the
degradation decision are held while it is confirmed), the model re-baselines, and the confirming
row's system_event says when it happened ("at", in the series' time), which columns stepped by how
much ("features": {"feature", "location", "change", "relative"}: +0.2 = +20 % when relative) and
why ("reason"). MODELS.md, "System events".
`;

function fail(message: string): number {
  process.stderr.write(`pdm rul: ${message}\n`);
  return 1;
}

/** `COLUMN[,COLUMN...]=LIMIT`. */
function featureLimit(value: string, option: string): { features: string[]; limit: number } {
  const eq = value.lastIndexOf('=');
  const features = (eq < 0 ? '' : value.slice(0, eq))
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (eq < 0 || features.length === 0) {
    throw usageError(`${option} must be COLUMN[,COLUMN...]=LIMIT (e.g. vel_h,vel_v=4.5), got '${value}'`);
  }
  return { features, limit: numberValue(value.slice(eq + 1), `${option}'s limit`, POSITIVE) };
}

const POSITIVE = { above: 0 };

/** `NAME=COLUMN[,COLUMN...]`. */
function location(value: string, option: string): { name: string; columns: string[] } {
  const eq = value.indexOf('=');
  const name = eq < 0 ? '' : value.slice(0, eq).trim();
  const columns = (eq < 0 ? '' : value.slice(eq + 1))
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (name === '' || columns.length === 0)
    throw usageError(`${option} must be NAME=COLUMN[,COLUMN...] (e.g. b1=b1_x_rms,b1_y_rms), got '${value}'`);
  return { name, columns };
}

const SPEC = commandSpec({
  name: 'rul',
  help: HELP,
  options: {
    train: text().multiple(),
    series: text().required(),
    json: flag(),
    threshold: number({ above: 1, note: 'a multiple of the baseline health index' }),
    config: text(),
    load: number(POSITIVE),
    rpm: number(POSITIVE),
    // Checked against --train in the body, so a bad one is named with the history it belongs to.
    'train-load': text().multiple(),
    'train-rpm': text().multiple(),
    'life-exponent': number(POSITIVE),
    'feature-limit': custom(featureLimit),
    location: custom(location).multiple(),
  },
});

export const run = command(SPEC, rul);

async function rul({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  try {
    let config = buildMonitorConfig(values.config, values.threshold, values['life-exponent']);
    if (values['feature-limit'] !== undefined)
      config = { ...config, rul: { ...(config.rul ?? {}), featureLimit: values['feature-limit'] } };
    const trainFiles = values.train;
    const conditions = operatingConditions(trainFiles, values);
    const train = trainFiles.map(readFeatureCsv);
    const series = readFeatureCsv(values.series);
    const columns = featureColumns(train, series);
    const limited = config.rul?.featureLimit?.features ?? [];
    const unknown = limited.filter((c) => !columns.includes(c));
    if (unknown.length > 0) {
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `--feature-limit names column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that ${series.file} does not have (it has: ${columns.join(', ')})`,
        { option: '--feature-limit' },
      );
    }
    const anomaly = { ...(config.anomaly ?? {}), features: columns };
    if (values.location.length > 0)
      config = { ...config, systemEvent: { ...(config.systemEvent ?? {}), locations: locations(values.location, columns, series.file) } };
    // Loaded once the inputs are read: the models (mathjs builds all its functions at import) are
    // most of the command's start-up, and a bad input needs none of them.
    const { replay } = await import('../../models/rul/replay.ts');
    const result = replay(
      { name: basename(series.file), times: series.times, rows: series.rows, condition: conditions.series },
      train.map((h, i) => ({ name: basename(h.file), times: h.times, rows: h.rows, condition: conditions.train[i] })),
      { ...config, anomaly },
    );
    if (values.json) writeJsonLines(series, result);
    else process.stdout.write(summary(series, train, columns, result));
    return 0;
  } catch (err) {
    if (err instanceof PdmError) return fail(describeError(err));
    throw err;
  }
}

/** --location NAME=COLUMNS...: each column a column of the series, in one location. */
function locations(given: Array<{ name: string; columns: string[] }>, columns: string[], file: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const { name, columns: cs } of given) {
    if (out[name] !== undefined) throw usageError(`--location ${name} is given twice`);
    const unknown = cs.filter((c) => !columns.includes(c));
    if (unknown.length > 0) {
      throw new PdmError(
        'PDM_ERR_CONFIG_INVALID',
        `--location ${name} names column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} that ${file} does not have (it has: ${columns.join(', ')})`,
        { option: '--location' },
      );
    }
    out[name] = cs;
  }
  return out;
}

interface Conditions {
  series: OperatingCondition | undefined;
  train: (OperatingCondition | undefined)[];
}

/** --load/--train-load and --rpm/--train-rpm: one training value per --train, in order, or none. */
function operatingConditions(
  trainFiles: string[],
  values: { load?: number; rpm?: number; 'train-load': string[]; 'train-rpm': string[] },
): Conditions {
  const pairs = [
    ['loadN', '--load', '--train-load', values.load, values['train-load']],
    ['speedRpm', '--rpm', '--train-rpm', values.rpm, values['train-rpm']],
  ] as const;
  const series: OperatingCondition = {};
  const train: OperatingCondition[] = trainFiles.map(() => ({}));
  for (const [field, seriesOption, trainOption, seriesValue, trainValues] of pairs) {
    if (seriesValue === undefined && trainValues.length === 0) continue;
    if (seriesValue === undefined) {
      throw usageError(
        `${trainOption} is given but ${seriesOption} is not: give the series' value too, so the histories can be scaled to it`,
      );
    }
    if (trainValues.length !== trainFiles.length) {
      throw usageError(
        `${seriesOption} needs one ${trainOption} per --train, in the same order: got ${trainValues.length} for ${trainFiles.length} training histor${trainFiles.length === 1 ? 'y' : 'ies'}`,
      );
    }
    series[field] = seriesValue;
    trainValues.forEach((v, i) => {
      train[i][field] = numberValue(v, `${trainOption} (for ${trainFiles[i]})`, POSITIVE);
    });
  }
  const given = Object.keys(series).length > 0;
  return { series: given ? series : undefined, train: train.map((c) => (given ? c : undefined)) };
}

function writeJsonLines(series: FeatureHistory, result: ReplayResult): void {
  const chunk: string[] = [];
  for (let i = 0; i < result.rows.length; i++) {
    const r = result.rows[i];
    chunk.push(
      JSON.stringify({
        time: series.timesAsGiven[i],
        health_index: r.health_index,
        alarm: r.alarm,
        rul_s: r.rul_s,
        rul_basis: r.rul_basis,
        system_event:
          r.system_event === null
            ? null
            : {
                ...r.system_event,
                at: series.timesAsGiven[series.times.indexOf(r.system_event.at)],
                detected_at: series.timesAsGiven[series.times.indexOf(r.system_event.detected_at)],
              },
      }),
    );
    if (chunk.length === 1000) {
      process.stdout.write(`${chunk.join('\n')}\n`);
      chunk.length = 0;
    }
  }
  if (chunk.length > 0) process.stdout.write(`${chunk.join('\n')}\n`);
}

function seconds(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

function summary(series: FeatureHistory, train: FeatureHistory[], columns: string[], result: ReplayResult): string {
  const st = result.statuses;
  const last = st[st.length - 1];
  const span = series.times[series.times.length - 1] - series.times[0];
  const firstAlarm = st.find((s) => s.alarm);
  const firstDeg = st.find((s) => s.degradation);
  const events = st.filter((s) => s.systemEvent !== null);
  const lines = [
    `series ${series.file}: ${st.length} rows over ${seconds(span)}; features ${columns.join(', ')}`,
    train.length > 0
      ? `training: ${train.length} run-to-failure histories, lifetimes ${result.fleet!.lifetimesS.map(seconds).join(', ')}${result.lifeFactors.some((f) => f !== 1) ? ` at the series' load and speed (x ${result.lifeFactors.map((f) => f.toFixed(2)).join(', ')} of their own)` : ''}`
      : 'training: none (remaining life only once degradation is detected; threshold from --threshold or the default)',
    `first alarm: ${firstAlarm ? `time ${series.timesAsGiven[st.indexOf(firstAlarm)]} (${seconds(firstAlarm.age)} into the series)` : 'none'}`,
    `degradation: ${last.degradation ? `detected, onset estimated at ${seconds(last.onsetTime - series.times[0])} into the series` : firstDeg ? 'detected earlier, not at the last row' : 'not detected'}`,
    `system events: ${events.length === 0 ? 'none' : events.map((s) => `at ${series.timesAsGiven[series.times.indexOf(s.systemEvent!.time)]}: ${s.systemEvent!.reason}`).join('; ')}`,
    `last row (time ${series.timesAsGiven[st.length - 1]}): health index ${last.healthIndex.toFixed(2)}, state ${last.state}, alarm ${last.alarm ? 'on' : 'off'}`,
    last.rulBasis === null
      ? 'remaining life: no basis (no training histories and no degradation detected)'
      : `remaining life: ${seconds(last.rul.median)} (90 % interval ${seconds(last.rul.lower)} to ${seconds(last.rul.upper)}; plan with ${seconds(last.rul.point)}), basis ${last.rulBasis}`,
  ];
  return `${lines.join('\n')}\n`;
}
