/**
 * QuantileTransformer with scikit-learn 1.2's definitions: each column mapped through its
 * empirical distribution function to a uniform or a standard normal distribution.
 *
 * - **fit** learns `nQuantiles_` = min(nQuantiles, n) quantiles per column at the `references_`
 *   `linspace(0, 1, nQuantiles_)`, by numpy's 'linear' percentiles of the values present (NaN is
 *   left out), made non-decreasing (`np.maximum.accumulate`). In memory, when `subsample` < n each
 *   column is first subsampled with numpy's legacy `RandomState(randomState).choice(n, subsample,
 *   replace=False)` — `@tessera/array`'s `RandomState`, the same draws — so the quantiles are
 *   scikit-learn's to the last bit whatever n.
 * - **On a lazy X** the fit uses every row (as dask-ml's QuantileTransformer does; `subsample`
 *   applies in memory): one parallel pass of per-column summaries ({@link lazyQuantileSummaries}).
 *   While each column's distinct values fit the memory budget they are exact and the quantiles are
 *   numpy's over all the rows; past it the summaries are pruned, and `rankError_` says per column
 *   how many ranks from the exact order statistics the quantiles may be (0: exact) — at most
 *   L·n / (2(capacity − 1)) plus rounding (quantile_sketch.ts states how).
 * - **transform** is scikit-learn's `_transform_col`: numpy's `interp` forward and backward and
 *   their mean (so repeated quantiles map to the middle of their range), the bounds set exactly
 *   (BOUNDS_THRESHOLD 1e-7 for the normal output), then the normal quantile function, clipped so
 *   the inverse stays finite. NaN passes through. `inverseTransform` maps back (through the normal
 *   CDF first). On a lazy X both run block by block (`est.apply`).
 */
import { DenseArray, RandomState, allocate, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterRangeError } from '../errors.js';
import { isLazy, lazyMethod, rejecting } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, vector } from '../state_schema.js';
import { BOOLEAN, RANDOM_STATE, type MatrixLike, checkArray, checkFeatureCount, interval, options } from '../validation.js';
import { type QuantileSummary, exactSummary, lazyQuantileSummaries, sketchCapacity, summaryPercentile } from './quantile_sketch.js';
import { normalQuantile } from './robust_scaler.js';
import { checkValues, countValues } from './value_counts.js';

/** scikit-learn's `BOUNDS_THRESHOLD`: how close to the ends a value counts as at the end (normal output). */
const BOUNDS_THRESHOLD = 1e-7;
/** numpy's `spacing(1)`. */
const SPACING_1 = Number.EPSILON;
const CLIP_MIN = normalQuantile(BOUNDS_THRESHOLD - SPACING_1);
const CLIP_MAX = normalQuantile(1 - (BOUNDS_THRESHOLD - SPACING_1));

/**
 * erf(z) for 0 ≤ z < 1.2 by its series of positive terms, (2/√π)·e^(−z²)·Σ 2ⁿz^(2n+1) / (1·3·…·(2n+1)):
 * no cancellation, so accurate to a few ulps.
 */
function erfSeries(z: number): number {
  let term = z;
  let sum = z;
  const z2 = 2 * z * z;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= z2 / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-z * z) * sum;
}

/** erfc(z) for z ≥ 1.2 by its continued fraction (120 terms: converged there) e^(−z²)/√π · 1/(z + ½/(z + 1/(z + 3/2/(z + …)))), evaluated from the tail. */
function erfcFraction(z: number): number {
  let f = z;
  for (let n = 120; n >= 1; n--) f = z + n / 2 / f;
  return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
}

/**
 * The standard normal CDF (scipy's `norm.cdf`): ½(1 ± erf(|x|/√2)) near 0, the tails (|x| ≥ 1.2√2)
 * from erfc's continued fraction so that they keep their relative accuracy — within 4e-15
 * relative and 3e-16 absolute of scipy over [−38, 38] (tested). (A library erfc, @stdlib's,
 * brings 137 packages with it.)
 */
export function normalCdf(a: number): number {
  if (a !== a) return a;
  const z = Math.abs(a) * Math.SQRT1_2;
  const tail = z < 1.2 ? 0.5 * (1 - erfSeries(z)) : 0.5 * erfcFraction(z);
  return a < 0 ? tail : 1 - tail;
}

/**
 * numpy's `interp(x, xp, fp)` for one finite or NaN x (numpy 1.24's `arr_interp`): the segment is
 * the last `j` with `xp[j] ≤ x`; exact at knots; the slope taken from the other end when the first
 * gives NaN.
 */
export function interp(x: number, xp: Float64Array, fp: Float64Array): number {
  const len = xp.length;
  const lval = fp[0]!;
  const rval = fp[len - 1]!;
  if (len === 1) return x < xp[0]! ? lval : x > xp[0]! ? rval : fp[0]!;
  if (x !== x) return x;
  if (x > xp[len - 1]!) return rval;
  if (x < xp[0]!) return lval;
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x >= xp[mid]!) lo = mid + 1;
    else hi = mid;
  }
  const j = lo - 1;
  if (j === len - 1 || xp[j] === x) return fp[j]!;
  const slope = (fp[j + 1]! - fp[j]!) / (xp[j + 1]! - xp[j]!);
  let r = slope * (x - xp[j]!) + fp[j]!;
  if (r !== r) {
    r = slope * (x - xp[j + 1]!) + fp[j + 1]!;
    if (r !== r && fp[j] === fp[j + 1]) r = fp[j]!;
  }
  return r;
}

/** numpy's `linspace(0, 1, n)`: i · (1 / (n − 1)), the last exactly 1. */
export function linspace01(n: number): Float64Array {
  const out = new Float64Array(n);
  if (n === 1) return out;
  const step = 1 / (n - 1);
  for (let i = 0; i < n; i++) out[i] = i * step;
  out[n - 1] = 1;
  return out;
}

export interface QuantileTransformerParams {
  /** Quantiles to compute (≥ 1; default 1000): the resolution of the distribution function. At most n are used. */
  nQuantiles: number;
  /** The output distribution: 'uniform' (default) or 'normal'. */
  outputDistribution: 'uniform' | 'normal';
  /** Rows per column the in-memory fit draws its quantiles from when n is larger (default 10000, as scikit-learn). A lazy fit uses every row. */
  subsample: number;
  /** Seed of the subsample's draws (numpy's legacy RandomState); null: fresh entropy. */
  randomState: number | null;
  /** Accepted for scikit-learn's API: Tessera never writes its inputs, every output is a new array. */
  copy: boolean;
}

export interface QuantileTransformerState extends State {
  /** The quantiles used: min(nQuantiles, n). */
  nQuantiles_: number;
  /** Shape `[nQuantiles_, nFeaturesIn_]`: each column's quantiles at references_ (non-decreasing; NaN for a column without values). */
  quantiles_: DenseArray<'float64'>;
  /** linspace(0, 1, nQuantiles_): the probabilities of the quantiles. */
  references_: DenseArray<'float64'>;
  /** Per column, how many ranks the quantiles may be from the exact order statistics: 0 unless a lazy fit went past the memory budget. */
  rankError_: DenseArray<'float64'>;
  nFeaturesIn_: number;
}

export interface QuantileTransformer extends QuantileTransformerParams {}

/**
 * Maps each column to a uniform or normal distribution through its quantiles (scikit-learn's
 * `QuantileTransformer`): robust to outliers, and makes columns of any scale comparable.
 *
 * @example
 * const qt = new QuantileTransformer({ nQuantiles: 5 }).fit([[1], [2], [3], [4], [100]]);
 * qt.quantiles_.data;               // [1, 2, 3, 4, 100]
 * qt.transform([[3], [52]]).data;   // [0.5, 0.875]
 */
export class QuantileTransformer
  extends BaseEstimator<QuantileTransformerParams, QuantileTransformerState>
  implements LazyFitter, LazyTransformer
{
  static readonly estimatorName = 'QuantileTransformer';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<QuantileTransformerParams> = Object.freeze({
    nQuantiles: 1000,
    outputDistribution: 'uniform' as const,
    subsample: 10_000,
    randomState: null,
    copy: true,
  });
  static readonly constraints = {
    nQuantiles: [interval('int', 1, null, 'left')],
    outputDistribution: [options('uniform', 'normal')],
    subsample: [interval('int', 1, null, 'left')],
    randomState: RANDOM_STATE,
    copy: [BOOLEAN],
  };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      nQuantiles_: count(1, 'q'),
      quantiles_: matrix('q', 'd', 'any'),
      references_: vector('q', { sorted: true }),
      rankError_: vector('d', { values: 'nonNegative' }),
    },
  };

  constructor(options: Partial<QuantileTransformerParams> = {}) {
    super(options);
  }

  get nQuantiles_(): number {
    return this.fitted.nQuantiles_;
  }
  get quantiles_(): DenseArray<'float64'> {
    return this.fitted.quantiles_;
  }
  get references_(): DenseArray<'float64'> {
    return this.fitted.references_;
  }
  get rankError_(): DenseArray<'float64'> {
    return this.fitted.rankError_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  protected override checkMoreParams(): void {
    if (this.nQuantiles > this.subsample) {
      throw new ParameterRangeError(
        `${this.estimatorName}: the number of quantiles cannot be greater than the number of samples used. Got ${this.nQuantiles} quantiles and ${this.subsample} samples (nQuantiles > subsample).`,
        this.estimatorName,
        'nQuantiles',
        this.nQuantiles,
      );
    }
  }

  /**
   * Learns each column's quantiles. A lazy X: one parallel pass over every row (exact within the
   * memory budget, a summary with a stated rank error past it); the promise resolves with the
   * fitted transformer.
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    checkValues(m.data, m.nFeatures, Number.NaN, caller);
    const { data, nSamples: n, nFeatures: d } = m;
    const sub = this.subsample < n ? this.subsample : n;
    const rng = this.subsample < n ? new RandomState(this.randomState ?? undefined) : null;
    const col = new Float64Array(sub);
    const summaries: QuantileSummary[] = [];
    for (let j = 0; j < d; j++) {
      if (rng !== null) {
        const idx = rng.choice(n, { size: sub, replace: false });
        for (let i = 0; i < sub; i++) col[i] = data[idx[i]! * d + j]!;
      } else {
        for (let i = 0; i < n; i++) col[i] = data[i * d + j]!;
      }
      summaries.push(exactSummary(countValues(col, sub, 1, { missing: Number.NaN, distinct: true, caller }).columns![0]!));
    }
    return this.fitSummaries(summaries, n);
  }

  /** Fits on a lazy X (see {@link fit}). */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
    if (X.shape[1] === 0) throw new InvalidInputError(`${caller}: found array X with 0 features, while a minimum of 1 is required.`);
    const part = await lazyQuantileSummaries(X, caller, sketchCapacity(X.shape[1]!, options), options);
    return this.fitSummaries(part.columns, X.shape[0]!);
  }

  private fitSummaries(summaries: readonly QuantileSummary[], n: number): this {
    if (this.nQuantiles > n) {
      process.emitWarning(
        `${this.estimatorName}: nQuantiles (${this.nQuantiles}) is greater than the total number of samples (${n}). nQuantiles is set to n_samples.`,
        { type: 'UserWarning', code: 'TESSERA_N_QUANTILES' },
      );
    }
    const nq = Math.max(1, Math.min(this.nQuantiles, n));
    const refs = linspace01(nq);
    const d = summaries.length;
    const q = new Float64Array(nq * d);
    const err = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      const s = summaries[j]!;
      let acc = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < nq; i++) {
        // scikit-learn hands numpy references_ · 100 as percentiles, which numpy divides by 100 again.
        const p = summaryPercentile(s, refs[i]! * 100);
        if (p.error > err[j]!) err[j] = p.error;
        // np.maximum.accumulate: NaN, once met, stays.
        acc = acc !== acc || p.value !== p.value ? Number.NaN : Math.max(acc, p.value);
        q[i * d + j] = acc;
      }
    }
    this.resetState();
    this.learned = {
      nQuantiles_: nq,
      quantiles_: new DenseArray(q, [nq, d]),
      references_: new DenseArray(refs, [nq]),
      rankError_: new DenseArray(err, [d]),
      nFeaturesIn_: d,
    };
    return this;
  }

  /** Each column's quantiles, and their negated reversal (for the backward interpolation). */
  private columns(): { q: Float64Array; qNegRev: Float64Array }[] {
    const s = this.fitted;
    const nq = s.nQuantiles_;
    const d = s.nFeaturesIn_;
    return Array.from({ length: d }, (_, j) => {
      const q = new Float64Array(nq);
      for (let i = 0; i < nq; i++) q[i] = s.quantiles_.data[i * d + j]!;
      return { q, qNegRev: Float64Array.from(q, (_, i) => -q[nq - 1 - i]!) };
    });
  }

  private map(X: MatrixLike, method: 'transform' | 'inverseTransform'): DenseArray<'float64'> {
    const s = this.fitted;
    const caller = `${this.estimatorName}.${method}`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    checkValues(m.data, m.nFeatures, Number.NaN, caller);
    const { data, nSamples: n, nFeatures: d } = m;
    const refs = s.references_.data;
    const nq = refs.length;
    const refsNegRev = Float64Array.from(refs, (_, i) => -refs[nq - 1 - i]!);
    const normal = this.outputDistribution === 'normal';
    const out = allocate('float64', n * d);
    const cols = this.columns();
    for (let j = 0; j < d; j++) {
      const { q, qNegRev } = cols[j]!;
      for (let i = 0; i < n; i++) {
        const x = data[i * d + j]!;
        out[i * d + j] = method === 'transform' ? forward(x, q, qNegRev, refs, refsNegRev, normal) : backward(x, q, refs, normal);
      }
    }
    return new DenseArray(out, [n, d]);
  }

  /** Each value mapped to the output distribution; lazy (block by block) for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    return this.map(X, 'transform');
  }

  /** The lazy transform: `transform` on each row block (`est.apply`). */
  transformLazy(X: NDArray): NDArray {
    return lazyMethod(this, X, 'transform', this.fitted.nFeaturesIn_);
  }

  /** Back from the output distribution to the columns' scale; lazy (block by block) for a lazy X. */
  inverseTransform(X: NDArray): NDArray;
  inverseTransform(X: MatrixLike): DenseArray<'float64'>;
  inverseTransform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) {
      const d = this.fitted.nFeaturesIn_;
      if (X.ndim === 2) checkFeatureCount(this.estimatorName, d, X.shape[1]!);
      return lazyMethod(this, X, 'inverseTransform', d);
    }
    return this.map(X, 'inverseTransform');
  }

  /** fit then transform. */
  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }

  /** The input names (default `x0`, `x1`…): one output per input column. */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    const d = this.fitted.nFeaturesIn_;
    if (inputFeatures !== undefined && inputFeatures.length !== d) {
      throw new InvalidInputError(
        `${this.estimatorName}.getFeatureNamesOut: inputFeatures has ${inputFeatures.length} names; X has ${d} features.`,
      );
    }
    return inputFeatures !== undefined ? [...inputFeatures] : Array.from({ length: d }, (_, j) => `x${j}`);
  }
}

/** scikit-learn's `_transform_col` forward, for one value of one column. */
function forward(x: number, q: Float64Array, qNegRev: Float64Array, refs: Float64Array, refsNegRev: Float64Array, normal: boolean): number {
  const lowerX = q[0]!;
  const upperX = q[q.length - 1]!;
  const atLower = normal ? x - BOUNDS_THRESHOLD < lowerX : x === lowerX;
  const atUpper = normal ? x + BOUNDS_THRESHOLD > upperX : x === upperX;
  let r = x !== x ? x : 0.5 * (interp(x, q, refs) - interp(-x, qNegRev, refsNegRev));
  if (atUpper) r = 1;
  if (atLower) r = 0;
  if (normal) {
    r = normalQuantile(r);
    // np.clip: NaN stays NaN.
    if (r < CLIP_MIN) r = CLIP_MIN;
    else if (r > CLIP_MAX) r = CLIP_MAX;
  }
  return r;
}

/** scikit-learn's `_transform_col` inverse, for one value of one column. */
function backward(v: number, q: Float64Array, refs: Float64Array, normal: boolean): number {
  const x = normal ? normalCdf(v) : v;
  const atLower = normal ? x - BOUNDS_THRESHOLD < 0 : x === 0;
  const atUpper = normal ? x + BOUNDS_THRESHOLD > 1 : x === 1;
  let r = x !== x ? x : interp(x, refs, q);
  if (atUpper) r = q[q.length - 1]!;
  if (atLower) r = q[0]!;
  return r;
}

registerEstimator(QuantileTransformer);
