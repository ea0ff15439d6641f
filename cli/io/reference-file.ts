/**
 * A healthy envelope reference (models/bearing/reference.ts) saved as JSON, so that a machine's
 * reference learnt once (`pdm analyze --baseline ... --save-reference FILE`) can be reused
 * (`--reference FILE`) or handed to the stream processor's configuration.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { PdmError } from '../../common/errors.ts';
import { type EnvelopeReference, validateReference } from '../../models/bearing/reference.ts';
import { fileError } from './signal-file.ts';

export async function readReferenceFile(file: string): Promise<EnvelopeReference> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fileError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})`, {}, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw fileError(file, `is not JSON (${err instanceof Error ? err.message : String(err)})`, {}, err);
  }
  try {
    return validateReference(json, file);
  } catch (err) {
    // The validator names the field; the file is what the user has to fix.
    throw new PdmError('PDM_ERR_INPUT_FILE', err instanceof Error ? err.message : String(err), { file }, { cause: err });
  }
}

export async function writeReferenceFile(file: string, reference: EnvelopeReference): Promise<void> {
  try {
    await writeFile(file, `${JSON.stringify(reference)}\n`);
  } catch (err) {
    throw fileError(file, `cannot be written (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {}, err);
  }
}
