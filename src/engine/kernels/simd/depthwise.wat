;; The filter gradient of a depthwise convolution (depth multiplier 1) over channels-last float32
;; tensors on the TF.js wasm heap, with 128-bit SIMD (4 channels per lane group):
;;   out[i, j, c] += sum over n, oy, ox of x[n, oy*sh + i*dh - top, ox*sw + j*dw - left, c] * dy[n, oy, ox, c]
;; (taps that fall in the padding read zeros: they are skipped). Assembled by scripts/build_wasm.mjs
;; into depthwise_wasm.ts; kernels/depthwise_backprop.ts calls it, test/engine/engine-kernels.test.ts
;; checks it against the cpu backend. `forward`, below: the convolution itself at strides and
;; dilations both above 1, which XNNPACK refuses. `inputGrad`: the input gradient at any strides and
;; dilations, in one pass (no zeros inserted into dy, no padded copies, no flipped filter). Pointers are byte offsets into the imported memory; c4 is the
;; channel count times 4 (bytes per pixel), a multiple of 16.
;;
;; Loop order: output pixels, then taps, then channels. Every read of x and dy moves forward along
;; a row, the taps of one pixel touch fh rows that stay in cache, and out (fh * fw * c floats)
;; stays in the first-level cache, so the pass is one sweep over dy and about one over x.
(module
  (import "env" "memory" (memory 1))

  (func (export "filterGrad")
    (param $x i32) (param $dy i32) (param $out i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c4 i32) (param $oh i32) (param $ow i32)
    (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $top i32) (param $left i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $i i32) (local $j i32) (local $g i32)
    (local $iy i32) (local $ix i32) (local $pd i32) (local $px i32) (local $po i32) (local $row i32)
    (local $pdy i32)
    (local.set $pdy (local.get $dy))
    (local.set $b (i32.const 0))
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
                (local.set $po (local.get $out))
                (local.set $i (i32.const 0))
                (block $ti_done
                  (loop $ti
                    (br_if $ti_done (i32.ge_u (local.get $i) (local.get $fh)))
                    (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (i32.mul (local.get $i) (local.get $dh))) (local.get $top)))
                    (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $h)))
                      (then
                        ;; byte offset of x[b, iy, 0, 0]
                        (local.set $row (i32.add (local.get $x)
                          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $iy)) (i32.mul (local.get $w) (local.get $c4)))))
                        (local.set $j (i32.const 0))
                        (block $tj_done
                          (loop $tj
                            (br_if $tj_done (i32.ge_u (local.get $j) (local.get $fw)))
                            (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (i32.mul (local.get $j) (local.get $dw))) (local.get $left)))
                            (if (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.lt_s (local.get $ix) (local.get $w)))
                              (then
                                (local.set $px (i32.add (local.get $row) (i32.mul (local.get $ix) (local.get $c4))))
                                (local.set $pd (local.get $pdy))
                                (local.set $g (i32.add (local.get $po) (i32.mul (local.get $j) (local.get $c4))))
                                ;; out[g..] += x[px..] * dy[pd..], c4 / 16 lane groups
                                (loop $lanes
                                  (v128.store (local.get $g)
                                    (f32x4.add (v128.load (local.get $g))
                                      (f32x4.mul (v128.load (local.get $px)) (v128.load (local.get $pd)))))
                                  (local.set $g (i32.add (local.get $g) (i32.const 16)))
                                  (local.set $px (i32.add (local.get $px) (i32.const 16)))
                                  (local.set $pd (i32.add (local.get $pd) (i32.const 16)))
                                  (br_if $lanes (i32.lt_u (local.get $pd) (i32.add (local.get $pdy) (local.get $c4)))))))
                            (local.set $j (i32.add (local.get $j) (i32.const 1)))
                            (br $tj)))))
                    ;; next tap row of out
                    (local.set $po (i32.add (local.get $po) (i32.mul (local.get $fw) (local.get $c4))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $ti)))
                (local.set $pdy (i32.add (local.get $pdy) (local.get $c4)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $cols)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $rows)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batch))))

  ;; The forward pass where XNNPACK (and tfjs-core) refuse it, strides and dilations both above 1:
  ;;   out[n, oy, ox, c] = sum over taps of x[n, oy*sh + i*dh - top, ox*sw + j*dw - left, c] * f[i, j, c]
  ;; out must be zeroed by the caller; same loop order as filterGrad.
  (func (export "forward")
    (param $x i32) (param $f i32) (param $out i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c4 i32) (param $oh i32) (param $ow i32)
    (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $top i32) (param $left i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $i i32) (local $j i32) (local $g i32)
    (local $iy i32) (local $ix i32) (local $pf i32) (local $px i32) (local $row i32) (local $pout i32) (local $po i32)
    (local.set $pout (local.get $out))
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
                (local.set $i (i32.const 0))
                (block $ti_done
                  (loop $ti
                    (br_if $ti_done (i32.ge_u (local.get $i) (local.get $fh)))
                    (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (i32.mul (local.get $i) (local.get $dh))) (local.get $top)))
                    (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $h)))
                      (then
                        (local.set $row (i32.add (local.get $x)
                          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $iy)) (i32.mul (local.get $w) (local.get $c4)))))
                        (local.set $j (i32.const 0))
                        (block $tj_done
                          (loop $tj
                            (br_if $tj_done (i32.ge_u (local.get $j) (local.get $fw)))
                            (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (i32.mul (local.get $j) (local.get $dw))) (local.get $left)))
                            (if (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.lt_s (local.get $ix) (local.get $w)))
                              (then
                                (local.set $px (i32.add (local.get $row) (i32.mul (local.get $ix) (local.get $c4))))
                                (local.set $pf (i32.add (local.get $f) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $fw)) (local.get $j)) (local.get $c4))))
                                (local.set $po (local.get $pout))
                                (local.set $g (i32.const 0))
                                (loop $lanes
                                  (v128.store (local.get $po)
                                    (f32x4.add (v128.load (local.get $po))
                                      (f32x4.mul (v128.load (local.get $px)) (v128.load (local.get $pf)))))
                                  (local.set $po (i32.add (local.get $po) (i32.const 16)))
                                  (local.set $px (i32.add (local.get $px) (i32.const 16)))
                                  (local.set $pf (i32.add (local.get $pf) (i32.const 16)))
                                  (local.set $g (i32.add (local.get $g) (i32.const 16)))
                                  (br_if $lanes (i32.lt_u (local.get $g) (local.get $c4))))))
                            (local.set $j (i32.add (local.get $j) (i32.const 1)))
                            (br $tj)))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $ti)))
                (local.set $pout (i32.add (local.get $pout) (local.get $c4)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $cols)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $rows)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batch))))

  ;; The input gradient of a depthwise convolution (multiplier 1) at any strides and dilations:
  ;;   dx[n, oy*sh + i*dh - top, ox*sw + j*dw - left, c] += dy[n, oy, ox, c] * f[i, j, c]
  ;; (taps in the padding dropped). dx must be zeroed by the caller. Same loop order as filterGrad:
  ;; one sweep over dy, the fh rows of dx that a row of dy reaches stay in cache.
  (func (export "inputGrad")
    (param $dy i32) (param $f i32) (param $dx i32)
    (param $n i32) (param $h i32) (param $w i32) (param $c4 i32) (param $oh i32) (param $ow i32)
    (param $fh i32) (param $fw i32) (param $sh i32) (param $sw i32) (param $dh i32) (param $dw i32)
    (param $top i32) (param $left i32)
    (local $b i32) (local $oy i32) (local $ox i32) (local $i i32) (local $j i32) (local $g i32)
    (local $iy i32) (local $ix i32) (local $pf i32) (local $px i32) (local $row i32) (local $pdy i32) (local $pd i32)
    (local.set $pdy (local.get $dy))
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
                (local.set $i (i32.const 0))
                (block $ti_done
                  (loop $ti
                    (br_if $ti_done (i32.ge_u (local.get $i) (local.get $fh)))
                    (local.set $iy (i32.sub (i32.add (i32.mul (local.get $oy) (local.get $sh)) (i32.mul (local.get $i) (local.get $dh))) (local.get $top)))
                    (if (i32.and (i32.ge_s (local.get $iy) (i32.const 0)) (i32.lt_s (local.get $iy) (local.get $h)))
                      (then
                        ;; byte offset of dx[b, iy, 0, 0]
                        (local.set $row (i32.add (local.get $dx)
                          (i32.mul (i32.add (i32.mul (local.get $b) (local.get $h)) (local.get $iy)) (i32.mul (local.get $w) (local.get $c4)))))
                        (local.set $j (i32.const 0))
                        (block $tj_done
                          (loop $tj
                            (br_if $tj_done (i32.ge_u (local.get $j) (local.get $fw)))
                            (local.set $ix (i32.sub (i32.add (i32.mul (local.get $ox) (local.get $sw)) (i32.mul (local.get $j) (local.get $dw))) (local.get $left)))
                            (if (i32.and (i32.ge_s (local.get $ix) (i32.const 0)) (i32.lt_s (local.get $ix) (local.get $w)))
                              (then
                                (local.set $px (i32.add (local.get $row) (i32.mul (local.get $ix) (local.get $c4))))
                                (local.set $pf (i32.add (local.get $f) (i32.mul (i32.add (i32.mul (local.get $i) (local.get $fw)) (local.get $j)) (local.get $c4))))
                                (local.set $pd (local.get $pdy))
                                (local.set $g (i32.const 0))
                                (loop $lanes
                                  (v128.store (local.get $px)
                                    (f32x4.add (v128.load (local.get $px))
                                      (f32x4.mul (v128.load (local.get $pd)) (v128.load (local.get $pf)))))
                                  (local.set $px (i32.add (local.get $px) (i32.const 16)))
                                  (local.set $pd (i32.add (local.get $pd) (i32.const 16)))
                                  (local.set $pf (i32.add (local.get $pf) (i32.const 16)))
                                  (local.set $g (i32.add (local.get $g) (i32.const 16)))
                                  (br_if $lanes (i32.lt_u (local.get $g) (local.get $c4))))))
                            (local.set $j (i32.add (local.get $j) (i32.const 1)))
                            (br $tj)))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $ti)))
                (local.set $pdy (i32.add (local.get $pdy) (local.get $c4)))
                (local.set $ox (i32.add (local.get $ox) (i32.const 1)))
                (br $cols)))
            (local.set $oy (i32.add (local.get $oy) (i32.const 1)))
            (br $rows)))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batch))))
)
