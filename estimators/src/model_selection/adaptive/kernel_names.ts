/**
 * Names of the adaptive searches' worker kernels, as typed constants (see ooc/kernel_names.ts):
 * graph builders refer to `SearchKernel.partialFit`, never to a string. kernels.ts registers its
 * table under exactly these names (checked by its type).
 */
export const SearchKernel = {
  /** One partialFit call of one model of a search on one training block (skipped on an empty block, as dask-ml does). */
  partialFit: 'search.partialFit',
  /** A model's score on the held-out set. */
  score: 'search.score',
} as const;

/** The name of one of the adaptive searches' kernels. */
export type SearchKernelName = (typeof SearchKernel)[keyof typeof SearchKernel];
