/**
 * PolynomialFeatures with scikit-learn 1.2's output: the bias column, then every monomial of the
 * features of degree 1 up to `degree` (or of degrees `[min, max]`), in scikit-learn's column order
 * (`powers_`), each product computed as scikit-learn computes it — a monomial of degree d is the
 * one of degree d − 1 that excludes the lower features, times one feature — so the outputs are the
 * same doubles.
 *
 * Fitting learns only the width: on a lazy X `fit` reads nothing (its shape is enough), and
 * `transform` runs block by block (`est.apply`), its width declared up front by
 * {@link PolynomialFeatures.outputWidth}.
 */
import { DenseArray, allocate, type NDArray } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions, LazyTransformer } from '../contract.js';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, StateRangeError, describeValue } from '../errors.js';
import { isLazy, lazyMethod, rejecting } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count } from '../state_schema.js';
import { BOOLEAN, type MatrixLike, checkArray, checkFeatureCount } from '../validation.js';

export interface PolynomialFeaturesParams {
  /** The largest degree (default 2), or `[minDegree, maxDegree]`: only monomials of those degrees (and the bias). */
  degree: number | [number, number];
  /** Only products of distinct features (no x0², default false). */
  interactionOnly: boolean;
  /** Start with a column of ones (default true). */
  includeBias: boolean;
}

export interface PolynomialFeaturesState extends State {
  nFeaturesIn_: number;
  /** Columns of transform's output. */
  nOutputFeatures_: number;
}

export interface PolynomialFeatures extends PolynomialFeaturesParams {}

/** Python's itertools.combinations (`repeat`: combinations_with_replacement) of range(n), r at a time, in its order. */
function combinations(n: number, r: number, repeat: boolean, out: number[][]): void {
  const c: number[] = [];
  const rec = (from: number): void => {
    if (c.length === r) {
      out.push(c.slice());
      return;
    }
    for (let i = from; i < n; i++) {
      c.push(i);
      rec(repeat ? i : i + 1);
      c.pop();
    }
  };
  rec(0);
}

/**
 * Generates polynomial and interaction features (scikit-learn's `PolynomialFeatures`, dense
 * float64; `order` is always C).
 *
 * @example
 * const pf = new PolynomialFeatures({ degree: 2 }).fit([[2, 3]]);
 * pf.transform([[2, 3]]).data; // [1, 2, 3, 4, 6, 9]: 1, x0, x1, x0², x0·x1, x1²
 * pf.getFeatureNamesOut();     // ['1', 'x0', 'x1', 'x0^2', 'x0 x1', 'x1^2']
 */
export class PolynomialFeatures
  extends BaseEstimator<PolynomialFeaturesParams, PolynomialFeaturesState>
  implements LazyFitter, LazyTransformer
{
  static readonly estimatorName = 'PolynomialFeatures';
  static readonly estimatorType = 'transformer';
  static readonly defaults: Readonly<PolynomialFeaturesParams> = Object.freeze({
    degree: 2 as number | [number, number],
    interactionOnly: false,
    includeBias: true,
  });
  // degree is checked in checkMoreParams (an int or a pair of ints: no constraint kind says so).
  static readonly constraints = { interactionOnly: [BOOLEAN], includeBias: [BOOLEAN] };
  static readonly stateSchema: StateSchema = {
    fields: { nFeaturesIn_: count(1, 'd'), nOutputFeatures_: count(1) },
  };

  constructor(options: Partial<PolynomialFeaturesParams> = {}) {
    super(options);
  }

  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
  get nOutputFeatures_(): number {
    return this.fitted.nOutputFeatures_;
  }

  /** `[minDegree, maxDegree]` of the (validated) `degree`. */
  private degrees(): [number, number] {
    const d = this.degree;
    return typeof d === 'number' ? [0, d] : [d[0], d[1]];
  }

  protected override checkMoreParams(): void {
    const name = this.estimatorName;
    const d = this.degree as unknown;
    const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
    const pair = Array.isArray(d) && d.length === 2;
    if (!isInt(d) && !(pair && isInt(d[0]) && isInt(d[1]) && d[0] <= d[1])) {
      const msg = `The 'degree' parameter of ${name} must be an int in the range [0, inf) or an array [minDegree, maxDegree] of such ints with minDegree <= maxDegree. Got ${describeValue(d)} instead.`;
      throw typeof d === 'number' || Array.isArray(d)
        ? new ParameterRangeError(msg, name, 'degree', d)
        : new ParameterTypeError(msg, name, 'degree', d);
    }
    if (this.degrees()[1] === 0 && this.includeBias === false) {
      throw new ParameterRangeError(
        `${name}: degree 0 with includeBias false would give an empty output (no column at all).`,
        name,
        'degree',
        d,
      );
    }
  }

  /** The monomials, as lists of feature indices, in output order (the bias an empty list). */
  private monomials(nFeatures: number): number[][] {
    const [lo, hi] = this.degrees();
    const out: number[][] = [];
    if (this.includeBias) out.push([]);
    for (let r = Math.max(1, lo); r <= hi; r++) combinations(nFeatures, r, !this.interactionOnly, out);
    return out;
  }

  /**
   * The exponent of each input feature in each output column, `[nOutputFeatures_, nFeaturesIn_]`
   * (scikit-learn's `powers_`).
   */
  get powers_(): DenseArray<'float64'> {
    const d = this.fitted.nFeaturesIn_;
    const m = this.monomials(d);
    const out = new Float64Array(m.length * d);
    m.forEach((c, k) => c.forEach((j) => out[k * d + j]!++));
    return new DenseArray(out, [m.length, d]);
  }

  /**
   * Names of the output columns (scikit-learn's `get_feature_names_out`): `'1'`, `'x0'`,
   * `'x0^2 x1'`… from `inputFeatures` (default `x0`, `x1`…).
   */
  getFeatureNamesOut(inputFeatures?: readonly string[]): string[] {
    const d = this.fitted.nFeaturesIn_;
    const names = inputFeatures ?? Array.from({ length: d }, (_, j) => `x${j}`);
    if (names.length !== d) {
      throw new InvalidInputError(
        `${this.estimatorName}.getFeatureNamesOut: inputFeatures has ${names.length} names; X has ${d} features.`,
      );
    }
    const p = this.powers_.data;
    const out: string[] = [];
    for (let k = 0; k < p.length / d; k++) {
      const parts: string[] = [];
      for (let j = 0; j < d; j++) {
        const e = p[k * d + j]!;
        if (e > 0) parts.push(e === 1 ? names[j]! : `${names[j]}^${e}`);
      }
      out.push(parts.length === 0 ? '1' : parts.join(' '));
    }
    return out;
  }

  /** Learns the number of features (and so of output columns). A lazy X: its shape alone, nothing is read. */
  fit(X: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike): this;
  fit(X: MatrixLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, undefined, options));
    this.checkParams();
    const m = checkArray(X, { caller: `${this.estimatorName}.fit` });
    return this.fitWidth(m.nFeatures);
  }

  /** Fits on a lazy X from its width (see {@link fit}); no task runs. */
  async fitLazy(X: NDArray, _y: NDArray | undefined, _options: LazyOptions): Promise<this> {
    this.checkParams();
    const caller = `${this.estimatorName}.fit`;
    if (X.ndim !== 2) throw new RangeError(`${caller}: X must be a 2-D array of samples × features; got shape [${X.shape.join(', ')}].`);
    if (X.shape[0] === 0) throw new InvalidInputError(`${caller}: found array X with 0 samples, while a minimum of 1 is required.`);
    if (X.shape[1] === 0) throw new InvalidInputError(`${caller}: found array X with 0 features, while a minimum of 1 is required.`);
    return this.fitWidth(X.shape[1]!);
  }

  private fitWidth(d: number): this {
    const w = this.monomials(d).length;
    if (w === 0) {
      throw new InvalidInputError(
        `${this.estimatorName}.fit: X has ${d} feature${d === 1 ? '' : 's'}, too few for interactions of degree ${describeValue(this.degree)} without a bias column: the output would have no column.`,
      );
    }
    this.resetState();
    this.learned = { nFeaturesIn_: d, nOutputFeatures_: w };
    return this;
  }

  protected override restoreState(state: State): PolynomialFeaturesState {
    const s = state as PolynomialFeaturesState;
    const expected = this.monomials(s.nFeaturesIn_).length;
    if (s.nOutputFeatures_ !== expected) {
      throw new StateRangeError(
        `${this.estimatorName} state field 'nOutputFeatures_' is ${s.nOutputFeatures_} but ${s.nFeaturesIn_} features with these parameters give ${expected}.`,
        this.estimatorName,
        'nOutputFeatures_',
      );
    }
    return s;
  }

  /** transform's width: {@link nOutputFeatures_}. */
  override outputWidth(method: ApplyMethod): number | null {
    if (method === 'transform') return this.fitted.nOutputFeatures_;
    return super.outputWidth(method);
  }

  /**
   * How scikit-learn 1.2 fills its full output (degrees 0…max) column by column: each column is
   * 1 (`src` −1), a feature (`src` −2, `feat` the feature), or column `src` times feature `feat`.
   */
  private recipe(d: number): { src: Int32Array; feat: Int32Array } {
    const [, hi] = this.degrees();
    const src: number[] = [];
    const feat: number[] = [];
    if (this.includeBias) {
      src.push(-1);
      feat.push(-1);
    }
    if (hi === 0) return { src: Int32Array.from(src), feat: Int32Array.from(feat) };
    let current = src.length;
    let index: number[] = [];
    for (let j = 0; j < d; j++) {
      src.push(-2);
      feat.push(j);
      index.push(current + j);
    }
    current += d;
    index.push(current);
    for (let deg = 2; deg <= hi; deg++) {
      const next: number[] = [];
      const end = index[index.length - 1]!;
      for (let j = 0; j < d; j++) {
        let start = index[j]!;
        next.push(current);
        if (this.interactionOnly) start += index[j + 1]! - index[j]!;
        const nextCol = current + end - start;
        if (nextCol <= current) break;
        for (let c = start; c < end; c++) {
          src.push(c);
          feat.push(j);
        }
        current = nextCol;
      }
      next.push(current);
      index = next;
    }
    return { src: Int32Array.from(src), feat: Int32Array.from(feat) };
  }

  /** The polynomial features of X; lazy (block by block) for a lazy X. */
  transform(X: NDArray): NDArray;
  transform(X: MatrixLike): DenseArray<'float64'>;
  transform(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return this.transformLazy(X);
    const s = this.fitted;
    const m = checkArray(X, { caller: `${this.estimatorName}.transform` });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const { data, nSamples: n, nFeatures: d } = m;
    const { src, feat } = this.recipe(d);
    const full = src.length;
    const w = s.nOutputFeatures_;
    // With minDegree > 1 the lower degrees are dropped: the bias (if any), then the last columns.
    const bias = this.includeBias ? 1 : 0;
    const skip = full - w;
    const row = new Float64Array(full);
    const out = allocate('float64', n * w);
    for (let i = 0; i < n; i++) {
      const x = i * d;
      for (let c = 0; c < full; c++) {
        const k = src[c]!;
        row[c] = k === -1 ? 1 : k === -2 ? data[x + feat[c]!]! : row[k]! * data[x + feat[c]!]!;
      }
      const o = i * w;
      if (bias === 1) out[o] = 1;
      for (let c = bias; c < w; c++) out[o + c] = row[c + skip]!;
    }
    return new DenseArray(out, [n, w]);
  }

  /** The lazy transform: `transform` on each row block (`est.apply`), {@link outputWidth} columns wide. */
  transformLazy(X: NDArray): NDArray {
    return lazyMethod(this, X, 'transform', this.outputWidth('transform'));
  }

  /** fit then transform. */
  fitTransform(X: MatrixLike): DenseArray<'float64'> {
    return this.fit(X).transform(X);
  }
}

registerEstimator(PolynomialFeatures);
