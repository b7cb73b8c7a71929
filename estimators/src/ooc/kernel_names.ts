/**
 * Names of the out-of-core layer's worker kernels, as typed constants (tfjs-core's
 * `kernel_names.ts`): graph builders refer to `EstKernel.partialFitLink`, never to a string, so a
 * misspelt kernel is a compile error. ooc/kernels.ts registers its table under exactly these names
 * (checked by its type).
 */
export const EstKernel = {
  /** One link of the partialFit chain: `state_i = link(state_{i-1}, X_i, y_i)`. */
  partialFitLink: 'est.partialFitLink',
  /** A block prepared for its link ahead of the chain (BlockPreparer). */
  prepareBlock: 'est.prepareBlock',
  /** `est[method](X)` on one block (predict, transform…), streamed tile by tile. */
  apply: 'est.apply',
  /** Column moments (count, mean, M2) of one block. */
  moments: 'est.moments',
  combineMoments: 'est.combineMoments',
  /** Column extrema of one block. */
  extrema: 'est.extrema',
  combineExtrema: 'est.combineExtrema',
  /** The parts of a score (accuracy, R²) over one block. */
  scoreParts: 'est.scoreParts',
  combineScore: 'est.combineScore',
  /** Per-column counts, sums and (optionally) sorted distinct values with counts of one block (imputer, encoders). */
  valueCounts: 'est.valueCounts',
  combineValueCounts: 'est.combineValueCounts',
} as const;

/** The name of one of the out-of-core layer's kernels. */
export type EstKernelName = (typeof EstKernel)[keyof typeof EstKernel];
