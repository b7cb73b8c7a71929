import { readFileSync } from 'node:fs';
import { DenseArray } from '@tessera/array';

/** Reads a JSON fixture written by estimators/scripts/make_fixtures.py. */
export function fixture<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** Rows [a, b) of a row-major list of rows, as a float64 DenseArray. */
export function rows(X: number[][], a: number, b: number): DenseArray {
  return DenseArray.from(X.slice(a, b));
}

/**
 * Largest violation of |actual − expected| <= rel·|expected| + floor, with floor = abs·max(1, max|expected|)
 * (values near zero in a vector are compared on the vector's scale). Returns 0 when all pass.
 */
export function closeness(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rel = 1e-9,
  abs = 1e-12,
): { worst: number; index: number } {
  if (actual.length !== expected.length) return { worst: Number.POSITIVE_INFINITY, index: -1 };
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = 0;
  let index = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (a === e) continue;
    const err = Math.abs(a - e) / (rel * Math.abs(e) + abs * scale);
    if (!(err <= 1) && !(err <= worst)) {
      worst = Number.isNaN(err) ? Number.POSITIVE_INFINITY : err;
      index = i;
    }
  }
  return { worst, index };
}

/** Throws a readable error unless `actual` matches `expected` within closeness(). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, rel = 1e-9, abs = 1e-12): void {
  const { worst, index } = closeness(actual, expected, rel, abs);
  if (worst > 0) {
    const a = index >= 0 ? actual[index] : `length ${actual.length}`;
    const e = index >= 0 ? expected[index] : `length ${expected.length}`;
    throw new Error(`${label}: element ${index} is ${a}, expected ${e} (${worst.toExponential(2)}× the tolerance)`);
  }
}
