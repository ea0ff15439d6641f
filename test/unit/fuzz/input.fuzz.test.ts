/**
 * Fuzzing the text-input helpers (common/input: CSV line splitting, strict decimals, escaping
 * for messages, bounded reads) and the feature-history CSV reader (common/feature-csv.ts).
 * Generated tables round-trip; hostile text is read or refused with a documented PdmError that
 * names the file and holds no raw control character. See fuzz-kit.ts for the seed and FUZZ_RUNS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFeatureCsv, readFeatureCsv } from '../../../common/feature-csv.ts';
import { readBoundedBytes, readLines } from '../../../common/input/bounded-read.ts';
import { splitCsvLine } from '../../../common/input/csv-line.ts';
import { isDecimal, parseDecimal } from '../../../common/input/decimal.ts';
import { escaped, shown, valueText } from '../../../common/input/display.ts';
import { bounded, controlCharacter, expectDocumentedError, hostileText, mutated, params } from './fuzz-kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'pdm-fuzz-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function file(content: string | Uint8Array, ext = 'csv'): string {
  const path = join(dir, `f${fileCount++}.${ext}`);
  writeFileSync(path, content);
  return path;
}

const INPUT_CODES = ['PDM_ERR_INPUT_FILE', 'PDM_ERR_INPUT_VALUE'] as const;
/** A finite double that prints and parses back to itself (-0 prints as 0). */
const finite = fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (Object.is(x, -0) ? 0 : x));
const name = fc
  .tuple(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), fc.string({ unit: fc.constantFrom(...'abcxyz_0129 ().'), maxLength: 12 }))
  .map(([a, b]) => (a + b).trim());

describe('common/input', () => {
  it('splitCsvLine: quoted fields round-trip, whatever they hold', () => {
    const field = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 8 }), fc.constantFrom(',', ';', '\t'), (fields, sep) => {
        const line = fields.map((f) => `"${f.replaceAll('"', '""')}"`).join(sep);
        expect(splitCsvLine(line, sep)).toEqual(fields.map((f) => f.trim()));
      }),
      params(1000),
    );
  });

  it('splitCsvLine: any line splits or gives a reason with no raw control character', () => {
    fc.assert(
      fc.property(hostileText, fc.constantFrom(',', ';', '\t'), (line, sep) => {
        const out = bounded(() => splitCsvLine(line, sep), 1 << 20);
        if ('error' in out) throw out.error;
        if (!Array.isArray(out.value)) expect(controlCharacter(out.value.error)).toBeUndefined();
      }),
      params(2000),
    );
  });

  it('parseDecimal: a finite number printed by JavaScript reads back exactly; anything else read is a plain decimal', () => {
    fc.assert(
      fc.property(finite, (x) => {
        expect(parseDecimal(String(x))).toBe(x);
        expect(parseDecimal(String(x).replace('.', ','), true)).toBe(x);
      }),
      params(1000),
    );
    fc.assert(
      fc.property(hostileText, fc.boolean(), (text, comma) => {
        const x = parseDecimal(text, comma);
        if (Number.isNaN(x)) return;
        // Only plain decimals are numbers: never 0x10, 0b11, Infinity or blank text.
        expect(/^[-+]?[\d.,]+([eE][-+]?\d+)?$/.test(text)).toBe(true);
        expect(isDecimal(text) || comma).toBe(true);
      }),
      params(2000),
    );
  });

  it('escaped, shown and valueText: no raw control character, bounded length, never throw', () => {
    const anyValue = fc.oneof(hostileText, fc.jsonValue(), fc.anything(), fc.constant({ toString: 1 }));
    fc.assert(
      fc.property(hostileText, anyValue, fc.integer({ min: 1, max: 100 }), (text, value, max) => {
        for (const out of [escaped(text, max), shown(text, max), valueText(value, max)]) {
          expect(controlCharacter(out)).toBeUndefined();
          // Each kept character becomes at most a 6-character escape (or stays a surrogate pair), plus quotes and the ellipsis.
          expect(out.length).toBeLessThanOrEqual(6 * max + 3);
        }
      }),
      params(1500),
    );
  });

  it('readLines: lines joined by LF or CRLF (with or without a BOM) are read back as written', () => {
    const line = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((s) => !s.includes('\r') && !s.includes('\n') && !s.includes('\0'));
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), fc.boolean(), fc.boolean(), (lines, crlf, bom) => {
        if (lines[0].startsWith('\ufeff')) lines[0] = lines[0].slice(1);
        const text = (bom ? '\ufeff' : '') + lines.join(crlf ? '\r\n' : '\n');
        const read: string[] = [];
        readLines(file(text), (l, n) => {
          expect(n).toBe(read.length + 1);
          read.push(l);
        });
        // A last empty line is no line (the file just ends with a line break), unless a BOM stands before it.
        const emptyEnd = lines.at(-1) === '' && !(bom && lines.length === 1);
        expect(read).toEqual(emptyEnd ? lines.slice(0, -1) : lines);
      }),
      params(200),
    );
  });

  it('readLines and readBoundedBytes: any bytes are read whole or refused at the bounds, naming the file', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 1, max: 80 }),
        (bytes, maxBytes, maxLineChars) => {
          const path = file(bytes, 'bin');
          const whole = bounded(() => readBoundedBytes(path, maxBytes), 1 << 22);
          if ('error' in whole) {
            expectDocumentedError(whole.error, { codes: ['PDM_ERR_INPUT_FILE'], names: path });
            expect(bytes.length).toBeGreaterThan(maxBytes);
          } else expect(Uint8Array.from(whole.value)).toEqual(bytes);
          const lines = bounded(() => readLines(path, () => {}, { maxBytes, maxLineChars }), 1 << 22);
          if ('error' in lines) expectDocumentedError(lines.error, { codes: ['PDM_ERR_INPUT_FILE'], names: path });
        },
      ),
      params(200),
    );
  });
});

/** A feature history as the CLI writes it: a time column (seconds or ISO timestamps) and numeric features. */
const history = fc
  .record({
    columns: fc.uniqueArray(
      name.filter((n) => n !== 'time' && n !== ''),
      { minLength: 1, maxLength: 4 },
    ),
    timePosition: fc.nat(),
    iso: fc.boolean(),
    start: fc.integer({ min: 0, max: 2 ** 41 }),
    steps: fc.array(fc.integer({ min: 1, max: 10 ** 7 }), { minLength: 1, maxLength: 15 }),
    values: fc.array(fc.array(finite, { minLength: 4, maxLength: 4 }), { minLength: 15, maxLength: 15 }),
    crlf: fc.boolean(),
  })
  .map(({ columns, timePosition, iso, start, steps, values, crlf }) => {
    const header = [...columns];
    const at = timePosition % (columns.length + 1);
    header.splice(at, 0, 'time');
    let ms = start;
    const rows = steps.map((step, r) => {
      ms += step;
      const time = iso ? new Date(ms).toISOString() : String(ms / 1000);
      const cells = columns.map((_, c) => String(values[r][c]));
      cells.splice(at, 0, time);
      return { time, t: ms / 1000, cells, row: Object.fromEntries(columns.map((c, i) => [c, values[r][i]])) };
    });
    const text = [header.map((h) => (h.includes(',') ? `"${h}"` : h)), ...rows.map((r) => r.cells)]
      .map((l) => l.join(','))
      .join(crlf ? '\r\n' : '\n');
    return { text, columns, iso, rows };
  });

/** A feature history read from hostile text: refused with a documented error, or consistent. */
function checkFeatureHistory(read: () => ReturnType<typeof parseFeatureCsv>, path: string): void {
  const out = bounded(read, 1 << 22);
  if ('error' in out) {
    expectDocumentedError(out.error, { codes: INPUT_CODES, names: path });
    return;
  }
  const h = out.value;
  expect(h.columns).not.toContain('time');
  expect(h.rows.length).toBeGreaterThan(0);
  expect(h.times.length).toBe(h.rows.length);
  expect(h.timesAsGiven.length).toBe(h.rows.length);
  h.times.forEach((t, i) => {
    expect(Number.isFinite(t), `time ${t} at row ${i}`).toBe(true);
    if (i > 0) expect(t).toBeGreaterThan(h.times[i - 1]);
  });
  for (const row of h.rows) {
    expect(Object.keys(row).sort()).toEqual([...h.columns].sort());
    for (const v of Object.values(row)) expect(Number.isFinite(v)).toBe(true);
  }
}

describe('feature-history CSV', () => {
  it('a written history reads back exactly (seconds or ISO timestamps, LF or CRLF)', () => {
    fc.assert(
      fc.property(history, ({ text, columns, iso, rows }) => {
        const h = parseFeatureCsv(text, 'history.csv');
        expect(h.columns).toEqual(columns);
        expect(h.times).toEqual(rows.map((r) => r.t));
        expect(h.timesAsGiven).toEqual(rows.map((r) => (iso ? r.time : r.t)));
        expect(h.rows).toEqual(rows.map((r) => r.row));
      }),
      params(400),
    );
  });

  it('hostile text is read consistently or refused with a documented error naming the file', () => {
    const hostileTable = fc.oneof(
      hostileText,
      fc
        .tuple(fc.constantFrom('time,a\n', 'time,a,b\n', 'a,time\n', '"time","a, b"\n'), fc.array(hostileText, { maxLength: 6 }))
        .map(([h, rows]) => h + rows.join('\n')),
      fc.tuple(history, fc.array(fc.tuple(fc.nat(), hostileText), { minLength: 1, maxLength: 3 })).map(([h, edits]) => {
        let text = h.text;
        for (const [at, insert] of edits) {
          const i = at % (text.length + 1);
          text = text.slice(0, i) + insert + text.slice(i);
        }
        return text;
      }),
    );
    fc.assert(
      fc.property(hostileTable, (text) => checkFeatureHistory(() => parseFeatureCsv(text, 'hostile.csv'), 'hostile.csv')),
      params(3000),
    );
  });

  it('tables of nearly-right cells (1e999, blank, hex, dates without a zone...) are read consistently or refused', () => {
    // Cells that are each nearly right: what a hand-edited or foreign history holds.
    const cell = fc.oneof(
      finite.map(String),
      fc.constantFrom(
        '1e999',
        '-1e999',
        '',
        ' ',
        '0x10',
        'NaN',
        '1,5',
        '"1"',
        '2026-01-01T00:00:00Z',
        '2026-01-01',
        '2026-01-01T00:00',
        '1e-400',
      ),
    );
    const row = fc.array(cell, { minLength: 1, maxLength: 3 }).map((cells) => cells.join(','));
    const table = fc
      .tuple(fc.constantFrom('time,a', 'time,a,b', 'a,time'), fc.array(row, { minLength: 1, maxLength: 3 }))
      .map(([h, rows]) => [h, ...rows].join('\n'));
    fc.assert(
      fc.property(table, (text) => checkFeatureHistory(() => parseFeatureCsv(text, 'cells.csv'), 'cells.csv')),
      params(3000),
    );
  });

  it('mutated history files (bytes flipped, cut, spliced) are read consistently or refused, naming the file', () => {
    fc.assert(
      fc.property(mutated(history.map((h) => new TextEncoder().encode(h.text))), (bytes) => {
        const path = file(bytes);
        checkFeatureHistory(() => readFeatureCsv(path), path);
      }),
      params(400),
    );
  });
});
