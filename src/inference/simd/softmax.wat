;; Softmax over classes, quantised to 0..255, with 128-bit SIMD (src/inference/label_map.ts's
;; probabilities8): per pixel, each class's round(255 * exp(s - max) / sum of exp(s - max)), Math.round's
;; way (halves up). The exponential is single precision (util/simd/exp4_body.watinc, Cephes' expf,
;; relative error about 2e-7), so a value may round the other way
;; than the double-precision JS loop where the exact value lies within about 1e-4 of a half.
;; A pixel with a NaN score gets 0 for every class, as the JS loop gives it. Assembled by
;; scripts/build_wasm.mjs into softmax_wasm.ts; the module owns its memory, which the JS side grows
;; and fills.
(module
  (memory (export "memory") 1)

  ;; n pixels (a multiple of 4) of C class planes of f32, plane k at src + k * stride bytes (the
  ;; exponentials are written over them); one byte per class and pixel to dst + k * dstStride.
  (func (export "softmax8") (param $src i32) (param $stride i32) (param $n i32) (param $C i32) (param $dst i32) (param $dstStride i32)
    (local $p i32) (local $k i32) (local $q i32) (local $o i32)
    (local $max v128) (local $v v128) (local $x v128) (local $ex v128) (local $en v128) (local $et v128) (local $er v128) (local $m v128) (local $z v128) (local $scale v128)
    (block $done
      (loop $pixels
        (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
        ;; The largest score (a NaN never wins, as in the JS loop's strict compare).
        (local.set $q (i32.add (local.get $src) (i32.shl (local.get $p) (i32.const 2))))
        (local.set $max (v128.load (local.get $q)))
        (local.set $k (i32.const 1))
        (block $max_done
          (loop $max_loop
            (br_if $max_done (i32.ge_u (local.get $k) (local.get $C)))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (local.set $v (v128.load (local.get $q)))
            (local.set $m (f32x4.gt (local.get $v) (local.get $max)))
            (local.set $max (v128.bitselect (local.get $v) (local.get $max) (local.get $m)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $max_loop)))
        ;; The exponentials and their sum.
        (local.set $q (i32.add (local.get $src) (i32.shl (local.get $p) (i32.const 2))))
        (local.set $z (v128.const f32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $exp_done
          (loop $exp_loop
            (br_if $exp_done (i32.ge_u (local.get $k) (local.get $C)))
            (local.set $x (f32x4.sub (v128.load (local.get $q)) (local.get $max)))
            ;; include ../../util/simd/exp4_body.watinc
            (v128.store (local.get $q) (local.get $ex))
            (local.set $z (f32x4.add (local.get $z) (local.get $ex)))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $exp_loop)))
        ;; floor(255 * e / z + 0.5) per class, a whole number from 0 to 255: plus 2^23 it is the
        ;; low byte of the sum's bits (a NaN lane's low byte is 0), without V8's several
        ;; instructions for a saturating conversion.
        (local.set $scale (f32x4.div (v128.const f32x4 255 255 255 255) (local.get $z)))
        (local.set $q (i32.add (local.get $src) (i32.shl (local.get $p) (i32.const 2))))
        (local.set $o (i32.add (local.get $dst) (local.get $p)))
        (local.set $k (i32.const 0))
        (block $out_done
          (loop $out_loop
            (br_if $out_done (i32.ge_u (local.get $k) (local.get $C)))
            (local.set $v (v128.and
              (f32x4.add (f32x4.floor (f32x4.add (f32x4.mul (v128.load (local.get $q)) (local.get $scale)) (v128.const f32x4 0.5 0.5 0.5 0.5)))
                (v128.const f32x4 8388608 8388608 8388608 8388608))
              (v128.const i32x4 255 255 255 255)))
            ;; 0..255 (the product is at most 255.5 before the floor): the narrowings keep the values.
            (local.set $v (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_s (local.get $v) (local.get $v)) (local.get $v)))
            (v128.store32_lane 0 (local.get $o) (local.get $v))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (local.set $o (i32.add (local.get $o) (local.get $dstStride)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $out_loop)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $pixels))))
)
