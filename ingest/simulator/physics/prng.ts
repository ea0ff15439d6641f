/**
 * xoshiro128** (Blackman & Vigna): 128-bit state, 32-bit output, fast in JavaScript because it
 * needs only 32-bit integer operations. Gaussians come from the ziggurat method of Marsaglia &
 * Tsang (2000, "The Ziggurat Method for Generating Random Variables", J. Stat. Softw. 5(8)),
 * 128 layers: about 99 % of draws cost one 32-bit number, a compare and a multiply; the rest
 * fall back to exact rejection, so the distribution is exactly normal (tails included, which
 * matters for kurtosis).
 */

// Ziggurat tables (RNOR of Marsaglia & Tsang), for 32-bit signed draws.
const ZIG_R = 3.442619855899;
const ZIG_KN = new Int32Array(128);
const ZIG_WN = new Float64Array(128);
const ZIG_FN = new Float64Array(128);
{
  const m1 = 2147483648;
  const vn = 9.91256303526217e-3;
  let dn = ZIG_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  ZIG_KN[0] = Math.floor((dn / q) * m1);
  ZIG_KN[1] = 0;
  ZIG_WN[0] = q / m1;
  ZIG_WN[127] = dn / m1;
  ZIG_FN[0] = 1;
  ZIG_FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    ZIG_KN[i + 1] = Math.floor((dn / tn) * m1);
    tn = dn;
    ZIG_FN[i] = Math.exp(-0.5 * dn * dn);
    ZIG_WN[i] = dn / m1;
  }
}

/** splitmix32: spreads a small seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mix several integers (seed, machine, channel, life...) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h >>> 0;
}

export class Xoshiro128 {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    const st = { s: seed | 0 };
    this.#a = splitmix32(st);
    this.#b = splitmix32(st);
    this.#c = splitmix32(st);
    this.#d = splitmix32(st);
    if ((this.#a | this.#b | this.#c | this.#d) === 0) this.#a = 1; // the all-zero state is a fixed point
  }

  /** Next 32-bit unsigned integer. */
  nextU32(): number {
    const b = this.#b;
    const t1 = Math.imul(b, 5);
    const result = Math.imul((t1 << 7) | (t1 >>> 25), 9) >>> 0;
    const t = b << 9;
    this.#c ^= this.#a;
    this.#d ^= b;
    this.#b ^= this.#c;
    this.#a ^= this.#d;
    this.#c ^= t;
    this.#d = (this.#d << 11) | (this.#d >>> 21);
    return result;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** Standard normal (mean 0, variance 1), ziggurat. */
  gaussian(): number {
    const hz = this.nextU32() | 0;
    const iz = hz & 127;
    if (Math.abs(hz) < ZIG_KN[iz]) return hz * ZIG_WN[iz];
    return this.#gaussianSlow(hz, iz);
  }

  /** The ziggurat's rare path: the base strip's tail, or a wedge rejected against the density. */
  #gaussianSlow(hz: number, iz: number): number {
    for (;;) {
      if (iz === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.#open01()) / ZIG_R;
          y = -Math.log(this.#open01());
        } while (y + y < x * x);
        return hz > 0 ? ZIG_R + x : -ZIG_R - x;
      }
      const x = hz * ZIG_WN[iz];
      if (ZIG_FN[iz] + this.uniform() * (ZIG_FN[iz - 1] - ZIG_FN[iz]) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextU32() | 0;
      iz = hz & 127;
      if (Math.abs(hz) < ZIG_KN[iz]) return hz * ZIG_WN[iz];
    }
  }

  /** Uniform in (0, 1): never 0, for logarithms. */
  #open01(): number {
    return (this.nextU32() + 0.5) * 2.3283064365386963e-10;
  }
}

/** A deterministic standard normal from integers (no state): for values that are a function of time. */
export function hashGaussian(...parts: number[]): number {
  const rng = new Xoshiro128(mixSeed(...parts));
  return rng.gaussian();
}
