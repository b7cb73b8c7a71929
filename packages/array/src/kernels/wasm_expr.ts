/**
 * Elementwise float64 expressions compiled to WebAssembly with f64x2 SIMD — the fast path of
 * `ExprStream` (stream.ts) for the arithmetic that dominates preprocessing, such as a
 * scaler's `(X - mean) / scale`.
 *
 * Why: the JavaScript loop of codegen.ts evaluates that expression at ~3.5 ns per element (35 ms
 * for a 500k × 20 block, three times the cost of reading the block from the page cache), while
 * the same loop here runs two lanes per instruction. The operations are the same IEEE-754
 * operations in the same order, so results are bit-identical to the JavaScript loop (tests compare
 * the two over random expressions, kinds and shapes).
 *
 * Covered: expressions whose nodes, inputs and output are all float64, over inputs of any kind
 * (full, col, row, scalar) and parameters, with the operators add, sub, mul, div, minimum,
 * maximum, neg, abs, sqrt, square, floor, ceil and cast. Anything else (exp, comparisons, other
 * dtypes…) keeps the JavaScript loop.
 *
 * One module per expression shape and thread, generated as bytes here (no toolchain). Its memory
 * is an arena of this thread (wasm_module.ts): the constant inputs (col/scalar) first, then
 * one tile-sized region per streamed input — sources are read straight into it — and the output
 * tile. A stream keeps its arena until closed, so a view it returns stays valid until its next read.
 */
import type { DType, TypedArray } from '../dense.js';
import type { ExprNode, InputKind } from './spec.js';
import {
  F64,
  I32,
  OP,
  SIMD,
  V128,
  V_LOAD,
  V_SPLAT,
  V_STORE,
  WA,
  acquireArena,
  instanceIn,
  moduleOf,
  releaseArena,
  sleb,
  uleb,
  type Arena,
  type WasmMemory,
} from './wasm_module.js';

/** Which evaluator elementwise expressions use: 'auto' (WebAssembly where covered) or 'js'. */
export type ExprBackend = 'auto' | 'js';
let backend: ExprBackend = 'auto';

/**
 * Selects the evaluator of elementwise expressions and column moments (mean, var, std) on this
 * thread and returns the previous setting (tests compare both; 'js' also serves as an escape hatch).
 */
export function setExprBackend(b: ExprBackend): ExprBackend {
  const previous = backend;
  backend = b;
  return previous;
}

/** The current setting of {@link setExprBackend}. */
export function exprBackend(): ExprBackend {
  return backend;
}

/** Per operator: the f64x2 instruction and the scalar f64 one (for an odd last column). */
const UNARY: Record<string, { v: number[]; s: number[] }> = {
  neg: { v: [SIMD, 0xed, 0x01], s: [0x9a] },
  abs: { v: [SIMD, 0xec, 0x01], s: [0x99] },
  sqrt: { v: [SIMD, 0xef, 0x01], s: [0x9f] },
  ceil: { v: [SIMD, 0x74], s: [0x9b] },
  floor: { v: [SIMD, 0x75], s: [0x9c] },
};
const BINARY: Record<string, { v: number[]; s: number[] }> = {
  add: { v: [SIMD, 0xf0, 0x01], s: [0xa0] },
  sub: { v: [SIMD, 0xf1, 0x01], s: [0xa1] },
  mul: { v: [SIMD, 0xf2, 0x01], s: [0xa2] },
  div: { v: [SIMD, 0xf3, 0x01], s: [0xa3] },
  minimum: { v: [SIMD, 0xf4, 0x01], s: [0xa4] },
  maximum: { v: [SIMD, 0xf5, 0x01], s: [0xa5] },
};

/** Whether every node of `expr` is float64 and has an instruction here. */
function covered(n: ExprNode, kinds: readonly InputKind[]): boolean {
  if (n.dtype !== 'float64') return false;
  if (n.op === 'in') return Number.isInteger(n.i) && n.i! >= 0 && n.i! < kinds.length;
  if (n.op === 'p') return Number.isInteger(n.i) && n.i! >= 0;
  const args = n.args ?? [];
  if (args.length === 1 && (n.op in UNARY || n.op === 'square' || n.op === 'cast')) return covered(args[0]!, kinds);
  if (args.length === 2 && n.op in BINARY) return covered(args[0]!, kinds) && covered(args[1]!, kinds);
  return false;
}

function collect(n: ExprNode, ins: Set<number>, ps: Set<number>): void {
  if (n.op === 'in') ins.add(n.i!);
  else if (n.op === 'p') ps.add(n.i!);
  for (const a of n.args ?? []) collect(a, ins, ps);
}

/**
 * Where a compiled expression writes: 'arena', `f(out, ...inputPointers, ...params, rows, cols)`
 * over a thread's arena; 'shared', the same over a shared memory; 'slots',
 * `f(out, slots, ...inputPointers, ...params, rows, cols)` over a shared memory, row r of the tile
 * written to `out + slots[r] * cols * 8` (`slots`: an i32 per row).
 */
type Placement = 'arena' | 'shared' | 'slots';

/** A compiled expression (see {@link Placement} for its signature). */
interface Compiled {
  readonly module: object;
  /** Whether the expression uses col or row inputs (else rows × cols runs as one flat row). */
  readonly shaped: boolean;
}

const compiled = new Map<string, Compiled | null>();

/**
 * The module for an expression with the given input kinds and parameter count, or null when the
 * expression is not covered or WebAssembly is unavailable.
 */
function compile(expr: ExprNode, kinds: readonly InputKind[], nParams: number, placement: Placement = 'arena'): Compiled | null {
  const key = JSON.stringify([expr, kinds, nParams, placement]);
  if (compiled.has(key)) return compiled.get(key)!;
  let result: Compiled | null = null;
  if (WA !== undefined && covered(expr, kinds)) {
    try {
      const ins = new Set<number>();
      const ps = new Set<number>();
      collect(expr, ins, ps);
      if ([...ps].every((p) => p < nParams)) {
        const shaped = placement === 'slots' || [...ins].some((i) => kinds[i] === 'col' || kinds[i] === 'row');
        result = { module: new WA.Module(moduleBytes(expr, kinds, nParams, placement)), shaped };
      }
    } catch {
      result = null;
    }
  }
  compiled.set(key, result);
  return result;
}

function moduleBytes(expr: ExprNode, kinds: readonly InputKind[], nParams: number, placement: Placement): Uint8Array {
  const m = kinds.length;
  const scattered = placement === 'slots';
  // Parameter locals: out, (scattered) slots, one pointer per input, the parameters, rows, cols.
  const OUT = 0;
  const SLOTS = 1;
  const first = scattered ? 2 : 1;
  const inPtr = (i: number) => first + i;
  const param = (p: number) => first + m + p;
  const ROWS = first + m + nParams;
  const COLS = ROWS + 1;
  // Declared locals: i32 r, c (bytes into the row), k (bytes into full arrays), pairEnd, rowEnd,
  // dst (where the row's output goes); v128 tmp, one splat per parameter and per input; f64 tmp
  // and one scalar per input.
  let next = COLS + 1;
  const R = next++;
  const C = next++;
  const K = next++;
  const PAIR_END = next++;
  const ROW_END = next++;
  const DST = next++;
  const VTMP = next++;
  const pv = (p: number) => VTMP + 1 + p;
  const inV = (i: number) => VTMP + 1 + nParams + i;
  const FTMP = VTMP + 1 + nParams + m;
  const inF = (i: number) => FTMP + 1 + i;
  const locals: [number, number][] = [
    [6, I32],
    [1 + nParams + m, V128],
    [1 + m, F64],
  ];

  const get = (l: number) => [OP.localGet, ...uleb(l)];
  const set = (l: number) => [OP.localSet, ...uleb(l)];
  const i32 = (v: number) => [OP.i32Const, ...sleb(v)];
  const addr = (base: number, off: number) => [...get(base), ...get(off), OP.i32Add];
  const f64Load = [OP.f64Load, 0x03, 0x00];

  /** The expression's code: over f64x2 pairs of columns (`v`) or over one f64 (the odd last column). */
  const emit = (n: ExprNode, v: boolean): number[] => {
    const op = (table: Record<string, { v: number[]; s: number[] }>, name: string) => (v ? table[name]!.v : table[name]!.s);
    switch (n.op) {
      case 'in': {
        const i = n.i!;
        const kind = kinds[i];
        const load = v ? [...V_LOAD, 0x03, 0x00] : f64Load;
        if (kind === 'full') return [...addr(inPtr(i), K), ...load];
        if (kind === 'col') return [...addr(inPtr(i), C), ...load];
        // row (splat once per row) or scalar (splat once)
        return get(v ? inV(i) : inF(i));
      }
      case 'p':
        return get(v ? pv(n.i!) : param(n.i!));
      case 'cast':
        return emit(n.args![0]!, v);
      case 'square': {
        const tmp = v ? VTMP : FTMP;
        return [...emit(n.args![0]!, v), OP.localTee, ...uleb(tmp), ...get(tmp), ...op(BINARY, 'mul')];
      }
      default: {
        const args = n.args!;
        if (args.length === 1) return [...emit(args[0]!, v), ...op(UNARY, n.op)];
        return [...emit(args[0]!, v), ...emit(args[1]!, v), ...op(BINARY, n.op)];
      }
    }
  };

  const body: number[] = [];
  // Hoisted: parameter splats, scalar inputs.
  for (let p = 0; p < nParams; p++) body.push(...get(param(p)), ...V_SPLAT, ...set(pv(p)));
  for (let i = 0; i < m; i++) {
    if (kinds[i] !== 'scalar') continue;
    body.push(...get(inPtr(i)), ...f64Load, ...set(inF(i)), ...get(inF(i)), ...V_SPLAT, ...set(inV(i)));
  }
  // rowEnd = cols * 8; pairEnd = (cols & ~1) * 8
  body.push(...get(COLS), ...i32(3), OP.i32Shl, ...set(ROW_END));
  body.push(...get(COLS), ...i32(-2), 0x71 /* i32.and */, ...i32(3), OP.i32Shl, ...set(PAIR_END));
  body.push(OP.block, OP.void, OP.loop, OP.void);
  body.push(...get(R), ...get(ROWS), OP.i32GeU, OP.brIf, 1);
  for (let i = 0; i < m; i++) {
    if (kinds[i] !== 'row') continue;
    body.push(
      ...get(inPtr(i)),
      ...get(R),
      ...i32(3),
      OP.i32Shl,
      OP.i32Add,
      ...f64Load,
      ...set(inF(i)),
      ...get(inF(i)),
      ...V_SPLAT,
      ...set(inV(i)),
    );
  }
  body.push(...i32(0), ...set(C));
  // Where the row goes: out + k (in order), or out + slots[r] * rowBytes (scattered).
  if (scattered) {
    body.push(...get(OUT), ...get(SLOTS), ...get(R), ...i32(2), OP.i32Shl, OP.i32Add, OP.i32Load, 0x02, 0x00);
    body.push(...get(ROW_END), OP.i32Mul, OP.i32Add, ...set(DST));
  } else {
    body.push(...get(OUT), ...get(K), OP.i32Add, ...set(DST));
  }
  // Pairs of columns.
  body.push(OP.block, OP.void, OP.loop, OP.void);
  body.push(...get(C), ...get(PAIR_END), OP.i32GeU, OP.brIf, 1);
  body.push(...addr(DST, C), ...emit(expr, true), ...V_STORE, 0x03, 0x00);
  body.push(...get(K), ...i32(16), OP.i32Add, ...set(K), ...get(C), ...i32(16), OP.i32Add, ...set(C), OP.br, 0);
  body.push(OP.end, OP.end);
  // The odd last column.
  body.push(...get(C), ...get(ROW_END), OP.i32LtU, OP.if, OP.void);
  body.push(...addr(DST, C), ...emit(expr, false), OP.f64Store, 0x03, 0x00);
  body.push(...get(K), ...i32(8), OP.i32Add, ...set(K));
  body.push(OP.end);
  body.push(...get(R), ...i32(1), OP.i32Add, ...set(R), OP.br, 0);
  body.push(OP.end, OP.end);

  const params = [I32, ...(scattered ? [I32] : []), ...new Array<number>(m).fill(I32), ...new Array<number>(nParams).fill(F64), I32, I32];
  return moduleOf(params, locals, body, placement !== 'arena');
}

// --- evaluation -----------------------------------------------------------------------------

/** What an expression stream reads a streamed input through. */
interface TileSource {
  read(a: number, b: number, into?: TypedArray, lane?: number): TypedArray;
}

const align64 = (x: number) => Math.ceil(x / 64) * 64;

const isConstant = (kind: InputKind | undefined) => kind === 'col' || kind === 'scalar';

/**
 * Where an evaluation's inputs sit from byte `start`, in input order, each 64-byte aligned: a
 * constant (col, scalar) takes its values, a streamed input (full, row) a tile of `tileRows`
 * rows. `end`: the first byte past them.
 */
function inputLayout(
  kinds: readonly InputKind[],
  inputs: readonly (TileSource | TypedArray)[],
  cols: number,
  tileRows: number,
  start: number,
): { ptrs: number[]; end: number } {
  let at = align64(start);
  const ptrs = kinds.map((kind, i) => {
    const p = at;
    const values = isConstant(kind) ? Math.max(1, (inputs[i] as TypedArray).length) : tileRows * (kind === 'full' ? cols : 1);
    at = align64(at + values * 8);
    return p;
  });
  return { ptrs, end: at };
}

/** Copies the constant inputs (col, scalar) to their places in `buffer`. */
function writeConstants(
  buffer: ArrayBufferLike,
  kinds: readonly InputKind[],
  inputs: readonly (TileSource | TypedArray)[],
  ptrs: readonly number[],
): void {
  const F = new Float64Array(buffer);
  kinds.forEach((kind, i) => {
    if (isConstant(kind)) F.set(inputs[i] as Float64Array, ptrs[i]! / 8);
  });
}

/** Reads rows [a, b) of the streamed inputs (full, row) into their tiles in `buffer`. */
function readTiles(
  buffer: ArrayBufferLike,
  kinds: readonly InputKind[],
  inputs: readonly (TileSource | TypedArray)[],
  ptrs: readonly number[],
  cols: number,
  a: number,
  b: number,
  lane: number,
): void {
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i];
    if (isConstant(kind)) continue;
    (inputs[i] as TileSource).read(a, b, new Float64Array(buffer, ptrs[i]!, (b - a) * (kind === 'full' ? cols : 1)), lane);
  }
}

/**
 * The order in which a range of `tiles` tiles is read, as [tile, lane] pairs: in order on `lane`
 * when one is given, else the first half's tiles (lane 0) and the second half's (lane 1) taken
 * alternately — two sequential streams for the disk (see stream.ts). Tile t covers rows
 * [a + t·tileRows, …).
 */
export function tileOrder(tiles: number, lane?: number): [number, number][] {
  if (lane !== undefined || tiles < 2) return Array.from({ length: tiles }, (_, t) => [t, lane ?? 0]);
  const half = Math.ceil(tiles / 2);
  const order: [number, number][] = [];
  for (let t = 0; t < half; t++) {
    order.push([t, 0]);
    if (half + t < tiles) order.push([half + t, 1]);
  }
  return order;
}

/**
 * Where `RowStream.readInto` writes: rows of a shared WebAssembly
 * memory, in order or in an order the caller chooses (e.g. a block's rows dealt into the buckets
 * of a shuffle), so that a kernel over that memory uses them where they land.
 */
export interface MemoryTarget {
  /** A shared WebAssembly memory (its buffer is a SharedArrayBuffer). */
  readonly memory: WasmMemory;
  /** Byte offset of destination row 0; destination rows are `cols` float64 each. */
  readonly out: number;
  /**
   * Byte offset of the destination of each row written: one i32 per row of the range, in row
   * order (row a + i goes to destination row slots[i]). Absent: in order (row a + i to row i).
   */
  readonly slots?: number;
  /** Byte offset of a range of the memory the evaluation may use (tiles of its inputs, constants). */
  readonly scratch: number;
  /** Length of that range in bytes. */
  readonly scratchBytes: number;
}

/** Per shared memory: the modules instantiated over it. */
const sharedInstances = new WeakMap<object, Map<object, (...args: number[]) => void>>();

function instanceOver(memory: MemoryTarget['memory'], module: object): (...args: number[]) => void {
  let fns = sharedInstances.get(memory);
  if (fns === undefined) sharedInstances.set(memory, (fns = new Map()));
  let fn = fns.get(module);
  if (fn === undefined) {
    fn = new WA!.Instance(module, { m: { mem: memory } }).exports['f'] as (...args: number[]) => void;
    fns.set(module, fn);
  }
  return fn;
}

/** The identity expression over one full input: a read, written like any expression. */
export const IDENTITY: ExprNode = { op: 'in', i: 0, dtype: 'float64' };

/**
 * Evaluates rows [a, b) of `expr` straight into `target`: streamed inputs (full, row) are read
 * a tile at a time into the target's scratch range, constants (col, scalar) are copied there, and
 * the module — instantiated over the target's memory — writes each row to its destination. So
 * the rows land where a kernel over that memory uses them, in one pass, with no tile copied
 * between memories (a reader, a copy and a scatter would take three). The values are those of
 * {@link WasmExprEvaluator}: the same instructions in the same order.
 *
 * The tiles are read on `lane` when it is given, else as two interleaved halves on lanes 0 and 1
 * ({@link tileOrder}); a row lands in the same place whatever the order.
 *
 * Returns false, having written nothing, when the expression or its dtypes are not covered or
 * WebAssembly is unavailable; throws a RangeError when the target's ranges do not fit its memory.
 */
export function evaluateInto(
  expr: ExprNode,
  kinds: readonly InputKind[],
  inDtypes: readonly DType[],
  outDtype: DType,
  inputs: readonly (TileSource | TypedArray)[],
  params: readonly number[],
  a: number,
  b: number,
  cols: number,
  target: MemoryTarget,
  lane?: number,
): boolean {
  if (backend !== 'auto' || WA === undefined || outDtype !== 'float64' || inDtypes.some((d) => d !== 'float64') || cols < 1) return false;
  if (!(target.memory.buffer instanceof SharedArrayBuffer)) return false;
  const scattered = target.slots !== undefined;
  const c = compile(expr, kinds, params.length, scattered ? 'slots' : 'shared');
  if (c === null) return false;
  const rows = b - a;
  const bytes = target.memory.buffer.byteLength;
  const inside = (at: number, len: number) => Number.isInteger(at) && at >= 0 && at + len <= bytes;
  if (
    (scattered && !inside(target.slots!, rows * 4)) ||
    !inside(target.scratch, target.scratchBytes) ||
    !inside(target.out, scattered ? 0 : rows * cols * 8)
  ) {
    throw new RangeError(
      `evaluateInto: the target's ranges (rows at ${target.out}${scattered ? `, slots at ${target.slots}` : ''}, scratch at ${target.scratch} + ${target.scratchBytes} bytes) do not fit its memory of ${bytes} bytes.`,
    );
  }
  // The inputs in the scratch range: as many rows per tile as fit beside the constants.
  const fixed = inputLayout(kinds, inputs, cols, 0, target.scratch).end;
  const streamed = kinds.filter((kind) => !isConstant(kind));
  const width = streamed.reduce((w, kind) => w + (kind === 'full' ? cols : 1), 0);
  const room = target.scratch + target.scratchBytes - fixed - 64 * streamed.length;
  const tileRows = Math.min(rows, width === 0 ? rows : Math.floor(room / (8 * width)));
  if (tileRows < 1 && rows > 0) return false;
  const { ptrs } = inputLayout(kinds, inputs, cols, tileRows, target.scratch);
  const fn = instanceOver(target.memory, c.module);
  writeConstants(target.memory.buffer, kinds, inputs, ptrs);
  // f(out, [slots,] ...inputs, ...params, rows, cols); flat (rows × cols as one row) when the
  // expression has no row structure and the rows go in order.
  const args = scattered ? [target.out, 0, ...ptrs, ...params, 0, 0] : [0, ...ptrs, ...params, 0, 0];
  for (const [t, tileLane] of tileOrder(rows > 0 ? Math.ceil(rows / tileRows) : 0, lane)) {
    const lo = a + t * tileRows;
    const hi = Math.min(b, lo + tileRows);
    readTiles(target.memory.buffer, kinds, inputs, ptrs, cols, lo, hi, tileLane);
    if (scattered) args[1] = target.slots! + (lo - a) * 4;
    else args[0] = target.out + (lo - a) * cols * 8;
    args[args.length - 2] = c.shaped ? hi - lo : 1;
    args[args.length - 1] = c.shaped ? cols : (hi - lo) * cols;
    fn(...args);
  }
  return true;
}

/**
 * Evaluates one expression over tiles in WebAssembly. Streamed inputs (full, row) are read into
 * the arena; constant inputs (col, scalar) are copied there once.
 */
export class WasmExprEvaluator {
  readonly #fn: (...args: number[]) => void;
  readonly #arena: Arena;
  readonly #kinds: readonly InputKind[];
  readonly #inputs: readonly (TileSource | TypedArray)[];
  readonly #ptrs: number[];
  readonly #out: number;
  readonly #tileRows: number;
  readonly #cols: number;
  readonly #shaped: boolean;
  readonly #args: number[];
  #closed = false;

  private constructor(
    c: Compiled,
    kinds: readonly InputKind[],
    inputs: readonly (TileSource | TypedArray)[],
    params: readonly number[],
    cols: number,
    tileRows: number,
  ) {
    this.#kinds = kinds;
    this.#inputs = inputs;
    this.#cols = cols;
    this.#tileRows = tileRows;
    this.#shaped = c.shaped;
    // Layout: the inputs (constants, a tile per streamed input), then the output tile.
    const { ptrs, end } = inputLayout(kinds, inputs, cols, tileRows, 64);
    this.#out = end;
    this.#ptrs = ptrs;
    this.#arena = acquireArena(align64(end + tileRows * cols * 8));
    this.#fn = instanceIn(this.#arena, c.module);
    writeConstants(this.#arena.memory.buffer, kinds, inputs, ptrs);
    this.#args = [this.#out, ...ptrs, ...params, 0, 0];
  }

  /**
   * An evaluator for the expression, or null when it is not covered (then the JavaScript loop
   * runs). `inputs[i]` is a stream for full/row inputs, the data for col/scalar ones.
   */
  static create(
    expr: ExprNode,
    kinds: readonly InputKind[],
    inDtypes: readonly DType[],
    outDtype: DType,
    inputs: readonly (TileSource | TypedArray)[],
    params: readonly number[],
    cols: number,
    tileRows: number,
  ): WasmExprEvaluator | null {
    if (backend !== 'auto' || outDtype !== 'float64' || inDtypes.some((d) => d !== 'float64') || cols < 1) return null;
    const c = compile(expr, kinds, params.length);
    if (c === null) return null;
    return new WasmExprEvaluator(c, kinds, inputs, params, cols, tileRows);
  }

  /** Rows [a, b) read on `lane`: a view of the arena valid until the next read, or written into `into`. */
  read(a: number, b: number, into?: TypedArray, lane = 0): TypedArray {
    const rows = b - a;
    if (rows <= this.#tileRows) return this.#tile(a, b, into, lane);
    const out = into ?? new Float64Array(rows * this.#cols);
    for (let s = a; s < b; s += this.#tileRows) {
      const e = Math.min(b, s + this.#tileRows);
      this.#tile(s, e, out.subarray((s - a) * this.#cols, (e - a) * this.#cols), lane);
    }
    return out;
  }

  #tile(a: number, b: number, into: TypedArray | undefined, lane: number): TypedArray {
    const rows = b - a;
    const cols = this.#cols;
    const buffer = this.#arena.memory.buffer;
    readTiles(buffer, this.#kinds, this.#inputs, this.#ptrs, cols, a, b, lane);
    const args = this.#args;
    args[args.length - 2] = this.#shaped ? rows : 1;
    args[args.length - 1] = this.#shaped ? cols : rows * cols;
    this.#fn(...args);
    const result = new Float64Array(buffer, this.#out, rows * cols);
    if (into === undefined) return result;
    (into as Float64Array).set(result);
    return into;
  }

  /** Returns the arena to this thread's pool. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    releaseArena(this.#arena);
  }
}
