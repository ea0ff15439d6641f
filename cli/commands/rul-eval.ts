/**
 * `pdm rul-eval --history RUN.csv ... [--test CUT.csv=REMAINING_S ...]`: how well `pdm rul`'s
 * remaining life does on a plant's own histories, scored as the IEEE PHM 2012 challenge scored
 * its entrants (models/rul/phm-evaluation.ts): leave-one-out over run-to-failure histories, or
 * the challenge's own protocol on series cut off before failure whose remaining life is known.
 */
import { basename } from 'node:path';
import { describeError, PdmError } from '../../common/errors.ts';
import { type FeatureHistory, readFeatureCsv } from '../../common/feature-csv.ts';
import type { History } from '../../models/rul/fleet-training.ts';
import type { OperatingCondition } from '../../models/rul/life-scaling.ts';
import type { MonitorConfigInput } from '../../models/rul/monitor-config.ts';
import type { EvaluationCase, EvaluationSummary } from '../../models/rul/phm-evaluation.ts';
import { type CommandLineOf, choice, command, commandSpec, custom, flag, number, numberValue, text, usageError } from '../command-line.ts';
import { buildMonitorConfig, featureColumns } from '../io/rul-inputs.ts';

const DEFAULT_CUTS = [0.5, 0.6, 0.7, 0.8, 0.9];

const HELP = `Usage: pdm rul-eval --history RUN.csv ... [--cuts F,F,...] [--test CUT.csv=REMAINING_S ...]
                    [--json] [--scored point|median] [--threshold X] [--config FILE]
                    [--history-load N ... --test-load N ...] [--history-rpm RPM ... --test-rpm RPM ...]
                    [--life-exponent P]

How well pdm rul's remaining life does on your own histories, scored as the IEEE PHM 2012
prognostics challenge scored its entrants.

  --history FILE    a run-to-failure history (repeatable): the same CSV as pdm rul --train, a 'time'
                    column and the same feature columns in every file, ending at failure
  --cuts F,F,...    leave-one-out (without --test): each history in turn is the asset and the others
                    its fleet, and its remaining life is predicted at these fractions of its life
                    from the rows up to there (default ${DEFAULT_CUTS.join(',')}); needs two histories or more
  --test FILE=S     a series cut off before failure and the seconds it really had left (repeatable):
                    every --history is the fleet and the series is predicted at its last row, as the
                    challenge did; with --test there is no leave-one-out
  --scored WHICH    the number scored: point (default; rul_s.point, the one to plan with) or median
  --json            one JSON object per prediction, then one with the summary:
                    {"name", "fraction" (null for --test), "age_s", "actual_s", "predicted_s",
                     "lower_s", "upper_s", "basis", "percent_error", "accuracy"}
                    {"summary": {"cases", "score", "median_abs_percent_error", "over_predicted",
                     "zero_predictions", "covered", "median_upper_over_lower"}}
  --threshold X, --config FILE, --life-exponent P: as for pdm rul

Operating conditions (optional; as pdm rul's --load/--train-load): one --history-load per
--history and one --test-load per --test, in order (N); --history-rpm and --test-rpm likewise. Each
asset's fleet is then scaled to its own load and speed by ISO 281.

Score: the mean of the challenge's accuracy per prediction, 1 when exact, halved by every 5 %
over-predicted or 20 % under-predicted (an over-prediction, a failure before the planned stop,
costs four times as much per percent). With few cuts or test series a score depends much on
which predictions happen to be close: MODELS.md, "PHM 2012 protocol".
`;

const POSITIVE = { above: 0 };

/** `F,F,...`: fractions of life strictly between 0 and 1. */
function cuts(value: string, option: string): number[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => p === ''))
    throw usageError(`${option} must be fractions of life such as 0.5,0.7,0.9, got '${value}'`);
  return parts.map((p) => numberValue(p, `${option}'s fraction '${p}'`, { above: 0, below: 1 }));
}

/** `FILE=SECONDS`: a cut-off series and the remaining life it really had. */
function testSeries(value: string, option: string): { file: string; remainingS: number } {
  const eq = value.lastIndexOf('=');
  if (eq <= 0) throw usageError(`${option} must be FILE=SECONDS (the series and the seconds it really had left), got '${value}'`);
  return {
    file: value.slice(0, eq),
    remainingS: numberValue(value.slice(eq + 1), `${option} ${value.slice(0, eq)}'s remaining life`, POSITIVE),
  };
}

const SPEC = commandSpec({
  name: 'rul-eval',
  help: HELP,
  options: {
    history: text().multiple(),
    cuts: custom(cuts),
    test: custom(testSeries).multiple(),
    scored: choice(['point', 'median'] as const),
    json: flag(),
    threshold: number({ above: 1, note: 'a multiple of the baseline health index' }),
    config: text(),
    'life-exponent': number(POSITIVE),
    // Checked against --history and --test in the body, so a bad one is named with its file.
    'history-load': text().multiple(),
    'history-rpm': text().multiple(),
    'test-load': text().multiple(),
    'test-rpm': text().multiple(),
  },
});

export const run = command(SPEC, rulEval);

function fail(message: string): number {
  process.stderr.write(`pdm rul-eval: ${message}\n`);
  return 1;
}

type Values = CommandLineOf<typeof SPEC>['values'];

async function rulEval({ values }: CommandLineOf<typeof SPEC>): Promise<number> {
  try {
    if (values.history.length === 0) throw usageError('give the run-to-failure histories with --history FILE (repeatable)');
    if (values.test.length === 0 && values.history.length < 2) {
      throw usageError('leave-one-out needs two --history files or more (each is predicted with the others as its fleet); or give --test');
    }
    if (values.test.length > 0 && values.cuts !== undefined) {
      throw usageError('--cuts is for leave-one-out, which --test replaces: give one or the other');
    }
    const config = buildMonitorConfig(values.config, values.threshold, values['life-exponent']);
    const conditions = operatingConditions(values);
    const histories = values.history.map(readFeatureCsv);
    const tests = values.test.map((t) => ({ history: readFeatureCsv(t.file), remainingS: t.remainingS }));
    const columns = featureColumns(histories, histories[0]);
    for (const t of tests) featureColumns(histories, t.history);
    const named = (h: FeatureHistory, condition: OperatingCondition | undefined): History => ({
      name: basename(h.file),
      times: h.times,
      rows: h.rows,
      condition,
    });
    const fleet = histories.map((h, i) => named(h, conditions.history[i]));
    const names = new Set<string>();
    for (const h of fleet) {
      if (names.has(h.name)) throw usageError(`two --history files are named ${h.name}: give each history a file name of its own`);
      names.add(h.name);
    }
    const modelConfig: MonitorConfigInput = { ...config, anomaly: { ...(config.anomaly ?? {}), features: columns } };
    const scored = values.scored ?? 'point';
    // Loaded once the inputs are read: the models are most of the command's start-up, and a bad input needs none of them.
    const evaluation = await import('../../models/rul/phm-evaluation.ts');
    const cases: EvaluationCase[] = [];
    if (tests.length > 0) {
      tests.forEach((t, i) => {
        progress(`predicting ${basename(t.history.file)} (${i + 1} of ${tests.length}) with ${fleet.length} histories as its fleet`);
        cases.push(
          ...evaluation.testSeriesCases(
            fleet,
            [{ series: named(t.history, conditions.test[i]), remainingS: t.remainingS }],
            modelConfig,
            scored,
          ),
        );
      });
    } else {
      const fractions = values.cuts ?? DEFAULT_CUTS;
      fleet.forEach((h, i) => {
        progress(`replaying ${h.name} (${i + 1} of ${fleet.length}) with the other ${fleet.length - 1} as its fleet`);
        const rows = evaluation.leaveOneOutReplays(fleet, modelConfig, [h.name]).get(h.name)!;
        cases.push(...evaluation.casesAtCuts(h.name, h.times, rows, fractions, scored));
      });
    }
    const summary = evaluation.summarizeCases(cases);
    if (values.json) writeJson(cases, summary);
    else {
      const perHistory = new Map(fleet.map((h) => [h.name, evaluation.summarizeCases(cases.filter((c) => c.name === h.name))]));
      process.stdout.write(table(cases, summary, tests.length > 0 ? null : perHistory, values.cuts ?? DEFAULT_CUTS, scored));
    }
    return 0;
  } catch (err) {
    if (err instanceof PdmError) return fail(describeError(err));
    throw err;
  }
}

function progress(line: string): void {
  process.stderr.write(`pdm rul-eval: ${line}\n`);
}

interface Conditions {
  history: (OperatingCondition | undefined)[];
  test: (OperatingCondition | undefined)[];
}

/** --history-load/--test-load and --history-rpm/--test-rpm: one per file, in order, for every file or none. */
function operatingConditions(values: Values): Conditions {
  const historyFiles = values.history;
  const testFiles = values.test.map((t) => t.file);
  const history: OperatingCondition[] = historyFiles.map(() => ({}));
  const test: OperatingCondition[] = testFiles.map(() => ({}));
  const pairs = [
    ['loadN', '--history-load', values['history-load'], '--test-load', values['test-load']],
    ['speedRpm', '--history-rpm', values['history-rpm'], '--test-rpm', values['test-rpm']],
  ] as const;
  let given = false;
  for (const [field, historyOption, historyValues, testOption, testValues] of pairs) {
    if (historyValues.length === 0 && testValues.length === 0) continue;
    given = true;
    const perFile = (option: string, given: readonly string[], files: string[], into: OperatingCondition[]) => {
      if (given.length !== files.length) {
        throw usageError(
          `${option} is needed once per ${option.startsWith('--history') ? '--history' : '--test'}, in the same order: got ${given.length} for ${files.length}`,
        );
      }
      given.forEach((v, i) => {
        into[i][field] = numberValue(v, `${option} (for ${files[i]})`, POSITIVE);
      });
    };
    perFile(historyOption, historyValues, historyFiles, history);
    perFile(testOption, testValues, testFiles, test);
  }
  return { history: history.map((c) => (given ? c : undefined)), test: test.map((c) => (given ? c : undefined)) };
}

function writeJson(cases: readonly EvaluationCase[], s: EvaluationSummary): void {
  const lines = cases.map((c) =>
    JSON.stringify({
      name: c.name,
      fraction: c.fraction,
      age_s: c.ageS,
      actual_s: c.actualS,
      predicted_s: c.predictedS,
      lower_s: c.lower,
      upper_s: c.upper,
      basis: c.basis,
      percent_error: c.percentError,
      accuracy: c.accuracy,
    }),
  );
  lines.push(
    JSON.stringify({
      summary: {
        cases: s.cases,
        score: s.score,
        median_abs_percent_error: s.medianAbsPercentError,
        over_predicted: s.overPredicted,
        zero_predictions: s.zeroPredictions,
        covered: s.covered,
        // JSON has no Infinity: null when the median interval has a lower end of 0.
        median_upper_over_lower: Number.isFinite(s.medianUpperOverLower) ? s.medianUpperOverLower : null,
      },
    }),
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

function seconds(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(1)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(1)}x` : 'inf');

function padRow(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i]))
    .join('  ')
    .trimEnd();
}

/** The predictions of cut-off series one by one, or (perHistory given) each left-out history's summary. */
function table(
  cases: readonly EvaluationCase[],
  total: EvaluationSummary,
  perHistory: ReadonlyMap<string, EvaluationSummary> | null,
  fractions: readonly number[],
  scored: string,
): string {
  const test = perHistory === null;
  const rows: string[][] = [];
  let header: string[];
  if (test) {
    header = ['series', 'seen', 'actual', 'predicted', '90 % interval', 'basis', 'accuracy'];
    for (const c of cases) {
      rows.push([
        c.name,
        seconds(c.ageS),
        seconds(c.actualS),
        seconds(c.predictedS),
        `${seconds(c.lower)} to ${seconds(c.upper)}`,
        c.basis ?? 'none',
        c.accuracy.toFixed(3),
      ]);
    }
  } else {
    header = ['history', 'life', 'score', 'median |error|', 'over', 'covered', 'upper / lower'];
    for (const [name, s] of perHistory) {
      const own = cases.filter((c) => c.name === name);
      rows.push([
        name,
        seconds(own[0].ageS + own[0].actualS),
        s.score.toFixed(3),
        `${Math.round(s.medianAbsPercentError)} %`,
        `${s.overPredicted}/${s.cases}`,
        `${s.covered}/${s.cases}`,
        ratio(s.medianUpperOverLower),
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const what = test
    ? `${cases.length} cut-off series, each predicted at its last row`
    : `leave-one-out over ${perHistory.size} histories, each cut at ${fractions.map((f) => `${+(100 * f).toFixed(2)} %`).join(', ')} of its life`;
  return [
    `${what}; scored: ${scored}`,
    padRow(header, widths),
    ...rows.map((r) => padRow(r, widths)),
    '',
    `PHM 2012 score ${total.score.toFixed(3)} over ${total.cases} prediction${total.cases === 1 ? '' : 's'}; median |error| ${Math.round(total.medianAbsPercentError)} %; over-predicted ${total.overPredicted}; predicted 0 s ${total.zeroPredictions}; 90 % interval covered ${total.covered} (upper / lower ${ratio(total.medianUpperOverLower)})`,
    'score: mean accuracy, 1 when exact, halved by every 5 % over-predicted or 20 % under-predicted',
    '',
  ].join('\n');
}
