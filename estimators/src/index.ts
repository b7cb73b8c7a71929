/**
 * @tessera/estimators — scikit-learn's estimator API and numerics for in-memory blocks: the
 * per-block kernels the out-of-core layer runs.
 *
 * @module @tessera/estimators
 */
export {
  BaseEstimator,
  estimatorFromJSON,
  estimatorFromSnapshot,
  type Params,
  type State,
  type EstimatorSnapshot,
  type EstimatorJSON,
  type EstimatorClass,
  type ExpectedInput,
} from './base.js';
export { registerEstimator, estimatorClass, registeredEstimators, isEstimator, type RegisterEstimatorOptions } from './registry.js';
export {
  NotFittedError,
  ParameterTypeError,
  ParameterRangeError,
  InvalidInputError,
  ConvergenceError,
  isInvalidParameterError,
  type InvalidParameter,
  StateTypeError,
  StateRangeError,
  isInvalidStateError,
  type InvalidState,
} from './errors.js';
export {
  type StateSchema,
  type StateField,
  type NumberField,
  type ArrayField,
  type ListField,
  type OptionField,
  type EstimatorField,
  type DerivedDim,
  type Dim,
  type DimValues,
  type Values,
  checkState,
} from './state_schema.js';
export {
  type Constraint,
  type ParamConstraints,
  type Closed,
  type Matrix,
  type MatrixLike,
  type VectorLike,
  interval,
  options,
  hidden,
  BOOLEAN,
  NULL,
  DICT,
  PAIR,
  RANDOM_STATE,
  satisfies,
  describeConstraint,
  invalidParameterMessage,
  validateParams,
  invalidValuesFor,
  checkArray,
  checkVector,
  asVector,
  checkSampleWeight,
  checkFeatureCount,
  assertFinite,
} from './validation.js';
export { Random, randomFrom } from './random.js';
export { bucketShuffle, rowsPerBucket, type BucketShuffle } from './linear_model/sgd/shuffle.js';
export { encodeJson, decodeJson, type Json } from './serialize.js';
export { type Moments, blockMoments, combineMoments, emptyMoments } from './preprocessing/moments.js';
export {
  StandardScaler,
  MinMaxScaler,
  MaxAbsScaler,
  type StandardScalerParams,
  type StandardScalerState,
  type MinMaxScalerParams,
  type MinMaxScalerState,
  type MaxAbsScalerState,
} from './preprocessing/scalers.js';
export { type SGDConfig, type SGDCommonParams } from './linear_model/sgd/params.js';
export { type SGDState, type SGDClassifierState } from './linear_model/sgd/state.js';
export { type ClassifierPartialFitOptions, type FitOptions } from './linear_model/sgd/base.js';
export { computeClassWeight } from './linear_model/sgd/class_weight.js';
export { SGDClassifier, type SGDClassifierParams, type SGDClassifierLoss } from './linear_model/sgd_classifier.js';
export { SGDRegressor, type SGDRegressorParams, type SGDRegressorLoss } from './linear_model/sgd_regressor.js';
export { Perceptron, type PerceptronParams } from './linear_model/perceptron.js';
export {
  PassiveAggressiveClassifier,
  PassiveAggressiveRegressor,
  type PassiveAggressiveClassifierParams,
  type PassiveAggressiveRegressorParams,
} from './linear_model/passive_aggressive.js';
export { plainSGD, lossValue, dlossValue, lossSpec, type LossName, type PlainSGDArgs, type PlainSGDResult } from './linear_model/sgd/epoch.js';
export { setSGDBackend, WASM_MIN_VALUES, type SGDBackend } from './linear_model/sgd/backend.js';
export { wasmAvailable } from './linear_model/sgd/wasm.js';
export { accuracyScore, logLoss, meanSquaredError, r2Score, confusionMatrix, rocAucScore } from './metrics.js';
export { GaussianNB, type GaussianNBParams, type GaussianNBState, type NBPartialFitOptions } from './naive_bayes/gaussian_nb.js';
export {
  MultinomialNB,
  BernoulliNB,
  type DiscreteNBParams,
  type MultinomialNBParams,
  type BernoulliNBParams,
  type DiscreteNBState,
} from './naive_bayes/discrete_nb.js';
export { IncrementalPCA, type IncrementalPCAParams, type IncrementalPCAState } from './decomposition/incremental_pca.js';
export { MiniBatchKMeans, type MiniBatchKMeansParams, type MiniBatchKMeansState } from './cluster/minibatch_kmeans.js';
export {
  MLPClassifier,
  MLPRegressor,
  type MLPParams,
  type MLPState,
  type MLPClassifierState,
  type MLPPartialFitOptions,
} from './neural_network/multilayer_perceptron.js';
export { setMLPBackend, mlpWasmAvailable, type MLPBackend } from './neural_network/gemm.js';

// Out-of-core layer: Incremental, ParallelPostFit, Pipeline on lazy arrays, and its worker kernels.
import { registerKernels } from '@tessera/scheduler';
import { kernels as oocKernels } from './ooc/kernels.js';
registerKernels(new URL('./ooc/kernels.js', import.meta.url), oocKernels);
export { Incremental, PREPARE_AHEAD, ParallelPostFit, type IncrementalParams, type ParallelPostFitParams } from './ooc/wrappers.js';
export { Pipeline, makePipeline, type Step, type PipelineParams } from './ooc/pipeline.js';
export { fitStep, transformStep, checkLazyStep } from './ooc/steps.js';
export { isLazy, lazyMoments, lazyExtrema, lazyMethod, lazyScore, checkLazyInput } from './ooc/lazy.js';
export { partialFitChain, blockOrder, type ChainPlan } from './ooc/chain.js';
export { EstKernel, type EstKernelName } from './ooc/kernel_names.js';
export {
  type EstimatorType,
  type ApplyMethod,
  type LazyOptions,
  type PartialFitOptions,
  type PrepareOptions,
  type PartialFitter,
  type BlockPreparer,
  type RowApplier,
  type LazyFitter,
  type LazyTransformer,
  type LazyApplier,
  type Applier,
  type Fitter,
  type Scorer,
  APPLY_METHODS,
  isPartialFitter,
  isBlockPreparer,
  isRowApplier,
  isLazyFitter,
  isLazyTransformer,
  isLazyApplier,
  isFitter,
  isScorer,
  hasApplyMethod,
  estimatorTypeOf,
  requiresY,
  partialFitBlock,
  fitInMemory,
  applyMethod,
} from './contract.js';
export { type Extrema, type ScoreParts } from './ooc/kernels.js';
export { isPreparedBlock, type PrepareBlockOptions, type SGDPreparedHint, type PreparedBlock as SGDPreparedBlock } from './linear_model/sgd/prepared.js';
export { type LinkBlock } from './contract.js';
