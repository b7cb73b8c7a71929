/**
 * The conformance suite run against every estimator. To add one (MLP, KMeans, NaiveBayes,
 * IncrementalPCA…), append its spec below; checkEstimator lives in conformance.ts.
 */
import { describe, expect, it } from 'vitest';
import {
  MaxAbsScaler,
  MinMaxScaler,
  PassiveAggressiveClassifier,
  PassiveAggressiveRegressor,
  Perceptron,
  SGDClassifier,
  SGDRegressor,
  StandardScaler,
  Incremental,
  ParallelPostFit,
  Pipeline,
  registeredEstimators,
  GaussianNB,
  MultinomialNB,
  BernoulliNB,
  IncrementalPCA,
  PCA,
  TruncatedSVD,
  MiniBatchKMeans,
  KMeans,
  MLPClassifier,
  MLPRegressor,
  SimpleImputer,
  OneHotEncoder,
  OrdinalEncoder,
  RobustScaler,
  PolynomialFeatures,
  FunctionTransformer,
  QuantileTransformer,
  ColumnTransformer,
  LinearRegression,
  Ridge,
  LogisticRegression,
  PoissonRegressor,
} from '../src/index.js';
import { type EstimatorSpec, checkEstimator } from './conformance.js';

const classes = { classes: [0, 1, 2] };
// FunctionTransformer's in-memory methods need its function loaded on this thread first.
const appendSquares = { module: new URL('./function_kernels.mjs', import.meta.url).href, export: 'appendSquares' };
await new FunctionTransformer({ func: appendSquares }).load();
const fast = { maxIter: 5, tol: null, shuffle: false };

export const specs: EstimatorSpec[] = [
  // predictProba exists only for log_loss and modified_huber (it throws a TypeError otherwise).
  {
    name: 'SGDClassifier',
    cls: SGDClassifier,
    options: fast,
    kind: 'classifier',
    firstPartialFit: classes,
    random: true,
    outputs: ['predict', 'decisionFunction'],
  },
  {
    name: 'SGDClassifier (log_loss, averaged)',
    cls: SGDClassifier,
    options: { ...fast, loss: 'log_loss', average: true },
    kind: 'classifier',
    firstPartialFit: classes,
    random: true,
  },
  {
    name: 'SGDClassifier (modified_huber, elasticnet)',
    cls: SGDClassifier,
    options: { ...fast, loss: 'modified_huber', penalty: 'elasticnet' },
    kind: 'classifier',
    firstPartialFit: classes,
    random: true,
  },
  { name: 'SGDRegressor', cls: SGDRegressor, options: fast, kind: 'regressor', random: true },
  {
    name: 'SGDRegressor (huber, l1, averaged)',
    cls: SGDRegressor,
    options: { ...fast, loss: 'huber', penalty: 'l1', average: 10 },
    kind: 'regressor',
    random: true,
  },
  { name: 'Perceptron', cls: Perceptron, options: fast, kind: 'classifier', firstPartialFit: classes, random: true },
  {
    name: 'PassiveAggressiveClassifier',
    cls: PassiveAggressiveClassifier,
    options: fast,
    kind: 'classifier',
    firstPartialFit: classes,
    random: true,
  },
  { name: 'PassiveAggressiveRegressor', cls: PassiveAggressiveRegressor, options: fast, kind: 'regressor', random: true },
  { name: 'LinearRegression', cls: LinearRegression, kind: 'regressor' },
  { name: 'LinearRegression (no intercept)', cls: LinearRegression, options: { fitIntercept: false }, kind: 'regressor' },
  { name: 'Ridge', cls: Ridge, options: { alpha: 0.5 }, kind: 'regressor' },
  { name: 'LogisticRegression (multinomial)', cls: LogisticRegression, kind: 'classifier' },
  {
    name: 'LogisticRegression (no penalty, balanced, no intercept)',
    cls: LogisticRegression,
    options: { penalty: 'none', classWeight: 'balanced', fitIntercept: false, maxIter: 50 },
    kind: 'classifier',
  },
  { name: 'PoissonRegressor', cls: PoissonRegressor, options: { alpha: 0.1 }, kind: 'regressor', nonNegativeTargets: true },
  { name: 'StandardScaler', cls: StandardScaler, kind: 'transformer' },
  { name: 'MinMaxScaler', cls: MinMaxScaler, kind: 'transformer' },
  { name: 'MaxAbsScaler', cls: MaxAbsScaler, kind: 'transformer' },
  { name: 'RobustScaler', cls: RobustScaler, kind: 'transformer' },
  {
    name: 'RobustScaler (no centring, unitVariance, [10, 90])',
    cls: RobustScaler,
    options: { withCentering: false, unitVariance: true, quantileRange: [10, 90] },
    kind: 'transformer',
  },
  { name: 'QuantileTransformer', cls: QuantileTransformer, options: { nQuantiles: 30 }, kind: 'transformer', allowsNaN: true },
  {
    name: 'QuantileTransformer (normal, subsample 40)',
    cls: QuantileTransformer,
    options: { nQuantiles: 20, outputDistribution: 'normal', subsample: 40, randomState: 0 },
    kind: 'transformer',
    random: true,
    allowsNaN: true,
  },
  {
    name: 'ColumnTransformer (two scalers by index, remainder passthrough)',
    cls: ColumnTransformer as never,
    options: {
      transformers: [
        ['std', new StandardScaler(), [4, 0]],
        ['mm', new MinMaxScaler(), [1, 2]],
      ],
      remainder: 'passthrough',
    },
    kind: 'transformer',
  },
  // With NaN as the marker NaN is data, not an error: the suite's NaN check needs a numeric marker.
  {
    name: 'SimpleImputer (median, missingValues -1)',
    cls: SimpleImputer,
    options: { strategy: 'median', missingValues: -1 },
    kind: 'transformer',
  },
  { name: 'PolynomialFeatures', cls: PolynomialFeatures, kind: 'transformer' },
  {
    name: 'PolynomialFeatures (degree [2, 3], interactions only, no bias)',
    cls: PolynomialFeatures,
    options: { degree: [2, 3], interactionOnly: true, includeBias: false },
    kind: 'transformer',
  },
  { name: 'FunctionTransformer (identity, validate)', cls: FunctionTransformer, options: { validate: true }, kind: 'transformer' },
  {
    name: 'FunctionTransformer (appendSquares, kwArgs, validate)',
    cls: FunctionTransformer,
    options: { func: appendSquares, kwArgs: { scale: 2 }, validate: true },
    kind: 'transformer',
  },
  { name: 'OneHotEncoder', cls: OneHotEncoder, kind: 'transformer' },
  {
    name: 'OneHotEncoder (drop first, ignore unknown)',
    cls: OneHotEncoder,
    options: { drop: 'first', handleUnknown: 'ignore' },
    kind: 'transformer',
  },
  { name: 'OrdinalEncoder', cls: OrdinalEncoder, kind: 'transformer' },
  {
    name: 'OrdinalEncoder (use_encoded_value -1)',
    cls: OrdinalEncoder,
    options: { handleUnknown: 'use_encoded_value', unknownValue: -1 },
    kind: 'transformer',
  },
  { name: 'GaussianNB', cls: GaussianNB, kind: 'classifier', firstPartialFit: classes },
  {
    name: 'GaussianNB (priors, varSmoothing)',
    cls: GaussianNB,
    options: { priors: [0.2, 0.3, 0.5], varSmoothing: 1e-3 },
    kind: 'classifier',
    firstPartialFit: classes,
  },
  { name: 'MultinomialNB', cls: MultinomialNB, kind: 'classifier', firstPartialFit: classes, nonNegative: true },
  {
    name: 'MultinomialNB (alpha, no prior)',
    cls: MultinomialNB,
    options: { alpha: 0.1, fitPrior: false },
    kind: 'classifier',
    firstPartialFit: classes,
    nonNegative: true,
  },
  { name: 'BernoulliNB', cls: BernoulliNB, kind: 'classifier', firstPartialFit: classes },
  {
    name: 'BernoulliNB (binarize 0.5, classPrior)',
    cls: BernoulliNB,
    options: { binarize: 0.5, classPrior: [0.5, 0.25, 0.25] },
    kind: 'classifier',
    firstPartialFit: classes,
  },
  { name: 'IncrementalPCA', cls: IncrementalPCA, options: { nComponents: 3 }, kind: 'transformer' },
  { name: 'IncrementalPCA (all components, whiten)', cls: IncrementalPCA, options: { whiten: true, batchSize: 20 }, kind: 'transformer' },
  { name: 'PCA', cls: PCA, options: { nComponents: 3 }, kind: 'transformer' },
  { name: 'PCA (fraction of variance, full solver)', cls: PCA, options: { nComponents: 0.8, svdSolver: 'full' }, kind: 'transformer' },
  {
    name: 'PCA (randomized, whiten)',
    cls: PCA,
    options: { nComponents: 2, svdSolver: 'randomized', whiten: true, randomState: 0 },
    kind: 'transformer',
    random: true,
  },
  { name: 'TruncatedSVD', cls: TruncatedSVD, options: { randomState: 0 }, kind: 'transformer', random: true },
  { name: 'TruncatedSVD (tsqr)', cls: TruncatedSVD, options: { nComponents: 3, algorithm: 'tsqr' }, kind: 'transformer' },
  {
    name: 'MiniBatchKMeans',
    cls: MiniBatchKMeans,
    options: { nClusters: 3, batchSize: 30, randomState: 0 },
    kind: 'transformer',
    random: true,
  },
  {
    name: 'MiniBatchKMeans (random init, nInit 2)',
    cls: MiniBatchKMeans,
    options: { nClusters: 4, init: 'random', nInit: 2, batchSize: 16, randomState: 0 },
    kind: 'transformer',
    random: true,
  },
  { name: 'KMeans (k-means||)', cls: KMeans, options: { nClusters: 3, randomState: 0 }, kind: 'transformer', random: true },
  {
    name: 'KMeans (k-means++, nInit 3)',
    cls: KMeans,
    options: { nClusters: 4, init: 'k-means++', nInit: 3, randomState: 0 },
    kind: 'transformer',
    random: true,
  },
  {
    name: 'KMeans (random init, tol 0)',
    cls: KMeans,
    options: { nClusters: 2, init: 'random', tol: 0, randomState: 0 },
    kind: 'transformer',
    random: true,
  },
  {
    name: 'MLPClassifier (adam, relu)',
    cls: MLPClassifier,
    options: { hiddenLayerSizes: [7], maxIter: 5, randomState: 0 },
    kind: 'classifier',
    firstPartialFit: classes,
    random: true,
  },
  {
    name: 'MLPClassifier (sgd, tanh, two layers)',
    cls: MLPClassifier,
    options: { hiddenLayerSizes: [6, 4], activation: 'tanh', solver: 'sgd', maxIter: 5, batchSize: 16, randomState: 0 },
    kind: 'classifier',
    firstPartialFit: classes,
    random: true,
  },
  {
    name: 'MLPRegressor (adam, logistic)',
    cls: MLPRegressor,
    options: { hiddenLayerSizes: [5], activation: 'logistic', maxIter: 5, randomState: 0 },
    kind: 'regressor',
    random: true,
  },
  {
    name: 'MLPRegressor (sgd, identity, early stopping)',
    cls: MLPRegressor,
    options: {
      hiddenLayerSizes: [3],
      activation: 'identity',
      solver: 'sgd',
      learningRateInit: 0.01,
      earlyStopping: true,
      maxIter: 5,
      randomState: 0,
    },
    kind: 'regressor',
    random: true,
  },
  // Meta-estimators on in-memory input (their lazy-array behaviour is tested in ooc.test.ts).
  {
    name: 'Incremental',
    cls: Incremental as never,
    options: { estimator: new SGDClassifier(fast), classes: [0, 1, 2], shuffleBlocks: false },
    kind: 'classifier',
    outputs: ['predict', 'decisionFunction'],
  },
  {
    name: 'ParallelPostFit',
    cls: ParallelPostFit as never,
    options: { estimator: new SGDClassifier(fast) },
    kind: 'classifier',
    outputs: ['predict', 'decisionFunction'],
  },
  {
    name: 'Pipeline',
    cls: Pipeline as never,
    options: {
      steps: [
        ['scale', new StandardScaler()],
        ['clf', new SGDClassifier(fast)],
      ],
    },
    kind: 'classifier',
    outputs: ['predict', 'decisionFunction'],
  },
];

for (const spec of specs) {
  describe(`conformance: ${spec.name}`, () => {
    checkEstimator(spec);
  });
}

/**
 * Registered estimators deliberately not run through checkEstimator, with the reason (e.g. a
 * meta-estimator over lazy arrays that has its own suite). Prefer adding a spec above.
 */
export const notCovered: Readonly<Record<string, string>> = {
  LabelEncoder: 'takes a 1-D y, not X (the suite fits transformers on a 2-D X); encoders.test.ts covers its contract',
};

describe('conformance coverage', () => {
  it('covers every registered estimator (add a spec to `specs`, or an entry with a reason to `notCovered`)', () => {
    const covered = new Set([...specs.map((s) => s.cls.estimatorName), ...Object.keys(notCovered)]);
    expect(
      registeredEstimators().filter((name) => !covered.has(name)),
      'registered estimators without a conformance spec',
    ).toEqual([]);
  });
});
