/**
 * The `arrow` source reader: rows of chosen columns of an Arrow IPC file's record batches, each
 * converted from its stored type to the block's dtype here, in the worker, a piece at a time.
 */
import { FormatError, readArrowRegion, describeFsError, type ArrowBatch, type ArrowReadColumn } from '@tessera/io';
import type { TypedArray } from '../dense.js';
import type { ReaderContext } from './stream.js';

export interface ArrowParams {
  readonly path: string;
  /** The columns of this array (X: several; y: one), in output order, with how each is stored. */
  readonly columns: readonly ArrowReadColumn[];
  /** The batches overlapping the blocks that use these params, with their global first row. */
  readonly batches: readonly { index: number; start: number; batch: ArrowBatch }[];
}

export function readArrowSource(
  p: ArrowParams,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
): void {
  let fd: number;
  try {
    fd = ctx.fd(p.path);
  } catch (error) {
    throw new FormatError({ file: p.path }, describeFsError(error), { cause: error });
  }
  const w = c1 - c0;
  const cols = p.columns.slice(c0, c1);
  for (const b of p.batches) {
    const lo = Math.max(r0, b.start);
    const hi = Math.min(r1, b.start + b.batch.rows);
    if (hi <= lo) continue;
    readArrowRegion(fd, p.path, b.index, b.batch, cols, lo - b.start, hi - b.start, out, outOffset + (lo - r0) * w, w, 0);
  }
}
