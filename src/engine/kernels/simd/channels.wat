;; Per-channel passes over channels-last float32 tensors on the TF.js wasm heap, with 128-bit SIMD
;; (4 channels per lane group): BatchNorm's statistics and affine maps (kernels/batchnorm_train.ts),
;; and the same with a PReLU after the affine map (a ReLU is a PReLU of slope 0): BatchNorm and its
;; activation forward in one pass, backward in two, the activation's input recomputed from x.
;; Assembled by scripts/build_wasm.mjs into channels_wasm.ts; test/engine-kernels.test.ts checks
;; that the two agree. All pointers are byte offsets into the imported memory (the TF.js wasm
;; heap); c4 is the channel count times 4 (bytes per pixel), a multiple of 16.
;;
;; Rows are visited in blocks of 256 pixels, and inside a block four channels at a time: a block
;; (at most 256 KB for 256 channels) stays in cache while each lane group strides through it.
(module
  (import "env" "memory" (memory 1))

  ;; o1[k] += sum(a - sa[k]), o2[k] += sum((a - sa[k]) * (b - sb[k])) over n pixels, per channel k.
  ;; Partial sums of one block are float32; they are added to o1, o2 (float64[c]) per block.
  (func (export "sums") (param $a i32) (param $b i32) (param $sa i32) (param $sb i32)
                         (param $n i32) (param $c4 i32) (param $o1 i32) (param $o2 i32)
    (local $p0 i32) (local $rows i32) (local $g i32) (local $pa i32) (local $pb i32) (local $r i32)
    (local $ma v128) (local $mb v128) (local $u v128) (local $acc1 v128) (local $acc2 v128)
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p0) (local.get $n)))
        (local.set $rows (i32.sub (local.get $n) (local.get $p0)))
        (if (i32.gt_u (local.get $rows) (i32.const 256)) (then (local.set $rows (i32.const 256))))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $groups
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $c4)))
            (local.set $ma (v128.load (i32.add (local.get $sa) (local.get $g))))
            (local.set $mb (v128.load (i32.add (local.get $sb) (local.get $g))))
            (local.set $acc1 (v128.const f32x4 0 0 0 0))
            (local.set $acc2 (v128.const f32x4 0 0 0 0))
            (local.set $pa (i32.add (i32.add (local.get $a) (i32.mul (local.get $p0) (local.get $c4))) (local.get $g)))
            (local.set $pb (i32.add (i32.add (local.get $b) (i32.mul (local.get $p0) (local.get $c4))) (local.get $g)))
            (local.set $r (local.get $rows))
            (loop $pixels
              (local.set $u (f32x4.sub (v128.load (local.get $pa)) (local.get $ma)))
              (local.set $acc1 (f32x4.add (local.get $acc1) (local.get $u)))
              (local.set $acc2 (f32x4.add (local.get $acc2)
                (f32x4.mul (local.get $u) (f32x4.sub (v128.load (local.get $pb)) (local.get $mb)))))
              (local.set $pa (i32.add (local.get $pa) (local.get $c4)))
              (local.set $pb (i32.add (local.get $pb) (local.get $c4)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $pixels (local.get $r)))
            ;; float64 totals: lanes 0-1 at o + 2g, lanes 2-3 at o + 2g + 16
            (call $add64 (i32.add (local.get $o1) (i32.shl (local.get $g) (i32.const 1))) (local.get $acc1))
            (call $add64 (i32.add (local.get $o2) (i32.shl (local.get $g) (i32.const 1))) (local.get $acc2))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $groups)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
        (br $blocks))))

  ;; float64 o[0..1] += lanes 0-1 of v, o[2..3] += lanes 2-3.
  (func $add64 (param $o i32) (param $v v128)
    (v128.store (local.get $o)
      (f64x2.add (v128.load (local.get $o)) (f64x2.promote_low_f32x4 (local.get $v))))
    (v128.store offset=16 (local.get $o)
      (f64x2.add (v128.load offset=16 (local.get $o))
        (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $v) (local.get $v))))))

  ;; out = fa[k] * (a - sa[k]) + fb[k] * (b - sb[k]) + f0[k] per channel k, over n pixels
  ;; (fb = 0 where b does not matter; b may be a).
  (func (export "affine") (param $out i32) (param $a i32) (param $b i32) (param $sa i32) (param $sb i32)
                           (param $fa i32) (param $fb i32) (param $f0 i32) (param $n i32) (param $c4 i32)
    (local $p0 i32) (local $rows i32) (local $g i32) (local $off i32) (local $r i32)
    (local $ma v128) (local $mb v128) (local $va v128) (local $vb v128) (local $v0 v128)
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p0) (local.get $n)))
        (local.set $rows (i32.sub (local.get $n) (local.get $p0)))
        (if (i32.gt_u (local.get $rows) (i32.const 256)) (then (local.set $rows (i32.const 256))))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $groups
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $c4)))
            (local.set $ma (v128.load (i32.add (local.get $sa) (local.get $g))))
            (local.set $mb (v128.load (i32.add (local.get $sb) (local.get $g))))
            (local.set $va (v128.load (i32.add (local.get $fa) (local.get $g))))
            (local.set $vb (v128.load (i32.add (local.get $fb) (local.get $g))))
            (local.set $v0 (v128.load (i32.add (local.get $f0) (local.get $g))))
            (local.set $off (i32.add (i32.mul (local.get $p0) (local.get $c4)) (local.get $g)))
            (local.set $r (local.get $rows))
            (loop $pixels
              (v128.store (i32.add (local.get $out) (local.get $off))
                (f32x4.add
                  (f32x4.add
                    (f32x4.mul (local.get $va) (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $off))) (local.get $ma)))
                    (f32x4.mul (local.get $vb) (f32x4.sub (v128.load (i32.add (local.get $b) (local.get $off))) (local.get $mb))))
                  (local.get $v0)))
              (local.set $off (i32.add (local.get $off) (local.get $c4)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $pixels (local.get $r)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $groups)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
        (br $blocks))))

  ;; The PReLU of an affine map per channel k: z = fa[k] * (a - sa[k]) + f0[k],
  ;; out = z > 0 ? z : z * alpha[k] (+0 added: a slope of 0 gives 0, never -0), over n pixels.
  (func (export "affinePrelu") (param $out i32) (param $a i32) (param $sa i32) (param $fa i32) (param $f0 i32)
                                (param $alpha i32) (param $n i32) (param $c4 i32)
    (local $p0 i32) (local $rows i32) (local $g i32) (local $off i32) (local $r i32)
    (local $ma v128) (local $va v128) (local $v0 v128) (local $al v128) (local $z v128)
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p0) (local.get $n)))
        (local.set $rows (i32.sub (local.get $n) (local.get $p0)))
        (if (i32.gt_u (local.get $rows) (i32.const 256)) (then (local.set $rows (i32.const 256))))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $groups
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $c4)))
            (local.set $ma (v128.load (i32.add (local.get $sa) (local.get $g))))
            (local.set $va (v128.load (i32.add (local.get $fa) (local.get $g))))
            (local.set $v0 (v128.load (i32.add (local.get $f0) (local.get $g))))
            (local.set $al (v128.load (i32.add (local.get $alpha) (local.get $g))))
            (local.set $off (i32.add (i32.mul (local.get $p0) (local.get $c4)) (local.get $g)))
            (local.set $r (local.get $rows))
            (loop $pixels
              (local.set $z (f32x4.add (f32x4.mul (local.get $va) (f32x4.sub (v128.load (i32.add (local.get $a) (local.get $off))) (local.get $ma)))
                (local.get $v0)))
              (v128.store (i32.add (local.get $out) (local.get $off))
                (v128.bitselect (local.get $z)
                  (f32x4.add (f32x4.mul (local.get $z) (local.get $al)) (v128.const f32x4 0 0 0 0))
                  (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0))))
              (local.set $off (i32.add (local.get $off) (local.get $c4)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $pixels (local.get $r)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $groups)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
        (br $blocks))))

  ;; Backward through the PReLU of z = fa[k] * (x - sx[k]) + f0[k]: with g = z > 0 ? dy : dy * alpha[k],
  ;; o1[k] += sum(g), o2[k] += sum(g * (x - sx[k])), oa[k] += sum over z <= 0 of dy * z
  ;; (float64[c] each; float32 partials per block, as `sums`).
  (func (export "preluSums") (param $dy i32) (param $x i32) (param $sx i32) (param $fa i32) (param $f0 i32) (param $alpha i32)
                              (param $n i32) (param $c4 i32) (param $o1 i32) (param $o2 i32) (param $oa i32)
    (local $p0 i32) (local $rows i32) (local $g i32) (local $off i32) (local $r i32)
    (local $ma v128) (local $va v128) (local $v0 v128) (local $al v128) (local $u v128) (local $z v128) (local $d v128)
    (local $m v128) (local $gv v128) (local $acc1 v128) (local $acc2 v128) (local $acca v128)
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p0) (local.get $n)))
        (local.set $rows (i32.sub (local.get $n) (local.get $p0)))
        (if (i32.gt_u (local.get $rows) (i32.const 256)) (then (local.set $rows (i32.const 256))))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $groups
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $c4)))
            (local.set $ma (v128.load (i32.add (local.get $sx) (local.get $g))))
            (local.set $va (v128.load (i32.add (local.get $fa) (local.get $g))))
            (local.set $v0 (v128.load (i32.add (local.get $f0) (local.get $g))))
            (local.set $al (v128.load (i32.add (local.get $alpha) (local.get $g))))
            (local.set $acc1 (v128.const f32x4 0 0 0 0))
            (local.set $acc2 (v128.const f32x4 0 0 0 0))
            (local.set $acca (v128.const f32x4 0 0 0 0))
            (local.set $off (i32.add (i32.mul (local.get $p0) (local.get $c4)) (local.get $g)))
            (local.set $r (local.get $rows))
            (loop $pixels
              (local.set $u (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $off))) (local.get $ma)))
              (local.set $z (f32x4.add (f32x4.mul (local.get $va) (local.get $u)) (local.get $v0)))
              (local.set $d (v128.load (i32.add (local.get $dy) (local.get $off))))
              (local.set $m (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0)))
              (local.set $gv (v128.bitselect (local.get $d) (f32x4.mul (local.get $d) (local.get $al)) (local.get $m)))
              (local.set $acc1 (f32x4.add (local.get $acc1) (local.get $gv)))
              (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $gv) (local.get $u))))
              (local.set $acca (f32x4.add (local.get $acca) (v128.andnot (f32x4.mul (local.get $d) (local.get $z)) (local.get $m))))
              (local.set $off (i32.add (local.get $off) (local.get $c4)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $pixels (local.get $r)))
            (call $add64 (i32.add (local.get $o1) (i32.shl (local.get $g) (i32.const 1))) (local.get $acc1))
            (call $add64 (i32.add (local.get $o2) (i32.shl (local.get $g) (i32.const 1))) (local.get $acc2))
            (call $add64 (i32.add (local.get $oa) (i32.shl (local.get $g) (i32.const 1))) (local.get $acca))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $groups)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
        (br $blocks))))

  ;; out = ga[k] * (g - gm[k]) + gb[k] * (x - sx[k]), g as in preluSums (recomputed from x and dy).
  (func (export "preluAffineGrad") (param $out i32) (param $dy i32) (param $x i32) (param $sx i32) (param $fa i32) (param $f0 i32)
                                    (param $alpha i32) (param $ga i32) (param $gm i32) (param $gb i32) (param $n i32) (param $c4 i32)
    (local $p0 i32) (local $rows i32) (local $g i32) (local $off i32) (local $r i32)
    (local $ma v128) (local $va v128) (local $v0 v128) (local $al v128) (local $u v128) (local $z v128) (local $d v128)
    (local $ka v128) (local $km v128) (local $kb v128)
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done (i32.ge_u (local.get $p0) (local.get $n)))
        (local.set $rows (i32.sub (local.get $n) (local.get $p0)))
        (if (i32.gt_u (local.get $rows) (i32.const 256)) (then (local.set $rows (i32.const 256))))
        (local.set $g (i32.const 0))
        (block $groups_done
          (loop $groups
            (br_if $groups_done (i32.ge_u (local.get $g) (local.get $c4)))
            (local.set $ma (v128.load (i32.add (local.get $sx) (local.get $g))))
            (local.set $va (v128.load (i32.add (local.get $fa) (local.get $g))))
            (local.set $v0 (v128.load (i32.add (local.get $f0) (local.get $g))))
            (local.set $al (v128.load (i32.add (local.get $alpha) (local.get $g))))
            (local.set $ka (v128.load (i32.add (local.get $ga) (local.get $g))))
            (local.set $km (v128.load (i32.add (local.get $gm) (local.get $g))))
            (local.set $kb (v128.load (i32.add (local.get $gb) (local.get $g))))
            (local.set $off (i32.add (i32.mul (local.get $p0) (local.get $c4)) (local.get $g)))
            (local.set $r (local.get $rows))
            (loop $pixels
              (local.set $u (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $off))) (local.get $ma)))
              (local.set $z (f32x4.add (f32x4.mul (local.get $va) (local.get $u)) (local.get $v0)))
              (local.set $d (v128.load (i32.add (local.get $dy) (local.get $off))))
              (v128.store (i32.add (local.get $out) (local.get $off))
                (f32x4.add
                  (f32x4.mul (local.get $ka)
                    (f32x4.sub
                      (v128.bitselect (local.get $d) (f32x4.mul (local.get $d) (local.get $al)) (f32x4.gt (local.get $z) (v128.const f32x4 0 0 0 0)))
                      (local.get $km)))
                  (f32x4.mul (local.get $kb) (local.get $u))))
              (local.set $off (i32.add (local.get $off) (local.get $c4)))
              (local.set $r (i32.sub (local.get $r) (i32.const 1)))
              (br_if $pixels (local.get $r)))
            (local.set $g (i32.add (local.get $g) (i32.const 16)))
            (br $groups)))
        (local.set $p0 (i32.add (local.get $p0) (i32.const 256)))
        (br $blocks))))

  ;; Copies `rows` blocks of `bytes` bytes from src (a block every srcStride bytes) to dst (every
  ;; dstStride bytes): channel concatenation and split, one bulk copy per block inside WebAssembly.
  (func (export "copyRows") (param $src i32) (param $dst i32) (param $rows i32) (param $bytes i32)
                             (param $srcStride i32) (param $dstStride i32)
    (block $done
      (loop $rows_loop
        (br_if $done (i32.eqz (local.get $rows)))
        (memory.copy (local.get $dst) (local.get $src) (local.get $bytes))
        (local.set $src (i32.add (local.get $src) (local.get $srcStride)))
        (local.set $dst (i32.add (local.get $dst) (local.get $dstStride)))
        (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
        (br $rows_loop))))

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
)
