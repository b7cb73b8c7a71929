/**
 * RobustScaler with scikit-learn 1.2's definitions: each column centred on its median and divided
 * by its interquantile range (`quantileRange`, percentiles by numpy's default 'linear'
 * interpolation, reproduced operation for operation so the results are the same doubles).
 *
 * On a lazy X `fit` makes one parallel pass of per-column quantile summaries (QuantileTransformer's,
 * quantile_sketch.ts): exact while each column's distinct values fit the memory budget, so the lazy
 * fit then equals the in-memory one whatever the blocks; past it a mergeable summary whose rank
 * error `rankError_` states (the median and percentiles are order statistics within that many
 * ranks of the exact ones). `transform` of a lazy X is the elementwise `(X - center_) / scale_`,
 * fused into whatever consumes it.
 */
import { DenseArray, allocate, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { ParameterRangeError } from '../errors.js';
import { checkLazyInput, isLazy, rejecting } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, nullable, optional, vector } from '../state_schema.js';
import { BOOLEAN, PAIR, type MatrixLike, checkArray, checkFeatureCount } from '../validation.js';
import { lazyValueCounts } from './lazy_counts.js';
import { type QuantileSummary, lazyQuantileSummaries, sketchCapacity, summaryMedian, summaryPercentile } from './quantile_sketch.js';
import { type ColumnCounts, type ValueCounts, countValues, medianOf } from './value_counts.js';

export interface RobustScalerParams {
  /** Subtract each column's median (default true). */
  withCentering: boolean;
  /** Divide by each column's interquantile range (default true). */
  withScaling: boolean;
  /** The percentiles [qMin, qMax] whose difference is the scale, 0 ≤ qMin ≤ qMax ≤ 100 (default [25, 75]). */
  quantileRange: [number, number];
  /** Divide the scale further by the standard normal's range over the same quantiles, so normal data gets variance 1. */
  unitVariance: boolean;
}

export interface RobustScalerState extends State {
  /** Per-column median; null without withCentering. */
  center_: DenseArray<'float64'> | null;
  /** Per-column interquantile range (ranges below 10·eps become 1); null without withScaling. */
  scale_: DenseArray<'float64'> | null;
  /**
   * Per column, how many ranks the median and percentiles may be from the exact order statistics:
   * 0 unless a lazy fit went past the memory budget (absent in models saved before it existed).
   */
  rankError_?: DenseArray<'float64'>;
  nFeaturesIn_: number;
}

export interface RobustScaler extends RobustScalerParams {}

/** The value of rank `rank` (0-based) among counted values. */
function valueAt(c: ColumnCounts, rank: number): number {
  let seen = 0;
  for (let k = 0; k < c.counts.length; k++) {
    seen += c.counts[k]!;
    if (rank < seen) return c.values[k]!;
  }
  return c.values[c.values.length - 1]!;
}

/**
 * numpy's `percentile(values, q)` with method 'linear' (numpy 1.24's `_quantile` and `_lerp`, the
 * same operations in the same order): virtual index (n − 1)·q/100, the two neighbours, and the
 * interpolation from the nearer end.
 */
export function percentileOf(c: ColumnCounts, q: number): number {
  let n = 0;
  for (let k = 0; k < c.counts.length; k++) n += c.counts[k]!;
  if (n === 0) return Number.NaN;
  const v = (n - 1) * (q / 100);
  if (v >= n - 1) return valueAt(c, n - 1);
  const prev = Math.floor(v);
  const gamma = v - prev;
  const a = valueAt(c, prev);
  const b = valueAt(c, prev + 1);
  const diff = b - a;
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

/**
 * The standard normal quantile (scipy's `norm.ppf`), by Wichura's algorithm AS 241 (PPND16),
 * accurate to about 1e-16 relative.
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return p === 0 ? Number.NEGATIVE_INFINITY : Number.NaN;
  if (p >= 1) return p === 1 ? Number.POSITIVE_INFINITY : Number.NaN;
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r + 45921.953931549871457) * r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r + 21213.794301586595867) * r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = Math.sqrt(-Math.log(q < 0 ? p : 1 - p));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r + 1.27045825245236838258) * r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r + 0.14810397642748007459) * r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r + 0.026532189526576123093) * r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -val : val;
}

/**
 * Centres each column on its median and scales it by an interquantile range (scikit-learn's
 * `RobustScaler`): robust to outliers, where StandardScaler's mean and variance are not.
 *
 * @example
 * const rs = new RobustScaler().fit([[1], [2], [3], [4], [100]]);
 * rs.center_!.data; // [3]
 * rs.scale_!.data;  // [2]: 75th percentile 4 − 25th percentile 2
 * rs.transform([[5]]).data; // [1]
 */
export class RobustScaler extends BaseEstimator<RobustScalerParams, RobustScalerState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'RobustScaler';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<RobustScalerParams> = Object.freeze({
    withCentering: true,
    withScaling: true,
    quantileRange: [25, 75] as [number, number],
    unitVariance: false,
  });
  static readonly constraints = { withCentering: [BOOLEAN], withScaling: [BOOLEAN], quantileRange: [PAIR], unitVariance: [BOOLEAN] };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      center_: nullable(vector('d')),
      scale_: nullable(vector('d', { values: 'positive' })),
      rankError_: optional(vector('d', { values: 'nonNegative' })),
    },
  };

  constructor(options: Partial<RobustScalerParams> = {}) {
    super(options);
  }

  get center_(): DenseArray<'float64'> | null {
    return this.fitted.center_;
  }
  get scale_(): DenseArray<'float64'> | null {
    return this.fitted.scale_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
  /** See {@link RobustScalerState.rankError_} (zeros for a model saved without it). */
  get rankError_(): DenseArray<'float64'> {
    const s = this.fitted;
    return s.rankError_ ?? new DenseArray(new Float64Array(s.nFeaturesIn_), [s.nFeaturesIn_]);
  }

  protected override checkMoreParams(): void {
    const name = this.estimatorName;
    const [lo, hi] = this.quantileRange;
    if (!(0 <= lo && lo <= hi && hi <= 100)) {
      throw new ParameterRangeError(
        `The 'quantileRange' parameter of ${name} must be [qMin, qMax] with 0 ≤ qMin ≤ qMax ≤ 100. Got [${lo}, ${hi}] instead.`,
        name,
        'quantileRange',
        this.quantileRange,
      );
    }
    // scikit-learn divides by an infinite normal range (every value scaled to 0) or by 0 (to ±inf) here; refuse instead.
    if (this.unitVariance && this.withScaling && !(0 < lo && lo < hi && hi < 100)) {
      throw new ParameterRangeError(
        `${name}: unitVariance needs 0 < qMin < qMax < 100 (the normal quantiles of 0 and 100 are infinite, and equal ones have no range). Got [${lo}, ${hi}].`,
        name,
        'quantileRange',
        this.quantileRange,
      );
    }
  }

  /**
   * Learns each column's median and interquantile range. A lazy X: one parallel pass of sorted
   * distinct values with their counts (exact, within the memory budget); the promise resolves with
   * the fitted scaler.
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    const m = checkArray(X, { caller });
    return this.fitCounts(countValues(m.data, m.nSamples, m.nFeatures, this.countOptions(caller)));
  }

  /** Fits on a lazy X from one parallel pass of quantile summaries (see {@link fit}). */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
    // Without centring or scaling the pass only checks the values.
    if (!this.withCentering && !this.withScaling) return this.fitCounts(await lazyValueCounts(X, this.countOptions(caller), options, ''));
    const part = await lazyQuantileSummaries(X, caller, sketchCapacity(X.shape[1]!, options), options, null);
    return this.fitSummaries(part.columns);
  }

  /** center_ and scale_ from summaries: numpy's median and percentiles when exact, within rankError_ ranks otherwise. */
  private fitSummaries(columns: readonly QuantileSummary[]): this {
    const d = columns.length;
    const err = new Float64Array(d);
    const center = this.withCentering
      ? Float64Array.from(columns, (c, j) => {
          const m = summaryMedian(c);
          err[j] = Math.max(err[j]!, m.error);
          return m.value;
        })
      : null;
    const scale = this.withScaling
      ? Float64Array.from(columns, (c, j) => {
          const lo = summaryPercentile(c, this.quantileRange[0]);
          const hi = summaryPercentile(c, this.quantileRange[1]);
          err[j] = Math.max(err[j]!, lo.error, hi.error);
          return this.scaleOf(hi.value - lo.value);
        })
      : null;
    this.resetState();
    this.learned = {
      center_: center === null ? null : new DenseArray(center, [d]),
      scale_: scale === null ? null : new DenseArray(scale, [d]),
      rankError_: new DenseArray(err, [d]),
      nFeaturesIn_: d,
    };
    return this;
  }

  /** A range as scale_: 1 below 10·eps (scikit-learn's _handle_zeros_in_scale), over the normal's range with unitVariance. */
  private scaleOf(range: number): number {
    const [lo, hi] = this.quantileRange;
    const r = range < 10 * Number.EPSILON ? 1 : range;
    return this.unitVariance ? r / (normalQuantile(hi / 100) - normalQuantile(lo / 100)) : r;
  }

  private countOptions(caller: string) {
    // Without centring or scaling the pass only checks the values.
    return { missing: null, distinct: this.withCentering || this.withScaling, caller };
  }

  private fitCounts(c: ValueCounts): this {
    const d = c.present.length;
    let center: DenseArray<'float64'> | null = null;
    let scale: DenseArray<'float64'> | null = null;
    if (this.withCentering) center = new DenseArray(Float64Array.from(c.columns!, medianOf), [d]);
    if (this.withScaling) {
      const [lo, hi] = this.quantileRange;
      const s = new Float64Array(d);
      for (let j = 0; j < d; j++) {
        const col = c.columns![j]!;
        s[j] = this.scaleOf(percentileOf(col, hi) - percentileOf(col, lo));
      }
      scale = new DenseArray(s, [d]);
    }
    this.resetState();
    this.learned = { center_: center, scale_: scale, rankError_: new DenseArray(new Float64Array(d), [d]), nFeaturesIn_: d };
    return this;
  }

  private map(X: MatrixLike, method: string, f: (v: number, j: number) => number): DenseArray<'float64'> {
    const s = this.fitted;
    const m = checkArray(X, { caller: `${this.estimatorName}.${method}` });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const out = allocate('float64', n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = f(data[i * d + j]!, j);
    return new DenseArray(out, [n, d]);
  }

  /** (x − center_) / scale_, each part only when enabled; lazy (an elementwise expression) for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const center = s.center_?.data ?? null;
    const scale = s.scale_?.data ?? null;
    return this.map(X, 'transform', (v, j) => {
      let r = v;
      if (center !== null) r -= center[j]!;
      if (scale !== null) r /= scale[j]!;
      return r;
    });
  }

  /** The lazy transform: `X.sub(center_).div(scale_)`, fused into its consumer's tasks. */
  transformLazy(X: NDArray): NDArray {
    const s = this.fitted;
    checkLazyInput(this, X);
    let out = X;
    if (s.center_ !== null) out = out.sub(s.center_);
    if (s.scale_ !== null) out = out.div(s.scale_);
    return out === X ? X.astype('float64') : out;
  }

  /** x · scale_ + center_. */
  inverseTransform(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const center = s.center_?.data ?? null;
    const scale = s.scale_?.data ?? null;
    return this.map(X, 'inverseTransform', (v, j) => {
      let r = v;
      if (scale !== null) r *= scale[j]!;
      if (center !== null) r += center[j]!;
      return r;
    });
  }

  /** fit then transform. */
  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }
}

registerEstimator(RobustScaler);
