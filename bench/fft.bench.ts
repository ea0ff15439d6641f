/**
 * Real FFT implementations on the hot path's sizes, through our `RealFft`: PFFFT in WebAssembly
 * SIMD (float32, the models' default) and fft.js (float64); mathjs `fft` (what the project's
 * linear-algebra library offers), and numpy/scipy rfft as the external reference, all timed in
 * this run. Prints one JSON line.
 *
 *   node bench/fft.bench.ts [--python PATH]
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fft as mathFft } from 'mathjs';
import { pffftBuild } from '../models/dsp/pffft.ts';
import { RealFft } from '../models/dsp/real-fft.ts';

const { values } = parseArgs({ options: { python: { type: 'string' } } });
const SIZES = [4096, 8192, 32768];

function median(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Median µs per call over `rounds` rounds of `reps` calls (after a warm-up round). */
function time(fn: () => void, reps: number, rounds = 7): number {
  for (let i = 0; i < reps; i++) fn();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < reps; i++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / reps);
  }
  return median(per);
}

function pythonRfft(exe: string, sizes: number[]): Record<string, { numpy: number; scipy: number }> | { error: string } {
  const script = `
import json, sys, time
import numpy as np, scipy.fft as sf
out = {}
for n in ${JSON.stringify(sizes)}:
    x = np.random.default_rng(1).standard_normal(n)
    res = {}
    for name, f in (("numpy", np.fft.rfft), ("scipy", sf.rfft)):
        reps = max(20, 2000000 // n)
        f(x)
        rounds = []
        for _ in range(7):
            t0 = time.perf_counter()
            for _ in range(reps): f(x)
            rounds.append((time.perf_counter() - t0) / reps * 1e6)
        res[name] = sorted(rounds)[3]
    out[str(n)] = res
print(json.dumps(out))
`;
  try {
    return JSON.parse(execFileSync(exe, ['-c', script], { encoding: 'utf8' }).trim().split('\n').pop()!);
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}

const results: Array<{
  n: number;
  pffftUs: number;
  fftjsUs: number;
  fftjsOverPffft: number;
  mathjsUs: number | null;
  mathjsOverFftjs: number | null;
}> = [];
for (const n of SIZES) {
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.1) + ((i * 7919) % 13) / 13);
  const fast = new RealFft(n);
  const f = new RealFft(n, { precision: 'float64' });
  const out = new Float64Array(f.outputLength);
  // Timed as the models call them: float64 in and out, the conversions to and from float32 included.
  const pffftUs = time(() => fast.forward(out, x), Math.max(20, 2_000_000 / n));
  const fftjsUs = time(() => f.forward(out, x), Math.max(20, 2_000_000 / n));
  // mathjs is so slow that a few calls suffice (and 32768 points would take minutes per round).
  const arr = Array.from(x);
  const mathjsUs = n <= 8192 ? time(() => mathFft(arr), 2, 3) : null;
  results.push({
    n,
    pffftUs: Math.round(pffftUs * 10) / 10,
    fftjsUs: Math.round(fftjsUs * 10) / 10,
    fftjsOverPffft: Math.round((fftjsUs / pffftUs) * 100) / 100,
    mathjsUs: mathjsUs === null ? null : Math.round(mathjsUs),
    mathjsOverFftjs: mathjsUs === null ? null : Math.round(mathjsUs / fftjsUs),
  });
}
const venv = fileURLToPath(new URL('../.cache/pyenv/bin/python', import.meta.url));
const py = pythonRfft(values.python ?? (existsSync(venv) ? venv : 'python3'), SIZES);
process.stdout.write(`${JSON.stringify({ bench: 'fft', pffftBuild, results, python: py })}\n`);
