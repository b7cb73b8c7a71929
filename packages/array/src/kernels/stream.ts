/**
 * Blocks as row streams. A consumer kernel (a reduction, a writer, a fused expression) asks a
 * block argument for its rows a tile at a time; a plain block hands out views, a source reads
 * or generates just that tile into a reused buffer, an expression evaluates the tile from its
 * inputs' tiles. So `(X - mean) / std` summed over rows reads each file tile once, keeps it in
 * cache, and never allocates the block. `materialize` is the same thing into one new block,
 * allocated over shared memory (a source read goes straight into the block's bytes).
 *
 * Lanes. A consumer that reads a whole block into memory (`readInto` over many tiles) takes the
 * tiles of its two halves alternately, the first half on lane 0 and the second on lane 1, and a
 * file source keeps one descriptor per lane: the disk then sees two sequential streams from one
 * reading thread, each with its own read-ahead, instead of one. Measured from a cold disk (a C
 * probe, 20 blocks of 80 MB, 0.25 ms of compute per MiB): one reader 0.90–1.32 GB/s with one
 * stream, 1.63–1.70 GB/s with two; two readers 1.67–1.93 GB/s with one stream each, 1.87–1.93
 * with two. A warm page cache does not care.
 */
import { closeSync, openSync } from 'node:fs';
import { allocate, isBlock, sizeOf, TYPED_ARRAYS, type Block, type DType, type TypedArray } from '../dense.js';
import { compileExpr, type CompiledExpr } from './codegen.js';
import { isExprSpec, isSourceSpec, type ExprSpec, type SourceSpec } from './spec.js';
import { IDENTITY, WasmExprEvaluator, evaluateInto, type MemoryTarget } from './wasm_expr.js';

/** Open files and other resources a reader keeps for the life of one stream. */
export interface ReaderContext {
  /**
   * A read-only descriptor for `path`, opened once per stream and lane (the lane of the read in
   * progress: see {@link RowStream.read}), so that each lane reads the file sequentially.
   */
  fd(path: string): number;
  /** Per-stream scratch state for a reader. */
  readonly state: Map<string, unknown>;
}

/**
 * Writes rows `[r0, r1)` × columns `[c0, c1)` of a source into `out` at element `outOffset`,
 * in C order.
 */
export type Reader = (
  p: any,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
  out: TypedArray,
  outOffset: number,
  ctx: ReaderContext,
) => void;

/** How a source reader is best read. */
export interface ReaderOptions {
  /**
   * The source stores columns apart (Parquet): reading one column of a row range costs no more
   * than its share of reading all of them, so a column reduction reads the block column by column
   * (see {@link RowStream.readColumn}) instead of having the rows assembled first.
   */
  readonly columnar?: boolean;
}

const readers = new Map<string, Reader>();
const columnar = new Set<string>();

/** Registers a source reader under a name (`'npy'`, `'random'`…). Done by the kernel modules. */
export function registerReader(name: string, reader: Reader, options: ReaderOptions = {}): void {
  readers.set(name, reader);
  if (options.columnar) columnar.add(name);
  else columnar.delete(name);
}

function readerOf(name: string): Reader {
  const r = readers.get(name);
  if (!r) throw new TypeError(`No source reader '${name}' (known: ${[...readers.keys()].join(', ')}).`);
  return r;
}

/** A block's rows, tile by tile. */
export interface RowStream {
  readonly dtype: DType;
  readonly shape: readonly number[];
  /** Rows (first axis; 1 for a 0-d block). */
  readonly rows: number;
  /** Elements per row (product of the other axes; 1 for 1-D). */
  readonly cols: number;
  /**
   * Rows `[a, b)` in C order: a view valid until the next call, or — given `into` — written into
   * `into` (which is returned). `lane` (default 0): which of the caller's sequential passes the
   * read belongs to — a file source reads each lane through its own descriptor (see the module
   * comment); the rows are the same whatever the lane.
   */
  read(a: number, b: number, into?: TypedArray, lane?: number): TypedArray;
  /**
   * Rows [a, b) (default: all) evaluated straight into a shared WebAssembly memory — in order, or
   * each to its slot (see {@link MemoryTarget}) — inside the target's scratch range, so no tile is
   * copied between memories and a kernel over that memory uses the rows where they land. Returns
   * false, having written nothing, where that is not available (not float64, an expression
   * WebAssembly does not cover, no WebAssembly); the caller then reads the tiles itself. Tiles
   * are read on `lane` when it is given, else the two halves of the range alternately on lanes 0
   * and 1 (see the module comment); where each row lands does not depend on the order.
   */
  readInto(target: MemoryTarget, a?: number, b?: number, lane?: number): boolean;
  /**
   * Present on streams over a columnar source only: rows `[a, b)` of column `j` (of the stream's
   * `cols`) written into `into` (returned). Reading every column this way, one after the other,
   * reads each of the source's column chunks once.
   */
  readonly readColumn?: ((j: number, a: number, b: number, into: TypedArray) => TypedArray) | undefined;
  /** Releases files and buffers. */
  close(): void;
}

/** Target bytes of one tile: big enough to amortize a read call, small enough to stay in cache. */
export const TILE_BYTES = 1 << 20;

/** Rows per tile for a stream. */
export function tileRows(s: { cols: number }): number {
  return Math.max(1, Math.floor(TILE_BYTES / (8 * Math.max(1, s.cols))));
}

/** Lanes a stream keeps descriptors for (see the module comment: two are used). */
const LANES = 4;

function laneOf(lane: number): number {
  if (!(Number.isInteger(lane) && lane >= 0 && lane < LANES)) {
    throw new RangeError(`RowStream.read: lane must be an integer from 0 to ${LANES - 1}; got ${String(lane)}.`);
  }
  return lane;
}

function rowsCols(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  let cols = 1;
  for (let a = 1; a < shape.length; a++) cols *= shape[a]!;
  return [shape[0]!, cols];
}

function checkRange(s: RowStream, a: number, b: number): void {
  if (!(Number.isInteger(a) && Number.isInteger(b) && 0 <= a && a <= b && b <= s.rows)) {
    throw new RangeError(`readInto: rows [${a}, ${b}) are not a range of this stream's ${s.rows} rows.`);
  }
}

/** `readInto` of a stream whose rows are read as they are (a block, a source): the identity expression over it. */
function readAsIs(s: RowStream, target: MemoryTarget, a: number, b: number, lane: number | undefined): boolean {
  checkRange(s, a, b);
  return evaluateInto(IDENTITY, ['full'], [s.dtype], s.dtype, [s], [], a, b, s.cols, target, lane);
}

class BlockStream implements RowStream {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  constructor(readonly block: Block) {
    this.dtype = block.dtype;
    this.shape = block.shape;
    [this.rows, this.cols] = rowsCols(block.shape);
  }
  read(a: number, b: number, into?: TypedArray): TypedArray {
    const view = this.block.data.subarray(a * this.cols, b * this.cols);
    if (!into) return view;
    into.set(view as never);
    return into;
  }
  readInto(target: MemoryTarget, a = 0, b = this.rows, lane?: number): boolean {
    return readAsIs(this, target, a, b, lane);
  }
  close(): void {}
}

class Context implements ReaderContext {
  /** Descriptors by lane, then path. */
  readonly #fds: Map<string, number>[] = [];
  readonly state = new Map<string, unknown>();
  /** The lane of the read in progress (set by the stream before it calls the reader). */
  lane = 0;
  fd(path: string): number {
    const fds = (this.#fds[this.lane] ??= new Map());
    let fd = fds.get(path);
    if (fd === undefined) {
      fd = openSync(path, 'r');
      fds.set(path, fd);
    }
    return fd;
  }
  close(): void {
    for (const fds of this.#fds) for (const fd of fds?.values() ?? []) closeSync(fd);
    this.#fds.length = 0;
    this.state.clear();
  }
}

class SourceStream implements RowStream {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly #reader: Reader;
  readonly #ctx: Context;
  #staging: TypedArray | undefined;
  readonly readColumn: ((j: number, a: number, b: number, into: TypedArray) => TypedArray) | undefined;
  constructor(readonly spec: SourceSpec) {
    this.dtype = spec.dtype;
    this.shape = spec.shape;
    [this.rows, this.cols] = rowsCols(spec.shape);
    this.#reader = readerOf(spec.$src);
    this.#ctx = new Context();
    // Columns of a 2-D read (a 1-D one is its only column already).
    this.readColumn =
      columnar.has(spec.$src) && spec.shape.length === 2
        ? (j, a, b, into) => {
            const s = this.spec;
            this.#ctx.lane = 0;
            this.#reader(s.p, s.r0 + a, s.r0 + b, s.c0 + j, s.c0 + j + 1, into, 0, this.#ctx);
            return into;
          }
        : undefined;
  }
  read(a: number, b: number, into?: TypedArray, lane = 0): TypedArray {
    const n = (b - a) * this.cols;
    let out = into;
    if (!out) {
      if (!this.#staging || this.#staging.length < n) this.#staging = new TYPED_ARRAYS[this.dtype](n);
      out = this.#staging.subarray(0, n);
    }
    const s = this.spec;
    this.#ctx.lane = laneOf(lane);
    this.#reader(s.p, s.r0 + a, s.r0 + b, s.c0, s.c1, out, 0, this.#ctx);
    return out;
  }
  readInto(target: MemoryTarget, a = 0, b = this.rows, lane?: number): boolean {
    return readAsIs(this, target, a, b, lane);
  }
  close(): void {
    this.#ctx.close();
  }
}

class ExprStream implements RowStream {
  readonly rows: number;
  readonly cols: number;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly #inputs: (RowStream | TypedArray)[];
  /** The WebAssembly evaluator when the expression is covered (wasm_expr.ts), else null. */
  readonly #wasm: WasmExprEvaluator | null;
  readonly #fn: CompiledExpr | null;
  #staging: TypedArray | undefined;
  readonly #views: TypedArray[];
  readonly #dtypes: DType[];
  constructor(readonly spec: ExprSpec) {
    this.dtype = spec.dtype;
    this.shape = spec.shape;
    [this.rows, this.cols] = rowsCols(spec.shape);
    const dtypes: DType[] = [];
    this.#inputs = spec.ins.map((arg, i) => {
      const kind = spec.kinds[i];
      if (kind === 'full' || kind === 'row') {
        const s = streamOf(arg);
        dtypes.push(s.dtype);
        return s;
      }
      const b = materialize(arg);
      dtypes.push(b.dtype);
      return b.data;
    });
    this.#dtypes = dtypes;
    this.#views = new Array(this.#inputs.length);
    this.#wasm = WasmExprEvaluator.create(spec.$expr, spec.kinds, dtypes, spec.dtype, this.#inputs, spec.params, this.cols, tileRows(this));
    this.#fn = this.#wasm === null ? compileExpr(spec.$expr, spec.kinds, dtypes, spec.dtype) : null;
  }
  read(a: number, b: number, into?: TypedArray, lane = 0): TypedArray {
    if (this.#wasm !== null) return this.#wasm.read(a, b, into, lane);
    const n = (b - a) * this.cols;
    let out = into;
    if (!out) {
      if (!this.#staging || this.#staging.length < n) this.#staging = new TYPED_ARRAYS[this.dtype](n);
      out = this.#staging.subarray(0, n);
    }
    for (let i = 0; i < this.#inputs.length; i++) {
      const inp = this.#inputs[i]!;
      this.#views[i] = ArrayBuffer.isView(inp) ? inp : inp.read(a, b, undefined, lane);
    }
    this.#fn!(out, this.#views, this.spec.params, b - a, this.cols);
    return out;
  }
  readInto(target: MemoryTarget, a = 0, b = this.rows, lane?: number): boolean {
    checkRange(this, a, b);
    const { spec } = this;
    return evaluateInto(spec.$expr, spec.kinds, this.#dtypes, spec.dtype, this.#inputs, spec.params, a, b, this.cols, target, lane);
  }
  close(): void {
    this.#wasm?.close();
    for (const inp of this.#inputs) if (!ArrayBuffer.isView(inp)) inp.close();
  }
}

/** A row stream over a block argument: a Block, a SourceSpec or an ExprSpec. */
export function streamOf(arg: unknown): RowStream {
  if (isSourceSpec(arg)) return new SourceStream(arg);
  if (isExprSpec(arg)) return new ExprStream(arg);
  if (isBlock(arg)) return new BlockStream(arg);
  throw new TypeError(`Expected a block ({ dtype, shape, data }) or an inline block spec; got ${describe(arg)}.`);
}

/**
 * Where row `row` of a block argument comes from, for error messages: `'row 4 of data/X-00009.npy'`
 * for a read of .npy files, `'row 12 of data.arrow (record batch 3)'` for Arrow, the input's row for
 * an expression over a read (the scaler's), or undefined when there is nothing to say (an
 * in-memory block, a generator).
 *
 * @example
 * rowOrigin(X.blockArg(9, 0), 4); // 'row 4 of /data/X-00009.npy'
 */
export function rowOrigin(arg: unknown, row: number): string | undefined {
  if (isExprSpec(arg)) {
    // Inputs that vary along the rows line up with the output's rows.
    for (let i = 0; i < arg.ins.length; i++) {
      const k = arg.kinds[i];
      if (k !== 'full' && k !== 'row') continue;
      const o = rowOrigin(arg.ins[i], row);
      if (o !== undefined) return o;
    }
    return undefined;
  }
  if (!isSourceSpec(arg)) return undefined;
  const g = arg.r0 + row;
  const p = arg.p as {
    files?: readonly { path: string; start: number; rows: number }[];
    path?: string;
    batches?: readonly { index: number; start: number; batch: { rows: number } }[];
  } | null;
  const file = p?.files?.find((f) => g >= f.start && g < f.start + f.rows);
  if (file) return `row ${g - file.start} of ${file.path}`;
  const batch = p?.batches?.find((b) => g >= b.start && g < b.start + b.batch.rows);
  if (typeof p?.path === 'string') return batch ? `row ${g} of ${p.path} (record batch ${batch.index})` : `row ${g} of ${p.path}`;
  return undefined;
}

/**
 * A block argument as a Block: returned as is when it already is one; read, generated or
 * evaluated into a new shared-memory block when it is an inline spec.
 */
export function materialize(arg: unknown): Block {
  if (isBlock(arg)) return arg;
  if (!isSourceSpec(arg) && !isExprSpec(arg))
    throw new TypeError(`Expected a block ({ dtype, shape, data }) or an inline block spec; got ${describe(arg)}.`);
  const n = sizeOf(arg.shape);
  const data = allocate(arg.dtype, n);
  if (n > 0) {
    if (isSourceSpec(arg)) {
      const ctx = new Context();
      try {
        readerOf(arg.$src)(arg.p, arg.r0, arg.r1, arg.c0, arg.c1, data, 0, ctx);
      } finally {
        ctx.close();
      }
    } else {
      const s = new ExprStream(arg);
      try {
        const t = tileRows(s);
        for (let a = 0; a < s.rows; a += t) {
          const b = Math.min(s.rows, a + t);
          s.read(a, b, data.subarray(a * s.cols, b * s.cols));
        }
      } finally {
        s.close();
      }
    }
  }
  return { dtype: arg.dtype, shape: arg.shape, data };
}

/** Resolves inline specs among a kernel's arguments (top level and inside plain arrays). */
export function materializeArgs(args: readonly unknown[]): unknown[] {
  return args.map((a) =>
    isSourceSpec(a) || isExprSpec(a)
      ? materialize(a)
      : Array.isArray(a) && a.some((x) => isSourceSpec(x) || isExprSpec(x))
        ? a.map((x) => (isSourceSpec(x) || isExprSpec(x) ? materialize(x) : x))
        : a,
  );
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  return (v as object).constructor?.name ?? 'object';
}
