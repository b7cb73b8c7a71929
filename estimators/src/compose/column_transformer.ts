/**
 * scikit-learn 1.2's ColumnTransformer: each transformer applied to its own columns, the outputs
 * side by side — what takes a table with mixed columns (categories, amounts, codes) to the matrix
 * a model trains on. Columns are chosen by name from a table (`@tessera/frame`'s Frame, through
 * the structural {@link TableLike}), or by index or boolean mask from arrays; the columns no
 * transformer names are the remainder ('drop' by default, 'passthrough', or a transformer).
 *
 * - **In memory** (a matrix): each part fitted and transformed as scikit-learn does; the result a
 *   float64 DenseArray.
 * - **Lazy** (a Frame or an NDArray): each part reads only its own columns of a table (a Frame's
 *   reads run inside the task that consumes them) or picks them from X's row blocks; the parts
 *   are fitted concurrently (each its own parallel pass, from the scheduler's pool), and
 *   `transform` is one task per row block that joins the parts' outputs — an elementwise step (a
 *   scaler) is evaluated inside that task, its read included, so its output is never a block of
 *   its own; a block-by-block step (an encoder) is a task per block.
 *
 * Unlike scikit-learn, the transformers are fitted in place (as a Pipeline's steps are here):
 * `transformers_` holds the very estimators given, fitted.
 */
import { DenseArray, mapBlocks, type NDArray } from '@tessera/array';
import { BaseEstimator, estimatorFromSnapshot, type EstimatorSnapshot, type Params, type State } from '../base.js';
import { applyMethod, fitInMemory, type ApplyMethod, type LazyFitter, type LazyOptions, type LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterTypeError, StateRangeError, describeValue } from '../errors.js';
import { isLazy, rejecting, rowBlocks } from '../ooc/lazy.js';
import { Pipeline } from '../ooc/pipeline.js';
import { checkLazyStep, fitStep, transformStep } from '../ooc/steps.js';
import { isEstimator, registerEstimator } from '../registry.js';
import { type StateSchema, count, list, nullable, strings, vector } from '../state_schema.js';
import { BOOLEAN, type MatrixLike, type VectorLike, checkArray } from '../validation.js';
import { type ValueNamer, pyFloat } from '../preprocessing/encoders.js';
import { ComposeKernel } from './kernels.js';
import { type TableLike, isTable } from './table.js';

/** Which columns a transformer takes: names (tables only), indices (negative from the end), or a boolean mask. */
export type ColumnSelector = string | number | readonly string[] | readonly number[] | readonly boolean[];

/** A transformer, or `'drop'` (its columns left out) or `'passthrough'` (its columns kept as they are). */
export type TransformerChoice = BaseEstimator | 'drop' | 'passthrough';

/** One part: its name, its transformer and its columns. */
export type ColumnSpec = readonly [name: string, transformer: TransformerChoice, columns: ColumnSelector];

export interface ColumnTransformerParams {
  /** The parts, `[name, transformer, columns]`. Columns may overlap (each part gets its own copy). */
  transformers: readonly ColumnSpec[];
  /** What becomes of the columns no part names: 'drop' (default), 'passthrough', or a transformer. */
  remainder: TransformerChoice;
  /** Prefix each output name with its part's name (`scale__age`; default true). */
  verboseFeatureNamesOut: boolean;
}

export interface ColumnTransformerState extends State {
  nFeaturesIn_: number;
  /** The table's column names when fitted on a table; null for an array. */
  featureNamesIn_: string[] | null;
  /** Per part of transformers_ (the remainder last when there is one), the indices of its input columns. */
  inputIndices_: DenseArray<'float64'>[];
  /** Per part of transformers_, its output columns (0 for 'drop' and empty selections). */
  outputWidths_: DenseArray<'float64'>;
  /** Per input column, what its values are (how an encoder names them): 0 floats, 1 integers, 2 booleans, 3 category codes. */
  inputKinds_: DenseArray<'float64'>;
  /** Per input column, how many category labels it has (0: not a category column). */
  inputCategoryCounts_: DenseArray<'float64'>;
  /** The category labels of the input's category columns, one after the other. */
  inputCategories_: string[];
}

export interface ColumnTransformer extends ColumnTransformerParams {}

/** Transformers of quantities: a category column's codes given to one is a TypeError (its codes are labels, not amounts). */
const NUMERIC_ONLY = new Set([
  'StandardScaler',
  'MinMaxScaler',
  'MaxAbsScaler',
  'RobustScaler',
  'QuantileTransformer',
  'PolynomialFeatures',
]);
/** Transformers whose outputs are their inputs' columns (scikit-learn's OneToOneFeatureMixin) that have no getFeatureNamesOut here. */
const ONE_TO_ONE = new Set(['StandardScaler', 'MinMaxScaler', 'MaxAbsScaler', 'RobustScaler']);
/** Transformers naming their outputs `<class>0`, `<class>1`… (scikit-learn's ClassNamePrefixFeaturesOutMixin). */
const CLASS_PREFIXED = new Set(['IncrementalPCA', 'PCA', 'TruncatedSVD', 'MiniBatchKMeans', 'KMeans']);
/** Names a part may not have: they would clash with the hyperparameters in `name__param` keys. */
const RESERVED = new Set(['transformers', 'remainder', 'verboseFeatureNamesOut']);

/** A part resolved against an input: its columns as indices. */
interface Part {
  readonly name: string;
  readonly choice: TransformerChoice;
  readonly columns: ColumnSelector;
  readonly indices: readonly number[];
}

/** What X is: its column names (tables), width, and per column its kind and category labels. */
interface InputInfo {
  readonly names: readonly string[] | null;
  readonly width: number;
  readonly categories: (readonly string[] | null)[];
  /** See {@link ColumnTransformerState.inputKinds_}. */
  readonly kinds: number[];
}

const FLOAT = 0;
const INTEGER = 1;
const BOOL = 2;
const CATEGORY = 3;

/** The kind of a table column of logical type `type` (see {@link ColumnTransformerState.inputKinds_}). */
function kindOf(type: string | undefined): number {
  if (type === 'category') return CATEGORY;
  if (type === 'bool') return BOOL;
  return type !== undefined && /^u?int\d+$/.test(type) ? INTEGER : FLOAT;
}

function isSnapshot(v: unknown): v is EstimatorSnapshot {
  return !isEstimator(v) && typeof v === 'object' && v !== null && typeof (v as EstimatorSnapshot).estimator === 'string' && 'params' in v;
}

function fromSnapshots(specs: unknown): unknown {
  if (!Array.isArray(specs)) return specs;
  return specs.map((s) => (Array.isArray(s) && s.length === 3 && isSnapshot(s[1]) ? [s[0], estimatorFromSnapshot(s[1]), s[2]] : s));
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/**
 * Applies transformers to columns of a table or an array and joins their outputs side by side
 * (scikit-learn's `ColumnTransformer`).
 *
 * @example
 * const ct = new ColumnTransformer(
 *   [
 *     ['city', new OneHotEncoder(), ['city']],
 *     ['amounts', new StandardScaler(), ['age', 'income']],
 *   ],
 *   { remainder: 'drop' },
 * );
 * await ct.fit(frame);                 // a Frame from readCsv / readParquet (categorized)
 * const X = ct.transform(frame);       // lazy [nRows, categories + 2]
 * ct.getFeatureNamesOut();             // ['city__city_Lisbon', …, 'amounts__age', 'amounts__income']
 */
export class ColumnTransformer
  extends BaseEstimator<ColumnTransformerParams, ColumnTransformerState>
  implements LazyFitter, LazyTransformer
{
  static readonly estimatorName = 'ColumnTransformer';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<ColumnTransformerParams> = Object.freeze({
    transformers: [] as ColumnSpec[],
    remainder: 'drop' as TransformerChoice,
    verboseFeatureNamesOut: true,
  });
  // transformers and remainder are checked in checkMoreParams (lists of estimators: no constraint kind says so).
  static readonly constraints = { verboseFeatureNamesOut: [BOOLEAN] };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      featureNamesIn_: nullable(strings('d')),
      outputWidths_: vector('t', { values: 'nonNegative' }),
      inputIndices_: list('t', vector('k{i}', { values: 'nonNegative' })),
      inputKinds_: vector('d', { values: 'nonNegative' }),
      inputCategoryCounts_: vector('d', { values: 'nonNegative' }),
      inputCategories_: strings('c'),
    },
  };

  /**
   * `new ColumnTransformer([[name, transformer, columns], …], { remainder, verboseFeatureNamesOut })`,
   * or `{ transformers, remainder, verboseFeatureNamesOut }`.
   */
  constructor(
    transformers: readonly ColumnSpec[] | Partial<ColumnTransformerParams> = {},
    options: Partial<Omit<ColumnTransformerParams, 'transformers'>> = {},
  ) {
    const given: Partial<ColumnTransformerParams> = Array.isArray(transformers)
      ? { ...options, transformers: transformers as readonly ColumnSpec[] }
      : (transformers as Partial<ColumnTransformerParams>);
    const params = { ...given } as Record<string, unknown>;
    if ('transformers' in params) params['transformers'] = fromSnapshots(params['transformers']);
    if (isSnapshot(params['remainder'])) params['remainder'] = estimatorFromSnapshot(params['remainder']);
    super(params as Partial<ColumnTransformerParams>);
  }

  // ---------------------------------------------------------------------------------------------
  // Parameters
  // ---------------------------------------------------------------------------------------------

  /** The parts (`[name, transformer | 'drop' | 'passthrough', columns]`, unique names), the remainder, then every transformer's own hyperparameters. */
  protected override checkMoreParams(): void {
    const name = this.estimatorName;
    const specs = this.transformers as unknown;
    const bad = (msg: string) => new ParameterTypeError(msg, name, 'transformers', specs);
    if (!Array.isArray(specs))
      throw bad(
        `The 'transformers' parameter of ${name} must be an array of [name, transformer, columns]. Got ${describeValue(specs)} instead.`,
      );
    const seen = new Set<string>();
    specs.forEach((s: unknown, i) => {
      if (!Array.isArray(s) || s.length !== 3 || typeof s[0] !== 'string')
        throw bad(`${name} transformer ${i} must be [name, transformer, columns]. Got ${describeValue(s)}.`);
      const [n, t, cols] = s as [string, unknown, unknown];
      if (n === '' || n.includes('__')) throw bad(`${name} transformer name '${n}' must be non-empty and must not contain '__'.`);
      if (RESERVED.has(n)) throw bad(`${name} transformer name '${n}' conflicts with the hyperparameter of that name.`);
      if (seen.has(n)) throw bad(`${name} transformer names must be unique; '${n}' appears twice.`);
      seen.add(n);
      checkChoice(t, `${name} transformer '${n}'`, () =>
        bad(
          `${name} transformer '${n}': every transformer must implement fit and transform, or be 'drop' or 'passthrough'. Got ${describeValue(t)}.`,
        ),
      );
      checkSelector(cols, `${name} transformer '${n}'`, (msg) => bad(msg));
    });
    checkChoice(
      this.remainder,
      `${name} remainder`,
      () =>
        new ParameterTypeError(
          `The 'remainder' parameter of ${name} must be 'drop', 'passthrough' or a transformer (with fit and transform). Got ${describeValue(this.remainder)} instead.`,
          name,
          'remainder',
          this.remainder,
        ),
    );
    for (const est of Object.values(this.nestedEstimators())) est.checkParams();
  }

  /** The transformers by name (and 'remainder' when it is one), for `name__param` keys. */
  protected override nestedEstimators(): Record<string, BaseEstimator> {
    const out: Record<string, BaseEstimator> = {};
    if (Array.isArray(this.transformers)) for (const s of this.transformers) if (Array.isArray(s) && isEstimator(s[1])) out[s[0]] = s[1];
    if (isEstimator(this.remainder)) out['remainder'] = this.remainder;
    return out;
  }

  override clone(): this {
    return new ColumnTransformer(
      this.transformers.map(([n, t, c]) => [n, isEstimator(t) ? t.clone() : t, structuredClone(c)] as const),
      {
        remainder: isEstimator(this.remainder) ? this.remainder.clone() : this.remainder,
        verboseFeatureNamesOut: this.verboseFeatureNamesOut,
      },
    ) as this;
  }

  override snapshot(): EstimatorSnapshot {
    const params: Params = {
      transformers: this.transformers.map(([n, t, c]) => [n, isEstimator(t) ? t.snapshot() : t, c]),
      remainder: isEstimator(this.remainder) ? this.remainder.snapshot() : this.remainder,
      verboseFeatureNamesOut: this.verboseFeatureNamesOut,
    };
    return { estimator: this.estimatorName, params, state: this.learned === undefined ? null : { ...this.learned } };
  }

  // ---------------------------------------------------------------------------------------------
  // Fitted attributes
  // ---------------------------------------------------------------------------------------------

  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
  get featureNamesIn_(): string[] | null {
    return this.fitted.featureNamesIn_;
  }

  /** The parts as fitted: `[name, fitted transformer | 'drop' | 'passthrough', columns]`, then `['remainder', …, indices]` when columns remain. */
  get transformers_(): [string, TransformerChoice, ColumnSelector][] {
    const s = this.fitted;
    const out: [string, TransformerChoice, ColumnSelector][] = this.transformers.map(([n, t, c]) => [n, t, c]);
    if (s.inputIndices_.length > this.transformers.length) {
      out.push(['remainder', this.remainder, Array.from(s.inputIndices_[s.inputIndices_.length - 1]!.data)]);
    }
    return out;
  }

  /** The fitted parts by name (scikit-learn's `named_transformers_`). */
  get namedTransformers_(): Record<string, TransformerChoice> {
    return Object.fromEntries(this.transformers_.map(([n, t]) => [n, t]));
  }

  /** Which output columns each part produced, `[start, stop)`, for every part and 'remainder' (`[0, 0]` when none). */
  get outputIndices_(): Record<string, [number, number]> {
    const widths = this.fitted.outputWidths_.data;
    const out: Record<string, [number, number]> = {};
    let at = 0;
    this.transformers_.forEach(([n], i) => {
      const w = widths[i]!;
      out[n] = w > 0 ? [at, at + w] : [0, 0];
      at += w;
    });
    for (const [n] of this.transformers) out[n] ??= [0, 0];
    out['remainder'] ??= [0, 0];
    return out;
  }

  /** The output's width: the parts' widths summed. */
  override outputWidth(method: ApplyMethod): number | null {
    if (method === 'transform') return this.fitted.outputWidths_.data.reduce((a, b) => a + b, 0);
    return super.outputWidth(method);
  }

  /** A fitted state is consistent with the parts: as many of them, each transformer with columns fitted. */
  protected override restoreState(state: State): ColumnTransformerState {
    const s = state as ColumnTransformerState;
    const specs = this.transformers;
    if (!Array.isArray(specs)) return s;
    const expected = s.inputIndices_.length;
    if (expected !== specs.length && expected !== specs.length + 1) {
      throw new StateRangeError(
        `ColumnTransformer state field 'inputIndices_' holds ${expected} parts but the transformers parameter lists ${specs.length} (and the remainder).`,
        'ColumnTransformer',
        'inputIndices_',
      );
    }
    const choices = [...specs.map((p) => p[1]), this.remainder];
    s.inputIndices_.forEach((idx, i) => {
      if (idx.data.some((j) => j >= s.nFeaturesIn_ || !Number.isInteger(j)))
        throw new StateRangeError(
          `ColumnTransformer state field 'inputIndices_[${i}]' holds a column index beyond nFeaturesIn_ ${s.nFeaturesIn_}.`,
          'ColumnTransformer',
          'inputIndices_',
        );
      const t = choices[i];
      const k = idx.shape[0]!;
      const fail = (what: string) =>
        new StateRangeError(`ColumnTransformer state field 'inputIndices_[${i}]' ${what}`, 'ColumnTransformer', 'inputIndices_');
      // A given selector resolves to as many columns as it names (a mask: as many as it has true).
      const sel = i < specs.length ? (specs[i]![2] as unknown) : null;
      const named =
        sel === null ? k : Array.isArray(sel) ? (typeof sel[0] === 'boolean' ? sel.filter((b) => b === true).length : sel.length) : 1;
      if (named !== k) throw fail(`holds ${k} columns but its selector names ${named}.`);
      const width = s.outputWidths_.data[i]!;
      if (t === 'passthrough' && width !== k) throw fail(`holds ${k} columns but outputWidths_[${i}] says passthrough gives ${width}.`);
      if (isEstimator(t) && k > 0 && t.isFitted()) {
        const e = t.expectedInput();
        if (e !== null && e.nFeatures !== k) throw fail(`holds ${k} columns but its transformer ${e.estimator} expects ${e.nFeatures}.`);
      }
      if (isEstimator(t) && k > 0 && !t.isFitted())
        throw new StateRangeError(
          `ColumnTransformer state says it is fitted, but its transformer ${i} (${t.estimatorName}) is not.`,
          'ColumnTransformer',
          'inputIndices_',
        );
    });
    const cats = s.inputCategoryCounts_.data.reduce((a, b) => a + b, 0);
    if (cats !== s.inputCategories_.length)
      throw new StateRangeError(
        `ColumnTransformer state field 'inputCategories_' holds ${s.inputCategories_.length} labels but inputCategoryCounts_ adds up to ${cats}.`,
        'ColumnTransformer',
        'inputCategories_',
      );
    return s;
  }

  // ---------------------------------------------------------------------------------------------
  // Fitting
  // ---------------------------------------------------------------------------------------------

  /**
   * Fits every part on its columns. A Frame or a lazy array: the parts are fitted concurrently,
   * each from its parallel pass, and the promise resolves with the fitted transformer. A matrix:
   * in memory, returns `this`.
   */
  fit(X: NDArray | TableLike, y?: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike, y?: VectorLike): this;
  fit(X: MatrixLike | NDArray | TableLike, y?: VectorLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X) || isTable(X)) return rejecting(true, () => this.fitLazy(X as NDArray, y as NDArray | undefined, options));
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    const info: InputInfo = {
      names: null,
      width: m.nFeatures,
      categories: new Array(m.nFeatures).fill(null),
      kinds: new Array(m.nFeatures).fill(FLOAT),
    };
    const parts = this.#plan(info);
    const widths = parts.map((p) => {
      if (p.choice === 'drop' || p.indices.length === 0) return 0;
      if (p.choice === 'passthrough') return p.indices.length;
      const est = p.choice;
      const sub = columnsOf(m.data, m.nSamples, m.nFeatures, p.indices);
      return inPart(p, () => {
        fitInMemory(est, sub, isLazy(y) ? null : (y ?? null));
        return outputColumns(est, applyMethod(est, 'transform', sub), p.name);
      });
    });
    this.#record(info, parts, widths);
    return this;
  }

  /** Fits on a Frame or a lazy array (see {@link fit}); every part is checked before any task runs. */
  async fitLazy(X: NDArray | TableLike, y: NDArray | undefined, options: LazyOptions = {}): Promise<this> {
    this.checkParams();
    const info = inputInfo(X, `${this.estimatorName}.fit`);
    const parts = this.#plan(info);
    for (const p of parts) if (isEstimator(p.choice) && p.indices.length > 0) checkLazyStep(p.choice, true);
    const sources = partArrays(X, parts, info);
    const widths = await Promise.all(
      parts.map(async (p, i) => {
        if (p.choice === 'drop' || p.indices.length === 0) return 0;
        if (p.choice === 'passthrough') return p.indices.length;
        await fitStep(p.choice, sources[i]!, y, options);
        const w = p.choice.outputWidth('transform');
        return typeof w === 'number' ? w : 1;
      }),
    );
    this.#record(info, parts, widths);
    return this;
  }

  /** The parts (and the remainder, when columns remain) resolved against the input. */
  #plan(info: InputInfo): Part[] {
    const parts: Part[] = this.transformers.map(([name, choice, columns]) => ({
      name,
      choice,
      columns,
      indices: resolveColumns(columns, info, `${this.estimatorName}: transformer '${name}'`),
    }));
    const used = new Set(parts.flatMap((p) => p.indices));
    const remaining = range(info.width).filter((j) => !used.has(j));
    if (remaining.length > 0) parts.push({ name: 'remainder', choice: this.remainder, columns: remaining, indices: remaining });
    for (const p of parts) {
      if (!isEstimator(p.choice) || !NUMERIC_ONLY.has(p.choice.estimatorName)) continue;
      const j = p.indices.find((k) => info.categories[k] !== null);
      if (j !== undefined) {
        throw new TypeError(
          `${this.estimatorName}: transformer '${p.name}' (${p.choice.estimatorName}) is given column '${info.names?.[j] ?? j}', a category column (strings read as codes): its codes are labels, not amounts. Encode it with OneHotEncoder or OrdinalEncoder.`,
        );
      }
    }
    return parts;
  }

  #record(info: InputInfo, parts: readonly Part[], widths: readonly number[]): void {
    this.learned = {
      nFeaturesIn_: info.width,
      featureNamesIn_: info.names === null ? null : [...info.names],
      inputIndices_: parts.map((p) => new DenseArray(Float64Array.from(p.indices), [p.indices.length])),
      outputWidths_: new DenseArray(Float64Array.from(widths), [widths.length]),
      inputKinds_: new DenseArray(Float64Array.from(info.kinds), [info.width]),
      inputCategoryCounts_: new DenseArray(
        Float64Array.from(info.categories, (c) => c?.length ?? 0),
        [info.width],
      ),
      inputCategories_: info.categories.flatMap((c) => c ?? []),
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Transforming
  // ---------------------------------------------------------------------------------------------

  /** The parts' outputs side by side (float64); lazy for a Frame or a lazy array. */
  transform(X: NDArray | TableLike): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray | TableLike): DenseArray<'float64'> | NDArray {
    if (isLazy(X) || isTable(X)) return this.transformLazy(X);
    const s = this.fitted;
    const caller = `${this.estimatorName}.transform`;
    const m = checkArray(X, { caller, skipFiniteCheck: true });
    if (m.nFeatures !== s.nFeaturesIn_)
      throw new InvalidInputError(`X has ${m.nFeatures} features, but ColumnTransformer is expecting ${s.nFeaturesIn_} features as input.`);
    const parts = this.#fittedParts();
    const outs: DenseArray[] = [];
    parts.forEach((p, i) => {
      if (s.outputWidths_.data[i] === 0) return;
      const sub = columnsOf(m.data, m.nSamples, m.nFeatures, p.indices);
      outs.push(p.choice === 'passthrough' ? sub : inPart(p, () => applyMethod(p.choice as BaseEstimator, 'transform', sub)));
    });
    return hstackInMemory(outs, m.nSamples);
  }

  /** The lazy transform: one task per row block joining the parts' outputs (see the module comment). */
  transformLazy(X: NDArray | TableLike): NDArray {
    const s = this.fitted;
    const caller = `${this.estimatorName}.transform`;
    const parts = this.#fittedParts();
    const widths = s.outputWidths_.data;
    let sources: (NDArray | undefined)[];
    if (isTable(X)) {
      // Fitted on a table: its columns by name (scikit-learn's rule: extra columns and another order are fine).
      const names = s.featureNamesIn_ ?? null;
      if (names === null)
        throw new TypeError(`${caller}: it was fitted on an array (columns by position), so X must be an array too, not a table.`);
      const missing = names.filter((n) => !X.columns.includes(n));
      if (missing.length > 0) throw new RangeError(`${caller}: columns are missing from X: ${missing.map((n) => `'${n}'`).join(', ')}.`);
      const info: InputInfo = { names, width: names.length, categories: names.map((n) => categoriesOf(X, n)), kinds: [] };
      this.#checkCategories(info, parts, caller);
      sources = partArrays(X, parts, info, names);
    } else {
      if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
      if (X.shape[1] !== s.nFeaturesIn_)
        throw new InvalidInputError(
          `X has ${X.shape[1]} features, but ColumnTransformer is expecting ${s.nFeaturesIn_} features as input.`,
        );
      sources = partArrays(X, parts, { names: null, width: s.nFeaturesIn_, categories: [], kinds: [] });
    }
    const outs: NDArray[] = [];
    const used: number[] = [];
    parts.forEach((p, i) => {
      if (widths[i] === 0) return;
      const src = sources[i]!;
      outs.push(p.choice === 'passthrough' ? src : transformStep(p.choice as BaseEstimator, src));
      used.push(widths[i]!);
    });
    if (outs.length === 0) throw new RangeError(`${caller}: no part produces a column (every transformer drops its columns).`);
    if (outs.length === 1) return outs[0]!.astype('float64');
    const blocks = outs.map((o) => rowBlocks(o, caller));
    const total = used.reduce((a, b) => a + b, 0);
    return mapBlocks(ComposeKernel.hstack, blocks, {
      dtype: 'float64',
      chunks: [blocks[0]!.chunks[0]!, [total]],
      args: [used],
      name: 'column-transformer',
    });
  }

  /**
   * A category column's codes mean what they meant at fit only if its categories are the same: a
   * table categorized on other data (another file, a sample) would shift them silently, so it is an
   * error naming the column and both lists.
   */
  #checkCategories(info: InputInfo, parts: readonly Part[], caller: string): void {
    const s = this.fitted;
    const used = new Set(parts.filter((p) => p.choice !== 'drop').flatMap((p) => p.indices));
    let at = 0;
    s.inputCategoryCounts_.data.forEach((k, j) => {
      const fitted = s.inputCategories_.slice(at, at + k);
      at += k;
      if (!used.has(j) || s.inputKinds_.data[j] !== CATEGORY) return;
      const now = info.categories[j] ?? [];
      if (now.length !== fitted.length || now.some((c, i) => c !== fitted[i])) {
        const show = (l: readonly string[]) =>
          `[${l
            .slice(0, 8)
            .map((c) => `'${c}'`)
            .join(', ')}${l.length > 8 ? `, … (${l.length})` : ''}]`;
        throw new RangeError(
          `${caller}: column '${info.names![j]}' has the categories ${show(now)}, but it was fitted with ${show(fitted)}: its codes would mean other categories. Declare the fit's categories when reading (readCsv(…, { dtype: { '${info.names![j]}': { categories: [...] } } })).`,
        );
      }
    });
  }

  /** fit then transform (in memory). */
  fitTransform(X: MatrixLike, y?: VectorLike): DenseArray<'float64'> {
    return this.fit(X, y).transform(X);
  }

  #fittedParts(): Part[] {
    const s = this.fitted;
    return this.transformers_.map(([name, choice, columns], i) => ({
      name,
      choice,
      columns,
      indices: Array.from(s.inputIndices_[i]!.data),
    }));
  }

  // ---------------------------------------------------------------------------------------------
  // Names
  // ---------------------------------------------------------------------------------------------

  /**
   * The output columns' names: each part's names (a transformer's `getFeatureNamesOut` of its input
   * names; a category column's labels for OneHotEncoder), prefixed `name__` with
   * `verboseFeatureNamesOut` (otherwise they must be unique). Input names: `inputFeatures`, else the
   * table's columns, else `x0`, `x1`….
   */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    const s = this.fitted;
    const names = inputFeatures ?? s.featureNamesIn_ ?? range(s.nFeaturesIn_).map((j) => `x${j}`);
    if (names.length !== s.nFeaturesIn_)
      throw new InvalidInputError(
        `${this.estimatorName}.getFeatureNamesOut: inputFeatures has ${names.length} names; X has ${s.nFeaturesIn_} features.`,
      );
    // How an encoder names a column's values: a category's label, an integer or a boolean as
    // scikit-learn prints those columns' values (pandas dtypes), else as a float (1.0).
    const valueNames: (ValueNamer | null)[] = [];
    let at = 0;
    s.inputCategoryCounts_.data.forEach((k, j) => {
      const kind = s.inputKinds_.data[j];
      const labels = s.inputCategories_.slice(at, at + k);
      at += k;
      if (kind === CATEGORY) valueNames.push((v) => (Number.isInteger(v) && v >= 0 && v < labels.length ? labels[v]! : pyFloat(v)));
      else if (kind === INTEGER) valueNames.push((v) => (Number.isInteger(v) ? String(v) : pyFloat(v)));
      else if (kind === BOOL) valueNames.push((v) => (v === 1 ? 'True' : v === 0 ? 'False' : pyFloat(v)));
      else valueNames.push(null);
    });
    const perPart: [string, string[]][] = [];
    this.#fittedParts().forEach((p) => {
      if (p.choice === 'drop' || p.indices.length === 0) return;
      const inNames = p.indices.map((j) => names[j]!);
      if (p.choice === 'passthrough') perPart.push([p.name, inNames]);
      else
        perPart.push([
          p.name,
          featureNamesOf(
            p.choice,
            inNames,
            p.indices.map((j) => valueNames[j] ?? null),
            p.name,
          ),
        ]);
    });
    if (this.verboseFeatureNamesOut) return perPart.flatMap(([n, fs]) => fs.map((f) => `${n}__${f}`));
    const counts = new Map<string, number>();
    for (const [, fs] of perPart) for (const f of fs) counts.set(f, (counts.get(f) ?? 0) + 1);
    const dup = [...counts]
      .filter(([, c]) => c > 1)
      .map(([f]) => f)
      .sort();
    if (dup.length > 0) {
      throw new RangeError(
        `${this.estimatorName}: output feature names [${dup
          .slice(0, 5)
          .map((f) => `'${f}'`)
          .join(
            ', ',
          )}${dup.length > 5 ? ', …' : ''}] are not unique. Set verboseFeatureNamesOut: true to prefix them with their transformer's name.`,
      );
    }
    return perPart.flatMap(([, fs]) => fs);
  }
}

/** A transformer's output names from its input names (see {@link ColumnTransformer.getFeatureNamesOut}). */
function featureNamesOf(est: BaseEstimator, inNames: string[], labels: (ValueNamer | null)[], part: string): string[] {
  const own = (est as { getFeatureNamesOut?: (names: readonly string[], labels?: readonly (ValueNamer | null)[]) => string[] })
    .getFeatureNamesOut;
  if (typeof own === 'function') return own.call(est, inNames, labels);
  if (est instanceof Pipeline) {
    let names = inNames;
    let lab = labels;
    for (const [, step] of est.steps) {
      names = featureNamesOf(step, names, lab, part);
      lab = names.map(() => null);
    }
    return names;
  }
  if (ONE_TO_ONE.has(est.estimatorName)) return inNames;
  if (CLASS_PREFIXED.has(est.estimatorName)) {
    const w = est.outputWidth('transform') ?? 1;
    return range(w).map((i) => `${est.estimatorName.toLowerCase()}${i}`);
  }
  throw new TypeError(`Transformer ${part} (type ${est.estimatorName}) does not provide getFeatureNamesOut.`);
}

function checkChoice(t: unknown, where: string, bad: () => Error): void {
  if (t === 'drop' || t === 'passthrough') return;
  if (!isEstimator(t) || typeof (t as { fit?: unknown }).fit !== 'function' || !t.supports('transform')) throw bad();
  void where;
}

function checkSelector(cols: unknown, where: string, bad: (msg: string) => Error): void {
  if (typeof cols === 'string' || (typeof cols === 'number' && Number.isInteger(cols))) return;
  const kinds = Array.isArray(cols) ? new Set(cols.map((c) => (Number.isInteger(c) ? 'int' : typeof c))) : null;
  if (kinds === null || kinds.size > 1 || (kinds.size === 1 && !['string', 'int', 'boolean'].includes([...kinds][0]!))) {
    throw bad(
      `${where}: columns must be a column name, an index, or an array of names, of indices or of booleans (a mask). Got ${describeValue(cols)}.`,
    );
  }
}

/** The selector as column indices of the input (names need a table; unknown names and out-of-range indices are RangeErrors naming them). */
function resolveColumns(cols: ColumnSelector, info: InputInfo, where: string): number[] {
  const list = (Array.isArray(cols) ? cols : [cols]) as readonly (string | number | boolean)[];
  if (list.length === 0) return [];
  if (typeof list[0] === 'boolean') {
    if (list.length !== info.width)
      throw new RangeError(
        `${where}: a boolean mask of ${list.length} values selects among X's ${info.width} columns; it needs one per column.`,
      );
    return range(info.width).filter((j) => list[j] === true);
  }
  return list.map((c) => {
    if (typeof c === 'string') {
      if (info.names === null)
        throw new TypeError(
          `${where} selects column '${c}' by name, which needs a table with named columns (a Frame); X is an array: select columns by index or by a boolean mask.`,
        );
      const j = info.names.indexOf(c);
      if (j < 0) throw new RangeError(`${where} selects column '${c}', which is not a column of X (columns: ${info.names.join(', ')}).`);
      return j;
    }
    const j = c as number;
    if (!(j >= -info.width && j < info.width)) throw new RangeError(`${where} selects column index ${j}; X has ${info.width} columns.`);
    return j < 0 ? j + info.width : j;
  });
}

/** The category labels of a table's column, or null when it is not a category column. */
function categoriesOf(table: TableLike, name: string): readonly string[] | null {
  const c = table.schema?.find((col) => col.name === name);
  if (c === undefined || c.type !== 'category') return null;
  if (!c.categories)
    throw new TypeError(
      `ColumnTransformer: column '${name}' holds strings whose categories are not known yet, so their codes would not be stable: learn them first (\`frame = await frame.categorize()\`).`,
    );
  return c.categories;
}

function inputInfo(X: NDArray | TableLike, caller: string): InputInfo {
  if (isTable(X)) {
    const names = [...X.columns];
    return {
      names,
      width: names.length,
      categories: names.map((n) => categoriesOf(X, n)),
      kinds: names.map((n) => kindOf(X.schema?.find((c) => c.name === n)?.type)),
    };
  }
  if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
  return { names: null, width: X.shape[1]!, categories: new Array(X.shape[1]!).fill(null), kinds: new Array(X.shape[1]!).fill(FLOAT) };
}

/**
 * Each part's input as a lazy float64 array. A table's part reads only its own columns (a Frame's
 * arrays are reads evaluated inside the task that consumes them: a Parquet part decodes only its
 * column chunks); an array's parts pick their columns from X's row blocks.
 */
function partArrays(
  X: NDArray | TableLike,
  parts: readonly Part[],
  info: InputInfo,
  names: readonly string[] | null = info.names,
): (NDArray | undefined)[] {
  const select = (base: NDArray, idx: readonly number[], label: string): NDArray => {
    if (idx.length === base.shape[1] && idx.every((j, k) => j === k)) return base.astype('float64');
    return mapBlocks(ComposeKernel.selectColumns, [rowBlocks(base, 'ColumnTransformer')], {
      dtype: 'float64',
      chunks: [base.chunks[0]!, [idx.length]],
      args: [idx],
      streaming: true,
      name: `select-${label}`,
    });
  };
  return parts.map((p) => {
    if (p.choice === 'drop' || p.indices.length === 0) return undefined;
    if (!isTable(X)) return select(X, p.indices, p.name);
    const wanted = p.indices.map((j) => names![j]!);
    const unique = [...new Set(wanted)];
    const read = X.toArray(unique, { dtype: 'float64' });
    // A column named twice in one part is read once and picked twice.
    return unique.length === wanted.length
      ? read
      : select(
          read,
          wanted.map((n) => unique.indexOf(n)),
          p.name,
        );
  });
}

/** Runs a part's method; a bad value it names by its column in the part is renamed by its column in X. */
function inPart<T>(p: Part, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InvalidInputError)
      e.message = e.message.replace(/\bcolumn (\d+)/, (_, k: string) => `column ${p.indices[Number(k)] ?? k}`);
    throw e;
  }
}

function columnsOf(data: Float64Array, n: number, d: number, idx: readonly number[]): DenseArray<'float64'> {
  const k = idx.length;
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = data[i * d + idx[c]!]!;
  return new DenseArray(out, [n, k]);
}

function outputColumns(est: BaseEstimator, out: DenseArray, part: string): number {
  if (out.shape.length !== 2)
    throw new InvalidInputError(
      `The output of the '${part}' transformer (${est.estimatorName}) should be 2-D; got shape [${out.shape.join(', ')}].`,
    );
  return out.shape[1]!;
}

function hstackInMemory(parts: readonly DenseArray[], n: number): DenseArray<'float64'> {
  const widths = parts.map((p) => p.shape[1]!);
  const total = widths.reduce((a, b) => a + b, 0);
  const out = new Float64Array(n * total);
  let at = 0;
  parts.forEach((p, k) => {
    const w = widths[k]!;
    const d = p.data;
    for (let i = 0; i < n; i++) for (let c = 0; c < w; c++) out[i * total + at + c] = d[i * w + c]!;
    at += w;
  });
  return new DenseArray(out, [n, total]);
}

/** Options of {@link makeColumnTransformer}. */
export type MakeColumnTransformerOptions = Partial<Omit<ColumnTransformerParams, 'transformers'>>;

/**
 * A ColumnTransformer whose parts are named after their transformers' classes, lowercased and
 * numbered when repeated (scikit-learn's `make_column_transformer`); an options object may end
 * the list.
 *
 * @example
 * const ct = makeColumnTransformer([new OneHotEncoder(), ['city']], [new StandardScaler(), ['age', 'income']], { remainder: 'passthrough' });
 * ct.transformers.map(([name]) => name); // ['onehotencoder', 'standardscaler']
 */
export function makeColumnTransformer(
  ...args: (readonly [TransformerChoice, ColumnSelector] | MakeColumnTransformerOptions)[]
): ColumnTransformer {
  const last = args[args.length - 1];
  const options = last !== undefined && !Array.isArray(last) ? (args.pop() as MakeColumnTransformerOptions) : {};
  const pairs = args as (readonly [TransformerChoice, ColumnSelector])[];
  pairs.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2)
      throw new ParameterTypeError(
        `makeColumnTransformer: argument ${i} must be [transformer, columns]. Got ${describeValue(p)}.`,
        'ColumnTransformer',
        'transformers',
        p,
      );
  });
  const base = (t: TransformerChoice) => (typeof t === 'string' ? t : isEstimator(t) ? t.estimatorName.toLowerCase() : String(t));
  const counts = new Map<string, number>();
  for (const [t] of pairs) counts.set(base(t), (counts.get(base(t)) ?? 0) + 1);
  const seen = new Map<string, number>();
  const specs = pairs.map(([t, c]): ColumnSpec => {
    const n = base(t);
    if (counts.get(n) === 1) return [n, t, c];
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return [`${n}-${k}`, t, c];
  });
  return new ColumnTransformer(specs, options);
}

registerEstimator(ColumnTransformer as never);
