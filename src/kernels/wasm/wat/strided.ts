/**
 * WAT for the memory-bound elementwise ops over 2-D strided operands: out[r, j] = a[r·ar + j·ac] ∘ b[r·br + j·bc]
 * (binary with broadcasting: a stride of 0 repeats a row or an element), and out[r, j] = a[r·ar + j·ac]
 * (copy: a view made contiguous, e.g. a transpose), with out[r, j] at out + 4·(r·or + j).
 *
 * `strided_rows(tid, nth, p)`; words at p: 0 a  1 b  2 out (byte addresses)  3 R  4 N  5 ar  6 ac  7 br  8 bc
 * (element strides)  9 or (out's row stride)  10 op (index in STRIDED_OPS)  11 rows per claim. Threads claim blocks of rows.
 * When both column strides are 0 or 1, four columns at a time (a stride-0 operand is splatted once per
 * row), then one at a time for the tail; other column strides (a transpose) one at a time throughout.
 * Every op is one IEEE float32 operation, so the results equal the reference's (computed in float64
 * and rounded once, which for + − × ÷ is the same number).
 */
import { add, claimLoop, declare, forLoop, get, i32, mul, param, set } from './util.js';

export const STRIDED_OPS = ['add', 'sub', 'mul', 'div', 'maximum', 'copy'] as const;
export type StridedOp = (typeof STRIDED_OPS)[number];

/** The op on two f32x4 or two f32 values (`t` = 'f32x4' | 'f32'). */
function apply(op: StridedOp, t: 'f32x4' | 'f32', a: string, b: string): string {
  switch (op) {
    case 'copy': return a;
    // the reference's a >= b ? a : b (a NaN in a gives b; a NaN in b gives NaN)
    case 'maximum': return t === 'f32' ? `(select ${a} ${b} (f32.ge ${a} ${b}))` : `(v128.bitselect ${a} ${b} (f32x4.ge ${a} ${b}))`;
    default: return `(${t}.${op} ${a} ${b})`;
  }
}

const addr = (base: string, index: string, stride: string) => add(get(base), mul(i32(4), mul(index, get(stride))));

/** One row r of op, with the vector loop specialised to column strides (ac, bc) ∈ {0, 1}² \ (0, 0). */
function vectorRow(op: StridedOp, ac: 0 | 1, bc: 0 | 1): string {
  const load = (base: string, unit: 0 | 1, hoisted: string) => (unit ? `(v128.load ${add(get(base), mul(i32(4), get('j')))})` : get(hoisted));
  return `
    ${set('va', `(v128.load32_splat ${get('pa')})`)}
    ${set('vb', `(v128.load32_splat ${get('pb')})`)}
    ${forLoop('j', i32(0), get('nv'), 4, `(v128.store ${add(get('po'), mul(i32(4), get('j')))} ${apply(op, 'f32x4', load('pa', ac, 'va'), load('pb', bc, 'vb'))})`)}`;
}

function scalarTail(op: StridedOp): string {
  return forLoop('j', get('j'), get('N'), 1, `(f32.store ${add(get('po'), mul(i32(4), get('j')))} ${apply(op, 'f32', `(f32.load ${addr('pa', get('j'), 'ac')})`, `(f32.load ${addr('pb', get('j'), 'bc')})`)})`);
}

/** The rows [lo, hi) for one op: the vector variant the strides allow, then the scalar tail. */
function rows(op: StridedOp): string {
  const variants = ([[1, 1], [1, 0], [0, 1]] as const).map(([ac, bc]) =>
    `(if (i32.and (i32.eq ${get('ac')} ${i32(ac)}) (i32.eq ${get('bc')} ${i32(bc)})) (then ${vectorRow(op, ac, bc)} (br $vec)))`);
  return forLoop('r', get('lo'), get('hi'), 1, `
    ${set('pa', add(get('a'), mul(i32(4), mul(get('r'), get('ar')))))}
    ${set('pb', add(get('b'), mul(i32(4), mul(get('r'), get('br')))))}
    ${set('po', add(get('o'), mul(i32(4), mul(get('r'), get('or')))))}
    ${set('j', i32(0))}
    (block $vec ${variants.join('\n    ')})
    ${scalarTail(op)}`);
}

export function emitStrided(): string {
  const names = ['a', 'b', 'o', 'R', 'N', 'ar', 'ac', 'br', 'bc', 'or', 'op', 'chunk'];
  return `
  (func $strided_rows (export "strided_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'lo', 'hi', 'r', 'j', 'nv', 'pa', 'pb', 'po'], 'i32')}
    ${declare(['va', 'vb'], 'v128')}
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ;; the vector loops cover whole groups of 4 columns; the variant chosen per row leaves j at nv
    ${set('nv', `(i32.and ${get('N')} (i32.const -4))`)}
    ${claimLoop(get('R'), get('chunk'), 'lo', 'hi', `
      (block $done
      ${STRIDED_OPS.map((op, k) => `(if (i32.eq ${get('op')} ${i32(k)}) (then ${rows(op)} (br $done)))`).join('\n      ')})`)})`;
}
