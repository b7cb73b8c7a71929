/**
 * The kernel table of `@tessera/frame` (registered by index.ts; imported by a worker the first
 * time it meets one of these names). Graph building lives in csv.ts, parquet.ts, arrow.ts and
 * write.ts; the work on the workers under kernels/.
 */
import { allocate, materialize, registerReader, type Block } from '@tessera/array';
import type { FrameKernelName } from './kernel_names.js';
import { csvCategories, readCsvRows, scanRange } from './kernels/csv.js';
import { parquetCategories, readParquetRows } from './kernels/parquet.js';
import { writeCsvBlock, writeParquetBlock } from './kernels/write.js';

// The readers' counters (what the streaming tests check), from the module instance the kernels use.
export { csvBufferBytes } from './kernels/csv.js';
export { parquetChunkReads } from './kernels/parquet.js';

// The source readers of frames' arrays (frame.ts `sourceArray`): registered on every thread that
// imports this module — index.ts makes every worker import it before its first task.
registerReader('frame-csv', readCsvRows);
// Parquet stores columns apart: column reductions read a block column by column (no rows assembled).
registerReader('frame-parquet', readParquetRows, { columnar: true });

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
  'frame.csvScan': scanRange,
  'frame.csvCategories': csvCategories,
  'frame.parquetCategories': parquetCategories,
  'frame.stack': stackColumns,
  'frame.writeParquet': writeParquetBlock,
  'frame.writeCsv': writeCsvBlock,
};
