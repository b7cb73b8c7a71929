/**
 * @tessera/io — file-format codecs with no graph: the .npy format, the npy-chunks-v1 dataset
 * manifest, Arrow IPC files, and atomic output helpers. `@tessera/array` builds graph sources and
 * sinks on top of these; users normally import `fromNpyDir`, `toNpyDir`… from there.
 *
 * @module @tessera/io
 */
export { FormatError, DatasetError, type FormatErrorLocation } from './errors.js';
export {
  type NumericDType,
  type NumericArray,
  type NumericArrayMap,
  ARRAY_TYPES,
  bytesPerElement,
  isNumericDType,
  sharedArray,
  dtypeOfArray,
} from './dtypes.js';
export {
  type StoredType,
  type InexactHandler,
  STORED_BYTES,
  STORED_NAMES,
  READS_AS,
  MAX_EXACT,
  isNative,
  convertElements,
  swapBytes,
  scratchBytes,
} from './convert.js';
export {
  type NpyHeader,
  type NpyStorage,
  npyStorage,
  NPY_PREFIX_BYTES,
  parseNpyHeader,
  formatNpyHeader,
  readNpyHeader,
  readNpyHeaderSync,
  inspectNpySync,
  readNpyRegion,
  readNpySync,
  writeNpySync,
  readFully,
  writeFully,
  describeFsError,
  npyDescr,
} from './npy.js';
export {
  type Manifest,
  type BlockStatsEntry,
  MANIFEST_FORMAT,
  MANIFEST_FILE,
  chunkFileName,
  makeManifest,
  parseManifest,
} from './manifest.js';
export {
  type NumberedFile,
  type NpyStackInfo,
  isHiddenName,
  orderNumbered,
  checkSequence,
  datasetFiles,
  stackFiles,
  parseNpyStackInfo,
} from './dataset.js';
export { type PickleValue, type PickledCall, readPickle } from './pickle.js';
export {
  type ArrowStored,
  type ArrowReadColumn,
  type ArrowColumn,
  type ArrowBuffers,
  type ArrowBatch,
  type ArrowFileInfo,
  type ArrowField,
  type ArrowBatchLayout,
  readArrowFileInfo,
  readArrowRegion,
  openForRead,
  arrowFileHeader,
  arrowBatchLayout,
  arrowFileFooter,
  writeArrowBatch,
} from './arrow.js';
export {
  type Overwrite,
  type OutputKind,
  type OutputProblem,
  type OutputOptions,
  type OutputTransaction,
  OutputError,
  ARROW_FILE,
  NPY_DATASET,
  NPY_FILE,
  beginOutput,
  checkOutput,
  discard,
  discardActiveTemporariesSync,
  exists,
  fileKind,
  listedDirectoryKind,
  temporarySibling,
  writeFileAtomic,
} from './atomic.js';
