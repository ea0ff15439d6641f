/**
 * Reader for feature-history CSVs (`pdm rul --train/--series`): a header row with a `time` column
 * (seconds, or ISO 8601 timestamps) and numeric feature columns with any names, one row per
 * window, sorted by time. Every problem is one PdmError naming the file, and the line and column
 * where it applies: an unreadable file, no `time` column, a short row, a value that is not a
 * finite number, a time that does not increase.
 */
import { readFileSync } from 'node:fs';
import { PdmError } from './errors.ts';

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

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;

function unquote(field: string): string {
  const f = field.trim();
  return f.length >= 2 && f.startsWith('"') && f.endsWith('"') ? f.slice(1, -1).replaceAll('""', '"') : f;
}

function parseTime(text: string, file: string, line: number): number {
  if (NUMBER.test(text)) return Number(text);
  if (ISO_8601.test(text)) {
    // A date or time without a zone would be read in the machine's local zone: refuse the ambiguity.
    if (text.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `${file}: line ${line}, column 'time': timestamp '${text}' has no time zone (add Z or +hh:mm)`,
        { file, line, column: 'time' },
      );
    }
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms / 1000;
  }
  throw new PdmError(
    'PDM_ERR_INPUT_VALUE',
    `${file}: line ${line}, column 'time': '${text}' is neither seconds nor an ISO 8601 timestamp`,
    {
      file,
      line,
      column: 'time',
      value: text,
    },
  );
}

export function parseFeatureCsv(text: string, file: string): FeatureHistory {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0)
    throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: the file is empty (expected a header with a 'time' column)`, { file });
  const header = lines[0].split(',').map(unquote);
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name === '') throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: header column ${i + 1} has no name`, { file, column: i + 1 });
    if (seen.has(name))
      throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: column '${name}' appears twice in the header`, { file, column: name });
    seen.add(name);
  }
  const timeIndex = header.indexOf('time');
  if (timeIndex < 0) {
    throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: no 'time' column (the header has: ${header.join(', ')})`, { file, columns: header });
  }
  const columns = header.filter((_, i) => i !== timeIndex);
  if (columns.length === 0) throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: no feature columns besides 'time'`, { file });
  const out: FeatureHistory = { file, columns, times: [], timesAsGiven: [], rows: [] };
  if (lines.length < 2) throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: no data rows after the header`, { file });
  let previous = Number.NEGATIVE_INFINITY;
  for (let li = 1; li < lines.length; li++) {
    const lineNo = li + 1;
    if (lines[li].trim() === '') throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: line ${lineNo} is empty`, { file, line: lineNo });
    const fields = lines[li].split(',').map(unquote);
    if (fields.length !== header.length) {
      throw new PdmError('PDM_ERR_INPUT_FILE', `${file}: line ${lineNo} has ${fields.length} fields, the header has ${header.length}`, {
        file,
        line: lineNo,
      });
    }
    const timeText = fields[timeIndex];
    const t = parseTime(timeText, file, lineNo);
    if (!(t > previous)) {
      throw new PdmError(
        'PDM_ERR_INPUT_VALUE',
        `${file}: line ${lineNo}: time ${timeText} is not after the previous row's (times must increase strictly; sort the file)`,
        { file, line: lineNo, column: 'time' },
      );
    }
    previous = t;
    const row: Record<string, number> = {};
    for (let i = 0; i < header.length; i++) {
      if (i === timeIndex) continue;
      const v = fields[i];
      const x = NUMBER.test(v) ? Number(v) : Number.NaN;
      if (!Number.isFinite(x)) {
        throw new PdmError('PDM_ERR_INPUT_VALUE', `${file}: line ${lineNo}, column '${header[i]}': '${v}' is not a finite number`, {
          file,
          line: lineNo,
          column: header[i],
          value: v,
        });
      }
      row[header[i]] = x;
    }
    out.times.push(t);
    out.timesAsGiven.push(NUMBER.test(timeText) ? t : timeText);
    out.rows.push(row);
  }
  return out;
}

export function readFeatureCsv(file: string): FeatureHistory {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PdmError(
      'PDM_ERR_INPUT_FILE',
      `${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      { file },
      { cause: err },
    );
  }
  return parseFeatureCsv(text, file);
}
