;; Pillow's BILINEAR resize passes (src/data/pillow_resize.ts) over 8-bit RGB with 128-bit SIMD: the
;; same 22-bit fixed-point weights and integer sums as Pillow, so the same bytes. Assembled by
;; scripts/build_wasm.mjs into resize_wasm.ts; the module owns its memory, which the JS side grows
;; and fills (pointers are byte offsets into it). Weights are >= 0 and sums stay below 2^31, so
;; an arithmetic shift and a min with 255 are Pillow's clip.
(module
  (memory (export "memory") 1)

  ;; The 8-bit result of four fixed-point sums: (v >> 22) clipped to 255, packed into the low bytes.
  (func $pack4 (param $v v128) (result v128)
    (local $c v128)
    (local.set $c (i32x4.min_s (i32x4.shr_s (local.get $v) (i32.const 22)) (i32x4.splat (i32.const 255))))
    (i8x16.narrow_i16x8_u (i16x8.narrow_i32x4_u (local.get $c) (local.get $c)) (i16x8.narrow_i32x4_u (local.get $c) (local.get $c))))

  ;; Horizontal pass: rows x (w -> ow) pixels of 3 bytes. One pixel's three channels are lanes 0-2
  ;; (lane 3 is the next pixel's red, computed and then overwritten): each tap is one 4-byte load
  ;; widened to i32x4. Per output x: bounds[2x] = first source pixel, bounds[2x+1] = tap count,
  ;; weights[x * taps + k]. Reads 1 byte past the last source pixel and writes 1 byte past the last
  ;; output pixel: the caller leaves room.
  (func (export "hpass") (param $src i32) (param $w i32) (param $rows i32) (param $dst i32) (param $ow i32)
                          (param $bounds i32) (param $weights i32) (param $taps i32)
    (local $y i32) (local $x i32) (local $k i32) (local $n i32) (local $q i32) (local $wp i32) (local $o i32)
    (local $acc v128)
    (local.set $o (local.get $dst))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $rows)))
        (local.set $x (i32.const 0))
        (loop $pixel
          (local.set $n (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $x) (i32.const 3)))))
          (local.set $q (i32.add (local.get $src)
            (i32.mul (i32.add (i32.mul (local.get $y) (local.get $w))
                              (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $x) (i32.const 3)))))
                     (i32.const 3))))
          (local.set $wp (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $x) (local.get $taps)) (i32.const 2))))
          (local.set $acc (i32x4.splat (i32.const 0x200000)))
          (local.set $k (local.get $n))
          (block $taps_done
            (loop $tap
              (br_if $taps_done (i32.eqz (local.get $k)))
              (local.set $acc (i32x4.add (local.get $acc)
                (i32x4.mul (i32x4.extend_low_i16x8_u (i16x8.extend_low_i8x16_u (v128.load32_zero (local.get $q))))
                           (v128.load32_splat (local.get $wp)))))
              (local.set $q (i32.add (local.get $q) (i32.const 3)))
              (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
              (local.set $k (i32.sub (local.get $k) (i32.const 1)))
              (br $tap)))
          (v128.store32_lane 0 (local.get $o) (call $pack4 (local.get $acc)))
          (local.set $o (i32.add (local.get $o) (i32.const 3)))
          (local.set $x (i32.add (local.get $x) (i32.const 1)))
          (br_if $pixel (i32.lt_u (local.get $x) (local.get $ow))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row))))

  ;; Vertical pass: oh output rows of len bytes (len >= 16), each a weighted sum of source rows.
  ;; Sixteen bytes at a time, four i32x4 sums; the last block of a row starts at len - 16 (it
  ;; recomputes a few bytes, to the same values). bounds[2y] = first source row, bounds[2y+1] =
  ;; tap count, weights[y * taps + k].
  (func (export "vpass") (param $src i32) (param $len i32) (param $dst i32) (param $oh i32)
                          (param $bounds i32) (param $weights i32) (param $taps i32)
    (local $y i32) (local $i i32) (local $k i32) (local $n i32) (local $q i32) (local $wp i32) (local $row i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v v128) (local $h v128) (local $wk v128)
    (block $rows_done
      (loop $out_row
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $oh)))
        (local.set $row (i32.add (local.get $src)
          (i32.mul (i32.load (i32.add (local.get $bounds) (i32.shl (local.get $y) (i32.const 3)))) (local.get $len))))
        (local.set $n (i32.load offset=4 (i32.add (local.get $bounds) (i32.shl (local.get $y) (i32.const 3)))))
        (local.set $i (i32.const 0))
        (block $blocks_done
          (loop $block
            (br_if $blocks_done (i32.ge_u (local.get $i) (local.get $len)))
            (if (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $len))
              (then (local.set $i (i32.sub (local.get $len) (i32.const 16)))))
            (local.set $a0 (i32x4.splat (i32.const 0x200000)))
            (local.set $a1 (local.get $a0)) (local.set $a2 (local.get $a0)) (local.set $a3 (local.get $a0))
            (local.set $q (i32.add (local.get $row) (local.get $i)))
            (local.set $wp (i32.add (local.get $weights) (i32.shl (i32.mul (local.get $y) (local.get $taps)) (i32.const 2))))
            (local.set $k (local.get $n))
            (block $taps_done
              (loop $tap
                (br_if $taps_done (i32.eqz (local.get $k)))
                (local.set $v (v128.load (local.get $q)))
                (local.set $wk (v128.load32_splat (local.get $wp)))
                (local.set $h (i16x8.extend_low_i8x16_u (local.get $v)))
                (local.set $a0 (i32x4.add (local.get $a0) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $h)) (local.get $wk))))
                (local.set $a1 (i32x4.add (local.get $a1) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $h)) (local.get $wk))))
                (local.set $h (i16x8.extend_high_i8x16_u (local.get $v)))
                (local.set $a2 (i32x4.add (local.get $a2) (i32x4.mul (i32x4.extend_low_i16x8_u (local.get $h)) (local.get $wk))))
                (local.set $a3 (i32x4.add (local.get $a3) (i32x4.mul (i32x4.extend_high_i16x8_u (local.get $h)) (local.get $wk))))
                (local.set $q (i32.add (local.get $q) (local.get $len)))
                (local.set $wp (i32.add (local.get $wp) (i32.const 4)))
                (local.set $k (i32.sub (local.get $k) (i32.const 1)))
                (br $tap)))
            (v128.store (i32.add (local.get $dst) (i32.add (i32.mul (local.get $y) (local.get $len)) (local.get $i)))
              (call $narrow16 (local.get $a0) (local.get $a1) (local.get $a2) (local.get $a3)))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $block)))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $out_row))))

  ;; Sixteen 8-bit results from four i32x4 fixed-point sums (in order).
  (func $narrow16 (param $a0 v128) (param $a1 v128) (param $a2 v128) (param $a3 v128) (result v128)
    (local $max v128)
    (local.set $max (i32x4.splat (i32.const 255)))
    (i8x16.narrow_i16x8_u
      (i16x8.narrow_i32x4_u (i32x4.min_s (i32x4.shr_s (local.get $a0) (i32.const 22)) (local.get $max))
                            (i32x4.min_s (i32x4.shr_s (local.get $a1) (i32.const 22)) (local.get $max)))
      (i16x8.narrow_i32x4_u (i32x4.min_s (i32x4.shr_s (local.get $a2) (i32.const 22)) (local.get $max))
                            (i32x4.min_s (i32x4.shr_s (local.get $a3) (i32.const 22)) (local.get $max))))))
