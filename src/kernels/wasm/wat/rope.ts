/**
 * WAT for half-split RoPE over rows of x [G, T, D] (G = batch·heads, strided), cos and sin dense [T, D]:
 *   out[i]     = x[i]·cos[i]         − x[i + h]·sin[i]      (transpose: + x[i + h]·sin[i + h])
 *   out[i + h] = x[i + h]·cos[i + h] + x[i]·sin[i + h]      (transpose: − x[i]·sin[i])
 * with h = D/2, out dense [G, T, D]. Two lanes at a time in float64, as the reference computes: the
 * float32 products are exact in float64, their sum is rounded once to float64 and once to float32, so
 * every output equals the reference's bit for bit.
 *
 * `rope_rows(tid, nth, p)`; words at p: 0 x  1 cos  2 sin  3 out (byte addresses)  4 G  5 T  6 D (a multiple of 4)
 * 7 xg  8 xt (x's element strides of g and t; its last dim is contiguous)  9 transpose (0/1)  10 rows per claim.
 * Threads claim blocks of the G·T rows.
 */
import { add, claimLoop, declare, forLoop, get, i32, mul, param, set } from './util.js';

/** The two float32 at byte address `at` as f64x2. */
const load2 = (at: string) => `(f64x2.promote_low_f32x4 (v128.load64_zero ${at}))`;
const at = (base: string, i: string) => add(get(base), mul(i32(4), i));
const store2 = (where: string, v: string) => `(v128.store64_lane 0 ${where} (f32x4.demote_f64x2_zero ${v}))`;

export function emitRope(): string {
  const names = ['x', 'c', 's', 'o', 'G', 'T', 'D', 'xg', 'xt', 'transpose', 'chunk'];
  const iHi = add(get('i'), get('h'));
  return `
  (func $rope_rows (export "rope_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'lo', 'hi', 'r', 'i', 'h', 'rows', 't', 'px', 'pc', 'ps', 'po'], 'i32')}
    ${declare(['a', 'b', 'sLo', 'sHi'], 'v128')}
    ${names.map((n, k) => set(n, param(k))).join('\n    ')}
    ${set('h', `(i32.shr_u ${get('D')} (i32.const 1))`)}
    ${set('rows', mul(get('G'), get('T')))}
    ${claimLoop(get('rows'), get('chunk'), 'lo', 'hi', forLoop('r', get('lo'), get('hi'), 1, `
      ${set('t', `(i32.rem_u ${get('r')} ${get('T')})`)}
      ${set('px', add(get('x'), mul(i32(4), add(mul(`(i32.div_u ${get('r')} ${get('T')})`, get('xg')), mul(get('t'), get('xt'))))))}
      ${set('pc', add(get('c'), mul(i32(4), mul(get('t'), get('D')))))}
      ${set('ps', add(get('s'), mul(i32(4), mul(get('t'), get('D')))))}
      ${set('po', add(get('o'), mul(i32(4), mul(get('r'), get('D')))))}
      ${forLoop('i', i32(0), get('h'), 2, `
        ${set('a', load2(at('px', get('i'))))}
        ${set('b', load2(at('px', iHi)))}
        ${set('sLo', load2(at('ps', get('i'))))}
        ${set('sHi', load2(at('ps', iHi)))}
        (if ${get('transpose')} (then
          ${store2(at('po', get('i')), `(f64x2.add (f64x2.mul ${get('a')} ${load2(at('pc', get('i')))}) (f64x2.mul ${get('b')} ${get('sHi')}))`)}
          ${store2(at('po', iHi), `(f64x2.sub (f64x2.mul ${get('b')} ${load2(at('pc', iHi))}) (f64x2.mul ${get('a')} ${get('sLo')}))`)})
        (else
          ${store2(at('po', get('i')), `(f64x2.sub (f64x2.mul ${get('a')} ${load2(at('pc', get('i')))}) (f64x2.mul ${get('b')} ${get('sLo')}))`)}
          ${store2(at('po', iHi), `(f64x2.add (f64x2.mul ${get('b')} ${load2(at('pc', iHi))}) (f64x2.mul ${get('a')} ${get('sHi')}))`)}))`)}`))})`;
}
