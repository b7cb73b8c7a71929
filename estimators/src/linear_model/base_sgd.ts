/**
 * What SGDClassifier, SGDRegressor, Perceptron and the PassiveAggressive models share: the
 * Python-level logic of scikit-learn 1.2's `_stochastic_gradient.py` around the kernel
 * (`sgd_fast.ts`) — parameter checks, class weights, one-vs-rest, how `t_` advances, the
 * early-stopping split, and which arrays `coef_` / `intercept_` are when averaging.
 *
 * Learned state (plain data, see base.ts):
 *   coef_        DenseArray float64, [k, nFeatures] for classifiers (k = 1 when binary), [nFeatures] for regressors
 *   intercept_   DenseArray float64, [k] ([1] for regressors)
 *   t_           number: 1 + samples seen (the learning-rate clock, scikit-learn's t_)
 *   nIter_       number: epochs run by the last call
 *   nFeaturesIn_ number
 *   classes_     DenseArray float64 [nClasses] (classifiers)
 *   with `average` > 0 also standardCoef_, standardIntercept_, averageCoef_, averageIntercept_
 *   (scikit-learn's _standard_coef… ); coef_ / intercept_ are then the average arrays once
 *   average <= t_ - 1, the standard ones before.
 *
 * Every call trains on fresh copies of the arrays and commits them at the end, so a state
 * returned by getState() is never changed by later training, and a failed call changes nothing.
 */
import { DenseArray, allocate, type Block, type RowStream } from '@tessera/array';
import { BaseEstimator, type Params, type State } from '../base.js';
import { type StateSchema, count, matrix, optional, real, vector } from '../state_schema.js';
import { InvalidInputError, ParameterRangeError, describeValue } from '../errors.js';
import { accuracyScore, r2FromArrays } from '../metrics.js';
import { MAX_SEED, type Random, randomFrom } from '../random.js';
import { validationSplit } from '../model_selection.js';
import {
  BOOLEAN,
  type Constraint,
  DICT,
  type Matrix,
  type MatrixLike,
  NULL,
  RANDOM_STATE,
  type VectorLike,
  asVector,
  checkArray,
  checkFeatureCount,
  checkSampleWeight,
  checkVector,
  interval,
  options,
} from '../validation.js';
import { LEARNING_RATE, type LossName, PENALTY, lossSpec, plainSGD, prefersWasm, throwIfNonFinite } from './sgd_fast.js';
import { type PreparedBlock, type SGDPreparedHint, inPlaceOf, originalRows, prepareRows, releasePrepared, retirePrepared } from './sgd_prepare.js';
import { type PreparedLayout, type WasmMemory, wasmDecision, wasmStreamDecision } from './sgd_wasm.js';

/** Largest seed drawn for the shuffling generator (numpy's int32 max, as scikit-learn draws). */
const MAX_INT = 2 ** 31 - 1;

/**
 * The seed of the shuffle of a partialFit call with an integer randomState on a problem trained
 * in one piece (a regression or a binary classification): the first draw of the call's generator,
 * as trainClassifier / trainRegressor draw it (no early-stopping split in partialFit).
 */
function shuffleSeed(randomState: number): number {
  return randomFrom(randomState).randint(MAX_INT);
}

/** How a call trains on a prepared block (see sgd_prepare.ts). */
interface PreparedContext {
  /** Rows are in the visit order of this call's shuffle: the epoch runs sequentially. */
  readonly permuted: boolean;
  /** Maps a prepared row to its row in the original block (for error messages); null: identity. */
  readonly rowOf: ((row: number) => number) | null;
  /** The block's shared WebAssembly memory, for an in-place epoch. */
  readonly inPlace: { readonly memory: WasmMemory; readonly layout: PreparedLayout } | null;
}

/** Options of prepareBlock. */
export interface PrepareBlockOptions {
  /** The labels partialFit will be given (classifiers: whether the problem is binary decides if the rows can be put in visit order). */
  classes?: VectorLike;
  /** Per-sample weights, prepared with the rows. */
  sampleWeight?: VectorLike;
  /**
   * The caller will call `releaseBlock` once partialFit has consumed the block
   * (and never use it again): its memory may then be reused for the next block prepared on this
   * thread — fresh memory costs page faults. For one-consumer pipelines such as the out-of-core chain.
   */
  recycle?: boolean;
}

/** Validates a prepared block's hint against X; returns the row mapping for error messages. */
function preparedRowOf(caller: string, hint: SGDPreparedHint, m: Matrix): ((row: number) => number) | null {
  if (typeof hint !== 'object' || hint === null || hint.kind !== 'sgd-rows') {
    throw new TypeError(`${caller}.partialFit: the 'prepared' option must be the hint of a block returned by prepareBlock. Got ${describeValue(hint)}.`);
  }
  if (hint.nSamples !== m.nSamples || hint.nFeatures !== m.nFeatures) {
    throw new InvalidInputError(`${caller}.partialFit: the block was prepared with ${hint.nSamples} rows × ${hint.nFeatures} features, but X has ${m.nSamples} × ${m.nFeatures}.`);
  }
  return originalRows(hint);
}

/** Throws as checkVector does for the first non-finite value, naming its row in the original block. */
function assertFiniteRows(v: Float64Array, name: string, caller: string, rowOf: (row: number) => number): void {
  let best = -1;
  let bad = 0;
  for (let k = 0; k < v.length; k++) {
    const x = v[k]!;
    if (x - x !== 0) {
      const o = rowOf(k);
      if (best < 0 || o < best) {
        best = o;
        bad = x;
      }
    }
  }
  if (best >= 0) throw new InvalidInputError(`${caller}: input ${name} contains ${Number.isNaN(bad) ? 'NaN' : bad > 0 ? 'Infinity' : '-Infinity'} at row ${best}.`);
}

/** Sample weights of a call on a (possibly permuted) block: validated, errors naming original rows. */
function weightsOf(sampleWeight: VectorLike | undefined, n: number, caller: string, rowOf: ((row: number) => number) | null): Float64Array | null {
  if (rowOf === null) return optionalSampleWeight(sampleWeight, n, caller);
  if (sampleWeight === undefined || sampleWeight === null) return null;
  const v = checkVector(sampleWeight, n, { caller, name: 'sampleWeight', skipFiniteCheck: true });
  assertFiniteRows(v, 'sampleWeight', caller, rowOf);
  return v;
}

/** Everything the kernel needs that differs between the estimators of the family. */
export interface SGDConfig {
  readonly loss: LossName;
  readonly learningRate: 'constant' | 'optimal' | 'invscaling' | 'adaptive' | 'pa1' | 'pa2';
  readonly penalty: 'l2' | 'l1' | 'elasticnet' | null;
  readonly alpha: number;
  readonly C: number;
  readonly l1Ratio: number;
  readonly eta0: number;
  readonly powerT: number;
  readonly epsilon: number;
  /** Number of samples before averaging starts; 0 = no averaging. */
  readonly average: number;
}

/** Hyperparameters every estimator of the family has. */
export interface SGDCommonParams {
  fitIntercept: boolean;
  maxIter: number;
  tol: number | null;
  shuffle: boolean;
  verbose: number | boolean;
  randomState: number | null;
  earlyStopping: boolean;
  validationFraction: number;
  nIterNoChange: number;
  warmStart: boolean;
}

/** Constraints shared by the family (scikit-learn's BaseSGD + BaseSGDClassifier/Regressor). */
export const COMMON_CONSTRAINTS: Record<string, readonly Constraint[]> = {
  fitIntercept: [BOOLEAN],
  maxIter: [interval('int', 1, null, 'left')],
  tol: [interval('float', 0, null, 'left'), NULL],
  shuffle: [BOOLEAN],
  verbose: [interval('int', 0, null, 'left'), BOOLEAN],
  randomState: RANDOM_STATE,
  warmStart: [BOOLEAN],
  earlyStopping: [BOOLEAN],
  validationFraction: [interval('float', 0, 1, 'neither')],
  nIterNoChange: [interval('int', 1, null, 'left')],
};
export const AVERAGE_CONSTRAINT: readonly Constraint[] = [interval('int', 0, null, 'left'), BOOLEAN];
export const CLASS_WEIGHT_CONSTRAINT: readonly Constraint[] = [options('balanced'), DICT, NULL];
export const PENALTY_CONSTRAINT: readonly Constraint[] = [options('l2', 'l1', 'elasticnet'), NULL];

/** `average` as a number (true ↦ 1, false ↦ 0). */
export function averageValue(average: unknown): number {
  if (average === true) return 1;
  if (average === false || average === undefined || average === null) return 0;
  return average as number;
}

const PENALTY_CODE = { l2: PENALTY.L2, l1: PENALTY.L1, elasticnet: PENALTY.ELASTICNET } as const;
const LR_CODE = {
  constant: LEARNING_RATE.CONSTANT,
  optimal: LEARNING_RATE.OPTIMAL,
  invscaling: LEARNING_RATE.INVSCALING,
  adaptive: LEARNING_RATE.ADAPTIVE,
  pa1: LEARNING_RATE.PA1,
  pa2: LEARNING_RATE.PA2,
} as const;

/** The learned state of the SGD family (see the file comment). */
export interface SGDState extends State {
  coef_: DenseArray<'float64'>;
  intercept_: DenseArray<'float64'>;
  t_: number;
  nIter_: number;
  nFeaturesIn_: number;
  standardCoef_?: DenseArray<'float64'>;
  standardIntercept_?: DenseArray<'float64'>;
  averageCoef_?: DenseArray<'float64'>;
  averageIntercept_?: DenseArray<'float64'>;
}

export interface SGDClassifierState extends SGDState {
  classes_: DenseArray<'float64'>;
}

/**
 * The declared learned state of the family (see the file comment): coef_ (k, d) for classifiers
 * with k = nClasses, or 1 for two classes; (d,) for regressors; the averaging arrays all or none.
 */
function sgdStateSchema(kind: 'classifier' | 'regressor'): StateSchema {
  const rows = kind === 'classifier' ? 'k' : 1;
  const coef = kind === 'classifier' ? matrix('k', 'd') : vector('d');
  const intercept = vector(rows);
  return {
    fields: {
      nFeaturesIn_: count(1, 'd'),
      ...(kind === 'classifier' ? { classes_: vector('nClasses', { sorted: true, minLength: 2 }) } : {}),
      coef_: coef,
      intercept_: intercept,
      t_: real('finite', 1),
      nIter_: count(0),
      standardCoef_: optional(coef),
      standardIntercept_: optional(intercept),
      averageCoef_: optional(coef),
      averageIntercept_: optional(intercept),
    },
    derived: {
      k: {
        value: (d) => (d['nClasses'] === undefined ? undefined : d['nClasses'] > 2 ? d['nClasses'] : 1),
        because: (d) => `classes_ holds ${d['nClasses']} classes, so ${d['nClasses']! > 2 ? d['nClasses'] : 1} row${d['nClasses']! > 2 ? 's are' : ' is'} expected (one per class; one for two classes)`,
      },
    },
    together: [['standardCoef_', 'standardIntercept_', 'averageCoef_', 'averageIntercept_']],
  };
}

function f64(shape: number[], from?: Float64Array): DenseArray<'float64'> {
  let size = 1;
  for (const s of shape) size *= s;
  const data = new Float64Array(size);
  if (from !== undefined) data.set(from);
  return new DenseArray(data, shape);
}

/** Validation / training rows split for early stopping; the validation rows must carry weight. */
function validationSplitWeighted(
  caller: string,
  n: number,
  fraction: number,
  rng: Random,
  strata: Float64Array | null,
  sampleWeight: Float64Array | null,
): Uint8Array {
  const mask = validationSplit(caller, n, fraction, rng, strata);
  let anyWeight = false;
  for (let i = 0; i < n; i++) if (mask[i] && (sampleWeight === null || sampleWeight[i]! > 0)) anyWeight = true;
  if (!anyWeight) {
    throw new InvalidInputError(`${caller}: the sample weights for the validation set are all zero, consider using a different randomState.`);
  }
  return mask;
}

/**
 * decision = X · coef[c] + intercept[c] for every row and class; [n] when k = 1, else [n, k]
 * (row-major), over shared memory. NaN/Infinity in a row shows up as a non-finite sum, which is
 * then traced to its column (so clean data needs no separate pass).
 */
export function linearDecision(m: Matrix, coef: Float64Array, intercept: Float64Array, k: number, out: Float64Array = allocate('float64', m.nSamples * k)): Float64Array {
  const { data: X, nSamples: n, nFeatures: d } = m;
  if (prefersWasm(n, d)) {
    const bad = wasmDecision(X, n, d, coef, intercept, k, out);
    if (bad >= 0) throwIfNonFinite(X, bad * d, d, bad);
    if (bad === -1) return out;
  }
  jsDecision(X, n, d, coef, intercept, k, out, 0);
  return out;
}

/** The JavaScript loop of {@link linearDecision}; rows are numbered from `rowBase` in errors. */
function jsDecision(X: Float64Array, n: number, d: number, coef: Float64Array, intercept: Float64Array, k: number, out: Float64Array, rowBase: number): void {
  const d4 = d & ~3;
  for (let c = 0; c < k; c++) {
    const w = c * d;
    const b = intercept[c]!;
    for (let i = 0; i < n; i++) {
      const off = i * d;
      // Four partial sums: independent additions pipeline (the order differs from BLAS's anyway).
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j < d4; j += 4) {
        s0 += X[off + j]! * coef[w + j]!;
        s1 += X[off + j + 1]! * coef[w + j + 1]!;
        s2 += X[off + j + 2]! * coef[w + j + 2]!;
        s3 += X[off + j + 3]! * coef[w + j + 3]!;
      }
      for (; j < d; j++) s0 += X[off + j]! * coef[w + j]!;
      const s = s0 + s1 + (s2 + s3);
      if (s - s !== 0) throwIfNonFinite(X, off, d, rowBase + i);
      out[i * k + c] = s + b;
    }
  }
}

/**
 * {@link linearDecision} over a row stream (a block, a read, a scaler's expression over a read),
 * tile by tile, each tile evaluated straight into this thread's WebAssembly memory and scored
 * there (wasmStreamDecision); `sink(scores, a, count)` receives each tile's scores (a view, valid
 * during the call). Returns false, having called nothing, when that is not available.
 */
function streamDecision(s: RowStream, coef: Float64Array, intercept: Float64Array, k: number, sink: (scores: Float64Array, a: number, count: number) => void): boolean {
  const d = s.cols;
  return wasmStreamDecision(s, coef, intercept, k, (rows, a, count, scores, bad) => {
    if (bad >= 0) {
      throwIfNonFinite(rows, bad * d, d, a + bad);
      // A finite row whose score overflowed: the tile again in JavaScript, as linearDecision does.
      jsDecision(rows, count, d, coef, intercept, k, scores, a);
    }
    sink(scores, a, count);
  });
}

/**
 * Labels from scores into out[at…]: classes[1] where the binary score is > 0, else classes[0];
 * the class of the largest score (the first on ties) when k > 1.
 */
function labelsOf(scores: Float64Array, n: number, k: number, classes: Float64Array, out: Float64Array, at: number): void {
  if (k === 1) {
    for (let i = 0; i < n; i++) out[at + i] = classes[scores[i]! > 0 ? 1 : 0]!;
    return;
  }
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = scores[i * k]!;
    for (let c = 1; c < k; c++) {
      const v = scores[i * k + c]!;
      if (v > bestScore) {
        bestScore = v;
        best = c;
      }
    }
    out[at + i] = classes[best]!;
  }
}

/**
 * The out-of-core apply kernel's hook for linear models (see applyMethod): `decision` over a row
 * stream of a whole block, or null when the stream is not 2-D or cannot be evaluated in
 * WebAssembly memory (the kernel then calls the method tile by tile).
 */
function applyLinear(name: string, nFeaturesIn: number, s: RowStream, k: number, coef: Float64Array, intercept: Float64Array, width: number, each: (scores: Float64Array, count: number, out: Float64Array, at: number) => void): Block | null {
  if (s.shape.length !== 2 || s.rows === 0 || !prefersWasm(s.rows, s.cols)) return null;
  checkFeatureCount(name, nFeaturesIn, s.cols);
  const n = s.rows;
  const out = allocate('float64', n * width);
  const done = streamDecision(s, coef, intercept, k, (scores, a, count) => each(scores, count, out, a * width));
  return done ? { dtype: 'float64', shape: width === 1 ? [n] : [n, width], data: out } : null;
}

/** Base of the family: parameter checks and the kernel call. */
export abstract class BaseSGD<P extends object, S extends SGDState> extends BaseEstimator<P, S> {
  /** Maps this estimator's hyperparameters to the kernel's configuration. */
  protected abstract sgdConfig(): SGDConfig;

  /** {@link checkParams} (constraints, then the rules of {@link checkMoreParams}); returns the kernel's configuration. */
  protected validate(forPartialFit: boolean): SGDConfig {
    this.checkParams({ partialFit: forPartialFit });
    return this.sgdConfig();
  }

  /** The cross-parameter rules of scikit-learn's `_more_validate_params`. */
  protected override checkMoreParams(forPartialFit: boolean): void {
    const self = this as unknown as Params & SGDCommonParams;
    const cfg = this.sgdConfig();
    const name = this.estimatorName;
    if (self.earlyStopping && forPartialFit) {
      throw new ParameterRangeError(`The 'earlyStopping' parameter of ${name} must be false with partialFit. Got true instead.`, name, 'earlyStopping', true);
    }
    if ((cfg.learningRate === 'constant' || cfg.learningRate === 'invscaling' || cfg.learningRate === 'adaptive') && cfg.eta0 <= 0) {
      throw new ParameterRangeError(
        `The 'eta0' parameter of ${name} must be > 0 with learningRate '${cfg.learningRate}'. Got ${describeValue(cfg.eta0)} instead.`,
        name,
        'eta0',
        cfg.eta0,
      );
    }
    if (cfg.learningRate === 'optimal' && cfg.alpha === 0) {
      throw new ParameterRangeError(
        `The 'alpha' parameter of ${name} must be > 0 with learningRate 'optimal' (it sets the learning rate). Got 0 instead.`,
        name,
        'alpha',
        0,
      );
    }
  }

  /**
   * Whether partialFit trains on one visit order per call: true for regressions and binary
   * problems, false for one-vs-rest (one shuffle per class). `classes`: those given to partialFit.
   */
  protected abstract singleShuffle(classes: VectorLike | undefined): boolean;

  /**
   * Prepares a block for a later `partialFit` — the hook the out-of-core chain calls in the task
   * that reads a block, on any worker, ahead of the link that trains on it. Pure: depends on the
   * hyperparameters and the block only, never on learned state.
   *
   * With `shuffle: true` and an integer `randomState`, partialFit's visit order is known in
   * advance (each call re-seeds from randomState), so the rows, labels and weights come back in
   * that order, and `partialFit(p.X, p.y, { classes, sampleWeight: p.sampleWeight, prepared: p.hint })`
   * runs a sequential epoch over them: exactly the result of `partialFit(X, y, { classes, sampleWeight })`,
   * with errors naming rows of the original block. Without shuffling the block is only placed
   * in a shared WebAssembly memory the epoch then uses in place. Returns null when preparing
   * cannot help: shuffling with `randomState: null` (a fresh order every call) or one-vs-rest
   * with shuffling (one order per class).
   *
   * X: a block, an inline block recipe (a read, an expression — evaluated tile by tile) or
   * number[][]; y: labels/targets (a vector or a 1-D block or recipe), or null.
   *
   * @example
   * const clf = new SGDClassifier({ randomState: 2 });
   * const p = clf.prepareBlock(X, y, { classes: [0, 1] });   // e.g. on another worker
   * if (p) clf.partialFit(p.X, p.y!, { classes: [0, 1], prepared: p.hint });
   * else clf.partialFit(X, y, { classes: [0, 1] });
   */
  prepareBlock(X: unknown, y: unknown, options: PrepareBlockOptions = {}): PreparedBlock | null {
    const self = this as unknown as SGDCommonParams;
    if (self.earlyStopping !== false) return null;
    let seed: number | null = null;
    if (self.shuffle === true) {
      const rs = self.randomState;
      if (typeof rs !== 'number' || !Number.isInteger(rs) || rs < 0 || rs >= MAX_SEED) return null;
      if (!this.singleShuffle(options.classes)) return null;
      seed = shuffleSeed(rs);
    } else if (self.shuffle !== false) {
      return null;
    }
    // Rows go into a WebAssembly memory only when the epoch will run there.
    const cfg = this.sgdConfig();
    const covered = cfg.average === 0 && (cfg.penalty === 'l2' || cfg.penalty === null) && cfg.learningRate !== 'pa1' && cfg.learningRate !== 'pa2';
    return prepareRows(X, y, options.sampleWeight ?? null, seed, (n, d) => covered && prefersWasm(n, d), options.recycle === true, this.estimatorName);
  }

  /** Declares a block prepared with `recycle: true` consumed (see the `recycle` option of `prepareBlock`). */
  releaseBlock(hint: SGDPreparedHint | null | undefined): void {
    releasePrepared(hint);
  }

  /** Declares the recycling over: the memories kept for reuse are let go, in every thread (call after the last `releaseBlock`). */
  retireBlocks(): void {
    retirePrepared();
  }

  /** How this call trains on a prepared block; throws when the block was prepared for another shuffle. */
  protected preparedContext(hint: SGDPreparedHint, rowOf: ((row: number) => number) | null, weighted: boolean, nClasses: number): PreparedContext {
    const self = this as unknown as SGDCommonParams;
    const name = this.estimatorName;
    if (hint.seed !== null) {
      const rs = self.randomState;
      const single = nClasses <= 2;
      const expected = self.shuffle === true && typeof rs === 'number' && Number.isInteger(rs) && single ? shuffleSeed(rs) : null;
      if (expected !== hint.seed) {
        throw new InvalidInputError(
          `${name}.partialFit: the block's rows were prepared in the visit order of another shuffle (seed ${hint.seed}); with shuffle=${String(self.shuffle)}, randomState=${String(rs)}${single ? '' : ` and ${nClasses} classes`} this estimator visits rows differently. Prepare blocks with this estimator's prepareBlock.`,
        );
      }
      if (hint.weighted !== weighted) {
        throw new InvalidInputError(
          `${name}.partialFit: the block was prepared ${hint.weighted ? 'with' : 'without'} sample weights but is trained ${weighted ? 'with' : 'without'}; its rows are permuted, so pass the prepared block's own sampleWeight.`,
        );
      }
      return { permuted: true, rowOf, inPlace: inPlaceOf(hint) };
    }
    // Rows in their original order: the epoch uses them in place unless it shuffles them.
    return { permuted: false, rowOf: null, inPlace: self.shuffle === true ? null : inPlaceOf(hint) };
  }

  /** Runs the kernel on one binary problem / the regression; `weights` and `averageWeights` change in place. */
  protected runKernel(
    cfg: SGDConfig,
    m: Matrix,
    y: Float64Array,
    sampleWeight: Float64Array | null,
    weights: Float64Array,
    intercept: number,
    averageWeights: Float64Array | null,
    averageIntercept: number,
    t: number,
    maxIter: number,
    seed: number,
    weightPos: number,
    weightNeg: number,
    validationMask: Uint8Array | null,
    validationScore: ((w: Float64Array, wscale: number, b: number) => number) | null,
    prep: PreparedContext | null,
  ): { intercept: number; averageIntercept: number; nIter: number } {
    const self = this as unknown as SGDCommonParams;
    return plainSGD({
      X: m.data,
      nSamples: m.nSamples,
      nFeatures: m.nFeatures,
      y,
      sampleWeight,
      weights,
      intercept,
      averageWeights,
      averageIntercept,
      loss: lossSpec(cfg.loss, cfg.epsilon),
      penalty: cfg.penalty === null ? PENALTY.NONE : PENALTY_CODE[cfg.penalty],
      alpha: cfg.alpha,
      C: cfg.C,
      l1Ratio: cfg.l1Ratio,
      validationMask,
      earlyStopping: self.earlyStopping,
      validationScore,
      nIterNoChange: self.nIterNoChange,
      maxIter,
      tol: self.tol === null ? Number.NEGATIVE_INFINITY : self.tol,
      fitIntercept: self.fitIntercept,
      verbose: Number(self.verbose),
      // A permuted prepared block is already in this call's visit order.
      shuffle: self.shuffle && !(prep?.permuted ?? false),
      seed,
      weightPos,
      weightNeg,
      learningRate: LR_CODE[cfg.learningRate],
      eta0: cfg.eta0,
      powerT: cfg.powerT,
      t,
      interceptDecay: 1,
      average: cfg.average,
      inPlace: prep?.inPlace ?? null,
      rowOf: prep?.rowOf ?? null,
    });
  }

  /** Validation rows for early stopping (null without it). */
  protected splitForEarlyStopping(n: number, rng: Random, strata: Float64Array | null, sampleWeight: Float64Array | null): Uint8Array | null {
    const self = this as unknown as SGDCommonParams;
    if (!self.earlyStopping) return null;
    return validationSplitWeighted(this.estimatorName, n, self.validationFraction, rng, strata, sampleWeight);
  }

  /** Re-points coef_ / intercept_ at the standard or average arrays after a state was loaded. */
  protected override restoreState(state: State): S {
    const s = state as S;
    const avg = averageValue((this as unknown as Params)['average']);
    if (s.averageCoef_ !== undefined && s.standardCoef_ !== undefined && s.averageIntercept_ !== undefined && s.standardIntercept_ !== undefined && avg > 0) {
      const exposesAverage = avg <= s.t_ - 1;
      s.coef_ = exposesAverage ? s.averageCoef_ : s.standardCoef_;
      s.intercept_ = exposesAverage ? s.averageIntercept_ : s.standardIntercept_;
    }
    return s;
  }

  /** coef_: [k, nFeatures] for classifiers (k = 1 when binary), [nFeatures] for regressors. */
  get coef_(): DenseArray<'float64'> {
    return this.fitted.coef_;
  }
  /** intercept_: [k] ([1] for binary classifiers and regressors). */
  get intercept_(): DenseArray<'float64'> {
    return this.fitted.intercept_;
  }
  /** The learning-rate clock: 1 + number of training samples seen (times epochs). */
  get t_(): number {
    return this.fitted.t_;
  }
  /** Epochs run by the last fit / partialFit call. */
  get nIter_(): number {
    return this.fitted.nIter_;
  }
  /** Number of features seen by the first fit / partialFit. */
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

/** The arrays one training call works on (fresh copies), with averaging's aliasing made explicit. */
interface Working {
  coef: Float64Array; // what coef_ is when not averaging, else unused
  intercept: Float64Array;
  std: Float64Array | null;
  stdIntercept: Float64Array | null;
  avg: Float64Array | null;
  avgIntercept: Float64Array | null;
  /** With averaging: whether coef_ / intercept_ currently are the average arrays. */
  exposesAverage: boolean;
}

function allocateWorking(k: number, d: number, average: number, coefInit: Float64Array | null, interceptInit: Float64Array | null): Working {
  const coef = new Float64Array(k * d);
  if (coefInit !== null) coef.set(coefInit);
  const intercept = new Float64Array(k);
  if (interceptInit !== null) intercept.set(interceptInit);
  if (average > 0) {
    return { coef, intercept, std: coef, stdIntercept: intercept, avg: new Float64Array(k * d), avgIntercept: new Float64Array(k), exposesAverage: false };
  }
  return { coef, intercept, std: null, stdIntercept: null, avg: null, avgIntercept: null, exposesAverage: false };
}

function workingFromState(s: SGDState, average: number): Working {
  const coef = s.coef_.data.slice();
  const intercept = s.intercept_.data.slice();
  if (average > 0) {
    if (s.standardCoef_ === undefined || s.averageCoef_ === undefined || s.standardIntercept_ === undefined || s.averageIntercept_ === undefined) {
      // Fitted without averaging, averaging turned on since: start the average here.
      return { coef, intercept, std: coef, stdIntercept: intercept, avg: new Float64Array(coef.length), avgIntercept: new Float64Array(intercept.length), exposesAverage: false };
    }
    return {
      coef,
      intercept,
      std: s.standardCoef_.data.slice(),
      stdIntercept: s.standardIntercept_.data.slice(),
      avg: s.averageCoef_.data.slice(),
      avgIntercept: s.averageIntercept_.data.slice(),
      exposesAverage: average <= s.t_ - 1,
    };
  }
  return { coef, intercept, std: null, stdIntercept: null, avg: null, avgIntercept: null, exposesAverage: false };
}

function parseInit(caller: string, v: unknown, name: string): Float64Array {
  if (typeof v === 'number') return Float64Array.of(v);
  if (Array.isArray(v) && v.length > 0 && Array.isArray(v[0])) {
    const m = checkArray(v, { caller, name });
    return m.data.slice();
  }
  if (typeof v === 'object' && v !== null && 'shape' in v && 'data' in v) {
    return Float64Array.from((v as { data: ArrayLike<number> }).data);
  }
  return asVector(v, { caller, name }).slice();
}

/** Options of classifiers' partialFit. */
export interface ClassifierPartialFitOptions {
  /** Every label that can occur, required on the first call. */
  classes?: VectorLike;
  /** Per-sample weights (default: all ones). */
  sampleWeight?: VectorLike;
  /** X, y and sampleWeight are a block returned by prepareBlock, and this is its hint. */
  prepared?: SGDPreparedHint;
}

/** Options of fit. */
export interface FitOptions {
  sampleWeight?: VectorLike;
  /** Initial coefficients, [k, nFeatures] (or [nFeatures] when binary / regression). */
  coefInit?: MatrixLike | VectorLike;
  /** Initial intercepts, [k] (or a number). */
  interceptInit?: VectorLike | number;
}

/** Classifier half of the family: classes, one-vs-rest, class weights. */
export abstract class BaseSGDClassifier<P extends object> extends BaseSGD<P, SGDClassifierState> {
  static readonly estimatorType = 'classifier';
  static readonly stateSchema: StateSchema = sgdStateSchema('classifier');

  /** Labels seen at the first partialFit (or in fit's y), sorted. */
  get classes_(): DenseArray<'float64'> {
    return this.fitted.classes_;
  }

  /** The family's rules, plus: no `classWeight: 'balanced'` with partialFit. */
  protected override checkMoreParams(forPartialFit: boolean): void {
    super.checkMoreParams(forPartialFit);
    if (forPartialFit && (this as unknown as Params)['classWeight'] === 'balanced') {
      throw new ParameterRangeError(
        `classWeight 'balanced' is not supported for partialFit. Compute the weights once (n_samples / (n_classes * count(c)) on a large enough sample of y) and pass them as a { label: weight } object.`,
        this.estimatorName,
        'classWeight',
        'balanced',
      );
    }
  }

  protected singleShuffle(classes: VectorLike | undefined): boolean {
    if (classes === undefined || classes === null) return false;
    return uniqueSorted(asVector(classes, { caller: this.estimatorName, name: 'classes' })).length === 2;
  }

  /**
   * One epoch of SGD over the given rows, continuing from the current state.
   * `classes` is required on the first call; later calls may omit it (or must repeat it exactly).
   */
  protected partialFitImpl(X: MatrixLike, y: VectorLike, opts: ClassifierPartialFitOptions): this {
    const name = this.estimatorName;
    const firstCall = this.learned === undefined;
    // Every call, not only the first (scikit-learn 1.2 validates only the first): a setParams
    // between calls cannot slip an invalid value into training.
    const cfg = this.validate(true);
    // NaN/Infinity in X is caught by the kernel as it reads each row (no separate pass).
    const m = checkArray(X, { caller: name, skipFiniteCheck: true });
    if (!firstCall) checkFeatureCount(name, this.fitted.nFeaturesIn_, m.nFeatures);
    const hint = opts.prepared ?? null;
    const rowOf = hint === null ? null : preparedRowOf(name, hint, m);
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y', skipFiniteCheck: true });
    let classes: Float64Array;
    if (opts.classes === undefined || opts.classes === null) {
      if (firstCall) throw new InvalidInputError(`${name}: classes must be passed on the first call to partialFit.`);
      classes = this.fitted.classes_.data;
    } else {
      const given = uniqueSorted(asVector(opts.classes, { caller: name, name: 'classes' }));
      if (!firstCall && !sameValues(given, this.fitted.classes_.data)) {
        throw new InvalidInputError(`${name}: classes=[${[...given].join(', ')}] is not the same as on the first call to partialFit, was [${[...this.fitted.classes_.data].join(', ')}].`);
      }
      classes = given;
    }
    const sw = weightsOf(opts.sampleWeight, m.nSamples, name, rowOf);
    const prep = hint === null ? null : this.preparedContext(hint, rowOf, sw !== null, classes.length);
    this.trainClassifier(cfg, m, yv, classes, sw, 1, firstCall ? null : this.fitted, null, null, prep);
    return this;
  }

  /** Resets and trains for up to maxIter epochs (scikit-learn's fit). */
  protected fitImpl(X: MatrixLike, y: VectorLike, opts: FitOptions): this {
    const name = this.estimatorName;
    const cfg = this.validate(false);
    const self = this as unknown as SGDCommonParams;
    // Without early stopping every row goes through the kernel, which catches NaN/Infinity.
    const m = checkArray(X, { caller: name, skipFiniteCheck: !self.earlyStopping });
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    const classes = uniqueSorted(yv);
    const sw = optionalSampleWeight(opts.sampleWeight, m.nSamples, name);
    let coefInit = opts.coefInit === undefined ? null : parseInit(name, opts.coefInit, 'coefInit');
    let interceptInit = opts.interceptInit === undefined ? null : parseInit(name, opts.interceptInit, 'interceptInit');
    if (self.warmStart && this.learned !== undefined) {
      coefInit ??= this.learned.coef_.data.slice();
      interceptInit ??= this.learned.intercept_.data.slice();
    }
    const k = classes.length > 2 ? classes.length : 1;
    if (coefInit !== null && coefInit.length !== k * m.nFeatures) {
      throw new InvalidInputError(`${name}: coefInit has ${coefInit.length} values; expected ${k} × ${m.nFeatures} for this data.`);
    }
    if (interceptInit !== null && interceptInit.length !== k) {
      throw new InvalidInputError(`${name}: interceptInit has ${interceptInit.length} values; expected ${k}.`);
    }
    this.trainClassifier(cfg, m, yv, classes, sw, self.maxIter, null, coefInit, interceptInit);
    return this;
  }

  private trainClassifier(
    cfg: SGDConfig,
    m: Matrix,
    y: Float64Array,
    classes: Float64Array,
    sampleWeight: Float64Array | null,
    maxIter: number,
    prev: SGDClassifierState | null,
    coefInit: Float64Array | null,
    interceptInit: Float64Array | null,
    prep: PreparedContext | null = null,
  ): void {
    const name = this.estimatorName;
    const nClasses = classes.length;
    if (nClasses < 2) throw new InvalidInputError(`${name}: the number of classes has to be greater than one; got ${nClasses} class.`);
    const classWeight = computeClassWeight(name, (this as unknown as Params)['classWeight'], classes, y, nClasses === 2);
    const d = m.nFeatures;
    const n = m.nSamples;
    const k = nClasses > 2 ? nClasses : 1;
    const average = cfg.average;
    const work = prev === null ? allocateWorking(k, d, average, coefInit, interceptInit) : workingFromState(prev, average);
    let t = prev === null ? 1 : prev.t_;
    const self = this as unknown as SGDCommonParams;
    const rng = randomFrom(self.randomState);
    const ownCoef = average > 0 ? work.std! : work.coef;
    const ownIntercept = average > 0 ? work.stdIntercept! : work.intercept;

    const binaryProblem = (i: number, seed: number, mask: Uint8Array | null, weightPos: number, weightNeg: number) => {
      // ±1 targets: in a prepared block's own target area (the in-place epoch reads them there),
      // else in a reused buffer (a fresh 8n-byte array per call costs more in page faults than the fill).
      const yi = prep?.inPlace ? targetsIn(prep.inPlace, n) : scratch(n);
      const pos = classes[i]!;
      if (nClasses === 2) {
        // Binary: the labels were not checked yet (computeClassWeight skipped it); do it here.
        // Branch-free (labels come in random order): any label that is neither fails the block.
        const neg = classes[0]!;
        let known = 1;
        for (let r = 0; r < n; r++) {
          const v = y[r]!;
          const isPos = +(v === pos);
          yi[r] = 2 * isPos - 1;
          known &= isPos | +(v === neg);
        }
        if (known === 0) {
          const r = y.findIndex((v) => v !== pos && v !== neg);
          throw prep?.rowOf ? firstUnknownLabel(name, y, classes, prep.rowOf) : unknownLabel(name, y[r]!, r, classes);
        }
      } else {
        for (let r = 0; r < n; r++) yi[r] = y[r] === pos ? 1 : -1;
      }
      const row = k === 1 ? 0 : i;
      const w = ownCoef.subarray(row * d, (row + 1) * d);
      const aw = average > 0 ? work.avg!.subarray(row * d, (row + 1) * d) : null;
      const score = mask === null ? null : validationAccuracy(m, yi, sampleWeight, mask);
      const res = this.runKernel(cfg, m, yi, sampleWeight, w, ownIntercept[row]!, aw, average > 0 ? work.avgIntercept![row]! : 0, t, maxIter, seed, weightPos, weightNeg, mask, score, prep);
      if (average > 0) work.avgIntercept![row] = res.averageIntercept;
      return res;
    };

    let nIter: number;
    if (k === 1) {
      const mask = this.splitForEarlyStopping(n, rng, y, sampleWeight);
      const seed = rng.randint(MAX_INT);
      const res = binaryProblem(1, seed, mask, classWeight[1]!, classWeight[0]!);
      nIter = res.nIter;
      t += nIter * n;
      if (average > 0) {
        if (average <= t - 1) {
          // scikit-learn 1.2 keeps the standard intercept of the previous call here (it only
          // stores it in the other branch); reproduced for fidelity.
          work.exposesAverage = true;
        } else {
          work.stdIntercept![0] = res.intercept;
          work.exposesAverage = false;
        }
      } else {
        work.intercept[0] = res.intercept;
      }
    } else {
      const mask = this.splitForEarlyStopping(n, rng, y, sampleWeight);
      const seeds = classes.map(() => rng.randint(MAX_INT));
      const results = [...classes].map((_, i) => binaryProblem(i, seeds[i]!, mask, classWeight[i]!, 1));
      // scikit-learn writes the returned intercepts into whatever intercept_ is at that moment
      // (the average array once averaging is exposed); reproduced for fidelity.
      const target = average > 0 ? (work.exposesAverage ? work.avgIntercept! : work.stdIntercept!) : work.intercept;
      results.forEach((r, i) => (target[i] = r.intercept));
      nIter = Math.max(...results.map((r) => r.nIter));
      t += nIter * n;
      if (average > 0) work.exposesAverage = average <= t - 1;
    }

    const shape2 = [k, d];
    const state: SGDClassifierState = {
      classes_: f64([nClasses], classes),
      coef_: undefined as unknown as DenseArray<'float64'>,
      intercept_: undefined as unknown as DenseArray<'float64'>,
      t_: t,
      nIter_: nIter,
      nFeaturesIn_: d,
    };
    if (average > 0) {
      state.standardCoef_ = new DenseArray(work.std!, shape2);
      state.standardIntercept_ = new DenseArray(work.stdIntercept!, [k]);
      state.averageCoef_ = new DenseArray(work.avg!, shape2);
      state.averageIntercept_ = new DenseArray(work.avgIntercept!, [k]);
      state.coef_ = work.exposesAverage ? state.averageCoef_ : state.standardCoef_;
      state.intercept_ = work.exposesAverage ? state.averageIntercept_ : state.standardIntercept_;
    } else {
      state.coef_ = new DenseArray(work.coef, shape2);
      state.intercept_ = new DenseArray(work.intercept, [k]);
    }
    this.learned = state;
  }

  /**
   * Confidence scores: X · coef_ᵀ + intercept_. Returns [n] for binary problems (score of
   * classes_[1]), [n, nClasses] otherwise, float64 over shared memory.
   */
  decisionFunction(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const k = s.intercept_.data.length;
    const out = linearDecision(m, s.coef_.data, s.intercept_.data, k);
    return new DenseArray(out, k === 1 ? [m.nSamples] : [m.nSamples, k]);
  }

  /** Predicted labels (float64 DenseArray [n]): classes_[1] where the binary score is > 0, else the class of the largest score. */
  predict(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    const k = s.intercept_.data.length;
    const n = m.nSamples;
    // Scores and labels in plain memory: predicting a block tile by tile (the out-of-core apply
    // kernel) calls this per tile, and a SharedArrayBuffer per call costs more than the scores.
    const scores = linearDecision(m, s.coef_.data, s.intercept_.data, k, new Float64Array(n * k));
    const out = new Float64Array(n);
    labelsOf(scores, n, k, s.classes_.data, out, 0);
    return new DenseArray(out, [n]);
  }

  /**
   * `predict` or `decisionFunction` of a whole block given as a row stream — the hook the
   * out-of-core apply kernel calls first: each tile is evaluated (a read, the scaler's expression)
   * straight into this thread's WebAssembly memory and scored there, with no copy between
   * memories. Same values as the methods. Null (the kernel then calls the method tile by tile)
   * for other methods, or when the stream cannot be evaluated so.
   */
  applyRows(method: string, s: RowStream): Block | null {
    if (method !== 'predict' && method !== 'decisionFunction') return null;
    const st = this.fitted;
    const k = st.intercept_.data.length;
    const classes = st.classes_.data;
    const labels = method === 'predict';
    return applyLinear(this.estimatorName, st.nFeaturesIn_, s, k, st.coef_.data, st.intercept_.data, labels ? 1 : k, (scores, count, out, at) =>
      labels ? labelsOf(scores, count, k, classes, out, at) : out.set(scores.subarray(0, count * k), at),
    );
  }

  /** Mean accuracy on (X, y), weighted by sampleWeight when given. */
  score(X: MatrixLike, y: VectorLike, sampleWeight?: VectorLike): number {
    const pred = this.predict(X);
    return accuracyScore(y, pred.data, { sampleWeight: sampleWeight ?? null });
  }
}

function uniqueSorted(v: Float64Array): Float64Array {
  return Float64Array.from(new Set(v)).sort();
}

function sameValues(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Validated sample weights, or null for none (the kernel then uses 1 without an array). */
function optionalSampleWeight(sampleWeight: VectorLike | undefined, n: number, caller: string): Float64Array | null {
  return sampleWeight === undefined || sampleWeight === null ? null : checkSampleWeight(sampleWeight, n, caller);
}

function unknownLabel(caller: string, v: number, row: number, classes: Float64Array): InvalidInputError {
  return new InvalidInputError(`${caller}: y contains label ${v} (row ${row}) which is not among classes [${[...classes].join(', ')}].`);
}

/** {@link unknownLabel} for the unknown label of a permuted block that comes first in the original block. */
function firstUnknownLabel(caller: string, y: Float64Array, classes: Float64Array, rowOf: (row: number) => number): InvalidInputError {
  let best = -1;
  let label = 0;
  for (let r = 0; r < y.length; r++) {
    if (!classes.includes(y[r]!)) {
      const o = rowOf(r);
      if (best < 0 || o < best) {
        best = o;
        label = y[r]!;
      }
    }
  }
  return unknownLabel(caller, label, best, classes);
}

let scratchBuffer = new Float64Array(0);
/** A reusable Float64Array of length n (contents undefined); valid until the next call. */
/** The target area of a prepared block's memory (see preparedLayout), as n f64. */
function targetsIn(inPlace: { readonly memory: WasmMemory; readonly layout: PreparedLayout }, n: number): Float64Array {
  return new Float64Array(inPlace.memory.buffer, inPlace.layout.yi, n);
}

function scratch(n: number): Float64Array {
  if (scratchBuffer.length < n) scratchBuffer = new Float64Array(n);
  return scratchBuffer.subarray(0, n);
}

/**
 * scikit-learn's compute_class_weight: ones, a user dict, or 'balanced' (n / (k · count)).
 * Throws when y holds a label outside `classes` (unless `skipLabelCheck`, for callers that check).
 */
export function computeClassWeight(caller: string, classWeight: unknown, classes: Float64Array, y: Float64Array, skipLabelCheck = false): Float64Array {
  // classes are sorted: a binary search per label.
  const k = classes.length;
  for (let i = 0; !skipLabelCheck && i < y.length; i++) {
    const v = y[i]!;
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (classes[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    if (classes[lo] !== v) throw unknownLabel(caller, v, i, classes);
  }
  const weight = new Float64Array(classes.length).fill(1);
  if (classWeight === null || classWeight === undefined) return weight;
  if (classWeight === 'balanced') {
    const counts = new Map<number, number>();
    for (const v of y) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const c of classes) {
      if (!counts.has(c)) throw new InvalidInputError(`${caller}: classWeight 'balanced' needs every class in y; class ${c} is missing.`);
    }
    const nPresent = counts.size;
    classes.forEach((c, i) => (weight[i] = y.length / (nPresent * counts.get(c)!)));
    return weight;
  }
  const dict = classWeight as Record<string, number>;
  const unweighted: number[] = [];
  classes.forEach((c, i) => {
    const key = String(c);
    if (Object.hasOwn(dict, key)) weight[i] = dict[key]!;
    else unweighted.push(c);
  });
  if (unweighted.length > 0 && classes.length - unweighted.length !== Object.keys(dict).length) {
    throw new InvalidInputError(`${caller}: the classes [${unweighted.join(', ')}] are not in classWeight, and classWeight names labels that are not classes.`);
  }
  return weight;
}

/** Early stopping's score for a binary problem: weighted accuracy of sign(w·x + b) on the validation rows. */
function validationAccuracy(m: Matrix, yi: Float64Array, sw: Float64Array | null, mask: Uint8Array) {
  return (w: Float64Array, wscale: number, b: number): number => {
    const { data: X, nSamples: n, nFeatures: d } = m;
    let hit = 0;
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      let s = 0;
      for (let j = 0; j < d; j++) s += X[i * d + j]! * w[j]!;
      const pred = s * wscale + b > 0 ? 1 : -1;
      const wi = sw === null ? 1 : sw[i]!;
      if (pred === yi[i]) hit += wi;
      total += wi;
    }
    return hit / total;
  };
}

/** Early stopping's score for a regression: weighted R² on the validation rows. */
function validationR2(m: Matrix, y: Float64Array, sw: Float64Array | null, mask: Uint8Array) {
  let nv = 0;
  for (let i = 0; i < mask.length; i++) nv += mask[i]!;
  const yv = new Float64Array(nv);
  const wv = new Float64Array(nv);
  const rows = new Int32Array(nv);
  for (let i = 0, r = 0; i < mask.length; i++) {
    if (mask[i]) {
      yv[r] = y[i]!;
      wv[r] = sw === null ? 1 : sw[i]!;
      rows[r++] = i;
    }
  }
  const pred = new Float64Array(nv);
  return (w: Float64Array, wscale: number, b: number): number => {
    const { data: X, nFeatures: d } = m;
    for (let r = 0; r < nv; r++) {
      const off = rows[r]! * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += X[off + j]! * w[j]!;
      pred[r] = s * wscale + b;
    }
    return r2FromArrays(yv, pred, wv);
  };
}

/** Regressor half of the family. */
export abstract class BaseSGDRegressor<P extends object> extends BaseSGD<P, SGDState> {
  static readonly estimatorType = 'regressor';
  static readonly stateSchema: StateSchema = sgdStateSchema('regressor');

  protected partialFitImpl(X: MatrixLike, y: VectorLike, sampleWeight: VectorLike | undefined, prepared?: SGDPreparedHint): this {
    const name = this.estimatorName;
    const firstCall = this.learned === undefined;
    // Every call, not only the first (scikit-learn 1.2 validates only the first): a setParams
    // between calls cannot slip an invalid value into training.
    const cfg = this.validate(true);
    const m = checkArray(X, { caller: name, skipFiniteCheck: true });
    if (!firstCall) checkFeatureCount(name, this.fitted.nFeaturesIn_, m.nFeatures);
    const hint = prepared ?? null;
    const rowOf = hint === null ? null : preparedRowOf(name, hint, m);
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y', skipFiniteCheck: rowOf !== null });
    if (rowOf !== null) assertFiniteRows(yv, 'y', name, rowOf);
    const sw = weightsOf(sampleWeight, m.nSamples, name, rowOf);
    const prep = hint === null ? null : this.preparedContext(hint, rowOf, sw !== null, 0);
    this.trainRegressor(cfg, m, yv, sw, 1, firstCall ? null : this.fitted, null, null, firstCall ? 1 : this.fitted.t_, prep);
    return this;
  }

  protected singleShuffle(): boolean {
    return true;
  }

  protected fitImpl(X: MatrixLike, y: VectorLike, opts: FitOptions): this {
    const name = this.estimatorName;
    const cfg = this.validate(false);
    const self = this as unknown as SGDCommonParams;
    const m = checkArray(X, { caller: name, skipFiniteCheck: !self.earlyStopping });
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    const sw = optionalSampleWeight(opts.sampleWeight, m.nSamples, name);
    const coefInit = opts.coefInit === undefined ? null : parseInit(name, opts.coefInit, 'coefInit');
    const interceptInit = opts.interceptInit === undefined ? null : parseInit(name, opts.interceptInit, 'interceptInit');
    if (coefInit !== null && coefInit.length !== m.nFeatures) throw new InvalidInputError(`${name}: coefInit has ${coefInit.length} values; expected ${m.nFeatures}.`);
    if (interceptInit !== null && interceptInit.length !== 1) throw new InvalidInputError(`${name}: interceptInit has ${interceptInit.length} values; expected 1.`);
    // scikit-learn's warm start continues from the current arrays (ignoring inits) with t_ reset to 1.
    const prev = self.warmStart && this.learned !== undefined ? this.learned : null;
    if (prev !== null) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    this.trainRegressor(cfg, m, yv, sw, self.maxIter, prev, coefInit, interceptInit, 1);
    return this;
  }

  private trainRegressor(
    cfg: SGDConfig,
    m: Matrix,
    y: Float64Array,
    sw: Float64Array | null,
    maxIter: number,
    prev: SGDState | null,
    coefInit: Float64Array | null,
    interceptInit: Float64Array | null,
    t0: number,
    prep: PreparedContext | null = null,
  ): void {
    const d = m.nFeatures;
    const n = m.nSamples;
    const average = cfg.average;
    const work = prev === null ? allocateWorking(1, d, average, coefInit, interceptInit) : workingFromState(prev, average);
    const self = this as unknown as SGDCommonParams;
    const rng = randomFrom(self.randomState);
    const mask = this.splitForEarlyStopping(n, rng, null, sw);
    const seed = rng.randint(MAX_INT);
    const w = average > 0 ? work.std! : work.coef;
    const b = average > 0 ? work.stdIntercept![0]! : work.intercept[0]!;
    const score = mask === null ? null : validationR2(m, y, sw, mask);
    const res = this.runKernel(cfg, m, y, sw, w, b, average > 0 ? work.avg! : null, average > 0 ? work.avgIntercept![0]! : 0, t0, maxIter, seed, 1, 1, mask, score, prep);
    const t = t0 + res.nIter * n;
    const state: SGDState = {
      coef_: undefined as unknown as DenseArray<'float64'>,
      intercept_: undefined as unknown as DenseArray<'float64'>,
      t_: t,
      nIter_: res.nIter,
      nFeaturesIn_: d,
    };
    if (average > 0) {
      work.avgIntercept![0] = res.averageIntercept;
      work.stdIntercept![0] = res.intercept;
      state.standardCoef_ = new DenseArray(work.std!, [d]);
      state.standardIntercept_ = new DenseArray(work.stdIntercept!, [1]);
      state.averageCoef_ = new DenseArray(work.avg!, [d]);
      state.averageIntercept_ = new DenseArray(work.avgIntercept!, [1]);
      const exposes = average <= t - 1;
      state.coef_ = exposes ? state.averageCoef_ : state.standardCoef_;
      state.intercept_ = exposes ? state.averageIntercept_ : state.standardIntercept_;
    } else {
      work.intercept[0] = res.intercept;
      state.coef_ = new DenseArray(work.coef, [d]);
      state.intercept_ = new DenseArray(work.intercept, [1]);
    }
    this.learned = state;
  }

  /** Predictions X · coef_ + intercept_ (float64 DenseArray [n], over shared memory). */
  predict(X: MatrixLike): DenseArray<'float64'> {
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName, skipFiniteCheck: true });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    return new DenseArray(linearDecision(m, s.coef_.data, s.intercept_.data, 1), [m.nSamples]);
  }

  /**
   * `predict` of a whole block given as a row stream — the hook the out-of-core apply kernel calls
   * first (see the classifiers' `applyRows`). Null for other methods, or when the stream cannot be
   * evaluated in WebAssembly memory.
   */
  applyRows(method: string, s: RowStream): Block | null {
    if (method !== 'predict') return null;
    const st = this.fitted;
    return applyLinear(this.estimatorName, st.nFeaturesIn_, s, 1, st.coef_.data, st.intercept_.data, 1, (scores, count, out, at) => out.set(scores.subarray(0, count), at));
  }

  /** R² of the predictions on (X, y), weighted by sampleWeight when given. */
  score(X: MatrixLike, y: VectorLike, sampleWeight?: VectorLike): number {
    const p = this.predict(X).data;
    const yv = checkVector(y, p.length, { caller: this.estimatorName, name: 'y' });
    const w = sampleWeight === undefined ? null : checkVector(sampleWeight, p.length, { caller: this.estimatorName, name: 'sampleWeight' });
    return r2FromArrays(yv, p, w);
  }
}

