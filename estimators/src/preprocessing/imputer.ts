/**
 * SimpleImputer with scikit-learn 1.2's semantics: each column's missing values (NaN, or a given
 * number) replaced by a statistic of the values present — their mean, median, most frequent value
 * (the smallest among ties) — or a constant. A column with no value present has statistic NaN and
 * is dropped by `transform` (with `keepEmptyFeatures` it is kept and filled with 0), as in
 * scikit-learn.
 *
 * On a lazy X `fit` makes one parallel pass of per-block value counts ({@link lazyValueCounts}):
 * sums for the mean; sorted distinct values with their counts for the median and the mode, merged
 * exactly, so the lazy fit equals the in-memory one. The distinct values must fit the memory
 * budget (a RangeError naming the column says so otherwise). `transform` of a lazy X is the
 * elementwise `where(isnan(X), statistics_, X)`, fused into whatever consumes it.
 */
import { DenseArray, allocate, where, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, StateRangeError, describeValue } from '../errors.js';
import { checkLazyInput, isLazy, lazyMethod, rejecting } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, nullable, optional, vector } from '../state_schema.js';
import { BOOLEAN, NULL, type MatrixLike, checkArray, checkFeatureCount, interval, options } from '../validation.js';
import { lazyValueCounts } from './lazy_counts.js';
import { type ValueCounts, checkValues, countValues, medianOf, modeOf } from './value_counts.js';

/** How a column's missing values are filled. */
export type ImputerStrategy = 'mean' | 'median' | 'most_frequent' | 'constant';

export interface SimpleImputerParams {
  /** The statistic that fills a column's missing values (default 'mean'). */
  strategy: ImputerStrategy;
  /** The marker of a missing value: NaN (the default) or a finite number. */
  missingValues: number;
  /** The value of strategy 'constant'; null means 0. */
  fillValue: number | null;
  /** Keep columns with no value present (filled with 0) instead of dropping them. */
  keepEmptyFeatures: boolean;
  /**
   * Append scikit-learn's MissingIndicator: one 0/1 column per feature that had missing values at
   * fit (1 where the value was missing), after the imputed columns (default false).
   */
  addIndicator: boolean;
}

export interface SimpleImputerState extends State {
  /** The fill value per column; NaN for a column with no value present (dropped by transform). */
  statistics_: DenseArray<'float64'>;
  /** With addIndicator: the features that had missing values at fit, whose indicator columns transform appends; else null. */
  indicatorFeatures_: DenseArray<'float64'> | null;
  nFeaturesIn_: number;
}

export interface SimpleImputer extends SimpleImputerParams {}

const MISSING_TEXT = 'a finite number or NaN';

/**
 * Replaces missing values column by column (scikit-learn's `SimpleImputer`, `addIndicator`
 * included).
 *
 * @example
 * const imp = new SimpleImputer({ strategy: 'median' }).fit([[1, NaN], [3, 4], [NaN, 6]]);
 * imp.statistics_;            // [2, 5]
 * imp.transform([[NaN, NaN]]); // [[2, 5]]
 */
export class SimpleImputer extends BaseEstimator<SimpleImputerParams, SimpleImputerState> implements LazyFitter, LazyTransformer {
  static readonly estimatorName = 'SimpleImputer';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<SimpleImputerParams> = Object.freeze({
    strategy: 'mean' as ImputerStrategy,
    missingValues: Number.NaN,
    fillValue: null,
    keepEmptyFeatures: false,
    addIndicator: false,
  });
  // missingValues is checked in checkMoreParams: NaN is valid there, which no constraint kind allows.
  static readonly constraints = {
    strategy: [options('mean', 'median', 'most_frequent', 'constant')],
    fillValue: [interval('float', null, null, 'neither'), NULL],
    keepEmptyFeatures: [BOOLEAN],
    addIndicator: [BOOLEAN],
  };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      statistics_: vector('d', { values: 'any' }),
      // Optional: models saved before addIndicator existed load as they were.
      indicatorFeatures_: optional(nullable(vector('m', { values: 'nonNegative', sorted: true }))),
    },
  };

  constructor(options: Partial<SimpleImputerParams> = {}) {
    super(options);
  }

  get statistics_(): DenseArray<'float64'> {
    return this.fitted.statistics_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
  get indicatorFeatures_(): DenseArray<'float64'> | null {
    return this.fitted.indicatorFeatures_ ?? null;
  }

  /** The columns of the missing indicator transform appends (none without addIndicator). */
  private indicator(): number[] {
    const f = this.fitted.indicatorFeatures_;
    return f === null || f === undefined ? [] : Array.from(f.data);
  }

  protected override restoreState(state: State): SimpleImputerState {
    const s = state as SimpleImputerState;
    const f = s.indicatorFeatures_;
    if (f !== null && f !== undefined && f.data.some((j) => !Number.isInteger(j) || j >= s.nFeaturesIn_)) {
      throw new StateRangeError(
        `SimpleImputer state field 'indicatorFeatures_' holds a feature index beyond nFeaturesIn_ ${s.nFeaturesIn_}.`,
        'SimpleImputer',
        'indicatorFeatures_',
      );
    }
    return s;
  }

  protected override checkMoreParams(): void {
    const mv = this.missingValues;
    const msg = `The 'missingValues' parameter of ${this.estimatorName} must be ${MISSING_TEXT}. Got ${describeValue(mv)} instead.`;
    if (typeof mv !== 'number') throw new ParameterTypeError(msg, this.estimatorName, 'missingValues', mv);
    if (mv - mv !== 0 && mv === mv) throw new ParameterRangeError(msg, this.estimatorName, 'missingValues', mv);
  }

  /**
   * Learns each column's statistic. A lazy X: one parallel pass of value counts; the promise
   * resolves with the fitted imputer.
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    const counts = countValues(m.data, m.nSamples, m.nFeatures, this.countOptions(caller));
    return this.fitCounts(counts);
  }

  /** Fits on a lazy X from one parallel pass of value counts (see {@link fit}). */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    if (X.ndim !== 2)
      throw new RangeError(`${this.estimatorName}.fit: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
    const advice = `Use strategy 'mean' or 'constant', raise memoryLimit, or compute() X if it fits in memory.`;
    const counts = await lazyValueCounts(X, this.countOptions(`${this.estimatorName}.fit`), options, advice);
    return this.fitCounts(counts);
  }

  private countOptions(caller: string) {
    const distinct = this.strategy === 'median' || this.strategy === 'most_frequent';
    return { missing: this.missingValues, distinct, caller };
  }

  private fitCounts(c: ValueCounts): this {
    const d = c.present.length;
    const stats = new Float64Array(d);
    for (let j = 0; j < d; j++) {
      switch (this.strategy) {
        case 'mean':
          stats[j] = c.present[j]! > 0 ? c.sums[j]! / c.present[j]! : Number.NaN;
          break;
        case 'median':
          stats[j] = medianOf(c.columns![j]!);
          break;
        case 'most_frequent':
          stats[j] = modeOf(c.columns![j]!);
          break;
        case 'constant':
          stats[j] = this.fillValue ?? 0;
          break;
      }
      if (this.keepEmptyFeatures && Number.isNaN(stats[j]!)) stats[j] = 0;
    }
    let indicator: DenseArray<'float64'> | null = null;
    if (this.addIndicator) {
      // MissingIndicator's features='missing-only': the columns where something was missing.
      const missing: number[] = [];
      for (let j = 0; j < d; j++) if (c.present[j]! < c.rows) missing.push(j);
      indicator = new DenseArray(Float64Array.from(missing), [missing.length]);
    }
    this.resetState();
    this.learned = { statistics_: new DenseArray(stats, [d]), indicatorFeatures_: indicator, nFeaturesIn_: d };
    return this;
  }

  /** The columns transform keeps: those with a statistic (not NaN). */
  private kept(): number[] {
    const s = this.fitted.statistics_.data;
    const out: number[] = [];
    for (let j = 0; j < s.length; j++) if (!Number.isNaN(s[j]!)) out.push(j);
    return out;
  }

  /** The names of transform's columns: the input names (default `x0`, `x1`…) of the columns kept. */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    const d = this.fitted.nFeaturesIn_;
    if (inputFeatures !== undefined && inputFeatures.length !== d)
      throw new InvalidInputError(
        `${this.estimatorName}.getFeatureNamesOut: inputFeatures has ${inputFeatures.length} names; X has ${d} features.`,
      );
    const name = (j: number) => inputFeatures?.[j] ?? `x${j}`;
    return [...this.kept().map(name), ...this.indicator().map((j) => `missingindicator_${name(j)}`)];
  }

  /** Columns of transform's output: the features whose statistic is not NaN. */
  override outputWidth(method: ApplyMethod): number | null {
    if (method === 'transform') return this.kept().length + this.indicator().length;
    return super.outputWidth(method);
  }

  /** X with its missing values filled (columns without a statistic dropped); lazy for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const caller = `${this.estimatorName}.transform`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    checkValues(m.data, m.nFeatures, this.missingValues, caller);
    const kept = this.kept();
    const flags = this.indicator();
    const stats = s.statistics_.data;
    const mv = this.missingValues;
    const nanMissing = Number.isNaN(mv);
    const { data, nSamples: n, nFeatures: d } = m;
    const k0 = kept.length;
    const w = k0 + flags.length;
    const out = allocate('float64', n * w);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < k0; k++) {
        const j = kept[k]!;
        const v = data[i * d + j]!;
        out[i * w + k] = (nanMissing ? v !== v : v === mv) ? stats[j]! : v;
      }
      for (let k = 0; k < flags.length; k++) {
        const v = data[i * d + flags[k]!]!;
        out[i * w + k0 + k] = (nanMissing ? v !== v : v === mv) ? 1 : 0;
      }
    }
    return new DenseArray(out, [n, w]);
  }

  /**
   * The lazy transform: `where(isnan(X), statistics_, X)` (or `X == missingValues`), fused into its
   * consumer's tasks. When columns are dropped it runs block by block instead. Values are not
   * scanned for ±Infinity here, as the scalers' expressions do not scan either.
   */
  transformLazy(X: NDArray): NDArray {
    const s = this.fitted;
    checkLazyInput(this, X);
    // Dropped columns or an indicator change the width: block by block then.
    if (this.kept().length !== s.nFeaturesIn_ || this.indicator().length > 0)
      return lazyMethod(this, X, 'transform', this.outputWidth('transform'));
    const missing = Number.isNaN(this.missingValues) ? X.isnan() : X.eq(this.missingValues);
    return where(missing, s.statistics_, X).astype('float64');
  }

  /** fit then transform. */
  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }
}

registerEstimator(SimpleImputer);
