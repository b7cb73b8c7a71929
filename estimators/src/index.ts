/**
 * @tessera/estimators — scikit-learn's estimators (preprocessing, linear models, naive Bayes,
 * IncrementalPCA, MiniBatchKMeans, MLPs, metrics) with its API and numerics, and the out-of-core
 * layer that fits and applies them to lazy arrays (`Incremental`, `ParallelPostFit`, `Pipeline`),
 * with its written contract (contract.ts) for estimators of your own. Building blocks the package
 * itself and its tests use (parameter constraints, state schemas, the SGD backends, the lazy
 * graph builders) are in `@tessera/estimators/internal`: documented, but not a stable API.
 *
 * @module @tessera/estimators
 */
import { registerKernels } from '@tessera/scheduler';
import { kernels } from './kernels.js';

// The worker kernels (est.*): registered once, before anything can build a graph.
registerKernels(new URL('./kernels.js', import.meta.url), kernels);

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
  type Matrix,
  type MatrixLike,
  type VectorLike,
  checkArray,
  checkVector,
  asVector,
  checkSampleWeight,
  checkFeatureCount,
  assertFinite,
} from './validation.js';
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
export { RobustScaler, type RobustScalerParams, type RobustScalerState } from './preprocessing/robust_scaler.js';
export {
  QuantileTransformer,
  type QuantileTransformerParams,
  type QuantileTransformerState,
} from './preprocessing/quantile_transformer.js';
export { PolynomialFeatures, type PolynomialFeaturesParams, type PolynomialFeaturesState } from './preprocessing/polynomial_features.js';
export {
  FunctionTransformer,
  type FunctionRef,
  type TransformFunction,
  type FunctionTransformerParams,
  type FunctionTransformerState,
} from './preprocessing/function_transformer.js';
export { SimpleImputer, type SimpleImputerParams, type SimpleImputerState, type ImputerStrategy } from './preprocessing/imputer.js';
export {
  OrdinalEncoder,
  OneHotEncoder,
  type Categories,
  type EncoderState,
  type OrdinalEncoderParams,
  type OneHotEncoderParams,
  type OneHotEncoderState,
} from './preprocessing/encoders.js';
export { LabelEncoder, type LabelEncoderState } from './preprocessing/label_encoder.js';
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
export { LinearRegression, type LinearRegressionParams } from './linear_model/linear_regression.js';
export { Ridge, type RidgeParams } from './linear_model/ridge.js';
export { LogisticRegression, type LogisticRegressionParams, type LogisticRegressionState } from './linear_model/logistic_regression.js';
export { PoissonRegressor, type PoissonRegressorParams, type PoissonRegressorState } from './linear_model/poisson.js';
export { type LeastSquaresState } from './linear_model/glm/least_squares_estimator.js';
export { type GlmFitOptions, type GlmLazyFitOptions, type GlmParallelFitOptions, type TargetLike } from './linear_model/glm/inputs.js';
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
export { PCA, type PCAParams, type PCAState } from './decomposition/pca.js';
export { TruncatedSVD, type TruncatedSVDParams, type TruncatedSVDState } from './decomposition/truncated_svd.js';
export { MiniBatchKMeans, type MiniBatchKMeansParams, type MiniBatchKMeansState } from './cluster/minibatch_kmeans.js';
export { KMeans, type KMeansParams, type KMeansState } from './cluster/kmeans.js';
export {
  MLPClassifier,
  MLPRegressor,
  type MLPParams,
  type MLPState,
  type MLPClassifierState,
  type MLPPartialFitOptions,
} from './neural_network/multilayer_perceptron.js';

// Out-of-core layer: Incremental, ParallelPostFit, Pipeline on lazy arrays.
export { Incremental, ParallelPostFit, type IncrementalParams, type ParallelPostFitParams } from './ooc/wrappers.js';
export { Pipeline, makePipeline, type Step, type PipelineParams } from './ooc/pipeline.js';
export {
  ColumnTransformer,
  makeColumnTransformer,
  type ColumnTransformerParams,
  type ColumnTransformerState,
  type ColumnSpec,
  type ColumnSelector,
  type TransformerChoice,
  type MakeColumnTransformerOptions,
} from './compose/column_transformer.js';
export { isTable, type TableLike, type TableColumn } from './compose/table.js';
export { isLazy } from './ooc/lazy.js';
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
export { type LinkBlock } from './contract.js';

// Model selection: splits, trainTestSplit and the exhaustive searches (scikit-learn's, dask-ml's on lazy arrays).
export {
  KFold,
  StratifiedKFold,
  ShuffleSplit,
  StratifiedShuffleSplit,
  GroupKFold,
  LeaveOneGroupOut,
  GroupShuffleSplit,
  checkCv,
  isCrossValidator,
  type CrossValidator,
  type GroupsLike,
  type GroupKFoldOptions,
  type KFoldOptions,
  type ShuffleSplitOptions,
  type TrainTest,
  type RandomStateLike,
  type Indexable,
} from './model_selection/split.js';
export {
  trainTestSplit,
  type TrainTestSplitOptions,
  type SplitInput,
  type SplitOf,
  type SplitPairs,
} from './model_selection/train_test_split.js';
export {
  ParameterGrid,
  ParameterSampler,
  uniform,
  loguniform,
  randint,
  Uniform,
  LogUniform,
  RandInt,
  type ParamDistribution,
  type ParamGridSpec,
  type ParamDistributionsSpec,
} from './model_selection/params.js';
export {
  GridSearchCV,
  RandomizedSearchCV,
  BaseSearchCV,
  FitFailedError,
  paramColumn,
  withParams,
  type RefitCallable,
  type SearchJSON,
  type SearchOptions,
  type RandomizedSearchOptions,
  type SearchFitOptions,
  type CVResults,
} from './model_selection/search.js';
export {
  getScorer,
  checkScoring,
  metricColumn,
  SCORER_NAMES,
  type SearchScorer,
  type SearchMetric,
  type ScoringSpec,
} from './model_selection/scoring.js';

// Adaptive hyperparameter searches on lazy data (dask-ml's IncrementalSearchCV and friends).
export {
  IncrementalSearchCV,
  InverseDecaySearchCV,
  SuccessiveHalvingSearchCV,
  HyperbandSearchCV,
  type AdaptiveFitOptions,
  type AdaptiveCvResults,
  type AdaptiveCommonParams,
  type IncrementalSearchCVParams,
  type InverseDecaySearchCVParams,
  type SuccessiveHalvingSearchCVParams,
  type HyperbandSearchCVParams,
  type HyperbandMetadata,
  type BracketMetadata,
  type HalvingMetadata,
  type HistoryRecord,
  type ModelId,
  type ParameterSpace,
} from './model_selection/adaptive/searches.js';
