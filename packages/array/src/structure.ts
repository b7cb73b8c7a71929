/**
 * Slicing and rechunking (concatenation is in concatenate.ts). On source arrays they only move the region read (a row
 * slice of a dataset reads just those rows); on expressions they push down to the inputs; on
 * task arrays they assemble new blocks from pieces of the old ones (a whole block passes through
 * without a copy).
 */
import { ArrayKernel } from './kernel_names.js';
import { allocate, sizeOf, type Block, type DType } from './dense.js';
import { normalizeChunks, offsetsOf, overlaps, sameChunks, type Chunks, type ChunksSpec } from './chunks.js';
import type { Piece } from './kernels/misc.js';
import { isExprSpec, isSourceSpec } from './kernels/spec.js';
import { NDArray, addTask, inputMapping, type ExprInput } from './ndarray.js';
import { tokenize } from './tokenize.js';

/** A slice of one axis: `[start, stop)` (negative values count from the end; null: the whole axis). */
export type AxisSlice = readonly [number | null, number | null] | null;

/** Normalizes per-axis slices to `[start, stop)` in range. */
export function normalizeSlices(shape: readonly number[], slices: readonly AxisSlice[], what = 'slice'): [number, number][] {
  if (slices.length > shape.length) throw new RangeError(`${what}: ${slices.length} slices for an array with ${shape.length} axes.`);
  return shape.map((n, a) => {
    const s = slices[a];
    if (s === undefined || s === null) return [0, n];
    const fix = (v: number | null, dflt: number) => {
      if (v === null) return dflt;
      if (!Number.isInteger(v)) throw new TypeError(`${what}: slice bounds must be integers; got ${v} for axis ${a}.`);
      return Math.min(n, Math.max(0, v < 0 ? n + v : v));
    };
    const start = fix(s[0], 0);
    const stop = Math.max(start, fix(s[1], n));
    return [start, stop];
  });
}

function sliceChunks(chunks: Chunks, ranges: readonly (readonly [number, number])[]): number[][] {
  return chunks.map((sizes, a) => {
    const [start, stop] = ranges[a]!;
    if (stop === start) return [0];
    return overlaps(sizes, start, stop).map((o) => o.to - o.from);
  });
}

/** A copy of a region of an in-memory block (1-D or 2-D). */
export function sliceBlock(b: Block, ranges: readonly (readonly [number, number])[]): Block {
  if (ranges.every(([s, e], a) => s === 0 && e === b.shape[a])) return b;
  const shape = ranges.map(([s, e]) => e - s);
  const data = allocate(b.dtype, sizeOf(shape));
  if (b.shape.length === 1) data.set(b.data.subarray(ranges[0]![0], ranges[0]![1]) as never);
  else if (b.shape.length === 2) {
    const cols = b.shape[1]!;
    const [r0, r1] = ranges[0]!;
    const [c0, c1] = ranges[1]!;
    for (let r = r0; r < r1; r++) data.set(b.data.subarray(r * cols + c0, r * cols + c1) as never, (r - r0) * (c1 - c0));
  } else throw new RangeError(`Slicing in-memory operands of ${b.shape.length} axes is not supported.`);
  return { dtype: b.dtype, shape, data };
}

/** `x[ranges]` with ranges already normalized. @internal */
export function sliceArray<D extends DType>(x: NDArray<D>, ranges: readonly (readonly [number, number])[]): NDArray<D> {
  if (ranges.every(([s, e], a) => s === 0 && e === x.shape[a])) return x;
  const shape = ranges.map(([s, e]) => e - s);
  const chunks = sliceChunks(x.chunks, ranges);
  const L = x.layer;
  if (L.kind === 'source') {
    const origin = L.origin.map((o, a) => o + (ranges[a]?.[0] ?? 0));
    return new NDArray({
      shape,
      dtype: x.dtype,
      chunks,
      name: `${L.def.label}-${tokenize(L.def.token, origin, shape, chunks)}`,
      layer: { kind: 'source', def: L.def, origin },
    });
  }
  if (L.kind === 'expr') {
    const inputs: ExprInput[] = L.inputs.map((inp) => {
      const { map } = inputMapping(inp.shape, x.shape);
      const r = inp.shape.map((n, a) => (map[a]! >= 0 ? ranges[map[a]!]! : ([0, n] as const)));
      if (inp.array) {
        const s = sliceArray(inp.array, r);
        return { array: s, shape: s.shape };
      }
      const lit = sliceBlock(inp.literal!, r);
      return { literal: lit, shape: lit.shape };
    });
    const name = `${x.name.split('-')[0]}-${tokenize('slice', x.name, ranges)}`;
    return new NDArray({ shape, dtype: x.dtype, chunks, name, layer: { kind: 'expr', expr: L.expr, params: L.params, inputs } });
  }
  return regrid(
    x,
    shape,
    chunks,
    ranges.map(([s]) => s),
    'slice',
  );
}

/**
 * A tasks array whose block grid is `chunks` over the region of `x` starting at `start`: each
 * output block is assembled from the input blocks it overlaps.
 */
function regrid<D extends DType>(
  x: NDArray<D>,
  shape: readonly number[],
  chunks: Chunks,
  start: readonly number[],
  label: string,
): NDArray<D> {
  const name = `${label}-${tokenize(label, x.name, start, chunks)}`;
  const nd = x.ndim;
  return new NDArray({
    shape,
    dtype: x.dtype,
    chunks,
    name,
    layer: {
      kind: 'tasks',
      deps: [x],
      build: (g, self) => {
        const outOff = chunks.map(offsetsOf);
        for (const idx of self.blockIndices()) {
          const lo = idx.map((b, a) => start[a]! + outOff[a]![b]!);
          const hi = idx.map((b, a) => lo[a]! + chunks[a]![b]!);
          const per = x.chunks.map((sizes, a) => overlaps(sizes, lo[a]!, hi[a]!));
          const bshape = self.blockShape(...idx);
          const pieces: Piece[] = [];
          if (nd === 0) pieces.push({ block: x.blockArg(), r: [0, 1], at: [0, 0] });
          else if (nd === 1) for (const o of per[0]!) pieces.push({ block: x.blockArg(o.block), r: [o.from, o.to], at: [o.at, 0] });
          else if (nd === 2) {
            for (const o of per[0]!)
              for (const p of per[1]!)
                pieces.push({ block: x.blockArg(o.block, p.block), r: [o.from, o.to], c: [p.from, p.to], at: [o.at, p.at] });
          } else throw new RangeError(`${label}: arrays of ${nd} axes can only be sliced or rechunked along block boundaries.`);
          const whole =
            pieces.length === 1 && per.every((os, a) => os.length === 1 && os[0]!.from === 0 && os[0]!.to === x.chunks[a]![os[0]!.block]);
          const key = self.blockKey(...idx);
          const arg = pieces[0]?.block;
          if (whole && !isSourceSpec(arg) && !isExprSpec(arg)) addTask(g, key, ArrayKernel.identity, [arg]);
          else addTask(g, key, ArrayKernel.assemble, [pieces, x.dtype, bshape]);
        }
      },
    },
  });
}

/**
 * The same array with other chunks.
 *
 * @example
 * X.rechunk([1_000_000, -1]) // 1M-row blocks, all columns in one block
 */
export function rechunk<D extends DType>(x: NDArray<D>, spec: ChunksSpec | Chunks): NDArray<D> {
  const chunks = normalizeChunks(spec, x.shape, { dtype: x.dtype });
  if (sameChunks(chunks, x.chunks)) return x;
  const L = x.layer;
  if (L.kind === 'source') {
    return new NDArray({
      shape: x.shape,
      dtype: x.dtype,
      chunks,
      name: `${L.def.label}-${tokenize(L.def.token, L.origin, x.shape, chunks)}`,
      layer: L,
    });
  }
  if (L.kind === 'expr') {
    const inputs: ExprInput[] = L.inputs.map((inp) => {
      if (!inp.array) return inp;
      const { map } = inputMapping(inp.shape, x.shape);
      const want = inp.array.chunks.map((c, a) => (map[a]! >= 0 ? chunks[map[a]!]! : c));
      return { array: rechunk(inp.array, want), shape: inp.shape };
    });
    const name = `${x.name.split('-')[0]}-${tokenize('rechunk', x.name, chunks)}`;
    return new NDArray({ shape: x.shape, dtype: x.dtype, chunks, name, layer: { kind: 'expr', expr: L.expr, params: L.params, inputs } });
  }
  return regrid(
    x,
    x.shape,
    chunks,
    x.shape.map(() => 0),
    'rechunk',
  );
}
