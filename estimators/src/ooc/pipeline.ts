/**
 * scikit-learn's Pipeline, on in-memory and lazy arrays alike. On lazy input, `fit` fits each
 * transformer (a scaler: one parallel pass of block statistics), chains its transform lazily — an
 * elementwise expression the next step consumes inside its own tasks, so the transformed dataset
 * is never materialized — and fits the final step (an {@link Incremental}: the partialFit chain).
 * `predict` and friends return lazy arrays that compute block by block in parallel.
 */
import type { DenseArray, NDArray } from '@tessera/array';
import { BaseEstimator, estimatorFromSnapshot, type EstimatorSnapshot, type ExpectedInput, type Params, type State } from '../base.js';
import { ParameterTypeError, StateRangeError } from '../errors.js';
import { isEstimator, registerEstimator } from '../registry.js';
import { type StateSchema, count } from '../state_schema.js';
import type { MatrixLike, VectorLike } from '../validation.js';
import { applyMethod, fitInMemory, isLazyApplier, isScorer, type ApplyMethod, type EstimatorType, type LazyOptions } from '../contract.js';
import { isLazy, lazyMethod, lazyScore, rejecting } from './lazy.js';
import { checkLazyStep, fitStep, transformStep } from './steps.js';
import { isTable, type TableLike } from '../compose/table.js';

/** A named step. */
export type Step = readonly [name: string, estimator: BaseEstimator];

export interface PipelineParams {
  steps: readonly Step[];
}

interface PipelineState extends State {
  nFeaturesIn_: number;
}

/** The final step's methods a pipeline offers. */
type FinalMethod = 'predict' | 'decisionFunction' | 'predictProba' | 'predictLogProba';

export interface Pipeline extends PipelineParams {}

/**
 * A chain of transformers ending in any estimator.
 *
 * @example
 * const pipe = makePipeline(
 *   new StandardScaler(),
 *   new Incremental(new SGDClassifier({ loss: 'hinge', randomState: 2 }), { classes: [0, 1] }),
 * );
 * await pipe.fit(X, y);                      // lazy X, y: out-of-core
 * await pipe.predict(X).toNpyDir('pred/');   // parallel, block by block
 * pipe.step('incremental').estimator_.coef_;
 */
export class Pipeline extends BaseEstimator<PipelineParams, PipelineState> implements PipelineParams {
  static readonly estimatorName = 'Pipeline';
  static readonly estimatorType = 'meta';
  static readonly defaults: Readonly<PipelineParams> = Object.freeze({ steps: [] as Step[] });
  static readonly constraints = {};
  /** The steps carry their own states (checked as they are rebuilt); restoreState checks that they fit together. */
  static readonly stateSchema: StateSchema = { fields: { nFeaturesIn_: count(1) } };

  /** `new Pipeline([['scale', new StandardScaler()], ['clf', new SGDClassifier()]])`, or `{ steps }`. */
  constructor(steps: readonly Step[] | Partial<PipelineParams> = {}) {
    // Params are stored as given and validated at fit (the estimator contract); only snapshots of
    // steps (from estimatorFromSnapshot) are turned back into estimators.
    const given = Array.isArray(steps) ? { steps } : (steps as Partial<PipelineParams>);
    const list = given.steps;
    super(
      Array.isArray(list)
        ? {
            steps: list.map((s) =>
              Array.isArray(s) && s.length === 2 && isSnapshot(s[1]) ? ([s[0], estimatorFromSnapshot(s[1])] as const) : s,
            ),
          }
        : given,
    );
  }

  static #check(steps: readonly Step[]): void {
    if (!Array.isArray(steps) || steps.length === 0)
      throw new ParameterTypeError(
        "The 'steps' parameter of Pipeline must be a non-empty array of [name, estimator] pairs.",
        'Pipeline',
        'steps',
        steps,
      );
    const seen = new Set<string>();
    steps.forEach((s, i) => {
      if (!Array.isArray(s) || s.length !== 2 || typeof s[0] !== 'string' || !isEstimator(s[1])) {
        throw new ParameterTypeError(`Pipeline step ${i} must be a [name, estimator] pair.`, 'Pipeline', 'steps', steps);
      }
      if (s[0] === '' || s[0].includes('__'))
        throw new ParameterTypeError(
          `Pipeline step name '${s[0]}' must be non-empty and must not contain '__'.`,
          'Pipeline',
          'steps',
          steps,
        );
      if (seen.has(s[0]))
        throw new ParameterTypeError(`Pipeline step names must be unique; '${s[0]}' appears twice.`, 'Pipeline', 'steps', steps);
      seen.add(s[0]);
    });
  }

  /** The steps (non-empty, unique names without '__'), then every step's own hyperparameters. */
  protected override checkMoreParams(): void {
    Pipeline.#check(this.steps);
    for (const [, est] of this.steps) est.checkParams();
  }

  /** The first step answers (it is what checks X). */
  override expectedInput(): ExpectedInput | null {
    if (this.learned === undefined) return null;
    const first = Array.isArray(this.steps) ? (this.steps[0] as Step | undefined)?.[1] : undefined;
    return (isEstimator(first) ? first.expectedInput() : null) ?? super.expectedInput();
  }

  /**
   * A fitted pipeline's state is consistent with its steps: every step fitted, the first expecting
   * `nFeaturesIn_` features, each next step expecting as many features as the one before outputs.
   */
  protected override restoreState(state: State): PipelineState {
    const s = state as PipelineState;
    const steps = this.steps;
    if (!Array.isArray(steps) || !steps.every((st) => Array.isArray(st) && isEstimator(st[1]))) return s;
    for (const [n, e] of steps) {
      if (!e.isFitted())
        throw new StateRangeError(
          `Pipeline state says it is fitted, but its step '${n}' (${e.estimatorName}) is not.`,
          'Pipeline',
          'nFeaturesIn_',
        );
    }
    const first = steps[0]?.[1].expectedInput() ?? null;
    if (first !== null && first.nFeatures !== s.nFeaturesIn_) {
      throw new StateRangeError(
        `Pipeline state field 'nFeaturesIn_' is ${s.nFeaturesIn_} but its first step '${steps[0]![0]}' (${first.estimator}) expects ${first.nFeatures} features.`,
        'Pipeline',
        'nFeaturesIn_',
      );
    }
    for (let i = 0; i + 1 < steps.length; i++) {
      const [name, est] = steps[i]!;
      const [nextName, next] = steps[i + 1]!;
      const width = est.outputWidth('transform');
      const expected = next.expectedInput();
      if (typeof width === 'number' && expected !== null && width !== expected.nFeatures) {
        throw new StateRangeError(
          `Pipeline step '${nextName}' (${expected.estimator}) expects ${expected.nFeatures} features but step '${name}' (${est.estimatorName}) outputs ${width}.`,
          'Pipeline',
          'nFeaturesIn_',
        );
      }
    }
    return s;
  }

  /** The last step. */
  get #last(): BaseEstimator {
    return this.steps[this.steps.length - 1]![1];
  }

  /** What the final step is: a pipeline ending in a classifier is a classifier. */
  override get estimatorType(): EstimatorType {
    return this.#last.estimatorType;
  }

  /** Whether the final step takes y (then every step is given it). */
  override get requiresY(): boolean {
    return this.#last.requiresY;
  }

  /** `transform` and `inverseTransform`: the first step without one; the other methods: the final step's answer. */
  override lacking(method: ApplyMethod): BaseEstimator | null {
    if (method === 'transform' || method === 'inverseTransform') {
      for (const [, e] of this.steps) {
        const culprit = e.lacking(method);
        if (culprit !== null) return culprit;
      }
      return null;
    }
    return this.#last.lacking(method);
  }

  /** The final step's output width (the width of what the steps before feed it is theirs to check). */
  override outputWidth(method: ApplyMethod): number | null {
    return this.#last.outputWidth(method);
  }

  /** Steps by name, for `name__param` keys in getParams / setParams. */
  protected override nestedEstimators(): Record<string, BaseEstimator> {
    return Object.fromEntries(this.steps.map(([n, e]) => [n, e]));
  }

  /** Steps by name (scikit-learn's `named_steps`). */
  get namedSteps(): Record<string, BaseEstimator> {
    return this.nestedEstimators();
  }

  /** A step by index (negative counts from the end) or name. */
  step(which: number | string): BaseEstimator {
    if (typeof which === 'string') {
      const s = this.steps.find(([n]) => n === which);
      if (!s) throw new RangeError(`Pipeline has no step '${which}'; its steps are ${this.steps.map(([n]) => `'${n}'`).join(', ')}.`);
      return s[1];
    }
    const i = which < 0 ? this.steps.length + which : which;
    const s = this.steps[i];
    if (!s) throw new RangeError(`Pipeline has ${this.steps.length} steps; index ${which} is out of range.`);
    return s[1];
  }

  override clone(): this {
    return new Pipeline(this.steps.map(([n, e]) => [n, e.clone()] as const)) as this;
  }

  override snapshot(): EstimatorSnapshot {
    const params: Params = { steps: this.steps.map(([n, e]) => [n, e.snapshot()]) };
    return { estimator: this.estimatorName, params, state: this.learned === undefined ? null : { ...this.learned } };
  }

  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  /**
   * Fits every step in order. Lazy X: resolves when done (out-of-core). In memory: returns `this`.
   * Every step's hyperparameters are validated first, on this thread — with lazy X the promise
   * rejects before any task runs.
   */
  fit(X: NDArray | TableLike, y?: NDArray, options?: LazyOptions): Promise<this>;
  fit(X: MatrixLike, y?: VectorLike): this;
  fit(X: MatrixLike | NDArray | TableLike, y?: VectorLike | NDArray, options: LazyOptions = {}): this | Promise<this> {
    // A table (a Frame) is lazy too: its first step (a ColumnTransformer) makes it an array.
    if (isLazy(X) || isTable(X)) {
      if (y !== undefined && !isLazy(y)) return Promise.reject(new TypeError('Pipeline.fit: X is a lazy array, so y must be one too.'));
      return this.fitLazy(X, y, options);
    }
    this.checkParams();
    if (isLazy(y)) throw new TypeError('Pipeline.fit: y is a lazy array but X is not; pass both lazy or both in memory.');
    let Xt: MatrixLike = X;
    for (const [, est] of this.steps.slice(0, -1)) {
      fitInMemory(est, Xt, y ?? null);
      Xt = applyMethod(est, 'transform', Xt);
    }
    fitInMemory(this.#last, Xt, y ?? null);
    this.learned = { nFeaturesIn_: nFeatures(X) };
    return this;
  }

  /** Out-of-core fit (what `fit` does with lazy input); validates every step before the first task. */
  async fitLazy(X: NDArray | TableLike, y: NDArray | undefined, options: LazyOptions = {}): Promise<this> {
    this.checkParams();
    this.steps.forEach(([, est], i) => checkLazyStep(est, i < this.steps.length - 1));
    let Xt = X as NDArray;
    for (const [, est] of this.steps.slice(0, -1)) {
      await fitStep(est, Xt, y, options);
      Xt = transformStep(est, Xt);
    }
    await fitStep(this.steps[this.steps.length - 1]![1], Xt, y, options);
    this.learned = { nFeaturesIn_: isTable(X) ? X.columns.length : (X.shape[1] ?? 1) };
    return this;
  }

  #through(X: MatrixLike | NDArray | TableLike, steps: readonly Step[]): MatrixLike | NDArray {
    let Xt = X as MatrixLike | NDArray;
    for (const [, est] of steps) Xt = isLazy(Xt) ? transformStep(est, Xt) : applyMethod(est, 'transform', Xt);
    return Xt;
  }

  #final(X: MatrixLike | NDArray | TableLike, method: FinalMethod): DenseArray | NDArray {
    this.fitted;
    const Xt = this.#through(X, this.steps.slice(0, -1));
    const last = this.#last;
    if (isLazy(Xt)) return isLazyApplier(last) ? last.applyLazy(method, Xt) : lazyMethod(last, Xt, method, last.outputWidth(method));
    return applyMethod(last, method, Xt);
  }

  predict(X: NDArray | TableLike): NDArray;
  predict(X: MatrixLike): DenseArray;
  predict(X: MatrixLike | NDArray | TableLike): DenseArray | NDArray {
    return this.#final(X, 'predict');
  }

  decisionFunction(X: NDArray | TableLike): NDArray;
  decisionFunction(X: MatrixLike): DenseArray;
  decisionFunction(X: MatrixLike | NDArray | TableLike): DenseArray | NDArray {
    return this.#final(X, 'decisionFunction');
  }

  predictProba(X: NDArray | TableLike): NDArray;
  predictProba(X: MatrixLike): DenseArray;
  predictProba(X: MatrixLike | NDArray | TableLike): DenseArray | NDArray {
    return this.#final(X, 'predictProba');
  }

  predictLogProba(X: NDArray | TableLike): NDArray;
  predictLogProba(X: MatrixLike): DenseArray;
  predictLogProba(X: MatrixLike | NDArray | TableLike): DenseArray | NDArray {
    return this.#final(X, 'predictLogProba');
  }

  /** Every step's transform (the last step must have one). */
  transform(X: NDArray | TableLike): NDArray;
  transform(X: MatrixLike): DenseArray;
  transform(X: MatrixLike | NDArray | TableLike): DenseArray | NDArray {
    this.fitted;
    return this.#through(X, this.steps) as DenseArray | NDArray;
  }

  /** A lazy method through the steps (for a pipeline nested in a pipeline). */
  applyLazy(method: ApplyMethod, X: NDArray): NDArray {
    if (method === 'transform') return this.transform(X);
    if (method === 'inverseTransform') throw new TypeError('Pipeline.inverseTransform is not available on lazy arrays.');
    return this.#final(X, method) as NDArray;
  }

  /** The final step's score on lazy X transformed by the steps before it. */
  scoreLazy(X: NDArray, y: NDArray, options: LazyOptions): Promise<number> {
    return this.score(X, y, options);
  }

  /** The final step's score on transformed X; lazy input gives a promise, computed without gathering X. */
  score(X: NDArray | TableLike, y: NDArray, options?: LazyOptions): Promise<number>;
  score(X: MatrixLike, y: VectorLike): number;
  score(X: MatrixLike | NDArray | TableLike, y: VectorLike | NDArray, options: LazyOptions = {}): number | Promise<number> {
    return rejecting(isLazy(X) || isTable(X), () => this.#score(X, y, options));
  }

  #score(X: MatrixLike | NDArray | TableLike, y: VectorLike | NDArray, options: LazyOptions): number | Promise<number> {
    this.fitted;
    const Xt = this.#through(X, this.steps.slice(0, -1));
    const last = this.#last;
    if (isLazy(Xt)) {
      if (!isLazy(y)) return Promise.reject(new TypeError('Pipeline.score: X is a lazy array, so y must be one too.'));
      return isLazyApplier(last) ? last.scoreLazy(Xt, y, options) : lazyScore(last, Xt, y, options);
    }
    if (!isScorer(last)) throw new TypeError(`${last.estimatorName} has no score method.`);
    return last.score(Xt, y as VectorLike);
  }
}

function isSnapshot(v: unknown): v is EstimatorSnapshot {
  return !isEstimator(v) && typeof v === 'object' && v !== null && typeof (v as EstimatorSnapshot).estimator === 'string' && 'params' in v;
}

function nFeatures(X: MatrixLike): number {
  if (Array.isArray(X)) return (X[0] as readonly number[] | undefined)?.length ?? 0;
  const shape = (X as { shape: readonly number[] }).shape;
  return shape.length > 1 ? shape[1]! : 1;
}

/**
 * A pipeline whose step names are the lowercased class names (numbered when repeated), as
 * scikit-learn's `make_pipeline`.
 */
export function makePipeline(...estimators: BaseEstimator[]): Pipeline {
  const counts = new Map<string, number>();
  for (const e of estimators) {
    if (!isEstimator(e))
      throw new ParameterTypeError(`makePipeline: every argument must be an estimator. Got ${String(e)}.`, 'Pipeline', 'steps', e);
    const n = e.estimatorName.toLowerCase();
    counts.set(n, (counts.get(n) ?? 0) + 1);
  }
  const seen = new Map<string, number>();
  return new Pipeline(
    estimators.map((e) => {
      const n = e.estimatorName.toLowerCase();
      if (counts.get(n)! === 1) return [n, e] as const;
      const k = (seen.get(n) ?? 0) + 1;
      seen.set(n, k);
      return [`${n}-${k}`, e] as const;
    }),
  );
}

registerEstimator(Pipeline as never);
