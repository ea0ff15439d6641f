/**
 * Regenerates the "models on the simulator's ground truth" tables of MODELS.md: the same setup
 * as test/unit/models-on-simulator/simulated-faults.test.ts (a simulated pump with 6205-2RS
 * bearings, triaxial accelerometer at the drive end, 25.6 kHz, one-second windows), scored
 * against the simulator's truth (`truthAt`), never against the models.
 *
 *   node tools/simulator-report.ts            # rewrite the tables in MODELS.md
 *   node tools/simulator-report.ts --print    # print them instead
 *
 * The tables sit between <!-- simulator-report:start --> and <!-- simulator-report:end -->.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MachineSimulation } from '../ingest/simulator/physics/machine-simulation.ts';
import type { WindowAnalyzer } from '../models/window-analysis.ts';
import { type HealthUpdate, MachineHealthTracker } from '../stream-processing/machine-health.ts';
import { DEFAULT_OPERATING_MODES } from '../stream-processing/operating-mode.ts';
import { analyzer, machineWith, remainingLifeRun, START_MS, window } from './harness/simulated-pump.ts';
import { publishSection, sectionMarkers } from './markdown-section.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { start: START, end: END } = sectionMarkers('simulator-report');
const AXES = ['DE_X', 'DE_Y', 'DE_Z'];
const FEATURES = ['rms', 'kurtosis', 'crest_factor', 'velocity_rms_mm_s'];

function diagnosisTable(): string[] {
  const rows = ['| injected fault | day of life | true severity | DE_X | DE_Y | DE_Z |', '|---|---|---|---|---|---|'];
  for (const type of ['outer_race', 'inner_race', 'misalignment', 'none'] as const) {
    for (const days of type === 'misalignment' || type === 'none' ? [12] : [3, 6, 9, 15]) {
      const faults =
        type === 'none' ? [] : [{ type, location: 'DE', onset: type === 'misalignment' ? 0 : '1d', growth: { timeToFailure: '20d' } }];
      const sim = new MachineSimulation(machineWith(faults), { startTimeMs: START_MS });
      const atMs = START_MS + days * 1000;
      const severity = Math.max(0, ...sim.truthAt(atMs).faults.map((f) => f.severity));
      const a = analyzer(sim, sim.energyAt(atMs).speedRpm / 60);
      const cells = AXES.map((c) => {
        const r = a.analyze(window(sim, c, atMs));
        return `${r.bearing.diagnosis}${r.bearing.diagnosis === 'none' ? '' : ` ${r.bearing.confidence.toFixed(2)}`}, zone ${r.iso20816.zone}`;
      });
      rows.push(`| ${type} | ${days} | ${severity.toFixed(2)} | ${cells.join(' | ')} |`);
    }
  }
  return rows;
}

function alarmTable(): string[] {
  const rows = ['| machine | windows monitored | alarm windows | first alarm |', '|---|---|---|---|'];
  const cases: Array<[string, unknown[]]> = [
    ['healthy', []],
    ['outer race: onset day 12, failure day 24', [{ type: 'outer_race', location: 'DE', onset: '12d', growth: { timeToFailure: '12d' } }]],
  ];
  for (const [name, faults] of cases) {
    // 3 h of life per wall second: 240 windows are 30 days.
    const sim = new MachineSimulation(machineWith(faults, { timeAcceleration: 3 * 3600 }), { startTimeMs: START_MS });
    const a = analyzer(sim);
    const tracker = new MachineHealthTracker({ features: FEATURES, monitor: {}, energy: false, fleet: null });
    let monitored = 0;
    let alarms = 0;
    let first = '-';
    for (let k = 0; k < 240; k++) {
      const atMs = START_MS + k * 1000;
      for (const channel of AXES) {
        const r = a.analyze(window(sim, channel, atMs));
        const u = tracker.onWindow({
          machine: 'sim-1',
          channel,
          windowSeq: k,
          tsNs: BigInt(atMs) * 1_000_000n,
          features: r.features,
          zone: r.iso20816.zone,
        });
        if (!u) continue;
        if (u.status.phase === 'monitoring') monitored++;
        if (!u.status.alarm) continue;
        alarms++;
        if (first === '-') {
          const t = Number(u.tsNs / 1_000_000n);
          const severity = Math.max(0, ...sim.truthAt(t).faults.map((f) => f.severity));
          first = `day ${((((t - START_MS) / 1000) * 3) / 24).toFixed(1)} of life, true severity ${severity.toFixed(2)} (failure at 1.00), ${u.status.state}`;
        }
      }
    }
    rows.push(`| ${name} | ${monitored} | ${alarms} | ${first} |`);
  }
  return rows;
}

function modesTable(): string[] {
  const DAY_MS = 100_000;
  const NIGHT_MS = 70_000;
  const sim = new MachineSimulation(
    machineWith([], {
      id: 'fan-1',
      type: 'fan',
      operatingModes: [
        { mode: 'day', durationS: DAY_MS / 1000, speedRpm: 1450, loadPct: 85 },
        { mode: 'night', durationS: NIGHT_MS / 1000, speedRpm: 1100, loadPct: 40 },
      ],
    }),
    { startTimeMs: START_MS },
  );
  const config = { features: FEATURES, monitor: {}, energy: true, fleet: null };
  const trackers = {
    'one baseline per machine': new MachineHealthTracker(config),
    'one baseline per operating mode': new MachineHealthTracker({ ...config, modes: DEFAULT_OPERATING_MODES }),
  };
  const ups = new Map<string, HealthUpdate[]>(Object.keys(trackers).map((k) => [k, []]));
  const analyzers = new Map<number, WindowAnalyzer>();
  for (let k = 0; k < (2 * (DAY_MS + NIGHT_MS)) / 1000; k++) {
    const atMs = START_MS + k * 1000;
    const e = sim.energyAt(atMs);
    for (const t of Object.values(trackers)) t.onEnergy('fan-1', e.powerKw, e.loadPct, e.speedRpm, atMs);
    const shaftHz = Math.round(e.speedRpm * 10) / 600;
    let a = analyzers.get(shaftHz);
    if (!a) {
      a = analyzer(sim, shaftHz);
      analyzers.set(shaftHz, a);
    }
    for (const channel of AXES) {
      const r = a.analyze(window(sim, channel, atMs));
      for (const [name, t] of Object.entries(trackers)) {
        const u = t.onWindow({
          machine: 'fan-1',
          channel,
          windowSeq: k,
          tsNs: BigInt(atMs) * 1_000_000n,
          features: r.features,
          zone: r.iso20816.zone,
        });
        if (u) ups.get(name)!.push(u);
      }
    }
  }
  const rows = [
    '| healthy fan, day 1450 rpm / 85 % (100 s) and night 1100 rpm / 40 % (70 s), twice | modes | windows monitored | alarm windows | largest anomaly score | transition windows |',
    '|---|---|---|---|---|---|',
  ];
  for (const [name, t] of Object.entries(trackers)) {
    const list = ups.get(name)!;
    const monitored = list.filter((u) => u.status.phase === 'monitoring');
    const modes = [...new Set(list.map((u) => u.mode))].join(', ');
    rows.push(
      `| ${name} | ${modes} | ${monitored.length} | ${list.filter((u) => u.status.alarm).length} | ${Math.max(...monitored.map((u) => u.status.score)).toFixed(1)} | ${t.counters.skippedTransition} |`,
    );
  }
  return rows;
}

function remainingLifeTable(): string[] {
  const runs: Array<[string, number]> = [
    ['12d', 11],
    ['12d', 3],
    ['8d', 5],
    ['16d', 7],
  ];
  const rows = [
    `| fault (onset day 12) | ${runs.map(([ttf, seed]) => `fails ${ttf} later, seed ${seed}`).join(' | ')} |`,
    `|---|${runs.map(() => '---|').join('')}`,
  ];
  const pct = (x: number) => `${Math.round(100 * x)} %`;
  for (const type of ['outer_race', 'inner_race', 'rolling_element', 'imbalance', 'misalignment', 'looseness']) {
    const cells = runs.map(([ttf, seed]) => {
      const iso = remainingLifeRun(type, { timeToFailure: ttf, seed, velocityLimitMmS: 4.5 });
      const alone = remainingLifeRun(type, { timeToFailure: ttf, seed, velocityLimitMmS: null });
      return `${pct(iso.coverage)} (${pct(iso.medianRelativeError)}) / ${pct(alone.coverage)} (${pct(alone.medianRelativeError)})`;
    });
    process.stderr.write(`remaining life: ${type} done\n`);
    rows.push(`| ${type} | ${cells.join(' | ')} |`);
  }
  return rows;
}

function report(): string {
  return [
    START,
    '',
    '_Generated by `node tools/simulator-report.ts` (the setup of `test/unit/models-on-simulator/simulated-faults.test.ts`; truth from the simulation)._',
    '',
    '**Diagnosis per axis** (one-second window at the given day of life; bearing faults start on day 1 and grow to failure on day 21, the misalignment from day 0; diagnosis, confidence, ISO 20816-3 zone):',
    '',
    ...diagnosisTable(),
    '',
    '**Alarms** (health tracker on the three axes, 60-window baseline, 240 windows = 30 days of life):',
    '',
    ...alarmTable(),
    '',
    '**Operating modes** (health tracker fusing vibration and the power-versus-load residual, live speed and load from the simulated energy meter):',
    '',
    ...modesTable(),
    '',
    '**Remaining life against the true failure** (severity 1: the worst axis at the ISO 20816-3 zone C/D boundary, 4.5 mm/s; 3 h of life per window; no training histories). Each cell: share of the windows on the degradation basis whose 90 % interval contains the true remaining life (median relative error of the median) — with the ISO velocity limit as a second failure criterion, as the processor runs it / with the health-index threshold (4×) alone:',
    '',
    ...remainingLifeTable(),
    '',
    END,
  ].join('\n');
}

await publishSection(join(ROOT, 'MODELS.md'), 'simulator-report', report());
