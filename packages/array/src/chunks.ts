/**
 * One canonical chunk form: for each axis, the tuple of block sizes along it (dask's
 * `normalize_chunks`). Every chunk specification becomes `readonly (readonly number[])[]` here.
 */
import { itemSize, type DType } from './dense.js';
import { ChunkError, fmtShape } from './errors.js';

/** Block sizes along each axis, e.g. `[[500000, 500000, 200000], [20]]`. */
export type Chunks = readonly (readonly number[])[];

/**
 * How to chunk an axis: a block size (`500000`), `-1` or `null` for the whole axis, `'auto'`, or
 * the explicit sizes (`[3, 3, 1]`).
 */
export type AxisChunks = number | null | 'auto' | readonly number[];

/** A chunk specification: one {@link AxisChunks} for every axis, or one for all axes. */
export type ChunksSpec = AxisChunks | readonly AxisChunks[];

/** Default target size of a block chosen by `'auto'` (bytes). */
export const AUTO_BLOCK_BYTES = 128 * 2 ** 20;

/**
 * Normalizes a chunk specification against `shape`.
 *
 * @example
 * normalizeChunks(3, [7])                 // [[3, 3, 1]]
 * normalizeChunks([2, -1], [5, 4])        // [[2, 2, 1], [4]]
 * normalizeChunks([[2, 3], 2], [5, 4])    // [[2, 3], [2, 2]]
 * normalizeChunks('auto', [1e7, 20])      // rows per block so a block is ~128 MiB: [[838860, …], [20]]
 * normalizeChunks([[2, 2]], [5])          // throws ChunkError: "Chunks do not add up to shape…"
 */
export function normalizeChunks(
  spec: ChunksSpec | Chunks,
  shape: readonly number[],
  options: { dtype?: DType; limitBytes?: number } = {},
): Chunks {
  const nd = shape.length;
  let perAxis: readonly AxisChunks[];
  if (Array.isArray(spec) && (nd !== 1 || spec.length === 0 || Array.isArray(spec[0]) || spec.length === 1)) {
    perAxis = spec as readonly AxisChunks[];
    // A 1-D explicit tuple like [3, 3, 1] is per-axis sizes only when it is the single axis' tuple.
    if (nd === 1 && spec.length === 1 && !Array.isArray(spec[0])) perAxis = [spec[0] as AxisChunks];
  } else if (Array.isArray(spec)) {
    // nd === 1 and a flat list of numbers: explicit sizes of the only axis.
    perAxis = [spec as readonly number[]];
  } else {
    perAxis = shape.map(() => spec as AxisChunks);
  }
  if (perAxis.length !== nd) {
    throw new ChunkError(
      `Chunks and shape must have the same number of axes. Got chunks=${JSON.stringify(spec)}, shape=${fmtShape(shape)}.`,
    );
  }
  const itemBytes = options.dtype ? itemSize(options.dtype) : 8;
  const limit = options.limitBytes ?? AUTO_BLOCK_BYTES;
  const out: number[][] = [];
  // 'auto' axes share what the other axes leave of the byte budget; decided after fixed axes.
  const fixedBlockElems = perAxis.reduce<number>((acc, c, a) => {
    if (c === 'auto') return acc;
    if (typeof c === 'number' && c > 0) return acc * Math.min(c, Math.max(1, shape[a]!));
    if (Array.isArray(c)) return acc * Math.max(1, ...(c as number[]));
    return acc * Math.max(1, shape[a]!);
  }, 1);
  const autoAxes = perAxis.filter((c) => c === 'auto').length;
  const autoSize = autoAxes ? Math.max(1, Math.floor(Math.pow(limit / itemBytes / fixedBlockElems, 1 / autoAxes))) : 0;
  for (let a = 0; a < nd; a++) {
    const n = shape[a]!;
    const c = perAxis[a];
    if (Array.isArray(c)) {
      const sizes = c as readonly number[];
      for (const s of sizes) {
        if (!Number.isInteger(s) || s < 0)
          throw new ChunkError(`Chunk sizes must be non-negative integers. Got chunks=${JSON.stringify(spec)} for axis ${a}.`);
      }
      const total = sizes.reduce((x, y) => x + y, 0);
      if (total !== n)
        throw new ChunkError(`Chunks do not add up to shape. Got chunks=${JSON.stringify(sizes)}, shape=${fmtShape(shape)} (axis ${a}).`);
      out.push(n === 0 ? [0] : sizes.filter((s, i) => s > 0 || (i === 0 && sizes.length === 1)));
      continue;
    }
    let size: number;
    if (c === null || c === -1) size = n;
    else if (c === 'auto') size = autoSize;
    else if (typeof c === 'number' && Number.isInteger(c) && c > 0) size = c;
    else
      throw new ChunkError(
        `A chunk size must be a positive integer, -1, null, 'auto' or a list of sizes. Got ${JSON.stringify(c)} for axis ${a}.`,
      );
    out.push(regular(n, size));
  }
  return Object.freeze(out.map((s) => Object.freeze(s)));
}

function regular(n: number, size: number): number[] {
  if (n === 0) return [0];
  const s = Math.max(1, Math.min(size, n));
  const out: number[] = [];
  for (let at = 0; at < n; at += s) out.push(Math.min(s, n - at));
  return out;
}

/** Start offsets of the blocks of one axis plus the total at the end: `[0, 3, 6, 7]` for `[3, 3, 1]`. */
export function offsetsOf(sizes: readonly number[]): number[] {
  const out = [0];
  for (const s of sizes) out.push(out[out.length - 1]! + s);
  return out;
}

/** The shape the chunks describe. */
export function shapeOfChunks(chunks: Chunks): number[] {
  return chunks.map((c) => c.reduce((a, b) => a + b, 0));
}

/** Whether two chunkings are the same. */
export function sameChunks(a: Chunks, b: Chunks): boolean {
  return a.length === b.length && a.every((c, i) => c.length === b[i]!.length && c.every((s, j) => s === b[i]![j]));
}

/** All block indices of a grid in C order. */
export function* blockIndices(numBlocks: readonly number[]): Generator<number[]> {
  const nd = numBlocks.length;
  if (numBlocks.some((n) => n === 0)) return;
  const idx = new Array<number>(nd).fill(0);
  for (;;) {
    yield [...idx];
    let a = nd - 1;
    while (a >= 0) {
      if (++idx[a]! < numBlocks[a]!) break;
      idx[a] = 0;
      a--;
    }
    if (a < 0) return;
  }
}

/** The pieces of `[start, stop)` that fall in each block of `sizes`: `{ block, from, to }` within the block. */
export function overlaps(sizes: readonly number[], start: number, stop: number): { block: number; from: number; to: number; at: number }[] {
  const out: { block: number; from: number; to: number; at: number }[] = [];
  let off = 0;
  for (let b = 0; b < sizes.length; b++) {
    const s = sizes[b]!;
    const lo = Math.max(start, off);
    const hi = Math.min(stop, off + s);
    if (hi > lo || (s === 0 && start === stop && off === start && out.length === 0))
      out.push({ block: b, from: lo - off, to: hi - off, at: lo - start });
    off += s;
  }
  return out;
}
