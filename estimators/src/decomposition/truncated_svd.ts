/**
 * Truncated SVD (latent semantic analysis) fitted in parallel — scikit-learn 1.2's `TruncatedSVD`
 * (`decomposition/_truncated_svd.py`) on dense data, without centring: 'tsqr' decomposes X exactly
 * through a tall-skinny QR (scikit-learn's 'arpack' answer, to rounding), 'randomized' is dask's
 * `svd_compressed`. Passes as in randomized_svd.ts: 2 for 'tsqr', nIter + 2 for 'randomized'.
 *
 * Learned state (plain data, see base.ts):
 *   components_               DenseArray [k, d]   (signs: svd_flip decided on U)
 *   explainedVariance_        DenseArray [k]      (variance of each column of X·componentsᵀ)
 *   explainedVarianceRatio_   DenseArray [k]      (÷ the sum of X's column variances)
 *   singularValues_           DenseArray [k]
 *   nFeaturesIn_
 */
import { DenseArray, RandomState, allocate, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterRangeError } from '../errors.js';
import { checkLazyInput, isLazy, rejecting, rowBlocks } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, vector } from '../state_schema.js';
import { RANDOM_STATE, type MatrixLike, checkArray, checkFeatureCount, interval, options } from '../validation.js';
import { project } from './pca.js';
import { type SvdOutcome, type SvdPlan, inMemoryPasses, lazyPasses, runAsync, runSync, svdPasses } from './randomized_svd.js';

/** Hyperparameters of {@link TruncatedSVD} (scikit-learn's, camelCase, same defaults; `tol` and `powerIterationNormalizer` are not carried over). */
export interface TruncatedSVDParams {
  /** Components to keep: an int in [1, nFeatures] (and at most nSamples). */
  nComponents: number;
  /** 'randomized' (dask's svd_compressed) or 'tsqr' (exact: scikit-learn's 'arpack' result). */
  algorithm: 'randomized' | 'tsqr';
  /** Power iterations of the randomized algorithm. */
  nIter: number;
  /** Extra columns of the randomized sketch (q = nComponents + nOversamples, at most d). */
  nOversamples: number;
  /** Seed of the randomized algorithm's test matrix (numpy's RandomState). */
  randomState: number | null;
}

export interface TruncatedSVDState extends State {
  components_: DenseArray<'float64'>;
  explainedVariance_: DenseArray<'float64'>;
  explainedVarianceRatio_: DenseArray<'float64'>;
  singularValues_: DenseArray<'float64'>;
  nFeaturesIn_: number;
}

export interface TruncatedSVD extends TruncatedSVDParams {}

/**
 * Dimensionality reduction by a truncated SVD of X, uncentred — scikit-learn's `TruncatedSVD`,
 * fitted in parallel on lazy data; `transform` on a lazy X is X·componentsᵀ, one task per block.
 *
 * @example
 * const svd = await new TruncatedSVD({ nComponents: 3, algorithm: 'tsqr' }).fit(X);
 * svd.singularValues_;                 // DenseArray [3]
 * const Z = svd.transform(X);          // lazy [n, 3]
 */
export class TruncatedSVD extends BaseEstimator<TruncatedSVDParams, TruncatedSVDState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'TruncatedSVD';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<TruncatedSVDParams> = Object.freeze({
    nComponents: 2,
    algorithm: 'randomized',
    nIter: 5,
    nOversamples: 10,
    randomState: null,
  } as TruncatedSVDParams);
  static readonly constraints = {
    nComponents: [interval('int', 1, null, 'left')],
    algorithm: [options('randomized', 'tsqr')],
    nIter: [interval('int', 0, null, 'left')],
    nOversamples: [interval('int', 1, null, 'left')],
    randomState: RANDOM_STATE,
  };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      components_: matrix('k', 'd'),
      explainedVariance_: vector('k', { values: 'nonNegative' }),
      explainedVarianceRatio_: vector('k', { values: 'any' }),
      singularValues_: vector('k', { values: 'nonNegative' }),
    },
  };

  constructor(options: Partial<TruncatedSVDParams> = {}) {
    super(options);
  }

  /** Fits the components: in memory synchronously; on a lazy X one parallel pass per pass of the algorithm (the promise resolves with the estimator). */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const m = checkArray(X, { caller: this.estimatorName });
    const plan = this.plan(m.nSamples, m.nFeatures);
    this.learned = stateFrom(runSync(svdPasses(plan, m.nFeatures), inMemoryPasses(m, `${this.estimatorName}.fit`)));
    return this;
  }

  /** Fits on a lazy X (see {@link fit}); nComponents is checked against X's shape before any pass. */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const Xr = rowBlocks(X, `${this.estimatorName}.fit`);
    const [n, d] = Xr.shape as [number, number];
    if (n === 0) throw new InvalidInputError(`${this.estimatorName}.fit: found array X with 0 samples, while a minimum of 1 is required.`);
    const plan = this.plan(n, d);
    this.learned = stateFrom(await runAsync(svdPasses(plan, d), lazyPasses(Xr, `${this.estimatorName}.fit`, options)));
    return this;
  }

  private plan(n: number, d: number): SvdPlan {
    const k = this.nComponents;
    const name = this.estimatorName;
    if (d < 2) throw new InvalidInputError(`${name}: found array with ${d} feature(s) while a minimum of 2 is required.`);
    if (k > d || k > n) {
      throw new ParameterRangeError(
        `${name}: nComponents=${k} must be at most min(nSamples, nFeatures)=${Math.min(n, d)}.`,
        name,
        'nComponents',
        k,
      );
    }
    const seed = this.randomState;
    return {
      solver: this.algorithm === 'tsqr' ? 'tsqr' : 'randomized',
      centre: false,
      components: () => k,
      randomized: {
        k,
        nOversamples: this.nOversamples,
        nIter: this.nIter,
        testMatrix: (q, dd) => {
          const g = new RandomState(seed ?? undefined).normal(0, 1, dd * q);
          const M = new Float64Array(q * dd);
          for (let c = 0; c < dd; c++) for (let j = 0; j < q; j++) M[j * dd + c] = g[c * q + j]!;
          return M;
        },
      },
    };
  }

  override outputWidth(method: ApplyMethod): number | null {
    return method === 'transform' ? this.fitted.components_.shape[0]! : super.outputWidth(method);
  }

  /** Components as the d × k right operand of X·W. */
  private projection(): DenseArray<'float64'> {
    const s = this.fitted;
    const [k, d] = s.components_.shape as [number, number];
    const W = new Float64Array(d * k);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) W[j * k + c] = s.components_.data[c * d + j]!;
    return new DenseArray(W, [d, k]);
  }

  /** X·components_ᵀ, [n, k]; lazy for a lazy X (equal to the in-memory result bit for bit). */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    return project(m, null, this.projection().data, s.components_.shape[0]!, null);
  }

  /** The lazy transform: `X.dot(W)`, one task per block reading (or evaluating) the block tile by tile. */
  transformLazy(X: NDArray): NDArray {
    checkLazyInput(this, X);
    return rowBlocks(X, `${this.estimatorName}.transform`).dot(this.projection());
  }

  /** X·components_, [n, d]; lazy for a lazy X. */
  inverseTransform(X: NDArray): NDArray;
  inverseTransform(X: MatrixLike): DenseArray<'float64'>;
  inverseTransform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    const s = this.fitted;
    const [k, d] = s.components_.shape as [number, number];
    const caller = `${this.estimatorName}.inverseTransform`;
    if (isLazy(X)) {
      const Xr = rowBlocks(X, caller);
      if (Xr.shape[1] !== k) throw new InvalidInputError(`${caller}: X has ${Xr.shape[1]} columns, but the model has ${k} components.`);
      return Xr.dot(s.components_);
    }
    const m = checkArray(X, { caller });
    if (m.nFeatures !== k) throw new InvalidInputError(`${caller}: X has ${m.nFeatures} columns, but the model has ${k} components.`);
    const out = allocate('float64', m.nSamples * d);
    for (let i = 0; i < m.nSamples; i++) {
      for (let j = 0; j < d; j++) {
        let acc = 0;
        for (let c = 0; c < k; c++) acc += m.data[i * k + c]! * s.components_.data[c * d + j]!;
        out[i * d + j] = acc;
      }
    }
    return new DenseArray(out, [m.nSamples, d]);
  }

  /** fit, then transform (a lazy X: resolves with the lazy transform). */
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
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

/** scikit-learn's attributes from the outcome: variances of X·Vᵀ's columns (ddof 0), over the total of X's. */
function stateFrom(o: SvdOutcome): TruncatedSVDState {
  const { n, d, k } = o;
  let full = 0;
  for (const v of o.m2) full += v / n;
  const ev = o.projection.m2.map((v) => v / n);
  return {
    components_: new DenseArray(o.vt, [k, d]),
    explainedVariance_: new DenseArray(ev, [k]),
    explainedVarianceRatio_: new DenseArray(
      ev.map((v) => v / full),
      [k],
    ),
    singularValues_: new DenseArray(o.s.slice(0, k), [k]),
    nFeaturesIn_: d,
  };
}

registerEstimator(TruncatedSVD);
