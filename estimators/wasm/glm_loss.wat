;; The binary and the multinomial logistic loss and their gradients over one tile of rows (twins of
;; the branches of accumulate in src/linear_model/glm/losses.ts; src/linear_model/glm/wasm_loss.ts
;; drives them). Below: the binomial function; the multinomial one (and its exp / log) follows it.
;; Rows go two at a time, one per f64x2 lane; features four at a time along a row (two f64x2).
;;
;; Regions (byte offsets, 16-aligned, placed by the driver): X, n × dp (dp a multiple of 4: rows
;; padded with zeros; n even: a zero row of weight 0 pads the tile), y (n, 0 or 1), s (n, sample ×
;; class weight), z (n, scratch for the scores), coef (dp), grad (dp + 2: the intercept's sum goes
;; to grad[dp]). Three sweeps over the tile: scores, then losses and gp_i, then the gradient.
;; X, y and s are only read, so rows placed once in a memory serve every evaluation of a fit.
;; The memory is imported and shared: the driver instantiates the module over this thread's own
;; memory (tiles copied in) and over a fit's resident memory (rows placed there once, read in
;; place by the tasks of every pass on any thread; see wasm_loss.ts).
;; exp and log1p are computed here, in f64x2: exp(x) for x in [−700, 0] as 2^k · exp(r),
;; |r| ≤ ln2/2, Taylor to degree 13 (truncation < 1e-17 relative); log1p(e) for e in (0, 1] as
;; 2·atanh(e / (2 + e)), its series to degree 31 (truncation < 2e-16 relative).
(module
  (import "m" "memory" (memory 1 65536 shared))

  ;; Adds the tile's gradient into grad (and its intercept sum into grad[dp]); returns Σ s_i loss_i,
  ;; or NaN (having added nothing) when some X_i · coef + b is not finite — the driver then hands
  ;; the tile to the JavaScript twin, which names the row and column.
  (func (export "binomial")
    (param $n i32) (param $dp i32) (param $xo i32) (param $yo i32) (param $so i32) (param $zo i32) (param $co i32) (param $go i32) (param $b f64)
    (result f64)
    (local $i i32) (local $j i32) (local $r0 i32) (local $r1 i32) (local $rb i32)
    (local $a0 v128) (local $a1 v128) (local $c v128) (local $t v128) (local $e v128) (local $inv v128)
    (local $p v128) (local $y v128) (local $sw v128) (local $gp v128) (local $g0 v128) (local $g1 v128)
    (local $loss v128) (local $gb v128) (local $q i32) (local $e1 v128) (local $e2 v128) (local $dv v128)
    (local $x v128) (local $m v128) (local $k v128) (local $r v128) (local $r2 v128) (local $r4 v128) (local $r8 v128)
    (local $s v128) (local $l v128) (local $u v128) (local $u2 v128) (local $u4 v128) (local $u8 v128)
    (local.set $rb (i32.shl (local.get $dp) (i32.const 3)))
    ;; Scores first, all checked, so a tile with a non-finite one adds nothing.
    (local.set $i (i32.const 0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $r0 (i32.add (local.get $xo) (i32.mul (local.get $i) (local.get $rb))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $rb)))
      (local.set $a0 (v128.const f64x2 0 0))
      (local.set $a1 (v128.const f64x2 0 0))
      (local.set $j (i32.const 0))
      (block $dd (loop $dots
        (br_if $dd (i32.ge_u (local.get $j) (local.get $rb)))
        (local.set $c (v128.load (i32.add (local.get $co) (local.get $j))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load (i32.add (local.get $r0) (local.get $j))) (local.get $c))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load (i32.add (local.get $r1) (local.get $j))) (local.get $c))))
        (local.set $c (v128.load offset=16 (i32.add (local.get $co) (local.get $j))))
        (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load offset=16 (i32.add (local.get $r0) (local.get $j))) (local.get $c))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load offset=16 (i32.add (local.get $r1) (local.get $j))) (local.get $c))))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $dots)))
      ;; t = (Σ a0, Σ a1) + b
      (local.set $t (f64x2.add
        (f64x2.add
          (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1)))
        (f64x2.splat (local.get $b))))
      (if (v128.any_true (f64x2.ne (f64x2.sub (local.get $t) (local.get $t)) (v128.const f64x2 0 0)))
        (then (return (f64.const nan))))
      (v128.store (i32.add (local.get $zo) (i32.shl (local.get $i) (i32.const 3))) (local.get $t))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $rows)))
    ;; Then the losses and gp_i (into the z slots): a short loop of independent iterations.
    (local.set $i (i32.const 0))
    (block $ld (loop $losses
      (br_if $ld (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $t (v128.load (i32.add (local.get $zo) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $y (v128.load (i32.add (local.get $yo) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $sw (v128.load (i32.add (local.get $so) (i32.shl (local.get $i) (i32.const 3)))))
      ;; One exponential for both: log(1 + e^t) = max(t, 0) + log1p(e^−|t|), expit(t) from the same e^−|t|.
      ;; e = exp(−|t|), inline (a call would spill every live v128); x clamped at −700: e^−700 ≈
      ;; 1e−304, below anything a loss sum can hold. The polynomials are evaluated by Estrin's
      ;; scheme, not Horner's: short dependency chains.
      (local.set $x (f64x2.neg (f64x2.abs (local.get $t))))
      (local.set $x (f64x2.pmax (local.get $x) (f64x2.splat (f64.const -0x1.5e00000000000p+9))))
      ;; k = round(x / ln2) by the 1.5·2^52 trick: the low bits of m = x / ln2 + 1.5·2^52 hold k, and
      ;; (bits(m) + 1023) << 52 is 2^k (k + 1023 in 13..1023, so no carry into the sign).
      (local.set $m (f64x2.add (f64x2.mul (local.get $x) (f64x2.splat (f64.const 0x1.71547652b82fep+0))) (f64x2.splat (f64.const 0x1.8000000000000p+52))))
      (local.set $k (f64x2.sub (local.get $m) (f64x2.splat (f64.const 0x1.8000000000000p+52))))
      ;; ln2 = hi + lo with hi's low bits zero, so k · hi is exact.
      (local.set $r (f64x2.sub
        (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0x1.62e42feep-1))))
        (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
      (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
      (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
      (local.set $r8 (f64x2.mul (local.get $r4) (local.get $r4)))
      (local.set $e
      (f64x2.mul
        (f64x2.add (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.mul (f64x2.splat (f64.const 0x1.0000000000000p+0)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.0000000000000p-1)) (f64x2.mul (f64x2.splat (f64.const 0x1.5555555555555p-3)) (local.get $r))) (local.get $r2))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.5555555555555p-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.1111111111111p-7)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.6c16c16c16c17p-10)) (f64x2.mul (f64x2.splat (f64.const 0x1.a01a01a01a01ap-13)) (local.get $r))) (local.get $r2))) (local.get $r4))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.a01a01a01a01ap-16)) (f64x2.mul (f64x2.splat (f64.const 0x1.71de3a556c734p-19)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.27e4fb7789f5cp-22)) (f64x2.mul (f64x2.splat (f64.const 0x1.ae64567f544e4p-26)) (local.get $r))) (local.get $r2))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.1eed8eff8d898p-29)) (f64x2.mul (f64x2.splat (f64.const 0x1.6124613a86d09p-33)) (local.get $r))) (local.get $r4))) (local.get $r8)))
        (i64x2.shl (i64x2.add (local.get $m) (i64x2.splat (i64.const 1023))) (i32.const 52))))
      ;; One division: d = 1 / ((1 + e)(2 + e)); 1 / (1 + e) = (2 + e) d, e / (2 + e) = e (1 + e) d.
      (local.set $e1 (f64x2.add (local.get $e) (f64x2.splat (f64.const 1))))
      (local.set $e2 (f64x2.add (local.get $e) (f64x2.splat (f64.const 2))))
      (local.set $dv (f64x2.div (f64x2.splat (f64.const 1)) (f64x2.mul (local.get $e1) (local.get $e2))))
      (local.set $inv (f64x2.mul (local.get $e2) (local.get $dv)))
      ;; l = log1p(e) from s = e / (2 + e) (inline).
      (local.set $s (f64x2.mul (f64x2.mul (local.get $e) (local.get $e1)) (local.get $dv)))
      (local.set $u (f64x2.mul (local.get $s) (local.get $s)))
      (local.set $u2 (f64x2.mul (local.get $u) (local.get $u)))
      (local.set $u4 (f64x2.mul (local.get $u2) (local.get $u2)))
      (local.set $u8 (f64x2.mul (local.get $u4) (local.get $u4)))
      (local.set $l
      (f64x2.mul (f64x2.add (local.get $s) (local.get $s))
        (f64x2.add (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.mul (f64x2.splat (f64.const 0x1.5555555555555p-2)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.999999999999ap-3)) (f64x2.mul (f64x2.splat (f64.const 0x1.2492492492492p-3)) (local.get $u))) (local.get $u2))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.c71c71c71c71cp-4)) (f64x2.mul (f64x2.splat (f64.const 0x1.745d1745d1746p-4)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.3b13b13b13b14p-4)) (f64x2.mul (f64x2.splat (f64.const 0x1.1111111111111p-4)) (local.get $u))) (local.get $u2))) (local.get $u4))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.e1e1e1e1e1e1ep-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.af286bca1af28p-5)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.8618618618618p-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.642c8590b2164p-5)) (local.get $u))) (local.get $u2))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.47ae147ae147bp-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.2f684bda12f68p-5)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.1a7b9611a7b96p-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.0842108421084p-5)) (local.get $u))) (local.get $u2))) (local.get $u4))) (local.get $u8)))))
      (local.set $loss (f64x2.add (local.get $loss)
        (f64x2.mul (local.get $sw)
          (f64x2.sub
            (f64x2.add (f64x2.max (local.get $t) (v128.const f64x2 0 0))
              (local.get $l))
            (f64x2.mul (local.get $y) (local.get $t))))))
      (local.set $p (v128.bitselect (local.get $inv) (f64x2.mul (local.get $e) (local.get $inv))
        (f64x2.ge (local.get $t) (v128.const f64x2 0 0))))
      (local.set $gp (f64x2.mul (local.get $sw) (f64x2.sub (local.get $p) (local.get $y))))
      (local.set $gb (f64x2.add (local.get $gb) (local.get $gp)))
      ;; Keep gp in the z slots (the score is used) for the gradient loop below.
      (v128.store (i32.add (local.get $zo) (i32.shl (local.get $i) (i32.const 3))) (local.get $gp))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $losses)))
    ;; grad += Σ gp_i X_i, two rows at a time.
    (local.set $i (i32.const 0))
    (block $gd (loop $grows
      (br_if $gd (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $r0 (i32.add (local.get $xo) (i32.mul (local.get $i) (local.get $rb))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $rb)))
      (local.set $q (i32.add (local.get $zo) (i32.shl (local.get $i) (i32.const 3))))
      (local.set $g0 (v128.load64_splat (local.get $q)))
      (local.set $g1 (v128.load64_splat offset=8 (local.get $q)))
      (local.set $j (i32.const 0))
      (block $ad (loop $axpy
        (br_if $ad (i32.ge_u (local.get $j) (local.get $rb)))
        (v128.store (i32.add (local.get $go) (local.get $j))
          (f64x2.add (v128.load (i32.add (local.get $go) (local.get $j)))
            (f64x2.add
              (f64x2.mul (local.get $g0) (v128.load (i32.add (local.get $r0) (local.get $j))))
              (f64x2.mul (local.get $g1) (v128.load (i32.add (local.get $r1) (local.get $j)))))))

        (v128.store offset=16 (i32.add (local.get $go) (local.get $j))
          (f64x2.add (v128.load offset=16 (i32.add (local.get $go) (local.get $j)))
            (f64x2.add
              (f64x2.mul (local.get $g0) (v128.load offset=16 (i32.add (local.get $r0) (local.get $j))))
              (f64x2.mul (local.get $g1) (v128.load offset=16 (i32.add (local.get $r1) (local.get $j)))))))
        (local.set $j (i32.add (local.get $j) (i32.const 32)))
        (br $axpy)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $grows)))
    (local.set $q (i32.add (local.get $go) (local.get $rb)))
    (f64.store (local.get $q) (f64.add (f64.load (local.get $q))
      (f64.add (f64x2.extract_lane 0 (local.get $gb)) (f64x2.extract_lane 1 (local.get $gb)))))
    (f64.add (f64x2.extract_lane 0 (local.get $loss)) (f64x2.extract_lane 1 (local.get $loss))))

  ;; exp(x), x ≤ 0, as in the binomial loop (a function here: the multinomial loop is over classes).
  (func $exp (param $x v128) (result v128)
    (local $m v128) (local $k v128) (local $r v128) (local $r2 v128) (local $r4 v128) (local $r8 v128)
    (local.set $x (f64x2.pmax (local.get $x) (f64x2.splat (f64.const -0x1.5e00000000000p+9))))
    (local.set $m (f64x2.add (f64x2.mul (local.get $x) (f64x2.splat (f64.const 0x1.71547652b82fep+0))) (f64x2.splat (f64.const 0x1.8000000000000p+52))))
    (local.set $k (f64x2.sub (local.get $m) (f64x2.splat (f64.const 0x1.8000000000000p+52))))
    (local.set $r (f64x2.sub
      (f64x2.sub (local.get $x) (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0x1.62e42feep-1))))
      (f64x2.mul (local.get $k) (f64x2.splat (f64.const 0x1.a39ef35793c76p-33)))))
    (local.set $r2 (f64x2.mul (local.get $r) (local.get $r)))
    (local.set $r4 (f64x2.mul (local.get $r2) (local.get $r2)))
    (local.set $r8 (f64x2.mul (local.get $r4) (local.get $r4)))
    (f64x2.mul
      (f64x2.add (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.mul (f64x2.splat (f64.const 0x1.0000000000000p+0)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.0000000000000p-1)) (f64x2.mul (f64x2.splat (f64.const 0x1.5555555555555p-3)) (local.get $r))) (local.get $r2))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.5555555555555p-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.1111111111111p-7)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.6c16c16c16c17p-10)) (f64x2.mul (f64x2.splat (f64.const 0x1.a01a01a01a01ap-13)) (local.get $r))) (local.get $r2))) (local.get $r4))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.a01a01a01a01ap-16)) (f64x2.mul (f64x2.splat (f64.const 0x1.71de3a556c734p-19)) (local.get $r))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.27e4fb7789f5cp-22)) (f64x2.mul (f64x2.splat (f64.const 0x1.ae64567f544e4p-26)) (local.get $r))) (local.get $r2))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.1eed8eff8d898p-29)) (f64x2.mul (f64x2.splat (f64.const 0x1.6124613a86d09p-33)) (local.get $r))) (local.get $r4))) (local.get $r8)))
      (i64x2.shl (i64x2.add (local.get $m) (i64x2.splat (i64.const 1023))) (i32.const 52))))

  ;; log(x), x ≥ 1 (a sum of exponentials, the largest 1): x = 2^e · f with f in [1, 2), log f =
  ;; 2·atanh((f − 1) / (f + 1)) by the same series as log1p.
  (func $log (param $x v128) (result v128)
    (local $f v128) (local $e v128) (local $s v128) (local $u v128) (local $u2 v128) (local $u4 v128) (local $u8 v128)
    (local.set $f (v128.or (v128.and (local.get $x) (i64x2.splat (i64.const 0x000fffffffffffff))) (i64x2.splat (i64.const 0x3ff0000000000000))))
    (local.set $e (f64x2.convert_low_i32x4_s
      (i8x16.shuffle 0 1 2 3 8 9 10 11 0 1 2 3 8 9 10 11
        (i64x2.sub (i64x2.shr_u (local.get $x) (i32.const 52)) (i64x2.splat (i64.const 1023))) (local.get $x))))
    (local.set $s (f64x2.div (f64x2.sub (local.get $f) (f64x2.splat (f64.const 0x1.0000000000000p+0))) (f64x2.add (local.get $f) (f64x2.splat (f64.const 0x1.0000000000000p+0)))))
    (local.set $u (f64x2.mul (local.get $s) (local.get $s)))
    (local.set $u2 (f64x2.mul (local.get $u) (local.get $u)))
    (local.set $u4 (f64x2.mul (local.get $u2) (local.get $u2)))
    (local.set $u8 (f64x2.mul (local.get $u4) (local.get $u4)))
    (f64x2.add (f64x2.mul (local.get $e) (f64x2.splat (f64.const 0x1.62e42fefa39efp-1)))
      (f64x2.mul (f64x2.add (local.get $s) (local.get $s))
        (f64x2.add (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.0000000000000p+0)) (f64x2.mul (f64x2.splat (f64.const 0x1.5555555555555p-2)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.999999999999ap-3)) (f64x2.mul (f64x2.splat (f64.const 0x1.2492492492492p-3)) (local.get $u))) (local.get $u2))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.c71c71c71c71cp-4)) (f64x2.mul (f64x2.splat (f64.const 0x1.745d1745d1746p-4)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.3b13b13b13b14p-4)) (f64x2.mul (f64x2.splat (f64.const 0x1.1111111111111p-4)) (local.get $u))) (local.get $u2))) (local.get $u4))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.e1e1e1e1e1e1ep-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.af286bca1af28p-5)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.8618618618618p-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.642c8590b2164p-5)) (local.get $u))) (local.get $u2))) (f64x2.mul (f64x2.add (f64x2.add (f64x2.splat (f64.const 0x1.47ae147ae147bp-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.2f684bda12f68p-5)) (local.get $u))) (f64x2.mul (f64x2.add (f64x2.splat (f64.const 0x1.1a7b9611a7b96p-5)) (f64x2.mul (f64x2.splat (f64.const 0x1.0842108421084p-5)) (local.get $u))) (local.get $u2))) (local.get $u4))) (local.get $u8))))))

  ;; The multinomial loss over one tile: k coefficient rows of dp at co, intercepts (k, zeros
  ;; without one) at bo; c (n, class index as f64) at yo, s at so, z (n · k pairs of scores) at zo;
  ;; adds the gradient (k rows of dp) at go and the intercepts' sums, one f64x2 per class, at gbo.
  ;; Returns Σ s_i loss_i, or NaN (having added nothing) when a score is not finite.
  (func (export "multinomial")
    (param $n i32) (param $dp i32) (param $k i32) (param $xo i32) (param $yo i32) (param $so i32) (param $zo i32)
    (param $co i32) (param $bo i32) (param $go i32) (param $gbo i32)
    (result f64)
    (local $i i32) (local $j i32) (local $r i32) (local $r0 i32) (local $r1 i32) (local $rb i32) (local $w i32) (local $zp i32) (local $q i32)
    (local $a0 v128) (local $a1 v128) (local $c v128) (local $t v128) (local $zmax v128) (local $sum v128) (local $zc v128)
    (local $cls v128) (local $sw v128) (local $e v128) (local $eq v128) (local $inv v128) (local $gp v128) (local $g0 v128) (local $g1 v128)
    (local $loss v128)
    (local.set $rb (i32.shl (local.get $dp) (i32.const 3)))
    ;; Scores, all checked first.
    (local.set $i (i32.const 0))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $r0 (i32.add (local.get $xo) (i32.mul (local.get $i) (local.get $rb))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $rb)))
      (local.set $zp (i32.add (local.get $zo) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 3))))
      (local.set $r (i32.const 0))
      (block $cd (loop $classes
        (br_if $cd (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $w (i32.add (local.get $co) (i32.mul (local.get $r) (local.get $rb))))
        (local.set $a0 (v128.const f64x2 0 0))
        (local.set $a1 (v128.const f64x2 0 0))
        (local.set $j (i32.const 0))
        (block $dd (loop $dots
          (br_if $dd (i32.ge_u (local.get $j) (local.get $rb)))
          (local.set $c (v128.load (i32.add (local.get $w) (local.get $j))))
          (local.set $a0 (f64x2.add (local.get $a0) (f64x2.mul (v128.load (i32.add (local.get $r0) (local.get $j))) (local.get $c))))
          (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (v128.load (i32.add (local.get $r1) (local.get $j))) (local.get $c))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $dots)))
        (local.set $t (f64x2.add
          (f64x2.add
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1)))
          (v128.load64_splat (i32.add (local.get $bo) (i32.shl (local.get $r) (i32.const 3))))))
        (if (v128.any_true (f64x2.ne (f64x2.sub (local.get $t) (local.get $t)) (v128.const f64x2 0 0)))
          (then (return (f64.const nan))))
        (v128.store (i32.add (local.get $zp) (i32.shl (local.get $r) (i32.const 4))) (local.get $t))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $classes)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $rows)))
    ;; Softmax, loss = log Σ e^(z − max) − (z_c − max), and gp_r = s (p_r − [r = c]) into the z slots.
    (local.set $i (i32.const 0))
    (block $ld (loop $losses
      (br_if $ld (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $zp (i32.add (local.get $zo) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 3))))
      (local.set $cls (v128.load (i32.add (local.get $yo) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $sw (v128.load (i32.add (local.get $so) (i32.shl (local.get $i) (i32.const 3)))))
      (local.set $zmax (f64x2.splat (f64.const -inf)))
      (local.set $r (i32.const 0))
      (block $md (loop $maxes
        (br_if $md (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $zmax (f64x2.max (local.get $zmax) (v128.load (i32.add (local.get $zp) (i32.shl (local.get $r) (i32.const 4))))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $maxes)))
      (local.set $sum (v128.const f64x2 0 0))
      (local.set $zc (v128.const f64x2 0 0))
      (local.set $r (i32.const 0))
      (block $ed (loop $exps
        (br_if $ed (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $q (i32.add (local.get $zp) (i32.shl (local.get $r) (i32.const 4))))
        (local.set $t (f64x2.sub (v128.load (local.get $q)) (local.get $zmax)))
        (local.set $eq (f64x2.eq (local.get $cls) (f64x2.splat (f64.convert_i32_u (local.get $r)))))
        (local.set $zc (f64x2.add (local.get $zc) (v128.and (local.get $t) (local.get $eq))))
        (local.set $e (call $exp (local.get $t)))
        (local.set $sum (f64x2.add (local.get $sum) (local.get $e)))
        (v128.store (local.get $q) (local.get $e))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $exps)))
      (local.set $loss (f64x2.add (local.get $loss)
        (f64x2.mul (local.get $sw) (f64x2.sub (call $log (local.get $sum)) (local.get $zc)))))
      (local.set $inv (f64x2.div (f64x2.splat (f64.const 0x1.0000000000000p+0)) (local.get $sum)))
      (local.set $r (i32.const 0))
      (block $gd (loop $gps
        (br_if $gd (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $q (i32.add (local.get $zp) (i32.shl (local.get $r) (i32.const 4))))
        (local.set $eq (f64x2.eq (local.get $cls) (f64x2.splat (f64.convert_i32_u (local.get $r)))))
        (local.set $gp (f64x2.mul (local.get $sw)
          (f64x2.sub (f64x2.mul (v128.load (local.get $q)) (local.get $inv)) (v128.and (f64x2.splat (f64.const 0x1.0000000000000p+0)) (local.get $eq)))))
        (v128.store (local.get $q) (local.get $gp))
        (local.set $w (i32.add (local.get $gbo) (i32.shl (local.get $r) (i32.const 4))))
        (v128.store (local.get $w) (f64x2.add (v128.load (local.get $w)) (local.get $gp)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $gps)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $losses)))
    ;; grad_r += Σ gp_ir X_i, two rows at a time.
    (local.set $i (i32.const 0))
    (block $ad (loop $arows
      (br_if $ad (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $r0 (i32.add (local.get $xo) (i32.mul (local.get $i) (local.get $rb))))
      (local.set $r1 (i32.add (local.get $r0) (local.get $rb)))
      (local.set $zp (i32.add (local.get $zo) (i32.shl (i32.mul (local.get $i) (local.get $k)) (i32.const 3))))
      (local.set $r (i32.const 0))
      (block $acd (loop $aclasses
        (br_if $acd (i32.ge_u (local.get $r) (local.get $k)))
        (local.set $q (i32.add (local.get $zp) (i32.shl (local.get $r) (i32.const 4))))
        (local.set $g0 (v128.load64_splat (local.get $q)))
        (local.set $g1 (v128.load64_splat offset=8 (local.get $q)))
        (local.set $w (i32.add (local.get $go) (i32.mul (local.get $r) (local.get $rb))))
        (local.set $j (i32.const 0))
        (block $xd (loop $axpy
          (br_if $xd (i32.ge_u (local.get $j) (local.get $rb)))
          (v128.store (i32.add (local.get $w) (local.get $j))
            (f64x2.add (v128.load (i32.add (local.get $w) (local.get $j)))
              (f64x2.add
                (f64x2.mul (local.get $g0) (v128.load (i32.add (local.get $r0) (local.get $j))))
                (f64x2.mul (local.get $g1) (v128.load (i32.add (local.get $r1) (local.get $j)))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $axpy)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $aclasses)))
      (local.set $i (i32.add (local.get $i) (i32.const 2)))
      (br $arows)))
    (f64.add (f64x2.extract_lane 0 (local.get $loss)) (f64x2.extract_lane 1 (local.get $loss))))
)
