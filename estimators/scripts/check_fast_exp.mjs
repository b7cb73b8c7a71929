#!/usr/bin/env node
// Checks libm.ts's glibcExp (the fast path with Ziv's rounding test, falling back to the
// emulated-FMA path) and the WebAssembly module's exp bit for bit against glibcExpReference (the
// emulated-FMA path alone, itself checked against the C library by the fixtures), on N inputs
// (default 10^8; the sources are bundled with esbuild on the way, so no build is needed):
//
//     node estimators/scripts/check_fast_exp.mjs [N] [--no-wasm] [--table-in-memory]
//
// Inputs, in equal shares: uniform over [-18, 18] (the log loss's exp(z) range), over [-745, -18]
// (its exp(-z) for z > 18), over [-1100, 1100]; x = (k + 1/2 + δ)·ln2/128 with |δ| < 2^-20 (k's
// rounding boundary, every exp_table index); |x| near 2^-54, 512 and 1024 (the special-case
// thresholds) and the overflow/underflow edges (709.78…, -745.13…); random bit patterns
// (subnormal x, NaN, ±Infinity included). Also counts the fast path's fallbacks, and how many of
// its answers a smaller bound would get wrong (the bound's margin, seen in the data).
import { build } from 'esbuild';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const src = new URL('../src/linear_model/sgd/', import.meta.url).pathname;
const bundled = await build({
  stdin: {
    contents: `export { glibcExp, glibcExpReference } from './libm.ts'; export { EXP_HEAD, EXP_TAIL } from './exp_table.ts'; export { ownKernel } from './wasm.ts'; export { stageInOwnMemory } from './wasm_epoch.ts';`,
    resolveDir: src,
    loader: 'ts',
  },
  bundle: true,
  format: 'esm',
  platform: 'node',
  write: false,
});
const file = join(mkdtempSync(join(tmpdir(), 'check-fast-exp-')), 'libm.mjs');
writeFileSync(file, bundled.outputFiles[0].text);
const { glibcExp, glibcExpReference, EXP_HEAD, EXP_TAIL, ownKernel, stageInOwnMemory } = await import(pathToFileURL(file).href);

const N = Number(process.argv.find((a, i) => i >= 2 && /^\d/.test(a)) ?? 1e8);
const withWasm = !process.argv.includes('--no-wasm');
const k = withWasm ? ownKernel() : null;
if (withWasm && k === null) throw new Error('WebAssembly SIMD unavailable: run with --no-wasm');
// --table-in-memory: the module's exp reads its table from memory, as during a staged fit.
const tableInMemory = withWasm && process.argv.includes('--table-in-memory');
if (tableInMemory) k.expTab.value = stageInOwnMemory(new Float64Array(8), new Float64Array(4), null, 4, 2).expTab;

// mulberry32, seeded: the inputs are the same on every run.
let seed = 0x9e3779b9;
function u32() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}
const unit = () => (u32() * 2 ** 21 + (u32() >>> 11)) / 2 ** 53; // [0, 1), 53 bits
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const LN2_128 = Math.LN2 / 128;

const KINDS = 6;
function input(i) {
  switch (i % KINDS) {
    case 0:
      return -18 + 36 * unit();
    case 1:
      return -745 + 727 * unit();
    case 2:
      return -1100 + 2200 * unit();
    case 3: {
      const kk = Math.floor(-95000 + 190000 * unit());
      return (kk + 0.5 + (unit() - 0.5) * 2 ** -19) * LN2_128;
    }
    case 4: {
      const edges = [2 ** -54, 512, 1024, 709.782712893384, -745.1332191019411, -708.3964185322641, 2 ** -53, 1];
      const e = edges[u32() % edges.length];
      const s = u32() & 1 ? -1 : 1;
      return s * e * (1 + (unit() - 0.5) * 2 ** -(u32() % 50));
    }
    default:
      words[0] = u32();
      words[1] = u32();
      return bits[0];
  }
}

// The fast path of libm.ts with its bound as a parameter (the margin experiment; same operations).
const INV_LN2_N = 0x171547652b82fe / 2 ** 45;
const NEG_LN2_HI_N = -0x162e42fefa0000 / 2 ** 60;
const NEG_LN2_LO_N = -0x1cf79abc9e3b3a / 2 ** 99;
const SHIFT = 0x18000000000000;
const C2 = 0x1ffffffffffdbd / 2 ** 54;
const C3 = 0x1555555555543c / 2 ** 55;
const C4 = 0x155555cf172b91 / 2 ** 57;
const C5 = 0x11111167a4d017 / 2 ** 59;
const SMALL = [2 ** -59, 2 ** -61, 2 ** -63, 2 ** -65, 0];
const wrongWithSmaller = new Array(SMALL.length).fill(0);
/**
 * The fast path's result before its rounding test: { hi, lo, scale }, or null outside its range
 * or when the reduction lands near a half (the path falls back there).
 */
function fastParts(x) {
  const ax = Math.abs(x);
  if (!(ax >= 2 ** -54 && ax < 512)) return null;
  const z = x * INV_LN2_N;
  const kd = z + SHIFT - SHIFT;
  if (!(Math.abs(Math.abs(z - kd) - 0.5) > 2 ** -30)) return null;
  const r = kd * NEG_LN2_HI_N + x + kd * NEG_LN2_LO_N;
  const j = kd & 127;
  const e = (kd - j) / 128;
  const r2 = r * r;
  const tmp = r2 * r2 * (r * C5 + C4) + (r2 * (r * C3 + C2) + (EXP_TAIL[j] + r));
  const scale = EXP_HEAD[j] * 2 ** e;
  const p = scale * tmp;
  const hi = scale + p;
  return { hi, lo: scale - hi + p, scale };
}

/** Whether the rounding test with error bound `b` (relative to scale) accepts hi. */
const accepts = ({ hi, lo, scale }, b) => hi + (lo + scale * b) === hi && hi + (lo - scale * b) === hi;

function tryBounds(x, want) {
  const f = fastParts(x);
  if (f === null) return;
  for (let s = 0; s < SMALL.length; s++) if (accepts(f, SMALL[s]) && !Object.is(f.hi, want)) wrongWithSmaller[s]++;
}

// Fallbacks, counted by timing-free means: the reference called through a counter would cost as
// much as the check, so the fast path's test is repeated here with the real bound (2^-58).
let fallbacks = 0;
let inFastRange = 0;
let wrongJs = 0;
let wrongWasm = 0;
const examples = [];
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const x = input(i);
  const want = glibcExpReference(x);
  const got = glibcExp(x);
  if (!Object.is(got, want)) {
    wrongJs++;
    if (examples.length < 10) examples.push(`js exp(${x}) = ${got}, reference ${want}`);
  }
  if (k !== null) {
    const gw = k.exp(x);
    if (!Object.is(gw, want)) {
      wrongWasm++;
      if (examples.length < 10) examples.push(`wasm exp(${x}) = ${gw}, reference ${want}`);
    }
  }
  if (i % 8 === 0) {
    // every 8th input: the margin experiment and the fallback count (sampled, to keep the run short)
    const ax = Math.abs(x);
    if (ax >= 2 ** -54 && ax < 512) {
      inFastRange++;
      const f = fastParts(x);
      if (f === null || !accepts(f, 2 ** -58)) fallbacks++;
    }
    tryBounds(x, want);
  }
}
const seconds = ((performance.now() - t0) / 1000).toFixed(1);
console.log(
  JSON.stringify(
    {
      inputs: N,
      wasmChecked: k !== null,
      wasmTableInMemory: tableInMemory,
      differentJs: wrongJs,
      differentWasm: wrongWasm,
      sampledInFastRange: inFastRange,
      sampledFallbacks: fallbacks,
      fallbackRate: fallbacks / inFastRange,
      wrongIfBoundWere: Object.fromEntries(SMALL.map((b, s) => [b === 0 ? '0' : `2^${Math.log2(b)}`, wrongWithSmaller[s]])),
      examples,
      seconds: Number(seconds),
    },
    null,
    1,
  ),
);
if (wrongJs + wrongWasm > 0) process.exit(1);
