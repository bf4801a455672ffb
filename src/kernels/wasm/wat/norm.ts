/**
 * WAT for the row norms over contiguous rows of n (a multiple of 4), four lanes at a time: Llama's
 * RMSNorm forward and backward, and CLIP's LayerNorm forward; the reference is cpu/fused.ts.
 * `rms_rows(tid, nth, p)`; words at p: 0 x  1 w  2 out  3 rows  4 n  5 ε (f32 bits)  6 mode  7 gy  8 r  9 b.
 *   mode 0 (RMSNorm):  r = 1/√(Σx²/n + ε), out = w · x · r;
 *   mode 1 (backward): u = gy·w, out = gx = r·u − x·r³·Σ(u·x)/n, and r of each row into r[row];
 *   mode 2 (gw):       out[j] += Σ_rows gy·x·r over the columns (threads claim columns, not rows);
 *   mode 3 (LayerNorm): μ = Σx/n, r = 1/√(Σ(x − μ)²/n + ε), out = (x − μ)·r·w + b.
 * Row sums are taken in four f32 lanes and added in float64; r in float64.
 */
import { add, claimLoop, declare, forLoop, get, i32, mul, param, set } from './util.js';

const at = (base: string) => add(get(base), mul(i32(4), add(mul(get('row'), get('n')), get('j'))));
const load = (base: string) => `(v128.load ${at(base)})`;
const lanes = (v: string) =>
  `(f64.add (f64.add (f64.promote_f32 (f32x4.extract_lane 0 ${get(v)})) (f64.promote_f32 (f32x4.extract_lane 1 ${get(v)}))) (f64.add (f64.promote_f32 (f32x4.extract_lane 2 ${get(v)})) (f64.promote_f32 (f32x4.extract_lane 3 ${get(v)}))))`;

/** Forward and backward of one row (modes 0, 1). */
function row(): string {
  const wj = `(v128.load ${add(get('w'), mul(i32(4), get('j')))})`;
  return `
      ${set('vss', '(v128.const f32x4 0 0 0 0)')}
      ${set('vux', '(v128.const f32x4 0 0 0 0)')}
      ${forLoop('j', i32(0), get('n'), 4, `
        ${set('vx', load('x'))}
        ${set('vss', `(f32x4.add ${get('vss')} (f32x4.mul ${get('vx')} ${get('vx')}))`)}
        (if ${get('mode')} (then ${set('vux', `(f32x4.add ${get('vux')} (f32x4.mul (f32x4.mul ${load('gy')} ${wj}) ${get('vx')}))`)}))`)}
      ${set('r', `(f64.div (f64.const 1) (f64.sqrt (f64.add (f64.div ${lanes('vss')} (f64.convert_i32_s ${get('n')})) ${get('eps')})))`)}
      ${set('vr', `(f32x4.splat (f32.demote_f64 ${get('r')}))`)}
      (if (i32.eqz ${get('mode')})
        (then ${forLoop('j', i32(0), get('n'), 4, `(v128.store ${at('out')} (f32x4.mul ${wj} (f32x4.mul ${load('x')} ${get('vr')})))`)})
        (else
          (f32.store ${add(get('rs'), mul(i32(4), get('row')))} (f32.demote_f64 ${get('r')}))
          ${set('vc', `(f32x4.splat (f32.demote_f64 (f64.div (f64.mul (f64.mul ${get('r')} (f64.mul ${get('r')} ${get('r')})) ${lanes('vux')}) (f64.convert_i32_s ${get('n')}))))`)}
          ${forLoop('j', i32(0), get('n'), 4, `(v128.store ${at('out')} (f32x4.sub (f32x4.mul ${get('vr')} (f32x4.mul ${load('gy')} ${wj})) (f32x4.mul ${load('x')} ${get('vc')})))`)}))`;
}

/** LayerNorm of one row (mode 3): the mean, then the variance about it, then the affine output. */
function layerNormRow(): string {
  const wj = (base: string) => `(v128.load ${add(get(base), mul(i32(4), get('j')))})`;
  return `
      ${set('vss', '(v128.const f32x4 0 0 0 0)')}
      ${forLoop('j', i32(0), get('n'), 4, set('vss', `(f32x4.add ${get('vss')} ${load('x')})`))}
      ${set('vc', `(f32x4.splat (f32.demote_f64 (f64.div ${lanes('vss')} (f64.convert_i32_s ${get('n')}))))`)}
      ${set('vss', '(v128.const f32x4 0 0 0 0)')}
      ${forLoop('j', i32(0), get('n'), 4, `${set('vx', `(f32x4.sub ${load('x')} ${get('vc')})`)} ${set('vss', `(f32x4.add ${get('vss')} (f32x4.mul ${get('vx')} ${get('vx')}))`)}`)}
      ${set('r', `(f64.div (f64.const 1) (f64.sqrt (f64.add (f64.div ${lanes('vss')} (f64.convert_i32_s ${get('n')})) ${get('eps')})))`)}
      ${set('vr', `(f32x4.splat (f32.demote_f64 ${get('r')}))`)}
      ${forLoop('j', i32(0), get('n'), 4, `(v128.store ${at('out')} (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub ${load('x')} ${get('vc')}) ${get('vr')}) ${wj('w')}) ${wj('b')}))`)}`;
}

/** The weight gradient (mode 2): threads claim blocks of 16 columns and walk every row. */
function gwColumns(): string {
  const col = (base: string) => add(get(base), mul(i32(4), get('j')));
  return claimLoop(get('n'), i32(16), 'lo', 'hi', forLoop('j', get('lo'), get('hi'), 4, `
      ${set('vux', `(v128.load ${col('out')})`)}
      ${forLoop('row', i32(0), get('rows'), 1, `
        ${set('vr', `(v128.load32_splat ${add(get('rs'), mul(i32(4), get('row')))})`)}
        ${set('vux', `(f32x4.add ${get('vux')} (f32x4.mul (f32x4.mul ${load('gy')} ${load('x')}) ${get('vr')}))`)}`)}
      (v128.store ${col('out')} ${get('vux')})`));
}

export function emitNorm(): string {
  const names = ['x', 'w', 'out', 'rows', 'n'];
  return `
  (func $rms_rows (export "rms_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'mode', 'gy', 'rs', 'b', 'lo', 'hi', 'row', 'j'], 'i32')}
    ${declare(['vx', 'vss', 'vux', 'vr', 'vc'], 'v128')} (local $r f64) (local $eps f64)
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ${set('eps', '(f64.promote_f32 (f32.load offset=20 (local.get $p)))')}
    ${set('mode', param(6))} ${set('gy', param(7))} ${set('rs', param(8))} ${set('b', param(9))}
    (if (i32.eq ${get('mode')} (i32.const 2)) (then ${gwColumns()} (return)))
    (if (i32.eq ${get('mode')} (i32.const 3)) (then ${claimLoop(get('rows'), i32(8), 'lo', 'hi', forLoop('row', get('lo'), get('hi'), 1, layerNormRow()))} (return)))
    ${claimLoop(get('rows'), i32(8), 'lo', 'hi', forLoop('row', get('lo'), get('hi'), 1, row()))})`;
}
