/**
 * Incremental principal component analysis, a port of scikit-learn 1.2's `IncrementalPCA`
 * (`decomposition/_incremental_pca.py`, after Ross et al. 2008): each block is centred, stacked
 * under the previous components scaled by their singular values and a mean-correction row, and
 * decomposed by an SVD; the column mean and variance are updated with the corrected two-pass
 * formula of `_incremental_mean_and_var`. Signs follow `svd_flip(u_based_decision=False)`.
 *
 * Learned state (plain data, see base.ts):
 *   components_               DenseArray [k, d]
 *   singularValues_           DenseArray [k]
 *   explainedVariance_        DenseArray [k]
 *   explainedVarianceRatio_   DenseArray [k]
 *   mean_, var_               DenseArray [d]
 *   noiseVariance_            number
 *   nSamplesSeen_             number
 *   nComponents_              number (k)
 *   nFeaturesIn_              number (d)
 *   batchSize_                number | null (rows per batch used by the last fit)
 */
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import type { NDArray } from '@tessera/array';
import { isLazy, lazyMethod, rejecting, rowBlocks } from '../ooc/lazy.js';
import { partialFitChain } from '../ooc/chain.js';
import { DenseArray, allocate } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import { InvalidInputError } from '../errors.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, nullable, real, vector } from '../state_schema.js';
import { BOOLEAN, NULL, type Matrix, type MatrixLike, checkArray, checkFeatureCount, interval } from '../validation.js';
import { rightSingular, svdFlipRows } from './svd.js';

/** Hyperparameters of {@link IncrementalPCA} (scikit-learn's, camelCase, same defaults; `copy` is not carried over). */
export interface IncrementalPCAParams {
  /** Components to keep; null = min(rows of the first block, features). */
  nComponents: number | null;
  /** Divide transformed components by the square root of their explained variance. */
  whiten: boolean;
  /** Rows per batch in `fit`; null = 5 × features. */
  batchSize: number | null;
}

export interface IncrementalPCAState extends State {
  components_: DenseArray<'float64'>;
  singularValues_: DenseArray<'float64'>;
  explainedVariance_: DenseArray<'float64'>;
  explainedVarianceRatio_: DenseArray<'float64'>;
  mean_: DenseArray<'float64'>;
  var_: DenseArray<'float64'>;
  noiseVariance_: number;
  nSamplesSeen_: number;
  nComponents_: number;
  nFeaturesIn_: number;
  batchSize_: number | null;
}

export interface IncrementalPCA extends IncrementalPCAParams {}

/**
 * Principal components of data seen block by block — scikit-learn's `IncrementalPCA`: feeding the
 * same blocks to `partialFit` reproduces scikit-learn 1.2's components (same signs), singular
 * values, explained variances, mean and variance to ~1e-12. Out of core, wrap it in `Incremental`.
 *
 * @example
 * const pca = new IncrementalPCA({ nComponents: 3 });
 * for (const X of blocks) pca.partialFit(X);
 * pca.transform(X);              // [n, 3]
 * pca.explainedVarianceRatio_;   // DenseArray [3]
 */
export class IncrementalPCA extends BaseEstimator<IncrementalPCAParams, IncrementalPCAState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'IncrementalPCA';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<IncrementalPCAParams> = Object.freeze({ nComponents: null, whiten: false, batchSize: null });
  static readonly constraints = {
    nComponents: [interval('int', 1, null, 'left'), NULL],
    whiten: [BOOLEAN],
    batchSize: [interval('int', 1, null, 'left'), NULL],
  };
  /** Explained variances may be NaN or Infinity (one row seen; no variance at all), hence 'any'. */
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      nComponents_: count(1, 'k'),
      components_: matrix('k', 'd'),
      singularValues_: vector('k', { values: 'nonNegative' }),
      explainedVariance_: vector('k', { values: 'any' }),
      explainedVarianceRatio_: vector('k', { values: 'any' }),
      mean_: vector('d'),
      var_: vector('d'),
      noiseVariance_: real('any'),
      nSamplesSeen_: count(1),
      batchSize_: nullable(count(1)),
    },
  };

  constructor(options: Partial<IncrementalPCAParams> = {}) {
    super(options);
  }

  /**
   * Forgets any previous state and fits X in batches of `batchSize` rows (scikit-learn's fit). A
   * lazy X (dask-ml's IncrementalPCA takes dask arrays): the same batches, as a partialFit chain
   * over blocks made of whole batches — the same components as the in-memory fit, bit for bit —
   * and the promise resolves with the fitted estimator.
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const m = checkArray(X, { caller: this.estimatorName });
    const batch = this.batchSize ?? 5 * m.nFeatures;
    this.learned = { ...this.updateBatches(null, m, batch), batchSize_: batch };
    return this;
  }

  /**
   * The lazy fit: X's rows regrouped into blocks of whole batches (the last block takes the rest),
   * each link running scikit-learn's `gen_batches` over its block — which, blocks being whole
   * batches, gives exactly the batches of the in-memory fit.
   */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const Xr = rowBlocks(X, `${this.estimatorName}.fit`);
    const [n, d] = Xr.shape as [number, number];
    const batch = this.batchSize ?? 5 * d;
    const perBlock = Math.max(1, Math.floor((Xr.chunks[0]![0] ?? batch) / batch));
    const sizes: number[] = [];
    for (let r = 0; r < n; r += perBlock * batch) sizes.push(Math.min(perBlock * batch, n - r));
    // A last block shorter than a batch belongs to the batch before it (gen_batches merges it).
    if (sizes.length > 1 && sizes[sizes.length - 1]! < batch) sizes[sizes.length - 2]! += sizes.pop()!;
    const blocks = Xr.rechunk([sizes.length ? sizes : [0], [d]]);
    const plan = {
      epochs: 1,
      shuffleBlocks: false,
      randomState: null,
      fitOptions: { batchSize: batch },
      caller: `${this.estimatorName}.fit`,
    };
    const fitted = await partialFitChain(this.clone(), blocks, undefined, plan, options);
    this.setState({ ...fitted.getState(), batchSize_: batch });
    return this;
  }

  /**
   * Updates the components with one block (scikit-learn's `partial_fit`); with `batchSize`, with
   * the block's rows in batches of that many, as `fit` does.
   */
  partialFit(X: MatrixLike, options: { batchSize?: number } = {}): this {
    const name = this.estimatorName;
    const prev = this.learned ?? null;
    // Every call: a setParams between calls is validated too (scikit-learn 1.2 checks only the first).
    this.checkParams();
    const m = checkArray(X, { caller: name });
    if (prev !== null) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const batch = options.batchSize;
    if (batch !== undefined && !(Number.isInteger(batch) && batch >= 1)) {
      throw new RangeError(`${name}.partialFit: the 'batchSize' option must be a positive integer. Got ${String(batch)} instead.`);
    }
    this.learned =
      batch === undefined ? this.update(prev, m) : { ...this.updateBatches(prev, m, batch), batchSize_: prev?.batchSize_ ?? null };
    return this;
  }

  /**
   * The rows of `m` in batches of `batch` (scikit-learn's gen_batches(n, batch,
   * min_batch_size=nComponents): a batch that would leave fewer than nComponents rows behind is
   * merged into the last one), each an update of the state.
   */
  private updateBatches(prev: IncrementalPCAState | null, m: Matrix, batch: number): IncrementalPCAState {
    const { data, nSamples: n, nFeatures: d } = m;
    const minBatch = this.nComponents ?? 0;
    let state = prev;
    let start = 0;
    for (let b = 0; b < Math.floor(n / batch); b++) {
      const end = start + batch;
      if (end + minBatch > n) continue;
      state = this.update(state, { data: data.subarray(start * d, end * d), nSamples: end - start, nFeatures: d });
      start = end;
    }
    if (start < n) state = this.update(state, { data: data.subarray(start * d, n * d), nSamples: n - start, nFeatures: d });
    return state!;
  }

  private update(prev: IncrementalPCAState | null, m: Matrix): IncrementalPCAState {
    const name = this.estimatorName;
    const { data: X, nSamples: n, nFeatures: d } = m;
    let k: number;
    if (this.nComponents === null) {
      k = prev === null ? Math.min(n, d) : prev.nComponents_;
    } else if (!(this.nComponents <= d)) {
      throw new InvalidInputError(
        `${name}: nComponents=${this.nComponents} invalid for nFeatures=${d}, need more rows than columns for IncrementalPCA processing.`,
      );
    } else if (!(this.nComponents <= n)) {
      throw new InvalidInputError(`${name}: nComponents=${this.nComponents} must be less or equal to the batch number of samples ${n}.`);
    } else {
      k = this.nComponents;
    }
    if (prev !== null && prev.nComponents_ !== k) {
      throw new InvalidInputError(
        `${name}: the number of components changed from ${prev.nComponents_} to ${k} between calls to partialFit; set nComponents to a fixed value.`,
      );
    }
    // _incremental_mean_and_var with the sums of this block.
    const lastCount = prev === null ? 0 : prev.nSamplesSeen_;
    const lastMean = prev === null ? null : prev.mean_.data;
    const lastVar = prev === null ? null : prev.var_.data;
    const newSum = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) newSum[j] = newSum[j]! + X[i * d + j]!;
    const total = lastCount + n;
    const colMean = new Float64Array(d);
    const colVar = new Float64Array(d);
    const correction = new Float64Array(d);
    const sq = new Float64Array(d);
    const T = new Float64Array(d);
    for (let j = 0; j < d; j++) T[j] = newSum[j]! / n;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const t = X[i * d + j]! - T[j]!;
        correction[j] = correction[j]! + t;
        sq[j] = sq[j]! + t * t;
      }
    }
    for (let j = 0; j < d; j++) {
      const lastSum = lastMean === null ? 0 : lastMean[j]! * lastCount;
      colMean[j] = (lastSum + newSum[j]!) / total;
      const newUnnorm = sq[j]! - (correction[j]! * correction[j]!) / n;
      let unnorm: number;
      if (lastCount === 0) {
        unnorm = newUnnorm;
      } else {
        const lastUnnorm = lastVar![j]! * lastCount;
        const lon = lastCount / n;
        const diff = lastSum / lon - newSum[j]!;
        unnorm = lastUnnorm + newUnnorm + (lon / total) * (diff * diff);
      }
      colVar[j] = unnorm / total;
    }
    // The matrix to decompose.
    let rows: number;
    let A: Float64Array;
    if (prev === null) {
      rows = n;
      A = new Float64Array(n * d);
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) A[i * d + j] = X[i * d + j]! - colMean[j]!;
    } else {
      const kPrev = prev.components_.shape[0]!;
      rows = kPrev + n + 1;
      A = new Float64Array(rows * d);
      const comps = prev.components_.data;
      const sv = prev.singularValues_.data;
      for (let c = 0; c < kPrev; c++) for (let j = 0; j < d; j++) A[c * d + j] = sv[c]! * comps[c * d + j]!;
      const batchMean = new Float64Array(d);
      for (let j = 0; j < d; j++) batchMean[j] = newSum[j]! / n;
      const o = kPrev * d;
      for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) A[o + i * d + j] = X[i * d + j]! - batchMean[j]!;
      const f = Math.sqrt((lastCount / total) * n);
      const last = (rows - 1) * d;
      for (let j = 0; j < d; j++) A[last + j] = f * (lastMean![j]! - batchMean[j]!);
    }
    const { s, vt } = rightSingular(A, rows, d);
    const r = s.length;
    svdFlipRows(vt, r, d);
    let varTotal = 0;
    for (let j = 0; j < d; j++) varTotal += colVar[j]! * total;
    const explained = new Float64Array(r);
    const ratio = new Float64Array(r);
    for (let c = 0; c < r; c++) {
      const s2 = s[c]! * s[c]!;
      explained[c] = s2 / (total - 1);
      ratio[c] = s2 / varTotal;
    }
    let noise = 0;
    if (k !== n && k !== d) {
      let acc = 0;
      for (let c = k; c < r; c++) acc += explained[c]!;
      noise = r > k ? acc / (r - k) : Number.NaN;
    }
    return {
      components_: new DenseArray(vt.slice(0, k * d), [k, d]),
      singularValues_: new DenseArray(s.slice(0, k), [k]),
      explainedVariance_: new DenseArray(explained.slice(0, k), [k]),
      explainedVarianceRatio_: new DenseArray(ratio.slice(0, k), [k]),
      mean_: new DenseArray(colMean, [d]),
      var_: new DenseArray(colVar, [d]),
      noiseVariance_: noise,
      nSamplesSeen_: total,
      nComponents_: k,
      nFeaturesIn_: d,
      batchSize_: prev === null ? null : prev.batchSize_,
    };
  }

  /** The lazy transform: the in-memory one block by block, in parallel. */
  transformLazy(X: NDArray): NDArray {
    return lazyMethod(this, X, 'transform', this.fitted.nComponents_);
  }

  /** `transform` gives one column per component; `inverseTransform` gives the features back. */
  override outputWidth(method: ApplyMethod): number | null {
    return method === 'transform' ? this.fitted.nComponents_ : super.outputWidth(method);
  }

  /** Projection of X on the components: (X − mean_)·components_ᵀ (÷ √explainedVariance_ when whiten), [n, k]; lazy (block by block) for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const k = s.nComponents_;
    const comps = s.components_.data;
    const mean = s.mean_.data;
    const out = allocate('float64', n * k);
    const centred = new Float64Array(d);
    const scale = this.whiten ? s.explainedVariance_.data.map(Math.sqrt) : null;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) centred[j] = data[i * d + j]! - mean[j]!;
      for (let c = 0; c < k; c++) {
        let acc = 0;
        for (let j = 0; j < d; j++) acc += centred[j]! * comps[c * d + j]!;
        out[i * k + c] = scale === null ? acc : acc / scale[c]!;
      }
    }
    return new DenseArray(out, [n, k]);
  }

  /** Back to feature space: X·components_ + mean_ (undoing the whitening when whiten), [n, d]. */
  inverseTransform(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const m = checkArray(X, { caller: `${this.estimatorName}.inverseTransform` });
    const k = s.nComponents_;
    if (m.nFeatures !== k)
      throw new InvalidInputError(
        `${this.estimatorName}.inverseTransform: X has ${m.nFeatures} columns, but the model has ${k} components.`,
      );
    const d = s.nFeaturesIn_;
    const n = m.nSamples;
    const comps = s.components_.data;
    const basis = new Float64Array(k * d);
    for (let c = 0; c < k; c++) {
      const f = this.whiten ? Math.sqrt(s.explainedVariance_.data[c]!) : 1;
      for (let j = 0; j < d; j++) basis[c * d + j] = this.whiten ? f * comps[c * d + j]! : comps[c * d + j]!;
    }
    const out = allocate('float64', n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        let acc = 0;
        for (let c = 0; c < k; c++) acc += m.data[i * k + c]! * basis[c * d + j]!;
        out[i * d + j] = acc + s.mean_.data[j]!;
      }
    }
    return new DenseArray(out, [n, d]);
  }

  /** fit, then transform. */
  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }

  get components_(): DenseArray<'float64'> {
    return this.fitted.components_;
  }
  get singularValues_(): DenseArray<'float64'> {
    return this.fitted.singularValues_;
  }
  get explainedVariance_(): DenseArray<'float64'> {
    return this.fitted.explainedVariance_;
  }
  get explainedVarianceRatio_(): DenseArray<'float64'> {
    return this.fitted.explainedVarianceRatio_;
  }
  get mean_(): DenseArray<'float64'> {
    return this.fitted.mean_;
  }
  get var_(): DenseArray<'float64'> {
    return this.fitted.var_;
  }
  get noiseVariance_(): number {
    return this.fitted.noiseVariance_;
  }
  get nSamplesSeen_(): number {
    return this.fitted.nSamplesSeen_;
  }
  get nComponents_(): number {
    return this.fitted.nComponents_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
  get batchSize_(): number | null {
    return this.fitted.batchSize_;
  }
}

registerEstimator(IncrementalPCA);
