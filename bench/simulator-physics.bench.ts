/**
 * How many simulated machines one process renders in real time on one core.
 *
 * A machine here is one triaxial accelerometer (3 axes × 25.6 kHz, blocks of 2560) plus ~1 Hz
 * energy and ground-truth readings. A mix of machines (healthy pump, fan with an outer-race
 * fault, compressor motor with an inner-race fault, misaligned pump, loose fan) renders 20 s of
 * signal each; the CPU time of this process (user + system, so other load on a shared machine
 * matters less than for wall time) per simulated second gives machines per core. The same for
 * machines with two triaxial sensors (DE and NDE, 6 axes), and the construction cost (fault
 * calibration). Prints one JSON object.
 *
 * Run: node bench/simulator-physics.bench.ts [--seconds 20]
 */
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseMachine, type ValidMachine } from '../ingest/simulator/fleet-config.ts';
import { MachineSimulation } from '../ingest/simulator/physics/machine-simulation.ts';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '20' } } });
const SECONDS = Number(values.seconds);
const START_MS = Date.UTC(2026, 0, 1);

const base = {
  identification: { manufacturer: 'bench', model: 'bench', serialNumber: 'B' },
  lineFrequencyHz: 50,
  operatingModes: [
    { mode: 'full', durationS: 7, loadPct: 90 },
    { mode: 'part', durationS: 5, loadPct: 50 },
  ],
  rampS: 2,
  bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
  timeAcceleration: 1000,
};
const grow = (timeToFailure: string) => ({ timeToFailure, noise: 0.15 });
const MIX = [
  { id: 'pump-healthy', type: 'pump', ratedPowerKw: 11, nominalSpeedRpm: 1465, poles: 4, faults: [] },
  {
    id: 'fan-outer-race',
    type: 'fan',
    ratedPowerKw: 30,
    nominalSpeedRpm: 1475,
    poles: 4,
    faults: [{ type: 'outer_race', location: 'DE', growth: grow('14d') }],
  },
  {
    id: 'compressor-inner-race',
    type: 'compressor_motor',
    ratedPowerKw: 75,
    nominalSpeedRpm: 2975,
    poles: 2,
    faults: [{ type: 'inner_race', location: 'DE', growth: grow('20d') }],
  },
  {
    id: 'pump-misaligned',
    type: 'pump',
    ratedPowerKw: 22,
    nominalSpeedRpm: 2950,
    poles: 2,
    faults: [{ type: 'misalignment', location: 'DE', growth: grow('40d') }],
  },
  {
    id: 'fan-loose',
    type: 'fan',
    ratedPowerKw: 15,
    nominalSpeedRpm: 980,
    poles: 6,
    faults: [
      { type: 'looseness', location: 'NDE', growth: grow('30d') },
      { type: 'rolling_element', location: 'DE', growth: grow('25d') },
    ],
  },
];

function machines(locations: Array<'DE' | 'NDE'>): ValidMachine[] {
  return MIX.map((m) => parseMachine({ ...base, ...m, sensors: { vibration: locations.map((location) => ({ location })) } }));
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function measure(fleet: ValidMachine[]): {
  machinesPerCore: number;
  cpuMsPerMachineSecond: number;
  blockUs: number;
  constructionMs: number;
  wallMs: number;
} {
  const c0 = cpuMs();
  const sims = fleet.map((m) => new MachineSimulation(m, { startTimeMs: START_MS }));
  const constructionMs = (cpuMs() - c0) / sims.length;
  const buf = new Float32Array(2560);
  const seq0 = Math.floor((START_MS + 60_000) / 100);
  const run = (from: number, blocks: number) => {
    for (const sim of sims) {
      for (let b = 0; b < blocks; b++) {
        const seq = from + b;
        for (const ch of sim.channels) sim.renderBlock(ch.id, seq, buf);
        if (seq % 10 === 0) {
          sim.energyAt(seq * 100);
          sim.truthAt(seq * 100);
        }
      }
    }
  };
  run(seq0, 20); // warm-up: JIT and caches
  const blocks = SECONDS * 10;
  const w = performance.now();
  const c = cpuMs();
  run(seq0 + 20, blocks);
  const cpu = cpuMs() - c;
  const wallMs = performance.now() - w;
  const cpuMsPerMachineSecond = cpu / (sims.length * SECONDS);
  return {
    machinesPerCore: Math.floor(1000 / cpuMsPerMachineSecond),
    cpuMsPerMachineSecond: round(cpuMsPerMachineSecond),
    blockUs: round((cpu * 1000) / (sims.length * blocks)),
    constructionMs: round(constructionMs),
    wallMs: Math.round(wallMs),
  };
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

const load = loadavg();
const triaxial = measure(machines(['DE']));
const twoSensors = measure(machines(['DE', 'NDE']));
console.log(
  JSON.stringify(
    {
      benchmark: 'simulator-physics',
      node: process.version,
      cpu: cpus()[0]?.model,
      loadAverageAtStart: load.map(round),
      simulatedSecondsPerMachine: SECONDS,
      mix: MIX.map((m) => m.id),
      oneTriaxialSensor: { axes: 3, sampleRateHz: 25_600, ...triaxial },
      twoTriaxialSensors: { axes: 6, sampleRateHz: 25_600, ...twoSensors },
      note: 'machinesPerCore = 1000 / CPU ms per simulated machine-second (render + energy + truth), this process only',
    },
    null,
    2,
  ),
);
