/**
 * OrdinalEncoder and OneHotEncoder over numeric code columns, with scikit-learn 1.2's semantics:
 * each column's categories are its sorted distinct values (or given), a value becomes its
 * category's index (OrdinalEncoder) or a one-hot group of columns (OneHotEncoder, dense float64).
 * A table's string columns arrive as integer codes (`@tessera/frame`'s categories), so numbers
 * are all these encoders take. NaN and ±Infinity are errors naming the row and column — impute
 * missing codes first (`SimpleImputer({ strategy: 'constant', fillValue: -1 })` makes them a
 * category of their own) — where scikit-learn 1.2 would make NaN a category.
 *
 * On a lazy X `fit` learns the categories in one parallel pass of per-block distinct values
 * (the value counts SimpleImputer uses, merged exactly); `transform` runs block by block
 * (`est.apply`), its width declared up front by {@link OneHotEncoder.outputWidth}.
 */
import { DenseArray, allocate, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, StateRangeError, describeValue } from '../errors.js';
import { isLazy, lazyMethod, rejecting } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, list, nullable, optional, vector } from '../state_schema.js';
import { NULL, type MatrixLike, checkArray, checkFeatureCount, interval, options } from '../validation.js';
import { lazyValueCounts } from './lazy_counts.js';
import { type ValueCounts, countValues } from './value_counts.js';

/** `'auto'` (each column's sorted distinct values) or the categories of each column, in increasing order. */
export type Categories = 'auto' | readonly (readonly number[])[];

/** What both encoders learn. */
export interface EncoderState extends State {
  /** Per column, its categories in increasing order. */
  categories_: DenseArray<'float64'>[];
  /** Per column, how many categories it has (a check on categories_ when a model is loaded). */
  nCategories_: DenseArray<'float64'>;
  nFeaturesIn_: number;
}

/** Index of `v` in sorted `cats`, or -1. */
function indexOf(cats: Float64Array, v: number): number {
  let lo = 0;
  let hi = cats.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = cats[mid]!;
    if (c === v) return mid;
    if (c < v) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** How a column's values are named in feature names (a category's label, an integer…). */
export type ValueNamer = (value: number) => string;

/** Python's repr of a float (as scikit-learn writes a numeric category into a feature name): 1.0, 0.5, 1e-07. */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  // JS writes 1e-7 where Python writes 1e-07 (exponents of at least two digits).
  return String(v).replace(/e([+-])(\d)$/, 'e$10$2');
}

/** The input names given, or x0, x1… (scikit-learn's `_check_feature_names_in`); a wrong count is an error. */
export function inputNames(est: string, d: number, inputFeatures: readonly string[] | undefined): string[] {
  if (inputFeatures === undefined) return Array.from({ length: d }, (_, j) => `x${j}`);
  if (inputFeatures.length !== d)
    throw new InvalidInputError(`${est}.getFeatureNamesOut: inputFeatures has ${inputFeatures.length} names; X has ${d} features.`);
  return [...inputFeatures];
}

function listValues(values: readonly number[]): string {
  const shown = values.slice(0, 10).join(', ');
  return values.length > 10 ? `[${shown}, … (${values.length} in all)]` : `[${shown}]`;
}

/** The part OrdinalEncoder and OneHotEncoder share: the categories, fitted in memory or lazily. */
abstract class BaseEncoder<P extends { categories: Categories; handleUnknown: string }, S extends EncoderState>
  extends BaseEstimator<P, S>
  implements LazyFitter, LazyTransformer
{
  declare categories: P['categories'];
  declare handleUnknown: P['handleUnknown'];

  get categories_(): DenseArray<'float64'>[] {
    return this.fitted.categories_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  protected override checkMoreParams(): void {
    const name = this.estimatorName;
    const c = this.categories as unknown;
    if (c === 'auto') return;
    const what = `The 'categories' parameter of ${name} must be 'auto' or an array with one array of numbers per column`;
    if (!Array.isArray(c) || !c.every((col) => Array.isArray(col) && col.every((v) => typeof v === 'number'))) {
      throw new ParameterTypeError(`${what}. Got ${describeValue(c)} instead.`, name, 'categories', c);
    }
    c.forEach((col: number[], j) => {
      const bad = col.length === 0 || col.some((v, k) => !Number.isFinite(v) || (k > 0 && !(v > col[k - 1]!)));
      if (bad) {
        throw new ParameterRangeError(
          `${what}, each non-empty, finite and in increasing order without repeats (scikit-learn refuses unsorted numeric categories). Column ${j} is ${describeValue(col)}.`,
          name,
          'categories',
          c,
        );
      }
    });
  }

  /**
   * Learns the categories. A lazy X: one parallel pass of per-block distinct values; the promise
   * resolves with the fitted encoder.
   */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    return this.fitCounts(countValues(m.data, m.nSamples, m.nFeatures, { missing: null, distinct: true, caller }));
  }

  /** Fits on a lazy X from one parallel pass of distinct values (see {@link fit}). */
  async fitLazy(X: NDArray, _y: NDArray | undefined, options: LazyOptions): Promise<this> {
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
    const advice = `Encode columns of codes (a few distinct values each), raise memoryLimit, or compute() X if it fits in memory.`;
    const counts = await lazyValueCounts(X, { missing: null, distinct: true, caller }, options, advice);
    return this.fitCounts(counts);
  }

  private fitCounts(c: ValueCounts): this {
    const d = c.present.length;
    const caller = `${this.estimatorName}.fit`;
    const cats0: Categories = this.categories;
    const given = cats0 === 'auto' ? null : cats0;
    if (given !== null && given.length !== d) {
      throw new InvalidInputError(`${caller}: X has ${d} columns but the 'categories' parameter lists categories for ${given.length}.`);
    }
    const cats = c.columns!.map((col, j) => {
      if (given === null) return new DenseArray(col.values.slice(), [col.values.length]);
      const mine = Float64Array.from(given[j]!);
      if (this.handleUnknown === 'error') {
        const unknown = Array.from(col.values).filter((v) => indexOf(mine, v) < 0);
        if (unknown.length > 0)
          throw new InvalidInputError(`${caller}: found unknown categories ${listValues(unknown)} in column ${j} during fit.`);
      }
      return new DenseArray(mine, [mine.length]);
    });
    const nCats = new DenseArray(
      Float64Array.from(cats, (a) => a.shape[0]!),
      [d],
    );
    this.resetState();
    // How often each category was seen (what OneHotEncoder's infrequent categories are decided on).
    const seen = cats.map((cat, j) => {
      const col = c.columns![j]!;
      return Float64Array.from(cat.data, (v) => {
        const k = indexOf(col.values, v);
        return k < 0 ? 0 : col.counts[k]!;
      });
    });
    this.learned = this.fitMore({ categories_: cats, nCategories_: nCats, nFeaturesIn_: d } as EncoderState, seen, c.rows);
    return this;
  }

  /** The subclass's state from the categories (and its own checks). */
  protected abstract fitMore(base: EncoderState, counts: Float64Array[], nSamples: number): S;

  protected override restoreState(state: State): S {
    const s = state as S;
    s.categories_.forEach((cat, j) => {
      if (cat.shape[0] !== s.nCategories_.data[j]) {
        throw new StateRangeError(
          `${this.estimatorName} state field 'categories_' holds ${cat.shape[0]} categories for column ${j} but nCategories_[${j}] is ${s.nCategories_.data[j]}.`,
          this.estimatorName,
          'categories_',
        );
      }
    });
    return s;
  }

  /**
   * X checked and each value replaced by its category's index, -1 where unknown — an
   * InvalidInputError naming the column and the values with `handleUnknown: 'error'`.
   */
  protected indices(X: MatrixLike): { index: Int32Array; n: number; d: number } {
    const s = this.fitted;
    const caller = `${this.estimatorName}.transform`;
    const m = checkArray(X, { caller });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const index = new Int32Array(n * d);
    for (let j = 0; j < d; j++) {
      const cats = s.categories_[j]!.data;
      let unknown: Set<number> | null = null;
      for (let i = 0; i < n; i++) {
        const k = indexOf(cats, data[i * d + j]!);
        index[i * d + j] = k;
        if (k < 0) (unknown ??= new Set()).add(data[i * d + j]!);
      }
      if (unknown !== null && this.handleUnknown === 'error') {
        const values = [...unknown].sort((a, b) => a - b);
        throw new InvalidInputError(`${caller}: found unknown categories ${listValues(values)} in column ${j} during transform.`);
      }
    }
    return { index, n, d };
  }

  /** The encoded X; lazy (block by block) for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    return this.encode(X);
  }

  protected abstract encode(X: MatrixLike): DenseArray<'float64'>;

  /** The lazy transform: `transform` on each row block (`est.apply`), as wide as {@link outputWidth} says. */
  transformLazy(X: NDArray): NDArray {
    return lazyMethod(this, X, 'transform', this.outputWidth('transform'));
  }

  /** fit then transform. */
  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }

  /**
   * The categories back from encoded rows (float64; NaN where scikit-learn gives None: an unknown
   * value). Lazy (block by block) for a lazy X.
   */
  inverseTransform(X: NDArray): NDArray;
  inverseTransform(X: MatrixLike): DenseArray<'float64'>;
  inverseTransform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    const s = this.fitted;
    if (isLazy(X)) {
      const width = this.outputWidth('transform')!;
      if (X.ndim === 2 && X.shape[1] !== width)
        throw new InvalidInputError(`${this.estimatorName}.inverseTransform: X has ${X.shape[1]} columns; the encoding has ${width}.`);
      return lazyMethod(this, X, 'inverseTransform', s.nFeaturesIn_);
    }
    const caller = `${this.estimatorName}.inverseTransform`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    const width = this.outputWidth('transform')!;
    if (m.nFeatures !== width) {
      throw new InvalidInputError(
        `${caller}: X has ${m.nFeatures} columns; the encoding has ${width} (${s.nFeaturesIn_} features encoded).`,
      );
    }
    return this.decode(m.data, m.nSamples, caller);
  }

  protected abstract decode(data: Float64Array, n: number, caller: string): DenseArray<'float64'>;
}

const CATEGORIES_FIELDS = {
  nFeaturesIn_: count(1, 'd'),
  categories_: list('d', vector('c{i}', { sorted: true, minLength: 1 })),
  nCategories_: vector('d', { values: 'positive' }),
};

// ---------------------------------------------------------------------------------------------

export interface OrdinalEncoderParams {
  /** 'auto' (learned) or each column's categories in increasing order. */
  categories: Categories;
  /** 'error' (default): an unknown value is an error; 'use_encoded_value': it becomes `unknownValue`. */
  handleUnknown: 'error' | 'use_encoded_value';
  /** The code of unknown values with `handleUnknown: 'use_encoded_value'`: an integer or NaN (null otherwise). */
  unknownValue: number | null;
}

export interface OrdinalEncoder extends OrdinalEncoderParams {}

/**
 * Each value becomes the index of its category (scikit-learn's `OrdinalEncoder`; output float64).
 *
 * @example
 * const enc = new OrdinalEncoder().fit([[10, 3], [20, 1], [10, 1]]);
 * enc.categories_.map((c) => Array.from(c.data)); // [[10, 20], [1, 3]]
 * enc.transform([[20, 3]]).data;                   // [1, 1]
 */
export class OrdinalEncoder extends BaseEncoder<OrdinalEncoderParams, EncoderState> {
  static readonly estimatorName = 'OrdinalEncoder';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<OrdinalEncoderParams> = Object.freeze({
    categories: 'auto' as Categories,
    handleUnknown: 'error' as const,
    unknownValue: null,
  });
  // categories and unknownValue are checked in checkMoreParams (arrays of arrays, NaN: no constraint kind says so).
  static readonly constraints = { handleUnknown: [options('error', 'use_encoded_value')] };
  static readonly stateSchema: StateSchema = { fields: CATEGORIES_FIELDS };

  constructor(options: Partial<OrdinalEncoderParams> = {}) {
    super(options);
  }

  protected override checkMoreParams(): void {
    super.checkMoreParams();
    const name = this.estimatorName;
    const u = this.unknownValue as unknown;
    if (u !== null && !(typeof u === 'number' && (Number.isInteger(u) || Number.isNaN(u)))) {
      const msg = `The 'unknownValue' parameter of ${name} must be an int, NaN or null. Got ${describeValue(u)} instead.`;
      throw typeof u === 'number'
        ? new ParameterRangeError(msg, name, 'unknownValue', u)
        : new ParameterTypeError(msg, name, 'unknownValue', u);
    }
    if (this.handleUnknown === 'use_encoded_value' && u === null) {
      throw new ParameterTypeError(
        `${name}: unknownValue must be an integer or NaN when handleUnknown is 'use_encoded_value', got null.`,
        name,
        'unknownValue',
        u,
      );
    }
    if (this.handleUnknown === 'error' && u !== null) {
      throw new ParameterTypeError(
        `${name}: unknownValue should only be set when handleUnknown is 'use_encoded_value', got ${describeValue(u)}.`,
        name,
        'unknownValue',
        u,
      );
    }
  }

  protected fitMore(base: EncoderState): EncoderState {
    const u = this.unknownValue;
    if (this.handleUnknown === 'use_encoded_value' && u !== null && !Number.isNaN(u)) {
      const most = Math.max(...base.categories_.map((c) => c.shape[0]!));
      if (u >= 0 && u < most) {
        throw new ParameterRangeError(
          `${this.estimatorName}: the used value for unknownValue ${u} is one of the values already used for encoding the seen categories (0 to ${most - 1}).`,
          this.estimatorName,
          'unknownValue',
          u,
        );
      }
    }
    return base;
  }

  /** One output per input column: the input names (default `x0`, `x1`…). */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    return inputNames(this.estimatorName, this.fitted.nFeaturesIn_, inputFeatures);
  }

  /**
   * Each code back to its category; `unknownValue` (with 'use_encoded_value') back to NaN. A code
   * that is not an integer index of the column's categories is an InvalidInputError naming it
   * (numpy would truncate it, or index from the end for a negative one).
   */
  protected decode(data: Float64Array, n: number, caller: string): DenseArray<'float64'> {
    const s = this.fitted;
    const d = s.nFeaturesIn_;
    const out = allocate('float64', n * d);
    const u = this.handleUnknown === 'use_encoded_value' ? this.unknownValue : null;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const code = data[i * d + j]!;
        if (u !== null && (Number.isNaN(u) ? Number.isNaN(code) : code === u)) {
          out[i * d + j] = Number.NaN;
          continue;
        }
        const cats = s.categories_[j]!.data;
        if (!(Number.isInteger(code) && code >= 0 && code < cats.length)) {
          throw new InvalidInputError(
            `${caller}: X holds ${code} at row ${i}, column ${j}, which is not a code of that column (an integer in [0, ${cats.length - 1}]).`,
            { row: i },
          );
        }
        out[i * d + j] = cats[code]!;
      }
    }
    return new DenseArray(out, [n, d]);
  }

  protected encode(X: MatrixLike): DenseArray<'float64'> {
    const { index, n, d } = this.indices(X);
    const out = allocate('float64', n * d);
    const u = this.unknownValue ?? Number.NaN;
    for (let q = 0; q < n * d; q++) out[q] = index[q]! < 0 ? u : index[q]!;
    return new DenseArray(out, [n, d]);
  }
}

// ---------------------------------------------------------------------------------------------

export interface OneHotEncoderParams {
  /** 'auto' (learned) or each column's categories in increasing order. */
  categories: Categories;
  /** null (default): keep every category; 'first': drop each column's first; 'if_binary': drop the first of columns with two. */
  drop: 'first' | 'if_binary' | null;
  /**
   * 'error' (default): an unknown value is an error; 'ignore': its group of columns is all zeros;
   * 'infrequent_if_exist': it goes to its column's infrequent group when there is one (else zeros).
   */
  handleUnknown: 'error' | 'ignore' | 'infrequent_if_exist';
  /**
   * Categories seen fewer times than this (an integer ≥ 1), or than this fraction of the rows (in
   * (0, 1)), are grouped into one infrequent category; null (default): none.
   */
  minFrequency: number | null;
  /** At most this many output categories per column (≥ 1), the infrequent group included; null (default): no limit. */
  maxCategories: number | null;
}

export interface OneHotEncoderState extends EncoderState {
  /**
   * Per column, the index of its dropped category among its output categories (the frequent ones,
   * then the infrequent group), -1 where none is dropped; null with `drop: null`.
   */
  dropIdx_: DenseArray<'float64'> | null;
  /** Per column, 1 for each of its categories that is infrequent, else 0; absent when neither minFrequency nor maxCategories is set. */
  infrequentMask_?: DenseArray<'float64'>[];
}

export interface OneHotEncoder extends OneHotEncoderParams {}

/** The name scikit-learn gives the infrequent group in feature names. */
const INFREQUENT = 'infrequent_sklearn';

/** Per column: each category's output index (frequent ones in order, the infrequent group last), how many outputs, and whether there is a group. */
interface Groups {
  readonly map: Int32Array[];
  readonly size: Int32Array;
  readonly grouped: boolean[];
}

/**
 * Each column becomes one 0/1 column per category (scikit-learn's `OneHotEncoder`, dense float64
 * output; `drop` removes one category per column; `minFrequency` / `maxCategories` group rare
 * categories into one infrequent column, as scikit-learn 1.2).
 *
 * @example
 * const enc = new OneHotEncoder({ drop: 'if_binary' }).fit([[10, 3], [20, 1], [30, 1]]);
 * enc.transform([[20, 3]]).data; // [0, 1, 0, 1]: 10/20/30, then 3 (1 dropped)
 */
export class OneHotEncoder extends BaseEncoder<OneHotEncoderParams, OneHotEncoderState> {
  static readonly estimatorName = 'OneHotEncoder';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<OneHotEncoderParams> = Object.freeze({
    categories: 'auto' as Categories,
    drop: null,
    handleUnknown: 'error' as const,
    minFrequency: null,
    maxCategories: null,
  });
  // categories is checked in checkMoreParams (an array of arrays: no constraint kind says so).
  static readonly constraints = {
    drop: [options('first', 'if_binary'), NULL],
    handleUnknown: [options('error', 'ignore', 'infrequent_if_exist')],
    minFrequency: [interval('int', 1, null, 'left'), interval('float', 0, 1, 'neither'), NULL],
    maxCategories: [interval('int', 1, null, 'left'), NULL],
  };
  static readonly stateSchema: StateSchema = {
    fields: {
      ...CATEGORIES_FIELDS,
      dropIdx_: nullable(vector('d', { values: 'finite' })),
      infrequentMask_: optional(list('d', vector('c{i}', { values: 'nonNegative' }))),
    },
  };

  constructor(options: Partial<OneHotEncoderParams> = {}) {
    super(options);
  }

  get dropIdx_(): DenseArray<'float64'> | null {
    return this.fitted.dropIdx_;
  }

  /** Beyond the encoders' checks: masks of 0 and 1, and each dropped index one of its column's outputs. */
  protected override restoreState(state: State): OneHotEncoderState {
    const s = super.restoreState(state);
    const bad = (field: string, what: string) =>
      new StateRangeError(`OneHotEncoder state field '${field}' ${what}`, 'OneHotEncoder', field);
    s.infrequentMask_?.forEach((m, j) => {
      if (m.data.some((v) => v !== 0 && v !== 1)) throw bad('infrequentMask_', `[${j}] must hold only 0 and 1.`);
    });
    const { size } = groupsOf(s);
    s.dropIdx_?.data.forEach((v, j) => {
      if (!(Number.isInteger(v) && v >= -1 && v < size[j]!))
        throw bad('dropIdx_', `holds ${v} for column ${j}, which has ${size[j]} output categories (-1: none dropped).`);
    });
    return s;
  }

  /** Per column, its infrequent categories (scikit-learn's `infrequent_categories_`), null where none. */
  get infrequentCategories_(): (DenseArray<'float64'> | null)[] {
    const s = this.fitted;
    return s.categories_.map((cats, j) => {
      const mask = s.infrequentMask_?.[j]?.data;
      const values = mask === undefined ? [] : Array.from(cats.data).filter((_, k) => mask[k] === 1);
      return values.length === 0 ? null : new DenseArray(Float64Array.from(values), [values.length]);
    });
  }

  private get infrequentEnabled(): boolean {
    return this.minFrequency !== null || this.maxCategories !== null;
  }

  /** scikit-learn's `_identify_infrequent`: the indices of the infrequent categories among `counts`. */
  private infrequent(counts: Float64Array, nSamples: number): number[] {
    const mf = this.minFrequency;
    const mask = Array.from(counts, (c) => (mf === null ? false : Number.isInteger(mf) ? c < mf : c < nSamples * mf));
    const current = counts.length - mask.filter(Boolean).length + 1;
    const mc = this.maxCategories;
    if (mc !== null && mc < current) {
      // numpy's stable argsort; [:-(mc - 1)] keeps nothing when mc is 1.
      const order = Array.from(counts.keys()).sort((x, y) => counts[x]! - counts[y]! || x - y);
      const end = mc - 1 === 0 ? 0 : counts.length - (mc - 1);
      for (const k of order.slice(0, Math.max(0, end))) mask[k] = true;
    }
    return mask.flatMap((m, k) => (m ? [k] : []));
  }

  protected fitMore(base: EncoderState, counts: Float64Array[], nSamples: number): OneHotEncoderState {
    const infrequent = this.infrequentEnabled
      ? counts.map((c) => {
          const mask = new Float64Array(c.length);
          for (const k of this.infrequent(c, nSamples)) mask[k] = 1;
          return new DenseArray(mask, [mask.length]) as DenseArray<'float64'>;
        })
      : undefined;
    const state: OneHotEncoderState = { ...base, dropIdx_: null, ...(infrequent === undefined ? {} : { infrequentMask_: infrequent }) };
    if (this.drop === null) return state;
    const groups = groupsOf(state);
    const idx = Float64Array.from(base.categories_, (_, j) => (this.drop === 'first' || groups.size[j] === 2 ? 0 : -1));
    return { ...state, dropIdx_: new DenseArray(idx, [idx.length]) };
  }

  /** Per column, its first output column and how many it has. */
  private layout(): { start: Int32Array; width: Int32Array; total: number } {
    const s = this.fitted;
    const { size } = groupsOf(s);
    const d = s.nFeaturesIn_;
    const start = new Int32Array(d);
    const width = new Int32Array(d);
    let total = 0;
    for (let j = 0; j < d; j++) {
      start[j] = total;
      width[j] = size[j]! - (s.dropIdx_ !== null && s.dropIdx_.data[j]! >= 0 ? 1 : 0);
      total += width[j]!;
    }
    return { start, width, total };
  }

  /**
   * The output columns' names, `<input>_<category>` per kept category (scikit-learn's, the category
   * as Python prints a float: `x0_1.0`; the infrequent group `x0_infrequent_sklearn`).
   * `valueNames[j]`, when given, names column j's categories — what a ColumnTransformer passes for
   * a table's columns: a category column's codes stand for strings (`city_Lisbon`), an integer
   * column's values print as integers (`flag_1`).
   */
  getFeatureNamesOut(inputFeatures?: readonly string[], valueNames?: readonly (ValueNamer | null)[]): string[] {
    const s = this.fitted;
    const names = inputNames(this.estimatorName, s.nFeaturesIn_, inputFeatures);
    const groups = groupsOf(s);
    const out: string[] = [];
    s.categories_.forEach((cats, j) => {
      const drop = s.dropIdx_?.data[j] ?? -1;
      const name = valueNames?.[j] ?? pyFloat;
      const labels: string[] = [];
      cats.data.forEach((v, k) => {
        if (groups.map[j]![k]! < groups.size[j]! - (groups.grouped[j] ? 1 : 0)) labels.push(name(v));
      });
      if (groups.grouped[j]) labels.push(INFREQUENT);
      labels.forEach((l, t) => {
        if (t !== drop) out.push(`${names[j]}_${l}`);
      });
    });
    return out;
  }

  /** transform's width: one column per output category (the infrequent group one), less the dropped ones. */
  override outputWidth(method: ApplyMethod): number | null {
    if (method === 'transform') return this.layout().total;
    return super.outputWidth(method);
  }

  protected encode(X: MatrixLike): DenseArray<'float64'> {
    const { index, n, d } = this.indices(X);
    const { start, total } = this.layout();
    const s = this.fitted;
    const groups = groupsOf(s);
    const drop = s.dropIdx_?.data ?? null;
    const toGroup = this.handleUnknown === 'infrequent_if_exist';
    const out = allocate('float64', n * total);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < d; j++) {
        const k = index[i * d + j]!;
        let t: number;
        if (k >= 0) t = groups.map[j]![k]!;
        else if (toGroup && groups.grouped[j]) t = groups.size[j]! - 1;
        else continue;
        const dj = drop === null ? -1 : drop[j]!;
        if (dj >= 0) {
          if (t === dj) continue;
          if (t > dj) t--;
        }
        out[i * total + start[j]! + t] = 1;
      }
    }
    return new DenseArray(out, [n, total]);
  }

  /**
   * scikit-learn's `inverse_transform`: each group of columns back to the category of its largest
   * value (the first among ties); the infrequent group to NaN (scikit-learn: the string
   * 'infrequent_sklearn', which a float array cannot hold); a group of zeros to the dropped
   * category, or, for an unknown value (`handleUnknown: 'ignore'`, or 'infrequent_if_exist' on a
   * column without infrequent categories) with nothing dropped, NaN. Otherwise a row of zeros
   * cannot be inverted: an InvalidInputError naming the rows.
   */
  protected decode(data: Float64Array, n: number, caller: string): DenseArray<'float64'> {
    const s = this.fitted;
    const d = s.nFeaturesIn_;
    const { start, width, total } = this.layout();
    const groups = groupsOf(s);
    const drop = s.dropIdx_?.data ?? null;
    const out = allocate('float64', n * d);
    for (let j = 0; j < d; j++) {
      const cats = s.categories_[j]!.data;
      // The output categories' values (the infrequent group NaN), the dropped one left out.
      const transformed: number[] = [];
      cats.forEach((v, k) => {
        if (groups.map[j]![k]! < groups.size[j]! - (groups.grouped[j] ? 1 : 0)) transformed.push(v);
      });
      if (groups.grouped[j]) transformed.push(Number.NaN);
      const dj = drop === null ? -1 : drop[j]!;
      const kept = transformed.filter((_, t) => t !== dj);
      const w = width[j]!;
      const unknownIsNone = this.handleUnknown === 'ignore' || (this.handleUnknown === 'infrequent_if_exist' && !groups.grouped[j]);
      const zeros: number[] = [];
      for (let i = 0; i < n; i++) {
        if (w === 0) {
          // A column with one output category, dropped: every row is that category.
          out[i * d + j] = cats[dj]!;
          continue;
        }
        const row = i * total + start[j]!;
        let best = 0;
        let sum = 0;
        for (let k = 0; k < w; k++) {
          const v = data[row + k]!;
          sum += v;
          if (v > data[row + best]!) best = k;
        }
        out[i * d + j] = kept[best]!;
        if (sum !== 0) continue;
        if (unknownIsNone) out[i * d + j] = dj >= 0 ? cats[dj]! : Number.NaN;
        else if (dj >= 0) out[i * d + j] = transformed[dj]!;
        else zeros.push(i);
      }
      if (zeros.length > 0) {
        throw new InvalidInputError(
          `${caller}: rows ${listValues(zeros)} cannot be inverted when drop is null and handleUnknown is '${this.handleUnknown}', because their columns for feature ${j} are all zeros.`,
        );
      }
    }
    return new DenseArray(out, [n, d]);
  }
}

/** The output categories of each column (see {@link Groups}): the identity where nothing is infrequent. */
function groupsOf(s: OneHotEncoderState): Groups {
  const map: Int32Array[] = [];
  const size = new Int32Array(s.categories_.length);
  const grouped: boolean[] = [];
  s.categories_.forEach((cats, j) => {
    const n = cats.shape[0]!;
    const rare = s.infrequentMask_?.[j]?.data ?? new Float64Array(n);
    let nRare = 0;
    for (let k = 0; k < n; k++) if (rare[k] === 1) nRare++;
    const m = new Int32Array(n);
    if (nRare === 0) {
      for (let k = 0; k < n; k++) m[k] = k;
      size[j] = n;
      grouped.push(false);
    } else {
      const nFrequent = n - nRare;
      let t = 0;
      for (let k = 0; k < n; k++) m[k] = rare[k] === 1 ? nFrequent : t++;
      size[j] = nFrequent + 1;
      grouped.push(true);
    }
    map.push(m);
  });
  return { map, size, grouped };
}

registerEstimator(OrdinalEncoder);
registerEstimator(OneHotEncoder);
