/**
 * Where each built-in estimator class is defined, so a worker thread imports an estimator's code
 * only when a task first rebuilds one by name — the lazy twin of catalog.ts, which imports them
 * all. The out-of-core kernels (ooc/kernels.ts) export {@link prepareTask}: before one of their
 * tasks runs on a thread, the class names in its arguments' snapshots are looked up here and the
 * missing modules imported. A worker that only scales and trains an SGD model thus never loads
 * the MLP, k-means, PCA, GLM… modules and their WebAssembly bytes.
 */
import { importModule } from '@tessera/scheduler';
import { registeredEstimators } from './registry.js';

/** Built-in estimator name → its module (relative to this one). catalog.ts imports the same set. */
export const ESTIMATOR_MODULES: Readonly<Record<string, string>> = {
  StandardScaler: './preprocessing/scalers.js',
  MinMaxScaler: './preprocessing/scalers.js',
  MaxAbsScaler: './preprocessing/scalers.js',
  RobustScaler: './preprocessing/robust_scaler.js',
  QuantileTransformer: './preprocessing/quantile_transformer.js',
  PolynomialFeatures: './preprocessing/polynomial_features.js',
  FunctionTransformer: './preprocessing/function_transformer.js',
  SimpleImputer: './preprocessing/imputer.js',
  OrdinalEncoder: './preprocessing/encoders.js',
  OneHotEncoder: './preprocessing/encoders.js',
  LabelEncoder: './preprocessing/label_encoder.js',
  SGDClassifier: './linear_model/sgd_classifier.js',
  SGDRegressor: './linear_model/sgd_regressor.js',
  Perceptron: './linear_model/perceptron.js',
  PassiveAggressiveClassifier: './linear_model/passive_aggressive.js',
  PassiveAggressiveRegressor: './linear_model/passive_aggressive.js',
  LinearRegression: './linear_model/linear_regression.js',
  Ridge: './linear_model/ridge.js',
  LogisticRegression: './linear_model/logistic_regression.js',
  PoissonRegressor: './linear_model/poisson.js',
  GaussianNB: './naive_bayes/gaussian_nb.js',
  MultinomialNB: './naive_bayes/discrete_nb.js',
  BernoulliNB: './naive_bayes/discrete_nb.js',
  IncrementalPCA: './decomposition/incremental_pca.js',
  PCA: './decomposition/pca.js',
  TruncatedSVD: './decomposition/truncated_svd.js',
  MiniBatchKMeans: './cluster/minibatch_kmeans.js',
  KMeans: './cluster/kmeans.js',
  MLPClassifier: './neural_network/multilayer_perceptron.js',
  MLPRegressor: './neural_network/multilayer_perceptron.js',
  Pipeline: './ooc/pipeline.js',
  Incremental: './ooc/wrappers.js',
  ParallelPostFit: './ooc/wrappers.js',
  ColumnTransformer: './compose/column_transformer.js',
};

/** The names registered on this thread, as last read from the registry (refreshed on a miss). */
let known = new Set<string>();

/** Past this length an array is data (a list of values), not a holder of snapshots: not searched. */
const MAX_SEARCHED_ARRAY = 4096;
/** Snapshots nest a few levels (Pipeline → steps → Incremental → estimator); data may go deeper. */
const MAX_DEPTH = 16;

/**
 * Imports the modules of the built-in estimators named by snapshots (`{ estimator, params,
 * state }`) anywhere in `args` that this thread does not know yet; undefined when it knows them
 * all (the usual case after a thread's first task). A name that is neither registered nor
 * built-in is left to `estimatorFromSnapshot`, whose error lists the registered ones.
 */
export function prepareTask(args: readonly unknown[]): Promise<unknown> | undefined {
  let missing: Set<string> | undefined;
  const seen = new Set<object>(); // arguments may share or even cycle through objects
  const visit = (v: unknown, depth: number): void => {
    if (typeof v !== 'object' || v === null || depth > MAX_DEPTH || ArrayBuffer.isView(v) || seen.has(v)) return;
    seen.add(v);
    if (Array.isArray(v)) {
      if (v.length <= MAX_SEARCHED_ARRAY) for (const x of v) visit(x, depth + 1);
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return; // blocks' buffers, Maps, class instances
    const name = (v as { estimator?: unknown }).estimator;
    if (typeof name === 'string' && !known.has(name) && 'params' in v && 'state' in v) {
      known = new Set(registeredEstimators());
      if (!known.has(name) && ESTIMATOR_MODULES[name] !== undefined) (missing ??= new Set()).add(ESTIMATOR_MODULES[name]);
    }
    for (const key in v) visit((v as Record<string, unknown>)[key], depth + 1);
  };
  for (const a of args) visit(a, 0);
  if (missing === undefined) return undefined;
  return Promise.all([...missing].map((m) => importModule(new URL(m, import.meta.url).href)));
}
