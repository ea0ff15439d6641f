/**
 * `pdm analyze FILE... --fs HZ --rpm RPM --bearing NAME [--format f32|csv|wav] [--json]`:
 * offline vibration analysis of recorded files, one JSON object per file on stdout (JSON Lines)
 * with --json, a short table otherwise. All files are read and checked before any is analysed,
 * so bad input yields one error naming the file and the problem, exit code 1, and no output.
 * With `--baseline FILE` (healthy recordings of the same machine) or `--reference FILE` (a saved
 * reference), lines the healthy machine carries count only by their excess over it.
 * `--report OUT.html` also writes one self-contained HTML report per file (cli/report/); it only
 * adds files: stdout, stderr's errors and the exit codes are those of the run without it.
 */
import { stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { describeError, isPdmError, PdmError } from '../../common/errors.ts';
import { lookupBearing } from '../../models/bearing/catalogue.ts';
import { type BearingGeometry, defectFrequencies } from '../../models/bearing/geometry.ts';
import { BearingGeometrySpec } from '../../models/bearing/geometry-spec.ts';
import { USABLE_BANDWIDTH_FACTOR } from '../../models/bearing/kurtogram.ts';
import {
  analyzeRecord,
  analyzeRecordDetail,
  type EnvelopeReference,
  type RecordAnalysis,
  recordTooShort,
  referenceFromRecords,
  type WindowAnalysisConfig,
} from '../../models/window-analysis.ts';
import { analyzeWindowSequence, STREAM_WINDOW_SECONDS } from '../../models/window-sequence.ts';
import {
  type CommandLineOf,
  choice,
  command,
  commandSpec,
  custom,
  flag,
  ISO_CLASS_OPTIONS,
  isoClass,
  number,
  numberValue,
  text,
  UsageError,
  usageError,
} from '../command-line.ts';
import { readReferenceFile, writeReferenceFile } from '../io/reference-file.ts';
import { readSignalFile, SIGNAL_FORMATS, type SignalFormat } from '../io/signal-file.ts';
import { renderAnalysisReport } from '../report/analysis-report.ts';
import { loadChartAssets } from '../report/chart-assets.ts';

const USAGE = `Usage: pdm analyze FILE... --fs HZ [--rpm RPM] [--bearing NAME | --bearing-geometry SPEC] [options]

Analyses recorded acceleration (in g): features, ISO 20816-3 zone, shaft orders and, with a
bearing, an envelope-analysis diagnosis (outer_race | inner_race | rolling_element | cage | none),
with a second look on the prewhitened signal where the envelope names nothing (MODELS.md).

Options:
  --fs HZ                  sampling rate (required unless every file is a WAV, whose header has it)
  --rpm RPM                shaft speed; estimated from the spectrum when absent
  --bearing NAME           catalogue bearing: 6205-2RS, 6203-2RS, ZA-2115, FEMTO-PRONOSTIA
  --bearing-geometry SPEC  balls=9,ball=7.94,pitch=39.04,angle=0 (mm, degrees) instead of --bearing
  --format f32|csv|wav     file format (default: from the extension)
  --column NAME|INDEX      CSV column to read (when the file has several)
  --iso-group 1|2          ISO 20816-3 machine group (default 2: 15-300 kW)
  --iso-foundation rigid|flexible  (default rigid)
  --baseline FILE          a healthy recording of the same machine and channel (same --format and
                           --column; repeat for several): lines it carries count only by their
                           excess over it (JSON: bearing.discounted lists the lines discounted)
  --baseline-fs HZ         sampling rate of the baselines when it differs from --fs (e.g. 48000)
  --baseline-rpm RPM       shaft speed of the baselines (once, or once per --baseline);
                           estimated from their spectrum when absent
  --reference FILE         a reference saved with --save-reference, instead of --baseline
  --save-reference FILE    write the reference learnt from the baselines (JSON; for the sampling
                           rate of the first FILE)
  --json                   one JSON object per file (JSON Lines) instead of a table; its
                           bearing.accumulated is what the stream stores after the record's
                           consecutive 1 s windows (the accumulated diagnosis, MODELS.md)
  --report OUT.html        also write a self-contained HTML report per file (waveform, spectrum
                           with 1X-10X, envelope spectrum with the defect frequencies, kurtogram,
                           features, ISO zone, diagnosis in words). One FILE: OUT.html; several:
                           OUT-<name>.html each (<name>: the file's name without extension); OUT an
                           existing directory: OUT/<name>.html each
  -h, --help               this help
`;

type BearingGeometrySpecFields = Omit<BearingGeometry, 'name'>;

/** The keys of --bearing-geometry and the schema fields they fill (the short ones as in the formulas). */
const GEOMETRY_KEYS: Record<string, keyof BearingGeometrySpecFields> = {
  balls: 'balls',
  n: 'balls',
  ball: 'ballDiameterMm',
  d: 'ballDiameterMm',
  pitch: 'pitchDiameterMm',
  pd: 'pitchDiameterMm',
  angle: 'contactAngleDeg',
};
const KEY_OF: Record<keyof BearingGeometrySpecFields, string> = {
  balls: 'balls',
  ballDiameterMm: 'ball',
  pitchDiameterMm: 'pitch',
  contactAngleDeg: 'angle',
};
const GEOMETRY_EXAMPLE = 'balls=9,ball=7.94,pitch=39.04,angle=0';

/**
 * `balls=9,ball=7.94,pitch=39.04,angle=0` (mm, degrees; angle optional): the key=value syntax is
 * the command line's, the limits are the one geometry schema's (as in fleet files and the
 * processor config), its messages told in the option's keys.
 */
function bearingGeometry(value: string, option: string): BearingGeometry {
  const given: Partial<Record<keyof BearingGeometrySpecFields, number>> = {};
  for (const part of value.split(',')) {
    const m = /^\s*([A-Za-z]+)\s*=\s*([^\s=]+)\s*$/.exec(part);
    if (m === null) throw usageError(`${option}: '${part}' is not key=value (expected ${GEOMETRY_EXAMPLE})`);
    const field = GEOMETRY_KEYS[m[1].toLowerCase()];
    if (field === undefined) throw usageError(`${option}: unknown key '${m[1]}' (known: balls, ball, pitch, angle)`);
    if (given[field] !== undefined) throw usageError(`${option}: '${m[1]}' given twice`);
    given[field] = numberValue(m[2], `${option}: ${m[1]}`);
  }
  const parsed = BearingGeometrySpec.safeParse(given);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path[0] as keyof BearingGeometrySpecFields;
    if (given[field] === undefined) return `missing '${KEY_OF[field]}=' (expected ${GEOMETRY_EXAMPLE})`;
    const message = issue.message.replace(
      /\b(ballDiameterMm|pitchDiameterMm|contactAngleDeg)\b/g,
      (f) => KEY_OF[f as keyof BearingGeometrySpecFields],
    );
    return `${KEY_OF[field]} ${message}, got ${given[field]}`;
  });
  throw usageError(`${option}: ${problems.join('; ')}`);
}

const POSITIVE = { above: 0 };
/** Sampling rates a vibration channel can have: the wire format's bound (common/wire), 10 MHz. */
const SAMPLE_RATE = { above: 0, max: 10_000_000 };

const SPEC = commandSpec({
  name: 'analyze',
  help: USAGE,
  positionals: { name: 'FILE', min: 1 },
  options: {
    fs: number(SAMPLE_RATE),
    rpm: number(POSITIVE),
    bearing: custom(lookupBearing),
    'bearing-geometry': custom(bearingGeometry),
    format: choice(SIGNAL_FORMATS),
    column: text(),
    ...ISO_CLASS_OPTIONS,
    baseline: text().multiple(),
    'baseline-fs': number(SAMPLE_RATE),
    'baseline-rpm': number(POSITIVE).multiple(),
    reference: text(),
    'save-reference': text(),
    json: flag(),
    report: text(),
  },
});

export const run = command(SPEC, analyze);

interface Settings {
  files: string[];
  fs?: number;
  rpm?: number;
  bearing?: BearingGeometry;
  format?: SignalFormat;
  column?: string;
  iso: { group: 1 | 2; foundation: 'rigid' | 'flexible' };
  json: boolean;
  baselines: string[];
  baselineFs?: number;
  baselineRpm: number[];
  referenceFile?: string;
  saveReference?: string;
  /** File -> its report's path, with --report. */
  reports?: Map<string, string>;
}

/** The rules between options; each value is already checked. */
function settingsFrom({ values, positionals }: CommandLineOf<typeof SPEC>): Settings {
  if (values.bearing !== undefined && values['bearing-geometry'] !== undefined)
    throw usageError('give --bearing or --bearing-geometry, not both');
  const bearing = values.bearing ?? values['bearing-geometry'];
  const baselines = values.baseline;
  const baselineRpm = values['baseline-rpm'];
  if (baselines.length > 0 && values.reference !== undefined) throw usageError('give --baseline or --reference, not both');
  if ((baselines.length > 0 || values.reference !== undefined) && bearing === undefined)
    throw usageError(
      `${baselines.length > 0 ? '--baseline' : '--reference'} needs a bearing (--bearing or --bearing-geometry): the reference is of its envelope spectrum`,
    );
  if (baselines.length === 0) {
    for (const o of ['baseline-fs', 'save-reference'] as const) if (values[o] !== undefined) throw usageError(`--${o} needs --baseline`);
    if (baselineRpm.length > 0) throw usageError('--baseline-rpm needs --baseline');
  }
  if (baselineRpm.length > 1 && baselineRpm.length !== baselines.length)
    throw usageError(
      `--baseline-rpm given ${baselineRpm.length} times for ${baselines.length} --baseline files: give it once, or once per baseline`,
    );
  return {
    reports: values.report === undefined ? undefined : reportPaths(values.report, positionals),
    files: positionals,
    fs: values.fs,
    rpm: values.rpm,
    bearing,
    format: values.format,
    column: values.column,
    iso: isoClass(values),
    json: values.json,
    baselines,
    baselineFs: values['baseline-fs'],
    baselineRpm,
    referenceFile: values.reference,
    saveReference: values['save-reference'],
  };
}

/**
 * Where each file's report goes (see --report in USAGE): OUT itself for one file; for several,
 * OUT-<name>.html (OUT's .html dropped) or, when OUT is a directory (ends in a slash, or exists),
 * OUT/<name>.html. Two files of one name would overwrite each other's report: a usage error.
 * The same file given twice gets one report.
 */
function reportPaths(out: string, files: string[], isDirectory = false): Map<string, string> {
  const unique = [...new Set(files)];
  const directory = isDirectory || /[\\/]$/.test(out);
  const paths = new Map<string, string>();
  if (unique.length === 1 && !directory) return paths.set(unique[0], out);
  const owner = new Map<string, string>();
  for (const file of unique) {
    const name = basename(file, extname(file));
    const other = owner.get(name);
    if (other !== undefined)
      throw usageError(`--report: ${other} and ${file} would both write the report '${name}'; analyse them in separate runs`);
    owner.set(name, file);
    paths.set(file, directory ? join(out, `${name}.html`) : `${out.replace(/\.html?$/i, '')}-${name}.html`);
  }
  return paths;
}

/** --report to an existing directory names the reports inside it; else their directory must exist. */
async function settleReports(s: Settings, out: string): Promise<void> {
  const info = await stat(out).catch(() => undefined);
  if (info?.isDirectory()) s.reports = reportPaths(out, s.files, true);
  for (const path of new Set(s.reports?.values())) {
    const dir = dirname(path);
    const d = await stat(dir).catch(() => undefined);
    if (!d?.isDirectory())
      throw new PdmError('PDM_ERR_INPUT_FILE', `--report: cannot write ${path}: directory ${dir} does not exist`, { file: path });
  }
}

/** Reads one file and settles its sampling rate (the header's, or --fs; they must agree). */
async function load(file: string, s: Settings, baseline = false): Promise<{ samples: Float32Array; fs: number; format: SignalFormat }> {
  const signal = await readSignalFile(file, { format: s.format, column: s.column });
  const [fsOption, fsName] = baseline && s.baselineFs !== undefined ? [s.baselineFs, '--baseline-fs'] : [s.fs, '--fs'];
  const fs = signal.sampleRateHz ?? fsOption;
  // What the options say against what the file says: the command line is wrong (exit 2).
  if (fs === undefined)
    throw usageError(
      `${file}: the sampling rate is unknown; give ${baseline ? '--baseline-fs or --fs' : '--fs'} HZ (only WAV files carry it)`,
    );
  if (signal.sampleRateHz !== undefined && fsOption !== undefined && Math.abs(signal.sampleRateHz - fsOption) > 1e-6 * fsOption) {
    throw usageError(`${file}: ${fsName} ${fsOption} disagrees with the WAV header's ${signal.sampleRateHz} Hz`);
  }
  const rpm = baseline ? (s.baselineRpm[s.baselines.indexOf(file)] ?? s.baselineRpm[0]) : s.rpm;
  const rpmName = baseline ? '--baseline-rpm' : '--rpm';
  if (rpm !== undefined && rpm / 60 >= fs / 2)
    throw usageError(`${file}: ${rpmName} ${rpm} (${rpm / 60} Hz) is not below Nyquist (${fs / 2} Hz)`);
  if (rpm !== undefined) checkSpeedFitsRecord(file, rpmName, rpm, fs, signal.samples.length, s.bearing);
  if (signal.samples.length < 256)
    throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: ${signal.samples.length} samples; at least 256 are needed`, { file });
  return { samples: signal.samples, fs, format: signal.format };
}

/**
 * A speed the record cannot show is a command-line mistake, not a result: fewer than one
 * revolution in the whole record (orders and the bearing's lines need many; `--rpm 0.001` is a
 * typo or the wrong unit), or a bearing whose inner race frequency lies above Nyquist (its lines
 * cannot be in the record, so "none" would be reported for a fault that is not looked at).
 */
function checkSpeedFitsRecord(
  file: string,
  option: string,
  rpm: number,
  fs: number,
  samples: number,
  bearing: BearingGeometry | undefined,
): void {
  const durationS = samples / fs;
  const revolutions = (rpm / 60) * durationS;
  if (revolutions < 1) {
    throw usageError(
      `${file}: ${option} ${rpm} gives ${revolutions.toPrecision(2)} revolutions in the ${durationS.toPrecision(3)} s record; a speed is in r/min, and the analysis needs at least one whole revolution`,
    );
  }
  if (bearing !== undefined) {
    const bpfi = defectFrequencies(bearing, rpm / 60).bpfi;
    if (bpfi >= fs / 2) {
      throw usageError(
        `${file}: at ${option} ${rpm} the bearing's inner race frequency (BPFI ${bpfi.toFixed(1)} Hz) is above Nyquist (${fs / 2} Hz): this record cannot show its faults; check the speed and --fs`,
      );
    }
  }
}

function round(v: number, digits = 6): number {
  return Number.isFinite(v) ? Number(v.toPrecision(digits)) : 0;
}

function toJson(
  file: string,
  fs: number,
  format: SignalFormat,
  samples: number,
  s: Settings,
  a: RecordAnalysis,
  reference: EnvelopeReference | undefined,
): Record<string, unknown> {
  const features = Object.fromEntries(Object.entries(a.features).map(([k, v]) => [k, round(v)]));
  const bearing: Record<string, unknown> = { diagnosis: a.bearing.diagnosis, confidence: round(a.bearing.confidence, 3) };
  // Which envelope named it: the signal's own, or the prewhitened second look (analyzeRecord).
  if (a.segments.count > 0) bearing.method = a.segments.prewhitened ? 'prewhitened_envelope' : 'envelope';
  if (s.bearing !== undefined) {
    bearing.name = s.bearing.name ?? null;
    bearing.geometry = {
      balls: s.bearing.balls,
      ball_diameter_mm: round(s.bearing.ballDiameterMm),
      pitch_diameter_mm: round(s.bearing.pitchDiameterMm),
      contact_angle_deg: s.bearing.contactAngleDeg,
    };
  }
  if (a.bearing.frequencies_hz !== undefined)
    bearing.frequencies_hz = Object.fromEntries(Object.entries(a.bearing.frequencies_hz).map(([k, v]) => [k, round(v)]));
  if (a.bearing.evidence !== undefined)
    bearing.evidence = Object.fromEntries(Object.entries(a.bearing.evidence).map(([k, v]) => [k, round(v, 4)]));
  if (reference !== undefined) {
    bearing.reference = {
      ...(s.referenceFile !== undefined ? { file: s.referenceFile } : { baselines: s.baselines }),
      windows: reference.windows,
      shaft_hz: { min: round(reference.shaftHz.min), max: round(reference.shaftHz.max) },
      bands: reference.bands.length,
      max_frequency_hz: round(reference.maxFrequencyHz),
    };
    bearing.discounted = (a.bearing.discounted ?? []).map((l) => ({
      type: l.type,
      line: l.line,
      hz: round(l.hz, 5),
      snr_db: round(l.snr_db, 3),
      reference_db: round(l.reference_db, 3),
      segments: l.segments,
    }));
  }
  return {
    file,
    format,
    sample_rate_hz: fs,
    samples,
    duration_s: round(samples / fs),
    features,
    iso20816: a.iso20816,
    sensor: { status: a.sensor.status, reasons: a.sensor.reasons },
    shaft: { hz: round(a.shaft.hz), source: a.shaft.source },
    bearing,
  };
}

/**
 * What the stream would store at the end of this record (JSON `bearing.accumulated`): the record
 * as consecutive windows of the stream's length, each analysed and accumulated by the stream's
 * code (models/window-sequence.ts). Undefined without a bearing or when the record is shorter
 * than one window.
 */
function accumulatedJson(samples: Float32Array, config: Omit<WindowAnalysisConfig, 'windowSize'>): Record<string, unknown> | undefined {
  const windowSize = Math.round(config.sampleRateHz * STREAM_WINDOW_SECONDS);
  if (config.bearing === undefined || samples.length < windowSize) return undefined;
  const seq = analyzeWindowSequence(samples, config, { windowSize });
  const votes: Record<string, number> = {};
  for (const d of seq.window) votes[d] = (votes[d] ?? 0) + 1;
  return {
    diagnosis: seq.final.diagnosis,
    confidence: round(seq.final.confidence, 3),
    windows: seq.window.length,
    window_samples: windowSize,
    window_votes: votes,
  };
}

/** A `none` from segments shorter than the bearing needs: its confidence is scaled down (analyzeRecord). */
function tooShort(a: RecordAnalysis): boolean {
  return a.bearing.diagnosis === 'none' && recordTooShort(a.bearing.evidence);
}

function table(rows: Array<{ file: string; a: RecordAnalysis }>): string {
  const head = ['file', 'rms g', 'kurtosis', 'vel mm/s', 'ISO', 'shaft Hz', 'diagnosis', 'conf'];
  const body = rows.map(({ file, a }) => [
    file,
    a.features.rms.toFixed(4),
    a.features.kurtosis.toFixed(2),
    a.features.velocity_rms_mm_s.toFixed(2),
    a.iso20816.zone,
    `${a.shaft.hz.toFixed(2)}${a.shaft.source === 'given' ? '' : a.shaft.source === 'estimated' ? ' (est.)' : ' (n/a)'}`,
    // A record that failed its sensor checks says why beside its (empty) diagnosis.
    a.sensor.status !== 'ok'
      ? `${a.bearing.diagnosis} (check function: ${a.sensor.reasons.join(', ')})`
      : a.segments.prewhitened
        ? `${a.bearing.diagnosis} (prewhitened)`
        : tooShort(a)
          ? `${a.bearing.diagnosis} (record too short: ${a.bearing.evidence!.segment_revolutions.toFixed(0)} of ${a.bearing.evidence!.required_revolutions} revolutions)`
          : a.bearing.diagnosis,
    a.bearing.confidence.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  return `${[head, ...body]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

/**
 * The reference from the --baseline files, for data sampled at `fs`: its bands span that data's
 * usable band, so a baseline sampled faster (CWRU's 48 kHz healthy record for 12 kHz records)
 * serves it without resampling.
 */
async function learnReference(s: Settings, fs: number): Promise<EnvelopeReference> {
  const records = [];
  for (const [i, file] of s.baselines.entries()) {
    const { samples, fs: baselineFs } = await load(file, s, true);
    const rpm = s.baselineRpm[i] ?? s.baselineRpm[0];
    records.push({ samples, sampleRateHz: baselineFs, shaftHz: rpm === undefined ? undefined : rpm / 60, name: file });
  }
  return referenceFromRecords(records, { bearing: s.bearing as BearingGeometry, maxFrequencyHz: fs / USABLE_BANDWIDTH_FACTOR });
}

async function analyze(line: CommandLineOf<typeof SPEC>): Promise<number> {
  const settings = settingsFrom(line);
  let saved: EnvelopeReference | undefined;
  const learnt = new Map<number, EnvelopeReference>();
  try {
    // Pass 1: every file must read cleanly before anything is printed.
    for (const file of settings.files) await load(file, settings);
    for (const file of settings.baselines) await load(file, settings, true);
    if (settings.referenceFile !== undefined) saved = await readReferenceFile(settings.referenceFile);
    if (line.values.report !== undefined) await settleReports(settings, line.values.report);
    if (settings.baselines.length > 0) {
      // Learnt before anything is printed, so a baseline that cannot serve fails alone.
      const { fs } = await load(settings.files[0], settings);
      const reference = await learnReference(settings, fs);
      learnt.set(fs, reference);
      if (settings.saveReference !== undefined) await writeReferenceFile(settings.saveReference, reference);
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    process.stderr.write(`pdm analyze: ${isPdmError(err) ? describeError(err) : err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  // Pass 2: analyse and print, one file at a time (the files are read again to keep memory flat).
  const rows: Array<{ file: string; a: RecordAnalysis }> = [];
  try {
    for (const file of settings.files) {
      const { samples, fs, format } = await load(file, settings);
      let reference = saved;
      if (settings.baselines.length > 0) {
        reference = learnt.get(fs) ?? (await learnReference(settings, fs));
        learnt.set(fs, reference);
      }
      const config = {
        sampleRateHz: fs,
        shaftHz: settings.rpm === undefined ? undefined : settings.rpm / 60,
        bearing: settings.bearing,
        iso: settings.iso,
        reference,
      };
      const a = analyzeRecord(samples, config);
      if (settings.json) {
        const json = toJson(file, fs, format, samples.length, settings, a, reference);
        const accumulated = accumulatedJson(samples, config);
        if (accumulated) (json.bearing as Record<string, unknown>).accumulated = accumulated;
        process.stdout.write(`${JSON.stringify(json)}\n`);
      } else rows.push({ file, a });
      const out = settings.reports?.get(file);
      if (out !== undefined) {
        const html = renderAnalysisReport(
          {
            file,
            format,
            sampleRateHz: fs,
            samples,
            rpm: settings.rpm,
            bearing: settings.bearing,
            iso: settings.iso,
            reference: reference === undefined ? undefined : (settings.referenceFile ?? settings.baselines.join(', ')),
            analysis: a,
            detail: analyzeRecordDetail(samples, config, a),
            generatedAt: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
          },
          await loadChartAssets(),
        );
        await writeFile(out, html);
        // stderr: stdout stays what it is without --report (JSON Lines or the table).
        process.stderr.write(`pdm analyze: report ${out}\n`);
      }
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // Only what pass 1 cannot see gets here (e.g. a baseline whose speed cannot be estimated).
    process.stderr.write(`pdm analyze: ${isPdmError(err) ? describeError(err) : err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  if (!settings.json) {
    process.stdout.write(table(rows));
    if (settings.baselines.length > 0 || saved !== undefined) {
      const discounted = rows.reduce((n, r) => n + (r.a.bearing.discounted?.length ?? 0), 0);
      process.stdout.write(
        `healthy reference: ${settings.referenceFile ?? settings.baselines.join(', ')}; ${discounted} machine line(s) discounted (--json lists them)\n`,
      );
    }
  }
  return 0;
}
