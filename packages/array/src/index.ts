/**
 * @tessera/array — lazy chunked arrays (dask.array for Node): elementwise math with fusion,
 * reductions, slicing, `mapBlocks`, random data and synthetic datasets, and the .npy / dataset
 * directory / Arrow IPC sources and sinks. In-memory arrays (`DenseArray`, `Block`) live here too.
 *
 * @module @tessera/array
 */
import { registerKernels } from '@tessera/scheduler';
import { kernels } from './kernels.js';
// The NDArray methods (add, mean, slice, toNpyDir…), attached to the class once.
import './chained_ops.js';

registerKernels(new URL('./kernels.js', import.meta.url), kernels);

export {
  type DType,
  type DTypeMap,
  type TypedArray,
  type Block,
  TYPED_ARRAYS,
  itemSize,
  isDType,
  dtypeOf,
  allocate,
  sizeOf,
  isBlock,
  DenseArray,
} from './dense.js';
export {
  type Chunks,
  type ChunksSpec,
  type AxisChunks,
  AUTO_BLOCK_BYTES,
  normalizeChunks,
  offsetsOf,
  shapeOfChunks,
  sameChunks,
} from './chunks.js';
export { tokenize } from './tokenize.js';
export { BroadcastError, ChunkError, BlockMismatchError } from './errors.js';
export { FormatError, DatasetError, type Manifest } from '@tessera/io';
export { NDArray, computeAll, buildGraph, type ArrayComputeOptions, type SourceDef } from './ndarray.js';
export { type Operand, promote, broadcastShapes, where, clip, astype, binary, unary } from './elementwise.js';
export { type Axis, type ReduceOptions } from './reductions.js';
export { type AxisSlice, rechunk } from './structure.js';
export { concatenate } from './concatenate.js';
export { mapBlocks, fusedTask, kernelTarget, type MapBlocksOptions } from './mapblocks.js';
export { ArrayKernel, type ArrayKernelName } from './kernel_names.js';
export {
  fromNpy,
  fromNpyDir,
  fromNpyStack,
  toNpy,
  toNpyDir,
  fromArrow,
  toArrow,
  type NpyDataset,
  type NpyXDataset,
  type NpyYDataset,
  type NpyDirData,
  type ArrowDataset,
  type StoreOptions,
  type ArrowStoreOptions,
} from './formats.js';
export {
  random,
  makeClassification,
  makeRegression,
  makeBlobs,
  fromArray,
  type RandomOptions,
  type MakeClassificationOptions,
  type MakeRegressionOptions,
  type MakeBlobsOptions,
} from './random.js';
export { RandomState, checkRandomState, type RandomSeed, type RandomStateTuple, type ChoiceOptions } from './random_state.js';
export {
  sklearnMakeClassification,
  sklearnMakeRegression,
  sklearnMakeBlobs,
  sampleWithoutReplacement,
  type SklearnRandomState,
  type SklearnMakeClassificationOptions,
  type SklearnMakeRegressionOptions,
  type SklearnMakeBlobsOptions,
} from './sklearn_datasets.js';
export { materialize, streamOf, tileRows, rowOrigin, TILE_BYTES, type RowStream } from './kernels/stream.js';
export { registerReader, type Reader, type ReaderContext, type ReaderOptions } from './kernels/stream.js';
export { setExprBackend, tileOrder, type ExprBackend, type MemoryTarget } from './kernels/wasm_expr.js';
export { type WasmMemory, type WasmApi } from './kernels/wasm_module.js';
export { isInlineSpec, type SourceSpec, type ExprSpec, type ExprNode, type InputKind } from './kernels/spec.js';
