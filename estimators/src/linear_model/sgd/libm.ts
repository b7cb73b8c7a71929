/**
 * exp and pow as scikit-learn's compiled code gets them: glibc's `exp` and `pow` (glibc ≥ 2.28, the
 * x86-64 builds selected on CPUs with FMA, `__exp_fma` / `__pow_fma`), reproduced bit for bit.
 *
 * Why: V8's Math.exp (an fdlibm port) and glibc's exp are both within 1 ulp but not the same
 * function — e.g. exp(2.515561128751834) is 12.373549986134122 in V8 and 12.37354998613412 in
 * glibc (the exact value is 12.3735499861341214…). The log loss's derivative calls exp once per
 * sample, and with a small alpha the 'optimal' learning rate is large enough for such a 1-ulp
 * difference to grow into different coefficients within a few epochs.
 *
 * The algorithm is glibc's: exp(x) = 2^(k/128) · exp(r) with k = round(x · 128/ln 2), the table of
 * exp_table.ts and a degree-5 polynomial for exp(r) − 1. The FMA build contracts the products
 * that feed an addition into fused multiply-adds; those are emulated exactly ({@link fma}). Which
 * ones are fused was checked against this machine's C library (Debian glibc 2.36) on 2.7 million
 * inputs over the whole range, all bit-identical (V8's Math.exp differed on 8% of them).
 */
import { EXP_HEAD, EXP_TAIL, POW_INVC, POW_LOGC, POW_LOGCTAIL } from './exp_table.js';

// Constants of glibc's exp (e_exp_data.c), written as mantissa · 2^e so they are exact.
const INV_LN2_N = 0x171547652b82fe / 2 ** 45; // 128 / ln 2
const NEG_LN2_HI_N = -0x162e42fefa0000 / 2 ** 60; // −ln 2 / 128, high part
const NEG_LN2_LO_N = -0x1cf79abc9e3b3a / 2 ** 99; // low part
const SHIFT = 0x18000000000000; // 0x1.8p52: adding it rounds to an integer
const C2 = 0x1ffffffffffdbd / 2 ** 54;
const C3 = 0x1555555555543c / 2 ** 55;
const C4 = 0x155555cf172b91 / 2 ** 57;
const C5 = 0x11111167a4d017 / 2 ** 59;
const SPLIT = 134217729; // 2^27 + 1 (Veltkamp's split of a double into two 26-bit halves)

/**
 * a·b + c rounded once (IEEE fma), for finite arguments whose product neither overflows nor
 * falls near the subnormal range (all the uses below). The exact product is uh + ul (Dekker) and
 * th + tl = c + uh exactly (TwoSum), so the result is RN(th + tl + ul). z = RN(th + RN(tl + ul))
 * is that value except when th + RN(tl + ul) is exactly halfway between two doubles and
 * RN(tl + ul) was inexact: then the sign of its rounding error picks the side. (tl + ul is small
 * beside th: when c and uh are within a factor 2 their sum is exact, tl = 0 and tl + ul = ul is
 * exact; otherwise |th| > |uh| / 2 and |th| > |c| / 2, so |tl + ul| <= 2^-51 |th|. Hence no
 * midpoint of th's neighbourhood can be crossed by rounding tl + ul, only reached.)
 */
export function fma(a: number, b: number, c: number): number {
  const uh = a * b;
  if (uh === 0 || uh - uh !== 0 || c - c !== 0) return uh + c; // exact product or non-finite
  const t = SPLIT * b;
  const bh = t - (t - b);
  return fmaK(a, b, bh, b - bh, c);
}

/** 2^e for the integers e in [-1022, 1023], at index e + 1022. */
const POW2 = new Float64Array(2046);
for (let e = -1022; e <= 1023; e++) POW2[e + 1022] = 2 ** e;

/** Splits a constant for Dekker's product: c = hi + lo, hi with 26 significant bits. */
function split(c: number): [number, number] {
  const t = SPLIT * c;
  const hi = t - (t - c);
  return [hi, c - hi];
}
const [LO_H, LO_L] = split(NEG_LN2_LO_N);
const [INV_H, INV_L] = split(INV_LN2_N);

/**
 * RN(a·b + c) for finite a·b ≠ 0 and finite c, with b given split as bh + bl (Dekker's exact
 * product uh + ul, then TwoSum; {@link fma} splits b, the exp paths pass constants split once).
 */
function fmaK(a: number, b: number, bh: number, bl: number, c: number): number {
  const uh = a * b;
  const t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  const ul = al * bl - (uh - ah * bh - al * bh - ah * bl); // a·b = uh + ul exactly
  // TwoSum: th + tl = c + uh exactly.
  const th = c + uh;
  let bb = th - c;
  const tl = c - (th - bb) + (uh - bb);
  // v + ve = tl + ul exactly.
  const v = tl + ul;
  bb = v - tl;
  const ve = tl - (v - bb) + (ul - bb);
  const z = th + v;
  if (ve === 0) return z;
  bb = z - th;
  const err = th - (z - bb) + (v - bb); // z + err = th + v exactly
  if (err === 0) return z;
  // th + v halfway between z and z + 2·err? Then the exact sum lies on ve's side of it.
  const z2 = z + 2 * err;
  if (z2 - z !== 2 * err) return z;
  return ve > 0 === err > 0 ? z2 : z;
}

/**
 * Bound, relative to `scale`, on how far the fast path's scale + scale·tmp (plain arithmetic) can
 * be from glibc's exact scale + scale·tmp (before its final rounding): the two tmp's differ by at
 * most 4 roundings of ≤ 2^-62 each (the fused vs separate additions of the polynomial; |tmp| <
 * 2^-8.5) plus one ulp of r (2^-61, when RN(kd·LO) moves r across a midpoint), ≤ 1.5·2^-60 in
 * all, and rounding scale·tmp adds ≤ 2^-61·scale: 2^-59 · scale. Twice that, for margin.
 */
const FAST_BOUND = 2 ** -58;

/**
 * glibc's exp(x), bit for bit (see the module comment). A fast path first, Ziv's rounding test:
 * the same algorithm in plain double arithmetic gives hi + lo within {@link FAST_BOUND}·scale of
 * the value glibc rounds once; when every value that close rounds to hi, hi is glibc's result.
 * Otherwise (about 4% of inputs, near a rounding boundary) the emulated-FMA path decides
 * ({@link glibcExpReference}). Checked bit for bit against it on 10^8 inputs (scripts/check_fast_exp.mjs).
 */
export function glibcExp(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 2 ** -54 && ax < 512) {
    const z = x * INV_LN2_N;
    const kd = z + SHIFT - SHIFT;
    // The fused x·128/ln2 + 0x1.8p52 rounds the exact product; z is within 2^-36 of it (|z| < 2^17):
    // the same integer unless z is that close to a half-integer.
    if (Math.abs(Math.abs(z - kd) - 0.5) > 2 ** -30) {
      const r = kd * NEG_LN2_HI_N + x + kd * NEG_LN2_LO_N;
      const j = kd & 127;
      const e = (kd - j) / 128;
      const r2 = r * r;
      const tmp = r2 * r2 * (r * C5 + C4) + (r2 * (r * C3 + C2) + (EXP_TAIL[j]! + r));
      const scale = EXP_HEAD[j]! * POW2[e + 1022]!;
      const p = scale * tmp;
      const hi = scale + p;
      const lo = scale - hi + p; // exact (|p| < scale)
      const b = scale * FAST_BOUND;
      if (hi + (lo + b) === hi && hi + (lo - b) === hi) return hi;
    }
  }
  return glibcExpReference(x);
}

/** glibc's exp(x), bit for bit, every fused multiply-add emulated exactly (the fast path's fallback; see the module comment). */
export function glibcExpReference(x: number): number {
  const ax = Math.abs(x);
  let special = false;
  if (!(ax >= 2 ** -54 && ax < 512)) {
    if (ax < 2 ** -54) return 1 + x; // also 0
    if (!(ax < 1024)) {
      // |x| >= 1024, infinite or NaN
      if (x === Number.NEGATIVE_INFINITY) return 0;
      if (!(ax < Number.POSITIVE_INFINITY)) return 1 + x; // +Infinity, NaN
      return x < 0 ? 0 : Number.POSITIVE_INFINITY;
    }
    special = true; // 512 <= |x| < 1024: scaled below
  }
  // x = k·ln2/128 + r, |r| <= ln2/256; the product x·128/ln2 is fused into the rounding add.
  const kd = fmaK(x, INV_LN2_N, INV_H, INV_L, SHIFT) - SHIFT; // the integer k, exactly
  // kd · NEG_LN2_HI_N is exact (|k| < 2^18, the constant has 37 bits) and so is its sum with x:
  // the first of glibc's two fused multiply-adds is a plain one.
  const r = fmaK(kd, NEG_LN2_LO_N, LO_H, LO_L, kd * NEG_LN2_HI_N + x);
  const j = kd & 127;
  const e = (kd - j) / 128;
  const r2 = r * r;
  const tmp = fma(r2 * r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), EXP_TAIL[j]! + r));
  if (special) return specialCase(tmp, EXP_HEAD[j]!, e);
  const scale = EXP_HEAD[j]! * POW2[e + 1022]!;
  return fma(scale, tmp, scale);
}

/** glibc's specialcase: the result's exponent would leave the range of `scale`. */
function specialCase(tmp: number, head: number, e: number): number {
  if (e > 0) {
    // Scale by 2^-1009 first so scale stays finite, then back.
    const scale = head * POW2[e - 1009 + 1022]!;
    return 2 ** 1009 * fma(scale, tmp, scale);
  }
  // k < 0: care in the subnormal range. This multiply-add is not fused in glibc's build (checked:
  // fusing it gives other bits for some x in [-745, -512]).
  const scale = head * POW2[e + 1022 + 1022]!;
  let y = scale + scale * tmp;
  if (y < 1) {
    let lo = fma(scale, tmp, scale - y);
    const hi = 1 + y;
    lo = 1 - hi + y + lo;
    y = hi + lo - 1;
    if (y === 0) y = 0;
  }
  return 2 ** -1022 * y;
}

// ---- pow ----------------------------------------------------------------------------------------
// glibc's pow (e_pow.c, the FMA build): log(x) in double-double from the table of exp_table.ts,
// times y, then exp of the sum with its tail. 'invscaling' computes eta0 / pow(t, powerT) per
// sample, and V8's Math.pow differs from glibc's on ~11% of t for powerT = 0.25.

const POW_LN2_HI = 0x162e42fefa3800 / 2 ** 53; // 0x1.62e42fefa3800p-1
const POW_LN2_LO = 0x1ef35793c76730 / 2 ** 97; // 0x1.ef35793c76730p-45
// log1p polynomial, scaled as glibc evaluates it
const A1 = (0x1555555555556 / 2 ** 50) * -2;
const A2 = (-0x10000000000006 / 2 ** 54) * -2;
const A3 = (0x1999999959554e / 2 ** 55) * 4;
const A4 = (-0x1555555529a47a / 2 ** 55) * 4;
const A5 = (0x12495b9b4845e9 / 2 ** 55) * -8;
const A6 = (-0x10002b8b263fc3 / 2 ** 55) * -8;

const pf = new Float64Array(1);
const pw = new Uint32Array(pf.buffer); // little-endian: pw[0] low word, pw[1] high word
let logTail = 0;

/** glibc's log_inline: log(x) = result + logTail in double-double; hiWord/loWord are x's bits (x > 0, normalised by the caller). */
function logInline(hiWord: number, loWord: number): number {
  const tmpHi = (hiWord - 0x3fe69555) | 0;
  const i = (tmpHi >>> 13) & 127;
  const k = tmpHi >> 20;
  pw[1] = (hiWord - (tmpHi & 0xfff00000)) | 0;
  pw[0] = loWord;
  const z = pf[0]!;
  const invc = POW_INVC[i]!;
  const logc = POW_LOGC[i]!;
  const logctail = POW_LOGCTAIL[i]!;
  // 1/c has few bits, so z/c − 1 is exact: a plain multiply-add would round z·invc first.
  const r = fma(z, invc, -1);
  const t1 = k * POW_LN2_HI + logc; // exact by construction of the table
  const t2 = t1 + r;
  const lo1 = fma(k, POW_LN2_LO, logctail);
  const lo2 = t1 - t2 + r;
  const ar = -0.5 * r;
  const ar2 = r * ar;
  const ar3 = r * ar2;
  const hi = t2 + ar2;
  const lo3 = fma(ar, r, -ar2);
  const lo4 = t2 - hi + ar2;
  const q = fma(ar2, fma(ar2, fma(r, A6, A5), fma(r, A4, A3)), fma(r, A2, A1));
  const lo = fma(ar3, q, lo1 + lo2 + lo3 + lo4);
  const y = hi + lo;
  logTail = hi - y + lo;
  return y;
}

/** glibc's exp_inline for pow: exp(x + xtail), negated when `negative`. */
function expInline(x: number, xtail: number, negative: boolean): number {
  const ax = Math.abs(x);
  let special = false;
  if (!(ax >= 2 ** -54 && ax < 512)) {
    if (ax < 2 ** -54) return negative ? -(1 + x) : 1 + x;
    if (!(ax < 1024)) {
      const v = x < 0 ? 0 : Number.POSITIVE_INFINITY;
      return negative ? -v : v;
    }
    special = true;
  }
  const kd = fma(x, INV_LN2_N, SHIFT) - SHIFT;
  let r = fma(kd, NEG_LN2_LO_N, kd * NEG_LN2_HI_N + x);
  r += xtail;
  const j = kd & 127;
  const e = (kd - j) / 128;
  const r2 = r * r;
  const tmp = fma(r2 * r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), EXP_TAIL[j]! + r));
  let v: number;
  if (special) v = powSpecialCase(tmp, EXP_HEAD[j]!, e);
  else {
    const scale = EXP_HEAD[j]! * POW2[e + 1022]!;
    v = fma(scale, tmp, scale);
  }
  // A negative scale (glibc's sign bias) gives exactly the negated result.
  return negative ? -v : v;
}

/** pow's specialcase (for a positive scale; the sign is applied by the caller). */
function powSpecialCase(tmp: number, head: number, e: number): number {
  if (e > 0) {
    const scale = head * POW2[e - 1009 + 1022]!;
    return 2 ** 1009 * fma(scale, tmp, scale);
  }
  const scale = head * POW2[e + 1022 + 1022]!;
  let y = scale + scale * tmp;
  if (Math.abs(y) < 1) {
    let lo = fma(scale, tmp, scale - y);
    const hi = 1 + y;
    lo = 1 - hi + y + lo;
    y = hi + lo - 1;
    if (y === 0) y = 0;
  }
  return 2 ** -1022 * y;
}

/** Whether y is an integer, and odd (glibc's checkint: 0 not an integer, 1 odd, 2 even). */
function checkInt(y: number): number {
  if (!Number.isInteger(y)) return 0;
  return Math.abs(y) < 2 ** 53 && Math.abs(y) % 2 === 1 ? 1 : 2;
}

/** glibc's pow(x, y), bit for bit (C99's special values; see the section comment). */
export function glibcPow(x: number, y: number): number {
  const ay = Math.abs(y);
  if (y === 0 || x === 1) return 1; // C: pow(1, NaN) = 1, pow(NaN, 0) = 1
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.NaN;
  if (x === -1 && ay === Number.POSITIVE_INFINITY) return 1; // C99 (JavaScript: NaN)
  if (x === 0 || !Number.isFinite(x) || !Number.isFinite(y)) return Math.pow(x, y); // the same exact special values as C99
  let negative = false;
  if (x < 0) {
    const yint = checkInt(y);
    if (yint === 0) return Number.NaN;
    negative = yint === 1;
    x = -x;
  }
  if (ay < 2 ** -65) return x > 1 ? 1 + y : 1 - y;
  if (ay >= 2 ** 63) return x > 1 === y > 0 ? Number.POSITIVE_INFINITY : 0;
  pf[0] = x;
  let hiWord = pw[1]!;
  let loWord = pw[0]!;
  if (x < 2 ** -1022) {
    // subnormal: scale into the normal range and take 52 off the exponent field
    pf[0] = x * 2 ** 52;
    hiWord = (pw[1]! - (52 << 20)) | 0;
    loWord = pw[0]!;
  }
  const hi = logInline(hiWord, loWord);
  const lo = logTail;
  const ehi = y * hi;
  const elo = fma(y, lo, fma(y, hi, -ehi));
  return expInline(ehi, elo, negative);
}
