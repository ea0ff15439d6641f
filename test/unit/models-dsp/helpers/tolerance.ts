/**
 * The one tolerance helper of the DSP tests: |actual - expected| <= abs + rel * |expected|,
 * element by element, with a message naming the element and both values.
 *
 * The transforms run in float64 (fft.js) or float32 (PFFFT, the product's default): `eachFftPrecision`
 * runs a block of oracle tests under both. Under float32 every comparison also allows the
 * transform's round-off, FLOAT32_FLOOR of the largest expected magnitude in the comparison (an FFT's
 * error scales with the largest component, not with each bin: about 1e-7 here, measured), so a
 * float32 result is held to float32 round-off and a float64 one to the test's own tolerance.
 */
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { type FftPrecision, setDefaultFftPrecision } from '../../../../models/dsp/real-fft.ts';

/** Allowed float32 round-off, relative to the largest expected magnitude (100 dB below it). */
export const FLOAT32_FLOOR = 1e-5;

let float32 = false;

/** `body` as two describe blocks: transforms built in it are float64 in one, float32 in the other. */
export function eachFftPrecision(name: string, body: (precision: FftPrecision) => void): void {
  for (const precision of ['float64', 'float32'] as const) {
    describe(`${name} (${precision} FFT)`, () => {
      let previous: FftPrecision = 'float32';
      beforeAll(() => {
        previous = setDefaultFftPrecision(precision);
        float32 = precision === 'float32';
      });
      afterAll(() => {
        setDefaultFftPrecision(previous);
        float32 = false;
      });
      body(precision);
    });
  }
}

function roundOff(scale: number): number {
  return float32 ? FLOAT32_FLOOR * Math.max(scale, 1e-30) : 0;
}

export interface Tolerance {
  abs?: number;
  rel?: number;
}

export function expectClose(actual: number, expected: number, tol: Tolerance, what = 'value', scale = Math.abs(expected)): void {
  const limit = (tol.abs ?? 0) + (tol.rel ?? 0) * Math.abs(expected) + roundOff(scale);
  const err = Math.abs(actual - expected);
  if (!(err <= limit)) {
    expect.fail(`${what}: got ${actual}, expected ${expected} (|error| ${err.toExponential(3)} > ${limit.toExponential(3)})`);
  }
}

export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'array'): void {
  expect(actual.length, `${what}: length`).toBeGreaterThanOrEqual(expected.length);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i], tol, `${what}[${i}]`, scale);
}

/** Reads a committed fixture from test/fixtures/dsp. */
export async function fixture<T>(name: string): Promise<T> {
  const { readFile } = await import('node:fs/promises');
  const url = new URL(`../../../fixtures/dsp/${name}.json`, import.meta.url);
  return JSON.parse(await readFile(url, 'utf8')) as T;
}
