;; Activation gradients in one pass over float32 tensors on the TF.js wasm heap, with 128-bit SIMD
;; (kernels/activation_grads.ts; test/engine/engine-kernels.test.ts checks them against tfjs-core's
;; own formulas on the cpu backend). TF.js differentiates each activation into several full-size
;; elementwise ops (a comparison, a select, a product, a sum for PReLU), each a pass over memory;
;; these are one. Pointers are byte offsets into the imported memory.
(module
  (import "env" "memory" (memory 1))

  ;; PReLU with one slope per channel (channels last; c4 = channels x 4 bytes, a multiple of 16):
  ;;   dx = x > 0 ? dy : dy * alpha,  dalpha[c] += sum of (x > 0 ? 0 : dy * x) over n pixels.
  ;; dalpha (c floats) is accumulated in place: the caller zeroes it.
  (func (export "preluGrad") (param $x i32) (param $dy i32) (param $alpha i32) (param $dx i32) (param $dalpha i32)
                              (param $n i32) (param $c4 i32)
    (local $p i32) (local $g i32) (local $end i32) (local $off i32)
    (local $xv v128) (local $dv v128) (local $m v128)
    (local.set $end (i32.mul (local.get $n) (local.get $c4)))
    (block $done
      (loop $pixels
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $g (i32.const 0))
        (loop $lanes
          (local.set $off (i32.add (local.get $p) (local.get $g)))
          (local.set $xv (v128.load (i32.add (local.get $x) (local.get $off))))
          (local.set $dv (v128.load (i32.add (local.get $dy) (local.get $off))))
          (local.set $m (f32x4.gt (local.get $xv) (v128.const f32x4 0 0 0 0)))
          (v128.store (i32.add (local.get $dx) (local.get $off))
            (v128.bitselect (local.get $dv)
              (f32x4.mul (local.get $dv) (v128.load (i32.add (local.get $alpha) (local.get $g))))
              (local.get $m)))
          (v128.store (i32.add (local.get $dalpha) (local.get $g))
            (f32x4.add (v128.load (i32.add (local.get $dalpha) (local.get $g)))
              (v128.andnot (f32x4.mul (local.get $dv) (local.get $xv)) (local.get $m))))
          (local.set $g (i32.add (local.get $g) (i32.const 16)))
          (br_if $lanes (i32.lt_u (local.get $g) (local.get $c4))))
        (local.set $p (i32.add (local.get $p) (local.get $c4)))
        (br $pixels))))

  ;; dx = lo <= x <= hi ? dy : 0 over n4 groups of 4 floats (ClipByValue; ReLU6 is lo 0, hi 6).
  (func (export "clipGrad") (param $x i32) (param $dy i32) (param $dx i32) (param $n4 i32) (param $lo f32) (param $hi f32)
    (local $i i32) (local $end i32) (local $xv v128) (local $l v128) (local $h v128)
    (local.set $l (f32x4.splat (local.get $lo)))
    (local.set $h (f32x4.splat (local.get $hi)))
    (local.set $end (i32.shl (local.get $n4) (i32.const 4)))
    (block $done
      (loop $groups
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $xv (v128.load (i32.add (local.get $x) (local.get $i))))
        (v128.store (i32.add (local.get $dx) (local.get $i))
          (v128.and (v128.load (i32.add (local.get $dy) (local.get $i)))
            (v128.and (f32x4.ge (local.get $xv) (local.get $l)) (f32x4.le (local.get $xv) (local.get $h)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $groups))))

  ;; dx = x > 0 ? dy : 0 over n4 groups of 4 floats (ReLU).
  (func (export "reluGrad") (param $x i32) (param $dy i32) (param $dx i32) (param $n4 i32)
    (local $i i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n4) (i32.const 4)))
    (block $done
      (loop $groups
        (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
        (v128.store (i32.add (local.get $dx) (local.get $i))
          (v128.and (v128.load (i32.add (local.get $dy) (local.get $i)))
            (f32x4.gt (v128.load (i32.add (local.get $x) (local.get $i))) (v128.const f32x4 0 0 0 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $groups))))
)
