/**
 * The generated parts of MODELS.md sit between `<!-- name:start -->` and `<!-- name:end -->`;
 * the report tools print a section (`--print`) or rewrite only that part of the file.
 */
import { readFile, writeFile } from 'node:fs/promises';

export function sectionMarkers(name: string): { start: string; end: string } {
  return { start: `<!-- ${name}:start -->`, end: `<!-- ${name}:end -->` };
}

/** Prints `text` (which includes its markers) with --print, else replaces the marked section of `file`. */
export async function publishSection(file: string, name: string, text: string): Promise<void> {
  if (process.argv.includes('--print')) {
    process.stdout.write(`${text}\n`);
    return;
  }
  const { start, end } = sectionMarkers(name);
  const doc = await readFile(file, 'utf8');
  const a = doc.indexOf(start);
  const b = doc.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${file}: markers ${start} ... ${end} not found`);
  await writeFile(file, doc.slice(0, a) + text + doc.slice(b + end.length));
  process.stdout.write(`${file}: section ${name} rewritten\n`);
}
