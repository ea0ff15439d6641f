/**
 * Reader for feature-history CSVs (`pdm rul --train/--series`): a header row with a `time` column
 * (seconds, or ISO 8601 timestamps) and numeric feature columns with any names, one row per
 * window, sorted by time. Every problem is one PdmError naming the file, and the line and column
 * where it applies: an unreadable file, no `time` column, a short row, a value that is not a
 * finite number, a time that does not increase, seconds mixed with timestamps. Read line by line
 * within the input size bound, so a huge or endless file is refused, not held in memory.
 */
import { PdmError } from './errors.ts';
import { readLines } from './input/bounded-read.ts';
import { splitCsvLine } from './input/csv-line.ts';
import { isDecimal, parseDecimal } from './input/decimal.ts';
import { escaped, shown } from './input/display.ts';

export interface FeatureHistory {
  file: string;
  /** Feature column names, in file order (without `time`). */
  columns: string[];
  /** Times in seconds (ISO timestamps converted to seconds since the epoch). */
  times: number[];
  /** Times as the file gave them: numbers for seconds, the original text for timestamps. */
  timesAsGiven: (number | string)[];
  rows: Record<string, number>[];
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

type TimeKind = 'seconds' | 'timestamp';

function inputError(code: 'PDM_ERR_INPUT_FILE' | 'PDM_ERR_INPUT_VALUE', message: string, details: Record<string, unknown>): PdmError {
  return new PdmError(code, message, details);
}

function parseTime(text: string, file: string, line: number): { t: number; kind: TimeKind } {
  if (isDecimal(text)) {
    const t = Number(text);
    if (Number.isFinite(t)) return { t, kind: 'seconds' };
    // 1e999 is a decimal but not a time: Infinity would pass the increasing-time check as a last row.
    throw inputError('PDM_ERR_INPUT_VALUE', `${file}: line ${line}, column 'time': ${shown(text)} is not a finite number of seconds`, {
      file,
      line,
      column: 'time',
      value: text,
    });
  }
  if (ISO_8601.test(text)) {
    // A date or time without a zone would be read in the machine's local zone: refuse the ambiguity.
    if (text.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
      throw inputError(
        'PDM_ERR_INPUT_VALUE',
        `${file}: line ${line}, column 'time': timestamp ${shown(text)} has no time zone (add Z or +hh:mm)`,
        {
          file,
          line,
          column: 'time',
        },
      );
    }
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return { t: ms / 1000, kind: 'timestamp' };
  }
  throw inputError(
    'PDM_ERR_INPUT_VALUE',
    `${file}: line ${line}, column 'time': ${shown(text)} is neither seconds nor an ISO 8601 timestamp`,
    {
      file,
      line,
      column: 'time',
      value: text,
    },
  );
}

/** A feature-history reader fed line by line; `finish()` returns the history. */
class FeatureCsvReader {
  readonly #file: string;
  #header: string[] | undefined;
  #timeIndex = -1;
  #timeKind: TimeKind | undefined;
  #previous = Number.NEGATIVE_INFINITY;
  #out: FeatureHistory | undefined;
  #blank = 0;

  constructor(file: string) {
    this.#file = file;
  }

  line(line: string, lineNo: number): void {
    const file = this.#file;
    if (line.trim() === '') {
      // Blank lines may end the file; one between rows is an error (reported at the next row).
      if (this.#blank === 0) this.#blank = lineNo;
      return;
    }
    if (this.#blank > 0 && this.#header)
      throw inputError('PDM_ERR_INPUT_FILE', `${file}: line ${this.#blank} is empty`, { file, line: this.#blank });
    this.#blank = 0;
    const fields = splitCsvLine(line, ',');
    if (!Array.isArray(fields)) throw inputError('PDM_ERR_INPUT_FILE', `${file}: line ${lineNo}: ${fields.error}`, { file, line: lineNo });
    if (!this.#header) {
      this.#start(fields);
      return;
    }
    const header = this.#header;
    const out = this.#out!;
    if (fields.length !== header.length) {
      throw inputError('PDM_ERR_INPUT_FILE', `${file}: line ${lineNo} has ${fields.length} fields, the header has ${header.length}`, {
        file,
        line: lineNo,
      });
    }
    const timeText = fields[this.#timeIndex];
    const { t, kind } = parseTime(timeText, file, lineNo);
    // Seconds and timestamps in one file have no common origin: a mix would give nonsense times.
    if (this.#timeKind !== undefined && kind !== this.#timeKind) {
      throw inputError(
        'PDM_ERR_INPUT_VALUE',
        `${file}: line ${lineNo}, column 'time': ${shown(timeText)} is ${kind === 'seconds' ? 'in seconds' : 'a timestamp'} but the rows before give ${this.#timeKind === 'seconds' ? 'seconds' : 'timestamps'}; use one kind in a file`,
        { file, line: lineNo, column: 'time' },
      );
    }
    this.#timeKind = kind;
    if (!(t > this.#previous)) {
      throw inputError(
        'PDM_ERR_INPUT_VALUE',
        `${file}: line ${lineNo}: time ${escaped(timeText)} is not after the previous row's (times must increase strictly; sort the file)`,
        { file, line: lineNo, column: 'time' },
      );
    }
    this.#previous = t;
    const row: Record<string, number> = {};
    for (let i = 0; i < header.length; i++) {
      if (i === this.#timeIndex) continue;
      const v = fields[i];
      const x = parseDecimal(v);
      if (!Number.isFinite(x)) {
        throw inputError('PDM_ERR_INPUT_VALUE', `${file}: line ${lineNo}, column ${shown(header[i])}: ${shown(v)} is not a finite number`, {
          file,
          line: lineNo,
          column: header[i],
          value: v,
        });
      }
      row[header[i]] = x;
    }
    out.times.push(t);
    out.timesAsGiven.push(kind === 'seconds' ? t : timeText);
    out.rows.push(row);
  }

  #start(header: string[]): void {
    const file = this.#file;
    const seen = new Set<string>();
    for (const [i, name] of header.entries()) {
      if (name === '') throw inputError('PDM_ERR_INPUT_FILE', `${file}: header column ${i + 1} has no name`, { file, column: i + 1 });
      if (seen.has(name))
        throw inputError('PDM_ERR_INPUT_FILE', `${file}: column ${shown(name)} appears twice in the header`, { file, column: name });
      seen.add(name);
    }
    this.#timeIndex = header.indexOf('time');
    if (this.#timeIndex < 0) {
      throw inputError(
        'PDM_ERR_INPUT_FILE',
        `${file}: no 'time' column (the header has: ${header.map((h) => escaped(h, 24)).join(', ')})`,
        {
          file,
          columns: header,
        },
      );
    }
    const columns = header.filter((_, i) => i !== this.#timeIndex);
    if (columns.length === 0) throw inputError('PDM_ERR_INPUT_FILE', `${file}: no feature columns besides 'time'`, { file });
    this.#header = header;
    this.#out = { file, columns, times: [], timesAsGiven: [], rows: [] };
  }

  finish(): FeatureHistory {
    const file = this.#file;
    if (!this.#out) throw inputError('PDM_ERR_INPUT_FILE', `${file}: the file is empty (expected a header with a 'time' column)`, { file });
    if (this.#out.rows.length === 0) throw inputError('PDM_ERR_INPUT_FILE', `${file}: no data rows after the header`, { file });
    return this.#out;
  }
}

/** A feature history from text already in memory (`file` names it in errors). */
export function parseFeatureCsv(text: string, file: string): FeatureHistory {
  const reader = new FeatureCsvReader(file);
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    reader.line(line, i + 1);
  });
  return reader.finish();
}

/** A feature history read from a file line by line, with the input size bound (common/input/limits.ts). */
export function readFeatureCsv(file: string): FeatureHistory {
  const reader = new FeatureCsvReader(file);
  readLines(file, (line, n) => reader.line(line, n));
  return reader.finish();
}
