/**
 * The kernel table of `@tessera/frame` (registered by index.ts; imported by a worker the first
 * time it meets one of these names). Graph building lives in csv.ts, parquet.ts, arrow.ts and
 * write.ts; the work on the workers under kernels/.
 */
import { allocate, materialize, type Block } from '@tessera/array';
import type { FrameKernelName } from './kernel_names.js';
import type { ReadSpec } from './frame.js';
import { csvCategories, readCsvRows, scanRange, type CsvParams } from './kernels/csv.js';
import { parquetCategories, readParquetRows, type ParquetParams } from './kernels/parquet.js';
import { writeCsvBlock, writeParquetBlock } from './kernels/write.js';

/** Reads a block of a frame's array (`frame.read`): the rows and columns of `spec`, in its dtype. */
export function readBlock(spec: ReadSpec): Block {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const out = allocate(spec.dtype, n);
  const width = spec.shape.length === 2 ? spec.shape[1]! : 1;
  if (n > 0) {
    if (spec.reader === 'csv') readCsvRows(spec.p as CsvParams, spec.r0, spec.r1, 0, width, out, 0);
    else readParquetRows(spec.p as ParquetParams, spec.r0, spec.r1, 0, width, out, 0);
  }
  return { dtype: spec.dtype, shape: spec.shape, data: out };
}

/** Interleaves 1-D blocks (or inline specs) of equal length into one row-major block (`frame.stack`). */
export function stackColumns(parts: readonly unknown[], dtype: Block['dtype']): Block {
  const blocks = parts.map((p) => materialize(p));
  const rows = blocks[0]?.shape[0] ?? 0;
  const k = blocks.length;
  const out = allocate(dtype, rows * k);
  blocks.forEach((b, j) => {
    const d = b.data;
    for (let i = 0; i < rows; i++) out[i * k + j] = d[i]!;
  });
  return { dtype, shape: [rows, k], data: out };
}

export const kernels: Readonly<Record<FrameKernelName, (...args: any[]) => unknown>> = {
  'frame.read': readBlock,
  'frame.csvScan': scanRange,
  'frame.csvCategories': csvCategories,
  'frame.parquetCategories': parquetCategories,
  'frame.stack': stackColumns,
  'frame.writeParquet': writeParquetBlock,
  'frame.writeCsv': writeCsvBlock,
};
