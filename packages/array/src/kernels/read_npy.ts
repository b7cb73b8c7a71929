/**
 * The `npy` source reader: rows of a list of .npy files (one file, or a dataset's chunk files),
 * each converted from the type its file stores (`descr`) to the block's dtype here, in the worker,
 * a piece at a time (int64 checked to be exact: an error names the file, row and column).
 */
import { FormatError, readNpyRegion, type NpyHeader, describeFsError } from '@tessera/io';
import type { TypedArray } from '../dense.js';
import type { ReaderContext } from './stream.js';

/** One file of an npy source: its global first row, row count, data offset and row length. */
export interface NpyFilePart {
  readonly path: string;
  /** Index of the file in its dataset (for messages: "block 7"); undefined for a lone file. */
  readonly index: number | undefined;
  readonly start: number;
  readonly rows: number;
  readonly dataOffset: number;
  /** Elements per row (1 for 1-D files). */
  readonly cols: number;
  /** The file's shape, for messages. */
  readonly shape: readonly number[];
  /** The file's `descr` (`'<f8'`, `'<i8'`, `'>f4'`…): how its elements are stored. */
  readonly descr: string;
}

export interface NpyParams {
  readonly dtype: NpyHeader['dtype'];
  readonly files: readonly NpyFilePart[];
}

export function readNpySource(
  p: NpyParams,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
): void {
  const width = c1 - c0;
  for (const f of p.files) {
    const lo = Math.max(r0, f.start);
    const hi = Math.min(r1, f.start + f.rows);
    if (hi <= lo) continue;
    let fd: number;
    try {
      fd = ctx.fd(f.path);
    } catch (error) {
      throw new FormatError(f.index === undefined ? { file: f.path } : { file: f.path, block: f.index }, describeFsError(error), {
        cause: error,
      });
    }
    const header: NpyHeader = { dtype: p.dtype, descr: f.descr, shape: f.shape, dataOffset: f.dataOffset, dataBytes: 0 };
    readNpyRegion(fd, f.path, header, lo - f.start, hi - f.start, c0, c1, out, outOffset + (lo - r0) * width, f.index);
  }
}
