/**
 * Numbers in text files, strictly: optional sign, digits with one decimal point, optional
 * exponent. `Number()` alone also reads `0x10`, `0b11`, `0o7`, `Infinity` and blank text, none of
 * which a measurement file means. A decimal comma (`0,123`, as spreadsheets in many locales
 * write) is read only when the caller knows the separator is not a comma.
 */
const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DECIMAL_COMMA = /^[-+]?(\d+,?\d*|,\d+)([eE][-+]?\d+)?$/;

/** The number in `text`, or NaN when it is not a plain decimal number. */
export function parseDecimal(text: string, decimalComma = false): number {
  if (DECIMAL.test(text)) return Number(text);
  if (decimalComma && DECIMAL_COMMA.test(text)) return Number(text.replace(',', '.'));
  return Number.NaN;
}

export function isDecimal(text: string): boolean {
  return DECIMAL.test(text);
}
