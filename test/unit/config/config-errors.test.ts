import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../common/config.ts';
import { isPdmError } from '../../../common/errors.ts';
import { CollectorConfigSpec } from '../../../ingest/collector/collector-config.ts';
import { ProcessorConfigSpec } from '../../../stream-processing/processor-config.ts';

function file(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'pdm-config-'));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(isPdmError(err, 'PDM_ERR_CONFIG_INVALID')).toBe(true);
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('configuration errors name the file and the setting', () => {
  it('collector: a bad endpoint in the 4th machine', () => {
    const p = file(
      'collector.yaml',
      `machines:\n${['a', 'b', 'c'].map((m) => `  - endpoint: opc.tcp://${m}:4840\n`).join('')}  - endpoint: http://d:4840\n`,
    );
    expect(messageOf(() => loadConfigFile(CollectorConfigSpec, p))).toBe('collector.yaml: machines[3].endpoint must be an opc.tcp:// URL');
  });

  it('collector: unknown keys are rejected, not ignored', () => {
    const p = file('collector.yaml', 'machines:\n  - endpoint: opc.tcp://a:4840\n    pasword: x\n');
    expect(messageOf(() => loadConfigFile(CollectorConfigSpec, p))).toBe('collector.yaml: unknown setting machines[0].pasword');
  });

  it('processor: wrong type and missing file', () => {
    const p = file('processor.yaml', 'windowBlocks: ten\n');
    expect(messageOf(() => loadConfigFile(ProcessorConfigSpec, p))).toMatch(/^processor\.yaml: windowBlocks /);
    expect(messageOf(() => loadConfigFile(ProcessorConfigSpec, '/nonexistent/processor.yaml'))).toMatch(
      /^\/nonexistent\/processor\.yaml: cannot be read/,
    );
  });

  it('processor: a spectra setting out of range names the setting and the file', () => {
    const p = file('processor.yaml', 'spectra: { lines: 20000 }\n');
    expect(messageOf(() => loadConfigFile(ProcessorConfigSpec, p))).toMatch(/^processor\.yaml: spectra\.lines .*6400/);
  });

  it('defaults make a valid processor config from nothing', () => {
    const cfg = ProcessorConfigSpec.parse({});
    expect(cfg.windowBlocks).toBe(10);
    expect(cfg.kafka.groupId).toBe('pdm-processor');
  });
});
