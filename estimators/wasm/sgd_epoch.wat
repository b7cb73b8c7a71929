;; One SGD epoch over rows held in WebAssembly memory: the WebAssembly (f64x2 SIMD) twin of
;; sgdEpoch in src/linear_model/sgd_fast.ts, for the configurations that dominate run time
;; (no averaging, penalty none or L2, learning rates constant/optimal/invscaling/adaptive, every
;; loss). Same operations in the same order as the JS port of scikit-learn's _plain_sgd — the dot
;; product included (products two at a time, additions left to right) — so the results are
;; bit-identical to the JS epoch; SIMD speeds up the products and the weight update. Plus the
;; data movement of shuffled epochs and prepared blocks (scikit-learn's shuffle and its buckets,
;; scatter, permute, touch).
;;
;; The memory is imported and shared: the driver (sgd_wasm.ts) instantiates the module once over
;; its own memory for in-memory blocks, and once per prepared block over the memory the block was
;; prepared in (possibly on another thread; see sgd_prepare.ts), so that block is used in place.
;;
;; Assembled by estimators/scripts/build_wasm.mjs into src/linear_model/sgd_wasm_bytes.ts.
;; Loss codes, learning-rate codes and state slots match sgd_fast.ts.
(module
  (import "m" "exp" (func $exp (param f64) (result f64)))
  (import "m" "log" (func $log (param f64) (result f64)))
  (import "m" "pow" (func $pow (param f64 f64) (result f64)))
  (import "m" "memory" (memory 1 65536 shared))

  ;; loss(p, y) for the codes of LOSS in sgd_fast.ts; $c is the threshold, c or epsilon.
  (func $loss (param $code i32) (param $c f64) (param $p f64) (param $y f64) (result f64)
    (local $z f64) (local $r f64)
    (block $sqeps (block $eps (block $huber (block $sq (block $mh (block $logl (block $sqh (block $hinge
      (br_table $hinge $sqh $logl $mh $sq $huber $eps $sqeps (local.get $code)))
      ;; HINGE
      (local.set $z (f64.mul (local.get $p) (local.get $y)))
      (return (select (f64.sub (local.get $c) (local.get $z)) (f64.const 0) (f64.le (local.get $z) (local.get $c)))))
      ;; SQUARED_HINGE
      (local.set $z (f64.sub (local.get $c) (f64.mul (local.get $p) (local.get $y))))
      (return (select (f64.mul (local.get $z) (local.get $z)) (f64.const 0) (f64.gt (local.get $z) (f64.const 0)))))
      ;; LOG
      (local.set $z (f64.mul (local.get $p) (local.get $y)))
      (if (f64.gt (local.get $z) (f64.const 18)) (then (return (call $exp (f64.neg (local.get $z))))))
      (if (f64.lt (local.get $z) (f64.const -18)) (then (return (f64.neg (local.get $z)))))
      (return (call $log (f64.add (f64.const 1) (call $exp (f64.neg (local.get $z)))))))
      ;; MODIFIED_HUBER
      (local.set $z (f64.mul (local.get $p) (local.get $y)))
      (if (f64.ge (local.get $z) (f64.const 1)) (then (return (f64.const 0))))
      (if (f64.ge (local.get $z) (f64.const -1)) (then
        (return (f64.mul (f64.sub (f64.const 1) (local.get $z)) (f64.sub (f64.const 1) (local.get $z))))))
      (return (f64.mul (f64.const -4) (local.get $z))))
      ;; SQUARED
      (return (f64.mul (f64.mul (f64.const 0.5) (f64.sub (local.get $p) (local.get $y))) (f64.sub (local.get $p) (local.get $y)))))
      ;; HUBER
      (local.set $r (f64.sub (local.get $p) (local.get $y)))
      (if (f64.le (f64.abs (local.get $r)) (local.get $c)) (then
        (return (f64.mul (f64.mul (f64.const 0.5) (local.get $r)) (local.get $r)))))
      (return (f64.sub (f64.mul (local.get $c) (f64.abs (local.get $r)))
                       (f64.mul (f64.mul (f64.const 0.5) (local.get $c)) (local.get $c)))))
      ;; EPSILON_INSENSITIVE
      (local.set $r (f64.sub (f64.abs (f64.sub (local.get $y) (local.get $p))) (local.get $c)))
      (return (select (local.get $r) (f64.const 0) (f64.gt (local.get $r) (f64.const 0)))))
    ;; SQUARED_EPSILON_INSENSITIVE
    (local.set $r (f64.sub (f64.abs (f64.sub (local.get $y) (local.get $p))) (local.get $c)))
    (select (f64.mul (local.get $r) (local.get $r)) (f64.const 0) (f64.gt (local.get $r) (f64.const 0))))

  ;; dloss/dp for the same codes.
  (func $dloss (param $code i32) (param $c f64) (param $p f64) (param $y f64) (result f64)
    (local $z f64) (local $r f64)
    (block $sqeps (block $eps (block $huber (block $sq (block $mh (block $logl (block $sqh (block $hinge
      (br_table $hinge $sqh $logl $mh $sq $huber $eps $sqeps (local.get $code)))
      ;; HINGE
      (return (select (f64.neg (local.get $y)) (f64.const 0)
                      (f64.le (f64.mul (local.get $p) (local.get $y)) (local.get $c)))))
      ;; SQUARED_HINGE
      (local.set $z (f64.sub (local.get $c) (f64.mul (local.get $p) (local.get $y))))
      (return (select (f64.mul (f64.mul (f64.const -2) (local.get $y)) (local.get $z)) (f64.const 0)
                      (f64.gt (local.get $z) (f64.const 0)))))
      ;; LOG
      (local.set $z (f64.mul (local.get $p) (local.get $y)))
      (if (f64.gt (local.get $z) (f64.const 18)) (then
        (return (f64.mul (call $exp (f64.neg (local.get $z))) (f64.neg (local.get $y))))))
      (if (f64.lt (local.get $z) (f64.const -18)) (then (return (f64.neg (local.get $y)))))
      (return (f64.div (f64.neg (local.get $y)) (f64.add (call $exp (local.get $z)) (f64.const 1)))))
      ;; MODIFIED_HUBER
      (local.set $z (f64.mul (local.get $p) (local.get $y)))
      (if (f64.ge (local.get $z) (f64.const 1)) (then (return (f64.const 0))))
      (if (f64.ge (local.get $z) (f64.const -1)) (then
        (return (f64.mul (f64.mul (f64.const 2) (f64.sub (f64.const 1) (local.get $z))) (f64.neg (local.get $y))))))
      (return (f64.mul (f64.const -4) (local.get $y))))
      ;; SQUARED
      (return (f64.sub (local.get $p) (local.get $y))))
      ;; HUBER
      (local.set $r (f64.sub (local.get $p) (local.get $y)))
      (if (f64.le (f64.abs (local.get $r)) (local.get $c)) (then (return (local.get $r))))
      (return (select (local.get $c) (f64.neg (local.get $c)) (f64.gt (local.get $r) (f64.const 0)))))
      ;; EPSILON_INSENSITIVE
      (if (f64.gt (f64.sub (local.get $y) (local.get $p)) (local.get $c)) (then (return (f64.const -1))))
      (if (f64.gt (f64.sub (local.get $p) (local.get $y)) (local.get $c)) (then (return (f64.const 1))))
      (return (f64.const 0)))
    ;; SQUARED_EPSILON_INSENSITIVE
    (local.set $z (f64.sub (local.get $y) (local.get $p)))
    (if (f64.gt (local.get $z) (local.get $c)) (then
      (return (f64.mul (f64.const -2) (f64.sub (local.get $z) (local.get $c))))))
    (if (f64.lt (local.get $z) (f64.neg (local.get $c))) (then
      (return (f64.mul (f64.const 2) (f64.sub (f64.neg (local.get $z)) (local.get $c))))))
    (f64.const 0))

  ;; The epoch for the hinge loss (hinge, perceptron): the same operations in the same order as
  ;; the general loop below, arranged for speed. With this loss, a row's dloss is -y or 0, so the
  ;; step it would take (update / wscale) depends only on the learning rate, its label and its
  ;; weights: it is computed before the dot product, off the chain that links one row's weights to
  ;; the next row's dot product, and the dot product's outcome only decides whether to take it
  ;; (with the integer-mask class weight: 13 ms per 500k × 20 epoch instead of 18). Parameters
  ;; as $epoch's, without the loss code.
  ;; Not for invscaling: a call inside the loop (Math.pow) makes V8 keep the loop's values in
  ;; memory across it, which costs more than the arrangement gains.
  (func $hingeEpoch
    (param $rows i32) (param $ys i32) (param $sws i32) (param $visit i32) (param $count i32)
    (param $d i32) (param $w i32) (param $st i32)
    (param $thr f64) (param $l2 i32) (param $alpha f64)
    (param $lr i32) (param $eta0 f64) (param $powerT f64) (param $optimalInit f64)
    (param $fitIntercept i32) (param $interceptDecay f64) (param $weightPos f64) (param $weightNeg f64)
    (param $trackLoss i32)
    (result i32)
    (local $k i32) (local $pos i32) (local $row i32) (local $j i32) (local $rowBytes i32) (local $pairBytes i32)
    (local $acc0 v128) (local $acc1 v128) (local $stepv v128)
    (local $dot f64) (local $p f64) (local $yi f64) (local $eta f64) (local $dl f64) (local $u f64)
    (local $c f64) (local $s f64) (local $ws2 f64) (local $wscale f64) (local $intercept f64) (local $t f64)
    (local $sumloss f64) (local $x f64) (local $z f64) (local $seq i32) (local $unweighted i32)
    (local.set $seq (i32.eq (local.get $visit) (i32.const -1)))
    (local.set $unweighted (i32.eq (local.get $sws) (i32.const -1)))
    (local.set $intercept (f64.load offset=0 (local.get $st)))
    (local.set $t (f64.load offset=16 (local.get $st)))
    (local.set $wscale (f64.load offset=24 (local.get $st)))
    (local.set $eta (f64.load offset=56 (local.get $st)))
    (local.set $sumloss (f64.load offset=64 (local.get $st)))
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $pairBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $pos (if (result i32) (local.get $seq) (then (local.get $k))
          (else (i32.load (i32.add (local.get $visit) (i32.shl (local.get $k) (i32.const 2)))))))
        (local.set $row (i32.add (local.get $rows) (i32.mul (local.get $pos) (local.get $rowBytes))))
        (local.set $yi (f64.load (i32.add (local.get $ys) (i32.shl (local.get $pos) (i32.const 3)))))

        ;; Off the chain: the learning rate, the scale after the L2 shrink, and the step the row
        ;; takes if it is inside the margin (dloss = -y: the targets of a classifier are -1 and 1,
        ;; so the general loop's clipping to [-1e12, 1e12] never applies).
        (if (i32.eq (local.get $lr) (i32.const 2)) (then
          (local.set $eta (f64.div (f64.const 1)
            (f64.mul (local.get $alpha) (f64.sub (f64.add (local.get $optimalInit) (local.get $t)) (f64.const 1)))))))
        (local.set $dl (f64.neg (local.get $yi)))
        ;; The class weight is chosen between the bits of the two with integer masks: V8 turns a
        ;; select (float or integer) into a branch, mispredicted for every other row of random labels.
        (local.set $z (f64.mul (f64.reinterpret_i64 (i64.xor (i64.reinterpret_f64 (local.get $weightNeg))
            (i64.and (i64.xor (i64.reinterpret_f64 (local.get $weightNeg)) (i64.reinterpret_f64 (local.get $weightPos)))
              (i64.sub (i64.const 0) (i64.extend_i32_u (f64.gt (local.get $yi) (f64.const 0)))))))
          (if (result f64) (local.get $unweighted) (then (f64.const 1))
            (else (f64.load (i32.add (local.get $sws) (i32.shl (local.get $pos) (i32.const 3))))))))
        (local.set $u (f64.mul (f64.mul (f64.neg (local.get $eta)) (local.get $dl)) (local.get $z)))
        (local.set $ws2 (local.get $wscale))
        (if (local.get $l2) (then
          (local.set $s (f64.sub (f64.const 1) (f64.mul (local.get $eta) (local.get $alpha))))
          (local.set $ws2 (f64.mul (local.get $wscale)
            (select (local.get $s) (f64.const 0) (f64.gt (local.get $s) (f64.const 0)))))))
        (local.set $c (f64.div (local.get $u) (local.get $ws2)))
        ;; (Stored to a scratch slot of the state: without a use before the dot product, V8 moves
        ;; this division after it, and the step is late whenever the margin test was mispredicted.)
        (f64.store offset=72 (local.get $st) (local.get $c))

        ;; dot = w . x, left to right (as $epoch)
        (local.set $dot (f64.const 0))
        (local.set $j (i32.const 0))
        (block $d4 (loop $l4
          (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 32)) (local.get $pairBytes)))
          (local.set $acc0 (f64x2.mul
            (v128.load (i32.add (local.get $w) (local.get $j)))
            (v128.load (i32.add (local.get $row) (local.get $j)))))
          (local.set $acc1 (f64x2.mul
            (v128.load offset=16 (i32.add (local.get $w) (local.get $j)))
            (v128.load offset=16 (i32.add (local.get $row) (local.get $j)))))
          (local.set $dot (f64.add (f64.add (f64.add (f64.add (local.get $dot)
            (f64x2.extract_lane 0 (local.get $acc0))) (f64x2.extract_lane 1 (local.get $acc0)))
            (f64x2.extract_lane 0 (local.get $acc1))) (f64x2.extract_lane 1 (local.get $acc1))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br $l4)))
        (block $dt (loop $lt
          (br_if $dt (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $dot (f64.add (local.get $dot) (f64.mul
            (f64.load (i32.add (local.get $w) (local.get $j)))
            (f64.load (i32.add (local.get $row) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $lt)))
        (local.set $p (f64.add (f64.mul (local.get $dot) (local.get $wscale)) (local.get $intercept)))

        (if (f64.ne (f64.sub (local.get $p) (local.get $p)) (f64.const 0)) (then
          (local.set $j (i32.const 0))
          (block $scanned (loop $scan
            (br_if $scanned (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $x (f64.load (i32.add (local.get $row) (local.get $j))))
            (if (f64.ne (f64.sub (local.get $x) (local.get $x)) (f64.const 0)) (then (return (local.get $k))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $scan)))))

        (if (local.get $trackLoss) (then
          (local.set $x (f64.mul (local.get $p) (local.get $yi)))
          (local.set $sumloss (f64.add (local.get $sumloss)
            (f64.reinterpret_i64 (i64.and (i64.reinterpret_f64 (f64.sub (local.get $thr) (local.get $x)))
              (i64.sub (i64.const 0) (i64.extend_i32_u (f64.le (local.get $x) (local.get $thr))))))))))

        ;; L2: fold the scale into w when it gets tiny (the step is then update / 1). Done before the
        ;; margin test, as a merge point ahead of it: V8 then computes the step before the test rather
        ;; than inside its branch, where a mispredicted test would wait for the division.
        (if (f64.lt (local.get $ws2) (f64.const 1e-9)) (then (if (local.get $l2) (then
          (local.set $j (i32.const 0))
          (block $sd (loop $sl
            (br_if $sd (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (f64.store (i32.add (local.get $w) (local.get $j))
              (f64.mul (f64.load (i32.add (local.get $w) (local.get $j))) (local.get $ws2)))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $sl)))
          (local.set $ws2 (f64.const 1))
          (local.set $c (f64.div (local.get $u) (local.get $ws2)))))))
        (local.set $wscale (local.get $ws2))

        ;; Inside the margin the update is u; outside it, (-eta * 0) * weights: zero, eta and the
        ;; weights being finite (see $epoch).
        (if (i32.and (f64.le (f64.mul (local.get $p) (local.get $yi)) (local.get $thr)) (f64.ne (local.get $u) (f64.const 0))) (then
          (local.set $stepv (f64x2.splat (local.get $c)))
          (local.set $j (i32.const 0))
          (block $ud (loop $ul
            (br_if $ud (i32.ge_u (local.get $j) (local.get $pairBytes)))
            (v128.store (i32.add (local.get $w) (local.get $j))
              (f64x2.add (v128.load (i32.add (local.get $w) (local.get $j)))
                         (f64x2.mul (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $stepv))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $ul)))
          (if (i32.lt_u (local.get $j) (local.get $rowBytes)) (then
            (f64.store (i32.add (local.get $w) (local.get $j))
              (f64.add (f64.load (i32.add (local.get $w) (local.get $j)))
                       (f64.mul (f64.load (i32.add (local.get $row) (local.get $j))) (local.get $c))))))
          (if (local.get $fitIntercept) (then
            (local.set $intercept (f64.add (local.get $intercept) (f64.mul (local.get $u) (local.get $interceptDecay))))))))

        (local.set $t (f64.add (local.get $t) (f64.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rowsLoop)))
    (f64.store offset=0 (local.get $st) (local.get $intercept))
    (f64.store offset=16 (local.get $st) (local.get $t))
    (f64.store offset=24 (local.get $st) (local.get $wscale))
    (f64.store offset=56 (local.get $st) (local.get $eta))
    (f64.store offset=64 (local.get $st) (local.get $sumloss))
    (i32.const -1))

  ;; Runs one pass over `count` rows. Row k visited is at position visit[k] (i32 array at $visit),
  ;; or at position k when $visit is -1 (rows in visit order): its features at $rows + pos*d*8,
  ;; its target at $ys + pos*8, its sample weight at $sws + pos*8 (1 for every row when $sws is -1).
  ;; Addresses wrap modulo 2**32, so a base may sit below the memory when positions start above 0.
  ;; Weights (d f64) at $w; scalar state (f64 slots, see sgd_fast.ts) at $st:
  ;; 0 intercept, 2 t, 3 wscale, 7 eta, 8 sumloss (added to); slot 9 (byte 72) is scratch.
  ;; Returns -1, or the k of the first row holding NaN/Infinity (state then is not meaningful).
  (func (export "epoch")
    (param $rows i32) (param $ys i32) (param $sws i32) (param $visit i32) (param $count i32)
    (param $d i32) (param $w i32) (param $st i32)
    (param $lossCode i32) (param $lossParam f64) (param $l2 i32) (param $alpha f64)
    (param $lr i32) (param $eta0 f64) (param $powerT f64) (param $optimalInit f64)
    (param $fitIntercept i32) (param $interceptDecay f64) (param $weightPos f64) (param $weightNeg f64)
    (param $trackLoss i32)
    (result i32)
    (local $k i32) (local $pos i32) (local $row i32) (local $j i32) (local $rowBytes i32) (local $pairBytes i32)
    (local $acc0 v128) (local $acc1 v128) (local $stepv v128)
    (local $dot f64) (local $p f64) (local $yi f64) (local $eta f64) (local $update f64) (local $dl f64)
    (local $c f64) (local $wscale f64) (local $intercept f64) (local $t f64) (local $sumloss f64) (local $x f64)
    (local $seq i32) (local $unweighted i32)
    ;; The hinge losses take their own loop, unless the learning rate is invscaling (see there)
    ;; or eta or a class weight is not finite (sample weights are validated finite).
    (if (i32.and (i32.and (i32.eqz (local.get $lossCode)) (i32.ne (local.get $lr) (i32.const 3)))
          (f64.lt (f64.abs (f64.add (f64.add (local.get $weightPos) (local.get $weightNeg)) (f64.load offset=56 (local.get $st))))
                  (f64.const inf))) (then
      (return (call $hingeEpoch (local.get $rows) (local.get $ys) (local.get $sws) (local.get $visit) (local.get $count)
        (local.get $d) (local.get $w) (local.get $st) (local.get $lossParam) (local.get $l2) (local.get $alpha)
        (local.get $lr) (local.get $eta0) (local.get $powerT) (local.get $optimalInit) (local.get $fitIntercept)
        (local.get $interceptDecay) (local.get $weightPos) (local.get $weightNeg) (local.get $trackLoss)))))
    (local.set $seq (i32.eq (local.get $visit) (i32.const -1)))
    (local.set $unweighted (i32.eq (local.get $sws) (i32.const -1)))
    (local.set $intercept (f64.load offset=0 (local.get $st)))
    (local.set $t (f64.load offset=16 (local.get $st)))
    (local.set $wscale (f64.load offset=24 (local.get $st)))
    (local.set $eta (f64.load offset=56 (local.get $st)))
    (local.set $sumloss (f64.load offset=64 (local.get $st)))
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $pairBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $done
      (loop $rowsLoop
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $pos (if (result i32) (local.get $seq) (then (local.get $k))
          (else (i32.load (i32.add (local.get $visit) (i32.shl (local.get $k) (i32.const 2)))))))
        (local.set $row (i32.add (local.get $rows) (i32.mul (local.get $pos) (local.get $rowBytes))))
        (local.set $yi (f64.load (i32.add (local.get $ys) (i32.shl (local.get $pos) (i32.const 3)))))

        ;; dot = w . x summed left to right, as WeightVector.dot (and the JS epoch) do: the
        ;; products come two at a time from f64x2.mul, the additions stay in order.
        (local.set $dot (f64.const 0))
        (local.set $j (i32.const 0))
        (block $d4 (loop $l4
          (br_if $d4 (i32.gt_u (i32.add (local.get $j) (i32.const 32)) (local.get $pairBytes)))
          (local.set $acc0 (f64x2.mul
            (v128.load (i32.add (local.get $w) (local.get $j)))
            (v128.load (i32.add (local.get $row) (local.get $j)))))
          (local.set $acc1 (f64x2.mul
            (v128.load offset=16 (i32.add (local.get $w) (local.get $j)))
            (v128.load offset=16 (i32.add (local.get $row) (local.get $j)))))
          (local.set $dot (f64.add (f64.add (f64.add (f64.add (local.get $dot)
            (f64x2.extract_lane 0 (local.get $acc0))) (f64x2.extract_lane 1 (local.get $acc0)))
            (f64x2.extract_lane 0 (local.get $acc1))) (f64x2.extract_lane 1 (local.get $acc1))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br $l4)))
        (block $dt (loop $lt
          (br_if $dt (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $dot (f64.add (local.get $dot) (f64.mul
            (f64.load (i32.add (local.get $w) (local.get $j)))
            (f64.load (i32.add (local.get $row) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $lt)))
        (local.set $p (f64.add (f64.mul (local.get $dot) (local.get $wscale)) (local.get $intercept)))

        ;; NaN/Infinity in the row makes p non-finite: report the row if it holds one.
        (if (f64.ne (f64.sub (local.get $p) (local.get $p)) (f64.const 0)) (then
          (local.set $j (i32.const 0))
          (block $scanned (loop $scan
            (br_if $scanned (i32.ge_u (local.get $j) (local.get $rowBytes)))
            (local.set $x (f64.load (i32.add (local.get $row) (local.get $j))))
            (if (f64.ne (f64.sub (local.get $x) (local.get $x)) (f64.const 0)) (then (return (local.get $k))))
            (local.set $j (i32.add (local.get $j) (i32.const 8)))
            (br $scan)))))

        ;; learning rate: 2 optimal, 3 invscaling; constant/adaptive keep eta.
        (if (i32.eq (local.get $lr) (i32.const 2)) (then
          (local.set $eta (f64.div (f64.const 1)
            (f64.mul (local.get $alpha) (f64.sub (f64.add (local.get $optimalInit) (local.get $t)) (f64.const 1))))))
        (else (if (i32.eq (local.get $lr) (i32.const 3)) (then
          (local.set $eta (f64.div (local.get $eta0) (call $pow (local.get $t) (local.get $powerT))))))))

        (if (local.get $trackLoss) (then
          (local.set $sumloss (f64.add (local.get $sumloss)
            (call $loss (local.get $lossCode) (local.get $lossParam) (local.get $p) (local.get $yi))))))

        (if (i32.eqz (local.get $lossCode))
          (then (local.set $dl (select (f64.neg (local.get $yi)) (f64.const 0)
                  (f64.le (f64.mul (local.get $p) (local.get $yi)) (local.get $lossParam)))))
          (else (local.set $dl (call $dloss (local.get $lossCode) (local.get $lossParam) (local.get $p) (local.get $yi)))))
        (if (f64.lt (local.get $dl) (f64.const -1e12)) (then (local.set $dl (f64.const -1e12)))
          (else (if (f64.gt (local.get $dl) (f64.const 1e12)) (then (local.set $dl (f64.const 1e12))))))
        (local.set $update (f64.mul (f64.neg (local.get $eta)) (local.get $dl)))
        (local.set $update (f64.mul (local.get $update)
          (f64.mul (f64.reinterpret_i64 (i64.xor (i64.reinterpret_f64 (local.get $weightNeg))
            (i64.and (i64.xor (i64.reinterpret_f64 (local.get $weightNeg)) (i64.reinterpret_f64 (local.get $weightPos)))
              (i64.sub (i64.const 0) (i64.extend_i32_u (f64.gt (local.get $yi) (f64.const 0)))))))
                   (if (result f64) (local.get $unweighted) (then (f64.const 1))
                     (else (f64.load (i32.add (local.get $sws) (i32.shl (local.get $pos) (i32.const 3)))))))))

        ;; L2: shrink through the scale; fold it into w when it gets tiny.
        (if (local.get $l2) (then
          (local.set $c (f64.sub (f64.const 1) (f64.mul (local.get $eta) (local.get $alpha))))
          (local.set $wscale (f64.mul (local.get $wscale)
            (select (local.get $c) (f64.const 0) (f64.gt (local.get $c) (f64.const 0)))))
          (if (f64.lt (local.get $wscale) (f64.const 1e-9)) (then
            (local.set $j (i32.const 0))
            (block $sd (loop $sl
              (br_if $sd (i32.ge_u (local.get $j) (local.get $rowBytes)))
              (f64.store (i32.add (local.get $w) (local.get $j))
                (f64.mul (f64.load (i32.add (local.get $w) (local.get $j))) (local.get $wscale)))
              (local.set $j (i32.add (local.get $j) (i32.const 8)))
              (br $sl)))
            (local.set $wscale (f64.const 1))))))

        (if (f64.ne (local.get $update) (f64.const 0)) (then
          (local.set $c (f64.div (local.get $update) (local.get $wscale)))
          (local.set $stepv (f64x2.splat (local.get $c)))
          (local.set $j (i32.const 0))
          (block $ud (loop $ul
            (br_if $ud (i32.ge_u (local.get $j) (local.get $pairBytes)))
            (v128.store (i32.add (local.get $w) (local.get $j))
              (f64x2.add (v128.load (i32.add (local.get $w) (local.get $j)))
                         (f64x2.mul (v128.load (i32.add (local.get $row) (local.get $j))) (local.get $stepv))))
            (local.set $j (i32.add (local.get $j) (i32.const 16)))
            (br $ul)))
          (if (i32.lt_u (local.get $j) (local.get $rowBytes)) (then
            (f64.store (i32.add (local.get $w) (local.get $j))
              (f64.add (f64.load (i32.add (local.get $w) (local.get $j)))
                       (f64.mul (f64.load (i32.add (local.get $row) (local.get $j))) (local.get $c))))))
          (if (local.get $fitIntercept) (then
            (local.set $intercept (f64.add (local.get $intercept) (f64.mul (local.get $update) (local.get $interceptDecay))))))))

        (local.set $t (f64.add (local.get $t) (f64.const 1)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $rowsLoop)))
    (f64.store offset=0 (local.get $st) (local.get $intercept))
    (f64.store offset=16 (local.get $st) (local.get $t))
    (f64.store offset=24 (local.get $st) (local.get $wscale))
    (f64.store offset=56 (local.get $st) (local.get $eta))
    (f64.store offset=64 (local.get $st) (local.get $sumloss))
    (i32.const -1))
  ;; Decision values of `count` rows (d f64 each, at $rows) for k weight vectors (d f64 each, at
  ;; $w) and intercepts (k f64 at $b): out[i*k + c] = x_i . w_c + b_c (f64 at $out). The dot product
  ;; is linearDecision's in base_sgd.ts, operation for operation: partial sums of features j mod 4
  ;; (here two f64x2 accumulators), the tail added to the first, then (s0 + s1) + (s2 + s3).
  ;; Returns -1, or the first row whose sum is not finite (it holds NaN/Infinity).
  (func (export "decision") (param $rows i32) (param $count i32) (param $d i32) (param $w i32) (param $k i32) (param $b i32) (param $out i32) (result i32)
    (local $i i32) (local $c i32) (local $j i32) (local $row i32) (local $wc i32) (local $rowBytes i32) (local $quadBytes i32)
    (local $acc0 v128) (local $acc1 v128) (local $s0 f64) (local $s f64)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $quadBytes (i32.and (local.get $rowBytes) (i32.const -32)))
    (local.set $row (local.get $rows))
    (block $done (loop $rowsLoop
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $c (i32.const 0))
      (local.set $wc (local.get $w))
      (block $cd (loop $cl
        (br_if $cd (i32.ge_u (local.get $c) (local.get $k)))
        (local.set $acc0 (v128.const i64x2 0 0))
        (local.set $acc1 (v128.const i64x2 0 0))
        (local.set $j (i32.const 0))
        (block $qd (loop $ql
          (br_if $qd (i32.ge_u (local.get $j) (local.get $quadBytes)))
          (local.set $acc0 (f64x2.add (local.get $acc0) (f64x2.mul
            (v128.load (i32.add (local.get $row) (local.get $j)))
            (v128.load (i32.add (local.get $wc) (local.get $j))))))
          (local.set $acc1 (f64x2.add (local.get $acc1) (f64x2.mul
            (v128.load offset=16 (i32.add (local.get $row) (local.get $j)))
            (v128.load offset=16 (i32.add (local.get $wc) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 32)))
          (br $ql)))
        (local.set $s0 (f64x2.extract_lane 0 (local.get $acc0)))
        (block $td (loop $tl
          (br_if $td (i32.ge_u (local.get $j) (local.get $rowBytes)))
          (local.set $s0 (f64.add (local.get $s0) (f64.mul
            (f64.load (i32.add (local.get $row) (local.get $j)))
            (f64.load (i32.add (local.get $wc) (local.get $j))))))
          (local.set $j (i32.add (local.get $j) (i32.const 8)))
          (br $tl)))
        (local.set $s (f64.add
          (f64.add (local.get $s0) (f64x2.extract_lane 1 (local.get $acc0)))
          (f64.add (f64x2.extract_lane 0 (local.get $acc1)) (f64x2.extract_lane 1 (local.get $acc1)))))
        (if (f64.ne (f64.sub (local.get $s) (local.get $s)) (f64.const 0)) (then (return (local.get $i))))
        (f64.store (local.get $out) (f64.add (local.get $s)
          (f64.load (i32.add (local.get $b) (i32.shl (local.get $c) (i32.const 3))))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $wc (i32.add (local.get $wc) (local.get $rowBytes)))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $cl)))
      (local.set $row (i32.add (local.get $row) (local.get $rowBytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rowsLoop)))
    (i32.const -1))

  ;; Reads [$at, $at + $bytes) front to back (a multiple of 16 bytes) so that the rows there
  ;; are in cache before they are visited in random order; returns a sum so the reads stay.
  (func (export "touch") (param $at i32) (param $bytes i32) (result f64)
    (local $acc v128) (local $end i32)
    (local.set $end (i32.add (local.get $at) (local.get $bytes)))
    (block $done (loop $l
      (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
      (local.set $acc (f64x2.add (local.get $acc) (v128.load (local.get $at))))
      (local.set $at (i32.add (local.get $at) (i32.const 64)))
      (br $l)))
    (f64.add (f64x2.extract_lane 0 (local.get $acc)) (f64x2.extract_lane 1 (local.get $acc))))

  ;; Copies `count` rows of d f64 from $src (consecutive) to $dst + slot[i]*d*8, slot[i] the
  ;; i32s at $slots: the scatter that groups rows by bucket for a shuffled epoch.
  (func (export "scatter") (param $src i32) (param $slots i32) (param $count i32) (param $d i32) (param $dst i32)
    (local $i i32) (local $j i32) (local $rowBytes i32) (local $pairBytes i32) (local $to i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $pairBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $done (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
      (local.set $to (i32.add (local.get $dst) (i32.mul (local.get $rowBytes)
        (i32.load (i32.add (local.get $slots) (i32.shl (local.get $i) (i32.const 2)))))))
      (local.set $j (i32.const 0))
      (block $pd (loop $pl
        (br_if $pd (i32.ge_u (local.get $j) (local.get $pairBytes)))
        (v128.store (i32.add (local.get $to) (local.get $j)) (v128.load (i32.add (local.get $src) (local.get $j))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $pl)))
      (if (i32.lt_u (local.get $j) (local.get $rowBytes)) (then
        (f64.store (i32.add (local.get $to) (local.get $j)) (f64.load (i32.add (local.get $src) (local.get $j))))))
      (local.set $src (i32.add (local.get $src) (local.get $rowBytes)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

  ;; Puts the rows of buckets [$b0, $b1) in visit order, in place. Bucket b holds positions
  ;; [start[b], start[b + 1]) (i32s at $starts); its rows (d f64 each, at $rows) are copied to
  ;; $scratch, then position r of the bucket receives the row that was at position visit[r] (i32s
  ;; at $visit, absolute positions inside the bucket's range). A bucket fits in cache, so this
  ;; costs about one read and one write of the block.
  (func (export "permute") (param $rows i32) (param $visit i32) (param $starts i32) (param $b0 i32) (param $b1 i32) (param $d i32) (param $scratch i32)
    (local $b i32) (local $lo i32) (local $hi i32) (local $r i32) (local $j i32) (local $rowBytes i32) (local $pairBytes i32)
    (local $from i32) (local $to i32) (local $base i32)
    (local.set $rowBytes (i32.shl (local.get $d) (i32.const 3)))
    (local.set $pairBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (local.set $b (local.get $b0))
    (block $buckets (loop $bl
      (br_if $buckets (i32.ge_u (local.get $b) (local.get $b1)))
      (local.set $lo (i32.load (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2)))))
      (local.set $hi (i32.load offset=4 (i32.add (local.get $starts) (i32.shl (local.get $b) (i32.const 2)))))
      (memory.copy (local.get $scratch) (i32.add (local.get $rows) (i32.mul (local.get $lo) (local.get $rowBytes)))
        (i32.mul (i32.sub (local.get $hi) (local.get $lo)) (local.get $rowBytes)))
      ;; the scratch row of absolute position p is at $base + p * rowBytes (wrapping arithmetic)
      (local.set $base (i32.sub (local.get $scratch) (i32.mul (local.get $lo) (local.get $rowBytes))))
      (local.set $r (local.get $lo))
      (local.set $to (i32.add (local.get $rows) (i32.mul (local.get $lo) (local.get $rowBytes))))
      (block $done (loop $rl
        (br_if $done (i32.ge_u (local.get $r) (local.get $hi)))
        (local.set $from (i32.add (local.get $base) (i32.mul (local.get $rowBytes)
          (i32.load (i32.add (local.get $visit) (i32.shl (local.get $r) (i32.const 2)))))))
        (local.set $j (i32.const 0))
        (block $pd (loop $pl
          (br_if $pd (i32.ge_u (local.get $j) (local.get $pairBytes)))
          (v128.store (i32.add (local.get $to) (local.get $j)) (v128.load (i32.add (local.get $from) (local.get $j))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br $pl)))
        (if (i32.lt_u (local.get $j) (local.get $rowBytes)) (then
          (f64.store (i32.add (local.get $to) (local.get $j)) (f64.load (i32.add (local.get $from) (local.get $j))))))
        (local.set $to (i32.add (local.get $to) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rl)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bl))))

  ;; scikit-learn's SequentialDataset.shuffle(seed) over arange(n) (utils/_seq_dataset.pyx.tp):
  ;; ind[i] = i, then for i < n - 1: j = i + our_rand_r(seed) % (n - i), swap ind[i], ind[j].
  ;; our_rand_r (utils/_random.pxd): a 32-bit xorshift (13, 17, 5; seed 0 taken as 1), mod 2^31.
  ;; The i32s at $ind end up holding π (shuffle.ts's seqShufflePermutation).
  (func (export "seqperm") (param $ind i32) (param $n i32) (param $seed i32)
    (local $i i32) (local $s i32) (local $j i32) (local $a i32) (local $b i32) (local $t i32)
    (block $done (loop $init
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (i32.store (i32.add (local.get $ind) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $init)))
    (local.set $s (local.get $seed))
    (local.set $i (i32.const 0))
    (block $done2 (loop $swap
      (br_if $done2 (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
      (if (i32.eqz (local.get $s)) (then (local.set $s (i32.const 1))))
      (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 13))))
      (local.set $s (i32.xor (local.get $s) (i32.shr_u (local.get $s) (i32.const 17))))
      (local.set $s (i32.xor (local.get $s) (i32.shl (local.get $s) (i32.const 5))))
      (local.set $j (i32.add (local.get $i)
        (i32.rem_u (i32.and (local.get $s) (i32.const 0x7fffffff)) (i32.sub (local.get $n) (local.get $i)))))
      (local.set $a (i32.add (local.get $ind) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $b (i32.add (local.get $ind) (i32.shl (local.get $j) (i32.const 2))))
      (local.set $t (i32.load (local.get $a)))
      (i32.store (local.get $a) (i32.load (local.get $b)))
      (i32.store (local.get $b) (local.get $t))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $swap))))

  ;; A visit order as bucket-grouped slots (shuffle.ts's bucketsOf): order (n i32s at $order) →
  ;; slot[row] at $slot, visit[k] at $visit. Bucket b holds visit positions [b << shift, (b+1) << shift);
  ;; the rows of a bucket take its slots in ascending row order. $fill: scratch for one i32 per bucket.
  (func (export "seqbuckets") (param $order i32) (param $n i32) (param $shift i32) (param $slot i32) (param $visit i32) (param $fill i32)
    (local $k i32) (local $row i32) (local $p i32) (local $at i32) (local $f i32) (local $b i32)
    ;; fill[b] = first slot of bucket b
    (block $done0 (loop $init
      (br_if $done0 (i32.ge_u (i32.shl (local.get $b) (local.get $shift)) (local.get $n)))
      (i32.store (i32.add (local.get $fill) (i32.shl (local.get $b) (i32.const 2))) (i32.shl (local.get $b) (local.get $shift)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $init)))
    ;; slot[order[k]] = k: each row's visit position, for now
    (block $done1 (loop $inv
      (br_if $done1 (i32.ge_u (local.get $k) (local.get $n)))
      (i32.store (i32.add (local.get $slot) (i32.shl (i32.load (i32.add (local.get $order) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 2)))
        (local.get $k))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $inv)))
    ;; rows ascending: the next slot of the row's bucket; visit[position] = that slot
    (block $done2 (loop $rows
      (br_if $done2 (i32.ge_u (local.get $row) (local.get $n)))
      (local.set $p (i32.add (local.get $slot) (i32.shl (local.get $row) (i32.const 2))))
      (local.set $k (i32.load (local.get $p)))
      (local.set $f (i32.add (local.get $fill) (i32.shl (i32.shr_u (local.get $k) (local.get $shift)) (i32.const 2))))
      (local.set $at (i32.load (local.get $f)))
      (i32.store (local.get $f) (i32.add (local.get $at) (i32.const 1)))
      (i32.store (local.get $p) (local.get $at))
      (i32.store (i32.add (local.get $visit) (i32.shl (local.get $k) (i32.const 2))) (local.get $at))
      (local.set $row (i32.add (local.get $row) (i32.const 1)))
      (br $rows))))
)
