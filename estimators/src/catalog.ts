/**
 * Imports every built-in estimator module, so that each registers its class: what a worker needs
 * before it can rebuild an estimator from a snapshot by name.
 */
import './preprocessing/scalers.js';
import './preprocessing/robust_scaler.js';
import './preprocessing/quantile_transformer.js';
import './preprocessing/polynomial_features.js';
import './preprocessing/function_transformer.js';
import './preprocessing/imputer.js';
import './preprocessing/encoders.js';
import './preprocessing/label_encoder.js';
import './linear_model/sgd_classifier.js';
import './linear_model/sgd_regressor.js';
import './linear_model/perceptron.js';
import './linear_model/passive_aggressive.js';
import './linear_model/linear_regression.js';
import './linear_model/ridge.js';
import './linear_model/logistic_regression.js';
import './linear_model/poisson.js';
import './naive_bayes/gaussian_nb.js';
import './naive_bayes/discrete_nb.js';
import './decomposition/incremental_pca.js';
import './decomposition/pca.js';
import './decomposition/truncated_svd.js';
import './cluster/minibatch_kmeans.js';
import './cluster/kmeans.js';
import './neural_network/multilayer_perceptron.js';
// The meta-estimators too: a pipeline or a wrapper inside another (ParallelPostFit(Pipeline)) is
// rebuilt on the workers by name like any estimator.
import './ooc/pipeline.js';
import './ooc/wrappers.js';
import './compose/column_transformer.js';
