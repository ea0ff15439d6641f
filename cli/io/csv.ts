/**
 * CSV with one sample per row, read line by line (memory holds the samples, not the text). A
 * first row that is not numeric is a header. With one column the column is used; with several,
 * `column` (a header name or a 0-based index) picks one. The separator is the first line's `;`,
 * tab or `,`; with `;` or tab a decimal comma (`0,123`) is read as a spreadsheet writes it. Every
 * row must have the first row's width (a comma decimal in a comma-separated file shows up here,
 * not as silently truncated values). Blank lines are skipped; any other non-numeric cell is an
 * error naming its line.
 */
import { splitCsvLine } from '../../common/input/csv-line.ts';
import { parseDecimal } from '../../common/input/decimal.ts';
import { escaped, shown } from '../../common/input/display.ts';
import type { Fail } from './signal-file.ts';

const SEPARATOR_NAMES: Record<string, string> = { ',': 'comma', ';': 'semicolon', '\t': 'tab' };

/** Float32 samples appended one by one, growing by doubling. */
class SampleBuffer {
  #data = new Float32Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.#data.length) {
      const bigger = new Float32Array(this.#data.length * 2);
      bigger.set(this.#data);
      this.#data = bigger;
    }
    this.#data[this.length++] = v;
  }
  take(): Float32Array {
    return this.#data.slice(0, this.length);
  }
}

/** A CSV signal reader fed line by line (`readLines`); `finish()` returns the samples. */
export class CsvSignalReader {
  readonly #column: string | undefined;
  readonly #fail: Fail;
  #sep: string | undefined;
  #header: string[] | undefined;
  #width = 0;
  #index = -1;
  readonly #values = new SampleBuffer();

  constructor(column: string | undefined, fail: Fail) {
    this.#column = column;
    this.#fail = fail;
  }

  line(line: string, lineNumber: number): void {
    if (line.trim() === '') return;
    if (this.#sep === undefined) {
      this.#start(line, lineNumber);
      if (this.#header) return;
    }
    const cells = this.#split(line, lineNumber);
    if (cells.length !== this.#width) {
      const hint = this.#sep === ',' && cells.length > this.#width ? " (a decimal comma? then separate columns with ';' or tab)" : '';
      this.#fail(`line ${lineNumber} has ${cells.length} fields, the ${this.#header ? 'header' : 'first row'} has ${this.#width}${hint}`, {
        line: lineNumber,
      });
    }
    const cell = cells[this.#index];
    const v = parseDecimal(cell, this.#sep !== ',');
    const where = `line ${lineNumber}, column ${escaped(this.#header?.[this.#index] ?? String(this.#index))}`;
    if (!Number.isFinite(v)) this.#fail(`${where}: ${shown(cell)} is not a finite number`, { line: lineNumber });
    // Samples are float32: a larger value would become Infinity, refused later without its line.
    if (!Number.isFinite(Math.fround(v)))
      this.#fail(`${where}: ${shown(cell)} is beyond the float32 range of a sample (±3.4e38)`, { line: lineNumber });
    this.#values.push(v);
  }

  finish(): Float32Array {
    if (this.#sep === undefined) this.#fail('is empty');
    return this.#values.take();
  }

  #split(line: string, lineNumber: number): string[] {
    const cells = splitCsvLine(line, this.#sep!);
    if (!Array.isArray(cells)) return this.#fail(`line ${lineNumber}: ${cells.error}`, { line: lineNumber });
    return cells;
  }

  #start(line: string, lineNumber: number): void {
    this.#sep = line.includes(';') ? ';' : line.includes('\t') ? '\t' : ',';
    const cells = this.#split(line, lineNumber);
    const numeric = (c: string) => Number.isFinite(parseDecimal(c, this.#sep !== ','));
    this.#header = cells.some((c) => c !== '' && !numeric(c)) ? cells : undefined;
    this.#width = cells.length;
    const names = (this.#header ?? cells.map((_, i) => String(i))).map((n) => escaped(n, 24)).join(', ');
    const column = this.#column;
    if (column === undefined) {
      if (this.#width !== 1) {
        this.#fail(`has ${this.#width} columns separated by ${SEPARATOR_NAMES[this.#sep]} (${names}); pick one with --column NAME|INDEX`, {
          columns: this.#width,
        });
      }
      this.#index = 0;
    } else if (this.#header?.includes(column)) {
      this.#index = this.#header.indexOf(column);
    } else if (/^\d+$/.test(column) && Number(column) < this.#width) {
      this.#index = Number(column);
    } else {
      this.#fail(`has no column ${shown(column)} (columns: ${names})`, { column });
    }
  }
}
