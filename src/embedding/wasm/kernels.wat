;; Sparse optimizer kernels for embedding tables whose arrays live in one WebAssembly memory (an
;; Arena, see arena.ts). Source of kernels.bytes.ts: `npm run build:wasm` compiles this file with wabt.
;;
;; adam_rows: lazy Adam over the touched rows uniq[0..n) (ascending), with a table-shaped float32
;; gradient. Per coordinate, in float64 exactly like the JS kernel in ../optimizers.ts:
;;   g = scale·grad + l2·w;  m' = β1·m + c1·g;  v' = β2·v + (c2·g)·g;  w' = w − (a·m') / (√v'·ic + eps)
;; with a, ic the bias-corrected step and 1/√(1 − β2^k): the scalars $a, $ic, or — when $per_row
;; is 1 — per touched row from the float64 arrays at $a_ptr / $ic_ptr (index s). Two coordinates
;; per f64x2 step, so dim must be even. Pointers are byte offsets; rows are dim·4 bytes.
;;
;; Why the `touch` pass: the touched rows are scattered over four table-sized arrays and the
;; arithmetic has long dependency chains, so the CPU keeps few cache misses in flight. A pass of
;; independent loads over the NEXT 64 rows (one word per row and array) lets the misses overlap;
;; measured on the 2-core VM, 100k × 16 table, 23k touched rows: 8.3 ms → 3.4 ms.
(module
  (import "env" "memory" (memory 1))
  (global $sink (mut i32) (i32.const 0))

  (func $touch (param $values i32) (param $m i32) (param $v i32) (param $grad i32) (param $uniq i32)
               (param $s0 i32) (param $s1 i32) (param $row_bytes i32)
    (local $acc i32) (local $o i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $s0) (local.get $s1)))
        (local.set $o (i32.mul (i32.load (i32.add (local.get $uniq) (i32.shl (local.get $s0) (i32.const 2))))
                               (local.get $row_bytes)))
        (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get $values) (local.get $o)))))
        (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get $m) (local.get $o)))))
        (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get $v) (local.get $o)))))
        (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get $grad) (local.get $o)))))
        (local.set $s0 (i32.add (local.get $s0) (i32.const 1)))
        (br $next)))
    (global.set $sink (i32.xor (global.get $sink) (local.get $acc))))

  (func (export "adam_rows")
        (param $values i32) (param $m i32) (param $v i32) (param $grad i32) (param $uniq i32)
        (param $n i32) (param $dim i32) (param $per_row i32) (param $a_ptr i32) (param $ic_ptr i32)
        (param $a f64) (param $ic f64) (param $scale f64) (param $l2 f64)
        (param $b1 f64) (param $b2 f64) (param $c1 f64) (param $c2 f64) (param $eps f64)
    (local $s i32) (local $o i32) (local $end i32) (local $row_bytes i32)
    (local $va v128) (local $vic v128) (local $w v128) (local $g v128) (local $mj v128) (local $vj v128)
    (local $vscale v128) (local $vl2 v128) (local $vb1 v128) (local $vb2 v128)
    (local $vc1 v128) (local $vc2 v128) (local $veps v128)
    (local.set $row_bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $vscale (f64x2.splat (local.get $scale)))
    (local.set $vl2 (f64x2.splat (local.get $l2)))
    (local.set $vb1 (f64x2.splat (local.get $b1)))
    (local.set $vb2 (f64x2.splat (local.get $b2)))
    (local.set $vc1 (f64x2.splat (local.get $c1)))
    (local.set $vc2 (f64x2.splat (local.get $c2)))
    (local.set $veps (f64x2.splat (local.get $eps)))
    (local.set $va (f64x2.splat (local.get $a)))
    (local.set $vic (f64x2.splat (local.get $ic)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $s) (local.get $n)))
        ;; every 64 rows: touch the rows of the next block (the first call also the current one)
        (if (i32.eqz (i32.and (local.get $s) (i32.const 63)))
          (then (call $touch (local.get $values) (local.get $m) (local.get $v) (local.get $grad) (local.get $uniq)
                  (select (i32.const 0) (i32.add (local.get $s) (i32.const 64)) (i32.eqz (local.get $s)))
                  (select (local.get $n) (i32.add (local.get $s) (i32.const 128))
                          (i32.gt_u (i32.add (local.get $s) (i32.const 128)) (local.get $n)))
                  (local.get $row_bytes))))
        (local.set $o (i32.mul (i32.load (i32.add (local.get $uniq) (i32.shl (local.get $s) (i32.const 2))))
                               (local.get $row_bytes)))
        (local.set $end (i32.add (local.get $o) (local.get $row_bytes)))
        (if (local.get $per_row)
          (then
            (local.set $va (f64x2.splat (f64.load (i32.add (local.get $a_ptr) (i32.shl (local.get $s) (i32.const 3))))))
            (local.set $vic (f64x2.splat (f64.load (i32.add (local.get $ic_ptr) (i32.shl (local.get $s) (i32.const 3))))))))
        (loop $cols
          (local.set $w (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $values) (local.get $o)))))
          (local.set $g (f64x2.add
            (f64x2.mul (local.get $vscale) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $grad) (local.get $o)))))
            (f64x2.mul (local.get $vl2) (local.get $w))))
          (local.set $mj (f64x2.add
            (f64x2.mul (local.get $vb1) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $m) (local.get $o)))))
            (f64x2.mul (local.get $vc1) (local.get $g))))
          (local.set $vj (f64x2.add
            (f64x2.mul (local.get $vb2) (f64x2.promote_low_f32x4 (v128.load64_zero (i32.add (local.get $v) (local.get $o)))))
            (f64x2.mul (f64x2.mul (local.get $vc2) (local.get $g)) (local.get $g))))
          (v128.store64_lane 0 (i32.add (local.get $m) (local.get $o)) (f32x4.demote_f64x2_zero (local.get $mj)))
          (v128.store64_lane 0 (i32.add (local.get $v) (local.get $o)) (f32x4.demote_f64x2_zero (local.get $vj)))
          (v128.store64_lane 0 (i32.add (local.get $values) (local.get $o))
            (f32x4.demote_f64x2_zero (f64x2.sub (local.get $w)
              (f64x2.div (f64x2.mul (local.get $va) (local.get $mj))
                         (f64x2.add (f64x2.mul (f64x2.sqrt (local.get $vj)) (local.get $vic)) (local.get $veps))))))
          (local.set $o (i32.add (local.get $o) (i32.const 8)))
          (br_if $cols (i32.lt_u (local.get $o) (local.get $end))))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $rows))))

;; acc_rows: for b < n with r = ids[b] ≠ −1: grad[r] += weight · src[b·stride ..+dim] (float64
;; arithmetic, float32 storage, like the JS kernel denseAccumulateKernel in ../kernels.ts); a row's
;; first contribution this step (stamp[r] ≠ gen) is stored instead of added and appended to uniq.
;; Returns the new number of unique rows. $stride is in bytes; dim must be even.
  (func (export "acc_rows")
        (param $ids i32) (param $n i32) (param $src i32) (param $stride i32) (param $weight f64)
        (param $stamp i32) (param $gen i32) (param $uniq i32) (param $grad i32) (param $size i32) (param $dim i32)
        (result i32)
    (local $b i32) (local $r i32) (local $o i32) (local $so i32) (local $end i32) (local $row_bytes i32)
    (local $vw v128) (local $t i32) (local $t1 i32) (local $acc i32)
    (local.set $row_bytes (i32.shl (local.get $dim) (i32.const 2)))
    (local.set $vw (f64x2.splat (local.get $weight)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $b) (local.get $n)))
        ;; every 64 lookups: touch the stamps and gradient rows of the next block (see adam_rows)
        (if (i32.eqz (i32.and (local.get $b) (i32.const 63)))
          (then
            (local.set $t (select (i32.const 0) (i32.add (local.get $b) (i32.const 64)) (i32.eqz (local.get $b))))
            (local.set $t1 (select (local.get $n) (i32.add (local.get $b) (i32.const 128))
                                   (i32.gt_u (i32.add (local.get $b) (i32.const 128)) (local.get $n))))
            (block $tdone
              (loop $tnext
                (br_if $tdone (i32.ge_u (local.get $t) (local.get $t1)))
                (local.set $r (i32.load (i32.add (local.get $ids) (i32.shl (local.get $t) (i32.const 2)))))
                (if (i32.ge_s (local.get $r) (i32.const 0))
                  (then
                    (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get $stamp) (i32.shl (local.get $r) (i32.const 2))))))
                    (local.set $acc (i32.xor (local.get $acc) (i32.load (i32.add (local.get $grad) (i32.mul (local.get $r) (local.get $row_bytes))))))))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $tnext)))
            (global.set $sink (i32.xor (global.get $sink) (local.get $acc)))))
        (local.set $r (i32.load (i32.add (local.get $ids) (i32.shl (local.get $b) (i32.const 2)))))
        (if (i32.ge_s (local.get $r) (i32.const 0))
          (then
            (local.set $so (i32.add (local.get $src) (i32.mul (local.get $b) (local.get $stride))))
            (local.set $o (i32.add (local.get $grad) (i32.mul (local.get $r) (local.get $row_bytes))))
            (local.set $end (i32.add (local.get $o) (local.get $row_bytes)))
            (if (i32.eq (i32.load (i32.add (local.get $stamp) (i32.shl (local.get $r) (i32.const 2)))) (local.get $gen))
              (then
                (loop $add
                  (v128.store64_lane 0 (local.get $o) (f32x4.demote_f64x2_zero (f64x2.add
                    (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $o)))
                    (f64x2.mul (local.get $vw) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $so)))))))
                  (local.set $o (i32.add (local.get $o) (i32.const 8)))
                  (local.set $so (i32.add (local.get $so) (i32.const 8)))
                  (br_if $add (i32.lt_u (local.get $o) (local.get $end)))))
              (else
                (i32.store (i32.add (local.get $stamp) (i32.shl (local.get $r) (i32.const 2))) (local.get $gen))
                (i32.store (i32.add (local.get $uniq) (i32.shl (local.get $size) (i32.const 2))) (local.get $r))
                (local.set $size (i32.add (local.get $size) (i32.const 1)))
                (loop $set
                  (v128.store64_lane 0 (local.get $o) (f32x4.demote_f64x2_zero
                    (f64x2.mul (local.get $vw) (f64x2.promote_low_f32x4 (v128.load64_zero (local.get $so))))))
                  (local.set $o (i32.add (local.get $o) (i32.const 8)))
                  (local.set $so (i32.add (local.get $so) (i32.const 8)))
                  (br_if $set (i32.lt_u (local.get $o) (local.get $end))))))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $rows)))
    (local.get $size))
)
