/**
 * Names of `@tessera/array`'s worker kernels, as typed constants (tfjs-core's `kernel_names.ts`):
 * graph builders refer to `K.reducePartial`, never to a string, so a misspelt kernel is a compile
 * error rather than an "unknown kernel" on a worker. kernels.ts registers its table under exactly
 * these names (checked by its type).
 */
export const ArrayKernel = {
  /** A block of a file source (npy, Arrow), read straight into shared memory. */
  read: 'array.read',
  /** A block of a generated source (random arrays, synthetic datasets). */
  generate: 'array.generate',
  /** A fused elementwise expression, evaluated tile by tile into one output block. */
  elementwise: 'array.elementwise',
  /** A block passed through unchanged (aligned slices, concatenation). */
  identity: 'array.identity',
  /** One block from pieces of others (rechunk, slicing, concatenation). */
  assemble: 'array.assemble',
  reducePartial: 'array.reducePartial',
  reduceCombine: 'array.reduceCombine',
  reduceFinal: 'array.reduceFinal',
  dot: 'array.dot',
  /** Calls a consumer kernel after evaluating its inline (fused) block arguments. */
  apply: 'array.apply',
  writeNpy: 'array.writeNpy',
  /** An X chunk of a dataset directory written, then its column statistics (the manifest's block_stats). */
  writeNpyStats: 'array.writeNpyStats',
  writeArrow: 'array.writeArrow',
} as const;

/** The name of one of `@tessera/array`'s kernels. */
export type ArrayKernelName = (typeof ArrayKernel)[keyof typeof ArrayKernel];
