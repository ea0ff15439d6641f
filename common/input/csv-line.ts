/**
 * One CSV line split into fields (RFC 4180 quoting: a field in double quotes may hold the
 * separator, and `""` inside it is one quote). Fields are trimmed. A quote left open at the end
 * of the line is an error: rows spanning lines are not a measurement table.
 */
import { escaped } from './display.ts';

export function splitCsvLine(line: string, sep: string): string[] | { error: string } {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || (line[i] === '\t' && sep !== '\t')) i++;
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) return { error: 'a quoted field is not closed on its line' };
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      const next = line.indexOf(sep, i);
      const rest = (next < 0 ? line.slice(i) : line.slice(i, next)).trim();
      // JSON.stringify escapes C0 controls but leaves DEL and C1 (0x9b is an 8-bit CSI) raw.
      if (rest !== '') return { error: `text after a quoted field: ${escaped(JSON.stringify(rest.slice(0, 20)), 200)}` };
      fields.push(value.trim());
      if (next < 0) return fields;
      i = next + sep.length;
    } else {
      const next = line.indexOf(sep, i);
      fields.push((next < 0 ? line.slice(i) : line.slice(i, next)).trim());
      if (next < 0) return fields;
      i = next + sep.length;
    }
  }
}
