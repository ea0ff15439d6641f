/**
 * Sections of BENCHMARKS.md that a long run outside `npm run bench` writes (the soak, the
 * end-to-end bench): each sits between its own markers and is replaced in place by its writer,
 * and `npm run bench`, which rewrites the rest of the file, keeps them as they are.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

/** The sections kept across `npm run bench` runs, in the order they are put back. */
export const MARKED_SECTIONS = [
  { name: 'targets', writer: 'bench/targets.ts' },
  { name: 'soak', writer: 'tools/soak.ts' },
  { name: 'e2e', writer: 'bench/e2e.ts' },
  { name: 'e2e-external-simulator', writer: 'bench/e2e.ts' },
] as const;

function markers(name: string, writer: string): { begin: string; end: string } {
  return { begin: `<!-- ${name}:begin (${writer} writes this section) -->`, end: `<!-- ${name}:end -->` };
}

/** Put the section (`lines`, without markers) into `file`, replacing an earlier one, or appending it. */
export function writeMarkedSection(file: string, name: string, writer: string, lines: string[]): void {
  const { begin, end } = markers(name, writer);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const section = [begin, ...lines, end].join('\n');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  writeFileSync(file, a >= 0 && b > a ? `${text.slice(0, a)}${section}${text.slice(b + end.length)}` : `${text.trimEnd()}\n\n${section}\n`);
}

/** The section with its markers as it stands in `file`, or '' when there is none. */
export function existingMarkedSection(file: string, name: string, writer: string): string {
  const { begin, end } = markers(name, writer);
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  return a >= 0 && b > a ? text.slice(a, b + end.length) : '';
}
