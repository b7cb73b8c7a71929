/**
 * Reductions over axis 0, axis 1 or everything: sum, mean, var, std, min, max, argmin, argmax
 * and their NaN-skipping variants. Each is a partial per block (one pass over the block, tile by
 * tile, fused with the block's read or expression), a tree of combines along the reduced axis,
 * and a final extraction. mean, var and std share their partials and tree — (count, mean, M2)
 * combined with Chan's formula — so computing them together reads the data once.
 */
import { ArrayKernel } from './kernel_names.js';
import { ref } from '@tessera/scheduler';
import type { DType } from './dense.js';
import type { FinalOp, Partial, ReduceKind, ReduceOp } from './kernels/reduce.js';
import { NDArray, addTask } from './ndarray.js';
import { tokenize } from './tokenize.js';
import { blockStatsDir, lookupPartial, partialCacheKey } from './block_stats.js';
import { exprBackend } from './kernels/wasm_expr.js';

/** Axis argument of reductions: 0, 1 (or -1, -2), or null/undefined for all axes. */
export type Axis = number | null | undefined;

/** Options of reductions. */
export interface ReduceOptions {
  /** Delta degrees of freedom of var/std (divisor n - ddof). Default 0, as numpy. */
  ddof?: number;
  /** Partials combined per tree node (default 8). */
  splitEvery?: number;
}

type What = FinalOp['what'];

const KIND: Record<What, ReduceKind> = {
  sum: 'sum',
  mean: 'moments',
  var: 'moments',
  std: 'moments',
  min: 'min',
  max: 'max',
  argmin: 'argmin',
  argmax: 'argmax',
};

function normAxis(x: NDArray, axis: Axis, label: string): 0 | 1 | null {
  if (axis === null || axis === undefined) return null;
  const nd = x.ndim;
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd)
    throw new RangeError(`${label}: axis ${axis} is out of bounds for an array of ${nd} axes.`);
  const a = axis < 0 ? nd + axis : axis;
  if (nd === 1) return null;
  if (nd !== 2)
    throw new RangeError(`${label}: reductions along one axis support 1-D and 2-D arrays; this one has ${nd} axes (use axis null).`);
  return a as 0 | 1;
}

function outDType(what: What, dtype: DType): DType {
  if (what === 'argmin' || what === 'argmax') return 'int32';
  if (what === 'min' || what === 'max') return dtype;
  return dtype === 'float32' ? 'float32' : 'float64';
}

/** The partial of a whole-chunk source block its dataset's manifest records (block_stats), if any. */
function knownPartial(x: NDArray, arg: unknown, op: ReduceOp, backend: string): Partial | null {
  if (x.layer.kind !== 'source' || !x.layer.def.knownPartial) return null;
  const a = arg as { r0: number; r1: number; c0: number; c1: number };
  return x.layer.def.knownPartial(a.r0, a.r1, a.c0, a.c1, op.kind, backend);
}

/** Builds a reduction of `x`. @internal */
export function reduce(x: NDArray, what: What, nan: boolean, axisArg: Axis, options: ReduceOptions = {}): NDArray {
  const label = `${nan ? 'nan' : ''}${what}`;
  const axis = normAxis(x, axisArg, label);
  const ddof = options.ddof ?? 0;
  if (!Number.isFinite(ddof) || ddof < 0)
    throw new RangeError(`The 'ddof' option of ${label} must be a non-negative number. Got ${ddof} instead.`);
  const splitEvery = options.splitEvery ?? 8;
  if (!Number.isInteger(splitEvery) || splitEvery < 2)
    throw new RangeError(`The 'splitEvery' option of ${label} must be an integer >= 2. Got ${splitEvery} instead.`);
  const kind = KIND[what];
  const reducedSize = axis === null ? x.size : x.shape[axis]!;
  if (reducedSize === 0 && kind !== 'sum' && kind !== 'moments') {
    throw new RangeError(`${label}: zero-size array to reduction operation ${what}, which has no identity.`);
  }
  if (axis === null && kind.startsWith('arg') && x.size > 2 ** 31 - 1) {
    throw new RangeError(`${label}: flat indices of an array of ${x.size} elements do not fit int32; reduce along an axis instead.`);
  }
  const nd = x.ndim;
  const shape = axis === null ? [] : [x.shape[1 - axis]!];
  const chunks = axis === null ? [] : [x.chunks[1 - axis]!];
  const dtype = outDType(what, x.dtype);
  // Partials and the combine tree are shared by every reduction of the same kind (mean/var/std).
  const ptok = `${kind}${nan ? '-nan' : ''}-${tokenize('partial', kind, nan, axis, x.name, splitEvery)}`;
  const finalOp = (outShape: number[]): FinalOp => ({ what, ddof, dtype, shape: outShape, label });
  const name = `${label}-${tokenize(label, x.name, axis, ddof, splitEvery)}`;
  const totalCols = nd >= 2 ? x.shape[1]! : 1;
  return new NDArray({
    shape,
    dtype,
    chunks,
    name,
    layer: {
      kind: 'tasks',
      deps: [x],
      build: (g, self) => {
        const statsDir = blockStatsDir();
        // Groups of input blocks, one group per output block.
        const groups: number[][][] = [];
        const nb = x.numBlocks;
        if (axis === null) groups.push([...x.blockIndices()]);
        else {
          const other = 1 - axis;
          for (let o = 0; o < nb[other]!; o++) {
            const g: number[][] = [];
            for (let r = 0; r < nb[axis]!; r++) g.push(axis === 0 ? [r, o] : [o, r]);
            groups.push(g);
          }
        }
        groups.forEach((group, o) => {
          let level: string[] = group.map((idx) => {
            const key = `partial-${ptok}[${idx.join(',')}]`;
            const offset = idx.map((b, a) => x.blockOffsets[a]![b]!);
            const op: ReduceOp = { kind, axis: nd === 1 ? null : axis, nan, offset, totalCols };
            const arg = x.blockArg(...idx);
            // A block read straight from files whose partial is in the block-statistics cache
            // (block_stats.ts) is not read again: its recorded partial, identical to what the
            // kernel would compute, enters the same combine tree. A miss records it.
            const cached = statsDir !== null && x.layer.kind === 'source' && x.layer.def.blockStats !== false;
            const backend = exprBackend();
            const ck = cached ? partialCacheKey(arg, op, backend) : null;
            const hit = ck === null ? null : (knownPartial(x, arg, op, backend) ?? lookupPartial(statsDir!, ck.key, ck.files));
            if (hit !== null) addTask(g, key, ArrayKernel.identity, [hit]);
            else {
              const record = ck === null ? undefined : { dir: statsDir!, key: ck.key, files: ck.files, backend };
              addTask(g, key, ArrayKernel.reducePartial, [arg, record ? { ...op, record } : op]);
            }
            return key;
          });
          for (let depth = 0; level.length > 1; depth++) {
            const next: string[] = [];
            for (let i = 0; i < level.length; i += splitEvery) {
              const key = `combine-${ptok}-${depth}[${o},${i / splitEvery}]`;
              addTask(g, key, ArrayKernel.reduceCombine, [level.slice(i, i + splitEvery).map((k) => ref(k)), kind, nan]);
              next.push(key);
            }
            level = next;
          }
          const outShape = axis === null ? [] : [chunks[0]![o]!];
          addTask(g, axis === null ? self.blockKey() : self.blockKey(o), ArrayKernel.reduceFinal, [ref(level[0]!), finalOp(outShape)]);
        });
      },
    },
  });
}
