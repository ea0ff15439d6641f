/**
 * How many machines one simulator process serves in real time over OPC UA.
 *
 * A machine is one triaxial accelerometer (3 axes × 25.6 kHz in 2560-sample blocks, 10 blocks/s
 * per axis) plus energy and ground truth, rendered by the physics (the mix of
 * bench/simulator-physics.bench.ts: healthy and faulty pumps, fans, a compressor motor). The
 * simulator is the real `pdm simulate` in a child process (SignAndEncrypt, Basic256Sha256, user
 * token); this process is a collector-like client: the collector's own OPC UA input, subscribed to
 * every waveform of every machine, counting every block, gap and delay.
 *
 * The machine count ramps (--steps); at each step, after a warm-up, a window of --seconds is
 * judged: every block whose start lies in the window must arrive, without a sequence gap, within
 * LATE_MS of its end. The first step that fails ends the ramp. Reference: the physics-only
 * rendering rate (machines per core, one triaxial sensor) of bench/simulator-physics.bench.ts,
 * run first in the same run. The ratio compares machines served by one process (its main thread
 * serving OPC UA, its physics threads rendering) with machines one core renders and nothing else.
 *
 * Prints one JSON line { name, unit, median, reference, ratio, details }. Heavy (minutes, both
 * cores): run it once, not in a loop.
 *
 * Both layouts are ramped (--layouts): a server per machine (today's default), and one gateway
 * server for all (fleet `opcua.layout: gateway`), whose client shares sessions as the collector
 * does (--machines-per-session). The summary's median is the best layout's.
 *
 *   node bench/simulator-serving.bench.ts [--layouts server-per-machine,gateway] [--steps 8,16,24,32,48,64]
 *                                         [--gateway-steps 16,24,32,48,64,96,100,112,128,144] [--machines-per-session 50]
 *                                         [--seconds 15] [--warmup 5] [--physics-seconds 5]
 *                                         [--simulator-node-flags "--max-semi-space-size=32"] [--physics-threads N]
 *
 * The simulator runs with a larger V8 young generation by default (see cli/commands/simulate.ts:
 * with Node's defaults the same 4 machines took 0.56 instead of 0.15 cores); pass
 * --simulator-node-flags "" to measure the defaults.
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import type { SimulatorMessage } from '../cli/commands/simulate.ts';
import { OpcuaMachineInput } from '../ingest/collector/opcua-machine-input.ts';
import { OpcuaSessionPool } from '../ingest/collector/opcua-session-pool.ts';
import { collectorPkiDir, initPlantPki } from '../ingest/opcua/pki-init.ts';
import { freePort, freePorts } from '../tools/harness/ports.ts';

const { values } = parseArgs({
  options: {
    layouts: { type: 'string', default: 'server-per-machine,gateway' },
    // Ramps that end (at their first failing step) within npm run bench's 20 minutes per bench:
    // every step starts its machines and sessions afresh. Wider ramps: pass --steps / --gateway-steps.
    steps: { type: 'string', default: '8,16,24,32,48,64' },
    'gateway-steps': { type: 'string', default: '16,24,32,48,64,96,100,112,128,144' },
    'machines-per-session': { type: 'string', default: '50' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    'physics-seconds': { type: 'string', default: '5' },
    // What docs/simulator.md recommends for the simulator process ("" for Node's defaults).
    'simulator-node-flags': { type: 'string', default: '--max-semi-space-size=32' },
    // pdm simulate's --physics-threads ("" for its default: one per 64 machines, at most one per core).
    'physics-threads': { type: 'string', default: '' },
  },
});
type Layout = 'server-per-machine' | 'gateway';
const LAYOUTS = values.layouts.split(',').filter(Boolean) as Layout[];
for (const l of LAYOUTS) if (l !== 'server-per-machine' && l !== 'gateway') throw new Error(`--layouts: unknown layout ${l}`);
const STEPS: Record<Layout, number[]> = {
  'server-per-machine': values.steps.split(',').map(Number),
  gateway: values['gateway-steps'].split(',').map(Number),
};
const MACHINES_PER_SESSION = Number(values['machines-per-session']);
const SIMULATOR_FLAGS = values['simulator-node-flags'].split(/\s+/).filter(Boolean);
const WINDOW_S = Number(values.seconds);
const WARMUP_S = Number(values.warmup);
const BLOCK_MS = 100;
/** A block is late when it arrives more than this after its last sample. */
const LATE_MS = 1000;
const CLK_TCK = 100; // Linux USER_HZ, for /proc/<pid>/stat
const root = join(import.meta.dirname, '..');
const say = (l: string) => process.stderr.write(`[simulator-serving] ${l}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const dir = mkdtempSync(join(tmpdir(), 'pdm-serving-bench-'));
const user = { username: 'bench', password: `pw-${Math.random().toString(36).slice(2)}` };
const loadAtStart = loadavg().map((l) => Math.round(l * 100) / 100);

// The machines of bench/simulator-physics.bench.ts, one triaxial sensor at the drive end.
const grow = (timeToFailure: string) => ({ timeToFailure, noise: 0.15 });
const MIX = [
  { type: 'pump', ratedPowerKw: 11, nominalSpeedRpm: 1465, poles: 4, faults: [] },
  { type: 'fan', ratedPowerKw: 30, nominalSpeedRpm: 1475, poles: 4, faults: [{ type: 'outer_race', location: 'DE', growth: grow('14d') }] },
  {
    type: 'compressor_motor',
    ratedPowerKw: 75,
    nominalSpeedRpm: 2975,
    poles: 2,
    faults: [{ type: 'inner_race', location: 'DE', growth: grow('20d') }],
  },
  {
    type: 'pump',
    ratedPowerKw: 22,
    nominalSpeedRpm: 2950,
    poles: 2,
    faults: [{ type: 'misalignment', location: 'DE', growth: grow('40d') }],
  },
  {
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

/** The last JSON document a process printed (bench/run.ts's rule). */
function lastJson(stdout: string): Record<string, unknown> | undefined {
  const text = stdout.trim();
  for (let at = text.lastIndexOf('{'); at >= 0; at = at > 0 ? text.lastIndexOf('{', at - 1) : -1) {
    if (at > 0 && text[at - 1] !== '\n') continue;
    try {
      return JSON.parse(text.slice(at)) as Record<string, unknown>;
    } catch {
      /* keep looking */
    }
  }
  return undefined;
}

async function physicsReference(): Promise<{ machinesPerCore: number; cpuMsPerMachineSecond: number }> {
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      [join(root, 'bench/simulator-physics.bench.ts'), '--seconds', values['physics-seconds']],
      { cwd: root, maxBuffer: 1 << 24 },
      (err, out) => (err ? reject(err) : resolve(out)),
    ),
  );
  const j = lastJson(stdout) as { oneTriaxialSensor?: { machinesPerCore: number; cpuMsPerMachineSecond: number } } | undefined;
  if (!j?.oneTriaxialSensor) throw new Error(`bench/simulator-physics.bench.ts printed no oneTriaxialSensor result: ${stdout.slice(-300)}`);
  return j.oneTriaxialSensor;
}

/** CPU seconds (user + system) and resident MB of a process, from /proc. */
function processUsage(pid: number): { cpuS: number; rssMb: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuS = (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime, stime (fields 14, 15 of stat)
  const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return { cpuS, rssMb: rss ? Math.round(Number(rss[1]) / 1024) : Number.NaN };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}

interface StepResult {
  machines: number;
  passed: boolean;
  expectedBlocks: number;
  receivedBlocks: number;
  lostBlocks: number;
  gaps: number;
  lateBlocks: number;
  latencyMs: { p50: number; p99: number; max: number };
  simulatorCores: number;
  simulatorRssMb: number;
  clientCores: number;
  startupS: number;
  error?: string;
}

async function startSimulator(
  n: number,
  layout: Layout,
): Promise<{ child: ChildProcess; endpoints: Array<{ id: string; endpoint: string }>; startupS: number }> {
  const machines = [];
  // Distinct: one port asked for after another can come back twice (a machine would fail to start).
  const ports = layout === 'gateway' ? [] : await freePorts(n);
  for (let i = 0; i < n; i++) {
    const m = MIX[i % MIX.length];
    machines.push({
      id: `m${String(i).padStart(3, '0')}`,
      identification: { manufacturer: 'bench', model: 'bench', serialNumber: `B${i}` },
      lineFrequencyHz: 50,
      operatingModes: [
        { mode: 'full', durationS: 7, loadPct: 90 },
        { mode: 'part', durationS: 5, loadPct: 50 },
      ],
      rampS: 2,
      bearings: { DE: '6205-2RS', NDE: '6203-2RS' },
      sensors: { vibration: [{ location: 'DE' }] },
      ...(layout === 'gateway' ? {} : { opcua: { port: ports[i] } }),
      ...m,
    });
  }
  const fleetFile = join(dir, `fleet-${n}.yaml`);
  writeFileSync(
    fleetFile,
    stringify({
      timeAcceleration: 1000,
      opcua: {
        users: [{ usernameEnv: 'BENCH_USER', passwordEnv: 'BENCH_PASSWORD' }],
        ...(layout === 'gateway' ? { layout, basePort: await freePort(), gatewayName: 'gateway' } : {}),
      },
      machines,
    }),
  );
  await initPlantPki(join(dir, 'pki'), layout === 'gateway' ? ['gateway'] : machines.map((m) => m.id), 'localhost');
  const t0 = Date.now();
  const child = fork(
    join(root, 'cli/pdm.ts'),
    [
      'simulate',
      '--fleet',
      fleetFile,
      '--pki',
      join(dir, 'pki'),
      '--truth-dir',
      join(dir, 'truth'),
      ...(values['physics-threads'] ? ['--physics-threads', values['physics-threads']] : []),
    ],
    {
      env: {
        ...process.env,
        BENCH_USER: user.username,
        BENCH_PASSWORD: user.password,
        PDM_KAFKA_BROKERS: '',
        PDM_QUESTDB_HTTP: '',
        PDM_LOG_LEVEL: 'warn',
      },
      execArgv: SIMULATOR_FLAGS,
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
    },
  );
  const ready = await new Promise<Extract<SimulatorMessage, { type: 'ready' }>>((resolve, reject) => {
    child.on('message', (m: SimulatorMessage) => m.type === 'ready' && resolve(m));
    child.once('exit', (code) => reject(new Error(`pdm simulate exited (${code}) before it was ready`)));
  });
  const failed = ready.machines.filter((m) => m.state !== 'running');
  if (failed.length > 0) throw new Error(`machines not running: ${failed.map((m) => `${m.id} (${m.error})`).join('; ')}`);
  return {
    child,
    endpoints: ready.machines.map((m) => ({ id: m.id, endpoint: m.endpointUrl! })),
    startupS: (Date.now() - t0) / 1000,
  };
}

async function measure(n: number, layout: Layout): Promise<StepResult> {
  const { child, endpoints, startupS } = await startSimulator(n, layout);
  // Machines of one gateway share sessions, as the collector does (machinesPerSession).
  const sessions = new OpcuaSessionPool(layout === 'gateway' ? MACHINES_PER_SESSION : 1);
  const arrivals = new Map<string, Map<number, number>>(); // machine/channel -> seq -> arrival ms
  const inputs: OpcuaMachineInput[] = [];
  try {
    for (const { id, endpoint } of endpoints) {
      const input = new OpcuaMachineInput(
        {
          endpoint,
          machineId: id,
          sessions,
          security: { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' },
          credentials: user,
          pkiDir: collectorPkiDir(join(dir, 'pki')),
          publishingIntervalMs: 100,
          reconnectMaxDelayMs: 2000,
        },
        {
          block(b) {
            const key = `${b.machine}/${b.channel}`;
            let m = arrivals.get(key);
            if (!m) {
              m = new Map();
              arrivals.set(key, m);
            }
            m.set(b.seq!, Date.now()); // the simulator always has a counter
          },
          energy() {},
        },
      );
      await input.start();
      inputs.push(input);
    }
    await sleep(WARMUP_S * 1000);
    // A block-aligned window: blocks [first, last] start inside it.
    const first = Math.ceil(Date.now() / BLOCK_MS) + 1;
    const last = first + WINDOW_S * (1000 / BLOCK_MS) - 1;
    while (Date.now() < first * BLOCK_MS) await sleep(5);
    const sim0 = processUsage(child.pid!);
    const client0 = process.cpuUsage();
    const wall0 = Date.now();
    while (Date.now() < (last + 1) * BLOCK_MS) await sleep(50);
    const wallS = (Date.now() - wall0) / 1000;
    const sim1 = processUsage(child.pid!);
    const client1 = process.cpuUsage(client0);
    await sleep(LATE_MS + 500); // what is still on its way may arrive, late
    const channels = n * 3;
    const latencies: number[] = [];
    let received = 0;
    let gaps = 0;
    let late = 0;
    for (const key of arrivals.keys()) {
      const m = arrivals.get(key)!;
      let prev: number | undefined;
      for (let seq = first; seq <= last; seq++) {
        const at = m.get(seq);
        if (at === undefined) continue;
        received++;
        if (prev !== undefined && seq !== prev + 1) gaps++;
        prev = seq;
        const latency = at - (seq + 1) * BLOCK_MS;
        latencies.push(latency);
        if (latency > LATE_MS) late++;
      }
    }
    latencies.sort((a, b) => a - b);
    const expected = channels * (last - first + 1);
    const lost = expected - received;
    return {
      machines: n,
      passed: lost === 0 && gaps === 0 && late === 0 && arrivals.size === channels,
      expectedBlocks: expected,
      receivedBlocks: received,
      lostBlocks: lost,
      gaps,
      lateBlocks: late,
      latencyMs: { p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN },
      simulatorCores: Math.round(((sim1.cpuS - sim0.cpuS) / wallS) * 100) / 100,
      simulatorRssMb: sim1.rssMb,
      clientCores: Math.round(((client1.user + client1.system) / 1e6 / wallS) * 100) / 100,
      startupS: Math.round(startupS * 10) / 10,
    };
  } finally {
    // Clients first: a session whose server is gone waits for reconnection attempts.
    await Promise.all(inputs.map((i) => i.stop().catch(() => undefined)));
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(15_000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

say(`physics reference: node bench/simulator-physics.bench.ts --seconds ${values['physics-seconds']}...`);
const reference = await physicsReference();
say(`  ${reference.machinesPerCore} machines per core (${reference.cpuMsPerMachineSecond} CPU ms per machine-second)`);
const byLayout: Record<string, { served: number; firstFailingStep: number | null; steps: StepResult[] }> = {};
for (const layout of LAYOUTS) {
  const steps: StepResult[] = [];
  for (const n of STEPS[layout]) {
    say(`${layout}, ${n} machines: starting pdm simulate, ${WARMUP_S} s warm-up, ${WINDOW_S} s window...`);
    let r: StepResult;
    try {
      r = await measure(n, layout);
    } catch (err) {
      r = {
        machines: n,
        passed: false,
        expectedBlocks: 0,
        receivedBlocks: 0,
        lostBlocks: 0,
        gaps: 0,
        lateBlocks: 0,
        latencyMs: { p50: Number.NaN, p99: Number.NaN, max: Number.NaN },
        simulatorCores: Number.NaN,
        simulatorRssMb: Number.NaN,
        clientCores: Number.NaN,
        startupS: Number.NaN,
        error: (err as Error).message,
      };
    }
    steps.push(r);
    say(
      `  ${r.passed ? 'real time' : 'FAILED'}: ${r.receivedBlocks}/${r.expectedBlocks} blocks, ${r.gaps} gaps, ${r.lateBlocks} late, latency p50 ${r.latencyMs.p50} / p99 ${r.latencyMs.p99} / max ${r.latencyMs.max} ms, simulator ${r.simulatorCores} cores ${r.simulatorRssMb} MB (start ${r.startupS} s), client ${r.clientCores} cores${r.error ? `; ${r.error}` : ''}`,
    );
    if (!r.passed) break;
  }
  byLayout[layout] = {
    served: Math.max(0, ...steps.filter((s) => s.passed).map((s) => s.machines)),
    firstFailingStep: steps.find((s) => !s.passed)?.machines ?? null,
    steps,
  };
}
const served = Math.max(0, ...Object.values(byLayout).map((l) => l.served));
console.log(
  JSON.stringify({
    name: 'simulator-serving',
    unit: 'machines served in real time by one process (3 axes × 25.6 kHz + energy, SignAndEncrypt)',
    median: served,
    reference: reference.machinesPerCore,
    ratio: Math.round((served / reference.machinesPerCore) * 1000) / 1000,
    details: {
      referenceNote: 'physics-only rendering, machines per core (bench/simulator-physics.bench.ts oneTriaxialSensor), same run',
      referenceCpuMsPerMachineSecond: reference.cpuMsPerMachineSecond,
      simulatorNodeFlags: SIMULATOR_FLAGS,
      physicsThreads: values['physics-threads'] || 'default (one per 64 machines, at most one per core)',
      criterion: `every block starting in a ${WINDOW_S} s window arrives, without a gap, within ${LATE_MS} ms of its end`,
      layoutNote:
        'server-per-machine: an OPC UA server per machine, a client session each; gateway (fleet opcua.layout: gateway): one server for all, the client sharing sessions (machinesPerSession)',
      machinesPerSession: MACHINES_PER_SESSION,
      byLayout,
      cpu: cpus()[0]?.model,
      cores: cpus().length,
      loadAverageAtStart: loadAtStart,
      node: process.version,
      note: 'simulator and client share this machine; median = the largest passing step of one ramp, over the layouts measured',
    },
  }),
);
process.exit(0);
