/**
 * Poisson regression with a log link (scikit-learn 1.2's `PoissonRegressor`, solver 'lbfgs'),
 * fitted in parallel: L-BFGS on this thread, each evaluation one pass over the data with the loss
 * and gradient summed per block on the worker threads.
 *
 * The objective is scikit-learn's `_GeneralizedLinearRegressor`: Σ (s_i / Σs) (e^{η_i} − y_i η_i)
 * + alpha/2 ||coef||² with η = X·coef + intercept (half the mean Poisson deviance up to a
 * constant; the intercept is not penalised), started from coef 0 and intercept log(mean y), with
 * scipy's options as scikit-learn sets them (gtol = tol, ftol = 64·eps, maxls 50).
 */
import { DenseArray, type Block, type NDArray, type RowStream } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import type { ApplyMethod, LazyApplier, LazyFitter, LazyOptions } from '../contract.js';
import { InvalidInputError } from '../errors.js';
import { checkLazyInput, isLazy, lazyMethod, rejecting } from '../ooc/lazy.js';
import { registerEstimator } from '../registry.js';
import { type StateSchema, count, real, vector } from '../state_schema.js';
import { BOOLEAN, type MatrixLike, type VectorLike, checkArray, checkFeatureCount, interval, options } from '../validation.js';
import { applyLinear, linearDecision } from './sgd/decision.js';
import {
  type GlmFitOptions,
  type GlmLazyFitOptions,
  type GlmParallelFitOptions,
  isParallel,
  sharedPasses,
  lazyInputs,
  memoryInputs,
} from './glm/inputs.js';
import type { DevianceSums, LossSpec } from './glm/losses.js';
import { type Algorithm, pass, runAsync, runSync } from './glm/passes.js';
import { type LbfgsFit, type NewtonFit, lbfgsFit, newtonFit } from './glm/solvers.js';
import { warnConvergence, warnFallback } from './logistic_regression.js';

/** Hyperparameters of {@link PoissonRegressor} (scikit-learn's, camelCase, same defaults). */
export interface PoissonRegressorParams {
  /** The l2 penalty: alpha/2 ||coef||². */
  alpha: number;
  fitIntercept: boolean;
  /** 'lbfgs' (one pass per evaluation) or 'newton-cholesky' (Newton steps, the Hessian summed over the blocks: one pass per step). */
  solver: 'lbfgs' | 'newton-cholesky';
  maxIter: number;
  /** L-BFGS stops when the largest gradient component is ≤ tol. */
  tol: number;
}

/** Learned state of {@link PoissonRegressor}. */
export interface PoissonRegressorState extends State {
  coef_: DenseArray<'float64'>;
  intercept_: number;
  nIter_: number;
  nFeaturesIn_: number;
}

export interface PoissonRegressor extends PoissonRegressorParams {}

/**
 * Poisson regression by L-BFGS, in memory or on lazy arrays (one pass per evaluation, on every
 * core); converges to scikit-learn 1.2's coefficients. `predict` gives e^{X·coef + intercept};
 * `score` is D², the fraction of Poisson deviance explained.
 *
 * @example
 * const pr = new PoissonRegressor({ alpha: 0.1 }).fit(X, counts);
 * await new PoissonRegressor().fit(Xlazy, ylazy);
 * pr.predict(X); pr.coef_; pr.intercept_;
 */
export class PoissonRegressor extends BaseEstimator<PoissonRegressorParams, PoissonRegressorState> implements LazyFitter, LazyApplier {
  static readonly estimatorName = 'PoissonRegressor';
  static readonly estimatorType = 'regressor';
  static readonly defaults: Readonly<PoissonRegressorParams> = Object.freeze({
    alpha: 1.0,
    fitIntercept: true,
    solver: 'lbfgs',
    maxIter: 100,
    tol: 1e-4,
  } satisfies PoissonRegressorParams);
  static readonly constraints = {
    alpha: [interval('float', 0, null, 'left')],
    fitIntercept: [BOOLEAN],
    solver: [options('lbfgs', 'newton-cholesky')],
    maxIter: [interval('int', 1, null, 'left')],
    tol: [interval('float', 0, null, 'neither')],
  };
  static readonly stateSchema: StateSchema = {
    fields: { nFeaturesIn_: count(1, 'd'), coef_: vector('d'), intercept_: real(), nIter_: count(0) },
  };

  constructor(options: Partial<PoissonRegressorParams> = {}) {
    super(options);
  }

  get coef_(): DenseArray<'float64'> {
    return this.fitted.coef_;
  }
  get intercept_(): number {
    return this.fitted.intercept_;
  }
  get nIter_(): number {
    return this.fitted.nIter_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  #spec(d: number): LossSpec {
    return {
      family: 'poisson',
      nFeatures: d,
      k: 1,
      fitIntercept: this.fitIntercept,
      classes: null,
      classWeight: null,
      caller: this.estimatorName,
    };
  }

  /**
   * Fits. In memory: returns `this` — or, given a `scheduler`, runs the passes on its threads over
   * the rows in shared memory and returns a promise. A lazy X and y (optionally lazy
   * `sampleWeight`): one parallel pass per L-BFGS evaluation (plus one for the starting intercept);
   * the promise resolves with the fitted estimator.
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
      if (isParallel(options)) {
        return runAsync(this.#algorithm(inp.d), sharedPasses(inp, options)).then((fit) => {
          this.#store(fit, inp.d);
          return this;
        });
      }
      this.#store(runSync(this.#algorithm(inp.d), inp.passes), inp.d);
      return this;
    });
  }

  /** Fits on lazy X and y (what `fit` does with lazy input; pipelines call it). */
  async fitLazy(X: NDArray, y: NDArray | undefined, options: GlmLazyFitOptions = {}): Promise<this> {
    this.checkParams();
    const inp = lazyInputs(this.estimatorName, X, y, options, false);
    this.#store(await runAsync(this.#algorithm(inp.d), inp.passes), inp.d);
    return this;
  }

  *#algorithm(d: number): Algorithm<LbfgsFit | NewtonFit> {
    const spec = this.#spec(d);
    const q = d + (this.fitIntercept ? 1 : 0);
    const x0 = new Float64Array(q);
    let sumW: number | null = null;
    if (this.fitIntercept) {
      // The starting intercept is log(weighted mean of y): Σs and Σs·y from one pass at zero.
      const at0 = yield* pass((p) => p.lossGrad(new Float64Array(q), spec));
      sumW = at0.sumW;
      const mean = (at0.sumW - at0.grad[d]!) / at0.sumW;
      if (!(at0.sumW > 0))
        throw new InvalidInputError(`${this.estimatorName}: the sample weights sum to ${at0.sumW}; they must sum to a positive number.`);
      if (!(mean > 0))
        throw new InvalidInputError(`${this.estimatorName}: the (weighted) mean of y is ${mean}; Poisson regression needs some y > 0.`);
      x0[d] = Math.log(mean);
    }
    const objective = { spec, l2: this.alpha, normalize: true };
    if (this.solver === 'newton-cholesky') return yield* newtonFit(objective, x0, { tol: this.tol, maxIter: this.maxIter }, sumW);
    const options = { gtol: this.tol, maxIter: this.maxIter, maxLs: 50, ftol: 64 * Number.EPSILON };
    return yield* lbfgsFit(objective, x0, options, sumW);
  }

  #store(fit: LbfgsFit | NewtonFit, d: number): void {
    if ('fallback' in fit && fit.fallback !== null) warnFallback(this.estimatorName, fit.fallback);
    if (!fit.converged) warnConvergence(this.estimatorName, fit.nIter);
    this.learned = {
      coef_: new DenseArray(fit.x.slice(0, d), [d]),
      intercept_: this.fitIntercept ? fit.x[d]! : 0,
      nIter_: Math.min(fit.nIter, this.maxIter),
      nFeaturesIn_: d,
    };
  }

  /** The coefficients with the intercept last, as the passes take them. */
  #coef(): Float64Array {
    const s = this.fitted;
    const x = new Float64Array(s.nFeaturesIn_ + (this.fitIntercept ? 1 : 0));
    x.set(s.coef_.data);
    if (this.fitIntercept) x[s.nFeaturesIn_] = s.intercept_;
    return x;
  }

  /** e^{X·coef_ + intercept_} ([n]); lazy for a lazy X. */
  predict(X: NDArray): NDArray;
  predict(X: MatrixLike): DenseArray<'float64'>;
  predict(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'predict', null);
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const out = linearDecision(m, s.coef_.data, Float64Array.of(s.intercept_), 1, new Float64Array(m.nSamples));
    for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]!);
    return new DenseArray(out, [m.nSamples]);
  }

  /** `predict` of a whole block's row stream (the out-of-core apply hook): the linear predictor in WebAssembly memory, then e^η. */
  applyRows(method: ApplyMethod, s: RowStream): Block | null {
    if (method !== 'predict') return null;
    const st = this.fitted;
    return applyLinear(
      this.estimatorName,
      st.nFeaturesIn_,
      s,
      1,
      st.coef_.data,
      Float64Array.of(st.intercept_),
      1,
      (scores, n, out, at) => {
        for (let i = 0; i < n; i++) out[at + i] = Math.exp(scores[i]!);
      },
    );
  }

  /** A lazy method (`predict`) block by block; what pipelines call. */
  applyLazy(method: ApplyMethod, X: NDArray): NDArray {
    if (method !== 'predict') throw new TypeError(`${this.estimatorName} has no method '${method}'.`);
    return this.predict(X);
  }

  /** D² on lazy X and y (what pipelines call). */
  scoreLazy(X: NDArray, y: NDArray, options: LazyOptions): Promise<number> {
    return this.score(X, y, options);
  }

  /**
   * D², the fraction of Poisson deviance explained (scikit-learn's `score`):
   * 1 − D(y, ŷ) / D(y, mean y), weighted by sampleWeight when given. Lazy X and y: one parallel pass.
   */
  score(X: NDArray, y: NDArray, options?: LazyOptions & { sampleWeight?: NDArray }): Promise<number>;
  score(X: MatrixLike, y: VectorLike, sampleWeight?: VectorLike): number;
  score(
    X: MatrixLike | NDArray,
    y: VectorLike | NDArray,
    third?: VectorLike | (LazyOptions & { sampleWeight?: NDArray }),
  ): number | Promise<number> {
    const s = this.fitted;
    const spec = this.#spec(s.nFeaturesIn_);
    const coef = this.#coef();
    const alg = (function* () {
      return d2((yield* pass((p) => p.deviance(coef, spec))) as DevianceSums);
    })();
    if (isLazy(X)) {
      return rejecting(true, () => {
        if (!isLazy(y)) throw new TypeError(`${this.estimatorName}.score: X is a lazy array, so y must be one too.`);
        checkLazyInput(this, X);
        return runAsync(alg, lazyInputs(`${this.estimatorName}.score`, X, y, (third ?? {}) as GlmLazyFitOptions, false).passes);
      });
    }
    const inp = memoryInputs(this.estimatorName, X, y as VectorLike, third as VectorLike | undefined, false);
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, inp.d);
    return runSync(alg, inp.passes);
  }
}

/**
 * D² from the deviance sums: 1 − (dev + c) / (dev_null + c), as scikit-learn 1.2 computes it (its
 * constant c is the unweighted Σ(y log y − y) divided by Σw).
 */
function d2(s: DevianceSums): number {
  const mean = s.sumWY / s.sumW;
  const dev = s.loss / s.sumW;
  const devNull = (s.sumW * mean - Math.log(mean) * s.sumWY) / s.sumW;
  const c = s.constant / s.sumW;
  return 1 - (dev + c) / (devNull + c);
}

registerEstimator(PoissonRegressor);
