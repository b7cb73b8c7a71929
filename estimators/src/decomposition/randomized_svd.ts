/**
 * The SVD behind PCA and TruncatedSVD, exact (TSQR) or randomized (dask's `svd_compressed`, Halko,
 * Martinsson & Tropp 2011), written once as a generator of passes over X: each `yield` asks for
 * one pass (a {@link Sketch} with a given projection, or the {@link Projection} on the components),
 * and the caller answers it in memory (the same kernels on the whole X, synchronously) or on the
 * workers (one parallel pass over the lazy X). Everything between passes — SVDs of q × q and
 * q × d matrices — runs on the main thread.
 *
 * Passes over X:
 * - exact, `'tsqr'`: 1 (the sketch, centring fused into it) + 1 (signs and projected moments) = 2;
 * - exact, `'full'`: 1 (column means) + 1 (the sketch of X − mean) + 1 (signs) = 3 — centre first,
 *   then decompose, as scikit-learn's full solver does;
 * - randomized: nIter + 1 (each pass: Y = X̃·Mᵀ, its TSQR R and YᵀX̃, so Q = Y·R⁻¹ is never held)
 *   + 1 (signs) = nIter + 2.
 */
import type { NDArray } from '@tessera/array';
import type { LazyOptions } from '../contract.js';
import type { Matrix } from '../validation.js';
import { type Projection, type Sketch, lazyProjection, lazySketch, projectKernel, sketchRows, uncentred } from './tsqr.js';
import { rightSingular } from './svd.js';

/** A pass the algorithm needs. `centre`: subtract this vector from every row first. */
export type PassRequest =
  | { readonly kind: 'mean' }
  | { readonly kind: 'sketch'; readonly M: Float64Array | null; readonly q: number; readonly centre: Float64Array | null }
  | { readonly kind: 'project'; readonly V: Float64Array; readonly k: number; readonly centre: Float64Array | null };

/** The answer to a {@link PassRequest}. */
export type PassResult = Float64Array | Sketch | Projection;

/** What the algorithm needs from its caller besides the passes. */
export interface SvdPlan {
  readonly solver: 'tsqr' | 'full' | 'randomized';
  /** Centre the columns (PCA) or not (TruncatedSVD). */
  readonly centre: boolean;
  /**
   * Exact solvers: the number of components, once the singular values are known (PCA's fraction
   * of variance and 'mle' need them), given the min(n, d) singular values, n and d.
   */
  readonly components: (s: Float64Array, n: number, d: number) => number;
  /** Randomized: components asked for beforehand, oversamples, power iterations, the q × d test matrix. */
  readonly randomized?: {
    readonly k: number;
    readonly nOversamples: number;
    readonly nIter: number;
    readonly testMatrix: (q: number, d: number) => Float64Array;
  };
}

/** The decomposition, signs fixed as scikit-learn's `svd_flip(U, Vt)` (decided on U). */
export interface SvdOutcome {
  readonly n: number;
  readonly d: number;
  /** Column means of X and sums of squared deviations from them. */
  readonly mean: Float64Array;
  readonly m2: Float64Array;
  /** Every singular value computed (min(n, d) exact; the sketch's rank randomized), descending. */
  readonly s: Float64Array;
  /** Components kept. */
  readonly k: number;
  /** The first k right singular vectors, k × d row-major, sign-flipped. */
  readonly vt: Float64Array;
  /** Moments of the k columns of X̃·Vᵀ (X̃: X centred when the plan centres). */
  readonly projection: Projection;
  /** Passes over X it took. */
  readonly passes: number;
}

/**
 * The algorithm: yields the passes it needs, returns the outcome. Drive it with
 * {@link runSync} (in memory) or {@link runAsync} (lazy).
 */
export function* svdPasses(plan: SvdPlan, d: number): Generator<PassRequest, SvdOutcome, PassResult> {
  let passes = 0;
  let mean: Float64Array | null = null;
  let sketch: Sketch;
  let s: Float64Array;
  let vtAll: Float64Array;
  let k: number;
  if (plan.solver !== 'randomized') {
    if (plan.solver === 'full' && plan.centre) {
      mean = (yield { kind: 'mean' }) as Float64Array;
      passes++;
    }
    sketch = (yield { kind: 'sketch', M: null, q: d, centre: mean }) as Sketch;
    passes++;
    const R = plan.centre ? sketch.R : uncentred(sketch, null).R;
    const svd = rightSingular(R, d, d);
    const r = Math.min(sketch.n, d);
    s = svd.s.slice(0, r);
    vtAll = svd.vt;
    k = plan.components(s, sketch.n, d);
  } else {
    const rz = plan.randomized!;
    k = rz.k;
    let q = Math.min(rz.k + rz.nOversamples, d);
    let M = rz.testMatrix(q, d);
    for (let it = 0; ; it++) {
      sketch = (yield { kind: 'sketch', M, q, centre: null }) as Sketch;
      passes++;
      const sk = plan.centre ? sketch : uncentred(sketch, M);
      const B = projectedRows(sk);
      const svd = rightSingular(B.rows, B.r, d);
      if (it >= rz.nIter || B.r === 0) {
        s = svd.s;
        vtAll = svd.vt;
        break;
      }
      // The next test matrix: an orthonormal basis of the range of X̃ᵀQ (the rows of Vᵀ with σ > 0).
      q = svd.rank;
      M = svd.vt.slice(0, q * d);
    }
    if (s.length < k) {
      throw new RangeError(`the randomized sketch found rank ${s.length} < nComponents ${k}; X has too few independent rows or columns.`);
    }
  }
  const n = sketch.n;
  const colMean = mean ?? sketch.mean;
  const vt = vtAll.slice(0, k * d);
  const projection = (yield { kind: 'project', V: vt, k, centre: plan.centre ? colMean : null }) as Projection;
  passes++;
  // svd_flip(u_based_decision=True): the entry of largest magnitude in each column of U = X̃·V/σ is made positive.
  for (let c = 0; c < k; c++) {
    if (projection.peak[c]! < 0) {
      for (let j = 0; j < d; j++) vt[c * d + j] = -vt[c * d + j]!;
      projection.peak[c] = -projection.peak[c]!;
      projection.mean[c] = -projection.mean[c]!;
    }
  }
  // 'full' sketched X − mean: its own mean is ~0, its m2 that of X.
  return { n, d, mean: colMean, m2: sketch.m2, s, k, vt, projection, passes };
}

/**
 * Qᵀ·X̃ for Q an orthonormal basis of the range of Y (the sketch's centred or uncentred rows):
 * with R = P·Σ·Wᵀ, Y = Q₀R gives the basis Q = Q₀P and Qᵀ X̃ = Σ⁻¹·Wᵀ·(YᵀX̃); directions with
 * σ ≤ max σ · q · ε (Y rank deficient) are dropped. Rows: r × d row-major.
 */
export function projectedRows(sk: Sketch): { rows: Float64Array; r: number } {
  const { q, d } = sk;
  const svd = rightSingular(sk.R, q, q);
  const tol = (svd.s[0] ?? 0) * q * Number.EPSILON;
  let r = 0;
  while (r < q && svd.s[r]! > tol) r++;
  const rows = new Float64Array(r * d);
  const C = sk.C!;
  for (let i = 0; i < r; i++) {
    const inv = 1 / svd.s[i]!;
    for (let c = 0; c < d; c++) {
      let acc = 0;
      for (let j = 0; j < q; j++) acc += svd.vt[i * q + j]! * C[j * d + c]!;
      rows[i * d + c] = acc * inv;
    }
  }
  return { rows, r };
}

/** Runs the passes synchronously with `answer`. */
export function runSync(gen: Generator<PassRequest, SvdOutcome, PassResult>, answer: (r: PassRequest) => PassResult): SvdOutcome {
  let step = gen.next(undefined as never);
  while (!step.done) step = gen.next(answer(step.value));
  return step.value;
}

/** Runs the passes with an asynchronous `answer` (one parallel pass over a lazy X each). */
export async function runAsync(
  gen: Generator<PassRequest, SvdOutcome, PassResult>,
  answer: (r: PassRequest) => Promise<PassResult>,
): Promise<SvdOutcome> {
  let step = gen.next(undefined as never);
  while (!step.done) step = gen.next(await answer(step.value));
  return step.value;
}

/** Answers the passes over an in-memory X: the kernels on X as one block. */
export function inMemoryPasses(m: Matrix, caller: string): (r: PassRequest) => PassResult {
  const { data, nSamples: n, nFeatures: d } = m;
  const block = { dtype: 'float64' as const, shape: [n, d], data };
  return (r) => {
    switch (r.kind) {
      case 'mean': {
        const mean = new Float64Array(d);
        for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[i * d + j]!;
        for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
        return mean;
      }
      case 'sketch':
        return sketchRows(block, r.M, r.q, { caller, block: 0, rowOffset: 0 }, r.centre);
      case 'project':
        return projectKernel(block, r.V, r.k, 0, r.centre);
    }
  };
}

/** Answers the passes over a lazy X: one parallel pass each (the centring done inside the pass's tasks). */
export function lazyPasses(X: NDArray, caller: string, options: LazyOptions): (r: PassRequest) => Promise<PassResult> {
  return async (r) => {
    switch (r.kind) {
      case 'mean':
        return Float64Array.from((await X.mean(0).compute(options)).data as ArrayLike<number>);
      case 'sketch':
        return lazySketch(X, r.M, r.q, r.centre, caller, options);
      case 'project':
        return lazyProjection(X, r.V, r.k, r.centre, caller, options);
    }
  };
}
