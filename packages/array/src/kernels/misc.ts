/** Structural kernels (assemble pieces of blocks), `dot` with an in-memory matrix, and `apply`. */
import { allocate, sizeOf, type Block, type DType } from '../dense.js';
import { materialize, materializeArgs, streamOf, tileRows } from './stream.js';

/** A rectangular piece of an input block placed in the output block. */
export interface Piece {
  readonly block: unknown;
  /** Row range inside the input block. */
  readonly r: readonly [number, number];
  /** Column range inside the input block (absent for 1-D). */
  readonly c?: readonly [number, number];
  /** Where the piece goes in the output: [row, col]. */
  readonly at: readonly [number, number];
}

/**
 * Builds one output block from pieces of input blocks (rechunk, slicing, concatenation). A single
 * piece that is a whole input block is returned as is, without a copy.
 */
export function assemble(pieces: readonly Piece[], dtype: DType, shape: readonly number[]): Block {
  const outCols = shape.length >= 2 ? shape[1]! : 1;
  if (pieces.length === 1) {
    const b = materialize(pieces[0]!.block);
    const p = pieces[0]!;
    const bCols = b.shape.length >= 2 ? b.shape[1]! : 1;
    const bRows = b.shape.length === 0 ? 1 : b.shape[0]!;
    if (
      b.dtype === dtype &&
      p.r[0] === 0 &&
      p.r[1] === bRows &&
      (!p.c || (p.c[0] === 0 && p.c[1] === bCols)) &&
      sizeOf(b.shape) === sizeOf(shape)
    ) {
      return b.shape.length === shape.length && b.shape.every((s, i) => s === shape[i]) ? b : { dtype, shape, data: b.data };
    }
  }
  const data = allocate(dtype, sizeOf(shape));
  for (const p of pieces) {
    const b = materialize(p.block);
    const bCols = b.shape.length >= 2 ? b.shape[1]! : 1;
    const [c0, c1] = p.c ?? [0, bCols];
    const w = c1 - c0;
    for (let r = p.r[0]; r < p.r[1]; r++) {
      const src = r * bCols + c0;
      const dst = (p.at[0] + r - p.r[0]) * outCols + p.at[1];
      if (w === 1) data[dst] = b.data[src]!;
      else data.set(b.data.subarray(src, src + w) as never, dst);
    }
  }
  return { dtype, shape, data };
}

/** `X @ w` for one row block: `w` is `[C]` (result `[rows]`) or `[C, K]` (result `[rows, K]`). */
export function dot(arg: unknown, w: Block, dtype: DType): Block {
  const s = streamOf(arg);
  try {
    const rows = s.rows;
    const cols = s.cols;
    const K = w.shape.length === 2 ? w.shape[1]! : 1;
    const out = allocate(dtype, rows * K);
    const W = w.data;
    const t = tileRows(s);
    for (let a = 0; a < rows; a += t) {
      const b = Math.min(rows, a + t);
      const x = s.read(a, b);
      if (K === 1) {
        for (let r = 0; r < b - a; r++) {
          let acc = 0;
          const base = r * cols;
          for (let c = 0; c < cols; c++) acc += x[base + c]! * W[c]!;
          out[a + r] = acc;
        }
      } else {
        for (let r = 0; r < b - a; r++) {
          const base = r * cols;
          const o = (a + r) * K;
          for (let k = 0; k < K; k++) {
            let acc = 0;
            for (let c = 0; c < cols; c++) acc += x[base + c]! * W[c * K + k]!;
            out[o + k] = acc;
          }
        }
      }
    }
    return { dtype, shape: K === 1 && w.shape.length === 1 ? [rows] : [rows, K], data: out };
  } finally {
    s.close();
  }
}

/** Where a worker finds a kernel: resolved on the main thread (`resolveKernel`). */
export interface KernelTarget {
  readonly module: string;
  readonly via: 'table' | 'export';
  readonly lookup: string;
  readonly name: string;
}

const targets = new Map<string, Promise<(...args: unknown[]) => unknown>>();

async function loadTarget(t: KernelTarget): Promise<(...args: unknown[]) => unknown> {
  const id = `${t.via}:${t.module}#${t.lookup}`;
  let p = targets.get(id);
  if (!p) {
    p = import(t.module).then((mod: Record<string, unknown>) => {
      const entry = t.via === 'table' ? (mod['kernels'] as Record<string, unknown> | undefined)?.[t.lookup] : mod[t.lookup];
      const fn = typeof entry === 'function' ? entry : (entry as { fn?: unknown } | undefined)?.fn;
      if (typeof fn !== 'function') throw new TypeError(`Kernel '${t.name}' is not a function exported by ${t.module}.`);
      return fn as (...args: unknown[]) => unknown;
    });
    p.catch(() => targets.delete(id));
    targets.set(id, p);
  }
  return p;
}

/**
 * Calls `target` with `args` after evaluating the inline block specs among them (reads,
 * generators, fused expressions): how a consumer kernel receives a fused input.
 */
export async function apply(target: KernelTarget, ...args: unknown[]): Promise<unknown> {
  const fn = await loadTarget(target);
  return fn(...materializeArgs(args));
}
