/**
 * The one tolerance helper of the DSP tests: |actual - expected| <= abs + rel * |expected|,
 * element by element, with a message naming the element and both values.
 */
import { expect } from 'vitest';

export interface Tolerance {
  abs?: number;
  rel?: number;
}

export function expectClose(actual: number, expected: number, tol: Tolerance, what = 'value'): void {
  const limit = (tol.abs ?? 0) + (tol.rel ?? 0) * Math.abs(expected);
  const err = Math.abs(actual - expected);
  if (!(err <= limit)) {
    expect.fail(`${what}: got ${actual}, expected ${expected} (|error| ${err.toExponential(3)} > ${limit.toExponential(3)})`);
  }
}

export function expectAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance, what = 'array'): void {
  expect(actual.length, `${what}: length`).toBeGreaterThanOrEqual(expected.length);
  for (let i = 0; i < expected.length; i++) expectClose(actual[i], expected[i], tol, `${what}[${i}]`);
}

/** Reads a committed fixture from test/fixtures/dsp. */
export async function fixture<T>(name: string): Promise<T> {
  const { readFile } = await import('node:fs/promises');
  const url = new URL(`../../../fixtures/dsp/${name}.json`, import.meta.url);
  return JSON.parse(await readFile(url, 'utf8')) as T;
}
