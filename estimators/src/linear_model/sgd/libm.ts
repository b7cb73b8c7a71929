/**
 * exp as scikit-learn's compiled code gets it: glibc's `exp` (glibc ≥ 2.28, the x86-64 build
 * selected on CPUs with FMA, `__exp_fma`), reproduced bit for bit.
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
import { EXP_HEAD, EXP_TAIL } from './exp_table.js';

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
  // Dekker's exact product: a·b = uh + ul.
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const ul = al * bl - (uh - ah * bh - al * bh - ah * bl);
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
 * RN(a·b + c) for a constant b given split as bh + bl (see {@link fma}; the same algorithm
 * without splitting b at every call).
 */
function fmaK(a: number, b: number, bh: number, bl: number, c: number): number {
  const uh = a * b;
  const t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  const ul = al * bl - (uh - ah * bh - al * bh - ah * bl);
  const th = c + uh;
  let bb = th - c;
  const tl = c - (th - bb) + (uh - bb);
  const v = tl + ul;
  bb = v - tl;
  const ve = tl - (v - bb) + (ul - bb);
  const z = th + v;
  if (ve === 0) return z;
  bb = z - th;
  const err = th - (z - bb) + (v - bb);
  if (err === 0) return z;
  const z2 = z + 2 * err;
  if (z2 - z !== 2 * err) return z;
  return ve > 0 === err > 0 ? z2 : z;
}

/** glibc's exp(x), bit for bit (see the module comment). */
export function glibcExp(x: number): number {
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
