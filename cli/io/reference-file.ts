/**
 * A healthy envelope reference (models/bearing/reference.ts) saved as JSON, so that a machine's
 * reference learnt once (`pdm analyze --baseline ... --save-reference FILE`) can be reused
 * (`--reference FILE`) or handed to the stream processor's configuration.
 */
import { writeFile } from 'node:fs/promises';
import { isPdmError, PdmError } from '../../common/errors.ts';
import { readBoundedBytes } from '../../common/input/bounded-read.ts';
import { escaped } from '../../common/input/display.ts';
import { type EnvelopeReference, validateReference } from '../../models/bearing/reference.ts';
import { fileError } from './signal-file.ts';

export async function readReferenceFile(file: string): Promise<EnvelopeReference> {
  let text: string;
  try {
    // Bounded like the signal files: an endless source (/dev/zero) is refused, not read until memory runs out.
    text = readBoundedBytes(file).toString('utf8');
  } catch (err) {
    if (isPdmError(err) && err.details['maxBytes'] !== undefined) throw err;
    const cause = isPdmError(err) && err.cause !== undefined ? err.cause : err;
    const code = (cause as NodeJS.ErrnoException).code;
    throw fileError(file, code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(cause)})`, {}, cause);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the start of the text, which may be any bytes.
    throw fileError(file, `is not JSON (${escaped(err instanceof Error ? err.message : String(err), 160)})`, {}, err);
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
