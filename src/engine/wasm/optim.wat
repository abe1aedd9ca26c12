;; The dense Adam update of an optimizer thread (src/engine/wasm-optim.ts), in float32 with exactly the
;; operations and order of the in-graph Adam of ../optim.ts (ORT's Mul / Add / Sqrt / Div / Sub are
;; correctly rounded float32 ops, as are these), so θ, m and v are bit-identical to the step graph:
;;   m' = m·β1 + g·c1;  v' = v·β2 + (g·g)·c2;  θ' = θ − (m'·lr_t) / (√v' + eps_t)
;; over n floats at byte offsets $theta, $g, $m, $v of the shared memory (n rounded up to 4: the owner
;; pads the arrays). Source of optim.bytes.ts: `npm run build:wasm`.
(module
  (import "env" "memory" (memory 1 65536 shared))
  (func (export "adam_dense") (param $theta i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
        (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $lr f32) (param $eps f32)
    (local $o i32) (local $end i32) (local $gg v128) (local $mj v128) (local $vj v128)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $vlr v128) (local $veps v128)
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $gg (v128.load (i32.add (local.get $g) (local.get $o))))
        (local.set $mj (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $o))) (local.get $vb1))
                                  (f32x4.mul (local.get $gg) (local.get $vc1))))
        (local.set $vj (f32x4.add (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $o))) (local.get $vb2))
                                  (f32x4.mul (f32x4.mul (local.get $gg) (local.get $gg)) (local.get $vc2))))
        (v128.store (i32.add (local.get $m) (local.get $o)) (local.get $mj))
        (v128.store (i32.add (local.get $v) (local.get $o)) (local.get $vj))
        (v128.store (i32.add (local.get $theta) (local.get $o))
          (f32x4.sub (v128.load (i32.add (local.get $theta) (local.get $o)))
            (f32x4.div (f32x4.mul (local.get $mj) (local.get $vlr))
                       (f32x4.add (f32x4.sqrt (local.get $vj)) (local.get $veps)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $next))))
)
