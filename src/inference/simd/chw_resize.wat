;; Bilinear resize of one float32 plane in WebAssembly (src/inference/chw.ts's resizeChw): the
;; same double-precision arithmetic as the JS loop, each result rounded to float32 as a
;; Float32Array stores it. WebAssembly neither fuses multiply-adds nor keeps extra precision, so
;; every value is the JS loop's, bit for bit. A source row's horizontal blend (the same for every
;; output row that reads it) is computed once and kept while consecutive output rows read it; the
;; vertical blend of two such rows runs two doubles at a time. Assembled by scripts/build_wasm.mjs
;; into chw_resize_wasm.ts; the module owns its memory, which the JS side grows and fills.
(module
  (memory (export "memory") 1)

  ;; Source row r (of w f32 at src) blended horizontally into tw f64 at out: per output column,
  ;; src[x0] * (1 - a) + src[x1] * a, with the column's taps at cols.
  (func $blendRow (param $row i32) (param $tw i32) (param $cols i32) (param $out i32)
    (local $x i32)
    (block $done
      (loop $col
        (br_if $done (i32.ge_u (local.get $x) (local.get $tw)))
        (f64.store (local.get $out) (f64.add
          (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (i32.load (local.get $cols)) (i32.const 2))))) (f64.load offset=16 (local.get $cols)))
          (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (i32.load offset=4 (local.get $cols)) (i32.const 2))))) (f64.load offset=8 (local.get $cols)))))
        (local.set $out (i32.add (local.get $out) (i32.const 8)))
        (local.set $cols (i32.add (local.get $cols) (i32.const 24)))
        (local.set $x (i32.add (local.get $x) (i32.const 1)))
        (br $col))))

  ;; The plane at src (rows of w f32) resized to th x tw f32 at dst (which must have 4 bytes to
  ;; spare after it: odd widths write in pairs). Taps per output column at cols and per output
  ;; row at rows, 24 bytes each: i32 first index, i32 second index, f64 weight of the second (a),
  ;; f64 weight of the first (1 - a). Two blended rows of tw f64 (+ 1 spare) at bufs.
  (func (export "resizePlane") (param $src i32) (param $w i32) (param $dst i32) (param $th i32) (param $tw i32) (param $cols i32) (param $rows i32) (param $bufs i32)
    (local $y i32) (local $x i32) (local $t i32) (local $o i32) (local $y0 i32) (local $y1 i32)
    (local $top i32) (local $bot i32) (local $iTop i32) (local $iBot i32) (local $swap i32)
    (local $ay v128) (local $by v128) (local $v v128)
    (local.set $top (local.get $bufs))
    (local.set $bot (i32.add (local.get $bufs) (i32.shl (i32.add (local.get $tw) (i32.const 2)) (i32.const 3))))
    (local.set $iTop (i32.const -1))
    (local.set $iBot (i32.const -1))
    (local.set $o (local.get $dst))
    (block $rows_done
      (loop $row
        (br_if $rows_done (i32.ge_u (local.get $y) (local.get $th)))
        (local.set $t (i32.add (local.get $rows) (i32.mul (local.get $y) (i32.const 24))))
        (local.set $y0 (i32.load (local.get $t)))
        (local.set $y1 (i32.load offset=4 (local.get $t)))
        (local.set $ay (f64x2.splat (f64.load offset=8 (local.get $t))))
        (local.set $by (f64x2.splat (f64.load offset=16 (local.get $t))))
        ;; The first row: kept, the previous second row (moving down), or blended now.
        (if (i32.ne (local.get $y0) (local.get $iTop))
          (then
            (if (i32.eq (local.get $y0) (local.get $iBot))
              (then
                (local.set $swap (local.get $top)) (local.set $top (local.get $bot)) (local.set $bot (local.get $swap))
                (local.set $iBot (local.get $iTop)) (local.set $iTop (local.get $y0)))
              (else
                (call $blendRow (i32.add (local.get $src) (i32.shl (i32.mul (local.get $y0) (local.get $w)) (i32.const 2))) (local.get $tw) (local.get $cols) (local.get $top))
                (local.set $iTop (local.get $y0))))))
        (if (i32.ne (local.get $y1) (local.get $iBot))
          (then
            (call $blendRow (i32.add (local.get $src) (i32.shl (i32.mul (local.get $y1) (local.get $w)) (i32.const 2))) (local.get $tw) (local.get $cols) (local.get $bot))
            (local.set $iBot (local.get $y1))))
        ;; out = top * (1 - ay) + bot * ay, rounded to float32, two at a time.
        (local.set $x (i32.const 0))
        (block $cols_done
          (loop $col
            (br_if $cols_done (i32.ge_u (local.get $x) (local.get $tw)))
            (local.set $v (f32x4.demote_f64x2_zero (f64x2.add
              (f64x2.mul (v128.load (i32.add (local.get $top) (i32.shl (local.get $x) (i32.const 3)))) (local.get $by))
              (f64x2.mul (v128.load (i32.add (local.get $bot) (i32.shl (local.get $x) (i32.const 3)))) (local.get $ay)))))
            (v128.store64_lane 0 (i32.add (local.get $o) (i32.shl (local.get $x) (i32.const 2))) (local.get $v))
            (local.set $x (i32.add (local.get $x) (i32.const 2)))
            (br $col)))
        (local.set $o (i32.add (local.get $o) (i32.shl (local.get $tw) (i32.const 2))))
        (local.set $y (i32.add (local.get $y) (i32.const 1)))
        (br $row))))
)
