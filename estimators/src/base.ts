/**
 * The estimator contract, after scikit-learn's `base.py`:
 *
 * - The constructor only stores hyperparameters (an options object, camelCase, scikit-learn's
 *   defaults), unchanged and unvalidated; they are validated when `fit` / `partialFit` runs.
 *   Each hyperparameter is an own property of the instance (`new SGDClassifier().alpha`).
 * - Learned state lives in one plain-data record whose keys end in `_` (`coef_`, `t_`…) and which
 *   is exposed through getters of the same names; reading one before fitting throws
 *   {@link NotFittedError}.
 * - Because params and state are plain data, an estimator can be rebuilt anywhere:
 *     - `snapshot()` → `{ estimator, params, state }` with typed arrays (structured-clone friendly,
 *       what crosses threads; no JSON on the hot path), rebuilt by `estimatorFromSnapshot`;
 *     - `toJSON()` → the same with an exact JSON encoding, rebuilt by `estimatorFromJSON` or
 *       `SomeEstimator.fromJSON`;
 *     - `getState()` / `setState(state)` move only the learned state.
 *   Every way in checks the state against the class's declared `stateSchema` (state_schema.ts)
 *   first, so a tampered or truncated model fails naming the field.
 * - `checkParams()` validates the hyperparameters without data: what `fit` / `partialFit` (every
 *   call) and the out-of-core layer (before building a graph) start with.
 */
import { DenseArray, isBlock } from '@tessera/array';
import { NotFittedError, StateRangeError, StateTypeError, describeValue } from './errors.js';
import { ESTIMATOR_BRAND, estimatorClass, isEstimator } from './registry.js';
import { type Json, decodeJson, encodeJson } from './serialize.js';
import { type StateSchema, checkState } from './state_schema.js';
import { type ParamConstraints, validateParams } from './validation.js';
import type { ApplyMethod, EstimatorType } from './contract.js';

/** Hyperparameters by name. */
export type Params = Record<string, unknown>;

/** Learned state by attribute name (every key ends in `_`); values are numbers, strings, booleans, typed arrays and blocks. */
export type State = Record<string, unknown>;

/** Plain-data form of an estimator with typed arrays kept as such: what a worker receives and returns. */
export interface EstimatorSnapshot {
  /** Registered class name, e.g. 'SGDClassifier'. */
  readonly estimator: string;
  /** `getParams(false)`; nested estimators appear as their own snapshots. */
  readonly params: Params;
  /** `getState()`, or null for an unfitted estimator. */
  readonly state: State | null;
}

/** JSON-safe form of an estimator (see serialize.ts for the encoding of arrays and non-finite numbers). */
export interface EstimatorJSON {
  readonly format: 'tessera-estimator/1';
  readonly estimator: string;
  readonly params: { [key: string]: Json };
  readonly state: { [key: string]: Json } | null;
}

/** What the registry needs from an estimator class. */
export interface EstimatorClass<E extends BaseEstimator = BaseEstimator> {
  new (options?: never): E;
  /** Name used in messages, snapshots and the registry. */
  readonly estimatorName: string;
  /** Every hyperparameter with its default: the list of valid option names. */
  readonly defaults: object;
  /** Constraints of the hyperparameters, as data. */
  readonly constraints: ParamConstraints;
  /**
   * The learned state's fields, kinds and shapes, checked by `setState` (and so by
   * `estimatorFromJSON` / `estimatorFromSnapshot`). Every built-in estimator declares one; a
   * class without one has its state accepted unchecked.
   */
  readonly stateSchema?: StateSchema;
  /**
   * What the estimator is (scikit-learn's `_estimator_type`): every estimator declares it, and the
   * out-of-core layer asks it (what `score` means, what `predict` returns) instead of guessing.
   */
  readonly estimatorType?: EstimatorType;
  /** Whether fit and partialFit take y (scikit-learn's `requires_y`; default: classifiers and regressors do). */
  readonly requiresY?: boolean;
}

/** What {@link BaseEstimator.expectedInput} returns: the feature count X must have, and who says so. */
export interface ExpectedInput {
  /** The estimator that checks (named in the error message). */
  readonly estimator: string;
  readonly nFeatures: number;
}

function ctorOf(est: BaseEstimator): EstimatorClass {
  return est.constructor as unknown as EstimatorClass;
}

function copyParamValue(v: unknown): unknown {
  if (isEstimator(v)) return v.clone();
  if (v === null || typeof v !== 'object') return v;
  return structuredClone(v);
}

/** Copies a state value so that later in-place training cannot alias the caller's data. */
function copyStateValue(v: unknown): unknown {
  if (isBlock(v)) return new DenseArray(v.data.slice(), v.shape);
  if (ArrayBuffer.isView(v)) return (v as unknown as Float64Array).slice();
  if (Array.isArray(v)) return v.map(copyStateValue);
  return v;
}

/**
 * Base class of every estimator. Subclasses declare `static estimatorName`, `static defaults`
 * and `static constraints`, merge an interface of their params into the class (so `est.alpha`
 * is typed), and keep learned state in `this.learned`.
 */
export abstract class BaseEstimator<P extends object = object, S extends State = State> {
  declare readonly [ESTIMATOR_BRAND]: true;
  /** The learned state, undefined until fitted. Subclasses read it through {@link fitted}. */
  protected learned: S | undefined = undefined;

  constructor(options: Partial<P> = {}) {
    const cls = ctorOf(this);
    Object.defineProperty(this, ESTIMATOR_BRAND, { value: true, enumerable: false });
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new TypeError(`${cls.estimatorName}: options must be an object of hyperparameters. Got ${describeValue(options)}.`);
    }
    for (const key of Object.keys(options)) {
      if (!Object.hasOwn(cls.defaults, key)) {
        throw new TypeError(
          `${cls.estimatorName} got an unexpected option '${key}'. Valid options: ${Object.keys(cls.defaults).join(', ')}.`,
        );
      }
    }
    const self = this as unknown as Params;
    for (const [key, def] of Object.entries(cls.defaults)) {
      self[key] = Object.hasOwn(options, key) ? (options as Params)[key] : copyParamValue(def);
    }
  }

  /** The registered name of this estimator's class. */
  get estimatorName(): string {
    return ctorOf(this).estimatorName;
  }

  /**
   * What this estimator is, as its class declares (`static estimatorType`); wrappers and
   * pipelines answer for the estimator they hold. A class that declares nothing is a TypeError
   * naming it here, where the out-of-core layer first needs to know.
   */
  get estimatorType(): EstimatorType {
    const t = ctorOf(this).estimatorType;
    if (t === undefined) {
      throw new TypeError(
        `${this.estimatorName} does not declare what it is: give its class a static estimatorType ('classifier', 'regressor', 'clusterer' or 'transformer').`,
      );
    }
    return t;
  }

  /** Whether fit and partialFit take y: the class's `static requiresY`, else true for classifiers and regressors. */
  get requiresY(): boolean {
    const declared = ctorOf(this).requiresY;
    if (declared !== undefined) return declared;
    const t = this.estimatorType;
    return t === 'classifier' || t === 'regressor';
  }

  /** Whether this estimator has `method` (wrappers and pipelines: whether what they hold does). */
  supports(method: ApplyMethod): boolean {
    return this.lacking(method) === null;
  }

  /**
   * The estimator that lacks `method` — this one, or for wrappers and pipelines the one they hold
   * that does — or null when `method` is there. For messages that name the culprit ("SGDClassifier
   * has no transform") rather than its wrapper.
   */
  lacking(method: ApplyMethod): BaseEstimator | null {
    return typeof (this as Partial<Record<ApplyMethod, unknown>>)[method] === 'function' ? null : this;
  }

  /**
   * Columns of one row of `method`'s output once fitted, or null for a 1-D output — what a lazy
   * `predict` / `transform` declares as its chunks before anything runs. The default answers from
   * the declared {@link estimatorType} and scikit-learn's attributes: `predict` 1-D; a classifier's
   * probabilities one column per class, its `decisionFunction` 1-D for two classes; `transform`
   * and `inverseTransform` `nFeaturesIn_` wide (scalers). Estimators whose transform changes the
   * width (PCA: components, k-means: clusters) override it.
   */
  outputWidth(method: ApplyMethod): number | null {
    const state = this.fitted as State;
    const nClasses = (): number => {
      const classes = state['classes_'];
      if (this.estimatorType !== 'classifier' || !isBlock(classes)) {
        throw new TypeError(`${this.estimatorName} is not a classifier: it has no '${method}' output per class.`);
      }
      return classes.shape[0]!;
    };
    switch (method) {
      case 'predict':
        return null;
      case 'predictProba':
      case 'predictLogProba':
        return nClasses();
      case 'decisionFunction':
        if (this.estimatorType !== 'classifier') return null;
        return nClasses() <= 2 ? null : nClasses();
      case 'transform':
      case 'inverseTransform': {
        const n = state['nFeaturesIn_'];
        if (typeof n !== 'number')
          throw new TypeError(`${this.estimatorName} has no nFeaturesIn_; it must override outputWidth('${method}').`);
        return n;
      }
    }
  }

  /**
   * Hyperparameters by name. With `deep` (the default), parameters of nested estimators are
   * included as `name__param`, as in scikit-learn.
   */
  getParams(deep = true): P {
    const self = this as unknown as Params;
    const out: Params = {};
    for (const key of Object.keys(ctorOf(this).defaults)) out[key] = self[key];
    if (deep) {
      for (const [name, est] of Object.entries(this.nestedEstimators())) {
        for (const [k, v] of Object.entries(est.getParams(true))) out[`${name}__${k}`] = v;
      }
    }
    return out as P;
  }

  /**
   * Sets hyperparameters (no validation until the next fit, as in scikit-learn). Keys of the
   * form `step__param` reach nested estimators. Returns `this`.
   */
  setParams(params: Partial<P> | Params): this {
    const cls = ctorOf(this);
    const nestedUpdates = new Map<string, Params>();
    const self = this as unknown as Params;
    for (const [key, value] of Object.entries(params)) {
      const sep = key.indexOf('__');
      if (sep >= 0) {
        const head = key.slice(0, sep);
        const update = nestedUpdates.get(head) ?? {};
        update[key.slice(sep + 2)] = value;
        nestedUpdates.set(head, update);
        continue;
      }
      if (!Object.hasOwn(cls.defaults, key)) {
        throw new TypeError(
          `Invalid parameter '${key}' for estimator ${cls.estimatorName}. Valid parameters are: ${Object.keys(cls.defaults).join(', ')}.`,
        );
      }
      self[key] = value;
    }
    const nested = this.nestedEstimators();
    for (const [head, update] of nestedUpdates) {
      const est = nested[head];
      if (est === undefined) {
        throw new TypeError(`Invalid parameter '${head}' for estimator ${cls.estimatorName}: it has no nested estimator of that name.`);
      }
      est.setParams(update);
    }
    return this;
  }

  /**
   * Estimators held in params, by the name used for `name__param` keys. By default every
   * estimator-valued hyperparameter; containers such as pipelines override this to name their steps.
   */
  protected nestedEstimators(): Record<string, BaseEstimator> {
    const out: Record<string, BaseEstimator> = {};
    const self = this as unknown as Params;
    for (const key of Object.keys(ctorOf(this).defaults)) {
      const v = self[key];
      if (isEstimator(v)) out[key] = v;
    }
    return out;
  }

  /**
   * Validates the hyperparameters without data: every constraint (one message template:
   * "The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got -1
   * instead."), then the estimator's cross-parameter rules, then nested estimators'. `fit` and
   * every `partialFit` call start with it; the out-of-core layer calls it on the main thread
   * before it builds a graph, so no task runs with invalid hyperparameters.
   * `partialFit: true` adds the rules of incremental training (scikit-learn's
   * `for_partial_fit`, e.g. no `earlyStopping`). Throws {@link ParameterTypeError} /
   * {@link ParameterRangeError}; returns `this`.
   *
   * @example
   * new SGDClassifier({ alpha: -1 }).checkParams();
   * // ParameterRangeError: The 'alpha' parameter of SGDClassifier must be a float in the range [0, inf). Got -1 instead.
   */
  checkParams(options: { partialFit?: boolean } = {}): this {
    const cls = ctorOf(this);
    validateParams(cls.estimatorName, cls.constraints, this as unknown as Params);
    this.checkMoreParams(options.partialFit === true);
    return this;
  }

  /**
   * Hook for subclasses: rules beyond the per-parameter constraints (scikit-learn's
   * `_more_validate_params`). By default, checks every nested estimator's params.
   */
  protected checkMoreParams(_forPartialFit: boolean): void {
    for (const est of Object.values(this.nestedEstimators())) est.checkParams();
  }

  /**
   * The number of features X must have for predict / transform / score, and the estimator that
   * checks it (named in "X has 6 features, but StandardScaler is expecting 5 features as
   * input."): the fitted `nFeaturesIn_`; wrappers answer for the estimator they wrap, pipelines
   * for their first step. Null before fitting. The out-of-core layer asks it before building a
   * graph over a lazy X.
   */
  expectedInput(): ExpectedInput | null {
    const n = (this.learned as State | undefined)?.['nFeaturesIn_'];
    return typeof n === 'number' ? { estimator: this.estimatorName, nFeatures: n } : null;
  }

  /** A new, unfitted estimator with the same hyperparameters (deep-copied; nested estimators cloned). */
  clone(): this {
    const Ctor = this.constructor as new (options: Params) => this;
    const params: Params = {};
    for (const [k, v] of Object.entries(this.getParams(false))) params[k] = copyParamValue(v);
    return new Ctor(params);
  }

  /** Whether fit or partialFit has run (scikit-learn's `check_is_fitted`, as a boolean). */
  isFitted(): boolean {
    return this.learned !== undefined;
  }

  /** The learned state; throws {@link NotFittedError} before fitting. */
  protected get fitted(): S {
    if (this.learned === undefined) throw new NotFittedError(this.estimatorName);
    return this.learned;
  }

  /**
   * The learned state as plain data: numbers and typed arrays / DenseArray blocks, by attribute
   * name (`coef_`, `t_`…). It shares memory with the estimator — send it (structured clone copies
   * it) or copy it before training further if you need it unchanged.
   */
  getState(): S {
    return this.fitted;
  }

  /**
   * Replaces the learned state with a copy of `state` (arrays are copied, blocks become
   * DenseArray), as produced by {@link getState} or received from another thread, after checking
   * it against the class's `stateSchema`: every field present, of its kind, dtype and shape,
   * consistent with `nFeaturesIn_` and the classes (StateTypeError / StateRangeError naming the
   * field otherwise; the estimator is then left unchanged). Returns `this`.
   */
  setState(state: S | State): this {
    if (typeof state !== 'object' || state === null || Array.isArray(state)) {
      throw new StateTypeError(
        `${this.estimatorName}.setState: state must be an object of learned attributes. Got ${describeValue(state)}.`,
        this.estimatorName,
        '',
      );
    }
    const copy: State = {};
    for (const [k, v] of Object.entries(state)) {
      if (v !== undefined) copy[k] = copyStateValue(v);
    }
    const schema = ctorOf(this).stateSchema;
    if (schema !== undefined)
      checkState(this.estimatorName, schema, copy, this as unknown as Params, (snap) => estimatorFromSnapshot(snap as EstimatorSnapshot));
    this.learned = this.restoreState(copy);
    return this;
  }

  /** Hook for subclasses: validate a state record and re-establish derived structure. */
  protected restoreState(state: State): S {
    return state as S;
  }

  /** Forgets the learned state (fit calls this before training). */
  protected resetState(): void {
    this.learned = undefined;
  }

  /** `{ estimator, params, state }` with typed arrays: the structured-clone form for workers. */
  snapshot(): EstimatorSnapshot {
    const params: Params = {};
    for (const [k, v] of Object.entries(this.getParams(false))) params[k] = isEstimator(v) ? v.snapshot() : v;
    return { estimator: this.estimatorName, params, state: this.learned === undefined ? null : { ...this.learned } };
  }

  /** Exact JSON form: `JSON.parse(JSON.stringify(est))` rebuilds an identical estimator with `estimatorFromJSON`. */
  toJSON(): EstimatorJSON {
    const enc = (v: unknown): Json | undefined => (isEstimator(v) ? (v.toJSON() as unknown as Json) : undefined);
    return {
      format: 'tessera-estimator/1',
      estimator: this.estimatorName,
      params: encodeJson(this.getParams(false), enc) as { [key: string]: Json },
      state: this.learned === undefined ? null : (encodeJson(this.learned) as { [key: string]: Json }),
    };
  }

  /** Rebuilds an estimator of this class from {@link toJSON} output. */
  static fromJSON<E extends BaseEstimator>(this: new (options?: never) => E, json: EstimatorJSON | string): E {
    const est = estimatorFromJSON(json);
    if (!(est instanceof this)) {
      throw new TypeError(`${(this as unknown as EstimatorClass).estimatorName}.fromJSON: the JSON describes a ${est.estimatorName}.`);
    }
    return est;
  }
}

/** Prefixes an error's message with where it happened (a nested estimator's place in its container). */
function inside<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof Error) e.message = `${where}: ${e.message}`;
    throw e;
  }
}

/**
 * Rebuilds any registered estimator from {@link BaseEstimator.toJSON} output (an object or its
 * string), validating everything it reads: the format and the estimator's name, its
 * hyperparameters (unknown names, then {@link BaseEstimator.checkParams}), and every state field
 * against the class's state schema (see {@link BaseEstimator.setState}). Errors name the field,
 * and for a nested estimator (a pipeline's step, a wrapper's estimator) where it sits.
 *
 * @example
 * const clf = estimatorFromJSON(await readFile('model.json', 'utf8')) as SGDClassifier;
 * // a tampered file: StateRangeError: SGDClassifier state field 'coef_' has shape (1, 19) but nFeaturesIn_ is 20.
 */
export function estimatorFromJSON(json: EstimatorJSON | string): BaseEstimator {
  let obj: EstimatorJSON;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json) as EstimatorJSON;
    } catch (e) {
      throw new SyntaxError(`estimatorFromJSON: not valid JSON (${(e as Error).message}).`);
    }
  } else {
    obj = json;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj) || typeof obj.estimator !== 'string') {
    throw new TypeError(`estimatorFromJSON: expected { format, estimator, params, state }. Got ${describeValue(obj)}.`);
  }
  if (obj.format !== 'tessera-estimator/1') {
    throw new TypeError(
      `estimatorFromJSON: unsupported format ${describeValue(obj.format)} for ${obj.estimator}; expected 'tessera-estimator/1'.`,
    );
  }
  const cls = estimatorClass(obj.estimator);
  const name = cls.estimatorName;
  const rawParams = obj.params ?? {};
  if (typeof rawParams !== 'object' || rawParams === null || Array.isArray(rawParams)) {
    throw new TypeError(`estimatorFromJSON: ${name} 'params' must be an object. Got ${describeValue(rawParams)}.`);
  }
  const params: Params = {};
  for (const [k, v] of Object.entries(rawParams)) {
    params[k] = decodeJson(
      v,
      (nested, where) => inside(where, () => estimatorFromJSON(nested as unknown as EstimatorJSON)),
      `${name} parameter '${k}'`,
    );
  }
  const est = new (cls as unknown as new (p: Params) => BaseEstimator)(params);
  est.checkParams();
  const rawState = obj.state;
  if (rawState === null || rawState === undefined) return est;
  if (typeof rawState !== 'object' || Array.isArray(rawState)) {
    throw new StateTypeError(`estimatorFromJSON: ${name} 'state' must be an object or null. Got ${describeValue(rawState)}.`, name, '');
  }
  const state: State = {};
  for (const [k, v] of Object.entries(rawState)) {
    try {
      state[k] = decodeJson(v, undefined, `${name} state field '${k}'`);
    } catch (e) {
      const message = (e as Error).message;
      throw e instanceof RangeError ? new StateRangeError(message, name, k) : new StateTypeError(message, name, k);
    }
  }
  est.setState(state);
  return est;
}

/** Rebuilds any registered estimator from {@link BaseEstimator.snapshot} output (e.g. after crossing threads). */
export function estimatorFromSnapshot(snap: EstimatorSnapshot): BaseEstimator {
  if (typeof snap !== 'object' || snap === null || typeof snap.estimator !== 'string') {
    throw new TypeError(`estimatorFromSnapshot: expected { estimator, params, state }. Got ${describeValue(snap)}.`);
  }
  const cls = estimatorClass(snap.estimator);
  const params: Params = {};
  for (const [k, v] of Object.entries(snap.params ?? {})) {
    params[k] = isSnapshot(v) ? estimatorFromSnapshot(v) : v;
  }
  const est = new (cls as unknown as new (p: Params) => BaseEstimator)(params);
  if (snap.state !== null && snap.state !== undefined) est.setState(snap.state);
  return est;
}

function isSnapshot(v: unknown): v is EstimatorSnapshot {
  return typeof v === 'object' && v !== null && typeof (v as EstimatorSnapshot).estimator === 'string' && 'params' in v && 'state' in v;
}
