/**
 * Fuzzing the configuration files (common/config.ts with the collector, processor and fleet
 * schemas): the shipped configs load; mutated configs (text edits, byte edits, a value or key
 * replaced anywhere in the document), arbitrary YAML/JSON and alias bombs are loaded or refused
 * with PDM_ERR_CONFIG_INVALID naming the file, holding no raw control character (a line feed
 * separates problems), within a time and memory bound. See fuzz-kit.ts for the seed and FUZZ_RUNS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { loadConfigFile } from '../../../common/config.ts';
import { CollectorConfigSpec } from '../../../ingest/collector/collector-config.ts';
import { loadFleet } from '../../../ingest/simulator/fleet-config.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import { bounded, expectDocumentedError, hostileText, mutated, params } from './fuzz-kit.ts';

const CONFIG_DIR = fileURLToPath(new URL('../../../deploy/config/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pdm-fuzz-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
function file(content: string | Uint8Array, stem: string): string {
  const path = join(dir, `${stem}-${fileCount++}.yaml`);
  writeFileSync(path, content);
  return path;
}

type Loader = { stem: string; seeds: string[]; load: (file: string) => unknown };
const LOADERS: Loader[] = [
  { stem: 'collector', seeds: ['collector.yaml', 'collector.compose.yaml'], load: (f) => loadConfigFile(CollectorConfigSpec, f) },
  { stem: 'processor', seeds: ['processor.yaml', 'processor.compose.yaml'], load: (f) => loadConfigFile(ProcessorConfigSpec, f) },
  {
    stem: 'fleet',
    seeds: ['fleet.yaml', 'fleet-ci.yaml'],
    // A fleet loads with bad machines set aside: each of their errors must be as documented as a thrown one.
    load: (f) => {
      const fleet = loadFleet(f);
      for (const r of fleet.rejected)
        expectDocumentedError(r.error, { codes: ['PDM_ERR_CONFIG_INVALID'], names: basename(f), multiline: true });
      return fleet;
    },
  },
];
const seedText = (name: string) => readFileSync(join(CONFIG_DIR, name), 'utf8');

function loadHostile(loader: Loader, content: string | Uint8Array): void {
  const path = file(content, loader.stem);
  const out = bounded(() => loader.load(path), 64 << 20);
  if ('error' in out) expectDocumentedError(out.error, { codes: ['PDM_ERR_CONFIG_INVALID'], names: basename(path), multiline: true });
}

/** A JSON-like value with hostile strings and keys (control characters, escapes, prototype names). */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  hostileText,
  fc.dictionary(
    fc.oneof(hostileText, fc.constantFrom('__proto__', 'constructor', 'toString', 'id', 'endpoint')),
    fc.jsonValue({ maxDepth: 1 }),
    {
      maxKeys: 3,
    },
  ),
  fc.constantFrom(-1, 0, 1e308, -0.5, 65536, 2 ** 53, '', 'opc.tcp://', 'opc.tcp://\u001b[2J:4840', null, true, []),
);

/** Every path (keys and indexes) in a parsed document. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) for (const [i, v] of value.entries()) out.push(...paths(v, [...prefix, i]));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

/** The document with the value at one path replaced, or a key there renamed. */
function edited(doc: unknown, path: (string | number)[], value: unknown, renameTo: string | undefined): unknown {
  if (path.length === 0) return value;
  const copy = structuredClone(doc) as Record<string | number, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
  const last = path.at(-1) as string | number;
  if (renameTo !== undefined && !Array.isArray(at)) {
    Object.defineProperty(at, renameTo, { value: at[last], enumerable: true, configurable: true, writable: true });
    delete at[last];
  } else at[last] = value;
  return copy;
}

describe.each(LOADERS)('$stem config', (loader) => {
  it('the shipped examples load', () => {
    for (const seed of loader.seeds) loader.load(join(CONFIG_DIR, seed));
  });

  it('a value or key replaced anywhere in a shipped config: loaded or refused with a documented error', () => {
    const docs = loader.seeds.map((s) => parseYaml(seedText(s)) as unknown);
    const edit = fc
      .tuple(fc.constantFrom(...docs), fc.nat(), hostileValue, fc.option(hostileText, { nil: undefined }), fc.boolean())
      .map(([doc, i, value, rename, json]) => {
        const all = paths(doc);
        const out = edited(doc, all[i % all.length], value, rename);
        return json ? (JSON.stringify(out) ?? 'null') : stringifyYaml(out);
      });
    fc.assert(
      fc.property(edit, (text) => loadHostile(loader, text)),
      params(400),
    );
  });

  it('text and byte edits of a shipped config: loaded or refused with a documented error', () => {
    const seeds = loader.seeds.map(seedText);
    const textEdit = fc
      .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 12 }), hostileText), { minLength: 1, maxLength: 3 }))
      .map(([text, edits]) => {
        let t = text;
        for (const [at, del, insert] of edits) {
          const i = at % (t.length + 1);
          t = t.slice(0, i) + insert + t.slice(i + del);
        }
        return t;
      });
    const byteEdit = mutated(fc.constantFrom(...seeds.map((s) => new TextEncoder().encode(s))));
    fc.assert(
      fc.property(fc.oneof(textEdit, byteEdit), (content) => loadHostile(loader, content)),
      params(400),
    );
  });

  it('arbitrary text, JSON and YAML alias bombs: loaded or refused with a documented error', () => {
    const bomb = fc.integer({ min: 2, max: 12 }).map((depth) => {
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let d = 1; d < depth; d++)
        lines.push(
          `a${d}: &a${d} [${Array(10)
            .fill(`*a${d - 1}`)
            .join(', ')}]`,
        );
      return lines.join('\n');
    });
    const deep = fc.integer({ min: 1, max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
    fc.assert(
      fc.property(
        fc.oneof(
          hostileText,
          hostileValue.map((v) => JSON.stringify(v) ?? ''),
          bomb,
          deep,
        ),
        (text) => loadHostile(loader, text),
      ),
      params(300),
    );
  });
});
