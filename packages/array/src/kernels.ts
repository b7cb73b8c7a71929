/**
 * The kernel table of `@tessera/array` (registered by index.ts; imported by worker threads the
 * first time they meet one of these names). The graph-building side lives in the op modules;
 * the code that runs on workers lives under kernels/.
 */
import { assemble, apply, dot } from './kernels/misc.js';
import { reduceCombine, reduceFinal, reducePartial } from './kernels/reduce.js';
import { materialize, registerReader } from './kernels/stream.js';
import { readNpySource } from './kernels/read_npy.js';
import { readArrowSource } from './kernels/read_arrow.js';
import {
  readBlobsX,
  readBlobsY,
  readClassificationX,
  readClassificationY,
  readMemory,
  readRandom,
  readRegressionY,
} from './kernels/generate.js';
import { writeArrowRows, writeNpyRows, writeNpyRowsWithStats } from './kernels/write.js';
import { ArrayKernel, type ArrayKernelName } from './kernel_names.js';

registerReader('npy', readNpySource);
registerReader('arrow', readArrowSource);
registerReader('random', readRandom);
registerReader('classification-X', readClassificationX);
registerReader('classification-y', readClassificationY);
registerReader('regression-y', readRegressionY);
registerReader('blobs-X', readBlobsX);
registerReader('blobs-y', readBlobsY);
registerReader('memory', readMemory);

/** The table, keyed by {@link ArrayKernel}'s names (a name without a kernel is a type error). */
export const kernels = {
  [ArrayKernel.read]: materialize,
  [ArrayKernel.generate]: materialize,
  [ArrayKernel.elementwise]: materialize,
  [ArrayKernel.identity]: { fn: <T>(b: T) => b, cheap: true },
  [ArrayKernel.assemble]: assemble,
  [ArrayKernel.reducePartial]: reducePartial,
  [ArrayKernel.reduceCombine]: { fn: reduceCombine, cheap: true },
  [ArrayKernel.reduceFinal]: { fn: reduceFinal, cheap: true },
  [ArrayKernel.dot]: dot,
  [ArrayKernel.apply]: apply,
  [ArrayKernel.writeNpy]: writeNpyRows,
  [ArrayKernel.writeNpyStats]: writeNpyRowsWithStats,
  [ArrayKernel.writeArrow]: writeArrowRows,
} satisfies Record<ArrayKernelName, unknown>;
