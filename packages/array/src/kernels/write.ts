/** Sink kernels: write one row block into an .npy file or an Arrow file, at its offset. */
import { closeSync, openSync, statSync } from 'node:fs';
import { ARRAY_TYPES, writeArrowBatch, writeFully, type ArrowField } from '@tessera/io';
import type { DType, TypedArray } from '../dense.js';
import { materialize, streamOf, tileRows, type RowStream } from './stream.js';
import { reducePartial } from './reduce.js';
import { exprBackend } from './wasm_expr.js';
import { encodePartial } from '../block_stats.js';
import type { NpyFilePart } from './read_npy.js';

/**
 * Writes the rows of one row block — given as its column blocks, each a Block or inline spec — at
 * byte `offset` of the .npy file `path` (whose header is already written). Inline inputs stream
 * tile by tile, so `(X - m) / s` is written without ever holding the whole block.
 */
export function writeNpyRows(path: string, offset: number, dtype: DType, parts: readonly unknown[]): number {
  const streams: RowStream[] = parts.map((p) => streamOf(p));
  const fd = openSync(path, 'r+');
  try {
    const rows = streams[0]!.rows;
    const width = streams.reduce((a, s) => a + s.cols, 0);
    const C = ARRAY_TYPES[dtype];
    const item = C.BYTES_PER_ELEMENT;
    const t = tileRows({ cols: width });
    const staging: TypedArray = new C(Math.min(rows, t) * width);
    let pos = offset;
    for (let a = 0; a < rows; a += t) {
      const b = Math.min(rows, a + t);
      let tile: TypedArray;
      if (streams.length === 1 && streams[0]!.dtype === dtype) tile = streams[0]!.read(a, b);
      else {
        tile = staging.subarray(0, (b - a) * width);
        let col = 0;
        for (const s of streams) {
          const part = s.read(a, b);
          for (let r = 0; r < b - a; r++) for (let c = 0; c < s.cols; c++) tile[r * width + col + c] = part[r * s.cols + c]!;
          col += s.cols;
        }
      }
      const bytes = new Uint8Array(tile.buffer, tile.byteOffset, (b - a) * width * item);
      writeFully(fd, bytes, pos);
      pos += bytes.length;
    }
    return rows;
  } finally {
    closeSync(fd);
    for (const s of streams) s.close();
  }
}

const DESCR: Record<DType, string> = { float64: '<f8', float32: '<f4', int32: '<i4', uint8: '|u1' };

/** What {@link writeNpyRowsWithStats} returns: the block's partials and its file's stamps. */
export interface WrittenBlockStats {
  readonly rows: number;
  readonly size: number;
  readonly mtimeMs: number;
  readonly backend: string;
  readonly moments: Record<string, string>;
  readonly min: Record<string, string>;
  readonly max: Record<string, string>;
}

/**
 * {@link writeNpyRows} of a whole 2-D X chunk (header of `dataOffset` bytes, `cols` columns), then
 * its column moments, minima and maxima (the manifest's `block_stats`). The partials are computed
 * by reading the file just written (from the page cache) through the same reader and kernel a
 * later reduction over the dataset uses, so they are that reduction's partials bit for bit.
 */
export function writeNpyRowsWithStats(
  path: string,
  dataOffset: number,
  dtype: DType,
  parts: readonly unknown[],
  cols: number,
): WrittenBlockStats {
  const rows = writeNpyRows(path, dataOffset, dtype, parts);
  const file: NpyFilePart = { path, index: undefined, start: 0, rows, dataOffset, cols, shape: [rows, cols], descr: DESCR[dtype] };
  const spec = { $src: 'npy', p: { dtype, files: [file] }, r0: 0, r1: rows, c0: 0, c1: cols, dtype, shape: [rows, cols] };
  const of = (kind: 'moments' | 'min' | 'max') => encodePartial(reducePartial(spec, { kind, axis: 0, nan: false }));
  const moments = of('moments');
  const min = of('min');
  const max = of('max');
  const st = statSync(path);
  return { rows, size: st.size, mtimeMs: st.mtimeMs, backend: exprBackend(), moments, min, max };
}

/** Writes one record batch (X's column blocks, then y) at `offset` of the Arrow file `path`. */
export async function writeArrowRows(
  path: string,
  offset: number,
  fields: readonly ArrowField[],
  expectedSize: number,
  parts: readonly unknown[],
): Promise<{ offset: number; metaLength: number; bodyLength: number }> {
  const blocks = parts.map((p) => materialize(p));
  const rows = blocks[0]!.shape.length === 0 ? 1 : blocks[0]!.shape[0]!;
  const fd = openSync(path, 'r+');
  try {
    return await writeArrowBatch(
      fd,
      path,
      offset,
      fields,
      rows,
      blocks.map((b) => ({ data: b.data, cols: b.shape.length >= 2 ? b.shape[1]! : 1 })),
      expectedSize,
    );
  } finally {
    closeSync(fd);
  }
}
