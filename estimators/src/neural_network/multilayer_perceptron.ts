/**
 * `MLPClassifier` and `MLPRegressor`: scikit-learn 1.2's multi-layer perceptrons with the
 * stochastic solvers ('sgd', 'adam'), the Python-level logic of `_multilayer_perceptron.py` around
 * the numerics of mlp_engine.ts — parameter checks, label binarization, initialisation, what
 * `fit` resets and what `partialFit` keeps (the optimizer's moments and learning rate, the loss
 * curve, the no-improvement counter), early stopping.
 *
 * Learned state (plain data, see base.ts):
 *   coefs_                 DenseArray[] — layer i: [fanIn, fanOut]
 *   intercepts_            DenseArray[] — layer i: [fanOut]
 *   nLayers_, nOutputs_, nFeaturesIn_, nIter_, t_, loss_   numbers
 *   outActivation_         'identity' | 'logistic' | 'softmax'
 *   lossCurve_             Float64Array (one loss per epoch, partialFit calls included)
 *   bestLoss_              number | null (null with early stopping)
 *   validationScores_, bestValidationScore_   with early stopping, else null
 *   noImprovementCount_    number
 *   optimizerLearningRate_, optimizerT_, optimizerMoment1_, optimizerMoment2_
 *                          the optimizer (SGD velocities / Adam moments, flat in coefs-then-intercepts order)
 *   classes_               DenseArray (classifier)
 *
 * Every call trains on fresh copies and commits at the end: a state returned by getState() is
 * never changed by later training, and a failed call changes nothing.
 */
import { DenseArray, type RandomState, allocate, checkRandomState } from '@tessera/array';
import { BaseEstimator, type State } from '../base.js';
import { InvalidInputError, ParameterRangeError, ParameterTypeError, describeValue } from '../errors.js';
import { accuracyScore, r2FromArrays } from '../metrics.js';
import { registerEstimator } from '../registry.js';
import { type DimValues, type StateSchema, count, list, matrix, nullable, oneOf, real, typed, vector } from '../state_schema.js';
import { ShuffleSplit, type TrainTest, stratifiedShuffle } from '../model_selection/split.js';
import {
  BOOLEAN,
  type Constraint,
  type MatrixLike,
  type VectorLike,
  RANDOM_STATE,
  asVector,
  checkArray,
  checkFeatureCount,
  checkVector,
  interval,
  options,
} from '../validation.js';
import { labelIndices, partialFitClasses, uniqueSorted } from '../naive_bayes/labels.js';
import {
  type Activation,
  type EngineConfig,
  type EngineState,
  type OutActivation,
  glorotInit,
  paramLayout,
  predictOutputs,
  trainStochastic,
} from './mlp_engine.js';

/** Hyperparameters of both MLPs (scikit-learn's, camelCase, same defaults; lbfgs and maxFun are not carried over). */
export interface MLPParams {
  /** Units of each hidden layer ([] for none); a number means one layer. */
  hiddenLayerSizes: number | readonly number[];
  activation: Activation;
  solver: 'sgd' | 'adam';
  /** L2 penalty. */
  alpha: number;
  /** Rows per minibatch; 'auto' = min(200, rows). */
  batchSize: 'auto' | number;
  /** SGD's schedule: constant, invscaling (lr/(t+1)^powerT per epoch) or adaptive (÷5 when stuck). */
  learningRate: 'constant' | 'invscaling' | 'adaptive';
  learningRateInit: number;
  powerT: number;
  /** Epochs of fit (partialFit runs one). */
  maxIter: number;
  /** Shuffle the rows every epoch (scikit-learn's `shuffle(sample_idx, random_state=...)`). */
  shuffle: boolean;
  /**
   * Seed of numpy's legacy RandomState, drawn as scikit-learn draws: the Glorot init, each epoch's
   * shuffle and early stopping's split give scikit-learn's numbers. As in scikit-learn, every
   * `fit` / `partialFit` call starts a new `RandomState(seed)`; null draws from the process-wide
   * generator seeded from OS entropy (numpy's global one).
   */
  randomState: number | null;
  tol: number;
  verbose: boolean | number;
  /** fit continues from the current weights (the optimizer restarts, as in scikit-learn). */
  warmStart: boolean;
  momentum: number;
  nesterovsMomentum: boolean;
  /** fit holds out validationFraction of the rows and keeps the weights that score best on them. */
  earlyStopping: boolean;
  validationFraction: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  nIterNoChange: number;
  /**
   * Initial weights instead of random ones, layer by layer ([fanIn, fanOut] each, as `coefs_`):
   * used when training starts fresh (first partialFit, fit without warmStart). null = Glorot-uniform.
   */
  coefsInit: readonly MatrixLike[] | null;
  /** Initial intercepts ([fanOut] each, as `intercepts_`); null = Glorot-uniform. */
  interceptsInit: readonly VectorLike[] | null;
}

export interface MLPState extends State {
  coefs_: DenseArray<'float64'>[];
  intercepts_: DenseArray<'float64'>[];
  nLayers_: number;
  nOutputs_: number;
  nFeaturesIn_: number;
  outActivation_: OutActivation;
  nIter_: number;
  t_: number;
  loss_: number;
  lossCurve_: Float64Array;
  bestLoss_: number | null;
  validationScores_: Float64Array | null;
  bestValidationScore_: number | null;
  noImprovementCount_: number;
  optimizerLearningRate_: number;
  optimizerT_: number;
  optimizerMoment1_: Float64Array | null;
  optimizerMoment2_: Float64Array | null;
}

export interface MLPClassifierState extends MLPState {
  classes_: DenseArray<'float64'>;
}

const MLP_DEFAULTS: Readonly<MLPParams> = Object.freeze({
  hiddenLayerSizes: [100],
  activation: 'relu',
  solver: 'adam',
  alpha: 0.0001,
  batchSize: 'auto',
  learningRate: 'constant',
  learningRateInit: 0.001,
  powerT: 0.5,
  maxIter: 200,
  shuffle: true,
  randomState: null,
  tol: 1e-4,
  verbose: false,
  warmStart: false,
  momentum: 0.9,
  nesterovsMomentum: true,
  earlyStopping: false,
  validationFraction: 0.1,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-8,
  nIterNoChange: 10,
  coefsInit: null,
  interceptsInit: null,
} satisfies MLPParams);

// hiddenLayerSizes, coefsInit and interceptsInit (arrays) are checked in code: no constraint kind describes them.
const MLP_CONSTRAINTS: Record<string, readonly Constraint[]> = {
  activation: [options('identity', 'logistic', 'tanh', 'relu')],
  solver: [options('sgd', 'adam')],
  alpha: [interval('float', 0, null, 'left')],
  batchSize: [options('auto'), interval('int', 1, null, 'left')],
  learningRate: [options('constant', 'invscaling', 'adaptive')],
  learningRateInit: [interval('float', 0, null, 'neither')],
  powerT: [interval('float', 0, null, 'left')],
  maxIter: [interval('int', 1, null, 'left')],
  shuffle: [BOOLEAN],
  randomState: RANDOM_STATE,
  tol: [interval('float', 0, null, 'left')],
  verbose: [interval('int', 0, null, 'left'), BOOLEAN],
  warmStart: [BOOLEAN],
  momentum: [interval('float', 0, 1, 'both')],
  nesterovsMomentum: [BOOLEAN],
  earlyStopping: [BOOLEAN],
  validationFraction: [interval('float', 0, 1, 'left')],
  beta1: [interval('float', 0, 1, 'left')],
  beta2: [interval('float', 0, 1, 'left')],
  epsilon: [interval('float', 0, null, 'neither')],
  nIterNoChange: [interval('int', 1, null, 'left')],
};

/** Weights and biases of a network whose layer widths u0…uL are bound (undefined while one is not). */
function parameterCount(d: DimValues): number | undefined {
  const L = d['L'];
  if (L === undefined) return undefined;
  let size = 0;
  for (let l = 0; l < L; l++) {
    const a = d[`u${l}`];
    const b = d[`u${l + 1}`];
    if (a === undefined || b === undefined) return undefined;
    size += a * b + b;
  }
  return size;
}

/**
 * The declared learned state of both MLPs (see the file comment): layer l's weights are
 * (u_l, u_{l+1}) with u_0 = nFeaturesIn_ and u_L = nOutputs_ (classifier: one output for two
 * classes, else one per class); the optimizer's moments hold one value per parameter.
 */
function mlpStateSchema(kind: 'classifier' | 'regressor'): StateSchema {
  const classifier = kind === 'classifier';
  return {
    fields: {
      nFeaturesIn_: count(1, 'u0'),
      ...(classifier ? { classes_: vector('nClasses', { sorted: true, minLength: 2 }) } : {}),
      coefs_: list('L', matrix('u{i}', 'u{i+1}')),
      intercepts_: list('L', vector('u{i+1}')),
      nLayers_: count(2, 'nLayers'),
      nOutputs_: count(1, 'u{L}', classifier ? 'nOut' : 1),
      outActivation_: oneOf(['identity', 'logistic', 'softmax'], (d) => {
        if (!classifier) return { options: ['identity'], because: `an MLPRegressor has an 'identity' output` };
        if (d['nClasses'] === undefined) return null;
        const act = d['nClasses'] === 2 ? 'logistic' : 'softmax';
        return { options: [act], because: `classes_ holds ${d['nClasses']} classes, which means a '${act}' output` };
      }),
      nIter_: count(0),
      t_: real('nonNegative'),
      loss_: real('any'),
      lossCurve_: typed('nEpochs', 'any'),
      bestLoss_: nullable(real('any')),
      validationScores_: nullable(typed('nScores', 'any')),
      bestValidationScore_: nullable(real('any')),
      noImprovementCount_: count(0),
      optimizerLearningRate_: real(),
      optimizerT_: count(0),
      optimizerMoment1_: nullable(typed('nParams', 'any')),
      optimizerMoment2_: nullable(typed('nParams', 'any')),
    },
    derived: {
      nLayers: {
        value: (d) => (d['L'] === undefined ? undefined : d['L'] + 1),
        because: (d) => `coefs_ holds ${d['L']} layer${d['L'] === 1 ? '' : 's'} of weights, so ${d['L']! + 1} layers of units are expected`,
      },
      nOut: {
        value: (d) => (d['nClasses'] === undefined ? undefined : d['nClasses'] === 2 ? 1 : d['nClasses']),
        because: (d) =>
          `classes_ holds ${d['nClasses']} classes, so ${d['nClasses'] === 2 ? 1 : d['nClasses']} output${d['nClasses'] === 2 ? ' is' : 's are'} expected (one per class; one for two classes)`,
      },
      nParams: {
        value: parameterCount,
        because: (d) =>
          `coefs_ and intercepts_ hold ${parameterCount(d)} parameters (units ${Array.from({ length: d['L']! + 1 }, (_, l) => d[`u${l}`]).join(' → ')})`,
      },
    },
  };
}

function f64(data: Float64Array, shape: number[]): DenseArray<'float64'> {
  return new DenseArray(data, shape);
}

/** What the two MLPs share. */
abstract class BaseMultilayerPerceptron<S extends MLPState> extends BaseEstimator<MLPParams, S> {
  /** Validates every hyperparameter ({@link checkParams}); returns the hidden layer sizes as a list. */
  protected validate(): number[] {
    this.checkParams();
    return this.hiddenSizes();
  }

  /** The array-valued parameters, which the constraint kinds do not describe. */
  protected override checkMoreParams(): void {
    this.hiddenSizes();
  }

  /** `hiddenLayerSizes` as a list (and `coefsInit` / `interceptsInit` checked to be arrays or null); throws when invalid. */
  private hiddenSizes(): number[] {
    const name = this.estimatorName;
    const self = this as unknown as MLPParams;
    const h = self.hiddenLayerSizes;
    const message = `The 'hiddenLayerSizes' parameter of ${name} must be an int in the range [1, inf) or an array of them. Got ${describeValue(h)} instead.`;
    const list = typeof h === 'number' ? [h] : Array.isArray(h) ? [...(h as unknown[])] : null;
    if (list === null) throw new ParameterTypeError(message, name, 'hiddenLayerSizes', h);
    for (const u of list) {
      if (typeof u !== 'number') throw new ParameterTypeError(message, name, 'hiddenLayerSizes', h);
      if (!Number.isInteger(u) || u < 1) throw new ParameterRangeError(message, name, 'hiddenLayerSizes', h);
    }
    for (const key of ['coefsInit', 'interceptsInit'] as const) {
      const v = self[key];
      if (v !== null && !Array.isArray(v)) {
        throw new ParameterTypeError(
          `The '${key}' parameter of ${name} must be an array with one array per layer or null. Got ${describeValue(v)} instead.`,
          name,
          key,
          v,
        );
      }
    }
    return list as number[];
  }

  protected config(outActivation: OutActivation): EngineConfig {
    const p = this as unknown as MLPParams;
    return {
      activation: p.activation,
      outActivation,
      solver: p.solver,
      alpha: p.alpha,
      batchSize: p.batchSize,
      learningRate: p.learningRate,
      learningRateInit: p.learningRateInit,
      powerT: p.powerT,
      momentum: p.momentum,
      nesterovsMomentum: p.nesterovsMomentum,
      beta1: p.beta1,
      beta2: p.beta2,
      epsilon: p.epsilon,
      shuffle: p.shuffle,
      tol: p.tol,
      nIterNoChange: p.nIterNoChange,
      verbose: Boolean(p.verbose),
    };
  }

  /** Initial flat parameters: Glorot-uniform from rng, overridden by coefsInit / interceptsInit. */
  private initialParams(units: number[], rng: RandomState): Float64Array {
    const name = this.estimatorName;
    const p = this as unknown as MLPParams;
    const params = glorotInit(units, p.activation, rng);
    const { coefOffsets, interceptOffsets } = paramLayout(units);
    const L = units.length - 1;
    if (p.coefsInit !== null) {
      if (p.coefsInit.length !== L)
        throw new InvalidInputError(
          `${name}: coefsInit has ${p.coefsInit.length} layers; this network has ${L} (units ${units.join(' → ')}).`,
        );
      p.coefsInit.forEach((c, l) => {
        const m = checkArray(c, { caller: name, name: `coefsInit[${l}]` });
        if (m.nSamples !== units[l] || m.nFeatures !== units[l + 1]) {
          throw new InvalidInputError(
            `${name}: coefsInit[${l}] has shape [${m.nSamples}, ${m.nFeatures}]; expected [${units[l]}, ${units[l + 1]}].`,
          );
        }
        params.set(m.data, coefOffsets[l]);
      });
    }
    if (p.interceptsInit !== null) {
      if (p.interceptsInit.length !== L)
        throw new InvalidInputError(`${name}: interceptsInit has ${p.interceptsInit.length} layers; this network has ${L}.`);
      p.interceptsInit.forEach((b, l) => {
        const v = asVector(b, { caller: name, name: `interceptsInit[${l}]` });
        if (v.length !== units[l + 1])
          throw new InvalidInputError(`${name}: interceptsInit[${l}] has ${v.length} values; expected ${units[l + 1]}.`);
        params.set(v, interceptOffsets[l]);
      });
    }
    return params;
  }

  /**
   * Early stopping's split, scikit-learn's `train_test_split(X, y, random_state=rng,
   * test_size=fraction, stratify=...)` index for index: the train rows in the permutation's order
   * (training sees them in that order), stratified by `strata` when given (a binary classifier).
   */
  private validationSplit(n: number, fraction: number, rng: RandomState, strata: Float64Array | null): TrainTest {
    const name = this.estimatorName;
    const nVal = Math.ceil(fraction * n);
    if (nVal === 0 || nVal === n) {
      throw new InvalidInputError(
        `${name}: splitting ${n} samples into a train set and a validation set with validationFraction=${fraction} led to an empty set (${n - nVal} and ${nVal} samples). Please either change validationFraction, increase number of samples, or disable earlyStopping.`,
      );
    }
    if (strata === null) {
      return new ShuffleSplit({ nSplits: 1, testSize: nVal, trainSize: n - nVal, randomState: rng }).split({ shape: [n, 1] }).next().value!;
    }
    try {
      return stratifiedShuffle(`${name}: early stopping's validation split`, strata, n - nVal, nVal, 1, rng).next().value!;
    } catch (error) {
      // Too few rows for the classes is a property of the data, not of an argument.
      if (error instanceof RangeError) throw new InvalidInputError(error.message);
      throw error;
    }
  }

  /**
   * Trains on (X, Y) with Y already binarized / reshaped to [n, nOutputs]: scikit-learn's `_fit`.
   * `prev` is the state to continue from (null: initialise). Returns the new state's common part.
   */
  protected train(
    X: Float64Array,
    n: number,
    d: number,
    Y: Float64Array,
    nOut: number,
    outAct: OutActivation,
    prev: MLPState | null,
    incremental: boolean,
    strata: Float64Array | null,
    scoreOf: ((out: Float64Array, rows: Int32Array) => number) | null,
  ): MLPState {
    const hidden = this.validate();
    const p = this as unknown as MLPParams;
    const units = [d, ...hidden, nOut];
    // scikit-learn's _fit: self._random_state = check_random_state(self.random_state), on every call.
    const rng = checkRandomState(p.randomState);
    let st: EngineState;
    if (prev === null) {
      st = {
        layerUnits: units,
        params: this.initialParams(units, rng),
        learningRate: p.learningRateInit,
        adamT: 0,
        moment1: null,
        moment2: null,
        nIter: 0,
        t: 0,
        loss: Number.NaN,
        lossCurve: [],
        bestLoss: p.earlyStopping ? null : Number.POSITIVE_INFINITY,
        noImprovementCount: 0,
        validationScores: p.earlyStopping ? [] : null,
        bestValidationScore: p.earlyStopping ? Number.NEGATIVE_INFINITY : null,
      };
    } else {
      if (prev.coefs_.length + 1 !== units.length || prev.coefs_.some((c, l) => c.shape[0] !== units[l] || c.shape[1] !== units[l + 1])) {
        throw new InvalidInputError(
          `${this.estimatorName}: hiddenLayerSizes changed since the network was built (it has units ${[prev.nFeaturesIn_, ...prev.coefs_.map((c) => c.shape[1])].join(' → ')}).`,
        );
      }
      const { size } = paramLayout(units);
      const flat = new Float64Array(size);
      const { coefOffsets, interceptOffsets } = paramLayout(units);
      prev.coefs_.forEach((c, l) => flat.set(c.data, coefOffsets[l]));
      prev.intercepts_.forEach((b, l) => flat.set(b.data, interceptOffsets[l]));
      // scikit-learn keeps its optimizer across partial_fit calls and builds a new one in fit.
      const keepOptimizer = incremental && prev.optimizerMoment1_ !== null;
      st = {
        layerUnits: units,
        params: flat,
        learningRate: keepOptimizer ? prev.optimizerLearningRate_ : p.learningRateInit,
        adamT: keepOptimizer ? prev.optimizerT_ : 0,
        moment1: keepOptimizer ? prev.optimizerMoment1_!.slice() : null,
        moment2: keepOptimizer && prev.optimizerMoment2_ !== null ? prev.optimizerMoment2_.slice() : null,
        nIter: prev.nIter_,
        t: prev.t_,
        loss: prev.loss_,
        lossCurve: Array.from(prev.lossCurve_),
        bestLoss: prev.bestLoss_,
        noImprovementCount: prev.noImprovementCount_,
        validationScores: prev.validationScores_ === null ? null : Array.from(prev.validationScores_),
        bestValidationScore: prev.bestValidationScore_,
      };
      if (keepOptimizer && (st.moment1!.length !== size || (p.solver === 'adam') !== (st.moment2 !== null))) {
        // The solver changed since the optimizer was built: start a new one.
        st.moment1 = null;
        st.moment2 = null;
        st.learningRate = p.learningRateInit;
        st.adamT = 0;
      }
    }
    const earlyStopping = p.earlyStopping && !incremental;
    let validation: { X: Float64Array; n: number; score: (out: Float64Array) => number } | null = null;
    let Xt = X;
    let Yt = Y;
    let nt = n;
    if (earlyStopping) {
      if (st.validationScores === null) {
        st.validationScores = [];
        st.bestValidationScore = Number.NEGATIVE_INFINITY;
        st.bestLoss = null;
      }
      const [trainRows, valRows] = this.validationSplit(n, p.validationFraction, rng, strata);
      Xt = gatherRows(X, d, trainRows);
      Yt = gatherRows(Y, nOut, trainRows);
      nt = trainRows.length;
      validation = { X: gatherRows(X, d, valRows), n: valRows.length, score: (out) => scoreOf!(out, valRows) };
    }
    trainStochastic(this.config(outAct), st, { X: Xt, Y: Yt, n: nt, maxIter: incremental ? 1 : p.maxIter, incremental, rng, validation });
    const { coefOffsets, interceptOffsets } = paramLayout(units);
    const L = units.length - 1;
    return {
      coefs_: Array.from({ length: L }, (_, l) =>
        f64(st.params.slice(coefOffsets[l]!, coefOffsets[l]! + units[l]! * units[l + 1]!), [units[l]!, units[l + 1]!]),
      ),
      intercepts_: Array.from({ length: L }, (_, l) =>
        f64(st.params.slice(interceptOffsets[l]!, interceptOffsets[l]! + units[l + 1]!), [units[l + 1]!]),
      ),
      nLayers_: units.length,
      nOutputs_: nOut,
      nFeaturesIn_: d,
      outActivation_: outAct,
      nIter_: st.nIter,
      t_: st.t,
      loss_: st.loss,
      lossCurve_: Float64Array.from(st.lossCurve),
      bestLoss_: st.bestLoss,
      validationScores_: st.validationScores === null ? null : Float64Array.from(st.validationScores),
      bestValidationScore_: st.bestValidationScore,
      noImprovementCount_: st.noImprovementCount,
      optimizerLearningRate_: st.learningRate,
      optimizerT_: st.adamT,
      optimizerMoment1_: st.moment1,
      optimizerMoment2_: st.moment2,
    };
  }

  /** Network outputs [n, nOutputs] for X (checked against the fitted feature count). */
  protected outputs(X: MatrixLike): { out: Float64Array; n: number; k: number } {
    const s = this.fitted;
    const m = checkArray(X, { caller: this.estimatorName });
    checkFeatureCount(this.estimatorName, s.nFeaturesIn_, m.nFeatures);
    return { out: this.outputsOf(m.data, m.nSamples), n: m.nSamples, k: s.nOutputs_ };
  }

  /** Outputs for trusted rows (no checks). */
  protected outputsOf(X: Float64Array, n: number, state: MLPState = this.fitted): Float64Array {
    const units = [state.nFeaturesIn_, ...state.coefs_.map((c) => c.shape[1]!)];
    const { size, coefOffsets, interceptOffsets } = paramLayout(units);
    const flat = new Float64Array(size);
    state.coefs_.forEach((c, l) => flat.set(c.data, coefOffsets[l]));
    state.intercepts_.forEach((b, l) => flat.set(b.data, interceptOffsets[l]));
    const out = allocate('float64', n * state.nOutputs_);
    predictOutputs(units, flat, X, n, (this as unknown as MLPParams).activation, state.outActivation_, out);
    return out;
  }

  /** Weight matrices, layer i: [fanIn, fanOut]. */
  get coefs_(): DenseArray<'float64'>[] {
    return this.fitted.coefs_;
  }
  /** Bias vectors, layer i: [fanOut]. */
  get intercepts_(): DenseArray<'float64'>[] {
    return this.fitted.intercepts_;
  }
  /** Loss of each epoch so far (fit's epochs and one per partialFit call). */
  get lossCurve_(): Float64Array {
    return this.fitted.lossCurve_;
  }
  /** Loss of the last epoch. */
  get loss_(): number {
    return this.fitted.loss_;
  }
  /** Best training loss so far (null with early stopping). */
  get bestLoss_(): number | null {
    return this.fitted.bestLoss_;
  }
  /** Validation scores per epoch (early stopping), else null. */
  get validationScores_(): Float64Array | null {
    return this.fitted.validationScores_;
  }
  get bestValidationScore_(): number | null {
    return this.fitted.bestValidationScore_;
  }
  /** Epochs run (partialFit calls count one each). */
  get nIter_(): number {
    return this.fitted.nIter_;
  }
  /** Training samples seen (times epochs): the invscaling clock. */
  get t_(): number {
    return this.fitted.t_;
  }
  get nLayers_(): number {
    return this.fitted.nLayers_;
  }
  get nOutputs_(): number {
    return this.fitted.nOutputs_;
  }
  get outActivation_(): OutActivation {
    return this.fitted.outActivation_;
  }
  get nFeaturesIn_(): number {
    return this.fitted.nFeaturesIn_;
  }
}

function gatherRows(X: Float64Array, d: number, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length * d);
  rows.forEach((i, r) => out.set(X.subarray(i * d, (i + 1) * d), r * d));
  return out;
}

// Declaration merging: the hyperparameters are typed own properties of the instance.
export interface MLPClassifier extends MLPParams {}

/** Options of {@link MLPClassifier.partialFit}. */
export interface MLPPartialFitOptions {
  /** Every label that can occur; required on the first call. */
  classes?: VectorLike;
}

/**
 * Multi-layer perceptron classifier — scikit-learn's `MLPClassifier` with the 'sgd' and 'adam'
 * solvers: logistic output for two classes, softmax for more; log loss with an L2 penalty.
 * With an integer `randomState` it draws exactly as scikit-learn 1.2 (numpy's RandomState: the
 * Glorot init, each epoch's shuffle, early stopping's split), so `fit` and `partialFit` give
 * scikit-learn's weights, loss curve and probabilities to ~1e-13 (the matrix products sum in
 * another order than BLAS); so does starting from given weights (`coefsInit` / `interceptsInit`).
 *
 * @example
 * const clf = new MLPClassifier({ hiddenLayerSizes: [32], randomState: 0 });
 * clf.partialFit(X1, y1, { classes: [0, 1, 2] });
 * clf.partialFit(X2, y2);
 * clf.predictProba(X3);     // [n, 3]
 * clf.coefs_[0].shape;      // [nFeatures, 32]
 */
export class MLPClassifier extends BaseMultilayerPerceptron<MLPClassifierState> {
  static readonly estimatorName = 'MLPClassifier';
  static readonly estimatorType = 'classifier';
  static readonly defaults: Readonly<MLPParams> = MLP_DEFAULTS;
  static readonly constraints = MLP_CONSTRAINTS;
  static readonly stateSchema: StateSchema = mlpStateSchema('classifier');

  constructor(options: Partial<MLPParams> = {}) {
    super(options);
  }

  /** Resets (unless warmStart) and trains for up to maxIter epochs; classes from y. */
  fit(X: MatrixLike, y: VectorLike): this {
    const name = this.estimatorName;
    this.validate();
    const m = checkArray(X, { caller: name });
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    const warm = this.warmStart && this.learned !== undefined ? this.learned : null;
    let classes: Float64Array;
    if (warm !== null) {
      checkFeatureCount(name, warm.nFeaturesIn_, m.nFeatures);
      classes = warm.classes_.data;
      const present = uniqueSorted(yv);
      if (present.length !== classes.length || present.some((c, i) => c !== classes[i])) {
        throw new InvalidInputError(
          `${name}: warmStart can only be used where y has the same classes as in the previous call to fit. Previously got [${[...classes].join(', ')}], y has [${[...present].join(', ')}].`,
        );
      }
    } else {
      classes = uniqueSorted(yv);
    }
    this.learned = this.trainClassifier(m.data, m.nSamples, m.nFeatures, yv, classes, warm, false);
    return this;
  }

  /** One epoch over the given rows (scikit-learn's `partial_fit`). `classes` is required on the first call. */
  partialFit(X: MatrixLike, y: VectorLike, options: MLPPartialFitOptions = {}): this {
    const name = this.estimatorName;
    const prev = this.learned ?? null;
    if (prev === null) this.validate();
    const m = checkArray(X, { caller: name });
    if (prev !== null) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    const classes = partialFitClasses(name, options.classes, prev === null ? null : prev.classes_.data);
    this.learned = this.trainClassifier(m.data, m.nSamples, m.nFeatures, yv, classes, prev, true);
    return this;
  }

  private trainClassifier(
    X: Float64Array,
    n: number,
    d: number,
    y: Float64Array,
    classes: Float64Array,
    prev: MLPClassifierState | null,
    incremental: boolean,
  ): MLPClassifierState {
    const name = this.estimatorName;
    const k = classes.length;
    if (k < 2) throw new InvalidInputError(`${name}: the number of classes has to be greater than one; got ${k} class.`);
    const idx = labelIndices(name, y, classes);
    const nOut = k === 2 ? 1 : k;
    const Y = new Float64Array(n * nOut);
    for (let i = 0; i < n; i++) {
      if (nOut === 1) Y[i] = idx[i] === 1 ? 1 : 0;
      else Y[i * nOut + idx[i]!] = 1;
    }
    const outAct: OutActivation = nOut === 1 ? 'logistic' : 'softmax';
    const score = (out: Float64Array, rows: Int32Array) => {
      const pred = labelsFrom(out, rows.length, nOut, classes);
      let hit = 0;
      rows.forEach((r, i) => {
        if (pred[i] === y[r]) hit++;
      });
      return hit / rows.length;
    };
    // scikit-learn stratifies the split only with one output (two classes).
    const common = this.train(X, n, d, Y, nOut, outAct, prev, incremental, nOut === 1 ? y : null, score);
    return { ...common, classes_: new DenseArray(classes.slice(), [k]) };
  }

  /** Predicted labels. */
  predict(X: MatrixLike): DenseArray<'float64'> {
    const { out, n, k } = this.outputs(X);
    return new DenseArray(labelsFrom(out, n, k, this.fitted.classes_.data), [n]);
  }

  /** Class probabilities [n, nClasses] (binary: [1 − p, p]). */
  predictProba(X: MatrixLike): DenseArray<'float64'> {
    const { out, n, k } = this.outputs(X);
    if (k > 1) return new DenseArray(out, [n, k]);
    const p = allocate('float64', n * 2);
    for (let i = 0; i < n; i++) {
      p[2 * i] = 1 - out[i]!;
      p[2 * i + 1] = out[i]!;
    }
    return new DenseArray(p, [n, 2]);
  }

  /** Natural log of {@link predictProba}. */
  predictLogProba(X: MatrixLike): DenseArray<'float64'> {
    const p = this.predictProba(X);
    const d = p.data;
    for (let i = 0; i < d.length; i++) d[i] = Math.log(d[i]!);
    return p;
  }

  /** Accuracy of predict on (X, y). */
  score(X: MatrixLike, y: VectorLike): number {
    return accuracyScore(y, this.predict(X));
  }

  /** Labels seen at the first partialFit (or in fit's y), sorted. */
  get classes_(): DenseArray<'float64'> {
    return this.fitted.classes_;
  }
}

/** Labels from network outputs: p > 0.5 for one logistic output, the first argmax otherwise. */
function labelsFrom(out: Float64Array, n: number, k: number, classes: Float64Array): Float64Array {
  const labels = allocate('float64', n);
  for (let i = 0; i < n; i++) {
    if (k === 1) {
      labels[i] = out[i]! > 0.5 ? classes[1]! : classes[0]!;
      continue;
    }
    let best = 0;
    for (let c = 1; c < k; c++) if (out[i * k + c]! > out[i * k + best]!) best = c;
    labels[i] = classes[best]!;
  }
  return labels;
}

export interface MLPRegressor extends MLPParams {}

/**
 * Multi-layer perceptron regressor — scikit-learn's `MLPRegressor` with the 'sgd' and 'adam'
 * solvers: identity output, squared error with an L2 penalty, one target.
 *
 * @example
 * const reg = new MLPRegressor({ hiddenLayerSizes: [16, 8], activation: 'tanh', solver: 'sgd', shuffle: false });
 * for (const [X, y] of blocks) reg.partialFit(X, y);
 * reg.predict(Xtest);       // [n]
 */
export class MLPRegressor extends BaseMultilayerPerceptron<MLPState> {
  static readonly estimatorName = 'MLPRegressor';
  static readonly estimatorType = 'regressor';
  static readonly defaults: Readonly<MLPParams> = MLP_DEFAULTS;
  static readonly constraints = MLP_CONSTRAINTS;
  static readonly stateSchema: StateSchema = mlpStateSchema('regressor');

  constructor(options: Partial<MLPParams> = {}) {
    super(options);
  }

  /** Resets (unless warmStart) and trains for up to maxIter epochs. */
  fit(X: MatrixLike, y: VectorLike): this {
    const name = this.estimatorName;
    this.validate();
    const m = checkArray(X, { caller: name });
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    const warm = this.warmStart && this.learned !== undefined ? this.learned : null;
    if (warm !== null) checkFeatureCount(name, warm.nFeaturesIn_, m.nFeatures);
    this.learned = this.trainRegressor(m.data, m.nSamples, m.nFeatures, yv, warm, false);
    return this;
  }

  /** One epoch over the given rows (scikit-learn's `partial_fit`). The options object is accepted for symmetry and ignored. */
  partialFit(X: MatrixLike, y: VectorLike, _options: object = {}): this {
    const name = this.estimatorName;
    const prev = this.learned ?? null;
    if (prev === null) this.validate();
    const m = checkArray(X, { caller: name });
    if (prev !== null) checkFeatureCount(name, prev.nFeaturesIn_, m.nFeatures);
    const yv = checkVector(y, m.nSamples, { caller: name, name: 'y' });
    this.learned = this.trainRegressor(m.data, m.nSamples, m.nFeatures, yv, prev, true);
    return this;
  }

  private trainRegressor(X: Float64Array, n: number, d: number, y: Float64Array, prev: MLPState | null, incremental: boolean): MLPState {
    const score = (out: Float64Array, rows: Int32Array) =>
      r2FromArrays(
        Float64Array.from(rows, (r) => y[r]!),
        out,
        null,
      );
    return this.train(X, n, d, y, 1, 'identity', prev, incremental, null, score);
  }

  /** Predictions [n]. */
  predict(X: MatrixLike): DenseArray<'float64'> {
    const { out, n } = this.outputs(X);
    return new DenseArray(out, [n]);
  }

  /** R² of the predictions on (X, y). */
  score(X: MatrixLike, y: VectorLike): number {
    const p = this.predict(X).data;
    return r2FromArrays(checkVector(y, p.length, { caller: this.estimatorName, name: 'y' }), p, null);
  }
}

registerEstimator(MLPClassifier);
registerEstimator(MLPRegressor);
