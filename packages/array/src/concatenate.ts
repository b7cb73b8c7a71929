/**
 * Concatenation: arrays joined along an axis, their dtypes promoted as in elementwise ops. Apart
 * from structure.ts (slicing, rechunking) because it needs both it and the elementwise module,
 * which itself rechunks: keeping it here keeps the two free of a cycle.
 */
import { ArrayKernel } from './kernel_names.js';
import type { DType } from './dense.js';
import { ChunkError, fmtShape } from './errors.js';
import { isExprSpec, isSourceSpec } from './kernels/spec.js';
import { astype, promote } from './elementwise.js';
import { NDArray, addTask } from './ndarray.js';
import { rechunk } from './structure.js';
import { tokenize } from './tokenize.js';

/**
 * Joins arrays along an axis. Other axes must agree in size (their chunks follow the first
 * array); dtypes promote as in elementwise ops.
 *
 * @example
 * concatenate([A, B], 0) // rows of A then rows of B
 */
export function concatenate(arrays: readonly NDArray[], axis = 0): NDArray {
  if (arrays.length === 0) throw new RangeError('concatenate: needs at least one array.');
  const promoteTo = promote(arrays.map((a) => a.dtype));
  arrays = arrays.map((a) => astype(a, promoteTo));
  const first = arrays[0]!;
  const nd = first.ndim;
  const ax = axis < 0 ? nd + axis : axis;
  if (!Number.isInteger(ax) || ax < 0 || ax >= nd)
    throw new RangeError(`concatenate: axis ${axis} is out of range for arrays of ${nd} axes.`);
  arrays.forEach((a, i) => {
    if (a.ndim !== nd || a.shape.some((s, d) => d !== ax && s !== first.shape[d])) {
      throw new RangeError(
        `concatenate: array ${i} has shape ${fmtShape(a.shape)}; all arrays must match ${fmtShape(first.shape)} except along axis ${ax}.`,
      );
    }
  });
  const dtype = promoteTo;
  const parts = arrays.map((a) =>
    rechunk(
      a,
      a.chunks.map((c, d) => (d === ax ? c : first.chunks[d]!)),
    ),
  );
  const chunks = first.chunks.map((c, d) => (d === ax ? parts.flatMap((p) => p.chunks[ax]!) : c));
  if (chunks[ax]!.length > 1) (chunks as number[][])[ax] = chunks[ax]!.filter((s) => s > 0);
  const shape = first.shape.map((s, d) => (d === ax ? arrays.reduce((t, a) => t + a.shape[ax]!, 0) : s));
  if (chunks[ax]!.length === 0) (chunks as number[][])[ax] = [0];
  const name = `concatenate-${tokenize(
    'concatenate',
    parts.map((p) => p.name),
    ax,
  )}`;
  // Which (array, block) each output block along the axis comes from.
  const from: [number, number][] = [];
  parts.forEach((p, i) => p.chunks[ax]!.forEach((s, b) => (s > 0 || p.chunks[ax]!.length === 1) && from.push([i, b])));
  if (from.length !== chunks[ax]!.length) throw new ChunkError('concatenate: internal error lining up blocks.');
  return new NDArray({
    shape,
    dtype: dtype as DType,
    chunks,
    name,
    layer: {
      kind: 'tasks',
      deps: parts,
      build: (g, self) => {
        for (const idx of self.blockIndices()) {
          const [i, b] = from[idx[ax]!]!;
          const src = idx.map((v, d) => (d === ax ? b : v));
          const arg = parts[i]!.blockArg(...src);
          const kernel = isSourceSpec(arg) ? ArrayKernel.read : isExprSpec(arg) ? ArrayKernel.elementwise : ArrayKernel.identity;
          addTask(g, self.blockKey(...idx), kernel, [arg]);
        }
      },
    },
  });
}
