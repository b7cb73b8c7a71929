/**
 * StandardScaler, MinMaxScaler and MaxAbsScaler with scikit-learn's definitions. All accept
 * blocks or number[][] and return float64 DenseArrays over shared memory; NaN and ±Infinity are
 * rejected (scikit-learn's scalers skip NaN; Tessera's estimators reject it everywhere, naming
 * the row and column).
 *
 * On a lazy X (an NDArray, as dask-ml's scalers take dask arrays) `fit` returns a promise and fits
 * from one parallel pass of block statistics (moments, or extrema), and `transform` returns a lazy
 * elementwise expression that whatever consumes it evaluates inside its own tasks — the out-of-core
 * contract's {@link LazyFitter} and {@link LazyTransformer}, which pipelines use for these steps.
 */
import { DenseArray, allocate, computeAll, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { checkLazyInput, isLazy, lazyExtrema, lazyMoments, rejecting } from '../ooc/lazy.js';
import { ParameterRangeError } from '../errors.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, nullable, real, vector } from '../state_schema.js';
import { BOOLEAN, PAIR, type Matrix, type MatrixLike, type VectorLike, checkArray, checkFeatureCount } from '../validation.js';
import { type Moments, blockMoments, combineMoments } from './moments.js';

const EPS = Number.EPSILON;

/**
 * Column extrema as two rows, [min; max]: fitting a min/max scaler on them is fitting it on the
 * rows they came from (what the lazy fits do with one parallel pass of extrema).
 */
function extremaRows(e: { min: Float64Array; max: Float64Array }): DenseArray<'float64'> {
  const d = e.min.length;
  const rows = DenseArray.zeros([2, d]);
  rows.data.set(e.min, 0);
  rows.data.set(e.max, d);
  return rows as DenseArray<'float64'>;
}

function allFinite(a: ArrayLike<number>): boolean {
  for (let j = 0; j < a.length; j++) if (!Number.isFinite(a[j]!)) return false;
  return true;
}

function dense(data: Float64Array): DenseArray<'float64'> {
  return new DenseArray(data, [data.length]);
}

/** Scales near zero (below 10·eps) become 1, so constant features are left unscaled (scikit-learn's _handle_zeros_in_scale). */
function handleZerosInScale(scale: Float64Array, constantMask?: Uint8Array): Float64Array {
  const out = scale.slice();
  for (let j = 0; j < out.length; j++) {
    const constant = constantMask !== undefined ? constantMask[j] === 1 : out[j]! < 10 * EPS;
    if (constant) out[j] = 1;
  }
  return out;
}

function elementwise(caller: string, X: MatrixLike, nFeaturesIn: number, f: (v: number, j: number) => number): DenseArray<'float64'> {
  const m = checkArray(X, { caller });
  checkFeatureCount(caller, nFeaturesIn, m.nFeatures);
  const { data, nSamples: n, nFeatures: d } = m;
  const out = allocate('float64', n * d);
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let j = 0; j < d; j++) out[off + j] = f(data[off + j]!, j);
  }
  return new DenseArray(out, [n, d]);
}

// ---------------------------------------------------------------------------------------------

export interface StandardScalerParams {
  withMean: boolean;
  withStd: boolean;
}

export interface StandardScalerState extends State {
  /** Per-feature mean; null when withMean and withStd are both false. */
  mean_: DenseArray<'float64'> | null;
  /** Per-feature variance (ddof 0); null without withStd. */
  var_: DenseArray<'float64'> | null;
  /** sqrt(var_) with near-constant features set to 1; null without withStd. */
  scale_: DenseArray<'float64'> | null;
  /** Rows seen (sum of sample weights when weighted). */
  nSamplesSeen_: number;
  nFeaturesIn_: number;
}

export interface StandardScaler extends StandardScalerParams {}

/**
 * Standardises features: (x − mean_) / scale_. `partialFit` folds each block in with Chan's
 * exact combination of (count, mean, M2); a feature whose variance is indistinguishable from
 * zero (scikit-learn's bound n·eps·var + (n·mean·eps)²) gets scale 1.
 *
 * @example
 * const sc = new StandardScaler();
 * sc.partialFit(X1).partialFit(X2);
 * const Z = sc.transform(X3);       // DenseArray [n, d]
 * sc.mean_, sc.var_, sc.scale_;
 */
export class StandardScaler extends BaseEstimator<StandardScalerParams, StandardScalerState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'StandardScaler';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<StandardScalerParams> = Object.freeze({ withMean: true, withStd: true });
  static readonly constraints = { withMean: [BOOLEAN], withStd: [BOOLEAN] };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      nSamplesSeen_: real(),
      mean_: nullable(vector('d')),
      var_: nullable(vector('d')),
      scale_: nullable(vector('d', { values: 'positive' })),
    },
  };

  constructor(options: Partial<StandardScalerParams> = {}) {
    super(options);
  }

  get mean_(): DenseArray<'float64'> | null {
    return this.fitted.mean_;
  }
  get var_(): DenseArray<'float64'> | null {
    return this.fitted.var_;
  }
  get scale_(): DenseArray<'float64'> | null {
    return this.fitted.scale_;
  }
  get nSamplesSeen_(): number {
    return this.fitted.nSamplesSeen_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  /**
   * Resets, then {@link partialFit}. A lazy X: one parallel pass of column moments (the array
   * reductions' per-block (count, mean, M2) combined with Chan's formula); the promise resolves
   * with the fitted scaler.
   *
   * @example
   * const { X } = await fromNpyDir('data/');
   * const scaler = await new StandardScaler().fit(X);
   * await scaler.transform(X).toNpyDir('scaled/');
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike, options?: { sampleWeight?: VectorLike }): this;
  fit(X: MatrixLike | NDArray, options: { sampleWeight?: VectorLike } | LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options as LazyOptions));
    this.resetState();
    return this.partialFit(X, options as { sampleWeight?: VectorLike });
  }

  /** Fits on a lazy X from one parallel pass of column moments (see {@link fit}). */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const [mean, variance] = await computeAll([X.mean(0), X.var(0)], options);
    // A NaN or ±Infinity: the moments kernel names the block, row and column.
    if (!allFinite(mean!.data) || !allFinite(variance!.data)) await lazyMoments(X, options);
    const n = X.shape[0]!;
    const m2 = Float64Array.from(variance!.data as ArrayLike<number>, (v) => v * n);
    this.resetState();
    return this.partialFitMoments({ count: n, mean: Float64Array.from(mean!.data as ArrayLike<number>), m2 });
  }

  /** Adds the rows of X to the statistics. */
  partialFit(X: MatrixLike, options: { sampleWeight?: VectorLike } = {}): this {
    this.checkParams();
    const m = checkArray(X, { caller: this.estimatorName });
    if (this.learned !== undefined) checkFeatureCount(this.estimatorName, this.learned.nFeaturesIn_, m.nFeatures);
    return this.partialFitMoments(blockMoments(m, options.sampleWeight ?? null));
  }

  /** Adds precomputed {@link blockMoments} (e.g. reduced out-of-core) to the statistics. */
  partialFitMoments(moments: Moments): this {
    this.checkParams();
    const d = moments.mean.length;
    const prev = this.learned;
    if (prev !== undefined) checkFeatureCount(this.estimatorName, prev.nFeaturesIn_, d);
    const last: Moments =
      prev === undefined || prev.mean_ === null
        ? { count: prev?.nSamplesSeen_ ?? 0, mean: new Float64Array(d), m2: new Float64Array(d) }
        : {
            count: prev.nSamplesSeen_,
            mean: prev.mean_.data,
            m2: prev.var_ === null ? new Float64Array(d) : prev.var_.data.map((v) => v * prev.nSamplesSeen_),
          };
    const both = !this.withMean && !this.withStd;
    const merged = both ? { count: last.count + moments.count, mean: last.mean, m2: last.m2 } : combineMoments(last, moments);
    const n = merged.count;
    let mean: DenseArray<'float64'> | null = null;
    let variance: DenseArray<'float64'> | null = null;
    let scale: DenseArray<'float64'> | null = null;
    if (!both) mean = dense(merged.mean.slice());
    if (this.withStd) {
      const v = merged.m2.map((x) => x / n);
      variance = dense(v);
      const constant = new Uint8Array(d);
      for (let j = 0; j < d; j++) {
        const bound = n * EPS * v[j]! + (n * merged.mean[j]! * EPS) ** 2;
        constant[j] = v[j]! <= bound ? 1 : 0;
      }
      scale = dense(handleZerosInScale(v.map(Math.sqrt), constant));
    }
    this.learned = { mean_: mean, var_: variance, scale_: scale, nSamplesSeen_: n, nFeaturesIn_: d };
    return this;
  }

  /** (x − mean_) / scale_, each part only when enabled; lazy (an elementwise expression) for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const mean = this.withMean && s.mean_ !== null ? s.mean_.data : null;
    const scale = this.withStd && s.scale_ !== null ? s.scale_.data : null;
    return elementwise(this.estimatorName, X, s.nFeaturesIn_, (v, j) => {
      let r = v;
      if (mean !== null) r -= mean[j]!;
      if (scale !== null) r /= scale[j]!;
      return r;
    });
  }

  /** The lazy transform: `X.sub(mean_).div(scale_)`, fused into its consumer's tasks. */
  transformLazy(X: NDArray): NDArray {
    const s = this.fitted;
    checkLazyInput(this, X);
    let out = X;
    if (this.withMean && s.mean_ !== null) out = out.sub(s.mean_);
    if (this.withStd && s.scale_ !== null) out = out.div(s.scale_);
    return out === X ? X.astype('float64') : out;
  }

  /** x · scale_ + mean_. */
  inverseTransform(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const mean = this.withMean && s.mean_ !== null ? s.mean_.data : null;
    const scale = this.withStd && s.scale_ !== null ? s.scale_.data : null;
    return elementwise(this.estimatorName, X, s.nFeaturesIn_, (v, j) => {
      let r = v;
      if (scale !== null) r *= scale[j]!;
      if (mean !== null) r += mean[j]!;
      return r;
    });
  }

  /** fit then transform. */
  fitTransform(X: MatrixLike, options: { sampleWeight?: VectorLike } = {}): DenseArray<'float64'> {
    return this.fit(X, options).transform(X);
  }
}

// ---------------------------------------------------------------------------------------------

export interface MinMaxScalerParams {
  featureRange: [number, number];
  clip: boolean;
}

export interface MinMaxScalerState extends State {
  min_: DenseArray<'float64'>;
  scale_: DenseArray<'float64'>;
  dataMin_: DenseArray<'float64'>;
  dataMax_: DenseArray<'float64'>;
  dataRange_: DenseArray<'float64'>;
  nSamplesSeen_: number;
  nFeaturesIn_: number;
}

export interface MinMaxScaler extends MinMaxScalerParams {}

/**
 * Maps each feature's [min, max] onto `featureRange`: x · scale_ + min_. Constant features get
 * scale (hi − lo).
 *
 * @example
 * const mm = new MinMaxScaler({ featureRange: [-1, 1] });
 * mm.fit(X).transform(X);
 */
export class MinMaxScaler extends BaseEstimator<MinMaxScalerParams, MinMaxScalerState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'MinMaxScaler';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<MinMaxScalerParams> = Object.freeze({ featureRange: [0, 1] as [number, number], clip: false });
  static readonly constraints = { featureRange: [PAIR], clip: [BOOLEAN] };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      nSamplesSeen_: count(1),
      min_: vector('d'),
      scale_: vector('d'),
      dataMin_: vector('d'),
      dataMax_: vector('d'),
      dataRange_: vector('d', { values: 'nonNegative' }),
    },
  };

  constructor(options: Partial<MinMaxScalerParams> = {}) {
    super(options);
  }

  get min_(): DenseArray<'float64'> {
    return this.fitted.min_;
  }
  get scale_(): DenseArray<'float64'> {
    return this.fitted.scale_;
  }
  get dataMin_(): DenseArray<'float64'> {
    return this.fitted.dataMin_;
  }
  get dataMax_(): DenseArray<'float64'> {
    return this.fitted.dataMax_;
  }
  get dataRange_(): DenseArray<'float64'> {
    return this.fitted.dataRange_;
  }
  get nSamplesSeen_(): number {
    return this.fitted.nSamplesSeen_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  /** Resets, then {@link partialFit}. A lazy X: one parallel pass of column extrema; the promise resolves with the fitted scaler. */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.resetState();
    return this.partialFit(X);
  }

  /** Fits on a lazy X from one parallel pass of column extrema. */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const e = await lazyExtrema(X, options);
    this.resetState();
    this.partialFit(extremaRows(e));
    this.learned = { ...this.fitted, nSamplesSeen_: e.count };
    return this;
  }

  protected override checkMoreParams(): void {
    const name = this.estimatorName;
    const [lo, hi] = this.featureRange;
    if (!(lo < hi)) {
      throw new ParameterRangeError(
        `The 'featureRange' parameter of ${name} must have its minimum smaller than its maximum. Got [${lo}, ${hi}] instead.`,
        name,
        'featureRange',
        this.featureRange,
      );
    }
  }

  partialFit(X: MatrixLike): this {
    const name = this.estimatorName;
    this.checkParams();
    const [lo, hi] = this.featureRange;
    const m: Matrix = checkArray(X, { caller: name });
    const prev = this.learned;
    if (prev !== undefined) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const dmin = new Float64Array(d).fill(Number.POSITIVE_INFINITY);
    const dmax = new Float64Array(d).fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) {
        const v = data[off + j]!;
        if (v < dmin[j]!) dmin[j] = v;
        if (v > dmax[j]!) dmax[j] = v;
      }
    }
    if (prev !== undefined) {
      for (let j = 0; j < d; j++) {
        dmin[j] = Math.min(prev.dataMin_.data[j]!, dmin[j]!);
        dmax[j] = Math.max(prev.dataMax_.data[j]!, dmax[j]!);
      }
    }
    const range = new Float64Array(d);
    for (let j = 0; j < d; j++) range[j] = dmax[j]! - dmin[j]!;
    const safe = handleZerosInScale(range);
    const scale = new Float64Array(d);
    const min = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      scale[j] = (hi - lo) / safe[j]!;
      min[j] = lo - dmin[j]! * scale[j]!;
    }
    this.learned = {
      min_: dense(min),
      scale_: dense(scale),
      dataMin_: dense(dmin),
      dataMax_: dense(dmax),
      dataRange_: dense(range),
      nSamplesSeen_: (prev?.nSamplesSeen_ ?? 0) + n,
      nFeaturesIn_: d,
    };
    return this;
  }

  /** x · scale_ + min_ (clipped to featureRange with `clip`); lazy for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const scale = s.scale_.data;
    const min = s.min_.data;
    const [lo, hi] = this.featureRange;
    const clip = this.clip;
    return elementwise(this.estimatorName, X, s.nFeaturesIn_, (v, j) => {
      let r = v * scale[j]! + min[j]!;
      if (clip) r = r < lo ? lo : r > hi ? hi : r;
      return r;
    });
  }

  /** The lazy transform: `X.mul(scale_).add(min_)` (clipped), fused into its consumer's tasks. */
  transformLazy(X: NDArray): NDArray {
    const s = this.fitted;
    checkLazyInput(this, X);
    const out = X.mul(s.scale_).add(s.min_);
    return this.clip ? out.clip(this.featureRange[0], this.featureRange[1]) : out;
  }

  inverseTransform(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const scale = s.scale_.data;
    const min = s.min_.data;
    return elementwise(this.estimatorName, X, s.nFeaturesIn_, (v, j) => (v - min[j]!) / scale[j]!);
  }

  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }
}

// ---------------------------------------------------------------------------------------------

export interface MaxAbsScalerState extends State {
  maxAbs_: DenseArray<'float64'>;
  scale_: DenseArray<'float64'>;
  nSamplesSeen_: number;
  nFeaturesIn_: number;
}

/**
 * Divides each feature by its maximum absolute value (features that are all zero are left as is).
 *
 * @example
 * new MaxAbsScaler().fitTransform(X);
 */
export class MaxAbsScaler extends BaseEstimator<Record<string, never>, MaxAbsScalerState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'MaxAbsScaler';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<Record<string, never>> = Object.freeze({});
  static readonly constraints = {};
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      nSamplesSeen_: count(1),
      maxAbs_: vector('d', { values: 'nonNegative' }),
      scale_: vector('d', { values: 'positive' }),
    },
  };

  constructor(options: Partial<Record<string, never>> = {}) {
    super(options);
  }

  get maxAbs_(): DenseArray<'float64'> {
    return this.fitted.maxAbs_;
  }
  get scale_(): DenseArray<'float64'> {
    return this.fitted.scale_;
  }
  get nSamplesSeen_(): number {
    return this.fitted.nSamplesSeen_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  /** Resets, then {@link partialFit}. A lazy X: one parallel pass of column extrema; the promise resolves with the fitted scaler. */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.resetState();
    return this.partialFit(X);
  }

  /** Fits on a lazy X from one parallel pass of column extrema. */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const e = await lazyExtrema(X, options);
    this.resetState();
    this.partialFit(extremaRows(e));
    this.learned = { ...this.fitted, nSamplesSeen_: e.count };
    return this;
  }

  partialFit(X: MatrixLike): this {
    const name = this.estimatorName;
    this.checkParams();
    const m = checkArray(X, { caller: name });
    const prev = this.learned;
    if (prev !== undefined) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const maxAbs = prev === undefined ? new Float64Array(d) : prev.maxAbs_.data.slice();
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) {
        const a = Math.abs(data[off + j]!);
        if (a > maxAbs[j]!) maxAbs[j] = a;
      }
    }
    this.learned = {
      maxAbs_: dense(maxAbs),
      scale_: dense(handleZerosInScale(maxAbs)),
      nSamplesSeen_: (prev?.nSamplesSeen_ ?? 0) + n,
      nFeaturesIn_: d,
    };
    return this;
  }

  /** x / scale_; lazy for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const scale = s.scale_.data;
    return elementwise(this.estimatorName, X, s.nFeaturesIn_, (v, j) => v / scale[j]!);
  }

  /** The lazy transform: `X.div(scale_)`, fused into its consumer's tasks. */
  transformLazy(X: NDArray): NDArray {
    checkLazyInput(this, X);
    return X.div(this.fitted.scale_);
  }

  inverseTransform(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const scale = s.scale_.data;
    return elementwise(this.estimatorName, X, s.nFeaturesIn_, (v, j) => v * scale[j]!);
  }

  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }
}

registerEstimator(StandardScaler);
registerEstimator(MinMaxScaler);
registerEstimator(MaxAbsScaler);
