/**
 * Principal component analysis fitted in parallel — scikit-learn 1.2's `PCA` (`decomposition/_pca.py`)
 * with dask's algorithms: the exact solvers decompose X through a tall-skinny QR (dask.array.linalg's
 * `tsqr`: a triangle per row block on the workers, triangles merged by a tree, the SVD of the
 * final d × d triangle on the main thread), the randomized one is dask's `svd_compressed` (power
 * iterations with a QR between them). See tsqr.ts and randomized_svd.ts for the passes; each
 * reads X once, as a parallel pass of one task per row block.
 *
 * Learned state (plain data, see base.ts):
 *   components_               DenseArray [k, d]   (signs: scikit-learn's svd_flip, decided on U)
 *   explainedVariance_        DenseArray [k]      (σ² / (n − 1))
 *   explainedVarianceRatio_   DenseArray [k]
 *   singularValues_           DenseArray [k]
 *   mean_                     DenseArray [d]
 *   nComponents_, nSamples_, nFeaturesIn_, noiseVariance_
 */
import { DenseArray, RandomState, allocate, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterRangeError } from '../errors.js';
import { checkLazyInput, isLazy, rejecting, rowBlocks } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, real, vector } from '../state_schema.js';
import {
  BOOLEAN,
  NULL,
  RANDOM_STATE,
  type Matrix,
  type MatrixLike,
  checkArray,
  checkFeatureCount,
  interval,
  options,
} from '../validation.js';
import { type SvdOutcome, type SvdPlan, inMemoryPasses, lazyPasses, runAsync, runSync, svdPasses } from './randomized_svd.js';

/** Hyperparameters of {@link PCA} (scikit-learn's, camelCase, same defaults; `copy`, `tol` and `powerIterationNormalizer` are not carried over). */
export interface PCAParams {
  /**
   * Components to keep: an int in [1, min(nSamples, nFeatures)]; a float in (0, 1), the fraction
   * of variance to explain; 'mle' (Minka's estimate, exact solvers); null: min(nSamples, nFeatures).
   */
  nComponents: number | 'mle' | null;
  /** Divide the transformed components by √explainedVariance_ (unit variance outputs). */
  whiten: boolean;
  /**
   * 'tsqr': exact, one pass with the centring fused into the QR (plus one pass for the signs);
   * 'full': exact, the mean first, then the QR of X − mean (scikit-learn's full solver's order);
   * 'randomized': dask's svd_compressed (nComponents an int); 'auto': 'randomized' when X has 500
   * or more features and an int nComponents below 80 % of them, else 'tsqr'.
   */
  svdSolver: 'auto' | 'full' | 'tsqr' | 'randomized';
  /** Power iterations of the randomized solver; 'auto': 7 when nComponents < 0.1·min(n, d), else 4 (scikit-learn's rule). */
  iteratedPower: number | 'auto';
  /** Extra columns of the randomized solver's sketch (q = nComponents + nOversamples, at most d). */
  nOversamples: number;
  /** Seed of the randomized solver's test matrix (numpy's RandomState(seed).normal, as scikit-learn draws it). */
  randomState: number | null;
}

export interface PCAState extends State {
  components_: DenseArray<'float64'>;
  explainedVariance_: DenseArray<'float64'>;
  explainedVarianceRatio_: DenseArray<'float64'>;
  singularValues_: DenseArray<'float64'>;
  mean_: DenseArray<'float64'>;
  nComponents_: number;
  noiseVariance_: number;
  nSamples_: number;
  nFeaturesIn_: number;
}

export interface PCA extends PCAParams {}

/** scipy's gammaln for the half-integers Minka's estimate needs (exact sums of logs). */
function lnGammaHalf(x: number): number {
  let acc = 0;
  if (Number.isInteger(x)) {
    for (let i = 2; i < x; i++) acc += Math.log(i);
    return acc;
  }
  acc = 0.5 * Math.log(Math.PI);
  for (let t = 0.5; t < x - 0.25; t += 1) acc += Math.log(t);
  return acc;
}

/** scikit-learn's `_assess_dimension`: the log-likelihood of rank `rank` (Minka 2000). */
function assessDimension(spectrum: Float64Array, rank: number, n: number): number {
  const d = spectrum.length;
  const eps = 1e-15;
  if (spectrum[rank - 1]! < eps) return -Infinity;
  let pu = -rank * Math.log(2);
  for (let i = 1; i <= rank; i++) pu += lnGammaHalf((d - i + 1) / 2) - (Math.log(Math.PI) * (d - i + 1)) / 2;
  let pl = 0;
  for (let i = 0; i < rank; i++) pl += Math.log(spectrum[i]!);
  pl = (-pl * n) / 2;
  let rest = 0;
  for (let i = rank; i < d; i++) rest += spectrum[i]!;
  const v = Math.max(eps, rest / (d - rank));
  const pv = (-Math.log(v) * n * (d - rank)) / 2;
  const m = d * rank - (rank * (rank + 1)) / 2;
  const pp = (Math.log(2 * Math.PI) * (m + rank)) / 2;
  let pa = 0;
  for (let i = 0; i < rank; i++) {
    for (let j = i + 1; j < d; j++) {
      const sj = j < rank ? spectrum[j]! : v;
      pa += Math.log((spectrum[i]! - spectrum[j]!) * (1 / sj - 1 / spectrum[i]!)) + Math.log(n);
    }
  }
  return pu + pl + pv + pp - pa / 2 - (rank * Math.log(n)) / 2;
}

/** scikit-learn's `_infer_dimension`: the rank in [1, d − 1] of highest likelihood (the first on ties). */
export function inferDimension(spectrum: Float64Array, n: number): number {
  let best = 0;
  let bestLl = -Infinity;
  for (let rank = 1; rank < spectrum.length; rank++) {
    const ll = assessDimension(spectrum, rank, n);
    if (ll > bestLl) {
      bestLl = ll;
      best = rank;
    }
  }
  return best;
}

/**
 * Principal component analysis — scikit-learn's `PCA` (1.2), fitted in parallel on lazy data: the
 * exact solvers give scikit-learn's full-SVD components (same signs), explained variances and
 * singular values to ~1e-12, from two passes over X ('tsqr'); `transform` on a lazy X is one fused
 * task per block, (X − mean_)·componentsᵀ evaluated as the block is read.
 *
 * @example
 * const { X } = await fromNpyDir('data/');
 * const pca = await new PCA({ nComponents: 5 }).fit(X);   // TSQR on every core
 * pca.explainedVarianceRatio_;                             // DenseArray [5]
 * await pca.transform(X).toNpyDir('projected/');           // lazy, one task per block
 */
export class PCA extends BaseEstimator<PCAParams, PCAState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'PCA';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<PCAParams> = Object.freeze({
    nComponents: null,
    whiten: false,
    svdSolver: 'auto',
    iteratedPower: 'auto',
    nOversamples: 10,
    randomState: null,
  } as PCAParams);
  static readonly constraints = {
    nComponents: [interval('int', 1, null, 'left'), interval('float', 0, 1, 'neither'), options('mle'), NULL],
    whiten: [BOOLEAN],
    svdSolver: [options('auto', 'full', 'tsqr', 'randomized')],
    iteratedPower: [interval('int', 0, null, 'left'), options('auto')],
    nOversamples: [interval('int', 1, null, 'left')],
    randomState: RANDOM_STATE,
  };
  /** Ratios are NaN for constant data (no variance at all), hence 'any'. */
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      nComponents_: count(1, 'k'),
      nSamples_: count(1),
      components_: matrix('k', 'd'),
      explainedVariance_: vector('k', { values: 'nonNegative' }),
      explainedVarianceRatio_: vector('k', { values: 'any' }),
      singularValues_: vector('k', { values: 'nonNegative' }),
      mean_: vector('d'),
      noiseVariance_: real('nonNegative'),
    },
  };

  constructor(options: Partial<PCAParams> = {}) {
    super(options);
  }

  /**
   * Fits the components. In memory: the same passes over X as one block, synchronously. A lazy X:
   * each pass one parallel pass of a task per row block (2 passes for 'tsqr', 3 for 'full',
   * iteratedPower + 2 for 'randomized'); the promise resolves with the fitted estimator.
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const m = checkArray(X, { caller: this.estimatorName });
    const plan = this.plan(m.nSamples, m.nFeatures);
    this.learned = this.stateFrom(runSync(svdPasses(plan, m.nFeatures), inMemoryPasses(m, `${this.estimatorName}.fit`)));
    return this;
  }

  /** Fits on a lazy X (see {@link fit}): every hyperparameter and shape check happens before the first pass. */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const Xr = rowBlocks(X, `${this.estimatorName}.fit`);
    const [n, d] = Xr.shape as [number, number];
    if (n === 0) throw new InvalidInputError(`${this.estimatorName}.fit: found array X with 0 samples, while a minimum of 1 is required.`);
    const plan = this.plan(n, d);
    const out = await runAsync(svdPasses(plan, d), lazyPasses(Xr, `${this.estimatorName}.fit`, options));
    this.learned = this.stateFrom(out);
    return this;
  }

  /** The solver actually used for X of n × d (resolves 'auto'). */
  solverFor(n: number, d: number): 'full' | 'tsqr' | 'randomized' {
    if (this.svdSolver !== 'auto') return this.svdSolver;
    const k = this.nComponents;
    return d >= 500 && typeof k === 'number' && Number.isInteger(k) && k < 0.8 * Math.min(n, d) ? 'randomized' : 'tsqr';
  }

  private rangeError(message: string): ParameterRangeError {
    return new ParameterRangeError(`${this.estimatorName}: ${message}`, this.estimatorName, 'nComponents', this.nComponents);
  }

  /** The plan for X of n × d, its nComponents checked against the shape. */
  private plan(n: number, d: number): SvdPlan {
    const solver = this.solverFor(n, d);
    const k = this.nComponents;
    const r = Math.min(n, d);
    // Variances divide by n − 1 (scikit-learn returns NaN for one row, with a warning).
    if (n < 2)
      throw new InvalidInputError(`${this.estimatorName}.fit: found array X with ${n} sample(s), while a minimum of 2 is required.`);
    if (solver === 'randomized') {
      if (typeof k !== 'number' || !Number.isInteger(k)) {
        throw this.rangeError(`nComponents=${JSON.stringify(k)} must be an int with svdSolver='randomized'.`);
      }
      if (k > r) throw this.rangeError(`nComponents=${k} must be between 1 and min(nSamples, nFeatures)=${r} with svdSolver='randomized'.`);
      const nIter = this.iteratedPower === 'auto' ? (k < 0.1 * r ? 7 : 4) : this.iteratedPower;
      const seed = this.randomState;
      return {
        solver,
        centre: true,
        components: () => k,
        randomized: {
          k,
          nOversamples: this.nOversamples,
          nIter,
          // scikit-learn's randomized_range_finder draws normal(size=(d, q)) row by row: transposed here.
          testMatrix: (q, dd) => {
            const g = new RandomState(seed ?? undefined).normal(0, 1, dd * q);
            const M = new Float64Array(q * dd);
            for (let c = 0; c < dd; c++) for (let j = 0; j < q; j++) M[j * dd + c] = g[c * q + j]!;
            return M;
          },
        },
      };
    }
    if (k === 'mle' && n < d) throw this.rangeError(`nComponents='mle' is only supported if nSamples >= nFeatures (got ${n} × ${d}).`);
    if (typeof k === 'number' && Number.isInteger(k) && k > r) {
      throw this.rangeError(`nComponents=${k} must be between 1 and min(nSamples, nFeatures)=${r} with svdSolver='${solver}'.`);
    }
    return {
      solver,
      centre: true,
      components: (s, rows) => {
        if (k === null) return s.length;
        const ev = s.map((x) => (x * x) / (rows - 1));
        if (k === 'mle') return Math.max(1, inferDimension(ev, rows));
        if (Number.isInteger(k)) return k;
        // The fewest components whose explained variance ratio sums past k (searchsorted 'right' + 1).
        let total = 0;
        for (const v of ev) total += v;
        let cum = 0;
        let count = 0;
        for (const v of ev) {
          cum += v / total;
          if (cum <= k) count++;
          else break;
        }
        return Math.min(count + 1, s.length);
      },
    };
  }

  private stateFrom(o: SvdOutcome): PCAState {
    const { n, d, k, s } = o;
    const r = Math.min(n, d);
    const ev = s.map((x) => (x * x) / (n - 1));
    let total = 0;
    if (o.s.length === r && this.solverFor(n, d) !== 'randomized') for (const v of ev) total += v;
    else for (const v of o.m2) total += v / (n - 1);
    let noise = 0;
    if (k < r) {
      if (this.solverFor(n, d) === 'randomized') {
        let kept = 0;
        for (let c = 0; c < k; c++) kept += ev[c]!;
        noise = (total - kept) / (r - k);
      } else {
        let acc = 0;
        for (let c = k; c < r; c++) acc += ev[c]!;
        noise = acc / (r - k);
      }
    }
    return {
      components_: new DenseArray(o.vt, [k, d]),
      explainedVariance_: new DenseArray(ev.slice(0, k), [k]),
      explainedVarianceRatio_: new DenseArray(
        ev.slice(0, k).map((v) => v / total),
        [k],
      ),
      singularValues_: new DenseArray(s.slice(0, k), [k]),
      mean_: new DenseArray(o.mean, [d]),
      nComponents_: k,
      noiseVariance_: Math.max(0, noise),
      nSamples_: n,
      nFeaturesIn_: d,
    };
  }

  /** `transform` gives one column per component; `inverseTransform` gives the features back. */
  override outputWidth(method: ApplyMethod): number | null {
    return method === 'transform' ? this.fitted.nComponents_ : super.outputWidth(method);
  }

  /** Components as the d × k right operand of X·W (W[j, c] = components_[c, j]). */
  private projection(): DenseArray<'float64'> {
    const s = this.fitted;
    const k = s.nComponents_;
    const d = s.nFeaturesIn_;
    const W = new Float64Array(d * k);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) W[j * k + c] = s.components_.data[c * d + j]!;
    return new DenseArray(W, [d, k]);
  }

  private whitening(): DenseArray<'float64'> {
    return new DenseArray(this.fitted.explainedVariance_.data.map(Math.sqrt), [this.fitted.nComponents_]);
  }

  /**
   * (X − mean_)·components_ᵀ (÷ √explainedVariance_ when whiten), [n, k]. A lazy X: the lazy
   * {@link transformLazy}, whose blocks equal the in-memory result bit for bit.
   */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    return project(m, s.mean_.data, this.projection().data, s.nComponents_, this.whiten ? this.whitening().data : null);
  }

  /**
   * The lazy transform: `X.sub(mean_).dot(W)` (then `.div(√explainedVariance_)` when whiten) — one
   * task per block that reads the block (or evaluates a scaler's expression before it) tile by
   * tile, centres and multiplies; the whitening is an expression fused into the consumer.
   */
  transformLazy(X: NDArray): NDArray {
    const s = this.fitted;
    checkLazyInput(this, X);
    const out = rowBlocks(X, `${this.estimatorName}.transform`).sub(s.mean_).dot(this.projection());
    return this.whiten ? out.div(this.whitening()) : out;
  }

  /** Back to feature space: X·components_ (scaled by √explainedVariance_ when whiten) + mean_, [n, d]; lazy for a lazy X. */
  inverseTransform(X: NDArray): NDArray;
  inverseTransform(X: MatrixLike): DenseArray<'float64'>;
  inverseTransform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    const s = this.fitted;
    const k = s.nComponents_;
    const caller = `${this.estimatorName}.inverseTransform`;
    const basis = this.basis();
    if (isLazy(X)) {
      const Xr = rowBlocks(X, caller);
      if (Xr.shape[1] !== k) throw new InvalidInputError(`${caller}: X has ${Xr.shape[1]} columns, but the model has ${k} components.`);
      return Xr.dot(basis).add(s.mean_);
    }
    const m = checkArray(X, { caller });
    if (m.nFeatures !== k) throw new InvalidInputError(`${caller}: X has ${m.nFeatures} columns, but the model has ${k} components.`);
    const d = s.nFeaturesIn_;
    const n = m.nSamples;
    const out = allocate('float64', n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let acc = 0;
        for (let c = 0; c < k; c++) acc += m.data[i * k + c]! * basis.data[c * d + j]!;
        out[i * d + j] = acc + s.mean_.data[j]!;
      }
    }
    return new DenseArray(out, [n, d]);
  }

  /** components_, each row scaled by √explainedVariance_ when whiten: [k, d]. */
  private basis(): DenseArray<'float64'> {
    const s = this.fitted;
    if (!this.whiten) return s.components_;
    const { nComponents_: k, nFeaturesIn_: d } = s;
    const out = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      const f = Math.sqrt(s.explainedVariance_.data[c]!);
      for (let j = 0; j < d; j++) out[c * d + j] = f * s.components_.data[c * d + j]!;
    }
    return new DenseArray(out, [k, d]);
  }

  /**
   * fit, then transform (X·V rather than scikit-learn's U·S: equal up to rounding). A lazy X:
   * resolves with the lazy transform once fitted.
   */
  fitTransform(X: NDArray, options?: LazyOptions): Promise<NDArray>;
  fitTransform(X: MatrixLike): DenseArray<'float64'>;
  fitTransform(X: MatrixLike | NDArray, options: LazyOptions = {}): DenseArray<'float64'> | Promise<NDArray> {
    if (isLazy(X)) return this.fit(X, options).then((f) => f.transformLazy(X));
    return this.fit(X).transform(X);
  }

  get components_(): DenseArray<'float64'> {
    return this.fitted.components_;
  }
  get explainedVariance_(): DenseArray<'float64'> {
    return this.fitted.explainedVariance_;
  }
  get explainedVarianceRatio_(): DenseArray<'float64'> {
    return this.fitted.explainedVarianceRatio_;
  }
  get singularValues_(): DenseArray<'float64'> {
    return this.fitted.singularValues_;
  }
  get mean_(): DenseArray<'float64'> {
    return this.fitted.mean_;
  }
  get nComponents_(): number {
    return this.fitted.nComponents_;
  }
  get noiseVariance_(): number {
    return this.fitted.noiseVariance_;
  }
  get nSamples_(): number {
    return this.fitted.nSamples_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

/**
 * (X − centre)·W (÷ scale), [n, k]: in the order of the array package's dot kernel (a sum over
 * the columns in order), so the in-memory and the lazy transform agree bit for bit.
 */
export function project(
  m: Matrix,
  centre: Float64Array | null,
  W: Float64Array,
  k: number,
  scale: Float64Array | null,
): DenseArray<'float64'> {
  const { data, nSamples: n, nFeatures: d } = m;
  const out = allocate('float64', n * k);
  const x = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) x[j] = centre === null ? data[i * d + j]! : data[i * d + j]! - centre[j]!;
    for (let c = 0; c < k; c++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += x[j]! * W[j * k + c]!;
      out[i * k + c] = scale === null ? acc : acc / scale[c]!;
    }
  }
  return new DenseArray(out, [n, k]);
}

registerEstimator(PCA);
