/**
 * Elementwise operations with numpy broadcasting against scalars, per-column vectors (`[C]` or
 * `[1, C]`), per-row vectors (`[R, 1]`) and arrays of the same shape — lazy or in memory. Each op
 * returns an expression array; an op on expression arrays extends the expression, so a chain
 * stays one task per block (see ndarray.ts, "Fusion").
 *
 * dtypes follow numpy: arrays promote (uint8 < int32 < float64; float32 with int32 gives
 * float64); a number does not widen an array of its kind (float32 + 0.5 is float32, int32 + 2 is
 * int32) but a fractional number makes an integer array float64; true division and
 * exp/log/sqrt of integers give float64; comparisons give uint8 (0/1). Each step is rounded to
 * its dtype, so fused results equal step-by-step results (integers wrap as in numpy).
 */
import { allocate, DenseArray, dtypeOf, isBlock, type Block, type DType, type TypedArray } from './dense.js';
import { BroadcastError, fmtShape } from './errors.js';
import { BINARY_OPS, UNARY_OPS } from './kernels/codegen.js';
import type { ExprNode } from './kernels/spec.js';
import { NDArray, inputMapping, type ExprInput } from './ndarray.js';
import { rechunk } from './structure.js';
import { tokenize } from './tokenize.js';

/** What elementwise ops accept as an operand. */
export type Operand = NDArray | DenseArray | Block | TypedArray | number | readonly number[] | readonly (readonly number[])[];

type Weak = 'int' | 'float';

interface Part {
  node: ExprNode;
  inputs: ExprInput[];
  params: number[];
  shape: readonly number[];
  dtype: DType | Weak;
  /** The raw number, for weak scalars. */
  value?: number;
}

const RANK: Record<DType, number> = { uint8: 0, int32: 1, float32: 2, float64: 3 };

/** numpy's result type of arrays (weak scalars do not widen arrays of their kind). */
export function promote(types: readonly (DType | Weak)[]): DType {
  const strong = types.filter((t): t is DType => t !== 'int' && t !== 'float');
  let out: DType | undefined;
  for (const t of strong) {
    if (out === undefined) out = t;
    else if (out !== t) {
      const [lo, hi] = RANK[out] < RANK[t] ? [out, t] : [t, out];
      out = hi === 'float32' && lo === 'int32' ? 'float64' : hi;
    }
  }
  if (out === undefined) return types.includes('float') ? 'float64' : 'int32';
  if (types.includes('float') && (out === 'int32' || out === 'uint8')) return 'float64';
  return out;
}

function isFloat(d: DType): boolean {
  return d === 'float64' || d === 'float32';
}

function toBlock(v: Operand, op: string): Block {
  if (v instanceof DenseArray || isBlock(v)) return v as Block;
  if (ArrayBuffer.isView(v)) {
    const dt = dtypeOf(v as ArrayBufferView);
    if (!dt)
      throw new TypeError(
        `${op}: unsupported typed array ${v.constructor.name}; use Float64Array, Float32Array, Int32Array or Uint8Array.`,
      );
    return { dtype: dt, shape: [(v as TypedArray).length], data: v as TypedArray };
  }
  if (Array.isArray(v)) return DenseArray.from(v as number[]).toBlock();
  throw new TypeError(
    `${op}: an operand must be an NDArray, a DenseArray, a typed array, a number or nested number arrays; got ${v === null ? 'null' : typeof v}.`,
  );
}

function partOf(v: Operand, op: string): Part {
  if (typeof v === 'number') {
    const weak: Weak = Number.isInteger(v) ? 'int' : 'float';
    return { node: { op: 'p', i: 0, dtype: 'float64' }, inputs: [], params: [v], shape: [], dtype: weak, value: v };
  }
  if (v instanceof NDArray) {
    const L = v.layer;
    if (L.kind === 'expr') return { node: L.expr, inputs: [...L.inputs], params: [...L.params], shape: v.shape, dtype: v.dtype };
    return { node: { op: 'in', i: 0, dtype: v.dtype }, inputs: [{ array: v, shape: v.shape }], params: [], shape: v.shape, dtype: v.dtype };
  }
  const b = toBlock(v, op);
  return { node: { op: 'in', i: 0, dtype: b.dtype }, inputs: [{ literal: b, shape: b.shape }], params: [], shape: b.shape, dtype: b.dtype };
}

/** numpy broadcasting of shapes; throws {@link BroadcastError} naming the op. */
export function broadcastShapes(op: string, shapes: readonly (readonly number[])[]): number[] {
  const nd = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(nd).fill(1);
  for (const s of shapes) {
    for (let a = 0; a < s.length; a++) {
      const o = nd - s.length + a;
      const d = s[a]!;
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) throw new BroadcastError(op, shapes);
    }
  }
  return out;
}

function remap(node: ExprNode, inMap: readonly number[], pOffset: number): ExprNode {
  if (node.op === 'in') return { op: 'in', i: inMap[node.i!]!, dtype: node.dtype };
  if (node.op === 'p') return { op: 'p', i: node.i! + pOffset, dtype: node.dtype };
  return { op: node.op, dtype: node.dtype, args: node.args!.map((a) => remap(a, inMap, pOffset)) };
}

/**
 * Builds the expression array `build(operand nodes)` over `operands`.
 * @internal
 */
export function elementwise(
  op: string,
  operands: readonly Operand[],
  resultType: (types: readonly (DType | Weak)[]) => DType,
  build: (args: ExprNode[], dtype: DType, argTypes: DType[]) => ExprNode,
): NDArray {
  const parts = operands.map((v) => partOf(v, op));
  if (!operands.some((v) => v instanceof NDArray)) throw new TypeError(`${op}: at least one operand must be an NDArray.`);
  const shape = broadcastShapes(
    op,
    parts.map((p) => p.shape),
  );
  const dtype = resultType(parts.map((p) => p.dtype));
  const common = promote(parts.map((p) => p.dtype));
  // Concatenate inputs (one slot per distinct array or literal) and parameters.
  const inputs: ExprInput[] = [];
  const params: number[] = [];
  const slotOf = new Map<unknown, number>();
  const nodes: ExprNode[] = [];
  const argTypes: DType[] = [];
  for (const p of parts) {
    if (p.value !== undefined) {
      // A number takes the operands' common dtype (float32 math rounds it first, as numpy does).
      params.push(common === 'float32' ? Math.fround(p.value) : p.value);
      nodes.push({ op: 'p', i: params.length - 1, dtype: common });
      argTypes.push(common);
      continue;
    }
    const inMap = p.inputs.map((inp) => {
      const id = inp.array ? inp.array.name : inp.literal!;
      let s = slotOf.get(id);
      if (s === undefined) {
        s = inputs.length;
        inputs.push(inp);
        slotOf.set(id, s);
      }
      return s;
    });
    nodes.push(remap(p.node, inMap, params.length));
    params.push(...p.params);
    argTypes.push(p.dtype as DType);
  }
  const expr = build(nodes, dtype, argTypes);
  // Output chunks: from the lazy inputs spanning each axis; other lazy inputs are rechunked to match.
  const chunks: (readonly number[] | undefined)[] = shape.map(() => undefined);
  for (const inp of inputs) {
    if (!inp.array) continue;
    const { map } = inputMapping(inp.shape, shape);
    map.forEach((o, a) => {
      if (o >= 0 && chunks[o] === undefined && (shape[o] !== 1 || inp.array!.chunks[a]!.length === 1)) chunks[o] = inp.array!.chunks[a];
    });
  }
  const outChunks = chunks.map((c, a) => c ?? [shape[a]!]);
  const aligned = inputs.map((inp) => {
    if (!inp.array) return inp;
    const { map } = inputMapping(inp.shape, shape);
    const want = inp.array.chunks.map((c, a) => (map[a]! >= 0 ? outChunks[map[a]!]! : c));
    const same = want.every((c, a) => c.length === inp.array!.chunks[a]!.length && c.every((s, i) => s === inp.array!.chunks[a]![i]));
    return same ? inp : { array: rechunk(inp.array, want), shape: inp.shape };
  });
  const name = `${op}-${tokenize(
    op,
    expr,
    params,
    aligned.map((i) => (i.array ? i.array.name : i.literal!.data)),
    outChunks,
    shape,
  )}`;
  return new NDArray({ shape, dtype, chunks: outChunks, name, layer: { kind: 'expr', expr, params, inputs: aligned } });
}

const sameType = (t: readonly (DType | Weak)[]) => promote(t);
const floatType = (t: readonly (DType | Weak)[]) => {
  const p = promote(t);
  return isFloat(p) ? p : 'float64';
};
const boolType = () => 'uint8' as const;

/** A binary elementwise op by name (`'add'`, `'lt'`…). */
export function binary(op: string, a: Operand, b: Operand): NDArray {
  if (!BINARY_OPS.has(op)) throw new TypeError(`Unknown elementwise operator '${op}'.`);
  const cmp = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'and', 'or'].includes(op);
  const rt = cmp ? boolType : op === 'div' ? floatType : sameType;
  return elementwise(op, [a, b], rt, ([x, y], dtype) => ({ op, dtype, args: [x!, y!] }));
}

/** A unary elementwise op by name (`'exp'`, `'abs'`…). */
export function unary(op: string, a: NDArray): NDArray {
  if (!UNARY_OPS.has(op) || op === 'cast') throw new TypeError(`Unknown elementwise operator '${op}'.`);
  const toFloat = ['exp', 'log', 'sqrt', 'log1p', 'expm1', 'sin', 'cos', 'tanh'].includes(op);
  const rt = ['isnan', 'not'].includes(op) ? boolType : toFloat ? floatType : sameType;
  return elementwise(op, [a], rt, ([x], dtype) => ({ op, dtype, args: [x!] }));
}

/** `where(cond, a, b)`: `a` where `cond` is non-zero (NaN counts as true), else `b`. */
export function where(cond: Operand, a: Operand, b: Operand): NDArray {
  return elementwise(
    'where',
    [cond, a, b],
    (t) => promote([t[1]!, t[2]!]),
    ([c, x, y], dtype) => ({ op: 'where', dtype, args: [c!, x!, y!] }),
  );
}

/** Limits values to `[lo, hi]` (NaN stays NaN). */
export function clip(a: NDArray, lo: Operand, hi: Operand): NDArray {
  return elementwise(
    'clip',
    [a, lo, hi],
    (t) => (t[0] === 'int' || t[0] === 'float' ? promote(t) : isFloat(t[0] as DType) ? (t[0] as DType) : promote(t)),
    ([x, l, h], dtype) => ({
      op: 'clip',
      dtype,
      args: [x!, l!, h!],
    }),
  );
}

/** Converts to another dtype (float → int truncates toward zero and wraps; NaN becomes 0). */
export function astype<T extends DType>(a: NDArray, dtype: T): NDArray<T> {
  if (a.dtype === dtype) return a as unknown as NDArray<T>;
  if (!(dtype in RANK)) throw new TypeError(`astype: unknown dtype '${String(dtype)}'; use float64, float32, int32 or uint8.`);
  return elementwise(
    'astype',
    [a],
    () => dtype,
    ([x]) => ({ op: 'cast', dtype, args: [x!] }),
  ) as NDArray<T>;
}

/** Formats an operand's shape for messages. */
export function operandShape(v: Operand): string {
  if (typeof v === 'number') return '[]';
  if (v instanceof NDArray) return fmtShape(v.shape);
  return fmtShape(toBlock(v, 'op').shape);
}

/** @internal A literal of `n` zeros (used by tests). */
export function zerosLiteral(n: number): Block {
  return { dtype: 'float64', shape: [n], data: allocate('float64', n) };
}
