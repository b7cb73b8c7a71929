#!/usr/bin/env node
// Writes estimators/wasm/kmeans.wat: MiniBatchKMeans' per-chunk kernels in WebAssembly SIMD
// (driven by src/cluster/kmeans_kernels.ts). The products of a chunk of rows with the centers are
// register-blocked — two rows × a group of up to four pairs of centers — and the variants for
// groups of one to four pairs are near-identical, so they are generated rather than written by
// hand; the .wat is committed and assembled by build_wasm.mjs as usual:
//
//     node estimators/scripts/gen_kmeans_wat.mjs && node estimators/scripts/build_wasm.mjs kmeans
//
// (A test checks that the committed .wat is this script's output and that the bytes are the .wat's.)
//
// Numerics (the JavaScript twin in kmeans_kernels.ts computes the same, so both backends give
// bit-identical results): each product x·c is ((0 + x₀c₀) + x₁c₁) + … in feature order with a
// separate multiply and add; lanes are two different centers, so SIMD changes no sum's order.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ROWS = ['a', 'b'];
const indent = (lines, n) => lines.map((l) => ' '.repeat(n) + l).join('\n');
const ACC_LOCALS = ['a0', 'a1', 'a2', 'a3', 'b0', 'b1', 'b2', 'b3'].map((n) => `(local $${n} v128)`).join(' ');

/**
 * The products of `nr` rows (from $pa, and $pa + $d8 for the second) with the group's G center
 * pairs (block $ctg: feature by feature, the group's 2G centers): accumulators $<row><q> (f64x2,
 * lanes = the group's centers 2q, 2q + 1). The loop runs on pointers only (it ends at the end of
 * the first row), so the optimizing compiler keeps them all in registers.
 */
function products(nr, G) {
  const lines = [];
  for (let r = 0; r < nr; r++) for (let q = 0; q < G; q++) lines.push(`(local.set $${ROWS[r]}${q} (v128.const f64x2 0 0))`);
  lines.push('(local.set $px (local.get $pa))');
  lines.push('(local.set $pe (i32.add (local.get $pa) (local.get $d8)))');
  if (nr > 1) lines.push('(local.set $pxb (local.get $pe))');
  lines.push('(local.set $pc (local.get $ctg))');
  lines.push('(loop $f');
  lines.push('  (local.set $xa (v128.load64_splat (local.get $px)))');
  if (nr > 1) lines.push('  (local.set $xb (v128.load64_splat (local.get $pxb)))');
  for (let q = 0; q < G; q++) {
    lines.push(`  (local.set $c (v128.load offset=${16 * q} (local.get $pc)))`);
    for (let r = 0; r < nr; r++) {
      const acc = `$${ROWS[r]}${q}`;
      lines.push(`  (local.set ${acc} (f64x2.add (local.get ${acc}) (f64x2.mul (local.get $x${ROWS[r]}) (local.get $c))))`);
    }
  }
  lines.push('  (local.set $px (i32.add (local.get $px) (i32.const 8)))');
  if (nr > 1) lines.push('  (local.set $pxb (i32.add (local.get $pxb) (i32.const 8)))');
  lines.push(`  (local.set $pc (i32.add (local.get $pc) (i32.const ${16 * G})))`);
  lines.push('  (br_if $f (i32.ne (local.get $px) (local.get $pe))))');
  return lines;
}

/**
 * A function over all R rows of the chunk for one group of G pairs: two rows at a time, then the
 * last row of an odd count; `epilogue(nr, G)` consumes the accumulators of `nr` rows (row a's
 * index in $i) and `advance` moves the row pointers on by `nr` rows.
 */
function rowLoop(G, epilogue) {
  return [
    '(block $rd (loop $rl',
    '  (br_if $rd (i32.gt_s (i32.add (local.get $i) (i32.const 2)) (local.get $R)))',
    indent([...products(2, G), ...epilogue(2, G)], 2),
    '  (local.set $pa (i32.add (local.get $pa) (i32.shl (local.get $d8) (i32.const 1))))',
    '  (local.set $i (i32.add (local.get $i) (i32.const 2)))',
    '  (br $rl)))',
    '(if (i32.lt_s (local.get $i) (local.get $R)) (then',
    indent([...products(1, G), ...epilogue(1, G)], 2),
    '))',
  ];
}

/** scores: the group's p + ‖c‖² (p = x·(−2c)) into the rows' scores (row i at $Dg + i·$kp8). */
function scoresEpilogue(nr, G) {
  const lines = ['(local.set $po (i32.add (local.get $Dg) (i32.mul (local.get $i) (local.get $kp8))))'];
  for (let r = 0; r < nr; r++) {
    if (r > 0) lines.push('(local.set $po (i32.add (local.get $po) (local.get $kp8)))');
    for (let q = 0; q < G; q++) {
      lines.push(
        `(v128.store offset=${16 * q} (local.get $po) (f64x2.add (local.get $${ROWS[r]}${q}) (v128.load offset=${16 * q} (local.get $cng))))`,
      );
    }
  }
  return lines;
}

/**
 * distances: √max(p + ‖x‖² + ‖c‖², 0) (p = x·(−2c); ‖x_i‖² at $xxs + 8i) into the rows' outputs
 * (row i at $outg + i·$k8). The second lane of the group's last pair is not stored when $odd (k
 * odd: a padding center). Every value before the clamp enters $chk (0·v: NaN when not finite).
 */
function distancesEpilogue(nr, G) {
  const lines = [];
  for (let r = 0; r < nr; r++) {
    const R = ROWS[r];
    lines.push(`(local.set $xx (v128.load64_splat offset=${8 * r} (i32.add (local.get $xxs) (i32.shl (local.get $i) (i32.const 3)))))`);
    lines.push(`(local.set $po (i32.add (local.get $outg) (i32.mul (i32.add (local.get $i) (i32.const ${r})) (local.get $k8))))`);
    for (let q = 0; q < G; q++) {
      lines.push(
        `(local.set $v (f64x2.add (f64x2.add (local.get $${R}${q}) (local.get $xx)) (v128.load offset=${16 * q} (local.get $cng))))`,
      );
      lines.push('(local.set $chk (f64x2.add (local.get $chk) (f64x2.mul (local.get $v) (v128.const f64x2 0 0))))');
      lines.push('(local.set $v (f64x2.sqrt (f64x2.pmax (v128.const f64x2 0 0) (local.get $v))))');
      if (q < G - 1) {
        lines.push(`(v128.store offset=${16 * q} (local.get $po) (local.get $v))`);
      } else {
        lines.push('(if (local.get $odd)');
        lines.push(`  (then (f64.store offset=${16 * q} (local.get $po) (f64x2.extract_lane 0 (local.get $v))))`);
        lines.push(`  (else (v128.store offset=${16 * q} (local.get $po) (local.get $v))))`);
      }
    }
  }
  return lines;
}

/**
 * argmin, the group's G pairs of row i's scores (at $pd): their minimum m (f64x2.pmin folded over
 * the pairs, then across the two lanes); the group's first center whose score equals m (the
 * equality masks narrowed to one byte per center and read as a bitmask: its lowest set bit). The
 * first group sets the row's label and best score; a later one takes over only when its m is
 * strictly below the best, so the label is the first minimum overall. A padding center's score is
 * NaN: pmin keeps the other operand when the NaN comes second, and lane 0 of m (the one compared
 * across groups) never takes a lane-1 NaN, so padding changes no minimum; NaN equals nothing, so
 * padding is never chosen.
 */
function argminBody(G) {
  const lines = [];
  for (let q = 0; q < G; q++) lines.push(`(local.set $d${q} (v128.load offset=${16 * q} (local.get $pd)))`);
  let mn = '(local.get $d0)';
  for (let q = 1; q < G; q++) mn = `(f64x2.pmin ${mn} (local.get $d${q}))`;
  lines.push(`(local.set $v ${mn})`);
  lines.push(
    '(local.set $v (f64x2.pmin (local.get $v) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v))))',
  );
  const eq = (q) => (q < G ? `(f64x2.eq (local.get $d${q}) (local.get $v))` : '(v128.const i64x2 0 0)');
  lines.push(
    `(local.set $bits (i8x16.bitmask (i8x16.narrow_i16x8_s (i16x8.narrow_i32x4_s ${eq(0)} ${eq(1)}) (i16x8.narrow_i32x4_s ${eq(2)} ${eq(3)}))))`,
  );
  lines.push('(local.set $gm (f64x2.extract_lane 0 (local.get $v)))');
  // No equal score (only with NaN among them): ctz = 32, masked to the group's first center.
  lines.push(
    '(local.set $gi (f64.convert_i32_s (i32.add (local.get $c0) (i32.and (i32.shr_u (i32.ctz (local.get $bits)) (i32.const 1)) (i32.const 7)))))',
  );
  lines.push('(if (local.get $first)');
  lines.push('  (then (f64.store (local.get $pl) (local.get $gi)) (f64.store (local.get $pb) (local.get $gm)))');
  lines.push('  (else (if (f64.lt (local.get $gm) (f64.load (local.get $pb)))');
  lines.push('    (then (f64.store (local.get $pl) (local.get $gi)) (f64.store (local.get $pb) (local.get $gm))))))');
  lines.push('(local.set $s (f64.add (local.get $s) (f64.mul (f64.load (local.get $pb)) (f64.const 0))))');
  return lines;
}

const parts = [];
const emit = (s) => parts.push(s);

emit(`;; Generated by estimators/scripts/gen_kmeans_wat.mjs. Do not edit; edit the generator and re-run it.
;;
;; MiniBatchKMeans' kernels over one chunk of rows (src/cluster/kmeans_kernels.ts drives them). All
;; pointers are byte offsets into this module's memory. The centers, padded to an even count kp,
;; come as −2·c (exact: a power of two), transposed in groups of eight: ct holds, group after
;; group, d rows of the group's centers; cn holds their squared norms. Each product x·(−2c) is
;; ((0 + x0·c0) + x1·c1) + … in feature order, two centers per f64x2, two rows at a time; the
;; loops run group by group, and within a group over every row of the chunk.
(module
  (memory (export "memory") 1 32768)
`);

for (const G of [4, 3, 2, 1]) {
  emit(`  ;; Scores of the R rows at x for one group of ${G} pair(s): block ctg of ct, norms cng, row i's scores at Dg + i·kp8.
  (func $scores${G} (param $x i32) (param $R i32) (param $d8 i32) (param $ctg i32) (param $cng i32) (param $Dg i32) (param $kp8 i32)
    (local $i i32) (local $pa i32) (local $px i32) (local $pxb i32) (local $pe i32) (local $pc i32) (local $po i32)
    (local $xa v128) (local $xb v128) (local $c v128) ${ACC_LOCALS}
    (local.set $pa (local.get $x))
${indent(rowLoop(G, scoresEpilogue), 4)})
`);
}

emit(`  ;; D[i·kp + c] = x_i·(−2c) + cn[c] for R rows at x (d features): the scores whose argmin is the
  ;; label (‖x_i‖² + score = the squared distance).
  (func (export "scores") (param $x i32) (param $R i32) (param $d i32) (param $kp i32) (param $ct i32) (param $cn i32) (param $D i32)
    (local $P i32) (local $g i32) (local $d8 i32) (local $kp8 i32)
    (if (i32.le_s (local.get $d) (i32.const 0)) (then (return)))
    (local.set $P (i32.shr_s (local.get $kp) (i32.const 1)))
    (local.set $d8 (i32.shl (local.get $d) (i32.const 3)))
    (local.set $kp8 (i32.shl (local.get $kp) (i32.const 3)))
    ;; Group g (a pair index) starts at ct + g·d·16 (the groups before it are full: 8 centers × d).
    (block $gd (loop $gl
      (br_if $gd (i32.gt_s (i32.add (local.get $g) (i32.const 4)) (local.get $P)))
      (call $scores4 (local.get $x) (local.get $R) (local.get $d8) (i32.add (local.get $ct) (i32.shl (i32.mul (local.get $g) (local.get $d)) (i32.const 4)))
        (i32.add (local.get $cn) (i32.shl (local.get $g) (i32.const 4))) (i32.add (local.get $D) (i32.shl (local.get $g) (i32.const 4))) (local.get $kp8))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (br $gl)))
${[3, 2, 1]
  .map(
    (G) => `    (if (i32.eq (i32.sub (local.get $P) (local.get $g)) (i32.const ${G})) (then
      (call $scores${G} (local.get $x) (local.get $R) (local.get $d8) (i32.add (local.get $ct) (i32.shl (i32.mul (local.get $g) (local.get $d)) (i32.const 4)))
        (i32.add (local.get $cn) (i32.shl (local.get $g) (i32.const 4))) (i32.add (local.get $D) (i32.shl (local.get $g) (i32.const 4))) (local.get $kp8))))`,
  )
  .join('\n')})
`);

for (const G of [4, 3, 2, 1]) {
  emit(`  ;; One group of ${G} pair(s) (from pair index c0/2) of the R rows' scores (row i at Dg + i·kp8):
  ;; labels into lab, best scores into best (set when first). Returns Σ 0·best_i.
  (func $argmin${G} (param $Dg i32) (param $R i32) (param $kp8 i32) (param $lab i32) (param $best i32) (param $c0 i32) (param $first i32) (result f64)
    (local $i i32) (local $pd i32) (local $pl i32) (local $pb i32) (local $s f64)
    (local $v v128) (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128) (local $bits i32) (local $gm f64) (local $gi f64)
    (local.set $pd (local.get $Dg))
    (local.set $pl (local.get $lab))
    (local.set $pb (local.get $best))
    (block $rd (loop $rl
      (br_if $rd (i32.ge_s (local.get $i) (local.get $R)))
${indent(argminBody(G), 6)}
      (local.set $pd (i32.add (local.get $pd) (local.get $kp8)))
      (local.set $pl (i32.add (local.get $pl) (i32.const 8)))
      (local.set $pb (i32.add (local.get $pb) (i32.const 8)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rl)))
    (local.get $s))
`);
}

emit(`  ;; lab[i] = the first c minimising D[i·kp + c], as f64, for R rows of kp scores (padding
  ;; centers' scores are NaN, never chosen); best[i] = that minimum. Separate from the products, so
  ;; that its rows are independent and the processor overlaps them. Returns Σ_i 0·best_i: NaN when
  ;; some row's minimum is not finite (a NaN / ±Infinity in a row of X makes all its scores
  ;; non-finite), so callers scan X only then.
  (func (export "argmin") (param $D i32) (param $R i32) (param $kp i32) (param $lab i32) (param $best i32) (result f64)
    (local $P i32) (local $g i32) (local $kp8 i32) (local $s f64)
    (local.set $P (i32.shr_s (local.get $kp) (i32.const 1)))
    (local.set $kp8 (i32.shl (local.get $kp) (i32.const 3)))
    (block $gd (loop $gl
      (br_if $gd (i32.gt_s (i32.add (local.get $g) (i32.const 4)) (local.get $P)))
      (local.set $s (call $argmin4 (i32.add (local.get $D) (i32.shl (local.get $g) (i32.const 4))) (local.get $R) (local.get $kp8) (local.get $lab) (local.get $best)
        (i32.shl (local.get $g) (i32.const 1)) (i32.eqz (local.get $g))))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (br $gl)))
${[3, 2, 1]
  .map(
    (G) => `    (if (i32.eq (i32.sub (local.get $P) (local.get $g)) (i32.const ${G})) (then
      (local.set $s (call $argmin${G} (i32.add (local.get $D) (i32.shl (local.get $g) (i32.const 4))) (local.get $R) (local.get $kp8) (local.get $lab) (local.get $best)
        (i32.shl (local.get $g) (i32.const 1)) (i32.eqz (local.get $g))))))`,
  )
  .join('\n')}
    (local.get $s))
`);

for (const G of [4, 3, 2, 1]) {
  emit(`  ;; Distances of the R rows at x for one group of ${G} pair(s) (see "distances"); returns Σ 0·value.
  (func $distances${G} (param $x i32) (param $R i32) (param $d8 i32) (param $ctg i32) (param $cng i32) (param $outg i32) (param $k8 i32) (param $xxs i32) (param $odd i32) (result f64)
    (local $i i32) (local $pa i32) (local $px i32) (local $pxb i32) (local $pe i32) (local $pc i32) (local $po i32)
    (local $xa v128) (local $xb v128) (local $c v128) ${ACC_LOCALS} (local $v v128) (local $xx v128) (local $chk v128)
    (local.set $pa (local.get $x))
${indent(rowLoop(G, distancesEpilogue), 4)}
    (f64.add (f64x2.extract_lane 0 (local.get $chk)) (f64x2.extract_lane 1 (local.get $chk))))
`);
}

emit(`  ;; out[i·k + c] = √max(x_i·(−2c) + ‖x_i‖² + cn[c], 0) for R rows at x and the k real centers of
  ;; the kp (padding centers need a finite cn, e.g. 0), as scikit-learn's euclidean_distances; the
  ;; squared norms ‖x_i‖² (each summed in feature order) go to xxs (R values) first. Returns
  ;; Σ 0·value (before the clamp): NaN when some distance is not finite.
  (func (export "distances") (param $x i32) (param $R i32) (param $d i32) (param $k i32) (param $kp i32) (param $ct i32) (param $cn i32) (param $out i32) (param $xxs i32) (result f64)
    (local $P i32) (local $g i32) (local $d8 i32) (local $k8 i32) (local $i i32) (local $j i32) (local $px i32) (local $t v128) (local $xx v128) (local $s f64)
    (if (i32.le_s (local.get $d) (i32.const 0)) (then (return (f64.const nan))))
    (local.set $P (i32.shr_s (local.get $kp) (i32.const 1)))
    (local.set $d8 (i32.shl (local.get $d) (i32.const 3)))
    (local.set $k8 (i32.shl (local.get $k) (i32.const 3)))
    ;; (‖x_i‖², ‖x_i+1‖²), each lane summed in feature order.
    (local.set $px (local.get $x))
    (block $nd (loop $nl
      (br_if $nd (i32.ge_s (local.get $i) (local.get $R)))
      (local.set $xx (v128.const f64x2 0 0))
      (local.set $j (local.get $d))
      (loop $n
        ;; The second lane reads the next row (a copy of the first past the last row; not stored).
        (local.set $t (v128.load64_lane 1 (i32.add (local.get $px) (select (local.get $d8) (i32.const 0) (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $R))))
          (v128.load64_zero (local.get $px))))
        (local.set $xx (f64x2.add (local.get $xx) (f64x2.mul (local.get $t) (local.get $t))))
        (local.set $px (i32.add (local.get $px) (i32.const 8)))
        (br_if $n (local.tee $j (i32.sub (local.get $j) (i32.const 1)))))
      (f64.store (i32.add (local.get $xxs) (i32.shl (local.get $i) (i32.const 3))) (f64x2.extract_lane 0 (local.get $xx)))
      (if (i32.lt_s (i32.add (local.get $i) (i32.const 1)) (local.get $R))
        (then (f64.store offset=8 (i32.add (local.get $xxs) (i32.shl (local.get $i) (i32.const 3))) (f64x2.extract_lane 1 (local.get $xx)))))
      (local.set $px (i32.add (local.get $px) (local.get $d8)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $nl)))
    (block $gd (loop $gl
      (br_if $gd (i32.gt_s (i32.add (local.get $g) (i32.const 4)) (local.get $P)))
      (local.set $s (f64.add (local.get $s) (call $distances4 (local.get $x) (local.get $R) (local.get $d8)
        (i32.add (local.get $ct) (i32.shl (i32.mul (local.get $g) (local.get $d)) (i32.const 4))) (i32.add (local.get $cn) (i32.shl (local.get $g) (i32.const 4)))
        (i32.add (local.get $out) (i32.shl (local.get $g) (i32.const 4))) (local.get $k8) (local.get $xxs)
        (i32.and (i32.eq (i32.add (local.get $g) (i32.const 4)) (local.get $P)) (i32.and (local.get $k) (i32.const 1))))))
      (local.set $g (i32.add (local.get $g) (i32.const 4)))
      (br $gl)))
${[3, 2, 1]
  .map(
    (G) => `    (if (i32.eq (i32.sub (local.get $P) (local.get $g)) (i32.const ${G})) (then
      (local.set $s (f64.add (local.get $s) (call $distances${G} (local.get $x) (local.get $R) (local.get $d8)
        (i32.add (local.get $ct) (i32.shl (i32.mul (local.get $g) (local.get $d)) (i32.const 4))) (i32.add (local.get $cn) (i32.shl (local.get $g) (i32.const 4)))
        (i32.add (local.get $out) (i32.shl (local.get $g) (i32.const 4))) (local.get $k8) (local.get $xxs) (i32.and (local.get $k) (i32.const 1)))))))`,
  )
  .join('\n')}
    (local.get $s))

  ;; acc + Σ_i w_i·‖x_i − C[lab_i]‖², rows in order, each squared distance summed four features at
  ;; a time as scikit-learn's _euclidean_dense_dense (C: k × d row-major); w < 0: unweighted.
  (func (export "inertia") (param $x i32) (param $C i32) (param $lab i32) (param $R i32) (param $d i32) (param $w i32) (param $acc f64) (result f64)
    (local $i i32) (local $t i32) (local $n4 i32) (local $a i32) (local $b i32) (local $res f64)
    (local $e0 f64) (local $v01 v128) (local $v23 v128)
    (local.set $n4 (i32.shr_s (local.get $d) (i32.const 2)))
    (block $done (loop $rows
      (br_if $done (i32.ge_s (local.get $i) (local.get $R)))
      (local.set $a (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $d)) (i32.const 3))))
      (local.set $b (i32.add (local.get $C) (i32.shl (i32.mul (i32.trunc_f64_s (f64.load (i32.add (local.get $lab) (i32.shl (local.get $i) (i32.const 3))))) (local.get $d)) (i32.const 3))))
      (local.set $res (f64.const 0))
      (local.set $t (i32.const 0))
      (block $qd (loop $quads
        (br_if $qd (i32.ge_s (local.get $t) (local.get $n4)))
        ;; (e0², e1²) and (e2², e3²) two lanes at a time, then summed in scalar order.
        (local.set $v01 (f64x2.sub (v128.load (local.get $a)) (v128.load (local.get $b))))
        (local.set $v23 (f64x2.sub (v128.load offset=16 (local.get $a)) (v128.load offset=16 (local.get $b))))
        (local.set $v01 (f64x2.mul (local.get $v01) (local.get $v01)))
        (local.set $v23 (f64x2.mul (local.get $v23) (local.get $v23)))
        (local.set $res (f64.add (local.get $res)
          (f64.add (f64.add (f64.add (f64x2.extract_lane 0 (local.get $v01)) (f64x2.extract_lane 1 (local.get $v01)))
            (f64x2.extract_lane 0 (local.get $v23))) (f64x2.extract_lane 1 (local.get $v23)))))
        (local.set $a (i32.add (local.get $a) (i32.const 32)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $quads)))
      (local.set $t (i32.const 0))
      (block $rd (loop $rest
        (br_if $rd (i32.ge_s (local.get $t) (i32.and (local.get $d) (i32.const 3))))
        (local.set $e0 (f64.sub (f64.load (local.get $a)) (f64.load (local.get $b))))
        (local.set $res (f64.add (local.get $res) (f64.mul (local.get $e0) (local.get $e0))))
        (local.set $a (i32.add (local.get $a) (i32.const 8)))
        (local.set $b (i32.add (local.get $b) (i32.const 8)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $rest)))
      (if (i32.ge_s (local.get $w) (i32.const 0))
        (then (local.set $acc (f64.add (local.get $acc) (f64.mul (local.get $res) (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3))))))))
        (else (local.set $acc (f64.add (local.get $acc) (local.get $res)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows)))
    (local.get $acc))

  ;; S[lab_i] += x_i (· w_i when w >= 0) and W[lab_i] += w_i (1 unweighted), rows in order (the
  ;; minibatch center update's sums and their weights; S: k × d row-major).
  (func (export "accumulate") (param $x i32) (param $lab i32) (param $S i32) (param $W i32) (param $R i32) (param $d i32) (param $w i32)
    (local $i i32) (local $j i32) (local $a i32) (local $s i32) (local $wi f64) (local $d2 i32) (local $c i32) (local $pw i32)
    (local.set $d2 (i32.and (local.get $d) (i32.const -2)))
    (block $done (loop $rows
      (br_if $done (i32.ge_s (local.get $i) (local.get $R)))
      (local.set $a (i32.add (local.get $x) (i32.shl (i32.mul (local.get $i) (local.get $d)) (i32.const 3))))
      (local.set $c (i32.trunc_f64_s (f64.load (i32.add (local.get $lab) (i32.shl (local.get $i) (i32.const 3))))))
      (local.set $s (i32.add (local.get $S) (i32.shl (i32.mul (local.get $c) (local.get $d)) (i32.const 3))))
      (local.set $pw (i32.add (local.get $W) (i32.shl (local.get $c) (i32.const 3))))
      (local.set $j (i32.const 0))
      (if (i32.ge_s (local.get $w) (i32.const 0))
        (then
          (local.set $wi (f64.load (i32.add (local.get $w) (i32.shl (local.get $i) (i32.const 3)))))
          (f64.store (local.get $pw) (f64.add (f64.load (local.get $pw)) (local.get $wi)))
          (block $wd (loop $wl
            (br_if $wd (i32.ge_s (local.get $j) (local.get $d2)))
            (v128.store (local.get $s) (f64x2.add (v128.load (local.get $s)) (f64x2.mul (v128.load (local.get $a)) (f64x2.splat (local.get $wi)))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $wl)))
          (if (i32.lt_s (local.get $j) (local.get $d)) (then
            (f64.store (local.get $s) (f64.add (f64.load (local.get $s)) (f64.mul (f64.load (local.get $a)) (local.get $wi)))))))
        (else
          (f64.store (local.get $pw) (f64.add (f64.load (local.get $pw)) (f64.const 1)))
          (block $ud (loop $ul
            (br_if $ud (i32.ge_s (local.get $j) (local.get $d2)))
            (v128.store (local.get $s) (f64x2.add (v128.load (local.get $s)) (v128.load (local.get $a))))
            (local.set $a (i32.add (local.get $a) (i32.const 16)))
            (local.set $s (i32.add (local.get $s) (i32.const 16)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $ul)))
          (if (i32.lt_s (local.get $j) (local.get $d)) (then
            (f64.store (local.get $s) (f64.add (f64.load (local.get $s)) (f64.load (local.get $a))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))
)
`);

const target = process.argv[2] ?? join(root, 'wasm', 'kmeans.wat');
writeFileSync(target, parts.join('\n'));
