;; The video overlay's inner loop (render/colorize.ts overlayLabels) in WebAssembly: per pixel, the
;; label picks a 768-byte row of the blend table (256 results per channel) and each of the three
;; bytes is one lookup. Scalar (a gather has no SIMD form here), but about twice the JS loop's
;; speed. Assembled by scripts/build_wasm.mjs into overlay_wasm.ts; the module owns its memory,
;; which the JS side grows and fills (pointers are byte offsets into it).
(module
  (memory (export "memory") 1)

  ;; dst[3i + c] = table[min(labels[i], last) * 768 + 256c + src[3i + c]] for i < n.
  (func (export "overlay") (param $src i32) (param $labels i32) (param $n i32) (param $dst i32)
                            (param $table i32) (param $last i32)
    (local $end i32) (local $l i32) (local $t i32)
    (local.set $end (i32.add (local.get $labels) (local.get $n)))
    (block $done
      (loop $pixel
        (br_if $done (i32.ge_u (local.get $labels) (local.get $end)))
        (local.set $l (i32.load8_u (local.get $labels)))
        (if (i32.gt_u (local.get $l) (local.get $last)) (then (local.set $l (local.get $last))))
        (local.set $t (i32.add (local.get $table) (i32.mul (local.get $l) (i32.const 768))))
        (i32.store8 (local.get $dst) (i32.load8_u (i32.add (local.get $t) (i32.load8_u (local.get $src)))))
        (i32.store8 offset=1 (local.get $dst) (i32.load8_u offset=256 (i32.add (local.get $t) (i32.load8_u offset=1 (local.get $src)))))
        (i32.store8 offset=2 (local.get $dst) (i32.load8_u offset=512 (i32.add (local.get $t) (i32.load8_u offset=2 (local.get $src)))))
        (local.set $labels (i32.add (local.get $labels) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 3)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 3)))
        (br $pixel)))))
