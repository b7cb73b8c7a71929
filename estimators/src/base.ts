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
 */
import { DenseArray, isBlock } from '@tessera/array';
import { NotFittedError, describeValue } from './errors.js';
import { ESTIMATOR_BRAND, estimatorClass, isEstimator } from './registry.js';
import { type Json, decodeJson, encodeJson } from './serialize.js';
import type { ParamConstraints } from './validation.js';

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
        throw new TypeError(`Invalid parameter '${key}' for estimator ${cls.estimatorName}. Valid parameters are: ${Object.keys(cls.defaults).join(', ')}.`);
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
   * DenseArray), as produced by {@link getState} or received from another thread. Returns `this`.
   */
  setState(state: S | State): this {
    if (typeof state !== 'object' || state === null) throw new TypeError(`${this.estimatorName}.setState: state must be an object.`);
    const copy: State = {};
    for (const [k, v] of Object.entries(state)) {
      if (v !== undefined) copy[k] = copyStateValue(v);
    }
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

/** Rebuilds any registered estimator from {@link BaseEstimator.toJSON} output (an object or its string). */
export function estimatorFromJSON(json: EstimatorJSON | string): BaseEstimator {
  const obj = (typeof json === 'string' ? JSON.parse(json) : json) as EstimatorJSON;
  if (typeof obj !== 'object' || obj === null || typeof obj.estimator !== 'string') {
    throw new TypeError(`estimatorFromJSON: expected { estimator, params, state }. Got ${describeValue(obj)}.`);
  }
  const cls = estimatorClass(obj.estimator);
  const dec = (v: Json): unknown => estimatorFromJSON(v as unknown as EstimatorJSON);
  const params = decodeJson(obj.params ?? {}, dec) as Params;
  const est = new (cls as unknown as new (p: Params) => BaseEstimator)(params);
  if (obj.state !== null && obj.state !== undefined) est.setState(decodeJson(obj.state) as State);
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
