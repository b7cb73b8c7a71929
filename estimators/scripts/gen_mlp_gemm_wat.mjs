#!/usr/bin/env node
// Writes estimators/wasm/mlp_gemm.wat: the MLP's matrix products in WebAssembly SIMD. The
// register-blocked microkernels are many near-identical functions, so they are generated here
// rather than written by hand; the .wat is committed and assembled by build_wasm.mjs as usual:
//
//     node estimators/scripts/gen_mlp_gemm_wat.mjs && node estimators/scripts/build_wasm.mjs
//
// One kernel serves both products: C[M×N] = A·B with A read through two strides (row and inner
// index), so nn (A[M×K], row-major) and tn (Aᵀ, A[R×M] row-major) differ only in the strides.
// Every output element is accumulated as ((0 + a₀b₀) + a₁b₁) + … with separate f64x2.mul and
// f64x2.add (lanes are different output columns), which is exactly what the JavaScript loops of
// src/neural_network/gemm.ts compute, so both backends give bit-identical results.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = [];
const emit = (s) => out.push(s);

/** A microkernel: R rows (4 or 1) × V f64x2 vectors (2 or 1), or one scalar column when V = 0. */
function micro(R, V) {
  const name = `$k${R}x${V === 0 ? 's' : 2 * V}`;
  const cols = V === 0 ? [0] : Array.from({ length: V }, (_, h) => h);
  const acc = (r, h) => `$c${r}${h}`;
  const type = V === 0 ? 'f64' : 'v128';
  emit(`  ;; ${R} row(s) × ${V === 0 ? '1 scalar column' : `${2 * V} columns`}`);
  emit(`  (func ${name} (param $a i32) (param $b i32) (param $c i32) (param $K i32) (param $ars i32) (param $aks i32) (param $bs i32) (param $cs i32) (param $bias i32)`);
  const locals = ['(local $k i32)', '(local $pa i32)', '(local $pb i32)', '(local $x ' + type + ')'];
  for (let r = 0; r < R; r++) for (const h of cols) locals.push(`(local ${acc(r, h)} ${type})`);
  for (const h of cols) locals.push(`(local $b${h} ${type})`);
  emit('    ' + locals.join(' '));
  const zero = V === 0 ? '(f64.const 0)' : '(v128.const f64x2 0 0)';
  for (let r = 0; r < R; r++) for (const h of cols) emit(`    (local.set ${acc(r, h)} ${zero})`);
  emit('    (local.set $pa (local.get $a))');
  emit('    (local.set $pb (local.get $b))');
  emit('    (local.set $k (i32.const 0))');
  emit('    (if (i32.gt_s (local.get $K) (i32.const 0)) (then');
  emit('    (loop $inner');
  for (const h of cols) {
    emit(V === 0 ? `      (local.set $b${h} (f64.load (local.get $pb)))` : `      (local.set $b${h} (v128.load offset=${16 * h} (local.get $pb)))`);
  }
  for (let r = 0; r < R; r++) {
    const addr = r === 0 ? '(local.get $pa)' : `(i32.add (local.get $pa) (i32.mul (local.get $ars) (i32.const ${r})))`;
    emit(V === 0 ? `      (local.set $x (f64.load ${addr}))` : `      (local.set $x (f64x2.splat (f64.load ${addr})))`);
    for (const h of cols) {
      const op = V === 0 ? 'f64' : 'f64x2';
      emit(`      (local.set ${acc(r, h)} (${op}.add (local.get ${acc(r, h)}) (${op}.mul (local.get $x) (local.get $b${h}))))`);
    }
  }
  emit('      (local.set $pa (i32.add (local.get $pa) (local.get $aks)))');
  emit('      (local.set $pb (i32.add (local.get $pb) (local.get $bs)))');
  emit('      (local.set $k (i32.add (local.get $k) (i32.const 1)))');
  emit('      (br_if $inner (i32.lt_s (local.get $k) (local.get $K))))))');
  // Bias epilogue (added after the sum, as numpy's `Z = A·W; Z += b`).
  emit('    (if (i32.ge_s (local.get $bias) (i32.const 0)) (then');
  for (const h of cols) emit(V === 0 ? `      (local.set $b${h} (f64.load (local.get $bias)))` : `      (local.set $b${h} (v128.load offset=${16 * h} (local.get $bias)))`);
  for (let r = 0; r < R; r++) {
    for (const h of cols) emit(`      (local.set ${acc(r, h)} (${V === 0 ? 'f64' : 'f64x2'}.add (local.get ${acc(r, h)}) (local.get $b${h})))`);
  }
  emit('    ))');
  for (let r = 0; r < R; r++) {
    const addr = r === 0 ? '(local.get $c)' : `(i32.add (local.get $c) (i32.mul (local.get $cs) (i32.const ${r})))`;
    for (const h of cols) emit(V === 0 ? `    (f64.store ${addr} (local.get ${acc(r, h)}))` : `    (v128.store offset=${16 * h} ${addr} (local.get ${acc(r, h)}))`);
  }
  emit('  )');
}

/** A row block of R rows: columns in groups of 4, then 2, then a scalar one. */
function rowBlock(R) {
  emit(`  (func $rows${R} (param $a i32) (param $b i32) (param $c i32) (param $K i32) (param $N i32) (param $ars i32) (param $aks i32) (param $bias i32)`);
  emit('    (local $j i32) (local $bs i32) (local $off i32) (local $bj i32)');
  emit('    (local.set $bs (i32.shl (local.get $N) (i32.const 3)))');
  emit('    (local.set $j (i32.const 0))');
  const call = (k) =>
    `(call ${k} (local.get $a) (i32.add (local.get $b) (local.get $off)) (i32.add (local.get $c) (local.get $off)) (local.get $K) (local.get $ars) (local.get $aks) (local.get $bs) (local.get $bs) (local.get $bj))`;
  const setOff = [
    '(local.set $off (i32.shl (local.get $j) (i32.const 3)))',
    '(local.set $bj (select (i32.add (local.get $bias) (local.get $off)) (i32.const -1) (i32.ge_s (local.get $bias) (i32.const 0))))',
  ];
  emit('    (block $done4 (loop $cols4');
  emit('      (br_if $done4 (i32.gt_s (i32.add (local.get $j) (i32.const 4)) (local.get $N)))');
  for (const s of setOff) emit('      ' + s);
  emit(`      ${call(`$k${R}x4`)}`);
  emit('      (local.set $j (i32.add (local.get $j) (i32.const 4)))');
  emit('      (br $cols4)))');
  emit('    (if (i32.le_s (i32.add (local.get $j) (i32.const 2)) (local.get $N)) (then');
  for (const s of setOff) emit('      ' + s);
  emit(`      ${call(`$k${R}x2`)}`);
  emit('      (local.set $j (i32.add (local.get $j) (i32.const 2)))))');
  emit('    (if (i32.lt_s (local.get $j) (local.get $N)) (then');
  for (const s of setOff) emit('      ' + s);
  emit(`      ${call(`$k${R}xs`)}))`);
  emit('  )');
}

emit(';; Generated by estimators/scripts/gen_mlp_gemm_wat.mjs. Do not edit; edit the generator and re-run it.');
emit(';;');
emit(';; The MLP\'s matrix products (src/neural_network/gemm.ts) in f64x2 SIMD, register-blocked 4 rows ×');
emit(';; 4 columns. All pointers are byte offsets into this module\'s memory. Every output element is');
emit(';; ((0 + a0·b0) + a1·b1) + … in the order of the inner index, with separate multiply and add, as the');
emit(';; JavaScript backend computes it, so the two are bit-identical.');
emit('(module');
emit('  (memory (export "memory") 1 65536)');
for (const R of [4, 1]) for (const V of [2, 1, 0]) micro(R, V);
for (const R of [4, 1]) rowBlock(R);
emit('  ;; C[M×N] = A·B (+ bias on every row when bias >= 0); A(i, k) at a + i·ars + k·aks.');
emit('  (func $gemm (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $bias i32) (param $ars i32) (param $aks i32)');
emit('    (local $i i32) (local $cs i32)');
emit('    (local.set $cs (i32.shl (local.get $N) (i32.const 3)))');
emit('    (local.set $i (i32.const 0))');
emit('    (block $done (loop $rows');
emit('      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $M)))');
emit('      (call $rows4 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ars))) (local.get $b) (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))) (local.get $K) (local.get $N) (local.get $ars) (local.get $aks) (local.get $bias))');
emit('      (local.set $i (i32.add (local.get $i) (i32.const 4)))');
emit('      (br $rows)))');
emit('    (block $done1 (loop $rest');
emit('      (br_if $done1 (i32.ge_s (local.get $i) (local.get $M)))');
emit('      (call $rows1 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ars))) (local.get $b) (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))) (local.get $K) (local.get $N) (local.get $ars) (local.get $aks) (local.get $bias))');
emit('      (local.set $i (i32.add (local.get $i) (i32.const 1)))');
emit('      (br $rest)))');
emit('  )');
emit('  ;; C[M×N] = A[M×K]·B[K×N] (+ bias[N]).');
emit('  (func (export "nn") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $bias i32)');
emit('    (call $gemm (local.get $a) (local.get $b) (local.get $c) (local.get $M) (local.get $K) (local.get $N) (local.get $bias) (i32.shl (local.get $K) (i32.const 3)) (i32.const 8)))');
emit('  ;; C[M×N] = A[R×M]ᵀ·B[R×N].');
emit('  (func (export "tn") (param $a i32) (param $b i32) (param $c i32) (param $R i32) (param $M i32) (param $N i32)');
emit('    (call $gemm (local.get $a) (local.get $b) (local.get $c) (local.get $M) (local.get $R) (local.get $N) (i32.const -1) (i32.const 8) (i32.shl (local.get $M) (i32.const 3))))');
emit(')');
writeFileSync(join(root, 'wasm/mlp_gemm.wat'), out.join('\n') + '\n');
console.error(`wrote wasm/mlp_gemm.wat (${out.length} lines)`);
