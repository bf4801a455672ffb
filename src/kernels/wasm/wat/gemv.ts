/**
 * WAT for matrix–vector products (M = 1, the decode step). These are memory-bound streams over the
 * weight, so they do not go through the tiled GEMM (which would waste 5/6 of its tile).
 *
 * - `gemv_packed`: y[N] = x[K] · B, B in the packed panel layout of gemm.ts (so a Linear weight
 *   prepacked once serves both prefill and decode). Threads take ranges of 8-column panels; per k
 *   one broadcast x value meets the panel's row of 8; two k-steps in flight (4 accumulators).
 *   Threads claim chunks of 16 panels.
 * - `gemv_f16` / `gemv_bf16`: y[n] = Σ_k x[k] · W[n, k] with W the stored [N, K] half-precision bits,
 *   widened in registers (2 bytes per weight from memory). Threads claim chunks of 32 rows, worked
 *   4 rows at a time. A 16-byte load holds 8 halves; the even ones are widened by shifting left 16, the odd ones
 *   in place, so x is passed pre-permuted per group of 8 as [x0 x2 x4 x6 | x1 x3 x5 x7] and no lane
 *   shuffle is needed.
 */
import { widenScalar } from './gemm.js';
import { add, claimLoop, declare, fma, forLoop, get, i32, inc, mul, param, set, type EmitOptions } from './util.js';

/** Horizontal sum of an f32x4 expression. */
const hsum = (v: string) => `(f32.add (f32.add (f32x4.extract_lane 0 ${v}) (f32x4.extract_lane 1 ${v})) (f32.add (f32x4.extract_lane 2 ${v}) (f32x4.extract_lane 3 ${v})))`;

/**
 * `gemv_packed(tid, nth, p)`; words at p: 0 x  1 Bp  2 nbPad  3 y (nbPad floats, padded)  4 K
 * `kc` is the K block of the packing (the panel stride changes per K block).
 */
function gemvPacked(kcBlock: number, o: EmitOptions): string {
  const names = ['x', 'Bp', 'nbPad', 'y', 'K'];
  return `
  (func $gemv_packed (export "gemv_packed") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'lo', 'hi', 'jp', 'pc', 'kc', 'k', 'xp', 'bp'], 'i32')} ${declare(['a0', 'a1', 'a2', 'a3'], 'v128')}
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ${claimLoop(`(i32.shr_u ${get('nbPad')} (i32.const 3))`, i32(16), 'lo', 'hi', forLoop('jp', get('lo'), get('hi'), 1, `
      ${['a0', 'a1', 'a2', 'a3'].map((a) => set(a, '(v128.const i32x4 0 0 0 0)')).join(' ')}
      ${forLoop('pc', i32(0), get('K'), kcBlock, `
        ${set('kc', `(select ${i32(kcBlock)} (i32.sub ${get('K')} ${get('pc')}) (i32.lt_s ${i32(kcBlock)} (i32.sub ${get('K')} ${get('pc')})))`)}
        ${set('bp', add(get('Bp'), mul(i32(4), add(mul(get('pc'), get('nbPad')), mul(mul(get('jp'), i32(8)), get('kc'))))))}
        ${set('xp', add(get('x'), mul(i32(4), get('pc'))))}
        ${set('k', `(i32.shr_u ${get('kc')} (i32.const 1))`)}
        (if ${get('k')} (then (loop $pairs
          ${set('a0', fma(o, `(v128.load32_splat ${get('xp')})`, `(v128.load ${get('bp')})`, get('a0')))}
          ${set('a1', fma(o, `(v128.load32_splat ${get('xp')})`, `(v128.load offset=16 ${get('bp')})`, get('a1')))}
          ${set('a2', fma(o, `(v128.load32_splat offset=4 ${get('xp')})`, `(v128.load offset=32 ${get('bp')})`, get('a2')))}
          ${set('a3', fma(o, `(v128.load32_splat offset=4 ${get('xp')})`, `(v128.load offset=48 ${get('bp')})`, get('a3')))}
          ${inc('xp', 8)} ${inc('bp', 64)}
          ${set('k', `(i32.sub ${get('k')} (i32.const 1))`)}
          (br_if $pairs ${get('k')}))))
        (if (i32.and ${get('kc')} (i32.const 1)) (then
          ${set('a0', fma(o, `(v128.load32_splat ${get('xp')})`, `(v128.load ${get('bp')})`, get('a0')))}
          ${set('a1', fma(o, `(v128.load32_splat ${get('xp')})`, `(v128.load offset=16 ${get('bp')})`, get('a1')))}))`)}
      (v128.store ${add(get('y'), mul(get('jp'), i32(32)))} (f32x4.add ${get('a0')} ${get('a2')}))
      (v128.store offset=16 ${add(get('y'), mul(get('jp'), i32(32)))} (f32x4.add ${get('a1')} ${get('a3')}))`))})`;
}

/**
 * Widens the 4 even (low) or odd (high) halves of 8 packed u16 values in `w` to f32x4. bf16 exactly;
 * f16 to its value × 2^-112 (sign, exponent and mantissa moved into place, the exponent not rebiased):
 * the caller scales x by 2^t and the sum by 2^(112−t), powers of two, which saves a multiply per vector.
 */
function widen8(format: 'f16' | 'bf16', w: string, half: 'even' | 'odd'): string {
  if (format === 'bf16') return half === 'even' ? `(i32x4.shl ${w} (i32.const 16))` : `(v128.and ${w} (v128.const i32x4 0xffff0000 0xffff0000 0xffff0000 0xffff0000))`;
  const top = half === 'even' ? `(i32x4.shl ${w} (i32.const 16))` : w; // the half in bits 31..16
  return `(v128.and (i32x4.shr_s ${top} (i32.const 3)) (v128.const i32x4 0x8fffe000 0x8fffe000 0x8fffe000 0x8fffe000))`;
}

/**
 * `gemv_<format>(tid, nth, p)`; words at p: 0 xperm (x permuted per 8 and scaled by 2^t, K8 = K − K mod 8
 * values)  1 x (plain, for the K mod 8 tail)  2 W (u16 bits, [N, K] row-major)  3 y  4 N  5 K
 * 6 (f32) the factor that undoes the scaling of the vector part: 2^(112−t) for f16, 2^−t for bf16.
 */
function gemvHalf(format: 'f16' | 'bf16', o: EmitOptions): string {
  const names = ['xperm', 'x', 'W', 'y', 'N', 'K'];
  const R = 4;
  const rows = Array.from({ length: R }, (_, r) => r);
  /** k-group u (8 values) of rows rs: x at xp + 32u, W at w_r + 16u. */
  const group = (rs: number[], u: number) => `
        ${set('xe', `(v128.load offset=${32 * u} ${get('xp')})`)} ${set('xo', `(v128.load offset=${32 * u + 16} ${get('xp')})`)}
        ${rs.map((r) => `${set('v', `(v128.load offset=${16 * u} ${get(`w${r}`)})`)}
        ${set(`e${r}`, fma(o, widen8(format, get('v'), 'even'), get('xe'), get(`e${r}`)))}
        ${set(`o${r}`, fma(o, widen8(format, get('v'), 'odd'), get('xo'), get(`o${r}`)))}`).join('\n        ')}`;
  const body = (nr: number) => {
    const rs = rows.slice(0, nr);
    return `
      ${rs.map((r) => `${set(`w${r}`, add(get('W'), mul(i32(2), mul(add(get('n'), i32(r)), get('K')))))} ${set(`e${r}`, '(v128.const i32x4 0 0 0 0)')} ${set(`o${r}`, '(v128.const i32x4 0 0 0 0)')}`).join('\n      ')}
      ${set('xp', get('xperm'))}
      ;; 16 values of k per trip (two groups of 8 at immediate offsets), then the odd group of 8
      ${forLoop('k', i32(0), get('K16'), 16, `${group(rs, 0)} ${group(rs, 1)}
        ${rs.map((r) => inc(`w${r}`, 32)).join(' ')} ${inc('xp', 64)}`)}
      (if (i32.ne ${get('K16')} ${get('K8')}) (then ${group(rs, 0)}
        ${rs.map((r) => inc(`w${r}`, 16)).join(' ')} ${inc('xp', 32)}))
      ${rs.map((r) => `${set('s', `(f32.mul ${hsum(`(f32x4.add ${get(`e${r}`)} ${get(`o${r}`)})`)} ${get('factor')})`)}
      ${forLoop('k', get('K8'), get('K'), 1, `
        ${set('s', `(f32.add ${get('s')} (f32.mul (f32.load ${add(get('x'), mul(i32(4), get('k')))}) ${widenScalar(format, get(`w${r}`))}))`)}
        ${inc(`w${r}`, 2)}`)}
      (f32.store ${add(get('y'), mul(i32(4), add(get('n'), i32(r))))} ${get('s')})`).join('\n      ')}`;
  };
  return `
  (func $gemv_${format} (export "gemv_${format}") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'K8', 'K16', 'lo', 'hi', 'n', 'k', 'xp', ...rows.map((r) => `w${r}`)], 'i32')}
    ${declare(['xe', 'xo', 'v', ...rows.map((r) => `e${r}`), ...rows.map((r) => `o${r}`)], 'v128')} (local $s f32) (local $factor f32)
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ${set('factor', '(f32.load offset=24 (local.get $p))')}
    ${set('K8', `(i32.and ${get('K')} (i32.const -8))`)} ${set('K16', `(i32.and ${get('K')} (i32.const -16))`)}
    ;; chunks of 8 quads of rows are claimed; the claim that ends the quads also takes the N mod 4 rows
    ${claimLoop(`(i32.shr_u ${get('N')} (i32.const 2))`, i32(8), 'lo', 'hi', `
      ${forLoop('n', `(i32.shl ${get('lo')} (i32.const 2))`, `(i32.shl ${get('hi')} (i32.const 2))`, R, body(R))}
      (if (i32.eq ${get('hi')} (i32.shr_u ${get('N')} (i32.const 2))) (then
        ${forLoop('n', `(i32.and ${get('N')} (i32.const -4))`, get('N'), 1, body(1))}))`)}
    ;; N < 4: no quad to claim
    (if (i32.and (i32.lt_s ${get('N')} (i32.const 4)) (i32.eqz ${get('tid')})) (then
      ${forLoop('n', i32(0), get('N'), 1, body(1))}))
  )`;
}

export function emitGemv(kcBlock: number, o: EmitOptions): string {
  return [gemvPacked(kcBlock, o), gemvHalf('f16', o), gemvHalf('bf16', o)].join('\n');
}
