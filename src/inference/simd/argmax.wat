;; Argmax over classes with 128-bit SIMD (src/inference/label_map.ts): per pixel, the first class
;; whose score is strictly greater than every earlier class's, as the JS loop decides it (a NaN
;; never wins, ties keep the earlier class). Assembled by scripts/build_wasm.mjs into
;; argmax_wasm.ts; the module owns its memory, which the JS side grows and fills.
(module
  (memory (export "memory") 1)

  ;; n pixels (a multiple of 16) of C class planes of f32, plane k at src + k * stride bytes; one
  ;; class id byte per pixel to dst. Sixteen pixels at a time: four running maxima and their class
  ;; ids, which a strict compare replaces lane by lane.
  (func (export "argmax") (param $src i32) (param $stride i32) (param $n i32) (param $C i32) (param $dst i32)
    (local $p i32) (local $k i32) (local $q i32)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $i0 v128) (local $i1 v128) (local $i2 v128) (local $i3 v128)
    (local $v v128) (local $m v128) (local $kk v128)
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
        (local.set $q (i32.add (local.get $src) (i32.shl (local.get $p) (i32.const 2))))
        (local.set $b0 (v128.load (local.get $q)))
        (local.set $b1 (v128.load offset=16 (local.get $q)))
        (local.set $b2 (v128.load offset=32 (local.get $q)))
        (local.set $b3 (v128.load offset=48 (local.get $q)))
        (local.set $i0 (v128.const i32x4 0 0 0 0))
        (local.set $i1 (v128.const i32x4 0 0 0 0))
        (local.set $i2 (v128.const i32x4 0 0 0 0))
        (local.set $i3 (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 1))
        (block $classes_done
          (loop $class
            (br_if $classes_done (i32.ge_u (local.get $k) (local.get $C)))
            (local.set $q (i32.add (local.get $q) (local.get $stride)))
            (local.set $kk (i32x4.splat (local.get $k)))
            (local.set $v (v128.load (local.get $q)))
            (local.set $m (f32x4.gt (local.get $v) (local.get $b0)))
            (local.set $b0 (v128.bitselect (local.get $v) (local.get $b0) (local.get $m)))
            (local.set $i0 (v128.bitselect (local.get $kk) (local.get $i0) (local.get $m)))
            (local.set $v (v128.load offset=16 (local.get $q)))
            (local.set $m (f32x4.gt (local.get $v) (local.get $b1)))
            (local.set $b1 (v128.bitselect (local.get $v) (local.get $b1) (local.get $m)))
            (local.set $i1 (v128.bitselect (local.get $kk) (local.get $i1) (local.get $m)))
            (local.set $v (v128.load offset=32 (local.get $q)))
            (local.set $m (f32x4.gt (local.get $v) (local.get $b2)))
            (local.set $b2 (v128.bitselect (local.get $v) (local.get $b2) (local.get $m)))
            (local.set $i2 (v128.bitselect (local.get $kk) (local.get $i2) (local.get $m)))
            (local.set $v (v128.load offset=48 (local.get $q)))
            (local.set $m (f32x4.gt (local.get $v) (local.get $b3)))
            (local.set $b3 (v128.bitselect (local.get $v) (local.get $b3) (local.get $m)))
            (local.set $i3 (v128.bitselect (local.get $kk) (local.get $i3) (local.get $m)))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $class)))
        ;; Ids are < 256: the unsigned narrowings keep them as they are.
        (v128.store (i32.add (local.get $dst) (local.get $p))
          (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_u (local.get $i0) (local.get $i1))
                                (i16x8.narrow_i32x4_u (local.get $i2) (local.get $i3))))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $block))))
)
