/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a
 * counter-based generator. The value at a position is a pure function of (key, counter), so an
 * array's element `k` is the same whatever the chunking, the thread or the order of generation.
 *
 * Keys: the seed (two 32-bit words). Counter: (position / 2 as two words, stream, 0); the stream
 * word separates independent sequences of one seed (an array's values, a dataset's label noise…).
 * One call gives four 32-bit words = two 53-bit uniforms = two normals (Box–Muller).
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO32 = 4294967296;
const INV_TWO32 = 1 / 4294967296;
const TWO_NEG53 = 1 / 9007199254740992;

/** Philox4x32-10 of counter (c0..c3) and key (k0, k1) into `out` (4 words). */
export function philox(c0: number, c1: number, c2: number, c3: number, k0: number, k1: number, out: Uint32Array): void {
  for (let round = 0; round < 10; round++) {
    // 32×32 → 64-bit products: low word exact by imul, high word from the double product
    // (its rounding error, < 2^12, is far below 2^31, so rounding recovers the exact high word).
    const lo0 = Math.imul(M0, c0) >>> 0;
    const hi0 = ((M0 * c0 - lo0) * INV_TWO32 + 0.5) >>> 0;
    const lo1 = Math.imul(M1, c2) >>> 0;
    const hi1 = ((M1 * c2 - lo1) * INV_TWO32 + 0.5) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** The key words of a seed (a non-negative integer up to 2^53). */
export function seedKey(seed: number): [number, number] {
  return [seed >>> 0, Math.floor(seed / TWO32) >>> 0];
}

const words = new Uint32Array(4);

/**
 * Writes elements `[start, start + n)` of the uniform [0, 1) sequence (key, stream) into `out`
 * from `outOffset`, mapped by `a + b * u`.
 */
export function fillUniform(
  key: readonly [number, number],
  stream: number,
  start: number,
  n: number,
  out: { [i: number]: number },
  outOffset: number,
  a = 0,
  b = 1,
): void {
  let k = start;
  const end = start + n;
  let o = outOffset;
  while (k < end) {
    const ctr = Math.floor(k / 2);
    philox(ctr >>> 0, Math.floor(ctr / TWO32) >>> 0, stream >>> 0, 0, key[0], key[1], words);
    if ((k & 1) === 0) {
      out[o++] = a + b * (((words[0]! >>> 5) * 67108864 + (words[1]! >>> 6)) * TWO_NEG53);
      k++;
      if (k >= end) break;
    }
    out[o++] = a + b * (((words[2]! >>> 5) * 67108864 + (words[3]! >>> 6)) * TWO_NEG53);
    k++;
  }
}

/**
 * Writes elements `[start, start + n)` of the standard normal sequence (key, stream) into `out`
 * from `outOffset`, mapped by `loc + scale * z`.
 */
export function fillNormal(
  key: readonly [number, number],
  stream: number,
  start: number,
  n: number,
  out: { [i: number]: number },
  outOffset: number,
  loc = 0,
  scale = 1,
): void {
  let k = start;
  const end = start + n;
  let o = outOffset;
  while (k < end) {
    const ctr = Math.floor(k / 2);
    philox(ctr >>> 0, Math.floor(ctr / TWO32) >>> 0, stream >>> 0, 0, key[0], key[1], words);
    const u1 = 1 - ((words[0]! >>> 5) * 67108864 + (words[1]! >>> 6)) * TWO_NEG53; // (0, 1]
    const u2 = ((words[2]! >>> 5) * 67108864 + (words[3]! >>> 6)) * TWO_NEG53;
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * u2;
    if ((k & 1) === 0) {
      out[o++] = loc + scale * r * Math.cos(t);
      k++;
      if (k >= end) break;
    }
    out[o++] = loc + scale * r * Math.sin(t);
    k++;
  }
}

/** One uniform [0, 1) value at `position` of (key, stream). */
export function uniformAt(key: readonly [number, number], stream: number, position: number): number {
  const o = [0];
  fillUniform(key, stream, position, 1, o, 0);
  return o[0]!;
}

/**
 * A pseudo-random permutation of `[0, n)` (a 4-round Feistel network over the next even power of
 * two, cycle-walking back into range): `permute(i)` is a bijection, computed per element in O(1)
 * expected time, so a shuffle of 100M rows needs no table.
 */
export function makePermutation(n: number, key: readonly [number, number], stream: number): (i: number) => number {
  const p = new FeistelPermutation(n, key, stream);
  return (i: number) => p.at(i);
}

/** The Feistel permutation behind {@link makePermutation} (monomorphic fields keep it fast). */
class FeistelPermutation {
  readonly #n: number;
  readonly #pow: number;
  readonly #mask: number;
  readonly #k0: number;
  readonly #k1: number;
  readonly #k2: number;
  readonly #k3: number;
  constructor(n: number, key: readonly [number, number], stream: number) {
    let bits = 2;
    while (2 ** bits < n) bits += 2;
    this.#n = n;
    this.#pow = 2 ** (bits / 2);
    this.#mask = this.#pow - 1;
    const tmp = new Uint32Array(4);
    const rk: number[] = [];
    for (let r = 0; r < 4; r++) {
      philox(r, 0, stream >>> 0, 0x7065726d, key[0], key[1], tmp);
      rk.push(tmp[0]! | 0);
    }
    [this.#k0, this.#k1, this.#k2, this.#k3] = rk as [number, number, number, number];
  }

  #round(x: number, k: number): number {
    let h = x ^ k;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) & this.#mask;
  }

  #once(i: number): number {
    const mask = this.#mask;
    let left = Math.floor(i / this.#pow);
    let right = i - left * this.#pow;
    let t = (left ^ this.#round(right, this.#k0)) & mask;
    left = right;
    right = t;
    t = (left ^ this.#round(right, this.#k1)) & mask;
    left = right;
    right = t;
    t = (left ^ this.#round(right, this.#k2)) & mask;
    left = right;
    right = t;
    t = (left ^ this.#round(right, this.#k3)) & mask;
    left = right;
    right = t;
    return left * this.#pow + right;
  }

  at(i: number): number {
    let x = this.#once(i);
    while (x >= this.#n) x = this.#once(x);
    return x;
  }
}
