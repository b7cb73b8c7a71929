/** Sink kernels: write one row block into an .npy file or an Arrow file, at its offset. */
import { closeSync, openSync } from 'node:fs';
import { ARRAY_TYPES, writeArrowBatch, writeFully, type ArrowField } from '@tessera/io';
import type { DType, TypedArray } from '../dense.js';
import { materialize, streamOf, tileRows, type RowStream } from './stream.js';

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
