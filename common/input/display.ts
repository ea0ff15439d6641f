/**
 * Text from an input file shown inside an error message: control characters, escape sequences
 * and undecodable bytes are written as \uXXXX escapes (a terminal must not interpret them) and
 * long text is cut, so a message about a binary or hostile file stays one readable line.
 */
const MAX_SHOWN = 48;

/** `text` with control characters (C0, DEL, C1) and undecodable bytes as \uXXXX, cut at `max`. */
export function escaped(text: string, max = MAX_SHOWN): string {
  const cut = text.length > max ? `${text.slice(0, max)}…` : text;
  let out = '';
  for (const c of cut) {
    const code = c.charCodeAt(0);
    out += code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0xfffd ? `\\u${code.toString(16).padStart(4, '0')}` : c;
  }
  return out;
}

/** `escaped(text)` in single quotes. */
export function shown(text: string, max = MAX_SHOWN): string {
  return `'${escaped(text, max)}'`;
}

/**
 * Any value (a field of a parsed JSON message, say) as escaped text for an error message. Never
 * throws: `String()` does on an object whose `toString` is not a function, which JSON such as
 * `{"toString": 1}` makes, so objects are shown as their JSON.
 */
export function valueText(value: unknown, max = MAX_SHOWN): string {
  let text: string;
  try {
    text = typeof value === 'object' && value !== null ? (JSON.stringify(value) ?? String(value)) : String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return escaped(text, max);
}
