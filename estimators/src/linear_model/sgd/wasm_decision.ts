/**
 * The linear decision function in WebAssembly (the module's `decision`, f64x2 SIMD): the twin of
 * decision.ts's JavaScript loop, bit-identical, for a block in memory or a row stream evaluated
 * straight into this thread's WebAssembly memory (a read, or the scaler's expression over one).
 */
import { tileOrder, type RowStream } from '@tessera/array';
import { WASM_NO_MEMORY, align16, align64, chunkRows, ensureBytes, inMemory, ownKernel } from './wasm.js';

/**
 * linearDecision (decision.ts) in WebAssembly, bit-identical: `out[i * k + c]` = row i of X (n × d)
 * · row c of `coef` (k × d) + `intercept[c]`. Rows already in this thread's kernel memory (past
 * the window) are read in place; others stream through a cache-sized window of it. Returns -1, the first row whose
 * score is not finite, or {@link WASM_NO_MEMORY} (nothing written: use JavaScript).
 */
export function wasmDecision(
  X: Float64Array,
  n: number,
  d: number,
  coef: Float64Array,
  intercept: Float64Array,
  k: number,
  out: Float64Array,
): number {
  const kern = ownKernel();
  if (kern === null) return WASM_NO_MEMORY;
  const W = 128;
  const B = W + align16(k * d * 8);
  const OUT = B + align16(k * 8);
  const chunk = Math.min(n, chunkRows(d));
  const ROWS = align64(OUT + align16(chunk * k * 8));
  const inPlace = inMemory(X, kern.memory) && X.byteOffset >= ROWS;
  if (!ensureBytes(kern, inPlace ? ROWS : ROWS + chunk * d * 8)) return WASM_NO_MEMORY;
  const F = new Float64Array(kern.memory.buffer);
  F.set(coef.subarray(0, k * d), W / 8);
  F.set(intercept.subarray(0, k), B / 8);
  for (let a = 0; a < n; a += chunk) {
    const cnt = Math.min(chunk, n - a);
    let rows = X.byteOffset + a * d * 8;
    if (!inPlace) {
      F.set(X.subarray(a * d, (a + cnt) * d), ROWS / 8);
      rows = ROWS;
    }
    const bad = kern.decision(rows, cnt, d, W, k, B, OUT);
    if (bad >= 0) return a + bad;
    out.set(F.subarray(OUT / 8, OUT / 8 + cnt * k), a * k);
  }
  return -1;
}

/**
 * The decision values of a row stream, a tile at a time, in this thread's kernel memory: each
 * tile is evaluated straight into the memory (`RowStream.readInto`: a read, or the scaler's
 * expression over a read, lands where the kernel reads it — no copy between memories), then
 * scored there. `tile(rows, a, count, scores, bad)` receives, per tile, views of its rows and of
 * its scores (k per row; valid during the call) and the first row whose score is not finite
 * (-1: none; its scores from that row on are not computed). Returns false, having called nothing,
 * when the stream cannot be evaluated into the memory (not float64, an expression WebAssembly does
 * not cover) or WebAssembly is unavailable.
 *
 * The tiles of the two halves of the stream are taken alternately, each half on its own lane
 * (`tileOrder`: two sequential streams for the disk), so `tile` is called out of row order. A tile
 * with a non-finite score is set aside and given to `tile`, read again, after all the others, the
 * set-aside ones in row order: the first one `tile` throws for holds the block's first such row.
 */
export function wasmStreamDecision(
  s: RowStream,
  coef: Float64Array,
  intercept: Float64Array,
  k: number,
  tile: (rows: Float64Array, a: number, count: number, scores: Float64Array, bad: number) => void,
): boolean {
  const kern = ownKernel();
  if (kern === null) return false;
  const n = s.rows;
  const d = s.cols;
  const W = 128;
  const B = W + align16(k * d * 8);
  const OUT = B + align16(k * 8);
  const chunk = Math.max(1, Math.min(n, chunkRows(d)));
  const ROWS = align64(OUT + align16(chunk * k * 8));
  const SCRATCH = align64(ROWS + chunk * d * 8);
  // Room for the expression's inputs: a tile of rows and its constants, with slack for alignment.
  const scratchBytes = chunk * d * 8 + 4 * d * 8 + 4096;
  if (!ensureBytes(kern, SCRATCH + scratchBytes)) return false;
  const F = new Float64Array(kern.memory.buffer);
  F.set(coef.subarray(0, k * d), W / 8);
  F.set(intercept.subarray(0, k), B / 8);
  const target = { memory: kern.memory, out: ROWS, scratch: SCRATCH, scratchBytes };
  let scored = 0;
  /** Scores tile t, read on `lane`; false when the stream cannot be evaluated into the memory at all. */
  const score = (t: number, lane: number, setAside: number[] | null): boolean => {
    const a = t * chunk;
    const cnt = Math.min(chunk, n - a);
    if (!s.readInto(target, a, a + cnt, lane)) {
      if (scored === 0) return false;
      throw new Error(`wasmStreamDecision: the stream stopped evaluating into memory at row ${a}.`);
    }
    scored++;
    const bad = kern.decision(ROWS, cnt, d, W, k, B, OUT);
    if (bad >= 0 && setAside !== null) setAside.push(t);
    else tile(F.subarray(ROWS / 8, ROWS / 8 + cnt * d), a, cnt, F.subarray(OUT / 8, OUT / 8 + cnt * k), bad);
    return true;
  };
  const setAside: number[] = [];
  for (const [t, lane] of tileOrder(Math.ceil(n / chunk))) if (!score(t, lane, setAside)) return false;
  for (const t of setAside.sort((x, y) => x - y)) score(t, 0, null);
  return true;
}
