/**
 * Names of the model-selection worker kernels (`ms.*`), as typed constants: the graph builders in
 * this folder refer to `MsKernel.fitScore`, never to a string. kernels.ts registers its table
 * under exactly these names (checked by its type).
 */
export const MsKernel = {
  /** Rows of one block on one side of a blockwise train/test split (dask-ml's `_generate_idx` + slice). */
  splitBlock: 'ms.splitBlock',
  /** Rows gathered from every block of an array by global index (a split with `blockwise: false`). */
  gatherRows: 'ms.gatherRows',
  /** Fits a pipeline's prefix steps on a fold's train rows; returns the transformed train and test rows. */
  fitPrefix: 'ms.fitPrefix',
  /** Fits one candidate on one fold and scores it (the final step of a pipeline, or the whole estimator). */
  fitScore: 'ms.fitScore',
  /** Picks the best candidate from the fits' scores and fits it on every row (the refit, on a worker). */
  refit: 'ms.refit',
} as const;

/** The name of one of the model-selection kernels. */
export type MsKernelName = (typeof MsKernel)[keyof typeof MsKernel];
