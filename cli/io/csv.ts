/**
 * CSV with one sample per row. A first row that is not numeric is a header. With one column the
 * column is used; with several, `column` (a header name or a 0-based index) picks one. Blank
 * lines are skipped; any other non-numeric cell is an error naming its line.
 */
import type { Fail } from './signal-file.ts';

function splitRow(line: string, sep: string): string[] {
  return line.split(sep).map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
}

function isNumber(cell: string): boolean {
  return cell !== '' && Number.isFinite(Number(cell));
}

export function parseCsvSignal(text: string, column: string | undefined, fail: Fail): Float32Array {
  const lines = text.split(/\r?\n/);
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first === lines.length) fail('is empty');
  const sep = lines[first].includes(',') ? ',' : lines[first].includes(';') ? ';' : lines[first].includes('\t') ? '\t' : ',';
  const firstCells = splitRow(lines[first], sep);
  const hasHeader = !firstCells.every(isNumber) && firstCells.some((c) => !isNumber(c) && c !== '');
  const header = hasHeader ? firstCells : undefined;
  const width = firstCells.length;
  let index: number;
  if (column === undefined) {
    if (width !== 1)
      fail(`has ${width} columns (${(header ?? firstCells.map((_, i) => String(i))).join(', ')}); pick one with --column NAME|INDEX`, {
        columns: width,
      });
    index = 0;
  } else if (header?.includes(column)) {
    index = header.indexOf(column);
  } else if (/^\d+$/.test(column) && Number(column) < width) {
    index = Number(column);
  } else {
    fail(`has no column '${column}' (columns: ${(header ?? firstCells.map((_, i) => String(i))).join(', ')})`, { column });
    index = -1;
  }
  const values: number[] = [];
  for (let i = hasHeader ? first + 1 : first; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const cells = splitRow(line, sep);
    const cell = cells[index];
    if (cell === undefined) fail(`line ${i + 1} has ${cells.length} columns, column ${index} is missing`, { line: i + 1 });
    const v = Number(cell);
    if (cell === '' || !Number.isFinite(v))
      fail(`line ${i + 1}, column ${header?.[index] ?? index}: '${cell}' is not a finite number`, { line: i + 1 });
    values.push(v);
  }
  return Float32Array.from(values);
}
