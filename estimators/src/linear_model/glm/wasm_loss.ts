/**
 * The WebAssembly twins of the binary and multinomial logistic losses and gradients
 * (estimators/wasm/glm_loss.wat): one tile of rows at a time, two rows at a time in the two f64x2
 * lanes. A tile is either copied into this thread's own memory of the module (a tile is at most
 * TILE_BYTES of X, so the copy stays in cache: lazy data, read anew by every pass), or — for an
 * in-memory fit — placed once in a resident memory ({@link ResidentLayout}) that every later
 * evaluation, on any thread, reads in place (a pass then copies and checks nothing: ~35% less work
 * per evaluation at 1M × 20). Labels and weights
 * are checked and mapped to 0/1 (or class indices) and s_i by the caller (losses.ts), which also keeps the JavaScript
 * loop for runtimes without WebAssembly SIMD, for `setGlmBackend('js')`, and for a tile with a
 * non-finite score (it names the row and column).
 *
 * Numerics: the same formulas as the JavaScript loop; summation order differs — the score
 * X_i·w + b sums even and odd features separately, the loss and the gradient sum even and odd rows
 * separately within a tile and each tile's sums are added to the block's — and exp / log1p / log
 * are the module's own (within a few ulps of Math's). The multinomial loss takes z_c − max(z)
 * directly where the JavaScript loop takes log(e^(z_c − max)) (which underflows beyond ~700). See
 * glm_wasm.test.ts for the agreement tested.
 */
import { createBufferPool } from '@tessera/scheduler';
import { GLM_LOSS_WASM_BASE64 } from './glm_loss_wasm_bytes.js';
import { WA, WASM_PAGE, compileBase64, instantiate, type WasmMemory } from '../../wasm_module.js';

/** Which implementation the GLM losses use: `'auto'` WebAssembly where available, `'js'` always JavaScript. */
export type GlmBackend = 'auto' | 'js';
let backend: GlmBackend = 'auto';

/** Selects the GLM loss implementation on this thread (see {@link GlmBackend}); returns the previous setting. */
export function setGlmBackend(b: GlmBackend): GlmBackend {
  if (b !== 'auto' && b !== 'js') throw new RangeError(`setGlmBackend: backend must be 'auto' or 'js'; got ${String(b)}.`);
  const prev = backend;
  backend = b;
  return prev;
}

type BinomialFn = (n: number, dp: number, xo: number, yo: number, so: number, zo: number, co: number, go: number, b: number) => number;

type MultinomialFn = (
  n: number,
  dp: number,
  k: number,
  xo: number,
  yo: number,
  so: number,
  zo: number,
  co: number,
  bo: number,
  go: number,
  gbo: number,
) => number;

/** The module's functions over one memory. */
interface Kernel {
  readonly memory: WasmMemory;
  readonly binomial: BinomialFn;
  readonly multinomial: MultinomialFn;
}

/** Largest memory used (byte offsets stay below 2**31); larger data stays in the tile-by-tile path. */
const MAX_BYTES = 2 ** 31 - WASM_PAGE;
const MAX_PAGES = MAX_BYTES / WASM_PAGE + 1;

let compiled: object | null | undefined;
let own: Kernel | null | undefined;
let heap: Float64Array | null = null;

/** The compiled module (once per thread), or null where WebAssembly SIMD or shared memory is unavailable. */
function compiledModule(): object | null {
  if (compiled === undefined) compiled = compileBase64(GLM_LOSS_WASM_BASE64);
  return compiled;
}

/** The module instantiated over `memory` (a shared WebAssembly memory), or null. */
function kernelOver(memory: WasmMemory): Kernel | null {
  const mod = compiledModule();
  if (mod === null) return null;
  const exports = instantiate(mod, { m: { memory } });
  if (exports === null) return null;
  return { memory, binomial: exports['binomial'] as BinomialFn, multinomial: exports['multinomial'] as MultinomialFn };
}

/** This thread's kernel over its own growable memory (tiles are copied into it), or null. */
function ownKernel(): Kernel | null {
  if (own === undefined) {
    own = null;
    if (WA !== undefined && compiledModule() !== null) {
      try {
        own = kernelOver(new WA.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }));
      } catch {
        own = null;
      }
    }
  }
  return own;
}

/** The module's memory as float64, at least `bytes` long. */
function room(k: Kernel, bytes: number): Float64Array {
  // A shared memory's buffer object is replaced when any memory of the thread grows: compare lengths.
  if (heap === null || heap.byteLength < bytes || heap.byteLength !== k.memory.buffer.byteLength) {
    const have = k.memory.buffer.byteLength;
    if (have < bytes) k.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
    heap = new Float64Array(k.memory.buffer);
  }
  return heap;
}

/** A tile's places in the module's memory (indices into its Float64Array). */
export interface BinomialTile {
  /** The memory as float64, valid until the next {@link binomialTile} call. */
  readonly heap: Float64Array;
  /** Row stride of X there: d rounded up to a multiple of 4 (the extra columns are zero). */
  readonly dp: number;
  readonly x: number;
  readonly y: number;
  readonly s: number;
  /** Scratch (the scores). */
  readonly z: number;
  readonly coef: number;
  readonly grad: number;
}

/**
 * Room for a tile of n rows × d features in the module's memory, with `coef` (d, then the
 * intercept, ignored here) copied in and the gradient slots zeroed; null when WebAssembly (SIMD) is
 * unavailable or the backend is `'js'`. The caller fills x, y (0/1) and s, then calls {@link runBinomial}.
 */
export function binomialTile(n: number, d: number, coef: Float64Array): BinomialTile | null {
  if (backend === 'js') return null;
  const k = ownKernel();
  if (k === null) return null;
  const dp = (d + 3) & ~3;
  const np = n + (n & 1);
  const co = 0;
  const go = co + dp;
  const x = go + dp + 2;
  const y = x + np * dp;
  const s = y + np;
  const z = s + np;
  const h = room(k, (z + np) * 8);
  for (let j = 0; j < d; j++) h[co + j] = coef[j]!;
  h.fill(0, co + d, co + dp);
  h.fill(0, go, go + dp + 2);
  if (np > n) {
    // The padding row: zero features, label 0, weight 0 (it adds nothing).
    h.fill(0, x + n * dp, x + np * dp);
    h[y + n] = 0;
    h[s + n] = 0;
  }
  return { heap: h, dp, x, y, s, z, coef: co, grad: go };
}

/**
 * Runs the module over a filled tile of n rows with intercept b: returns Σ s_i loss_i (the gradient
 * is then at `tile.grad`, its intercept entry at `tile.grad + dp`), or NaN when a score is not finite.
 */
export function runBinomial(tile: BinomialTile, n: number, b: number): number {
  const np = n + (n & 1);
  return own!.binomial(np, tile.dp, tile.x * 8, tile.y * 8, tile.s * 8, tile.z * 8, tile.coef * 8, tile.grad * 8, b);
}

/** A multinomial tile's places in the module's memory (indices into its Float64Array). */
export interface MultinomialTile extends BinomialTile {
  readonly k: number;
  /** The intercepts (k; zeros without one). */
  readonly bias: number;
  /** The intercepts' gradient sums: one pair of lanes per class (2k). */
  readonly gradBias: number;
}

/**
 * Room for a multinomial tile of n rows × d features and k classes, with `coef` (k rows of q = d
 * (+ 1 with an intercept, last)) copied in and the gradient slots zeroed; null as {@link binomialTile}.
 * The caller fills x, y (class indices) and s, then calls {@link runMultinomial}.
 */
export function multinomialTile(n: number, d: number, k: number, coef: Float64Array, fitIntercept: boolean): MultinomialTile | null {
  if (backend === 'js') return null;
  const kern = ownKernel();
  if (kern === null) return null;
  const dp = (d + 3) & ~3;
  const np = n + (n & 1);
  const q = d + (fitIntercept ? 1 : 0);
  const co = 0;
  const bias = co + k * dp;
  const go = bias + k + (k & 1);
  const gradBias = go + k * dp;
  const x = gradBias + 2 * k;
  const y = x + np * dp;
  const s = y + np;
  const z = s + np;
  const h = room(kern, (z + np * k) * 8);
  for (let r = 0; r < k; r++) {
    for (let j = 0; j < d; j++) h[co + r * dp + j] = coef[r * q + j]!;
    h.fill(0, co + r * dp + d, co + (r + 1) * dp);
    h[bias + r] = fitIntercept ? coef[r * q + d]! : 0;
  }
  h.fill(0, go, x);
  if (np > n) {
    h.fill(0, x + n * dp, x + np * dp);
    h[y + n] = 0;
    h[s + n] = 0;
  }
  return { heap: h, dp, x, y, s, z, coef: co, grad: go, k, bias, gradBias };
}

/** Runs the module over a filled multinomial tile of n rows: Σ s_i loss_i, or NaN when a score is not finite. */
export function runMultinomial(tile: MultinomialTile, n: number): number {
  const np = n + (n & 1);
  const t = tile;
  return own!.multinomial(np, t.dp, t.k, t.x * 8, t.y * 8, t.s * 8, t.z * 8, t.coef * 8, t.bias * 8, t.grad * 8, t.gradBias * 8);
}

/**
 * Where an in-memory fit's rows live for all its evaluations (a "resident" memory): the rows of
 * each row block cut into tiles exactly as the tile-by-tile path cuts them (so the sums are the
 * same, bit for bit), each tile padded to an even number of rows and placed once — labels mapped
 * and weights multiplied by the class weights — by the block's first evaluation; every later
 * evaluation runs the module over them in place. Each block also has its own slot (coefficients,
 * gradient sums, a filled flag) and scratch, so tasks on different blocks, on any threads, never
 * share a byte they write. Offsets are float64 indices.
 */
export interface ResidentLayout {
  readonly family: 'binomial' | 'multinomial';
  readonly n: number;
  readonly d: number;
  /** Row stride: d rounded up to a multiple of 4. */
  readonly dp: number;
  /** Coefficient rows (1 for the binomial loss). */
  readonly k: number;
  /** Rows per block (the last may have fewer). */
  readonly blockRows: number;
  /** Rows per tile within a block (the last tile of a block may have fewer). */
  readonly tileRows: number;
  readonly blocks: number;
  /** float64s per block slot: coefficients (k·dp), intercepts (k, even), gradient (k·dp), intercept sums (2k), flag (2). */
  readonly slot: number;
  /** Σ weights of each tile (in tile order). */
  readonly sumW: number;
  /** Per-block scratch for the scores: zRows · k each. */
  readonly z: number;
  readonly zRows: number;
  /** X (padded rows × dp), then y and s (one per padded row). */
  readonly x: number;
  readonly y: number;
  readonly s: number;
  readonly bytes: number;
}

/** A resident memory and its layout (plain data and a shared memory: crosses threads as a task argument). */
export interface Resident {
  readonly memory: WasmMemory;
  readonly layout: ResidentLayout;
  /** Names the memory (kept when it is reused): a thread that sees another one drops its handle on this. */
  readonly id: number;
}

/** Tiles and padded rows of a block of `rows` rows cut into tiles of `t`. */
function extent(rows: number, t: number): { tiles: number; padded: number } {
  const full = Math.floor(rows / t);
  const r = rows - full * t;
  return { tiles: full + (r > 0 ? 1 : 0), padded: full * (t + (t & 1)) + r + (r & 1) };
}

/**
 * The layout of n rows (d features) in blocks of `blockRows` rows and tiles of `tileRows` for a
 * logistic loss, or null for another loss, no rows, or more than the module addresses.
 */
export function residentLayout(
  spec: { readonly family: string; readonly nFeatures: number; readonly k: number },
  n: number,
  blockRows: number,
  tileRows: number,
): ResidentLayout | null {
  if ((spec.family !== 'binomial' && spec.family !== 'multinomial') || n < 1 || blockRows < 1 || tileRows < 1) return null;
  const d = spec.nFeatures;
  const k = spec.k;
  const dp = (d + 3) & ~3;
  const blocks = Math.ceil(n / blockRows);
  const full = extent(blockRows, tileRows);
  const last = extent(n - (blocks - 1) * blockRows, tileRows);
  const tiles = (blocks - 1) * full.tiles + last.tiles;
  const rows = (blocks - 1) * full.padded + last.padded;
  const even = (v: number) => v + (v & 1);
  const slot = even(2 * k * dp + even(k) + 2 * k + 2);
  const zRows = even(Math.min(tileRows, blockRows));
  const sumW = blocks * slot;
  const z = sumW + even(tiles);
  const x = z + blocks * zRows * k;
  const y = x + rows * dp;
  const s = y + rows;
  const bytes = (s + rows) * 8;
  if (bytes > MAX_BYTES) return null;
  return { family: spec.family, n, d, dp, k, blockRows, tileRows, blocks, slot, sumW, z, zRows, x, y, s, bytes };
}

/**
 * A finished fit's resident memory, kept a moment for the next fit on this thread: a fresh memory
 * costs ~70 ms of page faults per 180 MB (4 KiB pages; V8 asks for no huge pages), as much as
 * five evaluations save, and the workers' first task on it a full collection to let go of the
 * last one (see openResident). Dropped after {@link SPARE_MS} unused, or when another replaces it.
 * Five seconds: fits in a loop with other work between them (a search, a benchmark) reuse it;
 * the worker threads keep their handles on it until they see another memory anyway.
 */
let spare: { readonly memory: WasmMemory; readonly id: number } | null = null;
let spareTimer: ReturnType<typeof setTimeout> | undefined;
const SPARE_MS = 5000;

/**
 * The scheduler's line for the resident memories: V8 does not count a shared memory's bytes when
 * deciding to collect, so a dropped one would stay mapped (one more per fit) until a collection
 * that might never come. Dropping one reports it retired: a full collection follows. (Nothing in a
 * task's inputs or results is ever one of them, so isPooled says no.)
 */
const residentPool = createBufferPool({ name: 'glm-resident', isPooled: () => false });

/** The resident memory this thread last opened (its id and size). */
let lastOpened: { readonly id: number; readonly bytes: number } | null = null;

/** Lets the spare memory go (the threads' handles on it are garbage already: tasks drop theirs). */
function dropSpare(): void {
  if (spare === null) return;
  const bytes = spare.memory.buffer.byteLength;
  spare = null;
  residentPool.retired(bytes);
}

/**
 * A resident memory for `layout` with nothing placed (the spare one when it is big enough and not
 * more than four times too big, else a new one), or null when WebAssembly is not used on this
 * thread or the memory cannot be had (the passes then copy tile by tile, as before).
 */
export function newResident(layout: ResidentLayout): Resident | null {
  if (backend === 'js' || WA === undefined || compiledModule() === null) return null;
  const have = spare === null ? 0 : spare.memory.buffer.byteLength;
  if (spare !== null && have >= layout.bytes && have <= 4 * layout.bytes + WASM_PAGE) {
    const { memory, id } = spare;
    spare = null;
    clearTimeout(spareTimer);
    // The slots' flags say that nothing is placed; everything else is written before it is read.
    new Float64Array(memory.buffer, 0, layout.sumW).fill(0);
    return { memory, layout, id };
  }
  // 2% more than needed, so that the layouts of the same rows on this thread and on the workers
  // (their blocks pad differently) fit in each other's memory. Untouched pages cost nothing.
  const pages = Math.min(MAX_PAGES, Math.ceil((layout.bytes * 1.02) / WASM_PAGE));
  try {
    const memory = new WA.Memory({ initial: pages, maximum: pages, shared: true });
    return { memory, layout, id: Math.floor(Math.random() * 2 ** 31) };
  } catch {
    return null; // no address space or memory for it: the tile-by-tile path needs none
  }
}

/**
 * Gives back the resident memory of a fit that is over (no task of it still running), to be
 * reused by the next fit on this thread within {@link SPARE_MS}.
 */
export function releaseResident(r: Resident): void {
  if (spare !== null && spare.id !== r.id) dropSpare();
  spare = { memory: r.memory, id: r.id };
  clearTimeout(spareTimer);
  spareTimer = setTimeout(dropSpare, SPARE_MS);
  spareTimer.unref?.();
}

/** One tile of a block in a resident memory: rows [a, b) of the block, its padded rows np, X at row `at`, tile number g. */
export interface ResidentTile {
  readonly a: number;
  readonly b: number;
  readonly np: number;
  readonly at: number;
  readonly g: number;
}

/** The tiles of block `block` (in order). */
export function residentTiles(layout: ResidentLayout, block: number): ResidentTile[] {
  const { n, blockRows, tileRows } = layout;
  const full = extent(blockRows, tileRows);
  const rows = Math.min(blockRows, n - block * blockRows);
  const out: ResidentTile[] = [];
  let at = block * full.padded;
  let g = block * full.tiles;
  for (let a = 0; a < rows; a += tileRows) {
    const b = Math.min(rows, a + tileRows);
    const np = b - a + ((b - a) & 1);
    out.push({ a, b, np, at, g });
    at += np;
    g++;
  }
  return out;
}

/** A resident memory opened on this thread: its float64 view and the module over it. */
export interface ResidentRun {
  readonly heap: Float64Array;
  readonly layout: ResidentLayout;
  readonly kernel: Kernel;
}

/** Opens a resident memory on this thread, or null when WebAssembly is not used here (backend `'js'`). */
export function openResident(r: Resident): ResidentRun | null {
  if (backend === 'js') return null;
  // Another memory than the last one this thread used: its handle on that one (a wrapper object,
  // long dead) keeps it mapped until a full collection — ask for one (each thread has its own heap).
  if (lastOpened !== null && lastOpened.id !== r.id) residentPool.retired(lastOpened.bytes);
  lastOpened = { id: r.id, bytes: r.memory.buffer.byteLength };
  const kernel = kernelOver(r.memory);
  return kernel === null ? null : { heap: new Float64Array(r.memory.buffer), layout: r.layout, kernel };
}

/** Index of block `block`'s slot: coefficients at +0, intercepts at +k·dp, gradient and intercept sums after, flag last. */
export function residentSlot(
  layout: ResidentLayout,
  block: number,
): { coef: number; bias: number; grad: number; gradBias: number; flag: number } {
  const { k, dp, slot } = layout;
  const coef = block * slot;
  const bias = coef + k * dp;
  const grad = bias + k + (k & 1);
  const gradBias = grad + k * dp;
  return { coef, bias, grad, gradBias, flag: gradBias + 2 * k };
}

/**
 * Runs the module over one placed tile of block `block` (its coefficients already in the slot, its
 * gradient slots zeroed): Σ s_i loss_i, or NaN when a score is not finite (nothing added).
 */
export function runResident(run: ResidentRun, block: number, tile: ResidentTile, b: number): number {
  const L = run.layout;
  const sl = residentSlot(L, block);
  const xo = (L.x + tile.at * L.dp) * 8;
  const yo = (L.y + tile.at) * 8;
  const so = (L.s + tile.at) * 8;
  const zo = (L.z + block * L.zRows * L.k) * 8;
  if (L.family === 'binomial') return run.kernel.binomial(tile.np, L.dp, xo, yo, so, zo, sl.coef * 8, sl.grad * 8, b);
  return run.kernel.multinomial(tile.np, L.dp, L.k, xo, yo, so, zo, sl.coef * 8, sl.bias * 8, sl.grad * 8, sl.gradBias * 8);
}
