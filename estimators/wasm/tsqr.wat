;; The TSQR kernel's Householder update (src/decomposition/tsqr.ts drives it; qrUpdate there is its
;; JavaScript twin). All pointers are byte offsets into this module's memory.
;;
;; qr_update(R, q, T, m): R is q × q row-major (upper triangle), T is m × q column-major (column j
;; at T + j·m·8) with m EVEN (the driver pads a chunk with a zero row: a zero row changes no
;; triangle). Afterwards RᵀR = old RᵀR + TᵀT; T is destroyed. Reflection k: v = [R[k,k] − α;
;; T[:, k]], β = 1/(‖x‖·(‖x‖ + |R[k,k]|)); applied to columns j > k two at a time, f64x2 over rows.
(module
  (memory (export "memory") 1 32768)

  (func $hsum (param $a v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $a)) (f64x2.extract_lane 1 (local.get $a))))

  (func (export "qr_update") (param $R i32) (param $q i32) (param $T i32) (param $m i32)
    (local $k i32) (local $j i32) (local $i i32) (local $m8 i32)
    (local $ck i32) (local $rk i32) (local $c1 i32) (local $c2 i32) (local $pr i32)
    (local $rkk f64) (local $ss f64) (local $norm f64) (local $alpha f64) (local $v0 f64) (local $beta f64)
    (local $d1 f64) (local $d2 f64) (local $f1 f64) (local $f2 f64)
    (local $a1 v128) (local $a2 v128) (local $v v128) (local $s1 v128) (local $s2 v128)
    (local.set $m8 (i32.shl (local.get $m) (i32.const 3)))
    (block $kdone (loop $kl
      (br_if $kdone (i32.ge_s (local.get $k) (local.get $q)))
      (local.set $ck (i32.add (local.get $T) (i32.mul (local.get $k) (local.get $m8))))
      (local.set $rk (i32.add (local.get $R) (i32.shl (i32.mul (local.get $k) (local.get $q)) (i32.const 3))))
      (local.set $rkk (f64.load (i32.add (local.get $rk) (i32.shl (local.get $k) (i32.const 3)))))
      ;; ss = rkk² + Σ T[i, k]²
      (local.set $a1 (v128.const f64x2 0 0))
      (local.set $i (i32.const 0))
      (block $nd (loop $nl
        (br_if $nd (i32.ge_s (local.get $i) (local.get $m8)))
        (local.set $v (v128.load (i32.add (local.get $ck) (local.get $i))))
        (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $v) (local.get $v))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $nl)))
      (local.set $ss (f64.add (f64.mul (local.get $rkk) (local.get $rkk)) (call $hsum (local.get $a1))))
      (if (f64.ne (local.get $ss) (f64.const 0))
        (then
          (local.set $norm (f64.sqrt (local.get $ss)))
          (local.set $alpha (select (f64.neg (local.get $norm)) (local.get $norm) (f64.ge (local.get $rkk) (f64.const 0))))
          (local.set $v0 (f64.sub (local.get $rkk) (local.get $alpha)))
          (local.set $beta (f64.div (f64.const 1) (f64.mul (local.get $norm) (f64.add (local.get $norm) (f64.abs (local.get $rkk))))))
          (local.set $j (i32.add (local.get $k) (i32.const 1)))
          ;; Two columns at a time.
          (block $pd (loop $pl
            (br_if $pd (i32.gt_s (i32.add (local.get $j) (i32.const 2)) (local.get $q)))
            (local.set $c1 (i32.add (local.get $T) (i32.mul (local.get $j) (local.get $m8))))
            (local.set $c2 (i32.add (local.get $c1) (local.get $m8)))
            (local.set $pr (i32.add (local.get $rk) (i32.shl (local.get $j) (i32.const 3))))
            (local.set $a1 (v128.const f64x2 0 0))
            (local.set $a2 (v128.const f64x2 0 0))
            (local.set $i (i32.const 0))
            (block $dd (loop $dl
              (br_if $dd (i32.ge_s (local.get $i) (local.get $m8)))
              (local.set $v (v128.load (i32.add (local.get $ck) (local.get $i))))
              (local.set $a1 (f64x2.add (local.get $a1) (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $c1) (local.get $i))))))
              (local.set $a2 (f64x2.add (local.get $a2) (f64x2.mul (local.get $v) (v128.load (i32.add (local.get $c2) (local.get $i))))))
              (local.set $i (i32.add (local.get $i) (i32.const 16)))
              (br $dl)))
            (local.set $d1 (f64.add (f64.mul (local.get $v0) (f64.load (local.get $pr))) (call $hsum (local.get $a1))))
            (local.set $d2 (f64.add (f64.mul (local.get $v0) (f64.load offset=8 (local.get $pr))) (call $hsum (local.get $a2))))
            (local.set $f1 (f64.mul (local.get $beta) (local.get $d1)))
            (local.set $f2 (f64.mul (local.get $beta) (local.get $d2)))
            (f64.store (local.get $pr) (f64.sub (f64.load (local.get $pr)) (f64.mul (local.get $f1) (local.get $v0))))
            (f64.store offset=8 (local.get $pr) (f64.sub (f64.load offset=8 (local.get $pr)) (f64.mul (local.get $f2) (local.get $v0))))
            (local.set $s1 (f64x2.splat (local.get $f1)))
            (local.set $s2 (f64x2.splat (local.get $f2)))
            (local.set $i (i32.const 0))
            (block $ud (loop $ul
              (br_if $ud (i32.ge_s (local.get $i) (local.get $m8)))
              (local.set $v (v128.load (i32.add (local.get $ck) (local.get $i))))
              (v128.store (i32.add (local.get $c1) (local.get $i))
                (f64x2.sub (v128.load (i32.add (local.get $c1) (local.get $i))) (f64x2.mul (local.get $s1) (local.get $v))))
              (v128.store (i32.add (local.get $c2) (local.get $i))
                (f64x2.sub (v128.load (i32.add (local.get $c2) (local.get $i))) (f64x2.mul (local.get $s2) (local.get $v))))
              (local.set $i (i32.add (local.get $i) (i32.const 16)))
              (br $ul)))
            (local.set $j (i32.add (local.get $j) (i32.const 2)))
            (br $pl)))
          ;; The last column when an odd number remain.
          (if (i32.lt_s (local.get $j) (local.get $q))
            (then
              (local.set $c1 (i32.add (local.get $T) (i32.mul (local.get $j) (local.get $m8))))
              (local.set $pr (i32.add (local.get $rk) (i32.shl (local.get $j) (i32.const 3))))
              (local.set $a1 (v128.const f64x2 0 0))
              (local.set $i (i32.const 0))
              (block $ed (loop $el
                (br_if $ed (i32.ge_s (local.get $i) (local.get $m8)))
                (local.set $a1 (f64x2.add (local.get $a1)
                  (f64x2.mul (v128.load (i32.add (local.get $ck) (local.get $i))) (v128.load (i32.add (local.get $c1) (local.get $i))))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $el)))
              (local.set $d1 (f64.add (f64.mul (local.get $v0) (f64.load (local.get $pr))) (call $hsum (local.get $a1))))
              (local.set $f1 (f64.mul (local.get $beta) (local.get $d1)))
              (f64.store (local.get $pr) (f64.sub (f64.load (local.get $pr)) (f64.mul (local.get $f1) (local.get $v0))))
              (local.set $s1 (f64x2.splat (local.get $f1)))
              (local.set $i (i32.const 0))
              (block $fd (loop $fl
                (br_if $fd (i32.ge_s (local.get $i) (local.get $m8)))
                (v128.store (i32.add (local.get $c1) (local.get $i))
                  (f64x2.sub (v128.load (i32.add (local.get $c1) (local.get $i)))
                    (f64x2.mul (local.get $s1) (v128.load (i32.add (local.get $ck) (local.get $i))))))
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (br $fl)))))
          (f64.store (i32.add (local.get $rk) (i32.shl (local.get $k) (i32.const 3))) (local.get $alpha))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $kl)))))
