/**
 * Our own seeded generator, so that shuffling and validation splits give identical streams on
 * every platform, thread and Node version (Math.random cannot be seeded).
 *
 * The generator is xoshiro128** (Blackman & Vigna, 2018), 32-bit arithmetic only, seeded by
 * expanding the seed with SplitMix64 — the initialisation its authors recommend. Where
 * scikit-learn's own draws are reproduced (the SGD family's shuffle, seeds and early-stopping
 * splits, Incremental's block order), numpy's legacy `RandomState` from `@tessera/array` is used
 * instead.
 */

const MASK64 = (1n << 64n) - 1n;

function splitmix64(state: bigint): [bigint, bigint] {
  const next = (state + 0x9e3779b97f4a7c15n) & MASK64;
  let z = next;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return [next, z ^ (z >> 31n)];
}

/** Largest seed + 1 accepted (seeds are 32-bit unsigned integers, like numpy's RandomState). */
export const MAX_SEED = 2 ** 32;
/** Bounds up to this use {@link Random.below}. */
const SMALL_BOUND = 2 ** 21;
const TWO_M32 = 2 ** -32;

/**
 * A seeded pseudo-random generator (xoshiro128**).
 *
 * @example
 * const rng = new Random(42);
 * rng.random();      // a float in [0, 1), the same on every machine
 * rng.randint(10);   // an int in [0, 10)
 */
export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 53) {
      throw new RangeError(`Random: seed must be a non-negative safe integer. Got ${seed}.`);
    }
    let st = BigInt(seed);
    let a: bigint, b: bigint;
    [st, a] = splitmix64(st);
    [, b] = splitmix64(st);
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    const s1 = this.s1;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return r >>> 0;
  }

  /** Fills `out` with the next out.length values of {@link nextUint32} (faster than calling it in a loop). */
  fillUint32(out: Uint32Array): Uint32Array {
    let s0 = this.s0;
    let s1 = this.s1;
    let s2 = this.s2;
    let s3 = this.s3;
    for (let i = 0; i < out.length; i++) {
      const m = Math.imul(s1, 5);
      out[i] = Math.imul((m << 7) | (m >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    return out;
  }

  /** A float in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An unbiased integer in [0, n), for 1 <= n <= 2**32. */
  randint(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > MAX_SEED)
      throw new RangeError(`Random.randint: n must be an integer in [1, 2**32]. Got ${n}.`);
    if (n <= SMALL_BOUND) return this.below(n);
    const limit = MAX_SEED - (MAX_SEED % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /**
   * An unbiased integer in [0, n) for an integer 1 <= n <= 2**21, unchecked: Lemire's
   * multiply-and-reject, in doubles (x·n < 2**53 is exact), so one draw almost always suffices.
   */
  below(n: number): number {
    // m = x·n split as hi·2**32 + low (exact in doubles; avoids the slow floating-point %).
    let m = this.nextUint32() * n;
    let hi = Math.floor(m * TWO_M32);
    let low = m - hi * MAX_SEED;
    if (low < n) {
      const threshold = (MAX_SEED - n) % n;
      while (low < threshold) {
        m = this.nextUint32() * n;
        hi = Math.floor(m * TWO_M32);
        low = m - hi * MAX_SEED;
      }
    }
    return hi;
  }

  /** Shuffles `a` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(a: T): T {
    for (let i = a.length - 1; i > 0; i--) {
      const j = i < SMALL_BOUND ? this.below(i + 1) : this.randint(i + 1);
      const tmp = a[i]!;
      a[i] = a[j]!;
      a[j] = tmp;
    }
    return a;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/**
 * A generator for a `randomState` hyperparameter: seeded with it when it is an integer, from
 * the OS's entropy when it is null (so runs differ, like scikit-learn's `random_state=None`).
 */
export function randomFrom(randomState: number | null | undefined): Random {
  if (randomState === null || randomState === undefined) {
    const buf = new Uint32Array(1);
    globalThis.crypto.getRandomValues(buf);
    return new Random(buf[0]!);
  }
  return new Random(randomState);
}
