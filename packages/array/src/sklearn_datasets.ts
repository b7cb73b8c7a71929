/**
 * scikit-learn 1.2's in-memory dataset generators, draw for draw: `make_classification`,
 * `make_regression` and `make_blobs` from `sklearn/datasets/_samples_generator.py`, drawing from
 * numpy's legacy RandomState (random_state.ts) in scikit-learn's order — `_generate_hypercube`
 * through `sample_without_replacement`, `standard_normal`, `uniform`, `randint`, `normal`, then
 * `sklearn.utils.shuffle`'s row permutation and the feature permutation.
 *
 * Every draw and every elementwise operation is the one numpy performs, so the output equals
 * scikit-learn's bit for bit, except where numpy multiplies matrices through BLAS
 * (`make_classification`'s per-cluster covariance and redundant features, `make_regression`'s
 * y = X·coef). Those sums run here in the order OpenBLAS's kernels use on x86-64 with FMA (the
 * reference platform): dgemm's fused multiply-adds in index order, dgemv_t's four lanes (one
 * redundant feature, one target) — equal bit for bit there, except dgemv's last n mod 4 rows
 * and one-row clusters, which OpenBLAS sums in yet other kernels (an ulp at most). Another BLAS or
 * CPU rounds those products differently, as numpy's own results then differ.
 *
 * These build dense arrays in memory. The lazy, chunked generators of random.ts (`makeClassification`
 * …) follow the same models with a counter-based generator, so any chunking gives the same data;
 * they are not scikit-learn's numbers.
 */
import { DenseArray } from './dense.js';
import { fma } from './glibc_log.js';
import { RandomState, checkRandomState } from './random_state.js';

/** What the generators take as `randomState`: a seed, a generator (advanced by the draws), or null (numpy's global generator). */
export type SklearnRandomState = number | RandomState | null;

function isInt(v: unknown, lo: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= lo;
}

function checkParam(fn: string, name: string, value: unknown, ok: boolean, range: string): void {
  if (ok) return;
  const msg = `The '${name}' parameter of ${fn} must be ${range}. Got ${JSON.stringify(value) ?? String(value)} instead.`;
  // A number out of range is a RangeError; anything of the wrong kind a TypeError.
  throw typeof value === 'number' ? new RangeError(msg) : new TypeError(msg);
}

function checkInt(fn: string, name: string, value: unknown, lo: number): number {
  checkParam(fn, name, value, isInt(value, lo), `an int in the range [${lo}, inf)`);
  return value as number;
}

function checkReal(fn: string, name: string, value: unknown, lo: number | null): number {
  const ok = typeof value === 'number' && Number.isFinite(value) && (lo === null || value >= lo);
  checkParam(fn, name, value, ok, lo === null ? 'a finite float' : `a float in the range [${lo}, inf)`);
  return value as number;
}

function randomStateOf(fn: string, v: unknown): RandomState {
  if (v === undefined || v === null || v instanceof RandomState) return checkRandomState(v ?? null);
  checkParam(
    fn,
    'randomState',
    v,
    isInt(v, 0) && (v as number) <= 0xffffffff,
    'an int in the range [0, 4294967295], a RandomState or null',
  );
  return new RandomState(v as number);
}

/**
 * scikit-learn's `sample_without_replacement(nPopulation, nSamples, random_state=rs)` with
 * method 'auto': a permutation's head when 0.01 < nSamples/nPopulation < 0.99, else tracking
 * selection (ratio < 0.2: `randint(nPopulation)` redrawn until unseen) or reservoir sampling.
 */
export function sampleWithoutReplacement(nPopulation: number, nSamples: number, rs: RandomState): number[] {
  const fn = 'sampleWithoutReplacement';
  checkInt(fn, 'nPopulation', nPopulation, 0);
  checkInt(fn, 'nSamples', nSamples, 0);
  if (nSamples > nPopulation)
    throw new RangeError(`${fn}: nPopulation (${nPopulation}) should be greater or equal to nSamples (${nSamples}).`);
  const ratio = nPopulation !== 0 ? nSamples / nPopulation : 1.0;
  if (ratio > 0.01 && ratio < 0.99) return Array.from(rs.permutation(nPopulation).subarray(0, nSamples));
  const out = new Array<number>(nSamples);
  if (ratio < 0.2) {
    const selected = new Set<number>();
    for (let i = 0; i < nSamples; i++) {
      let j = rs.randint(nPopulation);
      while (selected.has(j)) j = rs.randint(nPopulation);
      selected.add(j);
      out[i] = j;
    }
    return out;
  }
  for (let i = 0; i < nSamples; i++) out[i] = i;
  for (let i = nSamples; i < nPopulation; i++) {
    const j = rs.randint(0, i + 1);
    if (j < nSamples) out[j] = i;
  }
  return out;
}

/**
 * `_generate_hypercube(samples, dimensions, rng)`: distinct 0/1 vertices, row-major
 * [samples, dimensions]. Beyond 30 dimensions the leading ones are `randint(2)` draws (drawn
 * first) and the last 30 distinct vertices.
 */
function generateHypercube(samples: number, dimensions: number, rs: RandomState): Float64Array {
  const out = new Float64Array(samples * dimensions);
  let lead = 0;
  if (dimensions > 30) {
    lead = dimensions - 30;
    const bits = rs.randint(0, 2, samples * lead);
    for (let i = 0; i < samples; i++) for (let j = 0; j < lead; j++) out[i * dimensions + j] = bits[i * lead + j]!;
  }
  const dims = dimensions - lead;
  const values = sampleWithoutReplacement(2 ** dims, samples, rs);
  // unpackbits of the big-endian uint32, last `dims` bits: column c is bit dims − 1 − c.
  for (let i = 0; i < samples; i++) {
    const v = values[i]!;
    for (let c = 0; c < dims; c++) out[i * dimensions + lead + c] = Math.floor(v / 2 ** (dims - 1 - c)) % 2;
  }
  return out;
}

/**
 * A row of X times v as OpenBLAS's dgemv_t sums it on x86-64 with FMA (numpy's matrix–vector
 * product): four lane accumulators over j mod 4 for j < k − k mod 4, reduced (l0 + l2) + (l1 + l3),
 * then the k mod 4 tail fused in. Equal bit for bit for rows in OpenBLAS's groups of four; the
 * last n mod 4 rows go through another kernel there and may differ by an ulp.
 */
function gemvDot(X: Float64Array, at: number, v: ArrayLike<number>, vStride: number, k: number): number {
  const main = k - (k % 4);
  let l0 = 0;
  let l1 = 0;
  let l2 = 0;
  let l3 = 0;
  for (let j = 0; j < main; j += 4) {
    l0 = fma(X[at + j]!, v[j * vStride]!, l0);
    l1 = fma(X[at + j + 1]!, v[(j + 1) * vStride]!, l1);
    l2 = fma(X[at + j + 2]!, v[(j + 2) * vStride]!, l2);
    l3 = fma(X[at + j + 3]!, v[(j + 3) * vStride]!, l3);
  }
  let y = l0 + l2 + (l1 + l3);
  const x = (j: number) => X[at + j]!;
  const w = (j: number) => v[j * vStride]!;
  const j = main;
  switch (k % 4) {
    case 1:
      y = fma(x(j), w(j), y);
      break;
    case 2:
      y = y + fma(x(j), w(j), x(j + 1) * w(j + 1));
      break;
    case 3:
      y = y + fma(x(j + 2), w(j + 2), fma(x(j), w(j), x(j + 1) * w(j + 1)));
      break;
  }
  return y;
}

/** `sklearn.utils.shuffle(X, y)`'s row order: `arange(n)` shuffled in place. */
function rowOrder(n: number, rs: RandomState): Int32Array {
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  return rs.shuffle(idx);
}

function gatherRows(X: Float64Array, width: number, order: Int32Array): Float64Array {
  const out = new Float64Array(X.length);
  for (let r = 0; r < order.length; r++) out.set(X.subarray(order[r]! * width, (order[r]! + 1) * width), r * width);
  return out;
}

function gatherColumns(X: Float64Array, width: number, cols: Int32Array): Float64Array {
  const out = new Float64Array(X.length);
  const n = X.length / width;
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) out[i * width + j] = X[i * width + cols[j]!]!;
  return out;
}

/** A per-feature value: a number for every feature, or one per feature. */
function perFeature(fn: string, name: string, v: number | readonly number[], nFeatures: number): Float64Array {
  if (typeof v === 'number') return new Float64Array(nFeatures).fill(checkReal(fn, name, v, null));
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) checkParam(fn, name, v, false, 'a float, an array of floats or null');
  if (v.length !== nFeatures) throw new RangeError(`${fn}: '${name}' has ${v.length} values for ${nFeatures} features.`);
  return Float64Array.from(v, (x, j) => checkReal(fn, `${name}[${j}]`, x, null));
}

/** Options of {@link sklearnMakeClassification}: scikit-learn's parameters, camelCase, same defaults. */
export interface SklearnMakeClassificationOptions {
  /** Default 100. */
  nSamples?: number;
  /** Default 20. */
  nFeatures?: number;
  /** Default 2. */
  nInformative?: number;
  /** Default 2. */
  nRedundant?: number;
  /** Default 0. */
  nRepeated?: number;
  /** Default 2. */
  nClasses?: number;
  /** Default 2. */
  nClustersPerClass?: number;
  /** Proportion of samples per class (nClasses values, or nClasses − 1 and the last inferred); null = balanced. */
  weights?: readonly number[] | null;
  /** Fraction of labels replaced by random classes (default 0.01). */
  flipY?: number;
  /** Half the hypercube's side (default 1). */
  classSep?: number;
  /** Centroids on hypercube vertices (default true), else on a random polytope. */
  hypercube?: boolean;
  /** Added to every feature: a number, one per feature, or null for uniform in [−classSep, classSep]. Default 0. */
  shift?: number | readonly number[] | null;
  /** Multiplies every feature after the shift: a number, one per feature, or null for uniform in [1, 101]. Default 1. */
  scale?: number | readonly number[] | null;
  /** Shuffle the rows and the features (default true). */
  shuffle?: boolean;
  /** A seed, a RandomState (advanced) or null (numpy's global generator; the default, as scikit-learn's). */
  randomState?: SklearnRandomState;
}

/**
 * scikit-learn 1.2's `make_classification`, the same numbers for the same `randomState`: X
 * [nSamples, nFeatures] float64 and the labels y [nSamples] (int32). Clusters of normal points
 * about hypercube vertices in the informative subspace, each with a random covariance; redundant
 * features as random combinations of the informative ones; repeated features; useless noise;
 * flipped labels; shift and scale; rows and features shuffled.
 *
 * @example
 * const { X, y } = sklearnMakeClassification({ nSamples: 1000, nFeatures: 20, randomState: 0 });
 * // X, y as sklearn.datasets.make_classification(n_samples=1000, n_features=20, random_state=0)
 */
export function sklearnMakeClassification(options: SklearnMakeClassificationOptions = {}): {
  X: DenseArray<'float64'>;
  y: DenseArray<'int32'>;
} {
  const fn = 'sklearnMakeClassification';
  const nSamples = checkInt(fn, 'nSamples', options.nSamples ?? 100, 1);
  const nFeatures = checkInt(fn, 'nFeatures', options.nFeatures ?? 20, 1);
  const nInformative = checkInt(fn, 'nInformative', options.nInformative ?? 2, 1);
  const nRedundant = checkInt(fn, 'nRedundant', options.nRedundant ?? 2, 0);
  const nRepeated = checkInt(fn, 'nRepeated', options.nRepeated ?? 0, 0);
  const nClasses = checkInt(fn, 'nClasses', options.nClasses ?? 2, 1);
  const nClustersPerClass = checkInt(fn, 'nClustersPerClass', options.nClustersPerClass ?? 2, 1);
  const flipY = checkReal(fn, 'flipY', options.flipY ?? 0.01, 0);
  checkParam(fn, 'flipY', flipY, flipY <= 1, 'a float in the range [0, 1]');
  const classSep = checkReal(fn, 'classSep', options.classSep ?? 1.0, 0);
  const hypercube = options.hypercube ?? true;
  checkParam(fn, 'hypercube', hypercube, typeof hypercube === 'boolean', 'a boolean');
  const shuffle = options.shuffle ?? true;
  checkParam(fn, 'shuffle', shuffle, typeof shuffle === 'boolean', 'a boolean');
  const generator = randomStateOf(fn, options.randomState);

  if (nInformative + nRedundant + nRepeated > nFeatures) {
    throw new RangeError(
      `${fn}: the number of informative, redundant and repeated features (${nInformative} + ${nRedundant} + ${nRepeated}) must sum to at most nFeatures (${nFeatures}).`,
    );
  }
  if (nInformative < Math.log2(nClasses * nClustersPerClass)) {
    throw new RangeError(
      `${fn}: nClasses(${nClasses}) * nClustersPerClass(${nClustersPerClass}) must be smaller or equal 2**nInformative(${nInformative})=${2 ** nInformative}.`,
    );
  }
  let weights: number[];
  if (options.weights !== undefined && options.weights !== null) {
    const w = options.weights;
    if (!Array.isArray(w)) checkParam(fn, 'weights', w, false, 'an array of floats or null');
    if (w.length !== nClasses && w.length !== nClasses - 1) {
      throw new RangeError(`${fn}: 'weights' has ${w.length} values; expected nClasses (${nClasses}) or nClasses − 1.`);
    }
    weights = w.map((x, k) => checkReal(fn, `weights[${k}]`, x, null));
    // Python's list: weights + [1.0 − sum(weights)], summed left to right.
    if (weights.length === nClasses - 1) weights.push(1.0 - weights.reduce((s, x) => s + x, 0));
  } else {
    weights = new Array<number>(nClasses).fill(1.0 / nClasses);
  }

  const nUseless = nFeatures - nInformative - nRedundant - nRepeated;
  const nClusters = nClasses * nClustersPerClass;
  const perCluster = Array.from({ length: nClusters }, (_, k) => Math.trunc((nSamples * weights[k % nClasses]!) / nClustersPerClass));
  const assigned = perCluster.reduce((s, v) => s + v, 0);
  for (let i = 0; i < nSamples - assigned; i++) perCluster[i % nClusters]! += 1;

  const X = new Float64Array(nSamples * nFeatures);
  const y = new Int32Array(nSamples);

  const centroids = generateHypercube(nClusters, nInformative, generator);
  for (let q = 0; q < centroids.length; q++) centroids[q] = centroids[q]! * (2 * classSep) - classSep;
  if (!hypercube) {
    const byCluster = generator.uniform(0, 1, nClusters);
    const byFeature = generator.uniform(0, 1, nInformative);
    for (let k = 0; k < nClusters; k++) for (let j = 0; j < nInformative; j++) centroids[k * nInformative + j]! *= byCluster[k]!;
    for (let k = 0; k < nClusters; k++) for (let j = 0; j < nInformative; j++) centroids[k * nInformative + j]! *= byFeature[j]!;
  }

  const informative = generator.standardNormal(nSamples * nInformative);
  for (let i = 0; i < nSamples; i++) for (let j = 0; j < nInformative; j++) X[i * nFeatures + j] = informative[i * nInformative + j]!;

  // Each cluster: a random covariance (X_k · A), shifted to its vertex. numpy slices clip at nSamples.
  let stop = 0;
  const row = new Float64Array(nInformative);
  for (let k = 0; k < nClusters; k++) {
    const start = Math.min(stop, nSamples);
    stop += perCluster[k]!;
    const end = Math.min(stop, nSamples);
    for (let i = start; i < end; i++) y[i] = k % nClasses;
    const A = generator.uniform(0, 1, nInformative * nInformative);
    for (let q = 0; q < A.length; q++) A[q] = 2 * A[q]! - 1;
    for (let i = start; i < end; i++) {
      const base = i * nFeatures;
      for (let j = 0; j < nInformative; j++) row[j] = X[base + j]!;
      for (let c = 0; c < nInformative; c++) {
        let s = 0;
        for (let j = 0; j < nInformative; j++) s = fma(row[j]!, A[j * nInformative + c]!, s);
        X[base + c] = s;
      }
      for (let c = 0; c < nInformative; c++) X[base + c] = X[base + c]! + centroids[k * nInformative + c]!;
    }
  }

  if (nRedundant > 0) {
    const B = generator.uniform(0, 1, nInformative * nRedundant);
    for (let q = 0; q < B.length; q++) B[q] = 2 * B[q]! - 1;
    for (let i = 0; i < nSamples; i++) {
      const base = i * nFeatures;
      if (nRedundant === 1) {
        // numpy: a matrix–vector product (dgemv).
        X[base + nInformative] = gemvDot(X, base, B, 1, nInformative);
        continue;
      }
      for (let c = 0; c < nRedundant; c++) {
        let s = 0;
        for (let j = 0; j < nInformative; j++) s = fma(X[base + j]!, B[j * nRedundant + c]!, s);
        X[base + nInformative + c] = s;
      }
    }
  }

  if (nRepeated > 0) {
    const n = nInformative + nRedundant;
    const u = generator.uniform(0, 1, nRepeated);
    const indices = Array.from(u, (x) => Math.trunc((n - 1) * x + 0.5));
    for (let i = 0; i < nSamples; i++) {
      const base = i * nFeatures;
      for (let r = 0; r < nRepeated; r++) X[base + n + r] = X[base + indices[r]!]!;
    }
  }

  if (nUseless > 0) {
    const useless = generator.standardNormal(nSamples * nUseless);
    const from = nFeatures - nUseless;
    for (let i = 0; i < nSamples; i++) for (let j = 0; j < nUseless; j++) X[i * nFeatures + from + j] = useless[i * nUseless + j]!;
  }

  if (flipY >= 0.0) {
    const u = generator.uniform(0, 1, nSamples);
    let flips = 0;
    for (let i = 0; i < nSamples; i++) if (u[i]! < flipY) flips++;
    const labels = generator.randint(0, nClasses, flips);
    let f = 0;
    for (let i = 0; i < nSamples; i++) if (u[i]! < flipY) y[i] = labels[f++]!;
  }

  const shiftOpt = options.shift === undefined ? 0.0 : options.shift;
  const shift =
    shiftOpt === null
      ? Float64Array.from(generator.uniform(0, 1, nFeatures), (u) => (2 * u - 1) * classSep)
      : perFeature(fn, 'shift', shiftOpt, nFeatures);
  for (let i = 0; i < nSamples; i++) for (let j = 0; j < nFeatures; j++) X[i * nFeatures + j] = X[i * nFeatures + j]! + shift[j]!;
  const scaleOpt = options.scale === undefined ? 1.0 : options.scale;
  const scale =
    scaleOpt === null
      ? Float64Array.from(generator.uniform(0, 1, nFeatures), (u) => 1 + 100 * u)
      : perFeature(fn, 'scale', scaleOpt, nFeatures);
  for (let i = 0; i < nSamples; i++) for (let j = 0; j < nFeatures; j++) X[i * nFeatures + j] = X[i * nFeatures + j]! * scale[j]!;

  if (!shuffle) return { X: new DenseArray(X, [nSamples, nFeatures]), y: new DenseArray(y, [nSamples]) };
  const order = rowOrder(nSamples, generator);
  const Xr = gatherRows(X, nFeatures, order);
  const yr = Int32Array.from(order, (i) => y[i]!);
  const features = rowOrder(nFeatures, generator);
  return { X: new DenseArray(gatherColumns(Xr, nFeatures, features), [nSamples, nFeatures]), y: new DenseArray(yr, [nSamples]) };
}

/** Options of {@link sklearnMakeRegression}: scikit-learn's parameters, camelCase, same defaults. */
export interface SklearnMakeRegressionOptions {
  /** Default 100. */
  nSamples?: number;
  /** Default 100. */
  nFeatures?: number;
  /** Features with a non-zero coefficient (default 10; at most nFeatures). */
  nInformative?: number;
  /** Targets (default 1: y is [nSamples], coef [nFeatures]). */
  nTargets?: number;
  /** Added to y (default 0). */
  bias?: number;
  /**
   * Only null (the default: a well-conditioned standard normal X). scikit-learn's low-rank X goes
   * through LAPACK's QR, which is not reproduced here.
   */
  effectiveRank?: null;
  /** Standard deviation of the Gaussian noise added to y (default 0). */
  noise?: number;
  /** Shuffle the rows and the features (default true). */
  shuffle?: boolean;
  /** A seed, a RandomState (advanced) or null (numpy's global generator; the default). */
  randomState?: SklearnRandomState;
}

/**
 * scikit-learn 1.2's `make_regression` (with `coef=True`), the same numbers for the same
 * `randomState`: X [nSamples, nFeatures] standard normal, the ground truth coef (`nInformative`
 * rows uniform in [0, 100), shuffled with the features), y = X·coef + bias + noise·N(0, 1).
 * y and coef are [nSamples] / [nFeatures] for one target, else [nSamples, nTargets] / [nFeatures, nTargets].
 *
 * @example
 * const { X, y, coef } = sklearnMakeRegression({ nSamples: 200, nFeatures: 10, noise: 1, randomState: 0 });
 */
export function sklearnMakeRegression(options: SklearnMakeRegressionOptions = {}): {
  X: DenseArray<'float64'>;
  y: DenseArray<'float64'>;
  coef: DenseArray<'float64'>;
} {
  const fn = 'sklearnMakeRegression';
  const nSamples = checkInt(fn, 'nSamples', options.nSamples ?? 100, 1);
  const nFeatures = checkInt(fn, 'nFeatures', options.nFeatures ?? 100, 1);
  const nInformative = Math.min(nFeatures, checkInt(fn, 'nInformative', options.nInformative ?? 10, 0));
  const nTargets = checkInt(fn, 'nTargets', options.nTargets ?? 1, 1);
  const bias = checkReal(fn, 'bias', options.bias ?? 0.0, null);
  const noise = checkReal(fn, 'noise', options.noise ?? 0.0, 0);
  const shuffle = options.shuffle ?? true;
  checkParam(fn, 'shuffle', shuffle, typeof shuffle === 'boolean', 'a boolean');
  if (options.effectiveRank !== undefined && options.effectiveRank !== null) {
    throw new RangeError(
      `${fn}: effectiveRank must be null (the low-rank X of scikit-learn is not reproduced). Got ${JSON.stringify(options.effectiveRank)}.`,
    );
  }
  const generator = randomStateOf(fn, options.randomState);

  let X: Float64Array = generator.standardNormal(nSamples * nFeatures);
  let truth: Float64Array = new Float64Array(nFeatures * nTargets);
  const drawn = generator.uniform(0, 1, nInformative * nTargets);
  for (let q = 0; q < drawn.length; q++) truth[q] = 100 * drawn[q]!;

  let y: Float64Array = new Float64Array(nSamples * nTargets);
  for (let i = 0; i < nSamples; i++) {
    if (nTargets === 1) {
      // numpy: a matrix–vector product (dgemv), over every feature (the zeros place the lanes).
      y[i] = gemvDot(X, i * nFeatures, truth, 1, nFeatures) + bias;
      continue;
    }
    for (let t = 0; t < nTargets; t++) {
      let s = 0;
      // dgemm: the zero rows of the ground truth add exact zeros, so the informative ones suffice.
      for (let j = 0; j < nInformative; j++) s = fma(X[i * nFeatures + j]!, truth[j * nTargets + t]!, s);
      y[i * nTargets + t] = s + bias;
    }
  }
  if (noise > 0.0) {
    const e = generator.normal(0, noise, nSamples * nTargets);
    for (let q = 0; q < y.length; q++) y[q] = y[q]! + e[q]!;
  }
  if (shuffle) {
    const order = rowOrder(nSamples, generator);
    X = gatherRows(X, nFeatures, order);
    y = gatherRows(y, nTargets, order);
    const features = rowOrder(nFeatures, generator);
    X = gatherColumns(X, nFeatures, features);
    truth = gatherRows(truth, nTargets, features);
  }
  const one = nTargets === 1;
  return {
    X: new DenseArray(X, [nSamples, nFeatures]),
    y: new DenseArray(y, one ? [nSamples] : [nSamples, nTargets]),
    coef: new DenseArray(truth, one ? [nFeatures] : [nFeatures, nTargets]),
  };
}

/** Options of {@link sklearnMakeBlobs}: scikit-learn's parameters, camelCase, same defaults. */
export interface SklearnMakeBlobsOptions {
  /** Total samples split evenly over the centers (default 100; the remainder to the first ones), or the count of each blob. */
  nSamples?: number | readonly number[];
  /** Features of random centers (default 2; given centers fix it). */
  nFeatures?: number;
  /** Number of random centers (default 3, or one per entry of an nSamples list) or their coordinates. */
  centers?: number | readonly (readonly number[])[] | null;
  /** Standard deviation of every blob, or one per blob (default 1). */
  clusterStd?: number | readonly number[];
  /** Box of random centers (default [−10, 10]). */
  centerBox?: readonly [number, number];
  /** Shuffle the rows (default true). */
  shuffle?: boolean;
  /** A seed, a RandomState (advanced) or null (numpy's global generator; the default). */
  randomState?: SklearnRandomState;
}

/**
 * scikit-learn 1.2's `make_blobs` (with `return_centers=True`), the same numbers for the same
 * `randomState`: isotropic Gaussian blobs, X [n, nFeatures], labels y [n] (int32), and the centers.
 *
 * @example
 * const { X, y, centers } = sklearnMakeBlobs({ nSamples: 500, centers: 4, nFeatures: 3, randomState: 0 });
 */
export function sklearnMakeBlobs(options: SklearnMakeBlobsOptions = {}): {
  X: DenseArray<'float64'>;
  y: DenseArray<'int32'>;
  centers: DenseArray<'float64'>;
} {
  const fn = 'sklearnMakeBlobs';
  const nSamplesOpt = options.nSamples ?? 100;
  let nFeatures = checkInt(fn, 'nFeatures', options.nFeatures ?? 2, 1);
  const box = options.centerBox ?? [-10.0, 10.0];
  if (!Array.isArray(box) || box.length !== 2) checkParam(fn, 'centerBox', box, false, 'a pair [min, max]');
  const lo = checkReal(fn, 'centerBox[0]', box[0], null);
  const hi = checkReal(fn, 'centerBox[1]', box[1], null);
  const shuffle = options.shuffle ?? true;
  checkParam(fn, 'shuffle', shuffle, typeof shuffle === 'boolean', 'a boolean');
  const generator = randomStateOf(fn, options.randomState);

  const given = (c: readonly (readonly number[])[]): number[][] => {
    if (c.length === 0 || c.some((p) => !Array.isArray(p) || p.length !== c[0]!.length || p.length === 0)) {
      throw new RangeError(`${fn}: 'centers' must be a non-empty list of points of equal, non-zero length.`);
    }
    return c.map((p, k) => p.map((x, j) => checkReal(fn, `centers[${k}][${j}]`, x, null)));
  };
  const random = (k: number): number[][] => {
    const u = generator.uniform(lo, hi, k * nFeatures);
    return Array.from({ length: k }, (_, i) => Array.from(u.subarray(i * nFeatures, (i + 1) * nFeatures)));
  };
  let centers: number[][];
  let counts: number[];
  const c = options.centers ?? null;
  if (typeof nSamplesOpt === 'number') {
    const n = checkInt(fn, 'nSamples', nSamplesOpt, 1);
    if (c === null || typeof c === 'number') centers = random(checkInt(fn, 'centers', c ?? 3, 1));
    else if (Array.isArray(c)) centers = given(c);
    else
      throw new TypeError(`The 'centers' parameter of ${fn} must be an int, an array of points or null. Got ${JSON.stringify(c)} instead.`);
    const k = centers.length;
    counts = new Array<number>(k).fill(Math.floor(n / k));
    for (let i = 0; i < n % k; i++) counts[i]! += 1;
  } else {
    if (!Array.isArray(nSamplesOpt) || nSamplesOpt.length === 0)
      throw new TypeError(`The 'nSamples' parameter of ${fn} must be an int or a non-empty array of ints.`);
    counts = nSamplesOpt.map((v, i) => checkInt(fn, `nSamples[${i}]`, v, 0));
    if (c === null) centers = random(counts.length);
    else if (Array.isArray(c)) centers = given(c);
    else throw new TypeError(`The 'centers' parameter of ${fn} must be an array of points or null when nSamples is an array.`);
    if (centers.length !== counts.length) {
      throw new RangeError(
        `${fn}: the length of nSamples (${counts.length}) is not consistent with the number of centers (${centers.length}).`,
      );
    }
  }
  nFeatures = centers[0]!.length;
  const k = centers.length;
  const stdOpt = options.clusterStd ?? 1.0;
  if (typeof stdOpt !== 'number' && !Array.isArray(stdOpt))
    checkParam(fn, 'clusterStd', stdOpt, false, 'a non-negative float or one per center');
  const std =
    typeof stdOpt === 'number'
      ? new Array<number>(k).fill(checkReal(fn, 'clusterStd', stdOpt, 0))
      : stdOpt.map((s, i) => checkReal(fn, `clusterStd[${i}]`, s, 0));
  if (std.length !== k) throw new RangeError(`${fn}: clusterStd has ${std.length} values for ${k} centers.`);

  const total = counts.reduce((s, v) => s + v, 0);
  let X: Float64Array = new Float64Array(total * nFeatures);
  let y = new Int32Array(total);
  let row = 0;
  for (let i = 0; i < k; i++) {
    const center = centers[i]!;
    const s = std[i]!;
    for (let r = 0; r < counts[i]!; r++, row++) {
      y[row] = i;
      // numpy's legacy normal(loc, scale): loc + scale · gauss, in C order over (n, nFeatures).
      for (let j = 0; j < nFeatures; j++) X[row * nFeatures + j] = generator.normal(center[j]!, s);
    }
  }
  if (shuffle) {
    const order = rowOrder(total, generator);
    X = gatherRows(X, nFeatures, order);
    y = Int32Array.from(order, (i) => y[i]!);
  }
  return {
    X: new DenseArray(X, [total, nFeatures]),
    y: new DenseArray(y, [total]),
    centers: new DenseArray(Float64Array.from(centers.flat()), [k, nFeatures]),
  };
}
