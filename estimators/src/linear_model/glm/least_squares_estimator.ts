/**
 * What LinearRegression and Ridge share (scikit-learn's `LinearModel` + `RegressorMixin`): fit from
 * one pass of cross-products (solvers.ts: leastSquares), in memory or on lazy arrays, and the
 * linear prediction — lazy and fused for a lazy X (each tile of a read or of the scaler's
 * expression evaluated straight into WebAssembly memory and scored there, as SGD's predict).
 */
import { DenseArray, type Block, type NDArray, type RowStream } from '@tessera/array';
import { BaseEstimator, type State } from '../../base.js';
import type { ApplyMethod, LazyFitter, LazyOptions } from '../../contract.js';
import { r2FromArrays } from '../../metrics.js';
import { isLazy, lazyMethod, lazyScore, rejecting } from '../../ooc/lazy.js';
import { type StateSchema, count, matrix, nullable, vector } from '../../state_schema.js';
import { type MatrixLike, type VectorLike, checkArray, checkFeatureCount, checkVector } from '../../validation.js';
import { applyLinear, linearDecision } from '../sgd/decision.js';
import {
  type GlmFitOptions,
  type GlmLazyFitOptions,
  type GlmParallelFitOptions,
  isParallel,
  sharedPasses,
  type TargetLike,
  lazyInputs,
  memoryInputs,
} from './inputs.js';
import { runAsync, runSync } from './passes.js';
import { leastSquares, type LeastSquaresFit } from './solvers.js';

/** Learned state of LinearRegression and Ridge. */
export interface LeastSquaresState extends State {
  /** Shape `[t, d]`: one row per target (the public `coef_` is [d] for a 1-D y). */
  coef_: DenseArray<'float64'>;
  /** [t] (the public `intercept_` is a number for a 1-D y). */
  intercept_: DenseArray<'float64'>;
  /** Targets of a 2-D y, or null for a 1-D y. */
  nTargets_: number | null;
  nFeaturesIn_: number;
  /** LinearRegression only: the rank of the centered X and its singular values. */
  rank_?: number;
  singular_?: DenseArray<'float64'>;
}

/** The state schema (`withLstsq`: LinearRegression's rank_ and singular_). */
export function leastSquaresSchema(withLstsq: boolean): StateSchema {
  return {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      nTargets_: nullable(count(1)),
      coef_: matrix('t', 'd'),
      intercept_: vector('t'),
      ...(withLstsq ? { rank_: count(0), singular_: vector('r', { values: 'nonNegative' }) } : {}),
    },
  };
}

/** LinearRegression / Ridge: everything but the penalty. */
export abstract class LeastSquaresEstimator<P extends { fitIntercept: boolean }>
  extends BaseEstimator<P, LeastSquaresState>
  implements LazyFitter
{
  /** The ridge penalty (0 for LinearRegression). */
  protected abstract penalty(): number;
  /** Whether the state keeps rank_ and singular_. */
  protected abstract keepsLstsq(): boolean;

  /** Coefficients: [d] for a 1-D y, [t, d] for a 2-D y (scikit-learn's shapes). */
  get coef_(): DenseArray<'float64'> {
    const s = this.fitted;
    return s.nTargets_ === null ? new DenseArray(s.coef_.data, [s.nFeaturesIn_]) : s.coef_;
  }
  /** Intercept: a number for a 1-D y, [t] for a 2-D y (0 without fitIntercept). */
  get intercept_(): number | DenseArray<'float64'> {
    const s = this.fitted;
    return s.nTargets_ === null ? s.intercept_.data[0]! : s.intercept_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }

  /**
   * Fits. In memory: returns `this` — or, given a `scheduler`, runs the passes on its threads over
   * the rows in shared memory and returns a promise. A lazy X (with a lazy y, and optionally lazy
   * `sampleWeight`): one parallel pass of per-block cross-products (two when X is ill-conditioned),
   * and the promise resolves with the fitted estimator.
   */
  fit(X: NDArray, y: NDArray, options?: GlmLazyFitOptions): Promise<this>;
  fit(X: MatrixLike, y: TargetLike, options: GlmParallelFitOptions): Promise<this>;
  fit(X: MatrixLike, y: TargetLike, options?: GlmFitOptions): this;
  fit(
    X: MatrixLike | NDArray,
    y: TargetLike | NDArray,
    options: GlmFitOptions | GlmLazyFitOptions | GlmParallelFitOptions = {},
  ): this | Promise<this> {
    if (isLazy(X)) return rejecting(true, () => this.fitLazy(X, y as NDArray, options as GlmLazyFitOptions));
    return rejecting(isParallel(options), () => {
      this.checkParams();
      const inp = memoryInputs(this.estimatorName, X, y, (options as GlmFitOptions).sampleWeight, true);
      const alg = this.#algorithm(inp.d, inp.t);
      if (isParallel(options)) {
        return runAsync(alg, sharedPasses(inp, options)).then((fit) => {
          this.#store(fit, inp.d, inp.t, inp.multiOutput);
          return this;
        });
      }
      this.#store(runSync(alg, inp.passes), inp.d, inp.t, inp.multiOutput);
      return this;
    });
  }

  /** Fits on lazy X and y (what `fit` does with lazy input; pipelines call it). */
  async fitLazy(X: NDArray, y: NDArray | undefined, options: GlmLazyFitOptions = {}): Promise<this> {
    this.checkParams();
    const inp = lazyInputs(this.estimatorName, X, y, options, true);
    this.#store(await runAsync(this.#algorithm(inp.d, inp.t), inp.passes), inp.d, inp.t, inp.multiOutput);
    return this;
  }

  #algorithm(d: number, t: number) {
    const alpha = new Float64Array(t).fill(this.penalty());
    return leastSquares({ d, t, caller: this.estimatorName }, alpha, (this as unknown as P).fitIntercept);
  }

  #store(fit: LeastSquaresFit, d: number, t: number, multiOutput: boolean): void {
    const state: LeastSquaresState = {
      coef_: new DenseArray(fit.coef, [t, d]),
      intercept_: new DenseArray(fit.intercept, [t]),
      nTargets_: multiOutput ? t : null,
      nFeaturesIn_: d,
    };
    if (this.keepsLstsq()) {
      state.rank_ = fit.rank;
      state.singular_ = new DenseArray(fit.singular, [fit.singular.length]);
    }
    this.learned = state;
  }

  /** One value per row for a 1-D y; a 2-D y's target count otherwise. */
  override outputWidth(method: ApplyMethod): number | null {
    if (method === 'predict') return this.fitted.nTargets_;
    return super.outputWidth(method);
  }

  /** X · coef_ᵀ + intercept_: [n] for a 1-D y, [n, t] for a 2-D y; lazy (block by block, in parallel) for a lazy X. */
  predict(X: NDArray): NDArray;
  predict(X: MatrixLike): DenseArray<'float64'>;
  predict(X: MatrixLike | NDArray): DenseArray<'float64'> | NDArray {
    if (isLazy(X)) return lazyMethod(this, X, 'predict', this.outputWidth('predict'));
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const t = s.intercept_.data.length;
    const out = linearDecision(m, s.coef_.data, s.intercept_.data, t, new Float64Array(m.nSamples * t));
    return new DenseArray(out, s.nTargets_ === null ? [m.nSamples] : [m.nSamples, t]);
  }

  /** `predict` of a whole block's row stream, each tile scored in WebAssembly memory (the out-of-core apply hook). */
  applyRows(method: ApplyMethod, s: RowStream): Block | null {
    if (method !== 'predict') return null;
    const st = this.fitted;
    const t = st.intercept_.data.length;
    if (st.nTargets_ !== null && t === 1) return null;
    return applyLinear(this.estimatorName, st.nFeaturesIn_, s, t, st.coef_.data, st.intercept_.data, t, (scores, n, out, at) =>
      out.set(scores.subarray(0, n * t), at),
    );
  }

  /**
   * R² of the predictions (scikit-learn's `score`; for a 2-D y the average over targets), weighted
   * by sampleWeight when given. Lazy X and y: computed block by block (1-D y), the promise resolves
   * with the number.
   */
  score(X: NDArray, y: NDArray, options?: LazyOptions): Promise<number>;
  score(X: MatrixLike, y: TargetLike, sampleWeight?: VectorLike): number;
  score(X: MatrixLike | NDArray, y: TargetLike | NDArray, third?: VectorLike | LazyOptions): number | Promise<number> {
    if (isLazy(X)) {
      return rejecting(true, () => {
        if (!isLazy(y)) throw new TypeError(`${this.estimatorName}.score: X is a lazy array, so y must be one too.`);
        if (y.ndim !== 1)
          throw new RangeError(`${this.estimatorName}.score on lazy arrays takes a 1-D y; got shape [${y.shape.join(', ')}].`);
        return lazyScore(this, X, y, (third ?? {}) as LazyOptions);
      });
    }
    const pred = this.predict(X);
    const n = pred.shape[0]!;
    const t = pred.shape.length === 2 ? pred.shape[1]! : 1;
    const w = third === undefined ? null : checkVector(third, n, { caller: this.estimatorName, name: 'sampleWeight' });
    const truth = memoryInputs(this.estimatorName, X, y as TargetLike, undefined, t > 1 || pred.shape.length === 2).y;
    if (t === 1) return r2FromArrays(truth, pred.data, w);
    let sum = 0;
    const a = new Float64Array(n);
    const b = new Float64Array(n);
    for (let c = 0; c < t; c++) {
      for (let i = 0; i < n; i++) {
        a[i] = truth[i * t + c]!;
        b[i] = pred.data[i * t + c]!;
      }
      sum += r2FromArrays(a, b, w);
    }
    return sum / t;
  }
}
