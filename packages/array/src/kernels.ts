/**
 * The kernel table of `@tessera/array` (registered by index.ts; imported by worker threads the
 * first time they meet one of these names). The graph-building side lives in the op modules;
 * the code that runs on workers lives under kernels/.
 */
import { assemble, apply, dot } from './kernels/misc.js';
import { reduceCombine, reduceFinal, reducePartial } from './kernels/reduce.js';
import { materialize, registerReader } from './kernels/stream.js';
import { readNpySource } from './kernels/read-npy.js';
import { readArrowSource } from './kernels/read-arrow.js';
import { readBlobsX, readBlobsY, readClassificationX, readClassificationY, readMemory, readRandom, readRegressionY } from './kernels/generate.js';
import { writeArrowRows, writeNpyRows } from './kernels/write.js';

registerReader('npy', readNpySource);
registerReader('arrow', readArrowSource);
registerReader('random', readRandom);
registerReader('classification-X', readClassificationX);
registerReader('classification-y', readClassificationY);
registerReader('regression-y', readRegressionY);
registerReader('blobs-X', readBlobsX);
registerReader('blobs-y', readBlobsY);
registerReader('memory', readMemory);

export const kernels = {
  /** A block of a file source (npy, Arrow), read straight into shared memory. */
  'array.read': materialize,
  /** A block of a generated source (random arrays, synthetic datasets). */
  'array.generate': materialize,
  /** A fused elementwise expression, evaluated tile by tile into one output block. */
  'array.elementwise': materialize,
  /** A block passed through unchanged (aligned slices, concatenation). */
  'array.identity': { fn: <T>(b: T) => b, cheap: true },
  /** One block from pieces of others (rechunk, slicing, concatenation). */
  'array.assemble': assemble,
  'array.reducePartial': reducePartial,
  'array.reduceCombine': { fn: reduceCombine, cheap: true },
  'array.reduceFinal': { fn: reduceFinal, cheap: true },
  'array.dot': dot,
  /** Calls a consumer kernel after evaluating its inline (fused) block arguments. */
  'array.apply': apply,
  'array.writeNpy': writeNpyRows,
  'array.writeArrow': writeArrowRows,
};
