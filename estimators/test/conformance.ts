/**
 * The estimator conformance suite (after scikit-learn's `estimator_checks`): one function,
 * {@link checkEstimator}, that registers the contract's tests for one estimator. To cover a new
 * estimator, add an {@link EstimatorSpec} to the list in conformance.test.ts.
 */
import { expect, it } from 'vitest';
import { DenseArray } from '@tessera/array';
import {
  type BaseEstimator,
  type EstimatorClass,
  InvalidInputError,
  NotFittedError,
  ParameterRangeError,
  ParameterTypeError,
  APPLY_METHODS,
  applyMethod,
  estimatorFromJSON,
  isPartialFitter,
  estimatorFromSnapshot,
  isEstimator,
} from '../src/index.js';
import { Random, invalidValuesFor } from '../src/internal.js';

/** Anything with the methods the suite calls; each is optional and used when present. */
export type AnyEstimator = BaseEstimator & {
  fit(X: unknown, y?: unknown, options?: unknown): unknown;
  partialFit?(X: unknown, y?: unknown, options?: unknown): unknown;
  predict?(X: unknown): DenseArray;
  decisionFunction?(X: unknown): DenseArray;
  predictProba?(X: unknown): DenseArray;
  transform?(X: unknown): DenseArray;
};

/** How to exercise one estimator. */
export interface EstimatorSpec {
  /** Shown in test names. */
  readonly name: string;
  readonly cls: EstimatorClass;
  /** Options for a fast, deterministic instance (e.g. small maxIter, randomState). */
  readonly options?: Record<string, unknown>;
  /** 'classifier' fits (X, y) with labels, 'regressor' (X, y) with reals, 'transformer' X alone. */
  readonly kind: 'classifier' | 'regressor' | 'transformer';
  /** Extra options for the first partialFit (e.g. { classes }). */
  readonly firstPartialFit?: Record<string, unknown>;
  /** Output methods to compare across round trips (default: all the estimator has). */
  readonly outputs?: readonly ('predict' | 'decisionFunction' | 'predictProba' | 'transform')[];
  /** Whether randomState drives its results (adds the determinism check). */
  readonly random?: boolean;
  /** Parameters to leave out of the generated invalid-value checks (with the reason). */
  readonly skipInvalid?: Readonly<Record<string, string>>;
  /** The estimator needs non-negative features (MultinomialNB): the dataset is shifted by +1. */
  readonly nonNegative?: boolean;
  /** NaN is data for it, as in scikit-learn (QuantileTransformer: left out of fit, passed through): only ±Infinity is an error. */
  readonly allowsNaN?: boolean;
  /** The regressor needs non-negative targets (PoissonRegressor): |y| is fitted. */
  readonly nonNegativeTargets?: boolean;
}

/** Params with nested estimators replaced by their class and params (state left out). */
export function paramsView(value: unknown): unknown {
  if (isEstimator(value)) return { estimator: value.estimatorName, params: paramsView(value.getParams(false)) };
  if (Array.isArray(value)) return value.map(paramsView);
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, paramsView(v)]));
  }
  return value;
}

/** A deterministic small dataset: 3 classes, 6 features. */
export function dataset(n = 90, d = 6, seed = 1): { X: DenseArray; y: number[]; yReg: number[] } {
  const rng = new Random(seed);
  const rows: number[][] = [];
  const y: number[] = [];
  const yReg: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    const row = Array.from({ length: d }, (_, j) => rng.random() * 2 - 1 + (j === c ? 2 : 0));
    rows.push(row);
    y.push(c);
    yReg.push(row.reduce((s, v, j) => s + v * (j + 1), 0.5) + (rng.random() - 0.5) * 0.1);
  }
  return { X: DenseArray.from(rows), y, yReg };
}

/** The dataset with every feature value increased by `by` (the raw features lie in [-1, 3)). */
function shifted(data: ReturnType<typeof dataset>, by: number): ReturnType<typeof dataset> {
  return {
    ...data,
    X: new DenseArray(
      (data.X.data as Float64Array).map((v) => v + by),
      data.X.shape,
    ),
  };
}

function targets(spec: EstimatorSpec, data: ReturnType<typeof dataset>): number[] | undefined {
  if (spec.kind === 'regressor' && spec.nonNegativeTargets) return data.yReg.map(Math.abs);
  return spec.kind === 'classifier' ? data.y : spec.kind === 'regressor' ? data.yReg : undefined;
}

function make(spec: EstimatorSpec, extra: Record<string, unknown> = {}): AnyEstimator {
  return new (spec.cls as unknown as new (o: Record<string, unknown>) => AnyEstimator)({ ...spec.options, ...extra });
}

function fit(spec: EstimatorSpec, est: AnyEstimator, X: unknown, y: number[] | undefined): void {
  if (spec.kind === 'transformer') est.fit(X);
  else est.fit(X, y);
}

function partialFit(spec: EstimatorSpec, est: AnyEstimator, X: unknown, y: number[] | undefined, first: boolean): void {
  const opts = first ? (spec.firstPartialFit ?? {}) : {};
  if (spec.kind === 'transformer') est.partialFit!(X);
  else if (Object.keys(opts).length > 0) est.partialFit!(X, y, opts);
  else est.partialFit!(X, y);
}

type Output = 'predict' | 'decisionFunction' | 'predictProba' | 'transform';

function outputNames(spec: EstimatorSpec, est: AnyEstimator): readonly Output[] {
  return (
    spec.outputs ?? (['predict', 'decisionFunction', 'predictProba', 'transform'] as const).filter((m) => typeof est[m] === 'function')
  );
}

function outputsOf(spec: EstimatorSpec, est: AnyEstimator, X: unknown): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const m of outputNames(spec, est)) out[m] = Array.from(est[m]!(X).data as ArrayLike<number>);
  return out;
}

function rowsOf(X: DenseArray, a: number, b: number): DenseArray {
  const d = X.shape[1]!;
  return new DenseArray((X.data as Float64Array).slice(a * d, b * d), [b - a, d]);
}

/** Exact equality that treats NaN as equal and distinguishes -0 (what a JSON round trip must keep). */
function sameState(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

function normalize(v: unknown): unknown {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v;
  if (v === null || typeof v !== 'object') return v;
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, normalize);
  if (Array.isArray(v)) return v.map(normalize);
  if ('data' in (v as object) && 'shape' in (v as object)) {
    const blk = v as { shape: readonly number[]; data: ArrayLike<number> };
    return { shape: [...blk.shape], data: Array.from(blk.data, normalize) };
  }
  return Object.fromEntries(
    Object.entries(v as object)
      .sort(([x], [y]) => (x < y ? -1 : 1))
      .map(([k, x]) => [k, normalize(x)]),
  );
}

/** Registers the conformance tests for one estimator (call inside a describe block). */
export function checkEstimator(spec: EstimatorSpec): void {
  const data = spec.nonNegative ? shifted(dataset(), 1) : dataset();
  const y = targets(spec, data);
  const cls = spec.cls;

  it('declares what it is, and says how wide each output is (the out-of-core contract)', () => {
    const est = make(spec);
    // What the spec fits it as: classifiers and regressors take y, transformers (and clusterers) do not.
    const expected = spec.kind === 'transformer' ? ['transformer', 'clusterer'] : [spec.kind];
    expect(expected).toContain(est.estimatorType);
    expect(est.requiresY).toBe(spec.kind !== 'transformer');
    expect(isPartialFitter(est)).toBe(typeof est.partialFit === 'function');
    fit(spec, est, data.X, y);
    for (const m of APPLY_METHODS) {
      if (!est.supports(m)) {
        expect(est.lacking(m), m).not.toBeNull();
        continue;
      }
      // inverseTransform takes the transform's output: its width is the features (checked below via transform).
      if (m === 'inverseTransform') continue;
      expect(typeof (est as unknown as Record<string, unknown>)[m], m).toBe('function');
      const out = applyMethod(est, m, data.X);
      const width = est.outputWidth(m);
      // null: a 1-D output; a number: that many columns per row.
      expect(width === null ? out.shape.length : [out.shape.length, out.shape[1]], m).toEqual(width === null ? 1 : [2, width]);
      expect(out.shape[0], m).toBe(data.X.shape[0]);
    }
  });

  it('stores the hyperparameters unchanged, with scikit-learn-style defaults', () => {
    const est = new (cls as unknown as new () => AnyEstimator)();
    expect(est.getParams(false)).toEqual({ ...cls.defaults });
    const first = Object.keys(cls.defaults)[0];
    if (first !== undefined) {
      const weird = { [first]: 'not validated yet' };
      expect((new (cls as unknown as new (o: object) => AnyEstimator)(weird).getParams(false) as Record<string, unknown>)[first]).toBe(
        'not validated yet',
      );
    }
    expect(() => new (cls as unknown as new (o: object) => AnyEstimator)({ notAParam: 1 })).toThrow(TypeError);
  });

  it('round-trips getParams / setParams and clones unfitted', () => {
    const est = make(spec);
    const params = est.getParams();
    const other = new (cls as unknown as new () => AnyEstimator)().setParams(params);
    expect(other.getParams()).toEqual(params);
    expect(() => est.setParams({ notAParam: 1 })).toThrow(TypeError);
    fit(spec, est, data.X, y);
    const c = est.clone();
    expect(c).not.toBe(est);
    expect(c.constructor).toBe(est.constructor);
    // Estimator-valued params (a pipeline's steps, fitted in place) compare by their params.
    expect(paramsView(c.getParams())).toEqual(paramsView(est.getParams()));
    expect(c.isFitted()).toBe(false);
  });

  it('throws NotFittedError before fit', () => {
    const est = make(spec);
    expect(est.isFitted()).toBe(false);
    expect(() => est.getState()).toThrow(NotFittedError);
    for (const m of outputNames(spec, est)) expect(() => est[m]!(data.X), m).toThrow(NotFittedError);
    expect(() => est.getState()).toThrow(/not fitted yet/);
  });

  it('validates every hyperparameter against its constraints (generated invalid values)', () => {
    let checked = 0;
    for (const [param, constraints] of Object.entries(cls.constraints)) {
      if (spec.skipInvalid?.[param] !== undefined) continue;
      for (const bad of invalidValuesFor(constraints)) {
        const est = make(spec, { [param]: bad });
        let error: unknown;
        try {
          fit(spec, est, data.X, y);
        } catch (e) {
          error = e;
        }
        expect(
          error instanceof ParameterTypeError || error instanceof ParameterRangeError,
          `${param} = ${String(bad)}: ${String(error)}`,
        ).toBe(true);
        expect((error as Error).message).toMatch(
          new RegExp(`^The '${param}' parameter of ${cls.estimatorName} must be .+\\. Got .+ instead\\.$`),
        );
        checked++;
      }
    }
    expect(checked > 0 || Object.keys(cls.constraints).length === 0).toBe(true);
  });

  it('fixes the feature count at the first fit and rejects a mismatch', () => {
    const est = make(spec);
    fit(spec, est, data.X, y);
    expect((est as unknown as { nFeaturesIn_: number }).nFeaturesIn_).toBe(6);
    const wider = DenseArray.from(data.X.toArray().map((r) => [...(r as number[]), 0]) as number[][]);
    for (const m of outputNames(spec, est)) expect(() => est[m]!(wider), m).toThrow(/X has 7 features, but .* is expecting 6 features/);
    if (est.partialFit) expect(() => partialFit(spec, est, wider, y, false)).toThrow(InvalidInputError);
  });

  it('names the row and column of NaN / Infinity in X', () => {
    for (const [bad, word] of [
      ...(spec.allowsNaN ? [] : ([[Number.NaN, 'NaN']] as const)),
      [Number.POSITIVE_INFINITY, 'Infinity'],
      [Number.NEGATIVE_INFINITY, '-Infinity'],
    ] as const) {
      const rows = data.X.toArray() as number[][];
      rows[7]![4] = bad;
      const Xbad = DenseArray.from(rows);
      expect(() => fit(spec, make(spec), Xbad, y)).toThrow(new RegExp(`contains ${word} at row 7, column 4`));
      const est = make(spec);
      fit(spec, est, data.X, y);
      const before = JSON.stringify(est.toJSON());
      if (est.partialFit) expect(() => partialFit(spec, est, Xbad, y, false)).toThrow(new RegExp(`contains ${word} at row 7, column 4`));
      expect(JSON.stringify(est.toJSON()), 'a failed partialFit leaves the state unchanged').toBe(before);
      for (const m of ['predict', 'decisionFunction', 'transform'] as const) {
        if (typeof est[m] === 'function') expect(() => est[m]!(Xbad), m).toThrow(new RegExp(`${word} at row 7, column 4`));
      }
    }
  });

  it('fit resets; partialFit continues', () => {
    const a = make(spec);
    fit(spec, a, rowsOf(data.X, 0, 45), y?.slice(0, 45));
    fit(spec, a, rowsOf(data.X, 45, 90), y?.slice(45, 90));
    const b = make(spec);
    fit(spec, b, rowsOf(data.X, 45, 90), y?.slice(45, 90));
    expect(sameState(a.getState(), b.getState())).toBe(true);
    if (!a.partialFit) return;
    const c = make(spec);
    partialFit(spec, c, rowsOf(data.X, 0, 45), y?.slice(0, 45), true);
    const afterFirst = c.getState();
    const snapshot = JSON.stringify(normalize(afterFirst));
    partialFit(spec, c, rowsOf(data.X, 45, 90), y?.slice(45, 90), false);
    const d = make(spec);
    partialFit(spec, d, rowsOf(data.X, 45, 90), y?.slice(45, 90), true);
    expect(sameState(c.getState(), d.getState())).toBe(false);
    expect(JSON.stringify(normalize(afterFirst)), 'training never mutates a state returned earlier').toBe(snapshot);
  });

  if (spec.random) {
    it('is deterministic with a fixed randomState', () => {
      // Estimators with a `shuffle` option shuffle here, so that the seed matters.
      const shuffle = Object.hasOwn(cls.defaults, 'shuffle') ? { shuffle: true } : {};
      const a = make(spec, { randomState: 42, ...shuffle });
      const b = make(spec, { randomState: 42, ...shuffle });
      fit(spec, a, data.X, y);
      fit(spec, b, data.X, y);
      expect(sameState(a.getState(), b.getState())).toBe(true);
      const c = make(spec, { randomState: 43, ...shuffle });
      fit(spec, c, data.X, y);
      expect(sameState(a.getState(), c.getState())).toBe(false);
    });
  }

  it('round-trips through JSON exactly (and through a structured-clone snapshot)', () => {
    const est = make(spec);
    if (est.partialFit) {
      partialFit(spec, est, rowsOf(data.X, 0, 45), y?.slice(0, 45), true);
      partialFit(spec, est, rowsOf(data.X, 45, 90), y?.slice(45, 90), false);
    } else {
      fit(spec, est, data.X, y);
    }
    const text = JSON.stringify(est);
    const back = estimatorFromJSON(JSON.parse(text));
    expect(back.constructor).toBe(est.constructor);
    expect((cls as unknown as { fromJSON(j: string): unknown }).fromJSON(text)).toBeInstanceOf(est.constructor);
    expect(back.getParams()).toEqual(est.getParams());
    expect(sameState(back.getState(), est.getState())).toBe(true);
    expect(JSON.stringify(back)).toBe(text);
    expect(outputsOf(spec, back as AnyEstimator, data.X)).toEqual(outputsOf(spec, est, data.X));
    const viaClone = estimatorFromSnapshot(structuredClone(est.snapshot())) as AnyEstimator;
    expect(sameState(viaClone.getState(), est.getState())).toBe(true);
    expect(outputsOf(spec, viaClone, data.X)).toEqual(outputsOf(spec, est, data.X));
    // An unfitted estimator round-trips too.
    const fresh = estimatorFromJSON(JSON.parse(JSON.stringify(make(spec))));
    expect(fresh.isFitted()).toBe(false);
  });

  if (typeof (make(spec) as AnyEstimator).partialFit === 'function') {
    it('continues identically after being rebuilt from a snapshot (the worker chain link)', () => {
      const original = make(spec);
      partialFit(spec, original, rowsOf(data.X, 0, 30), y?.slice(0, 30), true);
      // link: state_i = partialFit(rebuild(params, state_{i-1}), X_i, y_i)
      let snap = structuredClone(original.snapshot());
      for (const [a, b] of [
        [30, 60],
        [60, 90],
      ] as const) {
        partialFit(spec, original, rowsOf(data.X, a, b), y?.slice(a, b), false);
        const worker = estimatorFromSnapshot(snap) as AnyEstimator;
        partialFit(spec, worker, rowsOf(data.X, a, b), y?.slice(a, b), false);
        snap = structuredClone(worker.snapshot());
      }
      expect(sameState(estimatorFromSnapshot(snap).getState(), original.getState())).toBe(true);
    });
  }
}
