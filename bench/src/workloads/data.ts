/** Data and checks shared by the single-block estimator workloads (sgd, mlp, kmeans). */
import { DenseArray, allocate } from '@tessera/array';
import type { Random } from '@tessera/estimators/internal';

/** A standard normal draw (Box–Muller) from our generator. */
export function gaussian(rng: Random): number {
  const u = 1 - rng.random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.random());
}

/**
 * A linearly separable-with-noise problem: X ~ N(0, 1), y = [X·w + N(0, 1) > 0] with fixed
 * alternating weights (accuracy ≈ 0.77). Draws from `rng`, which the caller may keep using.
 */
export function linearProblem(rows: number, cols: number, rng: Random): { X: DenseArray<'float64'>; y: DenseArray<'float64'> } {
  const w = Array.from({ length: cols }, (_, j) => (j % 2 === 0 ? 1 : -1) / (1 + j / 2));
  const X = allocate('float64', rows * cols);
  const y = allocate('float64', rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const v = gaussian(rng);
      X[i * cols + j] = v;
      s += v * w[j]!;
    }
    y[i] = s + gaussian(rng) > 0 ? 1 : 0;
  }
  return { X: new DenseArray(X, [rows, cols]), y: new DenseArray(y, [rows]) };
}

/** Largest relative difference of `a` from the reference `b` (absolute below 1e-12). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-12, Math.abs(b[i]!)));
  return worst;
}
