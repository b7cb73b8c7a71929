/**
 * `@tessera/estimators/internal` — the building blocks behind the public API, for the package's
 * own tests, benchmarks and estimators written next to it: parameter constraints and state schemas
 * (scikit-learn's `_param_validation`), the random generator, JSON encoding, the SGD and MLP
 * backends and kernels, the out-of-core layer's graph builders and kernel names. Documented, but
 * not a stable API: names here may change between minor versions.
 *
 * @module @tessera/estimators/internal
 */
// The public module first: its side effects (kernel and estimator registration) are the same.
import './index.js';

export {
  type StateSchema,
  type StateField,
  type NumberField,
  type ArrayField,
  type ListField,
  type OptionField,
  type EstimatorField,
  type StringsField,
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
} from './validation.js';
export { Random, randomFrom } from './random.js';
export { rowsPerBucket } from './linear_model/sgd/shuffle.js';
export { encodeJson, decodeJson, type Json } from './serialize.js';
export { type Moments, blockMoments, combineMoments, emptyMoments } from './preprocessing/moments.js';
export {
  plainSGD,
  lossValue,
  dlossValue,
  lossSpec,
  type LossName,
  type PlainSGDArgs,
  type PlainSGDResult,
} from './linear_model/sgd/epoch.js';
export { setSGDBackend, WASM_MIN_VALUES, type SGDBackend } from './linear_model/sgd/backend.js';
export { wasmAvailable } from './linear_model/sgd/wasm.js';
export {
  isPreparedBlock,
  type PrepareBlockOptions,
  type SGDPreparedHint,
  type PreparedBlock as SGDPreparedBlock,
} from './linear_model/sgd/prepared.js';
export { setMLPBackend, mlpWasmAvailable, type MLPBackend } from './neural_network/gemm.js';
export { setTsqrBackend } from './decomposition/tsqr.js';
export { PREPARE_AHEAD, partialFitChain, blockOrder, type ChainPlan } from './ooc/chain.js';
export { fitStep, transformStep, checkLazyStep } from './ooc/steps.js';
export { lazyMoments, lazyExtrema, lazyMethod, lazyScore, scoreKind, checkLazyInput } from './ooc/lazy.js';
export { EstKernel, type EstKernelName } from './ooc/kernel_names.js';
export { type Extrema, type ScoreParts } from './ooc/kernels.js';
