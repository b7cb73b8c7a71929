/**
 * The natural logarithm exactly as glibc (2.28 and later) computes it on x86-64 CPUs with FMA —
 * the `log` numpy's C code calls on Linux — so that numpy's legacy normal deviates (the polar
 * method's `log(r2)`) are reproduced bit for bit. V8's `Math.log` (fdlibm) differs from it in the
 * last bit for a few percent of inputs.
 *
 * The algorithm is glibc's `__log` (from Arm's Optimized Routines): x = 2^k·z with z in
 * [0x1.6p−1, 0x1.6p0), z/c − 1 for the centre c of one of 128 intervals, a degree-5 polynomial
 * for log1p, and a degree-11 polynomial with a split square near 1. glibc's FMA build computes
 * z·(1/c) − 1 with an FMA and its compiler contracts a·b + c into FMAs; both are reproduced here
 * with an exact product (Dekker's split). The constants are glibc's (glibc_log_data.ts, read from
 * libm). Checked against the C library over millions of inputs (no difference); a glibc built
 * without FMA, or another C library (macOS, Windows), may round a few results differently — as
 * numpy's own results differ there.
 */
import { LN2HI, LN2LO, POLY, POLY1, TAB } from './glibc_log_data.js';

const SPLIT = 134217729; // 2^27 + 1
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// The high word of a double's bit pattern (little-endian platforms: word 1).
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

/**
 * a·b + c with one rounding (a fused multiply-add; JavaScript has none): the product split exactly
 * (Dekker), its rounding error added after the sum's (Knuth's two-sum). Exact when the sum of the
 * two error terms is (as for every use in log); elsewhere it can, very rarely, round a second time.
 */
export function fma(a: number, b: number, c: number): number {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const e = ah * bh - p + ah * bl + al * bh + al * bl;
  const s = p + c;
  const bb = s - p;
  const err = p - (s - bb) + (c - bb);
  return s + (err + e);
}

const [A0, A1, A2, A3, A4] = POLY;
const [B0, B1, B2, B3, B4, B5, B6, B7, B8, B9, B10] = POLY1;
const NEAR_LO = 1.0 - 1 / 16; // 1 − 2^−4
const NEAR_HI = 1.0 + 265 / 4096; // 1 + 0x1.09p−4

/**
 * `log(x)` as glibc's FMA build rounds it.
 *
 * @example
 * glibcLog(0.9407872714792169); // -0.061038231394416685, as C's log (Math.log gives …668)
 */
export function glibcLog(x: number): number {
  if (x >= NEAR_LO && x < NEAR_HI) {
    if (x === 1) return 0;
    const r = x - 1.0;
    const r2 = r * r;
    const r3 = r * r2;
    const p = fma(r3, fma(r3, fma(r3, B10, fma(r2, B9, fma(r, B8, B7))), fma(r2, B6, fma(r, B5, B4))), fma(r2, B3, fma(r, B2, B1)));
    const w = r * 134217728; // 2^27
    const rhi = r + w - w;
    const rlo = r - rhi;
    const rr = rhi * rhi;
    const hi = fma(rr, B0, r);
    let lo = fma(rr, B0, r - hi);
    lo = fma(B0 * rlo, rhi + r, lo);
    return fma(r3, p, lo) + hi;
  }
  if (!(x > 0) || x === Infinity) return Math.log(x); // NaN, ±0, negatives, ∞: no rounding involved
  let k0 = 0;
  let v = x;
  if (v < 2.2250738585072014e-308) {
    // Subnormal: scale into the normal range.
    v *= 4503599627370496; // 2^52
    k0 = -52;
  }
  f64[0] = v;
  const hi32 = u32[HI]!;
  // tmp = ix − 0x3fe6000000000000 only changes the high word; i = (tmp >> 45) % 128, k = tmp >> 52.
  const tmp = (hi32 - 0x3fe60000) | 0;
  const i = (tmp >>> 13) & 127;
  const k = (tmp >> 20) + k0;
  u32[HI] = (hi32 - (tmp & 0xfff00000)) >>> 0;
  const z = f64[0]!;
  const invc = TAB[2 * i]!;
  const logc = TAB[2 * i + 1]!;
  const r = fma(z, invc, -1.0);
  const w = fma(k, LN2HI, logc);
  const hi = w + r;
  const lo = fma(k, LN2LO, w - hi + r);
  const r2 = r * r;
  return fma(r * r2, fma(r2, fma(r, A4, A3), fma(r, A2, A1)), fma(r2, A0, lo)) + hi;
}
