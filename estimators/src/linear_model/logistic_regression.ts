/**
 * Logistic regression (scikit-learn 1.2's `LogisticRegression(solver='lbfgs')`), fitted in
 * parallel: L-BFGS on this thread, each evaluation of the objective one pass over the data — the
 * loss and gradient summed per block on the worker threads and combined by a tree of merges.
 *
 * The objective is scikit-learn's: Σ s_i · loss_i + ||coef||² / (2C), with s_i the sample weight
 * times the class weight, the half binomial loss (two classes) or the half multinomial loss (one
 * coefficient row per class, symmetric: no reference class), and the intercepts not penalised.
 * `penalty: 'none'` (or null) drops the penalty term, as C = ∞. L-BFGS stops as scipy's does for
 * scikit-learn (max |g| ≤ tol, or the relative reduction of f below 2.2e-9, or maxIter).
 */
import { DenseArray, allocate, type Block, type NDArray, type RowStream } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions } from '../contract.js';
import { InvalidInputError, ParameterRangeError } from '../errors.js';
import { accuracyScore } from '../metrics.js';
import { isLazy, lazyMethod, lazyScore, rejecting } from '../ooc/lazy.js';
import { lazyValueCounts } from '../preprocessing/lazy_counts.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, matrix, vector } from '../state_schema.js';
import { BOOLEAN, DICT, NULL, type MatrixLike, type VectorLike, checkArray, checkFeatureCount, interval, options } from '../validation.js';
import { applyLinear, labelsOf, linearDecision } from './sgd/decision.js';
import {
  type GlmFitOptions,
  type GlmLazyFitOptions,
  type GlmParallelFitOptions,
  isParallel,
  sharedPasses,
  lazyInputs,
  memoryInputs,
} from './glm/inputs.js';
import type { LossSpec } from './glm/losses.js';
import { type Algorithm, runAsync, runSync } from './glm/passes.js';
import { type LbfgsFit, type NewtonFallback, type NewtonFit, lbfgsFit, newtonFit } from './glm/solvers.js';

/** Hyperparameters of {@link LogisticRegression} (scikit-learn's, camelCase, same defaults). */
export interface LogisticRegressionParams {
  /** 'l2' (||coef||² / 2C), or 'none' / null for no penalty. */
  penalty: 'l2' | 'none' | null;
  /** L-BFGS stops when the largest gradient component is ≤ tol. */
  tol: number;
  /** Inverse regularization strength. */
  C: number;
  fitIntercept: boolean;
  /** Weights per class label ({ 0: 1, 1: 5 }), 'balanced' (n / (k · count)), or null. */
  classWeight: 'balanced' | Record<string, number> | null;
  /**
   * 'lbfgs' (one pass per evaluation), or 'newton-cholesky' (two classes: Newton steps with the
   * Hessian summed over the blocks — one pass per step, far fewer steps on poorly scaled data).
   */
  solver: 'lbfgs' | 'newton-cholesky';
  maxIter: number;
  /** 'auto' (binomial for two classes, multinomial for more) or 'multinomial'. */
  multiClass: 'auto' | 'multinomial';
}

/** Learned state of {@link LogisticRegression}. */
export interface LogisticRegressionState extends State {
  classes_: DenseArray<'float64'>;
  /** [1, d] for two classes, [k, d] for k > 2. */
  coef_: DenseArray<'float64'>;
  intercept_: DenseArray<'float64'>;
  /** L-BFGS iterations (scikit-learn's `n_iter_[0]`). */
  nIter_: number;
  nFeaturesIn_: number;
}

export interface LogisticRegression extends LogisticRegressionParams {}

/**
 * Binary and multinomial logistic regression by L-BFGS, in memory or on lazy arrays (one pass per
 * evaluation, on every core); converges to scikit-learn 1.2's coefficients.
 *
 * @example
 * const clf = new LogisticRegression({ C: 0.5 }).fit(X, y);     // in memory
 * await new LogisticRegression().fit(Xlazy, ylazy);             // lazy, in parallel
 * clf.predictProba(X); clf.coef_; clf.nIter_;
 */
export class LogisticRegression extends BaseEstimator<LogisticRegressionParams, LogisticRegressionState> implements LazyFitter {
  static readonly estimatorName = 'LogisticRegression';
  static readonly estimatorType = 'classifier';
  static readonly defaults: Readonly<LogisticRegressionParams> = Object.freeze({
    penalty: 'l2',
    tol: 1e-4,
    C: 1.0,
    fitIntercept: true,
    classWeight: null,
    solver: 'lbfgs',
    maxIter: 100,
    multiClass: 'auto',
  } satisfies LogisticRegressionParams);
  static readonly constraints = {
    penalty: [options('l2', 'none'), NULL],
    tol: [interval('float', 0, null, 'left')],
    C: [interval('float', 0, null, 'neither')],
    fitIntercept: [BOOLEAN],
    classWeight: [options('balanced'), DICT, NULL],
    solver: [options('lbfgs', 'newton-cholesky')],
    maxIter: [interval('int', 1, null, 'left')],
    multiClass: [options('auto', 'multinomial')],
  };
  static readonly stateSchema: StateSchema = {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      classes_: vector('nClasses', { sorted: true, minLength: 2 }),
      coef_: matrix('k', 'd'),
      intercept_: vector('k'),
      nIter_: count(0),
    },
    derived: {
      k: {
        value: (d) => (d['nClasses'] === undefined ? undefined : d['nClasses'] > 2 ? d['nClasses'] : 1),
        because: (d) =>
          `classes_ holds ${d['nClasses']} classes, so ${d['nClasses']! > 2 ? d['nClasses'] : 1} row${d['nClasses']! > 2 ? 's are' : ' is'} expected (one per class; one for two classes)`,
      },
    },
  };

  constructor(options: Partial<LogisticRegressionParams> = {}) {
    super(options);
  }

  /** scikit-learn's rule: the Newton solver has no multinomial loss. */
  protected override checkMoreParams(): void {
    if (this.solver === 'newton-cholesky' && this.multiClass === 'multinomial') {
      throw new ParameterRangeError(
        `The 'multiClass' parameter of ${this.estimatorName} must be 'auto' with solver 'newton-cholesky' (it has no multinomial loss). Got 'multinomial' instead.`,
        this.estimatorName,
        'multiClass',
        this.multiClass,
      );
    }
  }

  get classes_(): DenseArray<'float64'> {
    return this.fitted.classes_;
  }
  get coef_(): DenseArray<'float64'> {
    return this.fitted.coef_;
  }
  get intercept_(): DenseArray<'float64'> {
    return this.fitted.intercept_;
  }
  get nIter_(): number {
    return this.fitted.nIter_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  /**
   * Fits. In memory: returns `this` — or, given a `scheduler`, runs each evaluation's pass on its
   * threads over the rows in shared memory and returns a promise. A lazy X and y (and optionally
   * lazy `sampleWeight`): one pass over y for the classes, then one parallel pass over the data per
   * L-BFGS evaluation; the promise resolves with the fitted estimator.
   */
  fit(X: NDArray, y: NDArray, options?: GlmLazyFitOptions): Promise<this>;
  fit(X: MatrixLike, y: VectorLike, options: GlmParallelFitOptions): Promise<this>;
  fit(X: MatrixLike, y: VectorLike, options?: GlmFitOptions): this;
  fit(
    X: MatrixLike | NDArray,
    y: VectorLike | NDArray,
    options: GlmFitOptions | GlmLazyFitOptions | GlmParallelFitOptions = {},
  ): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, y as NDArray, options as GlmLazyFitOptions));
    return rejecting(isParallel(options), () => {
      this.checkParams();
      const inp = memoryInputs(this.estimatorName, X, y, (options as GlmFitOptions).sampleWeight, false);
      const counts = labelCounts(inp.y);
      const classes = Float64Array.from(counts.keys()).sort();
      const plan = this.#plan(
        inp.d,
        classes,
        Float64Array.from(classes, (c) => counts.get(c)!),
      );
      if (isParallel(options)) {
        return runAsync(plan.algorithm, sharedPasses(inp, options)).then((fit) => {
          this.#store(fit, plan.spec, classes);
          return this;
        });
      }
      this.#store(runSync(plan.algorithm, inp.passes), plan.spec, classes);
      return this;
    });
  }

  /** Fits on lazy X and y (what `fit` does with lazy input; pipelines call it). */
  async fitLazy(X: NDArray, y: NDArray | undefined, options: GlmLazyFitOptions = {}): Promise<this> {
    this.checkParams();
    const inp = lazyInputs(this.estimatorName, X, y, options, false);
    const { sampleWeight: _w, ...run } = options;
    const advice = 'LogisticRegression needs class labels (a few distinct values) in y.';
    const vc = await lazyValueCounts(inp.y, { missing: null, distinct: true, caller: `${this.estimatorName}.fit` }, run, advice);
    const col = vc.columns![0]!;
    const plan = this.#plan(inp.d, col.values, col.counts);
    this.#store(await runAsync(plan.algorithm, inp.passes), plan.spec, col.values);
    return this;
  }

  /** The loss, its class weights and the L-BFGS run for these classes (with their counts). */
  #plan(d: number, classes: Float64Array, counts: Float64Array): { spec: LossSpec; algorithm: Algorithm<LbfgsFit | NewtonFit> } {
    const name = this.estimatorName;
    if (classes.length < 2) {
      throw new InvalidInputError(
        `${name}: this solver needs samples of at least 2 classes in the data, but the data contains only one class: ${classes[0]}.`,
      );
    }
    const multinomial = classes.length > 2 || this.multiClass === 'multinomial';
    const spec: LossSpec = {
      family: multinomial ? 'multinomial' : 'binomial',
      nFeatures: d,
      k: multinomial ? classes.length : 1,
      fitIntercept: this.fitIntercept,
      classes,
      classWeight: classWeights(name, this.classWeight, classes, counts),
      caller: name,
    };
    const l2 = this.penalty === 'l2' ? 1 / this.C : 0;
    const x0 = new Float64Array(spec.k * (d + (this.fitIntercept ? 1 : 0)));
    let algorithm: Algorithm<LbfgsFit | NewtonFit>;
    if (this.solver === 'newton-cholesky') {
      if (multinomial) {
        throw new InvalidInputError(
          `${name}: solver 'newton-cholesky' fits two classes; y has ${classes.length} (scikit-learn would fit one-vs-rest, which is not implemented here). Use solver 'lbfgs' (multinomial).`,
        );
      }
      // scikit-learn's Newton path divides the sample weights (and so the penalty) by their sum.
      algorithm = newtonFit({ spec, l2, normalize: true, l2OverSumW: true }, x0, { tol: this.tol, maxIter: this.maxIter }, null);
    } else {
      algorithm = lbfgsFit({ spec, l2, normalize: false }, x0, { gtol: this.tol, maxIter: this.maxIter }, null);
    }
    return { spec, algorithm };
  }

  #store(fit: LbfgsFit | NewtonFit, spec: LossSpec, classes: Float64Array): void {
    const d = spec.nFeatures;
    const q = d + (spec.fitIntercept ? 1 : 0);
    // A binary multinomial keeps the second class's row (scikit-learn: multi_w0[1]).
    const rows = spec.family === 'multinomial' && classes.length === 2 ? [1] : Array.from({ length: spec.k }, (_, r) => r);
    const coef = new Float64Array(rows.length * d);
    const intercept = new Float64Array(rows.length);
    rows.forEach((r, i) => {
      coef.set(fit.x.subarray(r * q, r * q + d), i * d);
      intercept[i] = spec.fitIntercept ? fit.x[r * q + d]! : 0;
    });
    if ('fallback' in fit && fit.fallback !== null) warnFallback(this.estimatorName, fit.fallback);
    if (!fit.converged) warnConvergence(this.estimatorName, fit.nIter);
    this.learned = {
      classes_: new DenseArray(classes.slice(), [classes.length]),
      coef_: new DenseArray(coef, [rows.length, d]),
      intercept_: new DenseArray(intercept, [rows.length]),
      nIter_: Math.min(fit.nIter, this.maxIter),
      nFeaturesIn_: d,
    };
  }

  /**
   * Confidence scores X · coef_ᵀ + intercept_: [n] for two classes (the second class's score),
   * [n, k] otherwise. Lazy for a lazy X.
   */
  decisionFunction(X: NDArray): NDArray;
  decisionFunction(X: MatrixLike): DenseArray<'float64'>;
  decisionFunction(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'decisionFunction', this.outputWidth('decisionFunction'));
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const k = s.intercept_.data.length;
    const out = linearDecision(m, s.coef_.data, s.intercept_.data, k, new Float64Array(m.nSamples * k));
    return new DenseArray(out, k === 1 ? [m.nSamples] : [m.nSamples, k]);
  }

  /** The class of the largest score (classes_[1] where the binary score is > 0). Lazy for a lazy X. */
  predict(X: NDArray): NDArray;
  predict(X: MatrixLike): DenseArray<'float64'>;
  predict(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'predict', null);
    const scores = this.decisionFunction(X);
    const n = scores.shape[0]!;
    const k = this.fitted.intercept_.data.length;
    const out = new Float64Array(n);
    labelsOf(scores.data, n, k, this.fitted.classes_.data, out, 0);
    return new DenseArray(out, [n]);
  }

  /**
   * Class probabilities [n, nClasses]: the logistic function of the score for two classes
   * (with multiClass 'multinomial': the softmax of [−score, score]), the softmax of the scores
   * otherwise. Lazy for a lazy X.
   */
  predictProba(X: NDArray): NDArray;
  predictProba(X: MatrixLike): DenseArray<'float64'>;
  predictProba(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'predictProba', this.outputWidth('predictProba'));
    const scores = this.decisionFunction(X);
    const n = scores.shape[0]!;
    const nClasses = this.fitted.classes_.data.length;
    const out = allocate('float64', n * nClasses);
    this.#proba(scores.data, n, out, 0);
    return new DenseArray(out, [n, nClasses]);
  }

  /** Probabilities of n rows' scores into out[at…]. */
  #proba(scores: Float64Array, n: number, out: Float64Array, at: number): void {
    const k = this.fitted.intercept_.data.length;
    if (k === 1) {
      const f = this.multiClass === 'multinomial' ? 2 : 1;
      for (let i = 0; i < n; i++) {
        const p = expit(f * scores[i]!);
        out[at + 2 * i] = 1 - p;
        out[at + 2 * i + 1] = p;
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, scores[i * k + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(scores[i * k + c]! - max);
        out[at + i * k + c] = e;
        sum += e;
      }
      for (let c = 0; c < k; c++) out[at + i * k + c] = out[at + i * k + c]! / sum;
    }
  }

  /** The logarithm of {@link predictProba}. Lazy for a lazy X. */
  predictLogProba(X: NDArray): NDArray;
  predictLogProba(X: MatrixLike): DenseArray<'float64'>;
  predictLogProba(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'predictLogProba', this.outputWidth('predictLogProba'));
    const p = this.predictProba(X);
    for (let i = 0; i < p.data.length; i++) p.data[i] = Math.log(p.data[i]!);
    return p;
  }

  /**
   * `predict`, `decisionFunction` or `predictProba` of a whole block's row stream, each tile scored
   * in WebAssembly memory (the out-of-core apply hook, as SGD's); null for other methods.
   */
  applyRows(method: ApplyMethod, s: RowStream): Block | null {
    const st = this.fitted;
    const k = st.intercept_.data.length;
    const nClasses = st.classes_.data.length;
    const classes = st.classes_.data;
    if (method === 'predict')
      return applyLinear(this.estimatorName, st.nFeaturesIn_, s, k, st.coef_.data, st.intercept_.data, 1, (scores, n, out, at) =>
        labelsOf(scores, n, k, classes, out, at),
      );
    if (method === 'decisionFunction')
      return applyLinear(this.estimatorName, st.nFeaturesIn_, s, k, st.coef_.data, st.intercept_.data, k, (scores, n, out, at) =>
        out.set(scores.subarray(0, n * k), at),
      );
    if (method === 'predictProba')
      return applyLinear(this.estimatorName, st.nFeaturesIn_, s, k, st.coef_.data, st.intercept_.data, nClasses, (scores, n, out, at) =>
        this.#proba(scores, n, out, at),
      );
    return null;
  }

  /** Mean accuracy (weighted by sampleWeight when given). Lazy X and y: computed block by block; the promise resolves with it. */
  score(X: NDArray, y: NDArray, options?: LazyOptions): Promise<number>;
  score(X: MatrixLike, y: VectorLike, sampleWeight?: VectorLike): number;
  score(X: MatrixLike | NDArray, y: VectorLike | NDArray, third?: VectorLike | LazyOptions): number | Promise<number> {
    if (isLazy(X)) {
      return rejecting(true, () => {
        if (!isLazy(y)) throw new TypeError(`${this.estimatorName}.score: X is a lazy array, so y must be one too.`);
        return lazyScore(this, X, y, (third ?? {}) as LazyOptions);
      });
    }
    return accuracyScore(y as VectorLike, this.predict(X).data, { sampleWeight: (third as VectorLike | undefined) ?? null });
  }
}

/**
 * Each distinct label of y and how many times it occurs. A few labels (the usual case) are found
 * by comparing with the ones seen so far — a tenth of the time of a Map lookup per row; more than
 * {@link FEW_LABELS}, or a NaN, and the Map counts them all.
 */
function labelCounts(y: Float64Array): Map<number, number> {
  // Labels 0 and 1 (the usual binary case), without a branch per row: v·(v − 1) is 0 only for them.
  let ones = 0;
  let other = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    ones += v;
    other += Math.abs(v * (v - 1));
  }
  if (other === 0) {
    const counts = new Map<number, number>();
    if (ones < y.length) counts.set(0, y.length - ones);
    if (ones > 0) counts.set(1, ones);
    return counts;
  }
  const seen = new Float64Array(FEW_LABELS);
  const times = new Float64Array(FEW_LABELS);
  let m = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    let c = 0;
    while (c < m && seen[c] !== v) c++;
    if (c === m) {
      if (m === FEW_LABELS || v !== v) {
        const counts = new Map<number, number>();
        for (const u of y) counts.set(u, (counts.get(u) ?? 0) + 1);
        return counts;
      }
      seen[m++] = v;
    }
    times[c]!++;
  }
  return new Map(Array.from({ length: m }, (_, c) => [seen[c]!, times[c]!]));
}

const FEW_LABELS = 16;

function expit(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/**
 * scikit-learn's compute_class_weight from the classes and their counts: ones, 'balanced'
 * (n / (k · count)), or a dict by label (every key must be a class).
 */
export function classWeights(caller: string, classWeight: unknown, classes: Float64Array, counts: Float64Array): Float64Array | null {
  if (classWeight === null || classWeight === undefined) return null;
  const k = classes.length;
  const w = new Float64Array(k).fill(1);
  if (classWeight === 'balanced') {
    let n = 0;
    for (const c of counts) n += c;
    for (let i = 0; i < k; i++) w[i] = n / (k * counts[i]!);
    return w;
  }
  const dict = classWeight as Record<string, number>;
  const unknown = Object.keys(dict).filter((key) => !classes.some((c) => String(c) === key));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `${caller}: classWeight names labels that are not classes: ${unknown.join(', ')} (classes: ${[...classes].join(', ')}).`,
    );
  }
  classes.forEach((c, i) => {
    const v = dict[String(c)];
    if (v !== undefined) w[i] = v;
  });
  return w;
}

/** scikit-learn's ConvergenceWarning: the solver stopped at maxIter (or L-BFGS's line search failed) before converging. */
export function warnConvergence(caller: string, nIter: number): void {
  process.emitWarning(
    `${caller}: the solver failed to converge (stopped after ${nIter} iterations). Increase the number of iterations (maxIter) or scale the data.`,
    { type: 'ConvergenceWarning' },
  );
}

/** scikit-learn's warning when its Newton solver hands over to L-BFGS. */
export function warnFallback(caller: string, why: NewtonFallback): void {
  process.emitWarning(`${caller}: the newton-cholesky solver resorted to lbfgs (${why}).`, { type: 'ConvergenceWarning' });
}

registerEstimator(LogisticRegression);
