/**
 * PFFFT (Pommier's SIMD FFT, BSD) compiled to WebAssembly with 128-bit SIMD
 * (@echogarden/pffft-wasm): 4-8x faster than fft.js on this machine (BENCHMARKS.md, fft bench),
 * which was the largest single cost of a window's analysis. It computes in float32: round-off
 * about 1e-7 of the largest component (about -130 dB), far below an accelerometer's own dynamic
 * range and the fault-band margins the diagnosis works with; callers that need float64 (oracle
 * tests, long sums) ask RealFft / ComplexFft for `{ precision: 'float64' }` (fft.js).
 *
 * The WebAssembly module is instantiated once, when this module is first imported (top-level
 * await), so every transform stays synchronous for its callers. Where WASM SIMD is missing the
 * package's scalar build is used; where WebAssembly fails altogether, `pffft` is undefined and
 * the transforms fall back to fft.js.
 */

/** The part of the Emscripten module used here (pffft.h; sizes in floats, pointers in bytes). */
interface PffftModule {
  HEAPF32: Float32Array;
  _pffft_new_setup(n: number, transform: number): number;
  _pffft_destroy_setup(setup: number): void;
  _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
  _pffft_aligned_malloc(bytes: number): number;
  _pffft_aligned_free(ptr: number): void;
}

const PFFFT_REAL = 0;
const PFFFT_COMPLEX = 1;
const PFFFT_FORWARD = 0;
const PFFFT_BACKWARD = 1;

async function load(): Promise<{ module: PffftModule; simd: boolean } | undefined> {
  for (const [specifier, simd] of [
    ['@echogarden/pffft-wasm/simd', true],
    ['@echogarden/pffft-wasm', false],
  ] as const) {
    try {
      const factory = (await import(specifier)).default as () => Promise<PffftModule>;
      return { module: await factory(), simd };
    } catch {
      // No WASM SIMD on this runtime (or no WebAssembly): try the next build, then fft.js.
    }
  }
  return undefined;
}

const loaded = await load();

/** Whether transforms run on PFFFT, and which build (for benchmarks and diagnostics). */
export const pffftBuild: 'simd' | 'scalar' | 'none' = loaded ? (loaded.simd ? 'simd' : 'scalar') : 'none';

/**
 * One PFFFT plan of `size` points (real or complex) with its input, output and work buffers in
 * the WebAssembly heap, shared by every transform of its size and kind in this thread (see
 * `create`). Freed when the last transform using it is garbage-collected.
 */
export class PffftPlan {
  readonly size: number;
  readonly #m: PffftModule;
  readonly #setup: number;
  readonly #input: number;
  readonly #output: number;
  readonly #work: number;
  /** Floats per buffer: N for a real transform, 2N for a complex one. */
  readonly #floats: number;

  private constructor(m: PffftModule, size: number, complex: boolean, pointers: Allocation) {
    this.size = size;
    this.#m = m;
    this.#floats = complex ? 2 * size : size;
    this.#setup = pointers.setup;
    this.#input = pointers.input;
    this.#output = pointers.output;
    this.#work = pointers.work;
    plans.register(this, { m, pointers: [this.#input, this.#output, this.#work], setup: this.#setup });
  }

  /**
   * A plan, or undefined when PFFFT is not available, cannot do this size (a real transform
   * needs a multiple of 32 points with SIMD, a complex one 16; powers of two below that go to
   * fft.js), or its heap cannot hold another plan (the caller then uses fft.js for this size).
   *
   * Plans of one size and kind are shared by every transform of this thread: a plan's buffers
   * hold data only from a transform's input copy to its output read, all synchronous, so one
   * set per size serves every analyzer. Without sharing, each analyzer's plans lived in the
   * WebAssembly heap until the garbage collector happened to run, and the collector does not
   * see that heap: analysing records one after another (a new analyzer per record length) grew
   * it to its 2 GB limit and aborted with "memory access out of bounds".
   */
  static create(size: number, complex: boolean): PffftPlan | undefined {
    if (!loaded) return undefined;
    const multiple = loaded.simd ? (complex ? 16 : 32) : complex ? 1 : 2;
    if (size < multiple || size % multiple !== 0) return undefined;
    const key = complex ? -size : size;
    const shared = shareable.get(key)?.deref();
    if (shared !== undefined) return shared;
    const pointers = allocate(loaded.module, size, complex);
    if (pointers === undefined) return undefined;
    const plan = new PffftPlan(loaded.module, size, complex, pointers);
    shareable.set(key, new WeakRef(plan));
    return plan;
  }

  /**
   * The input buffer as an index into `heap` (HEAPF32 is replaced when the heap grows, so it is
   * read again for every transform, never kept).
   */
  get heap(): Float32Array {
    return this.#m.HEAPF32;
  }
  get inputIndex(): number {
    return this.#input >> 2;
  }
  get outputIndex(): number {
    return this.#output >> 2;
  }
  get floats(): number {
    return this.#floats;
  }

  /** Transforms the input buffer into the output buffer, in PFFFT's ordered layout, unscaled. */
  run(direction: 'forward' | 'backward'): void {
    this.#m._pffft_transform_ordered(
      this.#setup,
      this.#input,
      this.#output,
      this.#work,
      direction === 'forward' ? PFFFT_FORWARD : PFFFT_BACKWARD,
    );
  }
}

/** The live plan of each size and kind (key: size for real, -size for complex). */
const shareable = new Map<number, WeakRef<PffftPlan>>();

interface Allocation {
  setup: number;
  input: number;
  output: number;
  work: number;
}

/**
 * Buffers and setup of one plan in the WebAssembly heap, or undefined when the heap cannot grow
 * to hold them. PFFFT's setup does not check its own allocation (it writes through a null
 * pointer when the heap is full), so room for it is reserved and released first.
 */
function allocate(m: PffftModule, size: number, complex: boolean): Allocation | undefined {
  const bytes = 4 * (complex ? 2 * size : size);
  const taken: number[] = [];
  const take = (n: number): number => {
    const p = m._pffft_aligned_malloc(n);
    if (p !== 0) taken.push(p);
    return p;
  };
  const release = (): undefined => {
    for (const p of taken) m._pffft_aligned_free(p);
    return undefined;
  };
  const input = take(bytes);
  const output = take(bytes);
  const work = take(bytes);
  // The setup's twiddles take as many bytes as one buffer (2 x N/4 four-float vectors for a
  // complex transform, 2 x N/8 for a real one), plus its header. Reserving more would grow the
  // heap for nothing: it never shrinks.
  const room = take(bytes + 4096);
  if (input === 0 || output === 0 || work === 0 || room === 0) return release();
  m._pffft_aligned_free(room);
  taken.pop();
  const setup = m._pffft_new_setup(size, complex ? PFFFT_COMPLEX : PFFFT_REAL);
  if (setup === 0) return release();
  return { setup, input, output, work };
}

/** Bytes of WebAssembly heap PFFFT holds (it grows, never shrinks); 0 without PFFFT. For diagnostics and tests. */
export function pffftHeapBytes(): number {
  return loaded ? loaded.module.HEAPF32.byteLength : 0;
}

const plans = new FinalizationRegistry<{ m: PffftModule; pointers: number[]; setup: number }>(({ m, pointers, setup }) => {
  for (const p of pointers) m._pffft_aligned_free(p);
  m._pffft_destroy_setup(setup);
});
