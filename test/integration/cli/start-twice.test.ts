/**
 * `pdm start` twice in a row (issue 12, part 6): the simulated machines start new lives at every
 * run and their block counters follow the clock, so a second run that kept the first one's
 * sequence ledger counted the time between the runs as missing blocks ("635502 missing"). A fresh
 * run starts its collection afresh: 0 missing. A third run with --resume keeps the ledger, and the
 * time between the runs shows as blocks not collected while the collector was stopped.
 *
 * One demo machine, on the integration set-up's Kafka and QuestDB (named by the environment, so
 * pdm start starts no JVM), in a directory of its own (its .pdm/), its OPC UA port and the
 * processor's metrics port free ones.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { findRepoRoot } from '../../../deploy/local/paths.ts';
import { freePort } from '../../../tools/harness/ports.ts';
import { testServices } from '../../helpers/services.ts';

const services = testServices();
const root = findRepoRoot();
const DURATION_S = 6;

interface Run {
  code: number | null;
  out: string;
  /** The last live view's collector line (the final counts): blocks in and to Kafka, and the missing text. */
  blocksIn: number;
  blocksOut: number;
  missing: string;
}

async function pdmStart(cwd: string, fleet: string, processorConfig: string, extra: string[] = []): Promise<Run> {
  const child = spawn(
    process.execPath,
    [
      join(root, 'cli', 'pdm.ts'),
      'start',
      '--fleet',
      fleet,
      '--processor-config',
      processorConfig,
      '--duration',
      String(DURATION_S),
      '--refresh',
      '5',
      ...extra,
    ],
    {
      cwd,
      env: {
        ...process.env,
        PDM_KAFKA_BROKERS: services.kafkaBrokers.join(','),
        PDM_QUESTDB_HTTP: services.questdbHttp,
        PDM_QUESTDB_PG: '',
        PDM_QUESTDB_USER: services.questdbUser ?? '',
        PDM_QUESTDB_PASSWORD: services.questdbPassword ?? '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const lines = [...out.matchAll(/collector: (\d+) blocks in, (\d+) to Kafka, (.*?missing(?: \([^)]*\))?)/g)];
  const last = lines.at(-1);
  return {
    code,
    out,
    blocksIn: last ? Number(last[1]) : 0,
    blocksOut: last ? Number(last[2]) : 0,
    missing: last ? last[3] : '(no live view)',
  };
}

describe('pdm start twice in a row', () => {
  it('the second run reports 0 missing; a run with --resume reports the time between runs as collector downtime', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'pdm-start-twice-'));
    const fleet = parse(readFileSync(join(root, 'deploy', 'config', 'fleet.yaml'), 'utf8')) as {
      opcua: { basePort: number };
      machines: unknown[];
    };
    fleet.opcua.basePort = await freePort();
    fleet.machines = fleet.machines.slice(0, 1);
    const fleetFile = join(cwd, 'fleet.yaml');
    writeFileSync(fleetFile, stringify(fleet));
    const processor = parse(readFileSync(join(root, 'deploy', 'config', 'processor.yaml'), 'utf8')) as Record<string, unknown>;
    processor['metrics'] = { port: 0, host: '127.0.0.1' };
    const processorFile = join(cwd, 'processor.yaml');
    writeFileSync(processorFile, stringify(processor));

    const runs: Run[] = [];
    for (const extra of [[], [], ['--resume']]) {
      const run = await pdmStart(cwd, fleetFile, processorFile, extra);
      process.stderr.write(`[start-twice] pdm start ${extra.join(' ')}: exit ${run.code}, ${run.blocksIn} blocks in, ${run.missing}\n`);
      expect(run.code, run.out.slice(-3000)).toBe(0);
      expect(run.blocksIn, run.out.slice(-3000)).toBeGreaterThan(0);
      // The collector runs as its own process (pdm collect, on the configuration pdm start wrote
      // for it); the run's final counts are its report after it sent what waited: all of it.
      expect(run.out).toContain('Final counts: collector: ');
      expect(run.blocksOut).toBe(run.blocksIn);
      const collectorConfig = JSON.parse(readFileSync(join(cwd, '.pdm', 'collector.json'), 'utf8')) as { machines: unknown[] };
      expect(collectorConfig.machines).toHaveLength(1);
      runs.push(run);
    }
    const [first, second, resumed] = runs;
    expect(first.out).toContain('Fresh run: no collector state of earlier runs');
    expect(second.out).toContain("Fresh run: the collector's sequence ledger and spool of earlier runs removed");
    expect(second.missing).toBe('0 missing');
    // Kept: the seconds between the second and third run, at the machine's block rate, are not
    // collected while the collector was stopped; nothing was lost while it ran.
    expect(resumed.out).toContain('Resumed (--resume)');
    expect(resumed.missing).toMatch(/^(\d+) missing \(\1 while the collector was stopped\)$/);
  }, 420_000);
});
