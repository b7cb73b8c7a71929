/**
 * Persistence validation (issue 14 §2): `estimatorFromJSON` checks every field of a model file
 * against the estimator's declared state schema and fails naming the field — a tampered `coef_`
 * width must never predict zeros silently. For every registered estimator, each field of its
 * state is tampered in every way its kind allows (missing, wrong type, null, NaN, wrong dtype,
 * unknown dtype, wrong shape, out of range) and the error must name the field.
 */
import { describe, expect, it } from 'vitest';
import { DenseArray } from '@tessera/array';
import {
  BernoulliNB,
  GaussianNB,
  Incremental,
  IncrementalPCA,
  PCA,
  TruncatedSVD,
  MaxAbsScaler,
  MiniBatchKMeans,
  KMeans,
  MinMaxScaler,
  MLPClassifier,
  MLPRegressor,
  MultinomialNB,
  ParallelPostFit,
  ParameterRangeError,
  ParameterTypeError,
  PassiveAggressiveClassifier,
  PassiveAggressiveRegressor,
  Perceptron,
  Pipeline,
  SGDClassifier,
  SGDRegressor,
  SimpleImputer,
  OneHotEncoder,
  OrdinalEncoder,
  LabelEncoder,
  RobustScaler,
  PolynomialFeatures,
  QuantileTransformer,
  ColumnTransformer,
  FunctionTransformer,
  LinearRegression,
  Ridge,
  LogisticRegression,
  PoissonRegressor,
  StandardScaler,
  StateRangeError,
  StateTypeError,
  estimatorClass,
  estimatorFromJSON,
  estimatorFromSnapshot,
  isInvalidStateError,
  registeredEstimators,
  type BaseEstimator,
} from '../src/index.js';
import { type StateField, type StateSchema } from '../src/internal.js';
import { dataset } from './conformance.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const data = dataset();
const positive = new DenseArray(
  (data.X.data as Float64Array).map((v) => v + 1),
  data.X.shape,
);
const fast = { maxIter: 5, tol: null, shuffle: false };
/** Columns of codes: 3 categories, then 2 (a binary column, which 'if_binary' drops one of). */
const codes = data.X.toArray().map((r, i) => [Math.round((r as number[])[0]!), i % 2]);
const classes = { classes: [0, 1, 2] };
const appendSquares = { module: new URL('./function_kernels.mjs', import.meta.url).href, export: 'appendSquares' };
await new FunctionTransformer({ func: appendSquares }).load();

/** A fitted instance of every registered estimator (several for estimators whose state varies). */
const fitted: Record<string, () => BaseEstimator[]> = {
  SGDClassifier: () => [
    new SGDClassifier(fast).fit(data.X, data.y),
    new SGDClassifier({ ...fast, loss: 'log_loss', average: true }).fit(data.X, data.y),
    new SGDClassifier(fast).fit(
      data.X,
      data.y.map((c) => (c === 2 ? 1 : c)),
    ),
  ],
  SGDRegressor: () => [new SGDRegressor(fast).fit(data.X, data.yReg), new SGDRegressor({ ...fast, average: 10 }).fit(data.X, data.yReg)],
  Perceptron: () => [new Perceptron(fast).fit(data.X, data.y)],
  LinearRegression: () => [
    new LinearRegression().fit(data.X, data.yReg),
    new LinearRegression({ fitIntercept: false }).fit(
      data.X,
      data.yReg.map((v, i) => [v, i % 3]),
    ),
  ],
  Ridge: () => [new Ridge({ alpha: 2 }).fit(data.X, data.yReg)],
  LogisticRegression: () => [
    new LogisticRegression().fit(data.X, data.y),
    new LogisticRegression({ C: 0.1 }).fit(
      data.X,
      data.y.map((c) => (c === 2 ? 1 : c)),
    ),
  ],
  PoissonRegressor: () => [new PoissonRegressor().fit(data.X, data.yReg.map(Math.abs))],
  PassiveAggressiveClassifier: () => [new PassiveAggressiveClassifier(fast).fit(data.X, data.y)],
  PassiveAggressiveRegressor: () => [new PassiveAggressiveRegressor(fast).fit(data.X, data.yReg)],
  StandardScaler: () => [new StandardScaler().fit(data.X)],
  MinMaxScaler: () => [new MinMaxScaler().fit(data.X)],
  MaxAbsScaler: () => [new MaxAbsScaler().fit(data.X)],
  RobustScaler: () => [new RobustScaler().fit(data.X), new RobustScaler({ withCentering: false, unitVariance: true }).fit(data.X)],
  ColumnTransformer: () => [
    new ColumnTransformer(
      [
        ['std', new StandardScaler(), [0, 1]],
        ['q', new QuantileTransformer({ nQuantiles: 10 }), [2]],
      ],
      { remainder: 'passthrough' },
    ).fit(data.X),
  ],
  QuantileTransformer: () => [
    new QuantileTransformer({ nQuantiles: 25 }).fit(data.X),
    new QuantileTransformer({ nQuantiles: 10, outputDistribution: 'normal', subsample: 30, randomState: 1 }).fit(data.X),
  ],
  PolynomialFeatures: () => [
    new PolynomialFeatures().fit(data.X),
    new PolynomialFeatures({ degree: [2, 3], interactionOnly: true }).fit(data.X),
  ],
  FunctionTransformer: () => [
    new FunctionTransformer().fit(data.X),
    new FunctionTransformer({ func: appendSquares, kwArgs: { scale: 2 } }).fit(data.X),
  ],
  OneHotEncoder: () => [
    new OneHotEncoder().fit(codes),
    new OneHotEncoder({ drop: 'if_binary' }).fit(codes),
    new OneHotEncoder({ maxCategories: 2, drop: 'first', handleUnknown: 'infrequent_if_exist' }).fit(codes),
  ],
  OrdinalEncoder: () => [new OrdinalEncoder().fit(codes)],
  LabelEncoder: () => [new LabelEncoder().fit(data.y)],
  SimpleImputer: () => [
    new SimpleImputer().fit(data.X),
    new SimpleImputer({ strategy: 'median', missingValues: -1 }).fit(data.X),
    new SimpleImputer({ strategy: 'most_frequent', missingValues: 0, addIndicator: true }).fit(codes),
  ],
  GaussianNB: () => [new GaussianNB().fit(data.X, data.y)],
  MultinomialNB: () => [new MultinomialNB().partialFit(positive, data.y, classes)],
  BernoulliNB: () => [new BernoulliNB().fit(data.X, data.y)],
  IncrementalPCA: () => [new IncrementalPCA({ nComponents: 3 }).fit(data.X)],
  PCA: () => [
    new PCA({ nComponents: 3 }).fit(data.X),
    new PCA({ whiten: true, svdSolver: 'randomized', nComponents: 2, randomState: 0 }).fit(data.X),
  ],
  TruncatedSVD: () => [
    new TruncatedSVD({ randomState: 0 }).fit(data.X),
    new TruncatedSVD({ nComponents: 4, algorithm: 'tsqr' }).fit(data.X),
  ],
  MiniBatchKMeans: () => [new MiniBatchKMeans({ nClusters: 3, batchSize: 30, randomState: 0 }).fit(data.X)],
  KMeans: () => [
    new KMeans({ nClusters: 3, randomState: 0 }).fit(data.X),
    new KMeans({ nClusters: 2, init: 'k-means++', randomState: 0 }).fit(data.X),
  ],
  MLPClassifier: () => [
    new MLPClassifier({ hiddenLayerSizes: [5, 4], maxIter: 3, randomState: 0 }).partialFit(data.X, data.y, classes),
    new MLPClassifier({ hiddenLayerSizes: [3], maxIter: 3, randomState: 0, earlyStopping: true }).fit(
      data.X,
      data.y.map((c) => (c === 2 ? 1 : c)),
    ),
  ],
  MLPRegressor: () => [new MLPRegressor({ hiddenLayerSizes: [4], solver: 'sgd', maxIter: 3, randomState: 0 }).fit(data.X, data.yReg)],
  Incremental: () => [new Incremental(new SGDClassifier(fast), { classes: [0, 1, 2], shuffleBlocks: false }).fit(data.X, data.y)],
  ParallelPostFit: () => [new ParallelPostFit(new GaussianNB()).fit(data.X, data.y)],
  Pipeline: () => [
    new Pipeline([
      ['scale', new StandardScaler()],
      ['clf', new SGDClassifier(fast)],
    ]).fit(data.X, data.y),
  ],
};

const copy = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** Dimension names used by more than one field, derived, or bound by a parameter: a shape on them is checked. */
function constrainedDims(schema: StateSchema): Set<string> {
  const uses = new Map<string, number>();
  const note = (d: string | number) => typeof d === 'string' && uses.set(d, (uses.get(d) ?? 0) + 1);
  for (const f of Object.values(schema.fields)) {
    if (f.kind === 'array') f.shape.forEach(note);
    if (f.kind === 'list') [f.length, ...f.item.shape].forEach(note);
    if (f.kind === 'number') (f.dims ?? []).forEach(note);
  }
  const out = new Set<string>();
  for (const [d, n] of uses) if (n > 1 || d.includes('{')) out.add(d);
  for (const d of [...Object.keys(schema.derived ?? {}), ...Object.keys(schema.params ?? {})]) out.add(d);
  return out;
}

/** An encoded block with its last column (2-D) or element (1-D) dropped. */
function narrower(arr: JsonObject): JsonObject {
  const shape = arr['shape'] as number[];
  const dataJson = arr['data'] as Json[];
  if (shape.length === 1) return { ...arr, shape: [shape[0]! - 1], data: dataJson.slice(0, -1) };
  const [r, c] = shape as [number, number];
  const out: Json[] = [];
  for (let i = 0; i < r; i++) out.push(...dataJson.slice(i * c, i * c + c - 1));
  return { ...arr, shape: [r, c - 1], data: out };
}

interface Tamper {
  readonly what: string;
  readonly value: Json | undefined;
}

/** Every tampering of one field that its kind allows, each of which must be refused. */
function tamperings(field: StateField, value: Json, schema: StateSchema, name: string): Tamper[] {
  const out: Tamper[] = [];
  const inGroup = (schema.together ?? []).some((g) => g.includes(name));
  if (!field.optional || inGroup) out.push({ what: 'missing', value: undefined });
  if (!field.nullable) out.push({ what: 'null', value: null });
  out.push({ what: 'wrong type', value: field.kind === 'option' ? 42 : 'oops' });
  if (value === null) return out;
  const constrained = constrainedDims(schema);
  switch (field.kind) {
    case 'number': {
      const v = typeof value === 'number' ? value : Number.NaN;
      if (field.values !== 'any') out.push({ what: 'NaN', value: { $num: 'NaN' } });
      if (field.int) out.push({ what: 'non-integer', value: v + 0.5 });
      if (field.min !== undefined) out.push({ what: 'below its minimum', value: field.min - 1 });
      if ((field.dims ?? []).some((d) => typeof d === 'string' && constrained.has(d))) out.push({ what: 'inconsistent', value: v + 1 });
      break;
    }
    case 'array': {
      const arr = value as JsonObject;
      const tag = field.typed ? '$typed' : '$array';
      if (field.values !== 'any') {
        const d = [...(arr['data'] as Json[])];
        if (d.length > 0) {
          d[0] = { $num: 'NaN' };
          out.push({ what: 'NaN element', value: { ...arr, data: d } });
        }
      }
      out.push({ what: 'int32 dtype', value: { ...arr, [tag]: 'int32' } });
      out.push({ what: 'unknown dtype', value: { ...arr, [tag]: 'float128' } });
      if (!field.typed) out.push({ what: 'data not matching its shape', value: { ...arr, data: (arr['data'] as Json[]).slice(1) } });
      const checked = field.shape.some((d) => typeof d === 'number' || constrained.has(d));
      if (checked && (arr['data'] as Json[]).length > 0) {
        out.push({ what: 'narrower', value: field.typed ? { ...arr, data: (arr['data'] as Json[]).slice(1) } : narrower(arr) });
      }
      if (field.sorted && (arr['data'] as Json[]).length > 1) {
        const d = [...(arr['data'] as Json[])].reverse();
        out.push({ what: 'unsorted', value: { ...arr, data: d } });
      }
      break;
    }
    case 'list': {
      const items = value as JsonObject[];
      out.push({ what: 'one layer fewer', value: items.slice(0, -1) });
      out.push({ what: 'first layer narrower', value: [narrower(items[0]!), ...items.slice(1)] });
      break;
    }
    case 'option':
      out.push({ what: 'unknown option', value: 'bogus' });
      break;
    case 'estimator': {
      const snap = copy(value as JsonObject);
      const state = snap['state'] as JsonObject;
      const key = Object.keys(state).find(
        (k) => (state[k] as JsonObject | null)?.['$array'] !== undefined && ((state[k] as JsonObject)['shape'] as number[]).length === 2,
      )!;
      state[key] = narrower(state[key] as JsonObject);
      out.push({ what: `nested ${key} narrower`, value: snap });
      out.push({ what: 'nested unfitted', value: { ...(value as JsonObject), state: null } });
      break;
    }
  }
  return out;
}

describe('estimatorFromJSON validates every state field against the state schema', () => {
  it('covers every registered estimator', () => {
    expect(registeredEstimators().filter((n) => !(n in fitted))).toEqual([]);
    for (const n of registeredEstimators()) expect(estimatorClass(n).stateSchema, `${n} declares a stateSchema`).toBeDefined();
  });

  for (const [name, make] of Object.entries(fitted)) {
    it(`${name}: a clean model loads; each tampered field fails naming it`, () => {
      const schema = estimatorClass(name).stateSchema!;
      let checked = 0;
      for (const est of make()) {
        const json = copy(est.toJSON()) as unknown as JsonObject;
        expect(estimatorFromJSON(copy(json) as never).getState()).toBeDefined();
        const state = json['state'] as JsonObject;
        for (const [field, spec] of Object.entries(schema.fields)) {
          if (!(field in state)) continue;
          for (const t of tamperings(spec, state[field]!, schema, field)) {
            const bad = copy(json);
            if (t.value === undefined) delete (bad['state'] as JsonObject)[field];
            else (bad['state'] as JsonObject)[field] = t.value;
            let error: unknown;
            try {
              estimatorFromJSON(JSON.stringify(bad));
            } catch (e) {
              error = e;
            }
            const label = `${name}.${field} ${t.what}`;
            expect(error, `${label} was accepted`).toBeDefined();
            expect(isInvalidStateError(error), `${label}: ${String(error)}`).toBe(true);
            expect((error as Error).message, label).toContain(field);
            checked++;
          }
        }
        // An unknown field is refused too.
        const extra = copy(json);
        (extra['state'] as JsonObject)['bogus_'] = 1;
        expect(() => estimatorFromJSON(extra as never)).toThrow(
          new StateTypeError(
            `${name} state has an unknown field 'bogus_'. Its fields are: ${Object.keys(schema.fields).join(', ')}.`,
            name,
            'bogus_',
          ),
        );
      }
      expect(checked).toBeGreaterThan(0);
    });
  }

  it('refuses a coef_ narrower than nFeaturesIn_ (it would have predicted from 19 of 20 features)', () => {
    const X = DenseArray.from(Array.from({ length: 40 }, (_, i) => Array.from({ length: 20 }, (_, j) => Math.sin(i * 7 + j))));
    const y = Array.from({ length: 40 }, (_, i) => i % 2);
    const json = copy(new SGDClassifier(fast).fit(X, y).toJSON()) as unknown as JsonObject;
    const state = json['state'] as JsonObject;
    state['coef_'] = narrower(state['coef_'] as JsonObject);
    const err = (() => {
      try {
        estimatorFromJSON(JSON.stringify(json));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err, 'the tampered model was accepted').toBeDefined();
    expect((err as Error).message).toBe("SGDClassifier state field 'coef_' has shape (1, 19) but nFeaturesIn_ is 20.");
    expect(err).toBeInstanceOf(StateRangeError);
    expect((err as StateRangeError).field).toBe('coef_');
    // Rows must match the classes: two rows for a binary problem, three for three classes.
    const three = copy(new SGDClassifier(fast).fit(data.X, data.y).toJSON()) as unknown as JsonObject;
    (three['state'] as JsonObject)['classes_'] = { $array: 'float64', shape: [2], data: [0, 1] };
    expect(() => estimatorFromJSON(three as never)).toThrow(
      "SGDClassifier state field 'coef_' has shape (3, 6) but classes_ holds 2 classes, so 1 row is expected (one per class; one for two classes).",
    );
  });

  it("checks an MLP's output activation and optimizer against its layers", () => {
    const clf = new MLPClassifier({ hiddenLayerSizes: [4], maxIter: 2, randomState: 0 }).partialFit(data.X, data.y, classes);
    const json = copy(clf.toJSON()) as unknown as JsonObject;
    (json['state'] as JsonObject)['outActivation_'] = 'logistic';
    expect(() => estimatorFromJSON(json as never)).toThrow(
      "MLPClassifier state field 'outActivation_' is 'logistic' but classes_ holds 3 classes, which means a 'softmax' output.",
    );
    const moments = copy(clf.toJSON()) as unknown as JsonObject;
    const m1 = (moments['state'] as JsonObject)['optimizerMoment1_'] as JsonObject;
    m1['data'] = (m1['data'] as Json[]).slice(1);
    expect(() => estimatorFromJSON(moments as never)).toThrow(
      "MLPClassifier state field 'optimizerMoment1_' has shape (42,) but coefs_ and intercepts_ hold 43 parameters (units 6 → 4 → 3).",
    );
    const reg = copy(
      new MLPRegressor({ hiddenLayerSizes: [3], maxIter: 2, randomState: 0 }).fit(data.X, data.yReg).toJSON(),
    ) as unknown as JsonObject;
    (reg['state'] as JsonObject)['outActivation_'] = 'softmax';
    expect(() => estimatorFromJSON(reg as never)).toThrow(
      "MLPRegressor state field 'outActivation_' is 'softmax' but an MLPRegressor has an 'identity' output.",
    );
  });

  it('setState and estimatorFromSnapshot check the same schema (and a failed setState changes nothing)', () => {
    const est = new SGDClassifier(fast).fit(data.X, data.y);
    const before = JSON.stringify(est);
    const s = est.getState();
    expect(() => est.setState({ ...s, intercept_: new DenseArray(new Float64Array(2), [2]) })).toThrow(
      "SGDClassifier state field 'intercept_' has shape (2,) but classes_ holds 3 classes, so 3 rows are expected (one per class; one for two classes).",
    );
    expect(JSON.stringify(est)).toBe(before);
    const snap = est.snapshot();
    expect(() => estimatorFromSnapshot({ ...snap, state: { ...snap.state, nIter_: -1 } })).toThrow(StateRangeError);
    expect(() => new SGDClassifier().setState([] as never)).toThrow(StateTypeError);
  });

  it('names the step of a pipeline and the wrapped estimator of a wrapper', () => {
    const pipe = copy(
      new Pipeline([
        ['scale', new StandardScaler()],
        ['clf', new SGDClassifier(fast)],
      ])
        .fit(data.X, data.y)
        .toJSON(),
    ) as unknown as JsonObject;
    const step = ((pipe['params'] as JsonObject)['steps'] as Json[][])[1]![1] as JsonObject;
    const clfState = (step['$estimator'] as JsonObject)['state'] as JsonObject;
    clfState['coef_'] = narrower(clfState['coef_'] as JsonObject);
    expect(() => estimatorFromJSON(pipe as never)).toThrow(
      "Pipeline parameter 'steps'[1][1]: SGDClassifier state field 'coef_' has shape (3, 5) but nFeaturesIn_ is 6.",
    );

    const inc = copy(
      new Incremental(new SGDClassifier(fast), { classes: [0, 1, 2] }).fit(data.X, data.y).toJSON(),
    ) as unknown as JsonObject;
    const inner = ((inc['state'] as JsonObject)['estimator_'] as JsonObject)['state'] as JsonObject;
    inner['t_'] = 'late';
    expect(() => estimatorFromJSON(inc as never)).toThrow(
      "Incremental state field 'estimator_': SGDClassifier state field 't_' must be a number (finite, ≥ 1). Got 'late'.",
    );
  });

  it('checks that a pipeline state fits its steps', () => {
    const fit = () =>
      new Pipeline([
        ['scale', new StandardScaler()],
        ['clf', new SGDClassifier(fast)],
      ]).fit(data.X, data.y);
    const pipe = copy(fit().toJSON()) as unknown as JsonObject;
    (pipe['state'] as JsonObject)['nFeaturesIn_'] = 7;
    expect(() => estimatorFromJSON(pipe as never)).toThrow(
      "Pipeline state field 'nFeaturesIn_' is 7 but its first step 'scale' (StandardScaler) expects 6 features.",
    );
    // A classifier fitted on 5 features behind a scaler of 6.
    const narrow = new DenseArray(Float64Array.from(data.X.toArray().flatMap((r) => (r as number[]).slice(0, 5))), [90, 5]);
    const other = copy(new SGDClassifier(fast).fit(narrow, data.y).toJSON());
    const mixed = copy(fit().toJSON()) as unknown as JsonObject;
    ((mixed['params'] as JsonObject)['steps'] as Json[][])[1]![1] = { $estimator: other as unknown as Json };
    expect(() => estimatorFromJSON(mixed as never)).toThrow(
      "Pipeline step 'clf' (SGDClassifier) expects 5 features but step 'scale' (StandardScaler) outputs 6.",
    );
    // A fitted pipeline whose step is not.
    const unfitted = copy(fit().toJSON()) as unknown as JsonObject;
    ((((unfitted['params'] as JsonObject)['steps'] as Json[][])[1]![1] as JsonObject)['$estimator'] as JsonObject)['state'] = null;
    expect(() => estimatorFromJSON(unfitted as never)).toThrow(
      "Pipeline state says it is fitted, but its step 'clf' (SGDClassifier) is not.",
    );
  });

  it('refuses unknown estimators, unknown or invalid hyperparameters, and a wrong format', () => {
    const json = copy(new SGDClassifier(fast).fit(data.X, data.y).toJSON()) as unknown as JsonObject;
    expect(() => estimatorFromJSON({ ...json, estimator: 'SGDClassifer' } as never)).toThrow(
      /^Unknown estimator 'SGDClassifer'. Registered estimators: .*SGDClassifier/,
    );
    expect(() => estimatorFromJSON({ ...json, params: { ...(json['params'] as JsonObject), alpah: 0.1 } } as never)).toThrow(
      /SGDClassifier got an unexpected option 'alpah'/,
    );
    expect(() => estimatorFromJSON({ ...json, params: { ...(json['params'] as JsonObject), alpha: 'big' } } as never)).toThrow(
      new ParameterTypeError(
        "The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got 'big' instead.",
        'SGDClassifier',
        'alpha',
        'big',
      ),
    );
    expect(() => estimatorFromJSON({ ...json, params: { ...(json['params'] as JsonObject), alpha: -1 } } as never)).toThrow(
      ParameterRangeError,
    );
    expect(() => estimatorFromJSON({ ...json, params: { ...(json['params'] as JsonObject), alpha: { $num: 'bogus' } } } as never)).toThrow(
      'SGDClassifier parameter \'alpha\': expected a number, got {"$num":"bogus"}.',
    );
    expect(() => estimatorFromJSON({ ...json, format: 'tessera-estimator/9' } as never)).toThrow(
      "estimatorFromJSON: unsupported format 'tessera-estimator/9' for SGDClassifier; expected 'tessera-estimator/1'.",
    );
    expect(() => estimatorFromJSON({ ...json, state: [1, 2] } as never)).toThrow(StateTypeError);
    expect(() => estimatorFromJSON('{"estimator": ')).toThrow(SyntaxError);
    // Inside a pipeline, the step is named.
    const pipe = copy(
      new Pipeline([
        ['scale', new StandardScaler()],
        ['clf', new SGDClassifier(fast)],
      ])
        .fit(data.X, data.y)
        .toJSON(),
    ) as unknown as JsonObject;
    (((pipe['params'] as JsonObject)['steps'] as Json[][])[0]![1] as JsonObject)['$estimator'] = { ...json, estimator: 'StandardScalar' };
    expect(() => estimatorFromJSON(pipe as never)).toThrow(/^Pipeline parameter 'steps'\[0\]\[1\]: Unknown estimator 'StandardScalar'/);
  });
});
