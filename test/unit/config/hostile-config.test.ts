/**
 * Regression tests for configuration files the fuzzers (test/unit/fuzz/config.fuzz.test.ts)
 * found mishandled: each `it` is named after what used to happen.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../common/config.ts';
import { PdmError } from '../../../common/errors.ts';
import { CollectorConfigSpec } from '../../../ingest/collector/collector-config.ts';
import { loadFleet } from '../../../ingest/simulator/fleet-config.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';
import { thrown } from '../../helpers/thrown.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'pdm-hostile-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** C0 other than the line feed that separates problems, DEL, C1 (0x9b is an 8-bit CSI). */
const hasControlCharacter = (text: string) =>
  [...text].some((c) => {
    const code = c.charCodeAt(0);
    return (code < 0x20 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);
  });

describe('configuration files', () => {
  it('a key with terminal escapes was printed raw in "unknown setting" and in setting paths: now escaped', () => {
    const collector = file('collector.yaml', 'machines:\n  - endpoint: opc.tcp://a:4840\n"\\e[2J\\u009b": 1\n');
    const err = thrown(() => loadConfigFile(CollectorConfigSpec, collector));
    expect(err).toBeInstanceOf(PdmError);
    expect(hasControlCharacter(err.message)).toBe(false);
    expect(err.message).toBe('collector.yaml: unknown setting \\u001b[2J\\u009b');

    const processor = file('processor.yaml', 'machines:\n  "pump\\e[31m":\n    iso: 7\n');
    const perr = thrown(() => loadConfigFile(ProcessorConfigSpec, processor));
    expect(hasControlCharacter(perr.message)).toBe(false);
    expect(perr.message).toContain('processor.yaml: machines.pump\\u001b[31m.iso ');

    const fleet = file('fleet.yaml', 'machines:\n  - id: "p\\e[2J"\n    type: pump\n    "\\u007fx": 1\n');
    const rejected = loadFleet(fleet).rejected;
    expect(rejected).toHaveLength(1);
    expect(hasControlCharacter(rejected[0].error.message)).toBe(false);
    expect(rejected[0].error.message).toContain('unknown setting machines[0].\\u007fx (machine "p\\u001b[2J")');
  });
});

describe('configuration files that are not YAML', () => {
  it("the YAML parser's quote of the bad line was printed with its control characters raw: now escaped, line structure kept", () => {
    const p = file('processor.yaml', 'metrics:\n  port: 1\u000b  host: \u001b[2J: x\n');
    const err = thrown(() => loadConfigFile(ProcessorConfigSpec, p));
    expect(err).toBeInstanceOf(PdmError);
    expect(hasControlCharacter(err.message)).toBe(false);
    expect(err.message).toMatch(/processor\.yaml: is not valid YAML\/JSON \(/);
    expect(err.message).toContain('\\u000b');
    expect(err.message.split('\n').length).toBeGreaterThan(1);
  });
});

describe('endless sources', () => {
  it('/dev/zero as a config file hung and grew past 1.4 GB in 3 s: now refused at 16 MiB', () => {
    const start = performance.now();
    const err = thrown(() => loadConfigFile(ProcessorConfigSpec, '/dev/zero'));
    expect(err).toBeInstanceOf(PdmError);
    expect((err as PdmError).code).toBe('PDM_ERR_CONFIG_INVALID');
    expect(err.message).toBe('/dev/zero: is larger than 16 MiB (or never ends): not a configuration file');
    expect(performance.now() - start).toBeLessThan(10_000);
    // An unreadable file keeps the system's words.
    expect(thrown(() => loadConfigFile(ProcessorConfigSpec, join(dir, 'missing.yaml'))).message).toMatch(
      /missing\.yaml: cannot be read \(ENOENT: no such file or directory, open '.*missing\.yaml'\)$/,
    );
  });
});

describe('YAML warnings', () => {
  it('an unresolved tag was printed by the yaml package to stderr, raw and without the file name, and the file loaded: now refused naming the file', () => {
    const p = file('collector.yaml', 'id: !custom pump # \u001b[2J\nmachines:\n  - endpoint: opc.tcp://a:4840\n');
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const err = thrown(() => loadConfigFile(CollectorConfigSpec, p));
      expect(err).toBeInstanceOf(PdmError);
      expect((err as PdmError).code).toBe('PDM_ERR_CONFIG_INVALID');
      expect(hasControlCharacter(err.message)).toBe(false);
      expect(err.message).toMatch(/collector\.yaml: is not valid YAML\/JSON \(Unresolved tag: !custom at line 1, column 5:/);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).toEqual([]);
    // The shipped examples have no tags and still load.
    expect(() => loadConfigFile(CollectorConfigSpec, join(ROOT, 'deploy/config/collector.yaml'))).not.toThrow();
  });
});
