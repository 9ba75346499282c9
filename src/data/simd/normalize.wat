;; Network input from 8-bit RGB (src/data/normalize.ts) with 128-bit SIMD: each sample v of source
;; channel k becomes (v / 255 - mean_k) / std_k, each step rounded to f32, the value the JS lookup
;; tables hold (computed in double and rounded once per step, which for one division or subtraction
;; of f32 values gives the same f32). Assembled by scripts/build_wasm.mjs into normalize_wasm.ts;
;; the module owns its memory, which the JS side grows and fills.
(module
  (memory (export "memory") 1)

  ;; Four samples (i32 lanes) normalised.
  (func $norm4 (param $i v128) (param $mean v128) (param $std v128) (result v128)
    (f32x4.div
      (f32x4.sub
        (f32x4.div (f32x4.convert_i32x4_u (local.get $i)) (v128.const f32x4 255 255 255 255))
        (local.get $mean))
      (local.get $std)))

  ;; Sixteen samples of one channel (u8 lanes) normalised to 16 f32 at dst.
  (func $band (param $v v128) (param $dst i32) (param $mean v128) (param $std v128)
    (local $h v128)
    (local.set $h (i16x8.extend_low_i8x16_u (local.get $v)))
    (v128.store (local.get $dst) (call $norm4 (i32x4.extend_low_i16x8_u (local.get $h)) (local.get $mean) (local.get $std)))
    (v128.store offset=16 (local.get $dst) (call $norm4 (i32x4.extend_high_i16x8_u (local.get $h)) (local.get $mean) (local.get $std)))
    (local.set $h (i16x8.extend_high_i8x16_u (local.get $v)))
    (v128.store offset=32 (local.get $dst) (call $norm4 (i32x4.extend_low_i16x8_u (local.get $h)) (local.get $mean) (local.get $std)))
    (v128.store offset=48 (local.get $dst) (call $norm4 (i32x4.extend_high_i16x8_u (local.get $h)) (local.get $mean) (local.get $std))))

  ;; n pixels (a multiple of 16) of interleaved RGB at src -> one f32 plane per source channel, at
  ;; d0, d1, d2, each channel with its own mean and std. Sixteen pixels (48 bytes) at a time: each
  ;; channel's bytes gathered from the three loads by swizzles (an index over 15 gives 0) and ORed.
  (func (export "normalize") (param $src i32) (param $n i32) (param $d0 i32) (param $d1 i32) (param $d2 i32)
    (param $m0 f32) (param $s0 f32) (param $m1 f32) (param $s1 f32) (param $m2 f32) (param $s2 f32)
    (local $p i32) (local $q i32) (local $o i32)
    (local $a v128) (local $b v128) (local $c v128)
    (local $M0 v128) (local $S0 v128) (local $M1 v128) (local $S1 v128) (local $M2 v128) (local $S2 v128)
    (local.set $M0 (f32x4.splat (local.get $m0))) (local.set $S0 (f32x4.splat (local.get $s0)))
    (local.set $M1 (f32x4.splat (local.get $m1))) (local.set $S1 (f32x4.splat (local.get $s1)))
    (local.set $M2 (f32x4.splat (local.get $m2))) (local.set $S2 (f32x4.splat (local.get $s2)))
    (block $done
      (loop $pixels
        (br_if $done (i32.ge_u (local.get $p) (local.get $n)))
        (local.set $q (i32.add (local.get $src) (i32.mul (local.get $p) (i32.const 3))))
        (local.set $a (v128.load (local.get $q)))
        (local.set $b (v128.load offset=16 (local.get $q)))
        (local.set $c (v128.load offset=32 (local.get $q)))
        (local.set $o (i32.shl (local.get $p) (i32.const 2)))
        (call $band
          (v128.or (v128.or
            (i8x16.swizzle (local.get $a) (v128.const i8x16 0 3 6 9 12 15 255 255 255 255 255 255 255 255 255 255))
            (i8x16.swizzle (local.get $b) (v128.const i8x16 255 255 255 255 255 255 2 5 8 11 14 255 255 255 255 255)))
            (i8x16.swizzle (local.get $c) (v128.const i8x16 255 255 255 255 255 255 255 255 255 255 255 1 4 7 10 13)))
          (i32.add (local.get $d0) (local.get $o)) (local.get $M0) (local.get $S0))
        (call $band
          (v128.or (v128.or
            (i8x16.swizzle (local.get $a) (v128.const i8x16 1 4 7 10 13 255 255 255 255 255 255 255 255 255 255 255))
            (i8x16.swizzle (local.get $b) (v128.const i8x16 255 255 255 255 255 0 3 6 9 12 15 255 255 255 255 255)))
            (i8x16.swizzle (local.get $c) (v128.const i8x16 255 255 255 255 255 255 255 255 255 255 255 2 5 8 11 14)))
          (i32.add (local.get $d1) (local.get $o)) (local.get $M1) (local.get $S1))
        (call $band
          (v128.or (v128.or
            (i8x16.swizzle (local.get $a) (v128.const i8x16 2 5 8 11 14 255 255 255 255 255 255 255 255 255 255 255))
            (i8x16.swizzle (local.get $b) (v128.const i8x16 255 255 255 255 255 1 4 7 10 13 255 255 255 255 255 255)))
            (i8x16.swizzle (local.get $c) (v128.const i8x16 255 255 255 255 255 255 255 255 255 255 0 3 6 9 12 15)))
          (i32.add (local.get $d2) (local.get $o)) (local.get $M2) (local.get $S2))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $pixels))))
)
