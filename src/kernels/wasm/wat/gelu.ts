/**
 * WAT for the exact GELU ½x(1 + erf(x/√2)) = ½x·erfc(−x/√2) on float32, two lanes at a time in float64
 * (the arithmetic of elementwise.ts's float32 row, so the same accuracy: a relative error ~1e-7 in
 * both tails):
 *   z = |x|/√2, t = 1/(1 + z/2), erfc(z) = t·exp(−z² + P(t))   (Numerical Recipes' erfcc, error < 1.2e-7)
 *   gelu(x) = ½x·(2 − erfc(z)) for x ≥ 0, ½x·erfc(z) below.
 * exp in float64: n = round(y·log2 e) by the 1.5·2⁵² bias, r = y − n·ln2 (hi + lo parts), a degree-10
 * Taylor polynomial (error < 1e-13 on |r| ≤ ln2/2), 2ⁿ from the exponent bits; 0 below y = −708.
 *
 * `gelu_rows(tid, nth, p)`; words at p: 0 x  3 out  5 n (a multiple of 4) — the layout of gated_rows,
 * so that gated.ts streams both. Threads claim chunks of 1024 elements.
 */
import { add, claimLoop, declare, forLoop, get, i32, mul, param, set } from './util.js';

const f64 = (v: number | string) => `(v128.const f64x2 ${v} ${v})`;
const MAGIC = '0x1.8p52';
const P = [-1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806, 0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277];

/** exp of each lane of the f64x2 local `y` (y ≤ 0 here), left in local `e`; uses locals q, r. */
function exp2lanes(): string {
  let poly = f64(1 / 3628800);
  for (let k = 9; k >= 0; k--) poly = `(f64x2.add (f64x2.mul ${poly} ${get('r')}) ${f64(1 / [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880][k])})`;
  return `
    ${set('r', `(f64x2.max ${get('y')} ${f64(-708)})`)}
    ${set('q', `(f64x2.add (f64x2.mul ${get('r')} ${f64(Math.LOG2E)}) ${f64(MAGIC)})`)}
    ${set('e', get('q'))}
    ${set('q', `(f64x2.sub ${get('q')} ${f64(MAGIC)})`)}
    ${set('r', `(f64x2.sub ${get('r')} (f64x2.mul ${get('q')} ${f64(0.6931471803691238)}))`)}
    ${set('r', `(f64x2.sub ${get('r')} (f64x2.mul ${get('q')} ${f64(1.9082149292705877e-10)}))`)}
    ;; 2ⁿ: n sits in the low mantissa bits of the biased value; (bits + 1023) << 52 keeps n + 1023
    ${set('e', `(f64x2.mul ${poly} (i64x2.shl (i64x2.add ${get('e')} (v128.const i64x2 1023 1023)) (i32.const 52)))`)}
    ${set('e', `(v128.andnot ${get('e')} (f64x2.lt ${get('y')} ${f64(-708)}))`)}`;
}

/** gelu of the two float32 at byte address `src`, stored at `dst`. */
function twoLanes(src: string, dst: string): string {
  let poly = f64(P[9]);
  for (let k = 8; k >= 0; k--) poly = `(f64x2.add (f64x2.mul ${poly} ${get('t')}) ${f64(P[k])})`;
  return `
    ${set('v', `(f64x2.promote_low_f32x4 (v128.load64_zero ${src}))`)}
    ${set('z', `(f64x2.mul (f64x2.abs ${get('v')}) ${f64(Math.SQRT1_2)})`)}
    ${set('t', `(f64x2.div ${f64(1)} (f64x2.add ${f64(1)} (f64x2.mul ${f64(0.5)} ${get('z')})))`)}
    ${set('y', `(f64x2.add (f64x2.neg (f64x2.mul ${get('z')} ${get('z')})) ${poly})`)}
    ${exp2lanes()}
    ${set('e', `(f64x2.mul ${get('t')} ${get('e')})`)}
    ${set('e', `(v128.bitselect (f64x2.sub ${f64(2)} ${get('e')}) ${get('e')} (f64x2.ge ${get('v')} ${f64(0)}))`)}
    (v128.store64_lane 0 ${dst} (f32x4.demote_f64x2_zero (f64x2.mul (f64x2.mul ${f64(0.5)} ${get('v')}) ${get('e')})))`;
}

export function emitGelu(): string {
  const at = (base: string, k: number) => add(get(base), mul(i32(4), add(get('j'), i32(k))));
  return `
  (func $gelu_rows (export "gelu_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare(['x', 'o', 'n', 'lo', 'hi', 'j'], 'i32')}
    ${declare(['v', 'z', 't', 'y', 'q', 'r', 'e'], 'v128')}
    ${set('x', param(0))} ${set('o', param(3))} ${set('n', param(5))}
    ${claimLoop(get('n'), i32(1024), 'lo', 'hi', forLoop('j', get('lo'), get('hi'), 2, twoLanes(at('x', 0), at('o', 0))))})`;
}
