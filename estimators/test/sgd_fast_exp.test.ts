/**
 * libm.ts's glibcExp: a fast path in plain double arithmetic with Ziv's rounding test, falling
 * back to the emulated-FMA path (glibcExpReference, checked against the C library by
 * sgd_small_alpha.test.ts's fixture) near a rounding boundary — and the WebAssembly epoch's exp,
 * its twin. Both must equal the reference bit for bit; estimators/scripts/check_fast_exp.mjs runs
 * the same comparison on 10^8 inputs.
 */
import { describe, expect, it } from 'vitest';
import { RandomState } from '@tessera/array';
import { EXP_HEAD, EXP_TAIL } from '../src/linear_model/sgd/exp_table.js';
import { glibcExp, glibcExpReference } from '../src/linear_model/sgd/libm.js';
import { ownKernel } from '../src/linear_model/sgd/wasm.js';
import { stageInOwnMemory } from '../src/linear_model/sgd/wasm_epoch.js';

/**
 * Inputs where the fast path's plain-arithmetic result, taken without the rounding test, is one
 * ulp off glibc's (found by search; about 1 in 1000 of the log loss's range): the test must send
 * them to the emulated-FMA path.
 */
const HARD = [
  13.13547965315799, -2.1727655050710695, 4.199976973805619, -1.1943359367534114, -1.2423014942446216, 10.117353446644394,
  -1.096155620389542, -1.7349213543111155, 10.210674055644589, -11.217376536302357, -17.346359889951394, 14.739066957879139,
];

/** The inputs of check_fast_exp.mjs, fewer: the log loss's ranges, the whole range, k's rounding boundaries, the thresholds, random bits. */
function inputs(n: number): Float64Array {
  const rs = new RandomState(17);
  const u = rs.uniform(0, 1, 3 * n);
  const out = new Float64Array(n);
  const bits = new Float64Array(1);
  const words = new Uint32Array(bits.buffer);
  const edges = [2 ** -54, 512, 1024, 709.782712893384, -745.1332191019411, -708.3964185322641, 2 ** -53, 1];
  for (let i = 0; i < n; i++) {
    const [a, b, c] = [u[3 * i]!, u[3 * i + 1]!, u[3 * i + 2]!];
    switch (i % 6) {
      case 0:
        out[i] = -18 + 36 * a;
        break;
      case 1:
        out[i] = -745 + 727 * a;
        break;
      case 2:
        out[i] = -1100 + 2200 * a;
        break;
      case 3: // x·128/ln2 within 2^-20 of a half-integer, every table index
        out[i] = (Math.floor(-95000 + 190000 * a) + 0.5 + (b - 0.5) * 2 ** -19) * (Math.LN2 / 128);
        break;
      case 4:
        out[i] = (c < 0.5 ? -1 : 1) * edges[Math.floor(a * edges.length)]! * (1 + (b - 0.5) * 2 ** -Math.floor((c * 100) % 50));
        break;
      default:
        words[0] = Math.floor(a * 2 ** 32);
        words[1] = Math.floor(b * 2 ** 32);
        out[i] = bits[0]!;
    }
  }
  return out;
}

describe("glibc's exp, fast path", () => {
  const xs = inputs(600_000);
  const special = [0, -0, 1e-300, 2 ** -54, -(2 ** -54), 2 ** -55, 511.99999999999994, 512, -512, 709.78, 710, -708.4, -745.2, -746];
  const all = [...xs, ...HARD, ...special, 1023.9, -1023.9, 5000, Infinity, -Infinity, NaN, 5e-324, -5e-324];

  it('equals the emulated-FMA reference bit for bit (JavaScript)', () => {
    const wrong: string[] = [];
    for (const x of all)
      if (!Object.is(glibcExp(x), glibcExpReference(x))) wrong.push(`exp(${x}) = ${glibcExp(x)}, reference ${glibcExpReference(x)}`);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('equals the emulated-FMA reference bit for bit (the WebAssembly epoch)', () => {
    const k = ownKernel();
    expect(k).not.toBeNull();
    const wrong: string[] = [];
    for (const x of all)
      if (!Object.is(k!.exp(x), glibcExpReference(x))) wrong.push(`exp(${x}) = ${k!.exp(x)}, reference ${glibcExpReference(x)}`);
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it("equals it too with the table read from memory (a staged fit's exp)", () => {
    const k = ownKernel()!;
    const staged = stageInOwnMemory(new Float64Array(8), new Float64Array(4), null, 4, 2);
    expect(staged).not.toBeNull();
    const tab = (k as unknown as { expTab: { value: number } }).expTab;
    const wrong: string[] = [];
    tab.value = staged!.expTab;
    try {
      for (const x of [...all, ...HARD])
        if (!Object.is(k.exp(x), glibcExpReference(x))) wrong.push(`exp(${x}) = ${k.exp(x)}, reference ${glibcExpReference(x)}`);
      // The table is what the exp reads: spoil one entry and its inputs change.
      const T = new Float64Array(k.memory.buffer, staged!.expTab, 256);
      T[2 * 5] *= 1 + 2 ** -40;
      const x5 = (5 * Math.LN2) / 128;
      expect(k.exp(x5)).not.toBe(glibcExpReference(x5));
    } finally {
      tab.value = 0;
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('sends the inputs plain arithmetic rounds wrongly to the reference path', () => {
    // The fast path's arithmetic (libm.ts) without its rounding test: scale + scale·tmp rounded.
    const plain = (x: number): number => {
      const SHIFT = 0x18000000000000;
      const kd = x * (0x171547652b82fe / 2 ** 45) + SHIFT - SHIFT;
      const r = kd * (-0x162e42fefa0000 / 2 ** 60) + x + kd * (-0x1cf79abc9e3b3a / 2 ** 99);
      const j = kd & 127;
      const r2 = r * r;
      const tmp =
        r2 * r2 * (r * (0x11111167a4d017 / 2 ** 59) + 0x155555cf172b91 / 2 ** 57) +
        (r2 * (r * (0x1555555555543c / 2 ** 55) + 0x1ffffffffffdbd / 2 ** 54) + (EXP_TAIL[j]! + r));
      const scale = EXP_HEAD[j]! * 2 ** ((kd - j) / 128);
      return scale + scale * tmp;
    };
    const k = ownKernel()!;
    for (const x of HARD) {
      const want = glibcExpReference(x);
      expect(plain(x)).not.toBe(want);
      expect(glibcExp(x)).toBe(want);
      expect(k.exp(x)).toBe(want);
    }
  });
});
