/**
 * KMeans fitted in parallel — scikit-learn 1.2's `KMeans(algorithm='lloyd')` with dask-ml's
 * scalable k-means|| initialisation, on in-memory or lazy X.
 *
 * The algorithm is written once, as generators (`lloydRun`, `scalableInit`, …) that yield the
 * passes over the data they need and combine the per-block results in block order; a runner
 * executes each pass — in memory on this thread over one block, or lazily as one task per row
 * block on the worker threads (kmeans_tasks.ts). So an in-memory fit is the lazy fit of a single
 * block, and the same chunking gives the same bits on 1 or 2 threads.
 *
 * What it computes, after scikit-learn 1.2's `KMeans.fit` and `_kmeans_single_lloyd`:
 * - X is centered first (X − mean, one parallel pass of moments that also gives the feature
 *   variances), tol becomes tol · mean(variances) (`_tolerance`), given centers are centered too,
 *   and the mean is added back to the centers at the end;
 * - each Lloyd iteration is one pass: labels against the centers, per-center Σ w·x and Σ w summed
 *   over the blocks in order; on the main thread, empty clusters are relocated to the farthest
 *   rows (an extra pass, only when one is empty), the centers averaged (Σ w·x · (1 / Σ w)) and
 *   the squared center shift compared with tol;
 * - strict convergence (labels unchanged) is seen as an exactly zero center shift: the sums of a
 *   labelling are computed in a fixed order, so unchanged labels give bit-identical centers; and
 *   whether scikit-learn then skips its final E-step or not, the labels, inertia and nIter are
 *   those of the centers it returns — which is what the final pass here computes;
 * - the best of nInit runs: lower inertia and a different clustering (`_is_same_clustering` on the
 *   labels in memory; on lazy X, whose labels are not kept, centers equal up to a permutation).
 */
import { DenseArray, NDArray, RandomState, allocate, buildGraph, computeAll, isBlock, tokenize, type Block } from '@tessera/array';
import { compute } from '@tessera/scheduler';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions } from '../contract.js';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { alignedTarget, checkLazyInput, isLazy, lazyMethod, lazyMoments, rejecting, rowBlocks } from '../ooc/lazy.js';
import { blockMoments } from '../preprocessing/moments.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, nullable, real, vector } from '../state_schema.js';
import {
  NULL,
  RANDOM_STATE,
  type Matrix,
  type MatrixLike,
  type VectorLike,
  assertFinite,
  checkArray,
  checkFeatureCount,
  checkSampleWeight,
  interval,
  options,
} from '../validation.js';
import { distancesPass, kmeansPlusPlus, labelPass, pairwiseSum, rowNormsSquared } from './kmeans_common.js';
import { type FarRow, type LloydParts, type SampleParts, farthestRows, inertiaPart, lloydParts, sampleParts } from './kmeans_passes.js';
import { KMeansKernel } from './kmeans_tasks.js';

/** Hyperparameters of {@link KMeans} (scikit-learn's, camelCase; init and oversamplingFactor / initMaxIter as dask-ml's). */
export interface KMeansParams {
  nClusters: number;
  /**
   * 'k-means||' (dask-ml's scalable init: a few parallel oversampling passes, then k-means++ on the
   * weighted candidates), 'k-means++' (scikit-learn's, in memory: a lazy X is gathered), 'random'
   * (nClusters distinct rows), or the initial centers ([nClusters, nFeatures]).
   */
  init: 'k-means||' | 'k-means++' | 'random' | MatrixLike;
  /** Runs from different inits, the lowest inertia kept; 'auto': 10 for 'random', else 1. For 'k-means||': reductions of the candidates. */
  nInit: number | 'auto';
  maxIter: number;
  /** Convergence when the squared center shift ≤ tol · mean feature variance. */
  tol: number;
  randomState: number | null;
  algorithm: 'lloyd';
  /** k-means||: rows sampled per round ℓ = oversamplingFactor · nClusters (in expectation). */
  oversamplingFactor: number;
  /**
   * k-means||: at most this many oversampling rounds (each one pass over X). dask-ml runs round(ln φ₀)
   * rounds (φ₀: the cost of the first center; null here) sampling ℓ = oversamplingFactor rows each;
   * with ℓ = oversamplingFactor · nClusters as in the paper, 5 rounds (the default) suffice there.
   */
  initMaxIter: number | null;
}

export interface KMeansState extends State {
  clusterCenters_: DenseArray<'float64'>;
  /** Labels of the training rows after an in-memory fit; null after a lazy fit (see {@link KMeans.labels_}). */
  labels_: DenseArray<'float64'> | null;
  inertia_: number;
  nIter_: number;
  nFeaturesIn_: number;
}

export interface KMeans extends KMeansParams {}

// ---------------------------------------------------------------------------------------------
// The algorithm over passes.

/** A pass over the (centered) rows, executed by a runner: one result per block, in block order. */
type Pass =
  | { readonly kind: 'lloyd'; readonly C: Float64Array; readonly k: number }
  | { readonly kind: 'farthest'; readonly C: Float64Array; readonly k: number; readonly count: number }
  | { readonly kind: 'inertia'; readonly C: Float64Array; readonly k: number }
  | {
      readonly kind: 'sample';
      readonly C: Float64Array;
      readonly m: number;
      readonly ell: number;
      readonly seed: number;
      readonly round: number;
    }
  /** Rows by index (not per block: the rows, row-major). */
  | { readonly kind: 'rows'; readonly rows: readonly number[] }
  /** Every row in memory (k-means++), row-major. */
  | { readonly kind: 'all' };

type Steps<R> = Generator<Pass, R, unknown>;

/** The result of one block's final E-step. */
interface InertiaParts {
  readonly inertia: number;
  readonly labels: Float64Array | null;
}

interface RunResult {
  readonly centers: Float64Array;
  readonly nIter: number;
  readonly inertia: number;
  /** The labels (in memory), null on lazy X. */
  readonly labels: Float64Array | null;
}

/** What a fit needs besides the passes. */
interface FitContext {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly maxIter: number;
  /** The absolute tolerance (tol · mean variance). */
  readonly tol: number;
  readonly nInit: number;
  readonly init: 'k-means||' | 'k-means++' | 'random' | Float64Array;
  readonly rng: RandomState;
  readonly ell: number;
  readonly initMaxIter: number | null;
  readonly relTol: number;
}

/** Σ_j (a_j − b_j)², four features at a time (scikit-learn's `_euclidean_dense_dense`, squared). */
function dd4(a: Float64Array, ao: number, b: Float64Array, bo: number, d: number): number {
  let res = 0;
  const n4 = d >> 2;
  let p = ao;
  let q = bo;
  for (let t = 0; t < n4; t++) {
    const e0 = a[p]! - b[q]!;
    const e1 = a[p + 1]! - b[q + 1]!;
    const e2 = a[p + 2]! - b[q + 2]!;
    const e3 = a[p + 3]! - b[q + 3]!;
    res += e0 * e0 + e1 * e1 + e2 * e2 + e3 * e3;
    p += 4;
    q += 4;
  }
  for (let t = 0; t < (d & 3); t++) {
    const e = a[p + t]! - b[q + t]!;
    res += e * e;
  }
  return res;
}

/**
 * One Lloyd run from `init` (centered, k×d): scikit-learn's `_kmeans_single_lloyd` (see the module
 * comment), then the final E-step's labels and inertia.
 */
function* lloydRun(init: Float64Array, k: number, d: number, maxIter: number, tol: number): Steps<RunResult> {
  let centers = init.slice();
  let i = 0;
  for (; i < maxIter; i++) {
    const parts = (yield { kind: 'lloyd', C: centers, k }) as LloydParts[];
    const sums = new Float64Array(k * d);
    const weights = new Float64Array(k);
    for (const p of parts) {
      for (let q = 0; q < k * d; q++) sums[q] = sums[q]! + p.sums[q]!;
      for (let c = 0; c < k; c++) weights[c] = weights[c]! + p.weights[c]!;
    }
    const empty: number[] = [];
    for (let c = 0; c < k; c++) if (weights[c] === 0) empty.push(c);
    if (empty.length > 0) {
      // _relocate_empty_clusters_dense: each empty cluster takes one of the rows farthest from
      // their centers (farthest first), moved out of its cluster's sums. scikit-learn orders them
      // by argpartition, which is this order for up to two empty clusters at once and unspecified
      // among the others beyond that.
      const far = mergeFarthest((yield { kind: 'farthest', C: centers, k, count: empty.length }) as FarRow[][], empty.length);
      for (let idx = 0; idx < far.length; idx++) {
        const nc = empty[idx]!;
        const f = far[idx]!;
        const oc = f.label;
        for (let j = 0; j < d; j++) {
          sums[oc * d + j] = sums[oc * d + j]! - f.x[j]! * f.weight;
          sums[nc * d + j] = f.x[j]! * f.weight;
        }
        weights[nc] = f.weight;
        weights[oc] = weights[oc]! - f.weight;
      }
    }
    // _average_centers, then _center_shift and its squared sum.
    const next = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      const w = weights[c]!;
      if (w > 0) {
        const alpha = 1.0 / w;
        for (let j = 0; j < d; j++) next[c * d + j] = sums[c * d + j]! * alpha;
      } else {
        for (let j = 0; j < d; j++) next[c * d + j] = sums[c * d + j]!;
      }
    }
    const shift2 = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      const s = Math.sqrt(dd4(next, c * d, centers, c * d, d));
      shift2[c] = s * s;
    }
    const total = pairwiseSum(shift2, 0, k);
    centers = next;
    if (total <= tol) break;
  }
  const fin = (yield { kind: 'inertia', C: centers, k }) as InertiaParts[];
  let inertia = 0;
  for (const p of fin) inertia += p.inertia;
  return { centers, nIter: Math.min(i + 1, maxIter), inertia, labels: fin.length === 1 ? fin[0]!.labels : null };
}

/** The `count` farthest rows over all blocks (farthest first; equal distances: the lower row first). */
function mergeFarthest(parts: readonly FarRow[][], count: number): FarRow[] {
  const all = parts.flat();
  all.sort((a, b) => b.dist - a.dist || a.row - b.row);
  return all.slice(0, count);
}

/** scikit-learn's `_is_same_clustering`: the labels are the same up to a permutation of the clusters. */
function sameLabels(a: Float64Array, b: Float64Array, k: number): boolean {
  const map = new Int32Array(k).fill(-1);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (map[x] === -1) map[x] = b[i]!;
    else if (map[x] !== b[i]) return false;
  }
  return true;
}

/** The centers are the same set up to a permutation (to ~1e-12 of their scale): the same clustering, without labels. */
function sameCenters(a: Float64Array, b: Float64Array, k: number, d: number): boolean {
  let scale = 0;
  for (let q = 0; q < k * d; q++) scale = Math.max(scale, Math.abs(a[q]!), Math.abs(b[q]!));
  const eps = 1e-12 * Math.max(scale, 1e-300);
  const used = new Uint8Array(k);
  for (let c = 0; c < k; c++) {
    let found = false;
    for (let e = 0; e < k && !found; e++) {
      if (used[e]) continue;
      let ok = true;
      for (let j = 0; j < d && ok; j++) ok = Math.abs(a[c * d + j]! - b[e * d + j]!) <= eps;
      if (ok) {
        used[e] = 1;
        found = true;
      }
    }
    if (!found) return false;
  }
  return true;
}

/** The initial centers of one run (scikit-learn's `_init_centroids` on the centered X). */
function* initCenters(ctx: FitContext, norms: { all: Float64Array | null; norms: Float64Array | null }): Steps<Float64Array> {
  const { n, d, k, rng, init } = ctx;
  if (init instanceof Float64Array) return init.slice();
  if (init === 'k-means++') {
    norms.all ??= (yield { kind: 'all' }) as Float64Array;
    norms.norms ??= rowNormsSquared(norms.all, n, d);
    const idx = kmeansPlusPlus(norms.all, n, d, k, norms.norms, rng);
    const centers = new Float64Array(k * d);
    idx.forEach((r, c) => centers.set(norms.all!.subarray(r * d, (r + 1) * d), c * d));
    return centers;
  }
  if (init === 'random') {
    const seeds = rng.permutation(n).subarray(0, k);
    return (yield { kind: 'rows', rows: Array.from(seeds) }) as Float64Array;
  }
  return yield* scalableInit(ctx);
}

/**
 * k-means|| (Bahmani et al. 2012, algorithm 2; dask-ml's `init_scalable`): a first center drawn
 * uniformly; round(ln φ₀) rounds, at least 1 and at most initMaxIter, each one parallel pass that samples every
 * row independently with probability ℓ·w·d²(x, C) / φ (see `sampleParts`); one more pass weighs
 * each candidate by the weight of the rows closest to it; then the weighted candidates are reduced
 * to nClusters centers on this thread — weighted k-means++ and Lloyd, the best of nInit. With fewer
 * candidates than clusters, the rest are rows drawn at random (as dask-ml).
 */
function* scalableInit(ctx: FitContext): Steps<Float64Array> {
  const { n, d, k, rng } = ctx;
  const first = rng.randint(n);
  const seed = rng.randint(2147483647);
  let cands = (yield { kind: 'rows', rows: [first] }) as Float64Array;
  let m = 1;
  let rounds = 0;
  for (let round = 0; ; round++) {
    const parts = (yield { kind: 'sample', C: cands, m, ell: ctx.ell, seed, round }) as SampleParts[];
    let phi = 0;
    for (const p of parts) phi += p.cost;
    if (round === 0) {
      rounds = phi > 0 ? Math.max(1, Math.round(Math.log(phi))) : 0;
      if (ctx.initMaxIter !== null) rounds = Math.min(rounds, ctx.initMaxIter);
    }
    if (round >= rounds) break;
    const picked = parts.flatMap((p) => p.rows.filter((r) => r.t > phi));
    if (picked.length > 0) {
      const grown = new Float64Array((m + picked.length) * d);
      grown.set(cands);
      picked.forEach((r, i) => grown.set(r.x, (m + i) * d));
      cands = grown;
      m += picked.length;
    }
    if (round + 1 >= rounds) break;
  }
  if (m < k) {
    // Distinct random rows (drawn one by one: no permutation of all n rows).
    const picked = new Set<number>();
    while (picked.size < Math.min(k - m, n)) picked.add(rng.randint(n));
    const extra = [...picked].sort((a, b) => a - b);
    const rows = (yield { kind: 'rows', rows: extra }) as Float64Array;
    const out = new Float64Array(k * d);
    out.set(cands);
    out.set(rows, m * d);
    return out;
  }
  if (m === k) return cands;
  // The candidates' weights: the weight of the rows closest to each (one Lloyd E-step over the data).
  const parts = (yield { kind: 'lloyd', C: cands, k: m }) as LloydParts[];
  const w = new Float64Array(m);
  for (const p of parts) for (let c = 0; c < m; c++) w[c] = w[c]! + p.weights[c]!;
  return reduceCandidates(cands, w, m, ctx);
}

/** Weighted k-means on the candidates (in memory, this thread): the best of nInit weighted k-means++ + Lloyd runs. */
function reduceCandidates(cands: Float64Array, w: Float64Array, m: number, ctx: FitContext): Float64Array {
  const { d, k, rng } = ctx;
  const block: Block = { dtype: 'float64', shape: [m, d], data: cands };
  const wb: Block = { dtype: 'float64', shape: [m], data: w };
  const exec = (p: Pass): unknown => runInMemory(p, block, wb, 'KMeans.fit (k-means|| candidates)');
  // Weighted variance of the candidates for the tolerance.
  const mom = blockMoments({ data: cands, nSamples: m, nFeatures: d }, w);
  const tol =
    ctx.relTol === 0
      ? 0
      : (pairwiseSum(
          Float64Array.from(mom.m2, (v) => v / mom.count),
          0,
          d,
        ) /
          d) *
        ctx.relTol;
  const norms = rowNormsSquared(cands, m, d);
  let best: RunResult | null = null;
  for (let t = 0; t < ctx.nInit; t++) {
    const idx = kmeansPlusPlus(cands, m, d, k, norms, rng, w);
    const init = new Float64Array(k * d);
    idx.forEach((r, c) => init.set(cands.subarray(r * d, (r + 1) * d), c * d));
    const res = drive(lloydRun(init, k, d, 300, tol), exec);
    if (best === null || res.inertia < best.inertia) best = res;
  }
  return best!.centers;
}

/** nInit runs (init + Lloyd), the best kept as scikit-learn keeps it. */
function* fitRuns(ctx: FitContext): Steps<RunResult> {
  let best: RunResult | null = null;
  const cache = { all: null as Float64Array | null, norms: null as Float64Array | null };
  const runs = ctx.init === 'k-means||' ? 1 : ctx.nInit;
  for (let t = 0; t < runs; t++) {
    const init = yield* initCenters(ctx, cache);
    const res = yield* lloydRun(init, ctx.k, ctx.d, ctx.maxIter, ctx.tol);
    if (best === null) {
      best = res;
      continue;
    }
    const same =
      res.labels !== null && best.labels !== null
        ? sameLabels(res.labels, best.labels, ctx.k)
        : sameCenters(res.centers, best.centers, ctx.k, ctx.d);
    if (res.inertia < best.inertia && !same) best = res;
  }
  return best!;
}

/** Runs the steps with a synchronous runner. */
function drive<R>(steps: Steps<R>, exec: (p: Pass) => unknown): R {
  let r = steps.next();
  while (!r.done) r = steps.next(exec(r.value));
  return r.value;
}

/** Runs the steps with an asynchronous runner. */
async function driveAsync<R>(steps: Steps<R>, exec: (p: Pass) => Promise<unknown>): Promise<R> {
  let r = steps.next();
  while (!r.done) r = steps.next(await exec(r.value));
  return r.value;
}

/** A pass over one in-memory block (rows and weights as blocks), on this thread. */
function runInMemory(p: Pass, X: Block, sw: Block | null, caller: string): unknown {
  const d = X.shape[1]!;
  switch (p.kind) {
    case 'lloyd':
      return [lloydParts(X, sw, p.C, p.k, 0, caller)];
    case 'farthest':
      return [farthestRows(X, sw, p.C, p.k, p.count, 0, caller)];
    case 'inertia':
      return [inertiaPart(X, sw, p.C, p.k, true, 0, caller)];
    case 'sample':
      return [sampleParts(X, sw, p.C, p.m, p.ell, p.seed, p.round, 0, caller)];
    case 'rows': {
      const out = new Float64Array(p.rows.length * d);
      p.rows.forEach((r, i) => out.set((X.data as Float64Array).subarray(r * d, (r + 1) * d), i * d));
      return out;
    }
    case 'all':
      return X.data;
  }
}

/** A pass over a lazy X (centered: an expression over the reads): one task per row block, results in block order. */
async function runLazy(p: Pass, Xc: NDArray, sw: NDArray | null, options: LazyOptions, id: string): Promise<unknown> {
  const d = Xc.shape[1]!;
  if (p.kind === 'rows') {
    const rows = await computeAll(
      p.rows.map((r) => Xc.slice([r, r + 1])),
      options,
    );
    const out = new Float64Array(p.rows.length * d);
    rows.forEach((b, i) => out.set(b!.data as Float64Array, i * d));
    return out;
  }
  if (p.kind === 'all') {
    // k-means++ needs every row at once (as dask-ml's, which gathers X too).
    return (await Xc.compute(options)).data as Float64Array;
  }
  const g = buildGraph(sw === null ? [Xc] : [Xc, sw]);
  const offsets = [0];
  for (const c of Xc.chunks[0]!) offsets.push(offsets[offsets.length - 1]! + c);
  const name = `kmeans-${p.kind}-${id}`;
  const keys: string[] = [];
  for (let i = 0; i < Xc.numBlocks[0]!; i++) {
    const key = `${name}-${i}`;
    const X = Xc.blockArg(i, 0);
    const w = sw === null ? null : sw.blockArg(i);
    switch (p.kind) {
      case 'lloyd':
        g.add(key, KMeansKernel.lloyd, [X, w, p.C, p.k, offsets[i]!]);
        break;
      case 'farthest':
        g.add(key, KMeansKernel.farthest, [X, w, p.C, p.k, p.count, offsets[i]!]);
        break;
      case 'inertia':
        g.add(key, KMeansKernel.inertia, [X, w, p.C, p.k, offsets[i]!]);
        break;
      case 'sample':
        g.add(key, KMeansKernel.sample, [X, w, p.C, p.m, p.ell, p.seed, p.round, offsets[i]!]);
        break;
    }
    keys.push(key);
  }
  const out = await compute(g, keys, options);
  const parts = keys.map((key) => out[key]);
  return p.kind === 'inertia' ? parts.map((inertia) => ({ inertia: inertia as number, labels: null })) : parts;
}

/**
 * X − mean in a new array (scikit-learn's fit centers a copy, copy_x=True), in two passes: the
 * column sums (the mean is numpy's `X.mean(axis=0)`: rows added in order, divided by n), then the
 * copy, accumulating Σt and Σt² of the centered values for the variances
 * ((Σt² − (Σt)²/n) / n, the corrected two-pass formula; they only scale tol).
 */
function centeredCopy(data: Float64Array, n: number, d: number): { Xc: Float64Array; mean: Float64Array; variance: Float64Array } {
  const mean = new Float64Array(d);
  for (let o = 0; o < n * d; o += d) for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[o + j]!;
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const Xc = allocate('float64', n * d);
  const s1 = new Float64Array(d);
  const s2 = new Float64Array(d);
  for (let o = 0; o < n * d; o += d) {
    for (let j = 0; j < d; j++) {
      const t = data[o + j]! - mean[j]!;
      Xc[o + j] = t;
      s1[j] = s1[j]! + t;
      s2[j] = s2[j]! + t * t;
    }
  }
  const variance = new Float64Array(d);
  for (let j = 0; j < d; j++) variance[j] = (s2[j]! - (s1[j]! * s1[j]!) / n) / n;
  return { Xc, mean, variance };
}

// ---------------------------------------------------------------------------------------------

const INIT_MESSAGE = (name: string, init: unknown): string =>
  `The 'init' parameter of ${name} must be a string among {'k-means||', 'k-means++', 'random'} or an array of initial centers. Got ${describeValue(init)} instead.`;

/**
 * K-means clustering fitted in parallel: scikit-learn's `KMeans` (Lloyd's algorithm) with the
 * scalable k-means|| initialisation of dask-ml. On a lazy X every pass over the data (an
 * initialisation round, a Lloyd iteration) runs as one task per row block on the worker threads;
 * the centers are updated on this thread. In memory it runs on this thread.
 *
 * From given initial centers it gives scikit-learn's `KMeans(algorithm='lloyd', n_init=1,
 * init=centers)` (centers, inertia, nIter, labels); with `init: 'k-means++'` and an integer
 * randomState, in memory, scikit-learn's `KMeans(init='k-means++', random_state=…)`.
 *
 * @example
 * const km = new KMeans({ nClusters: 3, randomState: 0 });
 * await km.fit(X);               // X lazy (fromNpyDir…): parallel passes over the blocks
 * km.clusterCenters_;            // DenseArray [3, nFeatures]
 * km.predict(X);                 // lazy labels, block by block
 *
 * new KMeans({ nClusters: 2, init: 'k-means++', nInit: 10, randomState: 0 }).fit([[1, 2], [1, 4], [10, 2], [10, 4]]).labels_;
 */
export class KMeans extends BaseEstimator<KMeansParams, KMeansState> implements LazyFitter {
  static readonly estimatorName = 'KMeans';
  static readonly estimatorType = 'clusterer';
  static readonly defaults: Readonly<KMeansParams> = Object.freeze({
    nClusters: 8,
    init: 'k-means||',
    nInit: 'auto',
    maxIter: 300,
    tol: 1e-4,
    randomState: null,
    algorithm: 'lloyd',
    oversamplingFactor: 2,
    initMaxIter: 5,
  } satisfies KMeansParams);
  // `init` (a string or an array of centers) is checked in code: no constraint kind describes arrays.
  static readonly constraints = {
    nClusters: [interval('int', 1, null, 'left')],
    nInit: [options('auto'), interval('int', 1, null, 'left')],
    maxIter: [interval('int', 1, null, 'left')],
    tol: [interval('float', 0, null, 'left')],
    randomState: RANDOM_STATE,
    algorithm: [options('lloyd')],
    oversamplingFactor: [interval('float', 0, null, 'neither')],
    initMaxIter: [interval('int', 1, null, 'left'), NULL],
  };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      clusterCenters_: matrix('k', 'd'),
      labels_: nullable(vector('n', { values: 'nonNegative' })),
      inertia_: real('nonNegative'),
      nIter_: count(1),
    },
    params: { k: 'nClusters' },
  };

  /** The lazy labels of the training X after a lazy fit (not part of the state: not saved). */
  #lazyLabels: NDArray | null = null;

  constructor(options: Partial<KMeansParams> = {}) {
    super(options);
  }

  /** `init`: a method name or one initial center per cluster. */
  protected override checkMoreParams(): void {
    this.givenCenters();
  }

  /** The initial centers given as `init` (row-major, a copy), or null for a method name. */
  private givenCenters(): Matrix | null {
    const name = this.estimatorName;
    const init = this.init;
    if (init === 'k-means||' || init === 'k-means++' || init === 'random') return null;
    if (typeof init === 'string') throw new ParameterRangeError(INIT_MESSAGE(name, init), name, 'init', init);
    if (!(isBlock(init) || Array.isArray(init))) throw new ParameterTypeError(INIT_MESSAGE(name, init), name, 'init', init);
    const m = checkArray(init, { caller: name, name: 'init' });
    if (m.nSamples !== this.nClusters) {
      throw new ParameterRangeError(
        `The 'init' parameter of ${name} must have one row per cluster: got ${m.nSamples} centers for nClusters=${this.nClusters}.`,
        name,
        'init',
        init,
      );
    }
    return m;
  }

  /** The fit's context on n rows of d features with the given feature means and variances. */
  private context(n: number, d: number, mean: Float64Array, variance: Float64Array): FitContext {
    const name = this.estimatorName;
    if (n < this.nClusters) throw new InvalidInputError(`${name}: nSamples=${n} should be >= nClusters=${this.nClusters}.`);
    const given = this.givenCenters();
    let init: FitContext['init'];
    if (given === null) init = this.init as 'k-means||' | 'k-means++' | 'random';
    else {
      if (given.nFeatures !== d) {
        throw new InvalidInputError(
          `${name}: the initial centers (init) have ${given.nFeatures} features but X has ${d}; they must have one column per feature.`,
        );
      }
      init = Float64Array.from(given.data);
      for (let c = 0; c < this.nClusters; c++) for (let j = 0; j < d; j++) init[c * d + j] = init[c * d + j]! - mean[j]!;
    }
    const nInit = given !== null ? 1 : this.nInit === 'auto' ? (init === 'random' ? 10 : 1) : this.nInit;
    const tol = this.tol === 0 ? 0 : (pairwiseSum(variance, 0, d) / d) * this.tol;
    return {
      n,
      d,
      k: this.nClusters,
      maxIter: this.maxIter,
      tol,
      relTol: this.tol,
      nInit,
      init,
      rng: new RandomState(this.randomState ?? undefined),
      ell: this.oversamplingFactor * this.nClusters,
      initMaxIter: this.initMaxIter,
    };
  }

  /**
   * Clusters X. In memory (number[][] or a 2-D block): on this thread, returns `this`. Lazy X (an
   * NDArray): every pass runs in parallel over the row blocks; the promise resolves with `this`.
   * `sampleWeight` (in memory: an array; lazy: a 1-D NDArray) weighs the rows.
   *
   * @example
   * const km = await new KMeans({ nClusters: 8, randomState: 0 }).fit(X, { memoryLimit: '512MB' });
   */
  fit(X: NDArray, options?: LazyOptions & { sampleWeight?: NDArray }): Promise<this>;
  fit(X: MatrixLike, options?: { sampleWeight?: VectorLike }): this;
  fit(X: MatrixLike | NDArray, options: { sampleWeight?: VectorLike | NDArray } & LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options as LazyOptions & { sampleWeight?: NDArray }));
    this.checkParams();
    const name = this.estimatorName;
    if (isLazy(options.sampleWeight))
      throw new TypeError(`${name}.fit: sampleWeight is a lazy array but X is not; pass both lazy or both in memory.`);
    const m = checkArray(X, { caller: name });
    const { data, nSamples: n, nFeatures: d } = m;
    const sw =
      options.sampleWeight === undefined || options.sampleWeight === null ? null : checkSampleWeight(options.sampleWeight, n, name);
    const { Xc, mean, variance } = centeredCopy(data, n, d);
    const ctx = this.context(n, d, mean, variance);
    const block: Block = { dtype: 'float64', shape: [n, d], data: Xc };
    const wb: Block | null = sw === null ? null : { dtype: 'float64', shape: [n], data: sw };
    const best = drive(fitRuns(ctx), (p) => runInMemory(p, block, wb, `${name}.fit`));
    this.store(best, mean, d, best.labels === null ? null : new DenseArray(best.labels, [n]));
    this.#lazyLabels = null;
    return this;
  }

  /** Fits on a lazy X (see {@link fit}): one parallel pass of moments, then the passes of the init and of each Lloyd iteration. */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions & { sampleWeight?: NDArray } = {}): Promise<this> {
    this.checkParams();
    const name = this.estimatorName;
    const { sampleWeight, ...run } = options;
    const Xr = rowBlocks(X, `${name}.fit`);
    let sw: NDArray | null = null;
    if (sampleWeight !== undefined && sampleWeight !== null) {
      if (!isLazy(sampleWeight)) throw new TypeError(`${name}.fit: X is a lazy array, so sampleWeight must be one too.`);
      sw = alignedTarget(Xr, sampleWeight, `${name}.fit`).astype('float64');
    }
    const n = Xr.shape[0]!;
    const d = Xr.shape[1]!;
    if (n < this.nClusters) throw new InvalidInputError(`${name}: nSamples=${n} should be >= nClusters=${this.nClusters}.`);
    const mom = await lazyMoments(Xr, run);
    const variance = Float64Array.from(mom.m2, (v) => v / n);
    const ctx = this.context(n, d, mom.mean, variance);
    const Xc = Xr.sub(new DenseArray(Float64Array.from(mom.mean), [d]));
    const id = tokenize('kmeans', Xc.name, sw?.name ?? '', this.nClusters);
    let pass = 0;
    const best = await driveAsync(fitRuns(ctx), (p) => runLazy(p, Xc, sw, run, `${id}-${pass++}`));
    this.store(best, mom.mean, d, null);
    this.#lazyLabels = this.predict(Xr);
    return this;
  }

  private store(best: RunResult, mean: Float64Array, d: number, labels: DenseArray<'float64'> | null): void {
    const k = this.nClusters;
    const centers = allocate('float64', k * d);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centers[c * d + j] = best.centers[c * d + j]! + mean[j]!;
    this.learned = {
      clusterCenters_: new DenseArray(centers, [k, d]),
      labels_: labels,
      inertia_: best.inertia,
      nIter_: best.nIter,
      nFeaturesIn_: d,
    };
  }

  protected override resetState(): void {
    super.resetState();
    this.#lazyLabels = null;
  }

  /** X checked for shape and feature count; NaN / ±Infinity are found by the passes. */
  private checked(X: MatrixLike): Matrix {
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, this.fitted.nFeaturesIn_, m.nFeatures);
    return m;
  }

  /** `transform` gives the distance to each center: one column per cluster. */
  override outputWidth(method: ApplyMethod): number | null {
    return method === 'transform' ? this.fitted.clusterCenters_.shape[0]! : super.outputWidth(method);
  }

  /** Index of the closest center of each row (as float64, like every predict); lazy (block by block) for a lazy X. */
  predict(X: NDArray): NDArray;
  predict(X: MatrixLike): DenseArray<'float64'>;
  predict(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'predict', null);
    const s = this.fitted;
    const m = this.checked(X);
    const out = allocate('float64', m.nSamples);
    const ok = labelPass(m.data, m.nSamples, m.nFeatures, s.clusterCenters_.data, s.clusterCenters_.shape[0]!, null, out, null, false);
    if (Number.isNaN(ok)) assertFinite(m.data, m.nFeatures, 'X', this.estimatorName);
    return new DenseArray(out, [m.nSamples]);
  }

  /**
   * Euclidean distance of each row to each center, [n, nClusters] (scikit-learn's
   * `euclidean_distances`: √max(−2·x·c + ‖x‖² + ‖c‖², 0)); lazy for a lazy X.
   */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'transform', this.outputWidth('transform'));
    const s = this.fitted;
    const m = this.checked(X);
    const { data, nSamples: n, nFeatures: d } = m;
    const k = s.clusterCenters_.shape[0]!;
    const out = allocate('float64', n * k);
    if (!distancesPass(data, n, d, s.clusterCenters_.data, k, out)) assertFinite(data, d, 'X', this.estimatorName);
    return new DenseArray(out, [n, k]);
  }

  /** Opposite of the (weighted) inertia of X against the centers; a promise for a lazy X (one parallel pass). */
  score(X: NDArray, options?: LazyOptions & { sampleWeight?: NDArray }): Promise<number>;
  score(X: MatrixLike, options?: { sampleWeight?: VectorLike }): number;
  score(X: MatrixLike | NDArray, options: { sampleWeight?: VectorLike | NDArray } & LazyOptions = {}): number | Promise<number> {
    if (isLazy(X)) return rejecting(true, () => this.scoreLazyX(X, options as LazyOptions & { sampleWeight?: NDArray }));
    const s = this.fitted;
    const m = this.checked(X);
    if (isLazy(options.sampleWeight)) throw new TypeError(`${this.estimatorName}.score: sampleWeight is a lazy array but X is not.`);
    const sw =
      options.sampleWeight === undefined || options.sampleWeight === null
        ? null
        : checkSampleWeight(options.sampleWeight, m.nSamples, this.estimatorName);
    const inertia = labelPass(m.data, m.nSamples, m.nFeatures, s.clusterCenters_.data, s.clusterCenters_.shape[0]!, sw, null);
    if (Number.isNaN(inertia)) assertFinite(m.data, m.nFeatures, 'X', this.estimatorName);
    return -inertia;
  }

  private async scoreLazyX(X: NDArray, options: LazyOptions & { sampleWeight?: NDArray }): Promise<number> {
    const s = this.fitted;
    const { sampleWeight, ...run } = options;
    const Xr = rowBlocks(X, `${this.estimatorName}.score`);
    checkLazyInput(this, Xr);
    const sw =
      sampleWeight === undefined || sampleWeight === null
        ? null
        : alignedTarget(Xr, sampleWeight, `${this.estimatorName}.score`).astype('float64');
    const C = s.clusterCenters_.data;
    const parts = (await runLazy(
      { kind: 'inertia', C, k: s.clusterCenters_.shape[0]! },
      Xr.astype('float64'),
      sw,
      run,
      tokenize('kmeans-score', Xr.name, C),
    )) as InertiaParts[];
    let inertia = 0;
    for (const p of parts) inertia += p.inertia;
    return -inertia;
  }

  /** fit, then the labels of X (in memory: `labels_`; lazy: a promise of the lazy labels). */
  fitPredict(X: NDArray, options?: LazyOptions & { sampleWeight?: NDArray }): Promise<NDArray>;
  fitPredict(X: MatrixLike, options?: { sampleWeight?: VectorLike }): DenseArray<'float64'>;
  fitPredict(
    X: MatrixLike | NDArray,
    options: { sampleWeight?: VectorLike | NDArray } & LazyOptions = {},
  ): DenseArray<'float64'> | Promise<NDArray> {
    if (isLazy(X)) return this.fit(X, options as LazyOptions & { sampleWeight?: NDArray }).then(() => this.predict(X));
    return this.fit(X, options as { sampleWeight?: VectorLike }).labels_ as DenseArray<'float64'>;
  }

  /** fit, then transform X (lazy: a promise of the lazy distances). */
  fitTransform(X: NDArray, options?: LazyOptions & { sampleWeight?: NDArray }): Promise<NDArray>;
  fitTransform(X: MatrixLike, options?: { sampleWeight?: VectorLike }): DenseArray<'float64'>;
  fitTransform(
    X: MatrixLike | NDArray,
    options: { sampleWeight?: VectorLike | NDArray } & LazyOptions = {},
  ): DenseArray<'float64'> | Promise<NDArray> {
    if (isLazy(X)) return this.fit(X, options as LazyOptions & { sampleWeight?: NDArray }).then(() => this.transform(X));
    return this.fit(X, options as { sampleWeight?: VectorLike }).transform(X);
  }

  get clusterCenters_(): DenseArray<'float64'> {
    return this.fitted.clusterCenters_;
  }
  /**
   * The label of each training row. After an in-memory fit, a DenseArray; after a lazy fit, the
   * lazy labels (`predict` of the training X, computed when asked — as dask-ml's `labels_` is a
   * dask array), which a saved and reloaded model no longer has.
   */
  get labels_(): DenseArray<'float64'> | NDArray {
    const l = this.fitted.labels_;
    if (l !== null) return l;
    if (this.#lazyLabels !== null) return this.#lazyLabels;
    throw new TypeError(
      `${this.estimatorName}: labels_ of a lazy fit are not saved with the model; predict(X) on the training X gives them.`,
    );
  }
  get inertia_(): number {
    return this.fitted.inertia_;
  }
  get nIter_(): number {
    return this.fitted.nIter_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

registerEstimator(KMeans);
