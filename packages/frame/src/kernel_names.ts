/**
 * The names of @tessera/frame's kernels (a misspelt name is a compile error, not a failed run).
 * The functions live in kernels.ts, which workers import the first time they meet one.
 */
export const FrameKernel = {
  /** The record boundaries of a CSV byte range, under both quote hypotheses. */
  csvScan: 'frame.csvScan',
  /** The distinct strings of category columns in one CSV block. */
  csvCategories: 'frame.csvCategories',
  /** The distinct strings of category columns in one Parquet row group. */
  parquetCategories: 'frame.parquetCategories',
  /** 1-D column blocks interleaved into one row-major 2-D block. */
  stack: 'frame.stack',
  /** One block of a frame written as a Parquet file. */
  writeParquet: 'frame.writeParquet',
  /** One block of a frame written as a CSV file. */
  writeCsv: 'frame.writeCsv',
} as const;

export type FrameKernelName = (typeof FrameKernel)[keyof typeof FrameKernel];
