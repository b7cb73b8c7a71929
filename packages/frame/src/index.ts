/**
 * @tessera/frame — lazy tables (the part of dask.dataframe a machine-learning workflow needs):
 * CSV, Parquet and Arrow files read block by block on every core into `@tessera/array` arrays.
 *
 * @module @tessera/frame
 */
import { registerKernels, registerWorkerModule } from '@tessera/scheduler';
import { kernels } from './kernels.js';

registerKernels(new URL('./kernels.js', import.meta.url), kernels);
// Frames' arrays are source arrays whose reads run inside other packages' kernels (a reduction,
// a fused expression): every thread imports the module that registers the readers first.
registerWorkerModule(new URL('./kernels.js', import.meta.url));

export { Frame, type Table, type ToArrayOptions, type FrameWriteOptions, type ParquetWriteOptions } from './frame.js';
export { readCsv, DEFAULT_NA_VALUES, type ReadCsvOptions } from './csv.js';
export { readParquet, type ReadParquetOptions } from './parquet.js';
export { readArrow } from './arrow.js';
export { FRAME_LISTING, type Codec, type WriteResult } from './write.js';
export { FrameKernel, type FrameKernelName } from './kernel_names.js';
export { type ColumnInfo, type ColumnTypeSpec, type LogicalType, type TimeUnit } from './types.js';
