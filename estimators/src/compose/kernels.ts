/**
 * The ColumnTransformer's worker kernels: picking columns out of a row block, and joining the
 * parts' outputs side by side into one row block. The parts arrive as the scheduler delivers block
 * arguments — a scaler's expression is evaluated inside the joining task, so the scaled part is
 * never a task result of its own.
 */
import { allocate, materialize, streamOf, tileRows, type Block } from '@tessera/array';
import { noteDeadBytes } from '@tessera/scheduler';

/** Names of this module's kernels. */
export const ComposeKernel = {
  /** Columns `indices` of a row block (streamed tile by tile), as float64. */
  selectColumns: 'est.selectColumns',
  /** Row blocks side by side: `widths[k]` columns from block k. */
  hstack: 'est.hstack',
} as const;

/** Columns `indices` (in that order, repeats allowed) of the block `X`, float64. */
export function selectColumnsKernel(X: unknown, indices: readonly number[]): Block {
  const s = streamOf(X);
  try {
    const { rows, cols } = s;
    const k = indices.length;
    const out = allocate('float64', rows * k);
    const tile = tileRows(s);
    for (let a = 0; a < rows; a += tile) {
      const b = Math.min(rows, a + tile);
      const v = s.read(a, b);
      for (let i = 0; i < b - a; i++) for (let c = 0; c < k; c++) out[(a + i) * k + c] = v[i * cols + indices[c]!]!;
    }
    // The tiles read here (the whole block's worth) are garbage now.
    noteDeadBytes(rows * cols * 8);
    return { dtype: 'float64', shape: [rows, k], data: out };
  } finally {
    s.close();
  }
}

/** The blocks side by side (each `[rows, widths[k]]`), float64. The last argument is `widths`. */
export function hstackKernel(...args: unknown[]): Block {
  const widths = args[args.length - 1] as readonly number[];
  const blocks = args.slice(0, -1).map((a) => materialize(a));
  const rows = blocks[0]!.shape[0]!;
  const total = widths.reduce((x, y) => x + y, 0);
  const out = allocate('float64', rows * total);
  let at = 0;
  blocks.forEach((b, k) => {
    const w = widths[k]!;
    if (b.shape[0] !== rows || (b.shape.length === 2 ? b.shape[1] : 1) !== w) {
      throw new RangeError(`ColumnTransformer: part ${k} gave a block of shape [${b.shape.join(', ')}]; [${rows}, ${w}] was declared.`);
    }
    const d = b.data;
    for (let i = 0; i < rows; i++) for (let c = 0; c < w; c++) out[i * total + at + c] = d[i * w + c]!;
    at += w;
  });
  return { dtype: 'float64', shape: [rows, total], data: out };
}

/** The kernel table, registered by the package's index. */
export const kernels = {
  [ComposeKernel.selectColumns]: selectColumnsKernel,
  [ComposeKernel.hstack]: hstackKernel,
};
