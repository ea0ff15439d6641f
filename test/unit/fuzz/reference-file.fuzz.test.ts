/**
 * Fuzzing the healthy-reference file of `pdm analyze --reference FILE` (cli/io/reference-file.ts
 * with models/bearing/reference.ts's validator): a written reference reads back; a value or key
 * replaced anywhere, mutated bytes and arbitrary JSON are read or refused with a documented
 * PdmError naming the file, holding no raw control character. See fuzz-kit.ts for FUZZ_RUNS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readReferenceFile, writeReferenceFile } from '../../../cli/io/reference-file.ts';
import { type EnvelopeReference, REFERENCE_FORMAT, REFERENCE_VERSION } from '../../../models/bearing/reference.ts';
import { expectDocumentedError, hostileText, mutated, params } from './fuzz-kit.ts';

const dir = mkdtempSync(join(tmpdir(), 'pdm-fuzz-reference-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
const path = () => join(dir, `r${fileCount++}.json`);

const positive = fc.double({ min: 1e-3, max: 1e5, noNaN: true });
const lines = fc.array(
  fc.tuple(
    fc.integer({ min: 0, max: 10_000_000 }),
    fc.double({ min: -300, max: 199, noNaN: true }).map((x) => (Object.is(x, -0) ? 0 : x)),
  ),
  {
    maxLength: 8,
  },
);
const reference: fc.Arbitrary<EnvelopeReference> = fc
  .record({
    windows: fc.integer({ min: 1, max: 1000 }),
    segments: fc.integer({ min: 1, max: 1000 }),
    shaft: fc.tuple(positive, positive),
    binHz: positive,
    maxFrequencyHz: positive,
    orderStep: positive,
    hzStep: positive,
    bands: fc.array(fc.record({ lowHz: fc.double({ min: 0, max: 1e4, noNaN: true }), width: positive, orders: lines, hz: lines }), {
      minLength: 1,
      maxLength: 3,
    }),
  })
  .map(({ shaft, bands, ...r }) => ({
    format: REFERENCE_FORMAT,
    version: REFERENCE_VERSION,
    ...r,
    shaftHz: { min: Math.min(...shaft), max: Math.max(...shaft) },
    bands: bands.map(({ lowHz, width, orders, hz }) => ({ lowHz, highHz: lowHz + width, orders, hz })),
  })) as unknown as fc.Arbitrary<EnvelopeReference>;

async function readHostile(content: string | Uint8Array): Promise<void> {
  const file = path();
  writeFileSync(file, content);
  const start = performance.now();
  const out = await readReferenceFile(file).then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  expect(performance.now() - start).toBeLessThan(2000);
  if ('error' in out) expectDocumentedError(out.error, { codes: ['PDM_ERR_INPUT_FILE'], names: file });
}

/** Every path (keys and indexes) in a JSON document. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

describe('reference files', () => {
  it('a written reference reads back', async () => {
    await fc.assert(
      fc.asyncProperty(reference, async (r) => {
        const file = path();
        await writeReferenceFile(file, r);
        expect(await readReferenceFile(file)).toEqual(r);
      }),
      params(200),
    );
  });

  it('a value or key replaced anywhere, mutated bytes, arbitrary JSON: read or refused with a documented error', async () => {
    const hostileValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), hostileText, fc.constantFrom(-1, 0, 1e308, 200, 0.5, null, [], {}));
    const replaced = fc
      .tuple(reference, fc.nat(), hostileValue, fc.option(hostileText, { nil: undefined }))
      .map(([r, i, value, rename]) => {
        const doc = structuredClone(r) as unknown as Record<string | number, unknown>;
        const all = paths(doc).slice(1);
        const p = all[i % all.length];
        let at = doc;
        for (const key of p.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
        const last = p.at(-1) as string | number;
        if (rename !== undefined && !Array.isArray(at)) {
          at[rename] = at[last];
          delete at[last];
        } else at[last] = value;
        return JSON.stringify(doc);
      });
    const content = fc.oneof(
      replaced,
      mutated(reference.map((r) => new TextEncoder().encode(JSON.stringify(r)))),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      hostileText,
    );
    await fc.assert(fc.asyncProperty(content, readHostile), params(600));
  });
});
