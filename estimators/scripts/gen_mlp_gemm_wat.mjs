#!/usr/bin/env node
// Writes estimators/wasm/mlp_gemm.wat: the MLP's matrix products in WebAssembly SIMD. The
// register-blocked microkernels are many near-identical functions, so they are generated here
// rather than written by hand; the .wat is committed and assembled by build_wasm.mjs as usual:
//
//     node estimators/scripts/gen_mlp_gemm_wat.mjs && node estimators/scripts/build_wasm.mjs mlp
//
// (A test checks that the committed .wat is this script's output and that the bytes are the .wat's.)
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

// Elementwise kernels of one training step: same operations, same order as the JavaScript twins
// in gemm.ts (vectorised only across independent elements; sums stay sequential).
const ELEMENTWISE = `  ;; out[j] = (Σ_r d[r·N + j]) / R, the sum in row order (numpy's mean over axis 0).
  (func (export "colmean") (param $d i32) (param $out i32) (param $R i32) (param $N i32)
    (local $j i32) (local $r i32) (local $p i32) (local $acc v128) (local $s f64) (local $bs i32)
    (local.set $bs (i32.shl (local.get $N) (i32.const 3)))
    (local.set $j (i32.const 0))
    (block $done (loop $cols
      (br_if $done (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $N)))
      (local.set $acc (v128.const f64x2 0 0))
      (local.set $p (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $r (i32.const 0))
      (block $rd (loop $rows
        (br_if $rd (i32.ge_s (local.get $r) (local.get $R)))
        (local.set $acc (f64x2.add (local.get $acc) (v128.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $bs)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows)))
      (v128.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3)))
        (f64x2.div (local.get $acc) (f64x2.splat (f64.convert_i32_s (local.get $R)))))
      (local.set $j (i32.add (local.get $j) (i32.const 2)))
      (br $cols)))
    (if (i32.lt_s (local.get $j) (local.get $N)) (then
      (local.set $s (f64.const 0))
      (local.set $p (i32.add (local.get $d) (i32.shl (local.get $j) (i32.const 3))))
      (local.set $r (i32.const 0))
      (block $rd1 (loop $rows1
        (br_if $rd1 (i32.ge_s (local.get $r) (local.get $R)))
        (local.set $s (f64.add (local.get $s) (f64.load (local.get $p))))
        (local.set $p (i32.add (local.get $p) (local.get $bs)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rows1)))
      (f64.store (i32.add (local.get $out) (i32.shl (local.get $j) (i32.const 3)))
        (f64.div (local.get $s) (f64.convert_i32_s (local.get $R)))))))
  ;; g[q] = (g[q] + alpha·w[q]) / n
  (func (export "gradfin") (param $g i32) (param $w i32) (param $len i32) (param $alpha f64) (param $n f64)
    (local $q i32) (local $va v128) (local $vn v128)
    (local.set $va (f64x2.splat (local.get $alpha)))
    (local.set $vn (f64x2.splat (local.get $n)))
    (block $done (loop $l
      (br_if $done (i32.gt_s (i32.add (local.get $q) (i32.const 2)) (local.get $len)))
      (v128.store (local.get $g) (f64x2.div (f64x2.add (v128.load (local.get $g)) (f64x2.mul (local.get $va) (v128.load (local.get $w)))) (local.get $vn)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $w (i32.add (local.get $w) (i32.const 16)))
      (local.set $q (i32.add (local.get $q) (i32.const 2)))
      (br $l)))
    (if (i32.lt_s (local.get $q) (local.get $len)) (then
      (f64.store (local.get $g) (f64.div (f64.add (f64.load (local.get $g)) (f64.mul (local.get $alpha) (f64.load (local.get $w)))) (local.get $n))))))
  ;; Σ p[q]², in order
  (func (export "sumsq") (param $p i32) (param $len i32) (result f64)
    (local $s f64) (local $v f64) (local $end i32)
    (local.set $end (i32.add (local.get $p) (i32.shl (local.get $len) (i32.const 3))))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
      (local.set $v (f64.load (local.get $p)))
      (local.set $s (f64.add (local.get $s) (f64.mul (local.get $v) (local.get $v))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br $l)))
    (local.get $s))
  ;; Adam: m = b1·m + c1·g; v = b2·v + c2·(g·g); p += (nlr·m) / (√v + eps)
  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $len i32)
      (param $b1 f64) (param $c1 f64) (param $b2 f64) (param $c2 f64) (param $nlr f64) (param $eps f64)
    (local $q i32) (local $gq v128) (local $mq v128) (local $vq v128)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $vlr v128) (local $veps v128)
    (local $sg f64) (local $sm f64) (local $sv f64)
    (local.set $vb1 (f64x2.splat (local.get $b1)))
    (local.set $vc1 (f64x2.splat (local.get $c1)))
    (local.set $vb2 (f64x2.splat (local.get $b2)))
    (local.set $vc2 (f64x2.splat (local.get $c2)))
    (local.set $vlr (f64x2.splat (local.get $nlr)))
    (local.set $veps (f64x2.splat (local.get $eps)))
    (block $done (loop $l
      (br_if $done (i32.gt_s (i32.add (local.get $q) (i32.const 2)) (local.get $len)))
      (local.set $gq (v128.load (local.get $g)))
      (local.set $mq (f64x2.add (f64x2.mul (local.get $vb1) (v128.load (local.get $m))) (f64x2.mul (local.get $vc1) (local.get $gq))))
      (local.set $vq (f64x2.add (f64x2.mul (local.get $vb2) (v128.load (local.get $v))) (f64x2.mul (local.get $vc2) (f64x2.mul (local.get $gq) (local.get $gq)))))
      (v128.store (local.get $m) (local.get $mq))
      (v128.store (local.get $v) (local.get $vq))
      (v128.store (local.get $p) (f64x2.add (v128.load (local.get $p))
        (f64x2.div (f64x2.mul (local.get $vlr) (local.get $mq)) (f64x2.add (f64x2.sqrt (local.get $vq)) (local.get $veps)))))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $m (i32.add (local.get $m) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (local.set $q (i32.add (local.get $q) (i32.const 2)))
      (br $l)))
    (if (i32.lt_s (local.get $q) (local.get $len)) (then
      (local.set $sg (f64.load (local.get $g)))
      (local.set $sm (f64.add (f64.mul (local.get $b1) (f64.load (local.get $m))) (f64.mul (local.get $c1) (local.get $sg))))
      (local.set $sv (f64.add (f64.mul (local.get $b2) (f64.load (local.get $v))) (f64.mul (local.get $c2) (f64.mul (local.get $sg) (local.get $sg)))))
      (f64.store (local.get $m) (local.get $sm))
      (f64.store (local.get $v) (local.get $sv))
      (f64.store (local.get $p) (f64.add (f64.load (local.get $p))
        (f64.div (f64.mul (local.get $nlr) (local.get $sm)) (f64.add (f64.sqrt (local.get $sv)) (local.get $eps))))))))
  ;; SGD with momentum: v = mom·v − lr·g; p += nesterov ? mom·v − lr·g : v
  (func (export "sgd") (param $p i32) (param $g i32) (param $v i32) (param $len i32) (param $mom f64) (param $lr f64) (param $nesterov i32)
    (local $q i32) (local $gq v128) (local $vq v128) (local $vm v128) (local $vl v128) (local $sg f64) (local $sv f64)
    (local.set $vm (f64x2.splat (local.get $mom)))
    (local.set $vl (f64x2.splat (local.get $lr)))
    (block $done (loop $l
      (br_if $done (i32.gt_s (i32.add (local.get $q) (i32.const 2)) (local.get $len)))
      (local.set $gq (v128.load (local.get $g)))
      (local.set $vq (f64x2.sub (f64x2.mul (local.get $vm) (v128.load (local.get $v))) (f64x2.mul (local.get $vl) (local.get $gq))))
      (v128.store (local.get $v) (local.get $vq))
      (if (local.get $nesterov) (then
        (local.set $vq (f64x2.sub (f64x2.mul (local.get $vm) (local.get $vq)) (f64x2.mul (local.get $vl) (local.get $gq))))))
      (v128.store (local.get $p) (f64x2.add (v128.load (local.get $p)) (local.get $vq)))
      (local.set $p (i32.add (local.get $p) (i32.const 16)))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (local.set $v (i32.add (local.get $v) (i32.const 16)))
      (local.set $q (i32.add (local.get $q) (i32.const 2)))
      (br $l)))
    (if (i32.lt_s (local.get $q) (local.get $len)) (then
      (local.set $sg (f64.load (local.get $g)))
      (local.set $sv (f64.sub (f64.mul (local.get $mom) (f64.load (local.get $v))) (f64.mul (local.get $lr) (local.get $sg))))
      (f64.store (local.get $v) (local.get $sv))
      (if (local.get $nesterov) (then
        (local.set $sv (f64.sub (f64.mul (local.get $mom) (local.get $sv)) (f64.mul (local.get $lr) (local.get $sg))))))
      (f64.store (local.get $p) (f64.add (f64.load (local.get $p)) (local.get $sv))))))`;

/** A microkernel: R rows (4 or 1) × V f64x2 vectors (2 or 1), or one scalar column when V = 0. */
function micro(R, V) {
  const name = `$k${R}x${V === 0 ? 's' : 2 * V}`;
  const cols = V === 0 ? [0] : Array.from({ length: V }, (_, h) => h);
  const acc = (r, h) => `$c${r}${h}`;
  const type = V === 0 ? 'f64' : 'v128';
  emit(`  ;; ${R} row(s) × ${V === 0 ? '1 scalar column' : `${2 * V} columns`}`);
  emit(
    `  (func ${name} (param $a i32) (param $b i32) (param $c i32) (param $K i32) (param $ars i32) (param $aks i32) (param $bs i32) (param $cs i32) (param $bias i32) (param $mode i32) (param $aux i32)`,
  );
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
    emit(
      V === 0
        ? `      (local.set $b${h} (f64.load (local.get $pb)))`
        : `      (local.set $b${h} (v128.load offset=${16 * h} (local.get $pb)))`,
    );
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
  // Epilogue. Bias added after the sum (numpy's `Z = A·W; Z += b`); mode 1: relu, max(z, 0)
  // (−0 and negatives become +0, NaN stays NaN); mode 2: zero where aux (same layout as C) is 0 —
  // the relu derivative `delta[Z == 0] = 0`.
  const op = V === 0 ? 'f64' : 'f64x2';
  emit('    (if (i32.ge_s (local.get $bias) (i32.const 0)) (then');
  for (const h of cols)
    emit(
      V === 0
        ? `      (local.set $b${h} (f64.load (local.get $bias)))`
        : `      (local.set $b${h} (v128.load offset=${16 * h} (local.get $bias)))`,
    );
  for (let r = 0; r < R; r++) {
    for (const h of cols) emit(`      (local.set ${acc(r, h)} (${op}.add (local.get ${acc(r, h)}) (local.get $b${h})))`);
  }
  emit('    ))');
  emit('    (if (i32.eq (local.get $mode) (i32.const 1)) (then');
  for (let r = 0; r < R; r++) for (const h of cols) emit(`      (local.set ${acc(r, h)} (${op}.max (local.get ${acc(r, h)}) ${zero}))`);
  emit('    ))');
  emit('    (if (i32.eq (local.get $mode) (i32.const 2)) (then');
  for (let r = 0; r < R; r++) {
    const zaddr = r === 0 ? '(local.get $aux)' : `(i32.add (local.get $aux) (i32.mul (local.get $cs) (i32.const ${r})))`;
    for (const h of cols) {
      if (V === 0) {
        emit(`      (local.set ${acc(r, h)} (select ${zero} (local.get ${acc(r, h)}) (f64.eq (f64.load ${zaddr}) ${zero})))`);
      } else {
        emit(
          `      (local.set ${acc(r, h)} (v128.bitselect ${zero} (local.get ${acc(r, h)}) (f64x2.eq (v128.load offset=${16 * h} ${zaddr}) ${zero})))`,
        );
      }
    }
  }
  emit('    ))');
  for (let r = 0; r < R; r++) {
    const addr = r === 0 ? '(local.get $c)' : `(i32.add (local.get $c) (i32.mul (local.get $cs) (i32.const ${r})))`;
    for (const h of cols)
      emit(
        V === 0 ? `    (f64.store ${addr} (local.get ${acc(r, h)}))` : `    (v128.store offset=${16 * h} ${addr} (local.get ${acc(r, h)}))`,
      );
  }
  emit('  )');
}

/** A row block of R rows: columns in groups of 4, then 2, then a scalar one. */
function rowBlock(R) {
  emit(
    `  (func $rows${R} (param $a i32) (param $b i32) (param $c i32) (param $K i32) (param $N i32) (param $ars i32) (param $aks i32) (param $bias i32) (param $mode i32) (param $aux i32)`,
  );
  emit('    (local $j i32) (local $bs i32) (local $off i32) (local $bj i32)');
  emit('    (local.set $bs (i32.shl (local.get $N) (i32.const 3)))');
  emit('    (local.set $j (i32.const 0))');
  const call = (k) =>
    `(call ${k} (local.get $a) (i32.add (local.get $b) (local.get $off)) (i32.add (local.get $c) (local.get $off)) (local.get $K) (local.get $ars) (local.get $aks) (local.get $bs) (local.get $bs) (local.get $bj) (local.get $mode) (i32.add (local.get $aux) (local.get $off)))`;
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
emit(";; The MLP's matrix products (src/neural_network/gemm.ts) in f64x2 SIMD, register-blocked 4 rows ×");
emit(";; 4 columns. All pointers are byte offsets into this module's memory. Every output element is");
emit(';; ((0 + a0·b0) + a1·b1) + … in the order of the inner index, with separate multiply and add, as the');
emit(';; JavaScript backend computes it, so the two are bit-identical.');
emit('(module');
emit('  (memory (export "memory") 1 65536)');
for (const R of [4, 1]) for (const V of [2, 1, 0]) micro(R, V);
for (const R of [4, 1]) rowBlock(R);
emit('  ;; C[M×N] = A·B (+ bias on every row when bias >= 0); A(i, k) at a + i·ars + k·aks.');
emit(
  '  (func $gemm (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $bias i32) (param $mode i32) (param $aux i32) (param $ars i32) (param $aks i32)',
);
emit('    (local $i i32) (local $cs i32)');
emit('    (local.set $cs (i32.shl (local.get $N) (i32.const 3)))');
emit('    (local.set $i (i32.const 0))');
emit('    (block $done (loop $rows');
emit('      (br_if $done (i32.gt_s (i32.add (local.get $i) (i32.const 4)) (local.get $M)))');
emit(
  '      (call $rows4 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ars))) (local.get $b) (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))) (local.get $K) (local.get $N) (local.get $ars) (local.get $aks) (local.get $bias) (local.get $mode) (i32.add (local.get $aux) (i32.mul (local.get $i) (local.get $cs))))',
);
emit('      (local.set $i (i32.add (local.get $i) (i32.const 4)))');
emit('      (br $rows)))');
emit('    (block $done1 (loop $rest');
emit('      (br_if $done1 (i32.ge_s (local.get $i) (local.get $M)))');
emit(
  '      (call $rows1 (i32.add (local.get $a) (i32.mul (local.get $i) (local.get $ars))) (local.get $b) (i32.add (local.get $c) (i32.mul (local.get $i) (local.get $cs))) (local.get $K) (local.get $N) (local.get $ars) (local.get $aks) (local.get $bias) (local.get $mode) (i32.add (local.get $aux) (i32.mul (local.get $i) (local.get $cs))))',
);
emit('      (local.set $i (i32.add (local.get $i) (i32.const 1)))');
emit('      (br $rest)))');
emit('  )');
emit('  ;; C[M×N] = A[M×K]·B[K×N] (+ bias[N]), then the epilogue `mode` (see the microkernels).');
emit(
  '  (func (export "nn") (param $a i32) (param $b i32) (param $c i32) (param $M i32) (param $K i32) (param $N i32) (param $bias i32) (param $mode i32) (param $aux i32)',
);
emit(
  '    (call $gemm (local.get $a) (local.get $b) (local.get $c) (local.get $M) (local.get $K) (local.get $N) (local.get $bias) (local.get $mode) (local.get $aux) (i32.shl (local.get $K) (i32.const 3)) (i32.const 8)))',
);
emit('  ;; C[M×N] = A[R×M]ᵀ·B[R×N].');
emit('  (func (export "tn") (param $a i32) (param $b i32) (param $c i32) (param $R i32) (param $M i32) (param $N i32)');
emit(
  '    (call $gemm (local.get $a) (local.get $b) (local.get $c) (local.get $M) (local.get $R) (local.get $N) (i32.const -1) (i32.const 0) (i32.const 0) (i32.const 8) (i32.shl (local.get $M) (i32.const 3))))',
);
emit(ELEMENTWISE);
emit(')');
// An optional argument writes elsewhere (the tests compare the committed .wat with a fresh one).
const target = process.argv[2] ?? join(root, 'wasm/mlp_gemm.wat');
writeFileSync(target, out.join('\n') + '\n');
console.error(`wrote ${target} (${out.length} lines)`);
