/**
 * Renders one block of acceleration (g) for a group of channels that share a sample rate and a
 * block size. The caller (the machine model) fills the per-block inputs — shaft speed at the
 * block's start and end, complex amplitudes of the shaft harmonics per channel, electrical
 * components, noise levels and the bearing impulse sources — then calls `render`.
 *
 * Signal per channel:
 *   Σ_j Re(H[j,c] · u^j)            shaft harmonics in half orders (u = e^{iπθ}, θ shaft cycles)
 * + Re(E[c] · e^{i2π f_2e t})        magnetic force at twice the supply frequency
 * + Re(S[c] · u²) · 2cos(2π F_p t)   1X with pole-pass sidebands (slip)
 * + Σ_modes h_m * (impulses + σ_struct·w)   structural resonances rung by bearing impacts and by
 *                                           broadband excitation (flow, friction, damage)
 * + σ_sensor · w'                    sensor noise
 *
 * Speed may change between blocks: the shaft frequency varies linearly across a block (a chirp
 * rotator), and the phase is carried from block to block, so the waveform stays continuous.
 * Harmonics come from powers of one rotator (one complex multiply each per sample, no Math.sin),
 * rotators are re-anchored from the exact phase at every block, resonators are 2nd-order
 * recursions whose state is carried across blocks. Nothing is allocated per block.
 */
import { Xoshiro128 } from './prng.ts';

export interface ModeSpec {
  freqHz: number;
  /** Damping ratio ζ. */
  damping: number;
  /** Peak of the impulse response to a unit impulse, g. */
  gain: number;
}

/** How impact amplitudes are modulated as the defect moves through the load zone. */
export const MODULATION_NONE = 0;
export const MODULATION_SHAFT = 1;
export const MODULATION_CAGE = 2;

/**
 * A train of impacts at `order` impacts per shaft revolution (a bearing defect frequency
 * divided by the shaft frequency), with cumulative random slip of the spacing, random amplitude
 * scatter and load-zone modulation. Its cursor is carried across blocks.
 */
export class ImpulseSource {
  /** Impacts per shaft revolution. */
  order = 1;
  /** Impact amplitude this block (g at the peak of a unit-gain mode). */
  amplitude = 0;
  /** Gain of the impacts on each channel of the group. */
  readonly gains: Float64Array;
  modulation = MODULATION_NONE;
  /** Cage order for cage modulation (rolling-element defects). */
  modulationOrder = 0;
  /** 0..1: depth of load-zone modulation. */
  modulationDepth = 0.7;
  /** Angular position of the load zone, cycles. */
  loadZonePhase = 0;
  /** Standard deviation of the spacing between impacts, relative (cumulative: the phase wanders like a slipping cage). */
  slipSigma = 0.012;
  /** Relative scatter of the impact amplitudes. */
  amplitudeJitter = 0.1;
  /** Every other impact is scaled by this (a ball defect strikes inner then outer race). */
  alternateRatio = 1;

  /** Next impact, in defect cycles (order × shaft cycles); NaN until the first block. */
  nextCycle = Number.NaN;
  flip = false;
  readonly rng: Xoshiro128;

  constructor(channelCount: number, seed: number) {
    this.gains = new Float64Array(channelCount);
    this.rng = new Xoshiro128(seed);
  }
}

export class GroupRenderer {
  readonly sampleRateHz: number;
  readonly blockSize: number;
  readonly channelCount: number;
  /** Highest shaft harmonic, in half orders (24 = 12X). */
  readonly maxHalfOrder: number;

  // ---- per-block inputs (filled by the caller) ----
  /** Shaft frequency at the start and the end of the block, Hz. */
  shaftHz0 = 0;
  shaftHz1 = 0;
  /** Complex amplitude of half order j (1..maxHalfOrder) on channel c at [(j-1) * channelCount + c], g. */
  readonly harmRe: Float64Array;
  readonly harmIm: Float64Array;
  /** Frequency of the magnetic component (2 × supply frequency), Hz. */
  electricalHz = 0;
  readonly electricalRe: Float64Array;
  readonly electricalIm: Float64Array;
  /** Pole-pass frequency (poles × slip frequency), Hz: 1X sidebands. */
  polePassHz = 0;
  readonly sidebandRe: Float64Array;
  readonly sidebandIm: Float64Array;
  /** Broadband structural excitation (drives the modes), per channel. */
  readonly structSigma: Float64Array;
  /** White sensor noise RMS, g, per channel. */
  readonly sensorSigma: Float64Array;
  /** Bearing impact trains active this block. */
  readonly sources: ImpulseSource[] = [];

  // ---- fixed structure ----
  readonly #modeCount: number;
  readonly #a1: Float64Array;
  readonly #a2: Float64Array;
  readonly #b: Float64Array;

  // ---- state carried across blocks ----
  /** Unwrapped shaft angle at the start of the next block, cycles. */
  theta = 0;
  #electricalPhase = 0;
  #polePassPhase = 0;
  readonly #s1: Float64Array;
  readonly #s2: Float64Array;
  readonly #prevDrive: Float64Array;
  /** One noise stream per channel, so a block split in two gives the same waveform as the whole. */
  readonly #rngs: Xoshiro128[];

  // ---- scratch ----
  readonly #drive: Float64Array[];
  readonly #work: Float64Array;
  readonly #powers: Float64Array;
  readonly #active: Int32Array;
  readonly #isActive: Uint8Array;
  /** Per sample of the block: the half-order rotator u, the electrical rotator, the pole-pass rotator's real part. */
  readonly #uRe: Float64Array;
  readonly #uIm: Float64Array;
  readonly #eRe: Float64Array;
  readonly #eIm: Float64Array;
  readonly #pRe: Float64Array;

  constructor(opts: { sampleRateHz: number; blockSize: number; modes: ModeSpec[][]; maxHalfOrder: number; seed: number }) {
    const { sampleRateHz: fs, blockSize: n, modes } = opts;
    const C = modes.length;
    this.sampleRateHz = fs;
    this.blockSize = n;
    this.channelCount = C;
    this.maxHalfOrder = opts.maxHalfOrder;
    const K = opts.maxHalfOrder;
    this.harmRe = new Float64Array(K * C);
    this.harmIm = new Float64Array(K * C);
    this.electricalRe = new Float64Array(C);
    this.electricalIm = new Float64Array(C);
    this.sidebandRe = new Float64Array(C);
    this.sidebandIm = new Float64Array(C);
    this.structSigma = new Float64Array(C);
    this.sensorSigma = new Float64Array(C);
    const M = Math.max(1, ...modes.map((m) => m.length));
    this.#modeCount = M;
    this.#a1 = new Float64Array(C * M);
    this.#a2 = new Float64Array(C * M);
    this.#b = new Float64Array(C * M);
    modes.forEach((list, c) => {
      list.forEach((m, i) => {
        const [a1, a2, b] = resonatorCoefficients(m, fs);
        this.#a1[c * M + i] = a1;
        this.#a2[c * M + i] = a2;
        this.#b[c * M + i] = b;
      });
    });
    this.#s1 = new Float64Array(C * M);
    this.#s2 = new Float64Array(C * M);
    this.#prevDrive = new Float64Array(C);
    this.#rngs = modes.map((_, c) => new Xoshiro128((opts.seed + Math.imul(c + 1, 0x9e3779b9)) | 0));
    this.#drive = Array.from({ length: C }, () => new Float64Array(n + 1));
    this.#work = new Float64Array(C * n);
    this.#powers = new Float64Array(2 * K + 2);
    this.#active = new Int32Array(K);
    this.#isActive = new Uint8Array(K);
    this.#uRe = new Float64Array(n);
    this.#uIm = new Float64Array(n);
    this.#eRe = new Float64Array(n);
    this.#eIm = new Float64Array(n);
    this.#pRe = new Float64Array(n);
  }

  /** Render the block into `outs[c]` (each at least blockSize long). */
  render(outs: ArrayLike<Float32Array | Float64Array>): void {
    const n = this.blockSize;
    const C = this.channelCount;
    const fs = this.sampleRateHz;
    const f0 = this.shaftHz0;
    const f1 = this.shaftHz1;
    const theta0 = this.theta;

    this.#depositImpulses(theta0, f0, f1);
    this.#renderTonal(theta0, f0, f1);

    // Structural modes and noise, channel by channel, added to the tonal part.
    for (let c = 0; c < C; c++) {
      if (this.#modeCount === 4) this.#resonateFourModes(c, outs[c]);
      else this.#resonateModes(c, outs[c]);
      // The impulse split across the block boundary moves to the next block's first sample.
      const drive = this.#drive[c];
      const carry = drive[n];
      drive.fill(0);
      drive[0] = carry;
    }

    // Carry the phases: exact integral of a linearly varying frequency.
    this.theta = theta0 + ((f0 + f1) * 0.5 * n) / fs;
    this.#electricalPhase = frac(this.#electricalPhase + (this.electricalHz * n) / fs);
    this.#polePassPhase = frac(this.#polePassPhase + (this.polePassHz * n) / fs);
  }

  /**
   * Shaft harmonics, electrical components and 1X sidebands into the work buffer, in passes:
   * the rotators' values at every sample first, then each component added over the whole block.
   * Each sample's sum is formed in the same order as in a single pass (harmonics, then the
   * electrical component, then the sidebands), so the passes change no bit of the result.
   */
  #renderTonal(theta0: number, f0: number, f1: number): void {
    const nActive = this.#markActiveHarmonics();
    this.#runRotators(theta0, f0, f1);
    if (this.channelCount === 3) this.#harmonicsOneTriaxial(nActive);
    else if (this.channelCount === 6) this.#harmonicsTriaxial(nActive);
    else this.#harmonicsAnyLayout(nActive);
    if (anyNonZero(this.electricalRe, this.electricalIm)) this.#addElectrical();
    if (anyNonZero(this.sidebandRe, this.sidebandIm)) this.#addSidebands();
  }

  /**
   * Lists the half orders with a non-zero amplitude on some channel (ascending, in #active) and
   * flags them in #isActive, so the sums skip the others. Returns how many there are.
   */
  #markActiveHarmonics(): number {
    const C = this.channelCount;
    const hr = this.harmRe;
    const hi = this.harmIm;
    const active = this.#active;
    let nActive = 0;
    for (let j = 0; j < this.maxHalfOrder; j++) {
      for (let c = 0; c < C; c++) {
        if (hr[j * C + c] !== 0 || hi[j * C + c] !== 0) {
          active[nActive++] = j;
          break;
        }
      }
    }
    const isActive = this.#isActive;
    isActive.fill(0);
    for (let a = 0; a < nActive; a++) isActive[active[a]] = 1;
    return nActive;
  }

  /**
   * The block's rotators at every sample: the half-order rotator u (a chirp: its per-sample step
   * w changes by c each sample), and the electrical and pole-pass rotators (constant frequency
   * within a block), each anchored from its exact phase at the block's start.
   */
  #runRotators(theta0: number, f0: number, f1: number): void {
    const n = this.blockSize;
    const fs = this.sampleRateHz;
    const halfPhase = frac(theta0 * 0.5);
    let ur = Math.cos(2 * Math.PI * halfPhase);
    let ui = Math.sin(2 * Math.PI * halfPhase);
    const h0 = 0.5 * f0;
    const h1 = 0.5 * f1;
    const step0 = (2 * Math.PI * (h0 + (h1 - h0) / (2 * n))) / fs;
    let wr = Math.cos(step0);
    let wi = Math.sin(step0);
    const chirp = (2 * Math.PI * (h1 - h0)) / (n * fs);
    const cr = Math.cos(chirp);
    const ci = Math.sin(chirp);
    let er = Math.cos(2 * Math.PI * this.#electricalPhase);
    let ei = Math.sin(2 * Math.PI * this.#electricalPhase);
    const eStep = (2 * Math.PI * this.electricalHz) / fs;
    const edr = Math.cos(eStep);
    const edi = Math.sin(eStep);
    let pr0 = Math.cos(2 * Math.PI * this.#polePassPhase);
    let pi0 = Math.sin(2 * Math.PI * this.#polePassPhase);
    const pStep = (2 * Math.PI * this.polePassHz) / fs;
    const pdr = Math.cos(pStep);
    const pdi = Math.sin(pStep);
    const uRe = this.#uRe;
    const uIm = this.#uIm;
    const eRe = this.#eRe;
    const eIm = this.#eIm;
    const pRe = this.#pRe;
    for (let k = 0; k < n; k++) {
      uRe[k] = ur;
      uIm[k] = ui;
      eRe[k] = er;
      eIm[k] = ei;
      pRe[k] = pr0;
      let t = ur * wr - ui * wi;
      ui = ur * wi + ui * wr;
      ur = t;
      t = wr * cr - wi * ci;
      wi = wr * ci + wi * cr;
      wr = t;
      t = er * edr - ei * edi;
      ei = er * edi + ei * edr;
      er = t;
      t = pr0 * pdr - pi0 * pdi;
      pi0 = pr0 * pdi + pi0 * pdr;
      pr0 = t;
    }
  }

  /**
   * Σ_j Re(H[j,c] · u^j) for the common layouts (one or two triaxial sensors, 3 or 6 channels):
   * the powers of u and the channels' sums stay in registers.
   */
  #harmonicsTriaxial(nActive: number): void {
    const n = this.blockSize;
    const C = this.channelCount;
    const hr = this.harmRe;
    const hi = this.harmIm;
    const work = this.#work;
    const isActive = this.#isActive;
    const uRe = this.#uRe;
    const uIm = this.#uIm;
    const top = nActive > 0 ? this.#active[nActive - 1] + 1 : 0;
    for (let k = 0; k < n; k++) {
      const ur = uRe[k];
      const ui = uIm[k];
      let pr = ur;
      let pi = ui;
      let v0 = 0,
        v1 = 0,
        v2 = 0,
        v3 = 0,
        v4 = 0,
        v5 = 0;
      for (let j = 0; j < top; j++) {
        if (j > 0) {
          const t = pr * ur - pi * ui;
          pi = pr * ui + pi * ur;
          pr = t;
        }
        if (isActive[j] === 0) continue;
        const b = j * C;
        v0 += hr[b] * pr - hi[b] * pi;
        v1 += hr[b + 1] * pr - hi[b + 1] * pi;
        v2 += hr[b + 2] * pr - hi[b + 2] * pi;
        if (C === 6) {
          v3 += hr[b + 3] * pr - hi[b + 3] * pi;
          v4 += hr[b + 4] * pr - hi[b + 4] * pi;
          v5 += hr[b + 5] * pr - hi[b + 5] * pi;
        }
      }
      work[k] = v0;
      work[n + k] = v1;
      work[2 * n + k] = v2;
      if (C === 6) {
        work[3 * n + k] = v3;
        work[4 * n + k] = v4;
        work[5 * n + k] = v5;
      }
    }
  }

  /**
   * #harmonicsTriaxial for one triaxial sensor (3 channels), two samples at a time: each sample's
   * chain of powers u, u², u³... is serial (every product waits for the one before), so the two
   * samples' chains run side by side to keep the multipliers busy. Each sample is computed exactly
   * as one at a time (same products, same order): not a bit of the result changes.
   */
  #harmonicsOneTriaxial(nActive: number): void {
    const n = this.blockSize;
    const hr = this.harmRe;
    const hi = this.harmIm;
    const work = this.#work;
    const isActive = this.#isActive;
    const uRe = this.#uRe;
    const uIm = this.#uIm;
    const top = nActive > 0 ? this.#active[nActive - 1] + 1 : 0;
    const n2 = n - (n % 2);
    for (let k = 0; k < n2; k += 2) {
      const ar = uRe[k];
      const ai = uIm[k];
      const br = uRe[k + 1];
      const bi = uIm[k + 1];
      let pr = ar;
      let pi = ai;
      let qr = br;
      let qi = bi;
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0;
      for (let j = 0; j < top; j++) {
        if (j > 0) {
          const t = pr * ar - pi * ai;
          pi = pr * ai + pi * ar;
          pr = t;
          const s = qr * br - qi * bi;
          qi = qr * bi + qi * br;
          qr = s;
        }
        if (isActive[j] === 0) continue;
        const h = j * 3;
        const r0 = hr[h];
        const i0 = hi[h];
        const r1 = hr[h + 1];
        const i1 = hi[h + 1];
        const r2 = hr[h + 2];
        const i2 = hi[h + 2];
        a0 += r0 * pr - i0 * pi;
        a1 += r1 * pr - i1 * pi;
        a2 += r2 * pr - i2 * pi;
        b0 += r0 * qr - i0 * qi;
        b1 += r1 * qr - i1 * qi;
        b2 += r2 * qr - i2 * qi;
      }
      work[k] = a0;
      work[n + k] = a1;
      work[2 * n + k] = a2;
      work[k + 1] = b0;
      work[n + k + 1] = b1;
      work[2 * n + k + 1] = b2;
    }
    // An odd block size leaves one sample: the same sums, alone.
    for (let k = n2; k < n; k++) {
      const ur = uRe[k];
      const ui = uIm[k];
      let pr = ur;
      let pi = ui;
      let v0 = 0,
        v1 = 0,
        v2 = 0;
      for (let j = 0; j < top; j++) {
        if (j > 0) {
          const t = pr * ur - pi * ui;
          pi = pr * ui + pi * ur;
          pr = t;
        }
        if (isActive[j] === 0) continue;
        const h = j * 3;
        v0 += hr[h] * pr - hi[h] * pi;
        v1 += hr[h + 1] * pr - hi[h + 1] * pi;
        v2 += hr[h + 2] * pr - hi[h + 2] * pi;
      }
      work[k] = v0;
      work[n + k] = v1;
      work[2 * n + k] = v2;
    }
  }

  /** Σ_j Re(H[j,c] · u^j) for any number of channels: the powers of u once per sample in #powers. */
  #harmonicsAnyLayout(nActive: number): void {
    const n = this.blockSize;
    const C = this.channelCount;
    const hr = this.harmRe;
    const hi = this.harmIm;
    const work = this.#work;
    const pw = this.#powers;
    const active = this.#active;
    const uRe = this.#uRe;
    const uIm = this.#uIm;
    const top = nActive > 0 ? active[nActive - 1] + 1 : 0;
    for (let k = 0; k < n; k++) {
      const ur = uRe[k];
      const ui = uIm[k];
      // Powers u^1..u^top.
      let pr = ur;
      let pi = ui;
      pw[0] = pr;
      pw[1] = pi;
      for (let j = 1; j < top; j++) {
        const t = pr * ur - pi * ui;
        pi = pr * ui + pi * ur;
        pr = t;
        pw[2 * j] = pr;
        pw[2 * j + 1] = pi;
      }
      for (let c = 0; c < C; c++) {
        let v = 0;
        for (let a = 0; a < nActive; a++) {
          const j = active[a];
          const idx = j * C + c;
          v += hr[idx] * pw[2 * j] - hi[idx] * pw[2 * j + 1];
        }
        work[c * n + k] = v;
      }
    }
  }

  /** + Re(E[c] · e^{i2π f_2e t}): the magnetic force at twice the supply frequency. */
  #addElectrical(): void {
    const n = this.blockSize;
    const work = this.#work;
    const eRe = this.#eRe;
    const eIm = this.#eIm;
    for (let c = 0; c < this.channelCount; c++) {
      const re = this.electricalRe[c];
      const im = this.electricalIm[c];
      const w0 = c * n;
      for (let k = 0; k < n; k++) work[w0 + k] += re * eRe[k] - im * eIm[k];
    }
  }

  /** + Re(S[c] · u²) · 2cos(2π F_p t): 1X with its pole-pass sidebands (u² is 1X: u turns at half the shaft speed). */
  #addSidebands(): void {
    const n = this.blockSize;
    const work = this.#work;
    const uRe = this.#uRe;
    const uIm = this.#uIm;
    const pRe = this.#pRe;
    for (let c = 0; c < this.channelCount; c++) {
      const re = this.sidebandRe[c];
      const im = this.sidebandIm[c];
      const w0 = c * n;
      for (let k = 0; k < n; k++) {
        const ur = uRe[k];
        const ui = uIm[k];
        // u² as the harmonic sums form it (pr = u, then pr · u).
        const u2r = ur * ur - ui * ui;
        const u2i = ur * ui + ui * ur;
        work[w0 + k] += (re * u2r - im * u2i) * (2 * pRe[k]);
      }
    }
  }

  /**
   * Channel c's output: its modes rung by the drive (impacts + broadband excitation), plus the
   * tonal work buffer and sensor noise; the modes' state and the last drive sample are carried
   * to the next block. The drive and sensor noise are drawn in turn, sample by sample, from the
   * channel's own stream, so the order of draws is part of the waveform.
   */
  #resonateModes(c: number, out: Float32Array | Float64Array): void {
    const n = this.blockSize;
    const M = this.#modeCount;
    const a1 = this.#a1;
    const a2 = this.#a2;
    const b = this.#b;
    const s1 = this.#s1;
    const s2 = this.#s2;
    const work = this.#work;
    const rng = this.#rngs[c];
    const drive = this.#drive[c];
    const sigma = this.structSigma[c];
    const sensor = this.sensorSigma[c];
    let prev = this.#prevDrive[c];
    const base = c * M;
    const w0 = c * n;
    for (let k = 0; k < n; k++) {
      let y = 0;
      for (let m = 0; m < M; m++) {
        const i = base + m;
        const v = a1[i] * s1[i] + a2[i] * s2[i] + b[i] * prev;
        s2[i] = s1[i];
        s1[i] = v;
        y += v;
      }
      prev = drive[k] + sigma * rng.gaussian();
      out[k] = work[w0 + k] + y + sensor * rng.gaussian();
    }
    this.#prevDrive[c] = prev;
  }

  /** #resonateModes unrolled for the common case of four modes: their states stay in locals. */
  #resonateFourModes(c: number, out: Float32Array | Float64Array): void {
    const n = this.blockSize;
    const a1 = this.#a1;
    const a2 = this.#a2;
    const b = this.#b;
    const s1 = this.#s1;
    const s2 = this.#s2;
    const work = this.#work;
    const rng = this.#rngs[c];
    const drive = this.#drive[c];
    const sigma = this.structSigma[c];
    const sensor = this.sensorSigma[c];
    let prev = this.#prevDrive[c];
    const base = c * 4;
    const w0 = c * n;
    let p1 = s1[base],
      q1 = s2[base],
      p2 = s1[base + 1],
      q2 = s2[base + 1];
    let p3 = s1[base + 2],
      q3 = s2[base + 2],
      p4 = s1[base + 3],
      q4 = s2[base + 3];
    const A1 = a1[base],
      A2 = a1[base + 1],
      A3 = a1[base + 2],
      A4 = a1[base + 3];
    const B1 = a2[base],
      B2 = a2[base + 1],
      B3 = a2[base + 2],
      B4 = a2[base + 3];
    const G1 = b[base],
      G2 = b[base + 1],
      G3 = b[base + 2],
      G4 = b[base + 3];
    for (let k = 0; k < n; k++) {
      const y1 = A1 * p1 + B1 * q1 + G1 * prev;
      const y2 = A2 * p2 + B2 * q2 + G2 * prev;
      const y3 = A3 * p3 + B3 * q3 + G3 * prev;
      const y4 = A4 * p4 + B4 * q4 + G4 * prev;
      q1 = p1;
      p1 = y1;
      q2 = p2;
      p2 = y2;
      q3 = p3;
      p3 = y3;
      q4 = p4;
      p4 = y4;
      prev = drive[k] + sigma * rng.gaussian();
      out[k] = work[w0 + k] + y1 + y2 + y3 + y4 + sensor * rng.gaussian();
    }
    s1[base] = p1;
    s2[base] = q1;
    s1[base + 1] = p2;
    s2[base + 1] = q2;
    s1[base + 2] = p3;
    s2[base + 2] = q3;
    s1[base + 3] = p4;
    s2[base + 3] = q4;
    this.#prevDrive[c] = prev;
  }

  /** Place this block's impacts of every source into the channels' drive buffers. */
  #depositImpulses(theta0: number, f0: number, f1: number): void {
    const n = this.blockSize;
    const C = this.channelCount;
    const fs = this.sampleRateHz;
    // Shaft angle at (fractional) sample k: theta0 + beta*k + alpha*k².
    const beta = f0 / fs;
    const alpha = (f1 - f0) / (2 * n * fs);
    for (const src of this.sources) {
      if (Number.isNaN(src.nextCycle)) src.nextCycle = Math.floor(src.order * theta0) + 1 + src.rng.uniform();
      if (src.amplitude === 0 || (beta <= 0 && f1 <= 0)) {
        // Keep the cursor with the shaft so a restart does not release a burst of overdue impacts.
        const end = theta0 + (beta + alpha * n) * n;
        if (src.nextCycle < src.order * end) src.nextCycle = src.order * end + src.rng.uniform();
        continue;
      }
      for (;;) {
        const delta = src.nextCycle / src.order - theta0;
        let k: number;
        if (delta <= 0) {
          k = 0;
        } else {
          const disc = beta * beta + 4 * alpha * delta;
          if (disc < 0) break; // decelerating: does not reach the next impact in this block
          const denom = beta + Math.sqrt(disc);
          if (denom <= 0) break;
          k = (2 * delta) / denom;
        }
        if (k >= n) break;
        const angle = theta0 + beta * k + alpha * k * k;
        let mod = 1;
        if (src.modulation !== MODULATION_NONE) {
          const zoneAngle = (src.modulation === MODULATION_SHAFT ? angle : src.modulationOrder * angle) + src.loadZonePhase;
          const q = Math.cos(2 * Math.PI * zoneAngle);
          mod = 1 - src.modulationDepth + (q > 0 ? src.modulationDepth * q * Math.sqrt(q) : 0);
        }
        let a = src.amplitude * mod * (1 + src.amplitudeJitter * src.rng.gaussian());
        if (src.flip) a *= src.alternateRatio;
        src.flip = !src.flip;
        const i = Math.floor(k);
        const fr = k - i;
        for (let c = 0; c < C; c++) {
          const g = src.gains[c];
          if (g === 0) continue;
          const d = this.#drive[c];
          d[i] += a * g * (1 - fr);
          d[i + 1] += a * g * fr;
        }
        src.nextCycle += Math.max(0.5, 1 + src.slipSigma * src.rng.gaussian());
      }
    }
  }
}

/** Whether any channel has a non-zero complex amplitude (a component absent everywhere is skipped). */
function anyNonZero(re: Float64Array, im: Float64Array): boolean {
  for (let c = 0; c < re.length; c++) if (re[c] !== 0 || im[c] !== 0) return true;
  return false;
}

function frac(x: number): number {
  return x - Math.floor(x);
}

/**
 * y[n] = a1 y[n-1] + a2 y[n-2] + b x[n-1]: the impulse response is gain · r^n · sin(n ω_d T),
 * a decaying sinusoid that starts at zero (an impact rings the structure; its peak is ≈ gain).
 */
export function resonatorCoefficients(m: ModeSpec, fs: number): [number, number, number] {
  const wn = 2 * Math.PI * m.freqHz;
  const r = Math.exp((-m.damping * wn) / fs);
  const wd = (wn * Math.sqrt(1 - m.damping * m.damping)) / fs;
  return [2 * r * Math.cos(wd), -r * r, m.gain * r * Math.sin(wd)];
}

/**
 * Energy Σ h[n]² of the summed impulse responses of a channel's modes (they share one drive),
 * so the broadband drive can be scaled to a target RMS.
 */
export function modesEnergy(modes: ModeSpec[], fs: number): number {
  const coeffs = modes.map((m) => resonatorCoefficients(m, fs));
  const s1 = new Float64Array(modes.length);
  const s2 = new Float64Array(modes.length);
  let energy = 0;
  let x = 1;
  const longest = Math.max(...modes.map((m) => 1 / (m.damping * 2 * Math.PI * m.freqHz)));
  const len = Math.ceil(longest * fs * 20) + 2;
  for (let k = 0; k < len; k++) {
    let y = 0;
    for (let i = 0; i < modes.length; i++) {
      const [a1, a2, b] = coeffs[i];
      const v = a1 * s1[i] + a2 * s2[i] + b * x;
      s2[i] = s1[i];
      s1[i] = v;
      y += v;
    }
    x = 0;
    energy += y * y;
  }
  return energy;
}
