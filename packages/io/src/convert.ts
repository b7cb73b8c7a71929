/**
 * Element types as files store them, and their conversion to the four dtypes Tessera computes in.
 *
 * numpy and Arrow files carry many integer and float widths (numpy's default integer is int64);
 * Tessera's arrays are float64, float32, int32 or uint8. Each stored type reads as the narrowest
 * of those that holds every value exactly, except 64-bit integers, which read as float64 and are
 * exact up to 2^53 in magnitude — a larger value is an error naming where it is, never a rounded
 * number:
 *
 * | stored                       | reads as  |
 * | ---------------------------- | --------- |
 * | float64                      | float64   |
 * | float32, float16             | float32   |
 * | int64, uint64 (\|v\| ≤ 2^53) | float64   |
 * | uint32                       | float64   |
 * | int32, int16, int8, uint16   | int32     |
 * | uint8, bool                  | uint8     |
 *
 * Conversion happens where the data is read (in the worker reading a block, a tile at a time), from
 * the raw bytes of a small scratch buffer into the block.
 */
import type { NumericArray, NumericDType } from './dtypes.js';

/** How a file stores its elements (numpy's kind letter and byte width; `b1` is a byte per bool). */
export type StoredType = 'f8' | 'f4' | 'f2' | 'i8' | 'i4' | 'i2' | 'i1' | 'u8' | 'u4' | 'u2' | 'u1' | 'b1';

/** Bytes per stored element. */
export const STORED_BYTES: { readonly [S in StoredType]: number } = {
  f8: 8,
  f4: 4,
  f2: 2,
  i8: 8,
  i4: 4,
  i2: 2,
  i1: 1,
  u8: 8,
  u4: 4,
  u2: 2,
  u1: 1,
  b1: 1,
};

/** The Tessera dtype each stored type reads as (the table above). */
export const READS_AS: { readonly [S in StoredType]: NumericDType } = {
  f8: 'float64',
  f4: 'float32',
  f2: 'float32',
  i8: 'float64',
  u8: 'float64',
  u4: 'float64',
  i4: 'int32',
  i2: 'int32',
  i1: 'int32',
  u2: 'int32',
  u1: 'uint8',
  b1: 'uint8',
};

/** numpy's name of each stored type, for messages. */
export const STORED_NAMES: { readonly [S in StoredType]: string } = {
  f8: 'float64',
  f4: 'float32',
  f2: 'float16',
  i8: 'int64',
  u8: 'uint64',
  u4: 'uint32',
  i4: 'int32',
  i2: 'int16',
  i1: 'int8',
  u2: 'uint16',
  u1: 'uint8',
  b1: 'bool',
};

/** Whether bytes of `stored` are already the little-endian elements of `dtype` (no conversion). */
export function isNative(stored: StoredType, dtype: NumericDType): boolean {
  return (
    (stored === 'f8' && dtype === 'float64') ||
    (stored === 'f4' && dtype === 'float32') ||
    (stored === 'i4' && dtype === 'int32') ||
    ((stored === 'u1' || stored === 'b1') && dtype === 'uint8')
  );
}

/** 2^53: beyond it float64 no longer holds every integer. */
export const MAX_EXACT = 2 ** 53;
const TWO_32 = 2 ** 32;
const HI_LIMIT = 2 ** 21; // the high 32-bit word of ±2^53

let halfTable: Float32Array | undefined;
/** float16 bit patterns → float32 values (all 65536 of them, built on first use: 256 KiB). */
function halves(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    t[h] = exp === 0 ? sign * frac * 2 ** -24 : exp === 31 ? (frac ? NaN : sign * Infinity) : sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** Reverses the bytes of each `size`-byte element of `bytes[0, length)` (big-endian → little). */
export function swapBytes(bytes: Uint8Array, length: number, size: number): void {
  if (size === 1) return;
  for (let i = 0; i + size <= length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/**
 * Called for a 64-bit integer outside ±2^53, with its position `k` (the source element index) and
 * its exact value; returns what to store instead (NaN for a null slot) or throws an error naming
 * where it is.
 */
export type InexactHandler = (k: number, value: bigint) => number;

/**
 * Converts `n` stored elements into `out`: source element `s + i·sStep` of `src` (little-endian
 * bytes of an 8-byte-aligned buffer, starting at byte 0) goes to `out[o + i·oStep]`.
 */
export function convertElements(
  stored: StoredType,
  src: Uint8Array,
  s: number,
  sStep: number,
  n: number,
  out: NumericArray,
  o: number,
  oStep: number,
  inexact: InexactHandler,
): void {
  const buf = src.buffer;
  const off = src.byteOffset;
  const words = (bytes: number) => Math.floor(src.byteLength / bytes);
  switch (stored) {
    case 'f8': {
      const v = new Float64Array(buf, off, words(8));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = v[k]!;
      return;
    }
    case 'f4': {
      const v = new Float32Array(buf, off, words(4));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = v[k]!;
      return;
    }
    case 'f2': {
      const v = new Uint16Array(buf, off, words(2));
      const t = halves();
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = t[v[k]!]!;
      return;
    }
    case 'i4': {
      const v = new Int32Array(buf, off, words(4));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = v[k]!;
      return;
    }
    case 'u4': {
      const v = new Uint32Array(buf, off, words(4));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = v[k]!;
      return;
    }
    case 'i2': {
      const v = new Int16Array(buf, off, words(2));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = v[k]!;
      return;
    }
    case 'u2': {
      const v = new Uint16Array(buf, off, words(2));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = v[k]!;
      return;
    }
    case 'i1': {
      const v = new Int8Array(buf, off, src.byteLength);
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = v[k]!;
      return;
    }
    case 'u1':
    case 'b1': {
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) out[j] = src[k]!;
      return;
    }
    case 'i8': {
      // Two 32-bit words per element: exact when the value is within ±2^53, checked on the high word.
      const lo = new Uint32Array(buf, off, words(4));
      const hi = new Int32Array(buf, off, words(4));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) {
        const h = hi[2 * k + 1]!;
        const l = lo[2 * k]!;
        out[j] =
          h >= -HI_LIMIT && (h < HI_LIMIT || (h === HI_LIMIT && l === 0)) ? h * TWO_32 + l : inexact(k, (BigInt(h) << 32n) | BigInt(l));
      }
      return;
    }
    case 'u8': {
      const w = new Uint32Array(buf, off, words(4));
      for (let i = 0, k = s, j = o; i < n; i++, k += sStep, j += oStep) {
        const h = w[2 * k + 1]!;
        const l = w[2 * k]!;
        out[j] = h < HI_LIMIT || (h === HI_LIMIT && l === 0) ? h * TWO_32 + l : inexact(k, (BigInt(h) << 32n) | BigInt(l));
      }
      return;
    }
  }
}

let scratch: Uint8Array | undefined;
/**
 * A reused scratch buffer of at least `bytes` bytes (8-byte aligned, per thread). Valid until the
 * next call; readers use it for the raw bytes of one piece of a tile before converting them.
 */
export function scratchBytes(bytes: number): Uint8Array {
  if (!scratch || scratch.length < bytes) scratch = new Uint8Array(Math.max((bytes + 7) & ~7, 1 << 16));
  return scratch;
}
