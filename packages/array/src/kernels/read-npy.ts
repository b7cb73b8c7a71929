/** The `npy` source reader: rows of a list of .npy files (one file, or a dataset's chunk files). */
import { FormatError, readNpyRegion, type NpyHeader, describeFsError } from '@tessera/io';
import type { TypedArray } from '../dense.js';
import type { ReaderContext } from './stream.js';

/** One file of an npy source: its global first row, row count, data offset and row length. */
export interface NpyFilePart {
  readonly path: string;
  /** Index of the file in its dataset (for messages: "block 7"). */
  readonly index: number;
  readonly start: number;
  readonly rows: number;
  readonly dataOffset: number;
  /** Elements per row (1 for 1-D files). */
  readonly cols: number;
  /** The file's shape, for messages. */
  readonly shape: readonly number[];
}

export interface NpyParams {
  readonly dtype: NpyHeader['dtype'];
  readonly files: readonly NpyFilePart[];
}

export function readNpySource(p: NpyParams, r0: number, r1: number, c0: number, c1: number, out: TypedArray, outOffset: number, ctx: ReaderContext): void {
  const width = c1 - c0;
  for (const f of p.files) {
    const lo = Math.max(r0, f.start);
    const hi = Math.min(r1, f.start + f.rows);
    if (hi <= lo) continue;
    let fd: number;
    try {
      fd = ctx.fd(f.path);
    } catch (error) {
      throw new FormatError({ file: f.path, block: f.index }, describeFsError(error), { cause: error });
    }
    const header: NpyHeader = { dtype: p.dtype, descr: '', shape: f.shape, dataOffset: f.dataOffset, dataBytes: 0 };
    readNpyRegion(fd, f.path, header, lo - f.start, hi - f.start, c0, c1, out, outOffset + (lo - r0) * width, f.index);
  }
}
