/**
 * WAT for row softmax / log-softmax with a vectorised exp.
 *
 * exp(x), x ≤ 0 after the max is subtracted (valid for x in [−87.3, 88.7]):
 *   t = x·log2(e) + 1.5·2²³      "magic bias": the addition rounds x·log2(e) to the nearest integer n,
 *                                 which then sits in the low mantissa bits of t
 *   n = t − 1.5·2²³
 *   r = x − n·ln2_hi − n·ln2_lo   (|r| ≤ ln2/2; Cody–Waite split keeps r exact)
 *   p = 1 + r + r²/2! + … + r⁶/6! (Horner; truncation error < 2e-7 relative)
 *   2ⁿ = bits((bits(t) + 127) << 23): the shift keeps only the low 9 bits, i.e. n + 127
 *   exp(x) = p · 2ⁿ, and exactly 0 below −87.3 (where torch gives 0 or a denormal).
 * Rows: pass 1 max, pass 2 e = exp(x − max) stored and summed, pass 3 scale by 1/Σ (or, for
 * log-softmax, out = x − max − log Σ with a scalar float64 log).
 */
import { add, claimLoop, declare, fma, forLoop, get, i32, mul, param, set, type EmitOptions } from './util.js';

const splat = (v: number | string) => `(v128.const f32x4 ${v} ${v} ${v} ${v})`;
const MAGIC = '0x1.8p23';

/**
 * exp of each lane of the f32x4 local `x`, left in local `e`; uses locals t, nk, r. Emitted inline
 * (V8 does not inline wasm calls, and a call per 4 elements costs as much as the exp).
 */
export function exp4(o: EmitOptions, x: string): string {
  const c = [1, 1, 1 / 2, 1 / 6, 1 / 24, 1 / 120, 1 / 720];
  let poly = splat(c[6]);
  for (let i = 5; i >= 0; i--) poly = fma(o, poly, get('r'), splat(c[i]));
  return `
    ${set('r', `(f32x4.max ${get(x)} ${splat(-87.33654)})`)}
    ${set('t', fma(o, get('r'), splat(Math.LOG2E), splat(MAGIC)))}
    ${set('nk', `(f32x4.sub ${get('t')} ${splat(MAGIC)})`)}
    ${set('r', fma(o, get('nk'), splat(-0.693145751953125), get('r')))}
    ${set('r', fma(o, get('nk'), splat(-1.428606765330187e-6), get('r')))}
    ${set('e', `(v128.andnot ;; lanes below the range → 0 (NaN stays NaN)
      (f32x4.mul ${poly} (i32x4.shl (i32x4.add ${get('t')} (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (f32x4.lt ${get(x)} ${splat(-87.33654)}))`)}`;
}

/**
 * `$log`: natural log of a positive float64 (0 → −inf). x = m·2^e, m in [√½, √2);
 * log m = 2·atanh(s) = 2(s + s³/3 + … + s¹³/13), s = (m−1)/(m+1), |s| < 0.172: error < 1e-12.
 */
function log64(): string {
  let series = '(f64.const 0.07692307692307693)'; // 1/13
  for (const k of [11, 9, 7, 5, 3, 1]) series = `(f64.add (f64.const ${1 / k}) (f64.mul ${get('s2')} ${series}))`;
  return `
  (func $log (param $x f64) (result f64) (local $e i64) (local $m f64) (local $s f64) (local $s2 f64)
    (if (f64.le ${get('x')} (f64.const 0)) (then (return (f64.const -inf))))
    (if (f64.eq ${get('x')} (f64.const inf)) (then (return ${get('x')})))
    ${set('e', '(i64.sub (i64.shr_u (i64.reinterpret_f64 (local.get $x)) (i64.const 52)) (i64.const 1023))')}
    ${set('m', '(f64.reinterpret_i64 (i64.or (i64.and (i64.reinterpret_f64 (local.get $x)) (i64.const 0x000fffffffffffff)) (i64.const 0x3ff0000000000000)))')}
    (if (f64.gt ${get('m')} (f64.const 1.4142135623730951)) (then
      ${set('m', `(f64.mul ${get('m')} (f64.const 0.5))`)} ${set('e', `(i64.add ${get('e')} (i64.const 1))`)}))
    ${set('s', `(f64.div (f64.sub ${get('m')} (f64.const 1)) (f64.add ${get('m')} (f64.const 1)))`)}
    ${set('s2', `(f64.mul ${get('s')} ${get('s')})`)}
    (f64.add (f64.mul (f64.convert_i64_s ${get('e')}) (f64.const 0.6931471805599453)) (f64.mul (f64.mul (f64.const 2) ${get('s')}) ${series})))`;
}

/**
 * `softmax_rows(tid, nth, p)`; words at p: 0 src  1 srcRow (element stride between rows; elements of
 * a row are contiguous)  2 dst (rows of dstRow)  3 rows  4 n  5 log (0/1)  6 scale (f32 bits; 1 for
 * log-softmax)  7 rowsPerHead  8 vis0  9 visStep  10 dstRow (≥ n). Row r reads nv = min(n, vis0 +
 * (r mod rowsPerHead)·visStep) elements (all n when visStep = 0: the causal mask of attention scores
 * otherwise), softmax(scale · x) over them, and zero-fills the rest of its dstRow. Chunks of 8 rows.
 */
function softmaxRows(o: EmitOptions): string {
  const names = ['src', 'srcRow', 'dst', 'rows', 'n', 'log', 'scaleBits', 'rowsPerHead', 'vis0', 'visStep', 'dstRow'];
  return `
  (func $softmax_rows (export "softmax_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'lo', 'hi', 'row', 'n4', 'j', 'x', 'y', 'nv'], 'i32')}
    ${declare(['vmax', 'vmax2', 'vsum', 'vm', 'v', 'e', 't', 'nk', 'r', 'vs'], 'v128')} (local $max f32) (local $sum f32) (local $lse f32)
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ${set('vs', '(v128.load32_splat offset=24 (local.get $p))')}
    ${claimLoop(get('rows'), i32(8), 'lo', 'hi', forLoop('row', get('lo'), get('hi'), 1, `
      ${set('nv', `(i32.add ${get('vis0')} (i32.mul (i32.rem_u ${get('row')} ${get('rowsPerHead')}) ${get('visStep')}))`)}
      ${set('nv', `(select ${get('n')} ${get('nv')} (i32.or (i32.eqz ${get('visStep')}) (i32.gt_s ${get('nv')} ${get('n')})))`)}
      ${set('n4', `(i32.and ${get('nv')} (i32.const -4))`)}
      ${set('x', add(get('src'), mul(i32(4), mul(get('row'), get('srcRow')))))}
      ${set('y', add(get('dst'), mul(i32(4), mul(get('row'), get('dstRow')))))}
      ;; pass 1: max
      ${set('vmax', splat('-inf'))} ${set('vmax2', splat('-inf'))}
      ${forLoop('j', i32(0), `(i32.and ${get('nv')} (i32.const -8))`, 8, `
        ${set('vmax', `(f32x4.max ${get('vmax')} (v128.load ${add(get('x'), mul(i32(4), get('j')))}))`)}
        ${set('vmax2', `(f32x4.max ${get('vmax2')} (v128.load offset=16 ${add(get('x'), mul(i32(4), get('j')))}))`)}`)}
      (if (i32.and ${get('nv')} (i32.const 4)) (then
        ${set('vmax', `(f32x4.max ${get('vmax')} (v128.load ${add(get('x'), mul(i32(4), `(i32.and ${get('nv')} (i32.const -8))`))}))`)}))
      ${set('vmax', `(f32x4.max ${get('vmax')} ${get('vmax2')})`)}
      ${set('max', `(f32.max (f32.max (f32x4.extract_lane 0 ${get('vmax')}) (f32x4.extract_lane 1 ${get('vmax')})) (f32.max (f32x4.extract_lane 2 ${get('vmax')}) (f32x4.extract_lane 3 ${get('vmax')})))`)}
      ${forLoop('j', get('n4'), get('nv'), 1, set('max', `(f32.max ${get('max')} (f32.load ${add(get('x'), mul(i32(4), get('j')))}))`))}
      (if (f32.eq ${get('max')} (f32.const -inf)) (then ${set('max', '(f32.const 0)')})) ;; fully masked row → NaN, as torch
      ${set('max', `(f32.mul ${get('max')} (f32x4.extract_lane 0 ${get('vs')}))`)} ;; max(scale·x) = scale·max(x), scale > 0
      ${set('vm', `(f32x4.splat ${get('max')})`)}
      ;; pass 2: e = exp(x − max), Σ e
      ${set('vsum', splat(0))}
      ${forLoop('j', i32(0), get('n4'), 4, `
        ${set('v', `(f32x4.sub (f32x4.mul (v128.load ${add(get('x'), mul(i32(4), get('j')))}) ${get('vs')}) ${get('vm')})`)}
        ${exp4(o, 'v')}
        (v128.store ${add(get('y'), mul(i32(4), get('j')))} ${get('e')})
        ${set('vsum', `(f32x4.add ${get('vsum')} ${get('e')})`)}`)}
      ${set('sum', `(f32.add (f32.add (f32x4.extract_lane 0 ${get('vsum')}) (f32x4.extract_lane 1 ${get('vsum')})) (f32.add (f32x4.extract_lane 2 ${get('vsum')}) (f32x4.extract_lane 3 ${get('vsum')})))`)}
      ${forLoop('j', get('n4'), get('nv'), 1, `
        ${set('v', `(f32x4.splat (f32.sub (f32.mul (f32.load ${add(get('x'), mul(i32(4), get('j')))}) (f32x4.extract_lane 0 ${get('vs')})) ${get('max')}))`)}
        ${exp4(o, 'v')}
        (f32.store ${add(get('y'), mul(i32(4), get('j')))} (f32x4.extract_lane 0 ${get('e')}))
        ${set('sum', `(f32.add ${get('sum')} (f32x4.extract_lane 0 ${get('e')}))`)}`)}
      ;; pass 3
      (if ${get('log')}
        (then
          ${set('lse', `(f32.add ${get('max')} (f32.demote_f64 (call $log (f64.promote_f32 ${get('sum')}))))`)}
          ${set('vm', `(f32x4.splat ${get('lse')})`)}
          ${forLoop('j', i32(0), get('n4'), 4, `(v128.store ${add(get('y'), mul(i32(4), get('j')))} (f32x4.sub (v128.load ${add(get('x'), mul(i32(4), get('j')))}) ${get('vm')}))`)}
          ${forLoop('j', get('n4'), get('nv'), 1, `(f32.store ${add(get('y'), mul(i32(4), get('j')))} (f32.sub (f32.load ${add(get('x'), mul(i32(4), get('j')))}) ${get('lse')}))`)})
        (else
          ${set('vm', `(f32x4.splat (f32.div (f32.const 1) ${get('sum')}))`)}
          ${forLoop('j', i32(0), get('n4'), 4, `(v128.store ${add(get('y'), mul(i32(4), get('j')))} (f32x4.mul (v128.load ${add(get('y'), mul(i32(4), get('j')))}) ${get('vm')}))`)}
          ${forLoop('j', get('n4'), get('nv'), 1, `(f32.store ${add(get('y'), mul(i32(4), get('j')))} (f32.mul (f32.load ${add(get('y'), mul(i32(4), get('j')))}) (f32x4.extract_lane 0 ${get('vm')})))`)}))
      ${forLoop('j', get('nv'), get('dstRow'), 1, `(f32.store ${add(get('y'), mul(i32(4), get('j')))} (f32.const 0))`)}`))})`;
}

/**
 * `softmax_grad_rows(tid, nth, p)`, the softmax backward out = scale · y ⊙ (gy − Σ gy ⊙ y) per row; words
 * at p: 0 y  1 gy  2 out (all contiguous rows of n)  3 rows  4 n  5 scale (f32 bits). Chunks of 8 rows.
 */
function softmaxGradRows(): string {
  const names = ['y', 'gy', 'out', 'rows', 'n'];
  const at = (base: string) => add(get(base), mul(i32(4), add(mul(get('row'), get('n')), get('j'))));
  return `
  (func $softmax_grad_rows (export "softmax_grad_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'lo', 'hi', 'row', 'n4', 'j'], 'i32')} ${declare(['vdot', 'vs', 'vd'], 'v128')} (local $dot f32) (local $scale f32)
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ${set('scale', '(f32.load offset=20 (local.get $p))')}
    ${set('vs', `(f32x4.splat ${get('scale')})`)}
    ${set('n4', `(i32.and ${get('n')} (i32.const -4))`)}
    ${claimLoop(get('rows'), i32(8), 'lo', 'hi', forLoop('row', get('lo'), get('hi'), 1, `
      ${set('vdot', splat(0))}
      ${forLoop('j', i32(0), get('n4'), 4, set('vdot', `(f32x4.add ${get('vdot')} (f32x4.mul (v128.load ${at('y')}) (v128.load ${at('gy')})))`))}
      ${set('dot', `(f32.add (f32.add (f32x4.extract_lane 0 ${get('vdot')}) (f32x4.extract_lane 1 ${get('vdot')})) (f32.add (f32x4.extract_lane 2 ${get('vdot')}) (f32x4.extract_lane 3 ${get('vdot')})))`)}
      ${forLoop('j', get('n4'), get('n'), 1, set('dot', `(f32.add ${get('dot')} (f32.mul (f32.load ${at('y')}) (f32.load ${at('gy')})))`))}
      ${set('vd', `(f32x4.splat ${get('dot')})`)}
      ${forLoop('j', i32(0), get('n4'), 4, `(v128.store ${at('out')} (f32x4.mul (f32x4.mul ${get('vs')} (v128.load ${at('y')})) (f32x4.sub (v128.load ${at('gy')}) ${get('vd')})))`)}
      ${forLoop('j', get('n4'), get('n'), 1, `(f32.store ${at('out')} (f32.mul (f32.mul ${get('scale')} (f32.load ${at('y')})) (f32.sub (f32.load ${at('gy')}) ${get('dot')})))`)}`))})`;
}

export function emitSoftmax(o: EmitOptions): string {
  return [log64(), softmaxRows(o), softmaxGradRows()].join('\n');
}

