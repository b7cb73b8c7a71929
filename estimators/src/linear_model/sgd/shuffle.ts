/**
 * The shuffle of the fast SGD path and its random draws — what scikit-learn's `_seq_dataset`
 * (`SequentialDataset.shuffle`) does for `_sgd_fast.pyx`, built for large blocks: the bucket
 * shuffle (a true shuffle whose row moves are sequential), its WebAssembly twin (draw for draw the
 * same), the last draws kept per thread (partialFit re-seeds every call, so equal blocks draw the
 * same order again), the visit order a prepared block is put in, and the seed partialFit's
 * shuffle gets. The generator itself is random.ts's.
 */
import { MAX_SEED, Random, randomFrom } from '../../random.js';
import { NONE, RNG_STATE, align16, ensureBytes, ownKernel, type Kernel } from './wasm.js';

const TWO_M32 = 2 ** -32;

/** Largest seed drawn for the shuffling generator (numpy's int32 max, as scikit-learn draws). */
export const MAX_INT = 2 ** 31 - 1;

/**
 * The seed of the shuffle of a partialFit call with an integer randomState on a problem trained
 * in one piece (a regression or a binary classification): the first draw of the call's generator,
 * as trainClassifier / trainRegressor draw it (no early-stopping split in partialFit).
 */
export function shuffleSeed(randomState: number): number {
  return randomFrom(randomState).randint(MAX_INT);
}

/**
 * A uniformly random order of n rows, built so that the rows can be regrouped with sequential
 * reads: each row draws a bucket (about `rowsPerBucket` rows each); `slot` lists rows bucket by
 * bucket in ascending order; the rows of each bucket are then visited in a uniformly random
 * order. Because bucket draws are i.i.d. and each bucket is shuffled uniformly, every order of the
 * rows is equally likely — a true shuffle — while copying rows to their slots reads the block
 * front to back and writes to one stream per bucket (random access over a large block is what
 * makes a plain Fisher–Yates order slow).
 */
export interface BucketShuffle {
  /** order[k]: the row visited k-th. */
  readonly order: Int32Array;
  /** slot[row]: where the row goes when rows are grouped by bucket (ascending within a bucket). */
  readonly slot: Int32Array;
  /** visit[k]: the slot visited k-th, so order[k] is the row stored at slot visit[k]. */
  readonly visit: Int32Array;
  /** Bucket b holds slots [bucketStart[b], bucketStart[b + 1]) and is visited at those k. */
  readonly bucketStart: Int32Array;
}

/** Rows per bucket so that one bucket of float64 rows is about 256 KiB (fits in L2 cache). */
export function rowsPerBucket(nFeatures: number): number {
  return Math.max(64, Math.floor(262144 / (8 * Math.max(1, nFeatures))));
}

/**
 * Draws a {@link BucketShuffle} of n rows (reusing `reuse`'s arrays when they have length n).
 * With `withOrder: false`, `order` is left unfilled (callers that only use slot / visit save a
 * pass); the draws, hence slot and visit, are the same either way.
 */
export function bucketShuffle(n: number, perBucket: number, rng: Random, reuse?: BucketShuffle, withOrder = true): BucketShuffle {
  const nb = Math.max(1, Math.ceil(n / perBucket));
  const same = reuse !== undefined && reuse.order.length === n;
  const order = same ? reuse.order : new Int32Array(n);
  const slot = same ? reuse.slot : new Int32Array(n);
  const visit = same ? reuse.visit : new Int32Array(n);
  const start = new Int32Array(nb + 1);
  // Random words are drawn in bulk; Lemire's method turns each into an unbiased index, drawing
  // a fresh word in the rare case it rejects one.
  const raw = rng.fillUint32(new Uint32Array(n));
  // `order` holds each row's bucket for now.
  for (let i = 0; i < n; i++) {
    const b = nb === 1 ? 0 : lemire(raw[i]!, nb, rng);
    order[i] = b;
    start[b + 1]!++;
  }
  for (let b = 0; b < nb; b++) start[b + 1]! += start[b]!;
  const fill = start.slice(0, nb);
  for (let i = 0; i < n; i++) slot[i] = fill[order[i]!]!++;
  // ascending[s] = the row at slot s (kept in `order` once the buckets are no longer needed).
  for (let i = 0; i < n; i++) order[slot[i]!] = i;
  rng.fillUint32(raw);
  let next = 0;
  for (let b = 0; b < nb; b++) {
    const lo = start[b]!;
    const m = start[b + 1]! - lo;
    for (let r = 0; r < m; r++) visit[lo + r] = lo + r;
    for (let r = m - 1; r > 0; r--) {
      const q = lemire(raw[next++]!, r + 1, rng);
      const tmp = visit[lo + r]!;
      visit[lo + r] = visit[lo + q]!;
      visit[lo + q] = tmp;
    }
  }
  // order[k] = ascending[visit[k]]; `order` currently holds `ascending`, so go through a copy.
  if (withOrder) {
    const ascending = order.slice();
    for (let k = 0; k < n; k++) order[k] = ascending[visit[k]!]!;
  }
  return { order, slot, visit, bucketStart: start };
}

/** An unbiased index in [0, bound) from the 32-bit word x (Lemire 2019), redrawing from rng on rejection. */
export function lemire(x: number, bound: number, rng: Random): number {
  let m = x * bound;
  let hi = Math.floor(m * TWO_M32);
  let low = m - hi * MAX_SEED;
  if (low < bound) {
    const threshold = (MAX_SEED - bound) % bound;
    while (low < threshold) {
      m = rng.nextUint32() * bound;
      hi = Math.floor(m * TWO_M32);
      low = m - hi * MAX_SEED;
    }
  }
  return hi;
}

/** Where {@link drawsInto} writes (byte offsets; `order` -1 for none). */
interface DrawsAt {
  readonly slot: number;
  readonly visit: number;
  readonly starts: number;
  readonly raw: number;
  readonly order: number;
}

/**
 * {@link bucketShuffle}, draw for draw, in WebAssembly into `k`'s memory: slot,
 * visit and bucket starts (and order) at `at`. `rng` continues as if the JavaScript version had run.
 */
function drawsInto(k: Kernel, n: number, nb: number, rng: Random, at: DrawsAt): void {
  const I = new Int32Array(k.memory.buffer);
  rng.saveState(I, RNG_STATE / 4);
  k.draws(n, nb, RNG_STATE, at.slot, at.visit, at.starts, at.raw, at.order);
  rng.loadState(I, RNG_STATE / 4);
}

/** The bucket count of {@link bucketShuffle}. */
export function bucketCount(n: number, perBucket: number): number {
  return Math.max(1, Math.ceil(n / perBucket));
}

/**
 * {@link bucketShuffle} without `order`, computed in WebAssembly (bit-identical; several times
 * faster): views of this thread's kernel memory, valid until its next use. Null when unavailable.
 */
export function wasmBucketShuffle(
  n: number,
  perBucket: number,
  rng: Random,
  withOrder = false,
): { slot: Int32Array; visit: Int32Array; bucketStart: Int32Array; order: Int32Array | null } | null {
  const k = ownKernel();
  if (k === null) return null;
  const nb = bucketCount(n, perBucket);
  const SLOT = 128;
  const VISIT = SLOT + align16(n * 4);
  const STARTS = VISIT + align16(n * 4);
  const RAW = STARTS + align16((nb + 1) * 4);
  const ORDER = RAW + align16(n * 4);
  if (!ensureBytes(k, ORDER + (withOrder ? n * 4 : 0))) return null;
  drawsInto(k, n, nb, rng, { slot: SLOT, visit: VISIT, starts: STARTS, raw: RAW, order: withOrder ? ORDER : NONE });
  const buf = k.memory.buffer;
  return {
    slot: new Int32Array(buf, SLOT, n),
    visit: new Int32Array(buf, VISIT, n),
    bucketStart: new Int32Array(buf, STARTS, nb + 1),
    order: withOrder ? new Int32Array(buf, ORDER, n) : null,
  };
}

/** For tests: the kernel's Lemire step with a generator continuing from `rng` (advanced as the JavaScript one would be). */
export function wasmBelow(x: number, bound: number, rng: Random): number | null {
  const k = ownKernel();
  if (k === null) return null;
  const I = new Int32Array(k.memory.buffer);
  rng.saveState(I, RNG_STATE / 4);
  const r = k.below(RNG_STATE, x | 0, bound | 0) >>> 0;
  rng.loadState(I, RNG_STATE / 4);
  return r;
}

/** The last shuffle drawn on this thread (see {@link keptDraws}). */
let lastDraws: { n: number; perBucket: number; before: Int32Array; after: Int32Array; drawn: KeptDraws } | null = null;

/** A bucket shuffle's slots, visit order and bucket starts (see {@link bucketShuffle}). */
export interface KeptDraws {
  readonly slot: Int32Array;
  readonly visit: Int32Array;
  readonly bucketStart: Int32Array;
}

/**
 * {@link bucketShuffle}'s draws for n rows with `rng` (which advances as if they were drawn),
 * kept: partialFit re-seeds from randomState on every call, so blocks of one size draw the same
 * order again (~3 ms for 500k rows), and the last one is kept per thread (copies, ~8 bytes per
 * row), keyed by the generator's state before drawing. Drawn in WebAssembly where possible.
 */
export function keptDraws(n: number, perBucket: number, rng: Random): KeptDraws {
  const before = new Int32Array(4);
  rng.saveState(before);
  const hit = lastDraws;
  if (hit !== null && hit.n === n && hit.perBucket === perBucket && hit.before.every((v, i) => v === before[i])) {
    rng.loadState(hit.after);
    return hit.drawn;
  }
  const d = wasmBucketShuffle(n, perBucket, rng) ?? bucketShuffle(n, perBucket, rng, undefined, false);
  const after = new Int32Array(4);
  rng.saveState(after);
  const drawn = { slot: d.slot.slice(), visit: d.visit.slice(), bucketStart: d.bucketStart.slice() };
  lastDraws = { n, perBucket, before, after, drawn };
  return drawn;
}

/** The visit order of a shuffled epoch over n rows of d features seeded with `seed` (order[k]: the row visited k-th). */
export function visitOrder(n: number, d: number, seed: number): Int32Array {
  return (
    wasmBucketShuffle(n, rowsPerBucket(d), new Random(seed), true)?.order?.slice() ??
    bucketShuffle(n, rowsPerBucket(d), new Random(seed)).order
  );
}
