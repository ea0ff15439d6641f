/**
 * Windows per second per core of the full vibration analysis (`WindowAnalyzer.analyze`: time
 * features, spectra, velocity and ISO zone, bands, orders, fast kurtogram, squared envelope
 * spectrum, fault evidence and decision) on 8192-sample windows at 25.6 kHz with a 6205-2RS at
 * 25 Hz, the same with a healthy reference (`fullWithReference`: the reference learnt by
 * `ReferenceBuilder` from 20 windows of the machine without its fault), and without a bearing
 * (features only). CPU time of this process (user + system), median
 * of rounds. The numpy/scipy reference `bench/window_analysis_ref.py` runs in the same
 * invocation (`.cache/pyenv/bin/python` when present, else `python3`) and the ratio is printed.
 * Prints one JSON object on the last line.
 *
 * Run: node bench/window-analysis.bench.ts [--windows 200] [--rounds 5] [--warmup 400] [--no-python]
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { lookupBearing } from '../models/bearing/catalogue.ts';
import { ReferenceBuilder } from '../models/bearing/reference.ts';
import { type WindowAnalysisConfig, WindowAnalyzer } from '../models/window-analysis.ts';

const { values } = parseArgs({
  options: {
    windows: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '5' },
    // Windows analysed before timing, in both languages. A processor analyses hundreds of windows
    // a second for hours: its steady state, after V8's optimising tiers (which take a few hundred
    // windows to settle: with 20, the first rounds ran 25-30 % slower), is what counts.
    warmup: { type: 'string', default: '400' },
    'no-python': { type: 'boolean', default: false },
  },
});
const WINDOWS = Number(values.windows);
const ROUNDS = Number(values.rounds);
const WARMUP = Number(values.warmup);
const FS = 25600;
const N = 8192;
const SHAFT = 25;

/** Deterministic windows: noise, 1X, and (unless healthy) an outer race impact train ringing at 3 kHz. */
function makeWindows(count: number, healthy = false, seed0 = 1): Float32Array[] {
  let seed = seed0;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const out: Float32Array[] = [];
  const bpfo = 3.5848 * SHAFT;
  for (let w = 0; w < count; w++) {
    const x = new Float32Array(N);
    for (let i = 0; i < N; i += 2) {
      const r = Math.sqrt(-2 * Math.log(Math.max(rnd(), 1e-12)));
      const a = 2 * Math.PI * rnd();
      x[i] = 0.05 * r * Math.cos(a) + 0.02 * Math.sin((2 * Math.PI * SHAFT * i) / FS + w);
      x[i + 1] = 0.05 * r * Math.sin(a) + 0.02 * Math.sin((2 * Math.PI * SHAFT * (i + 1)) / FS + w);
    }
    for (let t0 = rnd() / bpfo; !healthy && t0 < N / FS; t0 += 1 / bpfo) {
      const k = Math.ceil(t0 * FS);
      for (let i = k; i < N && i < k + 400; i++) {
        const d = i / FS - t0;
        x[i] += 0.2 * Math.exp(-250 * d) * Math.sin(2 * Math.PI * 3000 * d);
      }
    }
    out.push(x);
  }
  return out;
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function measure(
  config: WindowAnalysisConfig,
  data: Float32Array[],
): { windowsPerSecPerCore: number; usPerWindow: number; constructionMs: number; rounds: number[] } {
  const c0 = cpuMs();
  const analyzer = new WindowAnalyzer(config);
  const constructionMs = cpuMs() - c0;
  for (let i = 0; i < WARMUP; i++) analyzer.analyze(data[i % data.length]);
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const c = cpuMs();
    for (const x of data) analyzer.analyze(x);
    rounds.push((data.length / (cpuMs() - c)) * 1000);
  }
  const wps = median(rounds);
  return {
    windowsPerSecPerCore: Math.round(wps),
    usPerWindow: Math.round(1e6 / wps),
    constructionMs: Math.round(constructionMs * 10) / 10,
    rounds: rounds.map((v) => Math.round(v)),
  };
}

function python(): Promise<{ python_windows_per_s_per_core: number } | { error: string }> {
  const script = fileURLToPath(new URL('./window_analysis_ref.py', import.meta.url));
  const venv = fileURLToPath(new URL('../.cache/pyenv/bin/python', import.meta.url));
  const exe = existsSync(venv) ? venv : 'python3';
  return new Promise((resolve) => {
    execFile(
      exe,
      [script, '--windows', String(WINDOWS), '--rounds', String(ROUNDS), '--warmup', String(WARMUP)],
      { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err !== null) resolve({ error: `${exe}: ${(stderr || err.message).trim().split('\n').pop()}` });
        else resolve(JSON.parse(stdout.trim().split('\n').pop() as string));
      },
    );
  });
}

const data = makeWindows(WINDOWS);
const bearing = lookupBearing('6205-2RS');
const full = measure({ sampleRateHz: FS, windowSize: N, shaftHz: SHAFT, bearing }, data);
const builder = new ReferenceBuilder({ bearing });
const b0 = cpuMs();
for (const x of makeWindows(20, true, 7)) builder.add({ samples: x, sampleRateHz: FS, shaftHz: SHAFT });
const reference = builder.build();
const referenceBuild = {
  windows: 20,
  msPerWindow: Math.round(((cpuMs() - b0) / 20) * 10) / 10,
  jsonBytes: JSON.stringify(reference).length,
};
const fullWithReference = { ...measure({ sampleRateHz: FS, windowSize: N, shaftHz: SHAFT, bearing, reference }, data), referenceBuild };
const featuresOnly = measure({ sampleRateHz: FS, windowSize: N, shaftHz: SHAFT }, data);
const py = values['no-python'] ? { error: 'skipped (--no-python)' } : await python();
const pyRate = 'python_windows_per_s_per_core' in py ? py.python_windows_per_s_per_core : undefined;
const summary = {
  bench: 'window-analysis',
  window: { samples: N, sampleRateHz: FS, shaftHz: SHAFT, bearing: '6205-2RS' },
  windows: WINDOWS,
  rounds: ROUNDS,
  warmup: WARMUP,
  full,
  fullWithReference,
  featuresOnly,
  realTimeChannelsPerCore: Math.floor((full.windowsPerSecPerCore * N) / FS),
  python:
    pyRate === undefined
      ? py
      : { windowsPerSecPerCore: Math.round(pyRate), rounds: (py as { rounds?: number[] }).rounds, numpy: (py as { numpy?: string }).numpy },
  ratioTsOverPython: pyRate === undefined ? null : Math.round((full.windowsPerSecPerCore / pyRate) * 100) / 100,
  host: { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load1: Math.round(loadavg()[0] * 100) / 100, node: process.version },
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
