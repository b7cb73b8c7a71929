/**
 * numpy's legacy `RandomState` (numpy 1.24, the generator scikit-learn draws from), bit for bit:
 * MT19937 with the legacy seeding, `random_sample`'s 53-bit doubles, `randint`'s masked rejection
 * (`_bounded_integers`), `uniform`, the legacy polar-method `standard_normal` with its cached
 * second value, `shuffle` / `permutation` (Fisher–Yates from the end with `random_interval`),
 * `choice` (with and without replacement, with and without `p`) and the state tuple of
 * `get_state` / `set_state`.
 *
 * Written from numpy's sources (`numpy/random/mtrand.pyx`, `_bounded_integers.pyx.in`,
 * `src/mt19937/`, `src/legacy/`, `src/distributions/`) and checked against numpy 1.24 over
 * millions of draws (`packages/array/test/random_state.test.ts`). The hot paths are 32-bit
 * integer arithmetic on a `Uint32Array`; no BigInt.
 *
 * The polar method's `log` is glibc's, reproduced bit for bit (glibc_log.ts): V8's `Math.log`
 * rounds a few percent of results differently, which changed the last bit of normal deviates.
 * numpy linked to another C library (macOS, Windows) may itself differ there.
 */
import { randomFillSync } from 'node:crypto';
import { glibcLog } from './glibc_log.js';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const TWO_32 = 4294967296;
/** The largest bound this implementation draws in (integers stay exact as JS numbers). */
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** What a {@link RandomState} can be seeded with: numpy's legacy seeds. */
export type RandomSeed = number | ArrayLike<number> | null | undefined;

/**
 * numpy's legacy state tuple, `RandomState.get_state()`:
 * `['MT19937', key (624 uint32), pos, has_gauss, cached_gaussian]`.
 */
export type RandomStateTuple = readonly [name: 'MT19937', key: Uint32Array, pos: number, hasGauss: 0 | 1, cachedGaussian: number];

/** Options of {@link RandomState.choice}. */
export interface ChoiceOptions {
  /** Number of draws; omitted → one draw, returned as a scalar. */
  readonly size?: number | undefined;
  /** With replacement (numpy's default `true`). */
  readonly replace?: boolean | undefined;
  /** Probabilities of each entry (non-negative, summing to 1 within √eps). */
  readonly p?: ArrayLike<number> | null | undefined;
}

/** The smallest all-ones mask ≥ `max` (numpy's `gen_mask`), for `max` < 2^32. */
function mask32(max: number): number {
  let m = max >>> 0;
  m |= m >>> 1;
  m |= m >>> 2;
  m |= m >>> 4;
  m |= m >>> 8;
  m |= m >>> 16;
  return m >>> 0;
}

function checkSize(size: number, method: string): void {
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    throw new TypeError(`The 'size' argument of RandomState.${method} must be a non-negative integer. Got ${String(size)} instead.`);
  }
  if (size < 0) throw new RangeError(`The 'size' argument of RandomState.${method} must be non-negative. Got ${size} instead.`);
}

/**
 * numpy's legacy `RandomState`: MT19937 seeded numpy's legacy way, with numpy's algorithms for
 * every method, so that the same seed gives the same numbers as `np.random.RandomState(seed)`.
 *
 * Seeds: an integer in [0, 2^32 − 1] (`init_genrand`), an array of such integers
 * (`init_by_array`), or `null` / omitted for fresh entropy from the OS (`node:crypto`), as numpy.
 *
 * Integers are JS numbers: `randint` bounds must be safe integers (|x| ≤ 2^53 − 1).
 *
 * @example
 * const rs = new RandomState(42);
 * rs.randomSample(); // 0.3745401188473625, as np.random.RandomState(42).random_sample()
 * rs.randint(0, 10, 3); // Float64Array [ 7, 4, 6 ] — numpy's next three randint(0, 10, size=3)
 * rs.permutation(5); // Int32Array, numpy's permutation(5)
 */
export class RandomState {
  /** The 624 words of MT19937's state. */
  private readonly key = new Uint32Array(N);
  /** The next word of `key` to temper (624: regenerate first). */
  private pos = N;
  private hasGauss = false;
  private gauss = 0;

  /** Seeds the generator (see {@link RandomState.seed}). */
  constructor(seed?: RandomSeed) {
    this.seed(seed);
  }

  /**
   * Re-seeds (numpy's `RandomState.seed`, `_legacy_seeding`) and drops the cached normal.
   *
   * @example
   * rs.seed(0); // the stream of np.random.RandomState(0)
   * rs.seed([1, 2, 3]); // init_by_array, as np.random.RandomState([1, 2, 3])
   */
  seed(seed?: RandomSeed): void {
    if (seed === null || seed === undefined) {
      randomFillSync(this.key);
      // numpy: the MSB of word 0 set, assuring a non-zero state.
      this.key[0] = UPPER_MASK;
      this.pos = N;
    } else if (typeof seed === 'number') {
      if (!Number.isInteger(seed)) throw new TypeError(`RandomState: the seed must be an integer. Got ${seed} instead.`);
      if (seed < 0 || seed > 0xffffffff)
        throw new RangeError(`RandomState: the seed must be between 0 and 2**32 - 1. Got ${seed} instead.`);
      this.initGenrand(seed);
    } else if (typeof seed === 'object' && typeof seed.length === 'number') {
      if (seed.length === 0) throw new RangeError('RandomState: the seed array must be non-empty.');
      const init = new Uint32Array(seed.length);
      for (let i = 0; i < seed.length; i++) {
        const v = seed[i];
        if (typeof v !== 'number' || !Number.isInteger(v)) {
          throw new TypeError(`RandomState: seed[${i}] must be an integer. Got ${String(v)} instead.`);
        }
        if (v < 0 || v > 0xffffffff) throw new RangeError(`RandomState: seed[${i}] must be between 0 and 2**32 - 1. Got ${v} instead.`);
        init[i] = v;
      }
      this.initByArray(init);
    } else {
      throw new TypeError(`RandomState: the seed must be an integer, an array of integers or null. Got ${typeof seed} instead.`);
    }
    this.hasGauss = false;
    this.gauss = 0;
  }

  private initGenrand(s: number): void {
    const mt = this.key;
    mt[0] = s >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]!;
      mt[i] = (Math.imul(1812433253, (prev ^ (prev >>> 30)) >>> 0) + i) >>> 0;
    }
    this.pos = N;
  }

  private initByArray(init: Uint32Array): void {
    this.initGenrand(19650218);
    const mt = this.key;
    const len = init.length;
    let i = 1;
    let j = 0;
    for (let k = N > len ? N : len; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul((prev ^ (prev >>> 30)) >>> 0, 1664525)) + init[j]! + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
      if (j >= len) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]!;
      mt[i] = ((mt[i]! ^ Math.imul((prev ^ (prev >>> 30)) >>> 0, 1566083941)) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1]!;
        i = 1;
      }
    }
    mt[0] = UPPER_MASK;
    this.pos = N;
  }

  /** MT19937's regeneration of the 624 words. */
  private generate(): void {
    const k = this.key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (k[i]! & UPPER_MASK) | (k[i + 1]! & LOWER_MASK);
      k[i] = k[i + M]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      y = (k[i]! & UPPER_MASK) | (k[i + 1]! & LOWER_MASK);
      k[i] = k[i + (M - N)]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    y = (k[N - 1]! & UPPER_MASK) | (k[0]! & LOWER_MASK);
    k[N - 1] = k[M - 1]! ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    this.pos = 0;
  }

  /**
   * The next raw 32-bit output of MT19937, as an unsigned integer (numpy's `next_uint32`;
   * `RandomState().randint(2**32, dtype=np.uint32)` draws the same words).
   */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Fills `out` with raw 32-bit outputs (numpy: `randint(2**32, size=n, dtype=np.uint32)`). */
  fillUint32(out: Uint32Array): Uint32Array {
    const k = this.key;
    let pos = this.pos;
    for (let i = 0; i < out.length; i++) {
      if (pos === N) {
        this.generate();
        pos = 0;
      }
      let y = k[pos++]!;
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      out[i] = y;
    }
    this.pos = pos;
    return out;
  }

  /** numpy's `next_double`: 53 random bits from two words, `(a >> 5, b >> 6)`. */
  private nextDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** A uniform double in [0, 1) (numpy's `random_sample`). */
  randomSample(): number;
  /** `size` uniform doubles in [0, 1) (numpy's `random_sample(size)`). */
  randomSample(size: number): Float64Array;
  randomSample(size?: number): number | Float64Array {
    if (size === undefined) return this.nextDouble();
    checkSize(size, 'randomSample');
    const out = new Float64Array(size);
    this.fillDoubles(out);
    return out;
  }

  /** Alias of {@link RandomState.randomSample} (numpy's `random`). */
  random(): number;
  random(size: number): Float64Array;
  random(size?: number): number | Float64Array {
    return size === undefined ? this.nextDouble() : this.randomSample(size);
  }

  /** Fills `out` with uniform doubles in [0, 1), the stream of `random_sample(out.length)`. */
  fillDoubles(out: Float64Array): Float64Array {
    // The generator inlined: this is the hot path of every uniform draw.
    const k = this.key;
    let pos = this.pos;
    for (let i = 0; i < out.length; i++) {
      if (pos === N) {
        this.generate();
        pos = 0;
      }
      let y = k[pos++]!;
      y ^= y >>> 11;
      y ^= (y << 7) & 0x9d2c5680;
      y ^= (y << 15) & 0xefc60000;
      y ^= y >>> 18;
      if (pos === N) {
        this.generate();
        pos = 0;
      }
      let z = k[pos++]!;
      z ^= z >>> 11;
      z ^= (z << 7) & 0x9d2c5680;
      z ^= (z << 15) & 0xefc60000;
      z ^= z >>> 18;
      out[i] = ((y >>> 5) * 67108864 + (z >>> 6)) / 9007199254740992;
    }
    this.pos = pos;
    return out;
  }

  /**
   * Random integers in [low, high) — numpy's legacy `randint(low, high)`; with one argument,
   * [0, low). The default (int64) dtype: masked rejection sampling on 32-bit words when the
   * range fits 32 bits, on 64-bit words (two words, high first) above.
   *
   * @example
   * new RandomState(0).randint(2147483647); // 209652396, as sklearn's seed draw randint(np.iinfo(np.int32).max)
   */
  randint(low: number, high?: number | null): number;
  /**
   * `size` random integers in [low, high) (numpy's `randint(low, high, size, dtype)`): a
   * `Float64Array` for `'int64'` (the default), an `Int32Array` for `'int32'`.
   */
  randint(low: number, high: number | null | undefined, size: number, dtype?: 'int64'): Float64Array;
  randint(low: number, high: number | null | undefined, size: number, dtype: 'int32'): Int32Array;
  randint(low: number, high?: number | null, size?: number, dtype: 'int64' | 'int32' = 'int64'): number | Float64Array | Int32Array {
    let lo = low;
    let hi = high;
    if (hi === null || hi === undefined) {
      hi = lo;
      lo = 0;
    }
    for (const [name, v] of [
      ['low', lo],
      ['high', hi],
    ] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v)) {
        throw new TypeError(`The '${name}' argument of RandomState.randint must be an integer. Got ${String(v)} instead.`);
      }
    }
    if (dtype !== 'int64' && dtype !== 'int32') {
      throw new TypeError(`The 'dtype' argument of RandomState.randint must be 'int64' or 'int32'. Got ${String(dtype)} instead.`);
    }
    const [min, max] = dtype === 'int32' ? [-2147483648, 2147483648] : [-MAX_SAFE, MAX_SAFE];
    if (lo < min || lo > max) throw new RangeError(`RandomState.randint: low is out of bounds for ${dtype} (${lo}).`);
    if (hi < min || hi > max) throw new RangeError(`RandomState.randint: high is out of bounds for ${dtype} (${hi}).`);
    if (lo >= hi) throw new RangeError(`RandomState.randint: low >= high (${lo} >= ${hi}).`);
    const rng = hi - lo - 1;
    if (rng > MAX_SAFE) throw new RangeError(`RandomState.randint: high - low must be at most 2**53 (got ${hi} - ${lo}).`);
    if (size === undefined) return lo + this.bounded(rng);
    checkSize(size, 'randint');
    const out = dtype === 'int32' ? new Int32Array(size) : new Float64Array(size);
    if (rng === 0) out.fill(lo);
    else if (rng === 0xffffffff) for (let i = 0; i < size; i++) out[i] = lo + this.nextUint32();
    else if (rng < 0xffffffff) {
      const mask = mask32(rng);
      for (let i = 0; i < size; i++) {
        let v: number;
        while ((v = (this.nextUint32() & mask) >>> 0) > rng);
        out[i] = lo + v;
      }
    } else for (let i = 0; i < size; i++) out[i] = lo + this.bounded64(rng);
    return out;
  }

  /** A uniform integer in [0, rng] (numpy's `random_bounded_uint64` with masked rejection). */
  private bounded(rng: number): number {
    if (rng === 0) return 0;
    if (rng === 0xffffffff) return this.nextUint32();
    if (rng < 0xffffffff) {
      const mask = mask32(rng);
      let v: number;
      while ((v = (this.nextUint32() & mask) >>> 0) > rng);
      return v;
    }
    return this.bounded64(rng);
  }

  /** Masked rejection on 64-bit words (high word first), for 2^32 ≤ rng < 2^53. */
  private bounded64(rng: number): number {
    const maskHi = mask32(Math.floor(rng / TWO_32));
    let v: number;
    do {
      const hi = (this.nextUint32() & maskHi) >>> 0;
      const lo = this.nextUint32();
      v = hi * TWO_32 + lo;
    } while (v > rng);
    return v;
  }

  /** numpy's `random_interval(max)`: a uniform integer in [0, max] by masked rejection. */
  private interval(max: number): number {
    if (max === 0) return 0;
    if (max <= 0xffffffff) {
      const mask = mask32(max);
      let v: number;
      while ((v = (this.nextUint32() & mask) >>> 0) > max);
      return v;
    }
    return this.bounded64(max);
  }

  /** A uniform double in [low, high) (numpy's `uniform`: `low + (high - low) * u`). */
  uniform(low?: number, high?: number): number;
  /** `size` uniform doubles in [low, high). */
  uniform(low: number, high: number, size: number): Float64Array;
  uniform(low = 0, high = 1, size?: number): number | Float64Array {
    const range = high - low;
    if (!Number.isFinite(range)) throw new RangeError(`RandomState.uniform: the range exceeds valid bounds (low=${low}, high=${high}).`);
    if (size === undefined) return low + range * this.nextDouble();
    checkSize(size, 'uniform');
    const out = this.fillDoubles(new Float64Array(size));
    for (let i = 0; i < size; i++) out[i] = low + range * out[i]!;
    return out;
  }

  /** numpy's `legacy_gauss`: the polar method, caching the second deviate. */
  private nextGauss(): number {
    if (this.hasGauss) {
      const g = this.gauss;
      this.hasGauss = false;
      this.gauss = 0;
      return g;
    }
    let x1: number;
    let x2: number;
    let r2: number;
    do {
      x1 = 2 * this.nextDouble() - 1;
      x2 = 2 * this.nextDouble() - 1;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1 || r2 === 0);
    const f = Math.sqrt((-2 * glibcLog(r2)) / r2);
    this.gauss = f * x1;
    this.hasGauss = true;
    return f * x2;
  }

  /** A standard normal deviate (numpy's legacy `standard_normal`). */
  standardNormal(): number;
  /** `size` standard normal deviates. */
  standardNormal(size: number): Float64Array;
  standardNormal(size?: number): number | Float64Array {
    if (size === undefined) return this.nextGauss();
    checkSize(size, 'standardNormal');
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = this.nextGauss();
    return out;
  }

  /** A normal deviate with mean `loc` and standard deviation `scale` (`loc + scale * gauss`). */
  normal(loc?: number, scale?: number): number;
  /** `size` normal deviates. */
  normal(loc: number, scale: number, size: number): Float64Array;
  normal(loc = 0, scale = 1, size?: number): number | Float64Array {
    if (!(scale >= 0)) throw new RangeError(`RandomState.normal: scale must be non-negative. Got ${scale} instead.`);
    if (size === undefined) return loc + scale * this.nextGauss();
    checkSize(size, 'normal');
    const out = new Float64Array(size);
    for (let i = 0; i < size; i++) out[i] = loc + scale * this.nextGauss();
    return out;
  }

  /**
   * Shuffles `x` in place (numpy's legacy `shuffle` of a 1-D array: Fisher–Yates from the end,
   * `j = random_interval(i)` for i = n−1 … 1).
   *
   * @example
   * const a = [1, 2, 3, 4];
   * new RandomState(0).shuffle(a); // a is np.random.RandomState(0).shuffle'd [1, 2, 3, 4]
   */
  shuffle<T extends { length: number; [i: number]: unknown }>(x: T): T {
    if (x === null || typeof x !== 'object' || typeof x.length !== 'number') {
      throw new TypeError('RandomState.shuffle: x must be an array or a typed array.');
    }
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.interval(i);
      if (j === i) continue;
      const t = x[j];
      x[j] = x[i];
      x[i] = t;
    }
    return x;
  }

  /**
   * A random permutation of 0…n−1 (numpy's `permutation(n)`: `arange(n)` shuffled), or a
   * shuffled copy of the 1-D array `x`.
   *
   * @example
   * new RandomState(0).permutation(10); // Int32Array, numpy's permutation(10)
   */
  permutation(n: number): Int32Array;
  permutation<T>(x: readonly T[]): T[];
  permutation<A extends Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array>(
    x: A,
  ): A;
  permutation(x: number | ArrayLike<unknown>): unknown {
    if (typeof x === 'number') {
      if (!Number.isInteger(x)) throw new TypeError(`RandomState.permutation: n must be an integer. Got ${x} instead.`);
      if (x < 0 || x > 0x7fffffff) throw new RangeError(`RandomState.permutation: n must be in [0, 2**31 - 1]. Got ${x} instead.`);
      const a = new Int32Array(x);
      for (let i = 0; i < x; i++) a[i] = i;
      return this.shuffle(a);
    }
    if (ArrayBuffer.isView(x)) return this.shuffle((x as unknown as Int32Array).slice());
    if (Array.isArray(x)) return this.shuffle(x.slice());
    throw new TypeError('RandomState.permutation: x must be an integer, an array or a typed array.');
  }

  /**
   * Random draws from `a` (an array) or from 0…a−1 (an integer), numpy's legacy `choice`:
   * with replacement and no `p`, `randint(0, n, size)`; with `p`, the cumulative sum, uniform
   * draws and a right-sided search; without replacement and no `p`, `permutation(n)[:size]`;
   * without replacement with `p`, numpy's rounds of draws that zero the probabilities found.
   * Returns one value when `size` is omitted, an array otherwise.
   *
   * @example
   * rs.choice(5, { size: 3, replace: false }); // [i, j, k], numpy's choice(5, 3, replace=False)
   * rs.choice(['a', 'b'], { p: [0.1, 0.9] }); // 'a' or 'b'
   */
  choice(a: number, options?: ChoiceOptions & { size?: undefined }): number;
  choice(a: number, options: ChoiceOptions & { size: number }): number[];
  choice<T>(a: ArrayLike<T>, options?: ChoiceOptions & { size?: undefined }): T;
  choice<T>(a: ArrayLike<T>, options: ChoiceOptions & { size: number }): T[];
  choice<T>(a: number | ArrayLike<T>, options: ChoiceOptions = {}): unknown {
    const { size, replace = true, p = null } = options;
    let pop: number;
    if (typeof a === 'number') {
      if (!Number.isInteger(a)) throw new TypeError(`RandomState.choice: a must be an integer or an array. Got ${a} instead.`);
      pop = a;
      if (pop <= 0 && size !== 0) throw new RangeError('RandomState.choice: a must be greater than 0 unless no samples are taken.');
    } else if (a !== null && typeof a === 'object' && typeof a.length === 'number') {
      pop = a.length;
      if (pop === 0 && size !== 0) throw new RangeError("RandomState.choice: 'a' cannot be empty unless no samples are taken.");
    } else throw new TypeError('RandomState.choice: a must be an integer or an array.');
    let prob: Float64Array | null = null;
    if (p !== null && p !== undefined) {
      prob = Float64Array.from(p);
      if (prob.length !== pop) throw new RangeError(`RandomState.choice: 'a' and 'p' must have same size (${pop} and ${prob.length}).`);
      // numpy's check: a Kahan sum within √eps of 1, no negative or NaN entry.
      let sum = 0;
      let c = 0;
      for (let i = 0; i < prob.length; i++) {
        const y = prob[i]! - c;
        const t = sum + y;
        c = t - sum - y;
        sum = t;
      }
      if (Number.isNaN(sum)) throw new RangeError('RandomState.choice: probabilities contain NaN.');
      if (prob.some((v) => v < 0)) throw new RangeError('RandomState.choice: probabilities are not non-negative.');
      if (Math.abs(sum - 1) > Math.sqrt(2.220446049250313e-16)) throw new RangeError('RandomState.choice: probabilities do not sum to 1.');
    }
    const scalar = size === undefined;
    const n = scalar ? 1 : size;
    checkSize(n, 'choice');
    let idx: ArrayLike<number>;
    if (replace) {
      if (prob !== null) {
        const cdf = cumulative(prob);
        const u = this.randomSample(n);
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) out[i] = searchRight(cdf, u[i]!);
        idx = out;
      } else idx = this.randint(0, pop, n);
    } else {
      if (n > pop) throw new RangeError("RandomState.choice: cannot take a larger sample than population when 'replace=False'.");
      if (prob !== null) {
        let nonzero = 0;
        for (const v of prob) if (v > 0) nonzero++;
        if (nonzero < n) throw new RangeError('RandomState.choice: fewer non-zero entries in p than size.');
        const found = new Int32Array(n);
        let nUniq = 0;
        while (nUniq < n) {
          const x = this.randomSample(n - nUniq);
          for (let i = 0; i < nUniq; i++) prob[found[i]!] = 0;
          const cdf = cumulative(prob);
          // np.unique(new, return_index=True), indices sorted: the first occurrence of each value, in order.
          const seen = new Set<number>();
          for (let i = 0; i < x.length; i++) {
            const v = searchRight(cdf, x[i]!);
            if (!seen.has(v)) {
              seen.add(v);
              found[nUniq++] = v;
            }
          }
        }
        idx = found;
      } else idx = this.permutation(pop).subarray(0, n);
    }
    const pick: (i: number) => unknown = typeof a === 'number' ? (i) => i : (i) => a[i];
    if (scalar) return pick(idx[0]!);
    return Array.from(idx, (i) => pick(i));
  }

  /**
   * numpy's legacy state tuple (`get_state()`): the key is a copy.
   *
   * @example
   * const s = rs.getState(); const u = rs.randomSample(); rs.setState(s); rs.randomSample() === u; // true
   */
  getState(): RandomStateTuple {
    return ['MT19937', this.key.slice(), this.pos, this.hasGauss ? 1 : 0, this.gauss];
  }

  /** Restores a state from {@link RandomState.getState} or numpy's `get_state()` tuple. */
  setState(state: readonly [string, ArrayLike<number>, number, number?, number?]): void {
    if (!Array.isArray(state) || state.length < 3)
      throw new TypeError('RandomState.setState: state must be a tuple [name, key, pos, hasGauss?, gauss?].');
    const [name, key, pos, hasGauss = 0, gauss = 0] = state;
    if (name !== 'MT19937')
      throw new RangeError(`RandomState.setState: state must be for a MT19937 generator. Got '${String(name)}' instead.`);
    if (key === null || typeof key !== 'object' || key.length !== N)
      throw new RangeError(`RandomState.setState: the key must hold ${N} words.`);
    if (!Number.isInteger(pos) || pos < 0 || pos > N)
      throw new RangeError(`RandomState.setState: pos must be an integer in [0, ${N}]. Got ${pos} instead.`);
    for (let i = 0; i < N; i++) {
      const v = key[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`RandomState.setState: key[${i}] is not a uint32 (${v}).`);
      this.key[i] = v;
    }
    this.pos = pos;
    this.hasGauss = hasGauss !== 0;
    this.gauss = gauss;
  }
}

/** `np.cumsum(p)` then `cdf /= cdf[-1]`, as numpy's `choice`. */
function cumulative(p: Float64Array): Float64Array {
  const cdf = new Float64Array(p.length);
  let s = 0;
  for (let i = 0; i < p.length; i++) cdf[i] = s += p[i]!;
  const last = cdf[p.length - 1]!;
  for (let i = 0; i < p.length; i++) cdf[i] = cdf[i]! / last;
  return cdf;
}

/** `searchsorted(x, side='right')`: the first index whose value exceeds `x`. */
function searchRight(cdf: Float64Array, x: number): number {
  let lo = 0;
  let hi = cdf.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

let globalState: RandomState | undefined;

/**
 * scikit-learn's `check_random_state`: `null` / undefined → the process-wide generator (numpy's
 * global `RandomState`, seeded from OS entropy on first use); an integer → a new
 * `RandomState(seed)`; a `RandomState` → itself.
 *
 * @example
 * const rs = checkRandomState(0); // a fresh RandomState(0)
 * checkRandomState(rs) === rs; // true
 */
export function checkRandomState(seed: number | RandomState | null | undefined): RandomState {
  if (seed === null || seed === undefined) return (globalState ??= new RandomState());
  if (seed instanceof RandomState) return seed;
  if (typeof seed === 'number' && Number.isInteger(seed)) return new RandomState(seed);
  throw new TypeError(`${String(seed)} cannot be used to seed a RandomState instance (an integer, a RandomState or null).`);
}
