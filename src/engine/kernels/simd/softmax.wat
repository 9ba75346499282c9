;; Softmax over the rows of a float32 matrix on the TF.js wasm heap, with 128-bit SIMD: one pass per
;; row that stays in cache (max, exponentials, sum, scale) where TF.js's logSoftmax makes six full
;; passes over the scores. kernels/softmax_ce.ts calls it for the cross-entropy loss and writes
;; each pixel's loss from the row's max and sum; test/engine/engine-kernels.test.ts checks it
;; against tfjs-core on the cpu backend. Pointers are byte offsets into the imported memory.
(module
  (import "env" "memory" (memory 1))

  ;; include ../../../util/simd/exp4.watinc

  ;; out[r, :] = softmax(z[r, :]) over `rows` rows of c floats; stats[2r] = the row's max,
  ;; stats[2r + 1] = the sum of e^(z - max) (log-sum-exp = max + log(sum)).
  (func (export "softmaxRows") (param $z i32) (param $out i32) (param $stats i32) (param $rows i32) (param $c i32)
    (local $row i32) (local $i i32) (local $c4 i32) (local $pz i32) (local $po i32)
    (local $max f32) (local $sum f32) (local $e f32) (local $inv f32)
    (local $mv v128) (local $sv v128) (local $ev v128)
    (local.set $c4 (i32.and (local.get $c) (i32.const -4)))
    (block $done
      (loop $rows_loop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $pz (i32.add (local.get $z) (i32.mul (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))
        (local.set $po (i32.add (local.get $out) (i32.mul (local.get $row) (i32.shl (local.get $c) (i32.const 2)))))
        ;; max
        (local.set $max (f32.load (local.get $pz)))
        (local.set $i (i32.const 1))
        (block $max_done
          (loop $max_loop
            (br_if $max_done (i32.ge_u (local.get $i) (local.get $c)))
            (local.set $max (f32.max (local.get $max) (f32.load (i32.add (local.get $pz) (i32.shl (local.get $i) (i32.const 2))))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $max_loop)))
        (local.set $mv (f32x4.splat (local.get $max)))
        ;; exponentials, 4 at a time, then the tail one by one
        (local.set $sv (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.ge_u (local.get $i) (local.get $c4)))
            (local.set $ev (call $exp4 (f32x4.sub (v128.load (i32.add (local.get $pz) (i32.shl (local.get $i) (i32.const 2)))) (local.get $mv))))
            (v128.store (i32.add (local.get $po) (i32.shl (local.get $i) (i32.const 2))) (local.get $ev))
            (local.set $sv (f32x4.add (local.get $sv) (local.get $ev)))
            (local.set $i (i32.add (local.get $i) (i32.const 4)))
            (br $vec)))
        (local.set $sum (f32.add (f32.add (f32x4.extract_lane 0 (local.get $sv)) (f32x4.extract_lane 1 (local.get $sv)))
          (f32.add (f32x4.extract_lane 2 (local.get $sv)) (f32x4.extract_lane 3 (local.get $sv)))))
        (block $tail_done
          (loop $tail
            (br_if $tail_done (i32.ge_u (local.get $i) (local.get $c)))
            (local.set $e (f32x4.extract_lane 0 (call $exp4 (f32x4.splat
              (f32.sub (f32.load (i32.add (local.get $pz) (i32.shl (local.get $i) (i32.const 2)))) (local.get $max))))))
            (f32.store (i32.add (local.get $po) (i32.shl (local.get $i) (i32.const 2))) (local.get $e))
            (local.set $sum (f32.add (local.get $sum) (local.get $e)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tail)))
        ;; scale to probabilities
        (local.set $inv (f32.div (f32.const 1) (local.get $sum)))
        (local.set $i (i32.const 0))
        (block $scale_done
          (loop $scale
            (br_if $scale_done (i32.ge_u (local.get $i) (local.get $c)))
            (f32.store (i32.add (local.get $po) (i32.shl (local.get $i) (i32.const 2)))
              (f32.mul (f32.load (i32.add (local.get $po) (i32.shl (local.get $i) (i32.const 2)))) (local.get $inv)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $scale)))
        (f32.store (i32.add (local.get $stats) (i32.shl (local.get $row) (i32.const 3))) (local.get $max))
        (f32.store (i32.add (local.get $stats) (i32.add (i32.shl (local.get $row) (i32.const 3)) (i32.const 4))) (local.get $sum))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows_loop))))
)
