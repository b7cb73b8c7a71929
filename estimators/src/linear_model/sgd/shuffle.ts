/**
 * The shuffle of the fast SGD path — scikit-learn 1.2's, draw for draw: `SequentialDataset.shuffle`
 * (`utils/_seq_dataset.pyx.tp`, a forward Fisher–Yates over the dataset's index array with
 * `our_rand_r`, `utils/_random.pxd`), called by `_plain_sgd` at the start of every epoch with the
 * same seed, so epoch e visits the rows in the order π^e (π: the permutation one call applies);
 * and the seeds `_stochastic_gradient.py` draws from numpy's RandomState for it.
 *
 * For speed over large blocks the visit order is then turned into bucket-grouped slots
 * ({@link KeptDraws}): rows are scattered with sequential reads to their bucket (a cache-sized
 * range of visit positions), and each bucket is visited in its order — the same rows in the same
 * order as scikit-learn, without page-sized random access. The permutation of a (rows, seed) pair
 * and its buckets are kept per thread: partialFit re-seeds every call, so equal blocks visit in
 * the same order again.
 */
import { RandomState } from '@tessera/array';
import { noteDeadBytes } from '@tessera/scheduler';
import { align16, ownKernel, scratchKernel, type Kernel } from './wasm.js';

/** Lets a kernel made for one call go (scratchKernel), and says its memory is garbage now. */
function dropScratch(k: Kernel): void {
  if (k !== ownKernel()) noteDeadBytes(k.memory.buffer.byteLength);
}

/** Where the shuffle's WebAssembly helpers work in this thread's kernel memory (past the epoch's header). */
const SCRATCH = 128;

/** numpy's `np.iinfo(np.int32).max`: scikit-learn's `MAX_INT`, the bound of the seeds it draws. */
export const MAX_INT = 2 ** 31 - 1;

/**
 * The seed `_plain_sgd` shuffles with, for a problem trained in one piece, as scikit-learn draws it
 * from `RandomState(randomState)`: a classifier's binary problem (`fit_binary`: `make_dataset`'s
 * `randint(1, MAX_INT)` first, then `randint(MAX_INT)`), a regression (`_fit_regressor`:
 * `randint(0, MAX_INT)` first).
 */
export function shuffleSeed(randomState: number, kind: 'classifier' | 'regressor'): number {
  const rs = new RandomState(randomState);
  if (kind === 'regressor') return rs.randint(0, MAX_INT);
  rs.randint(1, MAX_INT);
  return rs.randint(MAX_INT);
}

/**
 * π: the permutation one `SequentialDataset.shuffle(seed)` applies to n rows — after it, position
 * k of the index array holds what position π[k] held. `our_rand_r` is a 32-bit xorshift (seed 0
 * taken as 1) whose output is taken mod 2^31. `wasm: false` forces the JavaScript loop (tests).
 */
export function seqShufflePermutation(n: number, seed: number, wasm = true): Int32Array {
  // In WebAssembly where possible (several times faster), in this thread's kernel memory as scratch.
  const k = wasm ? scratchKernel(SCRATCH + n * 4) : null;
  if (k !== null) {
    k.seqperm(SCRATCH, n, seed | 0);
    const perm = new Int32Array(k.memory.buffer, SCRATCH, n).slice();
    dropScratch(k);
    return perm;
  }
  const ind = new Int32Array(n);
  for (let i = 0; i < n; i++) ind[i] = i;
  let s = seed | 0;
  for (let i = 0; i < n - 1; i++) {
    if (s === 0) s = 1;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = i + ((s & 0x7fffffff) % (n - i));
    const t = ind[i]!;
    ind[i] = ind[j]!;
    ind[j] = t;
  }
  return ind;
}

/** The last permutation made on this thread (partialFit re-seeds every call: equal blocks reuse it). */
let lastPermutation: { n: number; seed: number; perm: Int32Array } | null = null;
/** The last permutation's buckets. */
let lastBuckets: { perm: Int32Array; perBucket: number; drawn: KeptDraws } | null = null;

/** {@link seqShufflePermutation}, kept per thread for the last (n, seed). Read-only. */
export function shufflePermutation(n: number, seed: number): Int32Array {
  const hit = lastPermutation;
  if (hit !== null && hit.n === n && hit.seed === seed) return hit.perm;
  const perm = seqShufflePermutation(n, seed);
  lastPermutation = { n, seed, perm };
  return perm;
}

/**
 * The visit order `order` as bucket-grouped slots: bucket b holds the visit positions
 * [b·size, (b+1)·size), size the largest power of two ≤ `perBucket` (a shift instead of a
 * division); slot[row] places the row within its bucket's range (rows of a bucket in ascending
 * order, so a scatter reads and writes sequentially); visit[k] is the slot of order[k]. Reuses
 * `reuse`'s arrays when their lengths fit. `wasm: false` forces the JavaScript passes (tests).
 */
export function bucketsOf(order: Int32Array, perBucket: number, reuse?: KeptDraws, wasm = true): KeptDraws {
  const n = order.length;
  const { shift, size, nb } = bucketShape(n, perBucket);
  const same = reuse !== undefined && reuse.slot.length === n && reuse.bucketStart.length === nb + 1;
  const slot = same ? reuse.slot : new Int32Array(n);
  const visit = same ? reuse.visit : new Int32Array(n);
  const bucketStart = same ? reuse.bucketStart : new Int32Array(nb + 1);
  for (let b = 0; b <= nb; b++) bucketStart[b] = Math.min(n, b * size);
  const SLOT = SCRATCH + align16(n * 4);
  const VISIT = SLOT + align16(n * 4);
  const FILL = VISIT + align16(n * 4);
  const k = wasm ? scratchKernel(FILL + nb * 4) : null;
  if (k !== null) {
    // The same passes in WebAssembly (about four times faster).
    const I = new Int32Array(k.memory.buffer);
    I.set(order, SCRATCH / 4);
    k.seqbuckets(SCRATCH, n, shift, SLOT, VISIT, FILL);
    slot.set(I.subarray(SLOT / 4, SLOT / 4 + n));
    visit.set(I.subarray(VISIT / 4, VISIT / 4 + n));
    dropScratch(k);
    return { slot, visit, bucketStart };
  }
  // slot holds each row's visit position first, then (rows ascending) its slot.
  for (let k = 0; k < n; k++) slot[order[k]!] = k;
  const fill = bucketStart.slice(0, nb);
  for (let row = 0; row < n; row++) {
    const k = slot[row]!;
    const at = fill[k >>> shift]!++;
    slot[row] = at;
    visit[k] = at;
  }
  return { slot, visit, bucketStart };
}

/** {@link bucketsOf} of the permutation of (n, seed) — partialFit's visit order — kept per thread. */
export function shuffleBuckets(n: number, seed: number, perBucket: number): KeptDraws {
  const perm = shufflePermutation(n, seed);
  const hit = lastBuckets;
  if (hit !== null && hit.perm === perm && hit.perBucket === perBucket) return hit.drawn;
  const drawn = bucketsOf(perm, perBucket);
  lastBuckets = { perm, perBucket, drawn };
  return drawn;
}

/**
 * The visit orders of one `_plain_sgd` call: the dataset's index array, shuffled in place at the
 * start of every epoch with the same seed (epoch e: π^e). {@link next} gives this epoch's order;
 * {@link buckets} the same order as bucket-grouped slots.
 */
export class EpochOrders {
  private readonly perm: Int32Array;
  private index: Int32Array | null = null;
  private spare: Int32Array | null = null;
  private epoch = 0;
  private reuse: KeptDraws | undefined;

  constructor(
    private readonly n: number,
    private readonly seed: number,
  ) {
    this.perm = shufflePermutation(n, seed);
  }

  /** Shuffles for the next epoch and returns its visit order (valid until the next call; read-only). */
  next(): Int32Array {
    this.epoch++;
    const prev = this.index;
    if (prev === null) {
      // arange(n) shuffled once: π itself (the kept array, never written).
      this.index = this.perm;
    } else {
      const n = this.n;
      let out = this.spare;
      if (out === null || out === this.perm) out = new Int32Array(n);
      const perm = this.perm;
      for (let k = 0; k < n; k++) out[k] = prev[perm[k]!]!;
      this.spare = prev === this.perm ? null : prev;
      this.index = out;
    }
    return this.index;
  }

  /** This epoch's order (after {@link next}) as bucket-grouped slots. */
  buckets(perBucket: number): KeptDraws {
    if (this.epoch === 1) return shuffleBuckets(this.n, this.seed, perBucket);
    this.reuse = bucketsOf(this.index!, perBucket, this.reuse);
    return this.reuse;
  }
}

/** Bucket size (a power of two) and count of {@link bucketsOf} for n rows and `perBucket`. */
export function bucketShape(n: number, perBucket: number): { shift: number; size: number; nb: number } {
  const shift = Math.max(0, Math.floor(Math.log2(Math.max(1, perBucket))));
  const size = 2 ** shift;
  return { shift, size, nb: Math.max(1, Math.ceil(n / size)) };
}

/** The last slots and visit order {@link bucketsInto} made on this thread, for the next equal block. */
let lastInto: { n: number; seed: number; shift: number; slot: Int32Array; visit: Int32Array } | null = null;

/**
 * {@link shuffleBuckets} written straight into a kernel's memory: the slots of the n rows at
 * `slotAt` and the visit order at `visitAt` (n int32 each), made in `scratchAt`, which must hold
 * 4·n + 4·nb free bytes (a prepared block's row area before its rows arrive). Returns the bucket
 * starts (nb + 1). The last (n, seed, perBucket) is kept per thread, as its slots and visit order
 * only: partialFit re-seeds every call, so the blocks of a fit share them. A copy in a scratch
 * memory of its own, as {@link shuffleBuckets} makes, costs each thread 6 MB more at the fit's peak (a
 * scratch WebAssembly memory lives until a collection, and the permutation was kept too).
 */
export function bucketsInto(
  k: Kernel,
  n: number,
  seed: number,
  perBucket: number,
  slotAt: number,
  visitAt: number,
  scratchAt: number,
): Int32Array {
  const { shift, size, nb } = bucketShape(n, perBucket);
  const bucketStart = new Int32Array(nb + 1);
  for (let b = 0; b <= nb; b++) bucketStart[b] = Math.min(n, b * size);
  const I = new Int32Array(k.memory.buffer);
  const hit = lastInto;
  if (hit !== null && hit.n === n && hit.seed === seed && hit.shift === shift) {
    I.set(hit.slot, slotAt / 4);
    I.set(hit.visit, visitAt / 4);
    return bucketStart;
  }
  k.seqperm(scratchAt, n, seed | 0);
  k.seqbuckets(scratchAt, n, shift, slotAt, visitAt, scratchAt + align16(n * 4));
  lastInto = { n, seed, shift, slot: I.slice(slotAt / 4, slotAt / 4 + n), visit: I.slice(visitAt / 4, visitAt / 4 + n) };
  return bucketStart;
}

/** Rows per bucket so that one bucket of float64 rows is about 256 KiB (fits in L2 cache). */
export function rowsPerBucket(nFeatures: number): number {
  return Math.max(64, Math.floor(262144 / (8 * Math.max(1, nFeatures))));
}

/** A bucket-grouped order's slots, visit order and bucket starts (see the module comment). */
export interface KeptDraws {
  readonly slot: Int32Array;
  readonly visit: Int32Array;
  readonly bucketStart: Int32Array;
}

/**
 * The visit order of partialFit's shuffled epoch over n rows seeded with `seed` (order[k]: the row
 * visited k-th): scikit-learn's `SequentialDataset.shuffle` once over arange(n). A copy.
 */
export function visitOrder(n: number, seed: number): Int32Array {
  return shufflePermutation(n, seed).slice();
}
