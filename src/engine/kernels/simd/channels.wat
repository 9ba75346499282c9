;; Per-channel passes over channels-last float32 tensors on the TF.js wasm heap, with 128-bit SIMD
;; (4 channels per lane group): BatchNorm's statistics and affine maps (kernels/batchnorm_train.ts),
;; and the same with a PReLU after the affine map (a ReLU is a PReLU of slope 0): BatchNorm and its
;; activation forward in one pass, backward in two, the activation's input recomputed from x.
;; Assembled by scripts/build_wasm.mjs into channels_wasm.ts; test/engine-kernels.test.ts checks
;; that the two agree. All pointers are byte offsets into the imported memory (the TF.js wasm
;; heap); c4 is the channel count times 4 (bytes per pixel), a multiple of 16.
;;
;; Pixels are visited in memory order, four channels at a time, with the per-channel vectors and
;; the partial sums read from memory (a few KB that stay in L1): every tensor streams through once.
;; (Channel-major order, four channels over a block of pixels, strides a row's length through
;; memory: at a few hundred channels those strides fall into the same cache sets.)
(module
  (import "env" "memory" (memory 1))

  ;; o1[k] += sum(a - sa[k]), o2[k] += sum((a - sa[k]) * (b - sb[k])) over n pixels, per channel k.
  ;; Partial sums of one block of 256 pixels are float32, kept at acc (2 * c4 bytes of scratch);
  ;; they are added to o1, o2 (float64[c]) per block.
  (func (export "sums") (param $a i32) (param $b i32) (param $sa i32) (param $sb i32)
                         (param $n i32) (param $c4 i32) (param $o1 i32) (param $o2 i32) (param $acc i32)
    (local $p0 i32) (local $rows i32) (local $g i32) (local $off i32) (local $end i32) (local $u v128)
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p0) (local.get $n)))
        (local.set $rows (i32.sub (local.get $n) (local.get $p0)))
        (if (i32.gt_u (local.get $rows) (i32.const 256)) (then (local.set $rows (i32.const 256))))
        (memory.fill (local.get $acc) (i32.const 0) (i32.shl (local.get $c4) (i32.const 1)))
        (local.set $off (i32.mul (local.get $p0) (local.get $c4)))
        (local.set $end (i32.add (local.get $off) (i32.mul (local.get $rows) (local.get $c4))))
        (loop $pixels
          (local.set $g (i32.const 0))
          (loop $groups
            (local.set $u (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $off))) (v128.load (i32.add (local.get $sa) (local.get $g)))))
            (v128.store (i32.add (local.get $acc) (local.get $g))
              (f32x4.add (v128.load (i32.add (local.get $acc) (local.get $g))) (local.get $u)))
            (v128.store (i32.add (i32.add (local.get $acc) (local.get $c4)) (local.get $g))
              (f32x4.add (v128.load (i32.add (i32.add (local.get $acc) (local.get $c4)) (local.get $g)))
                (f32x4.mul (local.get $u) (f32x4.sub (v128.load (i32.add (local.get $b) (local.get $off))) (v128.load (i32.add (local.get $sb) (local.get $g)))))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br_if $groups (i32.lt_u (local.get $g) (local.get $c4))))
          (br_if $pixels (i32.lt_u (local.get $off) (local.get $end))))
        (call $flush64 (local.get $acc) (local.get $o1) (local.get $c4))
        (call $flush64 (i32.add (local.get $acc) (local.get $c4)) (local.get $o2) (local.get $c4))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
        (br $blocks))))

  ;; float64 o[0..1] += lanes 0-1 of v, o[2..3] += lanes 2-3.
  (func $add64 (param $o i32) (param $v v128)
    (v128.store (local.get $o)
      (f64x2.add (v128.load (local.get $o)) (f64x2.promote_low_f32x4 (local.get $v))))
    (v128.store offset=16 (local.get $o)
      (f64x2.add (v128.load offset=16 (local.get $o))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))))

  ;; float64 o[k] += float32 acc[k] for the c4 / 4 channels.
  (func $flush64 (param $acc i32) (param $o i32) (param $c4 i32)
    (local $g i32)
    (loop $groups
      (call $add64 (i32.add (local.get $o) (i32.shl (local.get $g) (i32.const 1))) (v128.load (i32.add (local.get $acc) (local.get $g))))
      (local.set $g (i32.add (local.get $g) (i32.const 16)))
      (br_if $groups (i32.lt_u (local.get $g) (local.get $c4)))))

  ;; out = fa[k] * (a - sa[k]) + fb[k] * (b - sb[k]) + f0[k] per channel k, over n pixels
  ;; (fb = 0 where b does not matter; b may be a). Pixel after pixel: the tensors stream through
  ;; once, the per-channel vectors stay in cache.
  (func (export "affine") (param $out i32) (param $a i32) (param $b i32) (param $sa i32) (param $sb i32)
                           (param $fa i32) (param $fb i32) (param $f0 i32) (param $n i32) (param $c4 i32)
    (local $g i32) (local $off i32) (local $end i32)
    (local.set $end (i32.mul (local.get $n) (local.get $c4)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $pixels
      (local.set $g (i32.const 0))
      (loop $groups
        (v128.store (i32.add (local.get $out) (local.get $off))
          (f32x4.add
            (f32x4.add
              (f32x4.mul (v128.load (i32.add (local.get $fa) (local.get $g)))
                (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $off))) (v128.load (i32.add (local.get $sa) (local.get $g)))))
              (f32x4.mul (v128.load (i32.add (local.get $fb) (local.get $g)))
                (f32x4.sub (v128.load (i32.add (local.get $b) (local.get $off))) (v128.load (i32.add (local.get $sb) (local.get $g))))))
            (v128.load (i32.add (local.get $f0) (local.get $g)))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $groups (i32.lt_u (local.get $g) (local.get $c4))))
      (br_if $pixels (i32.lt_u (local.get $off) (local.get $end)))))

  ;; The PReLU of an affine map per channel k: z = fa[k] * (a - sa[k]) + f0[k],
  ;; out = z > 0 ? z : z * alpha[k] (+0 added: a slope of 0 gives 0, never -0), over n pixels.
  (func (export "affinePrelu") (param $out i32) (param $a i32) (param $sa i32) (param $fa i32) (param $f0 i32)
                                (param $alpha i32) (param $n i32) (param $c4 i32)
    (local $g i32) (local $off i32) (local $end i32) (local $z v128)
    (local.set $end (i32.mul (local.get $n) (local.get $c4)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $pixels
      (local.set $g (i32.const 0))
      (loop $groups
        (local.set $z (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $fa) (local.get $g)))
            (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $off))) (v128.load (i32.add (local.get $sa) (local.get $g)))))
          (v128.load (i32.add (local.get $f0) (local.get $g)))))
        (v128.store (i32.add (local.get $out) (local.get $off))
          (v128.bitselect (local.get $z)
            (f32x4.add (f32x4.mul (local.get $z) (v128.load (i32.add (local.get $alpha) (local.get $g)))) (v128.const f32x4 0 0 0 0))
            (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $groups (i32.lt_u (local.get $g) (local.get $c4))))
      (br_if $pixels (i32.lt_u (local.get $off) (local.get $end)))))

  ;; Backward through the PReLU of z = fa[k] * (x - sx[k]) + f0[k]: with g = z > 0 ? dy : dy * alpha[k],
  ;; o1[k] += sum(g), o2[k] += sum(g * (x - sx[k])), oa[k] += sum over z <= 0 of dy * z
  ;; (float64[c] each; float32 partials per block of 256 pixels at acc, 3 * c4 bytes, as `sums`).
  (func (export "preluSums") (param $dy i32) (param $x i32) (param $sx i32) (param $fa i32) (param $f0 i32) (param $alpha i32)
                              (param $n i32) (param $c4 i32) (param $o1 i32) (param $o2 i32) (param $oa i32) (param $acc i32)
    (local $p0 i32) (local $rows i32) (local $g i32) (local $off i32) (local $end i32)
    (local $u v128) (local $z v128) (local $d v128) (local $m v128) (local $gv v128) (local $q i32)
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p0) (local.get $n)))
        (local.set $rows (i32.sub (local.get $n) (local.get $p0)))
        (if (i32.gt_u (local.get $rows) (i32.const 256)) (then (local.set $rows (i32.const 256))))
        (memory.fill (local.get $acc) (i32.const 0) (i32.mul (local.get $c4) (i32.const 3)))
        (local.set $off (i32.mul (local.get $p0) (local.get $c4)))
        (local.set $end (i32.add (local.get $off) (i32.mul (local.get $rows) (local.get $c4))))
        (loop $pixels
          (local.set $g (i32.const 0))
          (loop $groups
            (local.set $u (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $off))) (v128.load (i32.add (local.get $sx) (local.get $g)))))
            (local.set $z (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $fa) (local.get $g))) (local.get $u)) (v128.load (i32.add (local.get $f0) (local.get $g)))))
            (local.set $d (v128.load (i32.add (local.get $dy) (local.get $off))))
            (local.set $m (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0)))
            (local.set $gv (v128.bitselect (local.get $d) (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $alpha) (local.get $g)))) (local.get $m)))
            (local.set $q (i32.add (local.get $acc) (local.get $g)))
            (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (local.get $gv)))
            (local.set $q (i32.add (local.get $q) (local.get $c4)))
            (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (f32x4.mul (local.get $gv) (local.get $u))))
            (local.set $q (i32.add (local.get $q) (local.get $c4)))
            (v128.store (local.get $q) (f32x4.add (v128.load (local.get $q)) (v128.andnot (f32x4.mul (local.get $d) (local.get $z)) (local.get $m))))
            (local.set $off (i32.add (local.get $off) (i32.const 16)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br_if $groups (i32.lt_u (local.get $g) (local.get $c4))))
          (br_if $pixels (i32.lt_u (local.get $off) (local.get $end))))
        (call $flush64 (local.get $acc) (local.get $o1) (local.get $c4))
        (call $flush64 (i32.add (local.get $acc) (local.get $c4)) (local.get $o2) (local.get $c4))
        (call $flush64 (i32.add (local.get $acc) (i32.shl (local.get $c4) (i32.const 1))) (local.get $oa) (local.get $c4))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
        (br $blocks))))

  ;; out = ga[k] * (g - gm[k]) + gb[k] * (x - sx[k]), g as in preluSums (recomputed from x and dy).
  (func (export "preluAffineGrad") (param $out i32) (param $dy i32) (param $x i32) (param $sx i32) (param $fa i32) (param $f0 i32)
                                    (param $alpha i32) (param $ga i32) (param $gm i32) (param $gb i32) (param $n i32) (param $c4 i32)
    (local $g i32) (local $off i32) (local $end i32) (local $u v128) (local $z v128) (local $d v128)
    (local.set $end (i32.mul (local.get $n) (local.get $c4)))
    (if (i32.eqz (local.get $end)) (then (return)))
    (loop $pixels
      (local.set $g (i32.const 0))
      (loop $groups
        (local.set $u (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $off))) (v128.load (i32.add (local.get $sx) (local.get $g)))))
        (local.set $z (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $fa) (local.get $g))) (local.get $u)) (v128.load (i32.add (local.get $f0) (local.get $g)))))
        (local.set $d (v128.load (i32.add (local.get $dy) (local.get $off))))
        (v128.store (i32.add (local.get $out) (local.get $off))
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $ga) (local.get $g)))
              (f32x4.sub
                (v128.bitselect (local.get $d) (f32x4.mul (local.get $d) (v128.load (i32.add (local.get $alpha) (local.get $g)))) (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0)))
                (v128.load (i32.add (local.get $gm) (local.get $g)))))
            (f32x4.mul (v128.load (i32.add (local.get $gb) (local.get $g))) (local.get $u))))
        (local.set $off (i32.add (local.get $off) (i32.const 16)))
        (local.set $g (i32.add (local.get $g) (i32.const 16)))
        (br_if $groups (i32.lt_u (local.get $g) (local.get $c4))))
      (br_if $pixels (i32.lt_u (local.get $off) (local.get $end)))))

  ;; Copies `rows` blocks of `bytes` bytes from src (a block every srcStride bytes) to dst (every
  ;; dstStride bytes): channel concatenation and split, one bulk copy per block inside WebAssembly.
  (func (export "copyRows") (param $src i32) (param $dst i32) (param $rows i32) (param $bytes i32)
                             (param $srcStride i32) (param $dstStride i32)
    (local $e i32)
    (if (i32.ge_u (local.get $bytes) (i32.const 256))
      (then
        (block $done
          (loop $rows_loop
            (br_if $done (i32.eqz (local.get $rows)))
            (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
            (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
            (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
            (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
            (br $rows_loop)))
        (return)))
    ;; Short rows (a few channels) copied inline, 16 bytes then 4 at a time: a memory.copy per row
    ;; is a call into the engine that costs more than the row. bytes is a multiple of 4.
    (block $short_done
      (loop $short_rows
        (br_if $short_done (i32.eqz (local.get $rows)))
        (local.set $e (i32.const 0))
        (block $vec_done
          (loop $vec
            (br_if $vec_done (i32.gt_u (i32.add (local.get $e) (i32.const 16)) (local.get $bytes)))
            (v128.store (i32.add (local.get $dst) (local.get $e)) (v128.load (i32.add (local.get $src) (local.get $e))))
            (local.set $e (i32.add (local.get $e) (i32.const 16)))
            (br $vec)))
        (block $words_done
          (loop $words
            (br_if $words_done (i32.ge_u (local.get $e) (local.get $bytes)))
            (i32.store (i32.add (local.get $dst) (local.get $e)) (i32.load (i32.add (local.get $src) (local.get $e))))
            (local.set $e (i32.add (local.get $e) (i32.const 4)))
            (br $words)))
        (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
        (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $short_rows))))

  ;; Max pooling's gradient over 2x2 windows at stride 2 (U-Net's and VGG's pools): each window's
  ;; dy goes to its first maximum in row-major order (strictly greater replaces, from -infinity:
  ;; TF.js's rule, NaN never wins), the window's other three pixels get 0. Rows and columns beyond
  ;; the windows are left as they are (the caller zeroes them).
  (func (export "maxPool2Grad") (param $x i32) (param $dy i32) (param $dx i32) (param $n i32) (param $h i32) (param $w i32)
                                 (param $c4 i32) (param $oh i32) (param $ow i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $g i32) (local $pa i32) (local $pd i32) (local $row i32) (local $da i32)
    (local $va v128) (local $vb v128) (local $vc v128) (local $vd v128) (local $best v128) (local $d v128)
    (local $ma v128) (local $mb v128) (local $mc v128) (local $md v128)
    (local.set $row (i32.mul (local.get $w) (local.get $c4)))
    (local.set $pd (local.get $dy))
    (block $batch_done
      (loop $batch
        (br_if $batch_done (i32.ge_u (local.get $b) (local.get $n)))
        (local.set $oy (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $oy) (local.get $oh)))
            (local.set $ox (i32.const 0))
            (block $cols_done
              (loop $cols
                (br_if $cols_done (i32.ge_u (local.get $ox) (local.get $ow)))
                ;; byte offset of [b, 2oy, 2ox, 0] in x and dx
                (local.set $da (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (i32.shl (local.get $oy) (i32.const 1))) (local.get $w))
                  (i32.shl (local.get $ox) (i32.const 1))) (local.get $c4)))
                (local.set $g (i32.const 0))
                (loop $lanes
                  (local.set $pa (i32.add (i32.add (local.get $x) (local.get $da)) (local.get $g)))
                  (local.set $va (v128.load (local.get $pa)))
                  (local.set $vb (v128.load (i32.add (local.get $pa) (local.get $c4))))
                  (local.set $vc (v128.load (i32.add (local.get $pa) (local.get $row))))
                  (local.set $vd (v128.load (i32.add (i32.add (local.get $pa) (local.get $row)) (local.get $c4))))
                  (local.set $ma (f32x4.gt (local.get $va) (v128.const f32x4 -inf -inf -inf -inf)))
                  (local.set $best (v128.bitselect (local.get $va) (v128.const f32x4 -inf -inf -inf -inf) (local.get $ma)))
                  (local.set $mb (f32x4.gt (local.get $vb) (local.get $best)))
                  (local.set $best (v128.bitselect (local.get $vb) (local.get $best) (local.get $mb)))
                  (local.set $mc (f32x4.gt (local.get $vc) (local.get $best)))
                  (local.set $best (v128.bitselect (local.get $vc) (local.get $best) (local.get $mc)))
                  (local.set $md (f32x4.gt (local.get $vd) (local.get $best)))
                  ;; the last window pixel that replaced the best wins
                  (local.set $mc (v128.andnot (local.get $mc) (local.get $md)))
                  (local.set $mb (v128.andnot (v128.andnot (local.get $mb) (local.get $md)) (local.get $mc)))
                  (local.set $ma (v128.andnot (v128.andnot (v128.andnot (local.get $ma) (local.get $md)) (local.get $mc)) (local.get $mb)))
                  (local.set $d (v128.load (i32.add (local.get $pd) (local.get $g))))
                  (local.set $pa (i32.add (i32.add (local.get $dx) (local.get $da)) (local.get $g)))
                  (v128.store (local.get $pa) (v128.and (local.get $d) (local.get $ma)))
                  (v128.store (i32.add (local.get $pa) (local.get $c4)) (v128.and (local.get $d) (local.get $mb)))
                  (v128.store (i32.add (local.get $pa) (local.get $row)) (v128.and (local.get $d) (local.get $mc)))
                  (v128.store (i32.add (i32.add (local.get $pa) (local.get $row)) (local.get $c4)) (v128.and (local.get $d) (local.get $md)))
                  (local.set $g (i32.add (local.get $g) (i32.const 16)))
                  (br_if $lanes (i32.lt_u (local.get $g) (local.get $c4))))
                (local.set $pd (i32.add (local.get $pd) (local.get $c4)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $cols)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $rows)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batch))))

  ;; One axis of a separable resampling (models/layers.ts: bilinear gradients, adaptive pooling):
  ;; the input is outer blocks of len rows of run floats; output row i of each block is the sum over
  ;; its k taps of wt[i*k + t] * input row idx[i*k + t] (taps of weight 0 are skipped). Writes
  ;; outer * out rows of run floats at dst. idx: int32, wt: float32, both [out * k].
  (func (export "resampleRuns") (param $src i32) (param $dst i32) (param $idx i32) (param $wt i32)
                                (param $outer i32) (param $out i32) (param $len i32) (param $run i32) (param $k i32)
    (local $b i32) (local $i i32) (local $t i32) (local $e i32) (local $s i32) (local $tap i32)
    (local $rowBytes i32) (local $vecBytes i32) (local $base i32) (local $w f32) (local $wv v128)
    (local.set $rowBytes (i32.shl (local.get $run) (i32.const 2)))
    (local.set $vecBytes (i32.and (local.get $rowBytes) (i32.const -16)))
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $b) (local.get $outer)))
        (local.set $base (i32.add (local.get $src) (i32.mul (i32.mul (local.get $b) (local.get $len)) (local.get $rowBytes))))
        (local.set $i (i32.const 0))
        (block $rows_done
          (loop $rows
            (br_if $rows_done (i32.ge_u (local.get $i) (local.get $out)))
            (memory.fill (local.get $dst) (i32.const 0) (local.get $rowBytes))
            (local.set $t (i32.const 0))
            (block $taps_done
              (loop $taps
                (br_if $taps_done (i32.ge_u (local.get $t) (local.get $k)))
                (local.set $tap (i32.shl (i32.add (i32.mul (local.get $i) (local.get $k)) (local.get $t)) (i32.const 2)))
                (local.set $w (f32.load (i32.add (local.get $wt) (local.get $tap))))
                (if (f32.ne (local.get $w) (f32.const 0))
                  (then
                    (local.set $s (i32.add (local.get $base) (i32.mul (i32.load (i32.add (local.get $idx) (local.get $tap))) (local.get $rowBytes))))
                    (local.set $wv (f32x4.splat (local.get $w)))
                    (local.set $e (i32.const 0))
                    (block $vec_done
                      (loop $vec
                        (br_if $vec_done (i32.ge_u (local.get $e) (local.get $vecBytes)))
                        (v128.store (i32.add (local.get $dst) (local.get $e))
                          (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $e)))
                                     (f32x4.mul (local.get $wv) (v128.load (i32.add (local.get $s) (local.get $e))))))
                        (local.set $e (i32.add (local.get $e) (i32.const 16)))
                        (br $vec)))
                    (block $tail_done
                      (loop $tail
                        (br_if $tail_done (i32.ge_u (local.get $e) (local.get $rowBytes)))
                        (f32.store (i32.add (local.get $dst) (local.get $e))
                          (f32.add (f32.load (i32.add (local.get $dst) (local.get $e)))
                                   (f32.mul (local.get $w) (f32.load (i32.add (local.get $s) (local.get $e))))))
                        (local.set $e (i32.add (local.get $e) (i32.const 4)))
                        (br $tail)))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $taps)))
            (local.set $dst (i32.add (local.get $dst) (local.get $rowBytes)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $rows)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $blocks))))

  ;; Each of n pixels' c channels repeated m times, then zeros up to c4 floats a pixel (a depthwise
  ;; convolution's input laid out as its depth-multiplier-1 problem, kernels/depthwise_backprop.ts).
  (func (export "repeatChannels") (param $src i32) (param $dst i32) (param $n i32) (param $c i32) (param $m i32) (param $c4 i32)
    (local $p i32) (local $ch i32) (local $j i32) (local $v f32) (local $pad i32)
    (local.set $pad (i32.shl (i32.sub (local.get $c4) (i32.mul (local.get $c) (local.get $m))) (i32.const 2)))
    (block $pixels_done
      (loop $pixels
        (br_if $pixels_done (i32.ge_u (local.get $p) (local.get $n)))
        (local.set $ch (i32.const 0))
        (block $channels_done
          (loop $channels
            (br_if $channels_done (i32.ge_u (local.get $ch) (local.get $c)))
            (local.set $v (f32.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 4)))
            (if (i32.eq (local.get $m) (i32.const 4))
              (then
                (v128.store (local.get $dst) (f32x4.splat (local.get $v)))
                (local.set $dst (i32.add (local.get $dst) (i32.const 16))))
              (else
                (local.set $j (i32.const 0))
                (block $rep_done
                  (loop $rep
                    (br_if $rep_done (i32.ge_u (local.get $j) (local.get $m)))
                    (f32.store (local.get $dst) (local.get $v))
                    (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
                    (local.set $j (i32.add (local.get $j) (i32.const 1)))
                    (br $rep)))))
            (local.set $ch (i32.add (local.get $ch) (i32.const 1)))
            (br $channels)))
        (memory.fill (local.get $dst) (i32.const 0) (local.get $pad))
        (local.set $dst (i32.add (local.get $dst) (local.get $pad)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pixels))))
)
