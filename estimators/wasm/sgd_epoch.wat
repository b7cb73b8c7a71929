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
  (import "m" "log" (func $log (param f64) (result f64)))
  (import "m" "pow" (func $pow (param f64 f64) (result f64)))
  (import "m" "memory" (memory 1 65536 shared))

  ;; glibc's exp, bit for bit — the twin of glibcExp in src/linear_model/sgd/libm.ts (see there:
  ;; exp(x) = 2^(k/128) · exp(r), glibc's table and polynomial, its fused multiply-adds emulated
  ;; exactly by $fma). Math.exp is not glibc's exp, and at small alpha the log loss amplifies the
  ;; difference.
  (global $expTail (mut f64) (f64.const 0))
  ;; Address of the table in memory (head, tail: 16 bytes per index), or 0: the br_table below.
  ;; A load costs a fraction of the jump table's indirect branch, which guesses wrong on random
  ;; indices; the driver sets it while a fit's rows staged in this memory leave room for it
  ;; (wasm_epoch.ts, stageInOwnMemory).
  (global $expTab (export "expTab") (mut i32) (i32.const 0))

  ;; a·b + c rounded once (IEEE fma) — fma in libm.ts, operation for operation.
  (func $fma (param $a f64) (param $b f64) (param $c f64) (result f64)
    (local $uh f64) (local $t f64) (local $ah f64) (local $al f64) (local $bh f64) (local $bl f64) (local $ul f64)
    (local $th f64) (local $bb f64) (local $tl f64) (local $v f64) (local $ve f64) (local $z f64) (local $err f64) (local $z2 f64)
    (local.set $uh (f64.mul (local.get $a) (local.get $b)))
    ;; exact product or non-finite
    (if (i32.or (i32.or (f64.eq (local.get $uh) (f64.const 0)) (f64.ne (f64.sub (local.get $uh) (local.get $uh)) (f64.const 0)))
                (f64.ne (f64.sub (local.get $c) (local.get $c)) (f64.const 0)))
      (then (return (f64.add (local.get $uh) (local.get $c)))))
    ;; Dekker's exact product: a·b = uh + ul
    (local.set $t (f64.mul (f64.const 134217729) (local.get $a)))
    (local.set $ah (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $a))))
    (local.set $al (f64.sub (local.get $a) (local.get $ah)))
    (local.set $t (f64.mul (f64.const 134217729) (local.get $b)))
    (local.set $bh (f64.sub (local.get $t) (f64.sub (local.get $t) (local.get $b))))
    (local.set $bl (f64.sub (local.get $b) (local.get $bh)))
    (local.set $ul (f64.sub (f64.mul (local.get $al) (local.get $bl))
      (f64.sub (f64.sub (f64.sub (local.get $uh) (f64.mul (local.get $ah) (local.get $bh))) (f64.mul (local.get $al) (local.get $bh)))
        (f64.mul (local.get $ah) (local.get $bl)))))
    ;; th + tl = c + uh exactly; v + ve = tl + ul exactly
    (local.set $th (f64.add (local.get $c) (local.get $uh)))
    (local.set $bb (f64.sub (local.get $th) (local.get $c)))
    (local.set $tl (f64.add (f64.sub (local.get $c) (f64.sub (local.get $th) (local.get $bb))) (f64.sub (local.get $uh) (local.get $bb))))
    (local.set $v (f64.add (local.get $tl) (local.get $ul)))
    (local.set $bb (f64.sub (local.get $v) (local.get $tl)))
    (local.set $ve (f64.add (f64.sub (local.get $tl) (f64.sub (local.get $v) (local.get $bb))) (f64.sub (local.get $ul) (local.get $bb))))
    (local.set $z (f64.add (local.get $th) (local.get $v)))
    (if (f64.eq (local.get $ve) (f64.const 0)) (then (return (local.get $z))))
    (local.set $bb (f64.sub (local.get $z) (local.get $th)))
    (local.set $err (f64.add (f64.sub (local.get $th) (f64.sub (local.get $z) (local.get $bb))) (f64.sub (local.get $v) (local.get $bb))))
    (if (f64.eq (local.get $err) (f64.const 0)) (then (return (local.get $z))))
    ;; th + v halfway between z and z + 2·err: the exact sum lies on ve's side of it
    (local.set $z2 (f64.add (local.get $z) (f64.mul (f64.const 2) (local.get $err))))
    (if (f64.ne (f64.sub (local.get $z2) (local.get $z)) (f64.mul (f64.const 2) (local.get $err))) (then (return (local.get $z))))
    (select (local.get $z2) (local.get $z) (i32.eq (f64.gt (local.get $ve) (f64.const 0)) (f64.gt (local.get $err) (f64.const 0)))))

  ;; 2^e for e in [-1022, 1023]
  (func $pow2 (param $e i32) (result f64)
    (f64.reinterpret_i64 (i64.shl (i64.extend_i32_s (i32.add (local.get $e) (i32.const 1023))) (i64.const 52))))

  (func $exp (export "exp") (param $x f64) (result f64)
    (local $ax f64) (local $special i32) (local $kd f64) (local $r f64) (local $k i32) (local $e i32) (local $head f64)
    (local $r2 f64) (local $tmp f64) (local $scale f64) (local $z f64) (local $p f64) (local $hi f64) (local $lo f64) (local $b f64)
    (local.set $ax (f64.abs (local.get $x)))
    ;; The fast path, Ziv's rounding test: the algorithm in plain arithmetic, accepted when every
    ;; value within the error bound of hi + lo rounds to hi — glibcExp in libm.ts, operation for
    ;; operation (the bound's derivation is there); else the emulated-FMA path below decides.
    (if (i32.and (f64.ge (local.get $ax) (f64.const 0x1p-54)) (f64.lt (local.get $ax) (f64.const 512))) (then
      (local.set $z (f64.mul (local.get $x) (f64.const 0x1.71547652b82fep7)))
      (local.set $kd (f64.sub (f64.add (local.get $z) (f64.const 0x1.8p52)) (f64.const 0x1.8p52)))
      (if (f64.gt (f64.abs (f64.sub (f64.abs (f64.sub (local.get $z) (local.get $kd))) (f64.const 0.5))) (f64.const 0x1p-30)) (then
        (local.set $r (f64.add (f64.add (f64.mul (local.get $kd) (f64.const -0x1.62e42fefa0000p-8)) (local.get $x))
          (f64.mul (local.get $kd) (f64.const -0x1.cf79abc9e3b3ap-47))))
        (local.set $k (i32.trunc_f64_s (local.get $kd)))
        (local.set $e (i32.shr_s (local.get $k) (i32.const 7)))
        (if (global.get $expTab)
          (then
            (local.set $z (f64.load (i32.add (global.get $expTab) (i32.shl (i32.and (local.get $k) (i32.const 127)) (i32.const 4)))))
            (global.set $expTail (f64.load offset=8 (i32.add (global.get $expTab) (i32.shl (i32.and (local.get $k) (i32.const 127)) (i32.const 4)))))
            (local.set $head (local.get $z)))
          (else (local.set $head (call $expTable (i32.and (local.get $k) (i32.const 127)))))) ;; sets $expTail
        (local.set $r2 (f64.mul (local.get $r) (local.get $r)))
        (local.set $tmp (f64.add
          (f64.mul (f64.mul (local.get $r2) (local.get $r2))
            (f64.add (f64.mul (local.get $r) (f64.const 0x1.1111167a4d017p-7)) (f64.const 0x1.55555cf172b91p-5)))
          (f64.add
            (f64.mul (local.get $r2) (f64.add (f64.mul (local.get $r) (f64.const 0x1.555555555543cp-3)) (f64.const 0x1.ffffffffffdbdp-2)))
            (f64.add (global.get $expTail) (local.get $r)))))
        (local.set $scale (f64.mul (local.get $head) (call $pow2 (local.get $e))))
        (local.set $p (f64.mul (local.get $scale) (local.get $tmp)))
        (local.set $hi (f64.add (local.get $scale) (local.get $p)))
        (local.set $lo (f64.add (f64.sub (local.get $scale) (local.get $hi)) (local.get $p)))
        (local.set $b (f64.mul (local.get $scale) (f64.const 0x1p-58)))
        (if (i32.and (f64.eq (f64.add (local.get $hi) (f64.add (local.get $lo) (local.get $b))) (local.get $hi))
                     (f64.eq (f64.add (local.get $hi) (f64.sub (local.get $lo) (local.get $b))) (local.get $hi)))
          (then (return (local.get $hi))))))))
    (if (i32.eqz (i32.and (f64.ge (local.get $ax) (f64.const 0x1p-54)) (f64.lt (local.get $ax) (f64.const 512)))) (then
      (if (f64.lt (local.get $ax) (f64.const 0x1p-54)) (then (return (f64.add (f64.const 1) (local.get $x)))))
      (if (i32.eqz (f64.lt (local.get $ax) (f64.const 1024))) (then
        (if (f64.eq (local.get $x) (f64.const -inf)) (then (return (f64.const 0))))
        (if (i32.eqz (f64.lt (local.get $ax) (f64.const inf))) (then (return (f64.add (f64.const 1) (local.get $x)))))
        (return (select (f64.const 0) (f64.const inf) (f64.lt (local.get $x) (f64.const 0))))))
      (local.set $special (i32.const 1))))
    ;; k = round(x · 128 / ln 2) through the fused add of 0x1.8p52; r = x − k·ln2/128
    (local.set $kd (f64.sub (call $fma (local.get $x) (f64.const 0x1.71547652b82fep7) (f64.const 0x1.8p52)) (f64.const 0x1.8p52)))
    (local.set $r (call $fma (local.get $kd) (f64.const -0x1.cf79abc9e3b3ap-47)
      (f64.add (f64.mul (local.get $kd) (f64.const -0x1.62e42fefa0000p-8)) (local.get $x))))
    (local.set $k (i32.trunc_f64_s (local.get $kd)))
    (local.set $e (i32.shr_s (local.get $k) (i32.const 7)))
    (local.set $head (call $expTable (i32.and (local.get $k) (i32.const 127)))) ;; sets $expTail
    (local.set $r2 (f64.mul (local.get $r) (local.get $r)))
    (local.set $tmp (call $fma (f64.mul (local.get $r2) (local.get $r2))
      (call $fma (local.get $r) (f64.const 0x1.1111167a4d017p-7) (f64.const 0x1.55555cf172b91p-5))
      (call $fma (local.get $r2) (call $fma (local.get $r) (f64.const 0x1.555555555543cp-3) (f64.const 0x1.ffffffffffdbdp-2))
        (f64.add (global.get $expTail) (local.get $r)))))
    (if (local.get $special) (then (return (call $expSpecial (local.get $tmp) (local.get $head) (local.get $e)))))
    (local.set $scale (f64.mul (local.get $head) (call $pow2 (local.get $e))))
    (call $fma (local.get $scale) (local.get $tmp) (local.get $scale)))

  ;; glibc's specialcase (512 <= |x| < 1024) — specialCase in libm.ts.
  (func $expSpecial (param $tmp f64) (param $head f64) (param $e i32) (result f64)
    (local $scale f64) (local $y f64) (local $lo f64) (local $hi f64)
    (if (i32.gt_s (local.get $e) (i32.const 0)) (then
      (local.set $scale (f64.mul (local.get $head) (call $pow2 (i32.sub (local.get $e) (i32.const 1009)))))
      (return (f64.mul (f64.const 0x1p1009) (call $fma (local.get $scale) (local.get $tmp) (local.get $scale))))))
    (local.set $scale (f64.mul (local.get $head) (call $pow2 (i32.add (local.get $e) (i32.const 1022)))))
    ;; not fused in glibc's build
    (local.set $y (f64.add (local.get $scale) (f64.mul (local.get $scale) (local.get $tmp))))
    (if (f64.lt (local.get $y) (f64.const 1)) (then
      (local.set $lo (call $fma (local.get $scale) (local.get $tmp) (f64.sub (local.get $scale) (local.get $y))))
      (local.set $hi (f64.add (f64.const 1) (local.get $y)))
      (local.set $lo (f64.add (f64.add (f64.sub (f64.const 1) (local.get $hi)) (local.get $y)) (local.get $lo)))
      (local.set $y (f64.sub (f64.add (local.get $hi) (local.get $lo)) (f64.const 1)))
      (if (f64.eq (local.get $y) (f64.const 0)) (then (local.set $y (f64.const 0))))))
    (f64.mul (f64.const 0x1p-1022) (local.get $y)))

  ;; BEGIN exp table (generated by estimators/scripts/make_exp_table.py; do not edit)
  (func $expTable (param $j i32) (result f64)
    (block $t127 (block $t126 (block $t125 (block $t124 (block $t123 (block $t122 (block $t121 (block $t120 (block $t119 (block $t118 (block $t117 (block $t116 (block $t115 (block $t114 (block $t113 (block $t112 (block $t111 (block $t110 (block $t109 (block $t108 (block $t107 (block $t106 (block $t105 (block $t104 (block $t103 (block $t102 (block $t101 (block $t100 (block $t99 (block $t98 (block $t97 (block $t96 (block $t95 (block $t94 (block $t93 (block $t92 (block $t91 (block $t90 (block $t89 (block $t88 (block $t87 (block $t86 (block $t85 (block $t84 (block $t83 (block $t82 (block $t81 (block $t80 (block $t79 (block $t78 (block $t77 (block $t76 (block $t75 (block $t74 (block $t73 (block $t72 (block $t71 (block $t70 (block $t69 (block $t68 (block $t67 (block $t66 (block $t65 (block $t64 (block $t63 (block $t62 (block $t61 (block $t60 (block $t59 (block $t58 (block $t57 (block $t56 (block $t55 (block $t54 (block $t53 (block $t52 (block $t51 (block $t50 (block $t49 (block $t48 (block $t47 (block $t46 (block $t45 (block $t44 (block $t43 (block $t42 (block $t41 (block $t40 (block $t39 (block $t38 (block $t37 (block $t36 (block $t35 (block $t34 (block $t33 (block $t32 (block $t31 (block $t30 (block $t29 (block $t28 (block $t27 (block $t26 (block $t25 (block $t24 (block $t23 (block $t22 (block $t21 (block $t20 (block $t19 (block $t18 (block $t17 (block $t16 (block $t15 (block $t14 (block $t13 (block $t12 (block $t11 (block $t10 (block $t9 (block $t8 (block $t7 (block $t6 (block $t5 (block $t4 (block $t3 (block $t2 (block $t1 (block $t0 
      (br_table $t0 $t1 $t2 $t3 $t4 $t5 $t6 $t7 $t8 $t9 $t10 $t11 $t12 $t13 $t14 $t15 $t16 $t17 $t18 $t19 $t20 $t21 $t22 $t23 $t24 $t25 $t26 $t27 $t28 $t29 $t30 $t31 $t32 $t33 $t34 $t35 $t36 $t37 $t38 $t39 $t40 $t41 $t42 $t43 $t44 $t45 $t46 $t47 $t48 $t49 $t50 $t51 $t52 $t53 $t54 $t55 $t56 $t57 $t58 $t59 $t60 $t61 $t62 $t63 $t64 $t65 $t66 $t67 $t68 $t69 $t70 $t71 $t72 $t73 $t74 $t75 $t76 $t77 $t78 $t79 $t80 $t81 $t82 $t83 $t84 $t85 $t86 $t87 $t88 $t89 $t90 $t91 $t92 $t93 $t94 $t95 $t96 $t97 $t98 $t99 $t100 $t101 $t102 $t103 $t104 $t105 $t106 $t107 $t108 $t109 $t110 $t111 $t112 $t113 $t114 $t115 $t116 $t117 $t118 $t119 $t120 $t121 $t122 $t123 $t124 $t125 $t126 $t127 (local.get $j))
    ) (global.set $expTail (f64.const 0x0.0p+0)) (return (f64.const 0x1.0000000000000p+0))
    ) (global.set $expTail (f64.const 0x1.b3b4f1a88bf6ep-54)) (return (f64.const 0x1.0163da9fb3335p+0))
    ) (global.set $expTail (f64.const -0x1.160139cd8dc5dp-56)) (return (f64.const 0x1.02c9a3e778061p+0))
    ) (global.set $expTail (f64.const -0x1.05e7a108766d1p-54)) (return (f64.const 0x1.04315e86e7f85p+0))
    ) (global.set $expTail (f64.const 0x1.cd2523567f613p-55)) (return (f64.const 0x1.059b0d3158574p+0))
    ) (global.set $expTail (f64.const -0x1.bce8023f98efap-55)) (return (f64.const 0x1.0706b29ddf6dep+0))
    ) (global.set $expTail (f64.const 0x1.0f74e61e6c861p-57)) (return (f64.const 0x1.0874518759bc8p+0))
    ) (global.set $expTail (f64.const 0x1.0a3e45b33d399p-54)) (return (f64.const 0x1.09e3ecac6f383p+0))
    ) (global.set $expTail (f64.const 0x1.79aa65d837b6dp-54)) (return (f64.const 0x1.0b5586cf9890fp+0))
    ) (global.set $expTail (f64.const 0x1.eb51a92fdeffcp-55)) (return (f64.const 0x1.0cc922b7247f7p+0))
    ) (global.set $expTail (f64.const 0x1.ebe3d702f9cd1p-60)) (return (f64.const 0x1.0e3ec32d3d1a2p+0))
    ) (global.set $expTail (f64.const -0x1.a033489906e0bp-57)) (return (f64.const 0x1.0fb66affed31bp+0))
    ) (global.set $expTail (f64.const -0x1.556522a2fbd0ep-54)) (return (f64.const 0x1.11301d0125b51p+0))
    ) (global.set $expTail (f64.const -0x1.080ef8c4eea55p-58)) (return (f64.const 0x1.12abdc06c31ccp+0))
    ) (global.set $expTail (f64.const -0x1.1c923b9d5f416p-54)) (return (f64.const 0x1.1429aaea92de0p+0))
    ) (global.set $expTail (f64.const 0x1.0d3e3e95c55afp-55)) (return (f64.const 0x1.15a98c8a58e51p+0))
    ) (global.set $expTail (f64.const -0x1.01b15eaa59348p-55)) (return (f64.const 0x1.172b83c7d517bp+0))
    ) (global.set $expTail (f64.const -0x1.f1ff055de323dp-55)) (return (f64.const 0x1.18af9388c8deap+0))
    ) (global.set $expTail (f64.const 0x1.b898c3f1353bfp-55)) (return (f64.const 0x1.1a35beb6fcb75p+0))
    ) (global.set $expTail (f64.const -0x1.6d99c7611eb26p-54)) (return (f64.const 0x1.1bbe084045cd4p+0))
    ) (global.set $expTail (f64.const 0x1.aecf73e3a2f60p-54)) (return (f64.const 0x1.1d4873168b9aap+0))
    ) (global.set $expTail (f64.const -0x1.fe782cb86389dp-55)) (return (f64.const 0x1.1ed5022fcd91dp+0))
    ) (global.set $expTail (f64.const 0x1.a6f4144a6c38dp-55)) (return (f64.const 0x1.2063b88628cd6p+0))
    ) (global.set $expTail (f64.const 0x1.07a05b0e4047dp-55)) (return (f64.const 0x1.21f49917ddc96p+0))
    ) (global.set $expTail (f64.const 0x1.68efde3a8a894p-54)) (return (f64.const 0x1.2387a6e756238p+0))
    ) (global.set $expTail (f64.const 0x1.75e18f274487dp-55)) (return (f64.const 0x1.251ce4fb2a63fp+0))
    ) (global.set $expTail (f64.const 0x1.0472b981fe7f2p-55)) (return (f64.const 0x1.26b4565e27cddp+0))
    ) (global.set $expTail (f64.const -0x1.6b87b3f71085ep-54)) (return (f64.const 0x1.284dfe1f56381p+0))
    ) (global.set $expTail (f64.const 0x1.2f7e16d09ab31p-55)) (return (f64.const 0x1.29e9df51fdee1p+0))
    ) (global.set $expTail (f64.const -0x1.d219b1a6fbffap-60)) (return (f64.const 0x1.2b87fd0dad990p+0))
    ) (global.set $expTail (f64.const 0x1.b3782720c0ab4p-55)) (return (f64.const 0x1.2d285a6e4030bp+0))
    ) (global.set $expTail (f64.const 0x1.e149289cecb8fp-57)) (return (f64.const 0x1.2ecafa93e2f56p+0))
    ) (global.set $expTail (f64.const 0x1.34d754db0abb6p-55)) (return (f64.const 0x1.306fe0a31b715p+0))
    ) (global.set $expTail (f64.const 0x1.64201e2ac744cp-55)) (return (f64.const 0x1.32170fc4cd831p+0))
    ) (global.set $expTail (f64.const 0x1.fdd395dd3f84ap-55)) (return (f64.const 0x1.33c08b26416ffp+0))
    ) (global.set $expTail (f64.const -0x1.6a3803b8e5b04p-55)) (return (f64.const 0x1.356c55f929ff1p+0))
    ) (global.set $expTail (f64.const -0x1.24aedcc4b5068p-54)) (return (f64.const 0x1.371a7373aa9cbp+0))
    ) (global.set $expTail (f64.const -0x1.907f81b512d8ep-54)) (return (f64.const 0x1.38cae6d05d866p+0))
    ) (global.set $expTail (f64.const -0x1.1d1e83e9436d2p-56)) (return (f64.const 0x1.3a7db34e59ff7p+0))
    ) (global.set $expTail (f64.const -0x1.91919b3ce1b15p-54)) (return (f64.const 0x1.3c32dc313a8e5p+0))
    ) (global.set $expTail (f64.const 0x1.59f48a72a4c6dp-55)) (return (f64.const 0x1.3dea64c123422p+0))
    ) (global.set $expTail (f64.const -0x1.312607a28698ap-54)) (return (f64.const 0x1.3fa4504ac801cp+0))
    ) (global.set $expTail (f64.const -0x1.8a78f4817895bp-58)) (return (f64.const 0x1.4160a21f72e2ap+0))
    ) (global.set $expTail (f64.const -0x1.c2c9b67499a1bp-56)) (return (f64.const 0x1.431f5d950a897p+0))
    ) (global.set $expTail (f64.const 0x1.363ed60c2ac11p-59)) (return (f64.const 0x1.44e086061892dp+0))
    ) (global.set $expTail (f64.const 0x1.666093b0664efp-54)) (return (f64.const 0x1.46a41ed1d0057p+0))
    ) (global.set $expTail (f64.const 0x1.ecce1daa10379p-57)) (return (f64.const 0x1.486a2b5c13cd0p+0))
    ) (global.set $expTail (f64.const 0x1.3ff8e3f0f1230p-54)) (return (f64.const 0x1.4a32af0d7d3dep+0))
    ) (global.set $expTail (f64.const 0x1.690cebb7aafb0p-56)) (return (f64.const 0x1.4bfdad5362a27p+0))
    ) (global.set $expTail (f64.const 0x1.31dbdeb54e077p-54)) (return (f64.const 0x1.4dcb299fddd0dp+0))
    ) (global.set $expTail (f64.const -0x1.f94340071a38ep-55)) (return (f64.const 0x1.4f9b2769d2ca7p+0))
    ) (global.set $expTail (f64.const -0x1.7deccdc93a349p-55)) (return (f64.const 0x1.516daa2cf6642p+0))
    ) (global.set $expTail (f64.const -0x1.8dec6bd0f385fp-56)) (return (f64.const 0x1.5342b569d4f82p+0))
    ) (global.set $expTail (f64.const -0x1.61246ec7b5cf6p-55)) (return (f64.const 0x1.551a4ca5d920fp+0))
    ) (global.set $expTail (f64.const 0x1.3350518fdd78ep-54)) (return (f64.const 0x1.56f4736b527dap+0))
    ) (global.set $expTail (f64.const 0x1.b98b72f8a9b05p-56)) (return (f64.const 0x1.58d12d497c7fdp+0))
    ) (global.set $expTail (f64.const 0x1.063e1e21c5409p-54)) (return (f64.const 0x1.5ab07dd485429p+0))
    ) (global.set $expTail (f64.const 0x1.4c7855019c6eap-60)) (return (f64.const 0x1.5c9268a5946b7p+0))
    ) (global.set $expTail (f64.const 0x1.432e62b64c035p-54)) (return (f64.const 0x1.5e76f15ad2148p+0))
    ) (global.set $expTail (f64.const -0x1.ce44a6199769fp-55)) (return (f64.const 0x1.605e1b976dc09p+0))
    ) (global.set $expTail (f64.const -0x1.c33c53bef4da8p-55)) (return (f64.const 0x1.6247eb03a5585p+0))
    ) (global.set $expTail (f64.const -0x1.45378892be9aep-55)) (return (f64.const 0x1.6434634ccc320p+0))
    ) (global.set $expTail (f64.const -0x1.3cedd78565858p-54)) (return (f64.const 0x1.6623882552225p+0))
    ) (global.set $expTail (f64.const 0x1.710aa807e1964p-58)) (return (f64.const 0x1.68155d44ca973p+0))
    ) (global.set $expTail (f64.const -0x1.3b3efbf5e2228p-54)) (return (f64.const 0x1.6a09e667f3bcdp+0))
    ) (global.set $expTail (f64.const -0x1.a12ad8734b982p-57)) (return (f64.const 0x1.6c012750bdabfp+0))
    ) (global.set $expTail (f64.const -0x1.367efb86da9eep-57)) (return (f64.const 0x1.6dfb23c651a2fp+0))
    ) (global.set $expTail (f64.const -0x1.0dc3d54e08851p-55)) (return (f64.const 0x1.6ff7df9519484p+0))
    ) (global.set $expTail (f64.const -0x1.81f647e5a3ecfp-56)) (return (f64.const 0x1.71f75e8ec5f74p+0))
    ) (global.set $expTail (f64.const -0x1.6ee4ac08b7db0p-55)) (return (f64.const 0x1.73f9a48a58174p+0))
    ) (global.set $expTail (f64.const -0x1.619321e55e68ap-55)) (return (f64.const 0x1.75feb564267c9p+0))
    ) (global.set $expTail (f64.const 0x1.09ccb5e09d4d3p-54)) (return (f64.const 0x1.780694fde5d3fp+0))
    ) (global.set $expTail (f64.const -0x1.b32dcb94da51dp-56)) (return (f64.const 0x1.7a11473eb0187p+0))
    ) (global.set $expTail (f64.const 0x1.4ecfd5467c06bp-54)) (return (f64.const 0x1.7c1ed0130c132p+0))
    ) (global.set $expTail (f64.const 0x1.5ebe1abd66c55p-57)) (return (f64.const 0x1.7e2f336cf4e62p+0))
    ) (global.set $expTail (f64.const -0x1.8a1c52fb3cf42p-55)) (return (f64.const 0x1.80427543e1a12p+0))
    ) (global.set $expTail (f64.const -0x1.369b6f13b3734p-54)) (return (f64.const 0x1.82589994cce13p+0))
    ) (global.set $expTail (f64.const -0x1.05e843a19ff1ep-55)) (return (f64.const 0x1.8471a4623c7adp+0))
    ) (global.set $expTail (f64.const -0x1.4d450d872576ep-54)) (return (f64.const 0x1.868d99b4492edp+0))
    ) (global.set $expTail (f64.const 0x1.0ad675b0e8a00p-54)) (return (f64.const 0x1.88ac7d98a6699p+0))
    ) (global.set $expTail (f64.const 0x1.db72fc1f0eab4p-55)) (return (f64.const 0x1.8ace5422aa0dbp+0))
    ) (global.set $expTail (f64.const -0x1.5b6609cc5e7ffp-57)) (return (f64.const 0x1.8cf3216b5448cp+0))
    ) (global.set $expTail (f64.const 0x1.bf68359f35f44p-56)) (return (f64.const 0x1.8f1ae99157736p+0))
    ) (global.set $expTail (f64.const -0x1.3091fa71e3d83p-54)) (return (f64.const 0x1.9145b0b91ffc6p+0))
    ) (global.set $expTail (f64.const -0x1.da9b88b6c1e29p-58)) (return (f64.const 0x1.93737b0cdc5e5p+0))
    ) (global.set $expTail (f64.const -0x1.c23f97c90b959p-57)) (return (f64.const 0x1.95a44cbc8520fp+0))
    ) (global.set $expTail (f64.const -0x1.2434322f4f9aap-54)) (return (f64.const 0x1.97d829fde4e50p+0))
    ) (global.set $expTail (f64.const -0x1.5ca6cd7668e4bp-55)) (return (f64.const 0x1.9a0f170ca07bap+0))
    ) (global.set $expTail (f64.const 0x1.1affc2b91ce27p-56)) (return (f64.const 0x1.9c49182a3f090p+0))
    ) (global.set $expTail (f64.const 0x1.dd235e10a73bbp-57)) (return (f64.const 0x1.9e86319e32323p+0))
    ) (global.set $expTail (f64.const -0x1.7c50422622263p-55)) (return (f64.const 0x1.a0c667b5de565p+0))
    ) (global.set $expTail (f64.const 0x1.b1c86e3e231d5p-55)) (return (f64.const 0x1.a309bec4a2d33p+0))
    ) (global.set $expTail (f64.const -0x1.1bbd1d3bcbb15p-54)) (return (f64.const 0x1.a5503b23e255dp+0))
    ) (global.set $expTail (f64.const 0x1.0cc319cee31d2p-54)) (return (f64.const 0x1.a799e1330b358p+0))
    ) (global.set $expTail (f64.const 0x1.469846e735ab3p-55)) (return (f64.const 0x1.a9e6b5579fdbfp+0))
    ) (global.set $expTail (f64.const -0x1.2dfcd978e9db4p-55)) (return (f64.const 0x1.ac36bbfd3f37ap+0))
    ) (global.set $expTail (f64.const 0x1.c1a7792cb3387p-55)) (return (f64.const 0x1.ae89f995ad3adp+0))
    ) (global.set $expTail (f64.const -0x1.07b8f4ad1d9fap-54)) (return (f64.const 0x1.b0e07298db666p+0))
    ) (global.set $expTail (f64.const -0x1.5c3d956dcaebap-58)) (return (f64.const 0x1.b33a2b84f15fbp+0))
    ) (global.set $expTail (f64.const -0x1.0a40e3da6f640p-54)) (return (f64.const 0x1.b59728de5593ap+0))
    ) (global.set $expTail (f64.const -0x1.8d6f438ad9334p-57)) (return (f64.const 0x1.b7f76f2fb5e47p+0))
    ) (global.set $expTail (f64.const -0x1.1eee26b588a35p-54)) (return (f64.const 0x1.ba5b030a1064ap+0))
    ) (global.set $expTail (f64.const 0x1.4ffd70a5fddcdp-56)) (return (f64.const 0x1.bcc1e904bc1d2p+0))
    ) (global.set $expTail (f64.const -0x1.1bdfbfa9298acp-54)) (return (f64.const 0x1.bf2c25bd71e09p+0))
    ) (global.set $expTail (f64.const 0x1.36eae30af0cb3p-56)) (return (f64.const 0x1.c199bdd85529cp+0))
    ) (global.set $expTail (f64.const 0x1.ee3325c9ffd94p-55)) (return (f64.const 0x1.c40ab5fffd07ap+0))
    ) (global.set $expTail (f64.const 0x1.4e08fd10959acp-55)) (return (f64.const 0x1.c67f12e57d14bp+0))
    ) (global.set $expTail (f64.const 0x1.3cdaf384e1a67p-57)) (return (f64.const 0x1.c8f6d9406e7b5p+0))
    ) (global.set $expTail (f64.const 0x1.76b2c6c921968p-57)) (return (f64.const 0x1.cb720dcef9069p+0))
    ) (global.set $expTail (f64.const -0x1.08a1883ccb5d2p-55)) (return (f64.const 0x1.cdf0b555dc3fap+0))
    ) (global.set $expTail (f64.const -0x1.fad5d3ffffa6fp-55)) (return (f64.const 0x1.d072d4a07897cp+0))
    ) (global.set $expTail (f64.const -0x1.00dae3875a949p-54)) (return (f64.const 0x1.d2f87080d89f2p+0))
    ) (global.set $expTail (f64.const 0x1.4a385a63d07a7p-56)) (return (f64.const 0x1.d5818dcfba487p+0))
    ) (global.set $expTail (f64.const -0x1.2919e2040220fp-55)) (return (f64.const 0x1.d80e316c98398p+0))
    ) (global.set $expTail (f64.const 0x1.e5a50d5c192acp-55)) (return (f64.const 0x1.da9e603db3285p+0))
    ) (global.set $expTail (f64.const 0x1.43a59ac016b4bp-55)) (return (f64.const 0x1.dd321f301b460p+0))
    ) (global.set $expTail (f64.const -0x1.2d52107b43e1fp-55)) (return (f64.const 0x1.dfc97337b9b5fp+0))
    ) (global.set $expTail (f64.const -0x1.92ab93b470dc9p-55)) (return (f64.const 0x1.e264614f5a129p+0))
    ) (global.set $expTail (f64.const 0x1.4b604603a88d3p-56)) (return (f64.const 0x1.e502ee78b3ff6p+0))
    ) (global.set $expTail (f64.const 0x1.3c5ec519d7271p-55)) (return (f64.const 0x1.e7a51fbc74c83p+0))
    ) (global.set $expTail (f64.const -0x1.ff7128fd391f0p-55)) (return (f64.const 0x1.ea4afa2a490dap+0))
    ) (global.set $expTail (f64.const -0x1.dae98e223747dp-55)) (return (f64.const 0x1.ecf482d8e67f1p+0))
    ) (global.set $expTail (f64.const 0x1.ec3bc41aa2008p-55)) (return (f64.const 0x1.efa1bee615a27p+0))
    ) (global.set $expTail (f64.const 0x1.42b94c3a9eb32p-55)) (return (f64.const 0x1.f252b376bba97p+0))
    ) (global.set $expTail (f64.const 0x1.a64a931d185eep-55)) (return (f64.const 0x1.f50765b6e4540p+0))
    ) (global.set $expTail (f64.const -0x1.e37bae43be3edp-55)) (return (f64.const 0x1.f7bfdad9cbe14p+0))
    ) (global.set $expTail (f64.const 0x1.7893b4d91cd9dp-56)) (return (f64.const 0x1.fa7c1819e90d8p+0))
    ) (global.set $expTail (f64.const 0x1.305c14160cc89p-58)) (return (f64.const 0x1.fd3c22b8f71f1p+0)))
  ;; END exp table

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
