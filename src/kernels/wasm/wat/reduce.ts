/**
 * WAT for sum and max along one axis: out[r, j] = ⊕_i x[r·xr + j·xc + i·sl] for i < L, out at
 * out + 4·(r·or + j). The reference's arithmetic exactly: a sum starts from 0 and adds in float64 in
 * order of i, rounded once to float32 at the end; a max keeps the first of equal values and turns NaN
 * for good at the first NaN (best = v when v > best or v is NaN).
 *
 * When the columns are contiguous (xc = 1) the sum runs two columns at a time in float64 lanes and the
 * max four at a time, each lane its own column, so every output keeps its order of i; other column
 * strides (a reduction along the last axis) and the tails run one column at a time.
 *
 * `reduce_rows(tid, nth, p)`; words at p: 0 x  1 out (byte addresses)  2 R  3 N  4 xr  5 xc  6 L  7 sl
 * (element strides)  8 or (out's row stride)  9 op (0 sum, 1 max)  10 rows per claim.
 */
import { add, claimLoop, declare, forLoop, get, i32, mul, param, set } from './util.js';

export const REDUCE_OPS = ['sum', 'max'] as const;

/** Byte address of x[r, j, i] for the current row, column j and step i. */
const xAt = (j: string) => add(get('px'), mul(i32(4), add(mul(j, get('xc')), mul(get('i'), get('sl')))));
const oAt = (j: string) => add(get('po'), mul(i32(4), j));

function sumRow(): string {
  return `
    (if (i32.eq ${get('xc')} (i32.const 1)) (then
      ${forLoop('j', i32(0), get('n2'), 2, `
        ${set('acc', '(v128.const f64x2 0 0)')}
        ${forLoop('i', i32(0), get('L'), 1, set('acc', `(f64x2.add ${get('acc')} (f64x2.promote_low_f32x4 (v128.load64_zero ${xAt(get('j'))})))`))}
        (v128.store64_lane 0 ${oAt(get('j'))} (f32x4.demote_f64x2_zero ${get('acc')}))`)}))
    ${forLoop('j', get('j'), get('N'), 1, `
      ${set('s', '(f64.const 0)')}
      ${forLoop('i', i32(0), get('L'), 1, set('s', `(f64.add ${get('s')} (f64.promote_f32 (f32.load ${xAt(get('j'))})))`))}
      (f32.store ${oAt(get('j'))} (f32.demote_f64 ${get('s')}))`)}`;
}

function maxRow(): string {
  return `
    (if (i32.eq ${get('xc')} (i32.const 1)) (then
      ${forLoop('j', i32(0), get('n4'), 4, `
        ${set('best', '(v128.const f32x4 -inf -inf -inf -inf)')}
        ${forLoop('i', i32(0), get('L'), 1, `
          ${set('v', `(v128.load ${xAt(get('j'))})`)}
          ${set('best', `(v128.bitselect ${get('v')} ${get('best')} (v128.or (f32x4.gt ${get('v')} ${get('best')}) (f32x4.ne ${get('v')} ${get('v')})))`)}`)}
        (v128.store ${oAt(get('j'))} ${get('best')})`)}))
    ${forLoop('j', get('j'), get('N'), 1, `
      ${set('m', '(f32.const -inf)')}
      ${forLoop('i', i32(0), get('L'), 1, `
        ${set('f', `(f32.load ${xAt(get('j'))})`)}
        ${set('m', `(select ${get('f')} ${get('m')} (i32.or (f32.gt ${get('f')} ${get('m')}) (f32.ne ${get('f')} ${get('f')})))`)}`)}
      (f32.store ${oAt(get('j'))} ${get('m')})`)}`;
}

export function emitReduce(): string {
  const names = ['x', 'o', 'R', 'N', 'xr', 'xc', 'L', 'sl', 'or', 'op', 'chunk'];
  return `
  (func $reduce_rows (export "reduce_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'lo', 'hi', 'r', 'j', 'i', 'n2', 'n4', 'px', 'po'], 'i32')}
    ${declare(['acc', 'best', 'v'], 'v128')} (local $s f64) (local $m f32) (local $f f32)
    ${names.map((n, k) => set(n, param(k))).join('\n    ')}
    ${set('n2', `(i32.and ${get('N')} (i32.const -2))`)}
    ${set('n4', `(i32.and ${get('N')} (i32.const -4))`)}
    ${claimLoop(get('R'), get('chunk'), 'lo', 'hi', forLoop('r', get('lo'), get('hi'), 1, `
      ${set('px', add(get('x'), mul(i32(4), mul(get('r'), get('xr')))))}
      ${set('po', add(get('o'), mul(i32(4), mul(get('r'), get('or')))))}
      ${set('j', i32(0))}
      (if (i32.eqz ${get('op')}) (then ${sumRow()}) (else ${maxRow()}))`))})`;
}
