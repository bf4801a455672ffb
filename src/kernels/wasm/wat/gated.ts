/**
 * WAT for the sigmoid-gated activations f(x) = x·σ(αx) (silu: α = 1, CLIP's quick_gelu: α = 1.702) and
 * SwiGLU, forward and backward, four lanes at a time with the vectorised exp of softmax.ts:
 *   σ(t) = 1/(1 + e) for t ≥ 0, e/(1 + e) below, with e = exp(−|t|) (the reference's stable split);
 *   f'(x) = σ(αx) + αx·σ(αx)(1 − σ(αx)).
 * `gated_rows(tid, nth, p)`; words at p: 0 x  1 u  2 gy  3 out1  4 out2  5 n (a multiple of 4)
 * 6 mode  7 α (f32 bits). Modes: 0 out1 = f(x)·u (SwiGLU); 1 out1 = gy·u·f'(x), out2 = gy·f(x) (its
 * backward); 2 out1 = f(x); 3 out1 = gy·f'(x). Threads claim chunks of 1024 elements.
 */
import { exp4 } from './softmax.js';
import { add, claimLoop, declare, forLoop, get, i32, mul, param, set, type EmitOptions } from './util.js';

const at = (base: string) => add(get(base), mul(i32(4), get('j')));
const load = (base: string) => `(v128.load ${at(base)})`;

export function emitGated(o: EmitOptions): string {
  const names = ['x', 'u', 'gy', 'o1', 'o2', 'n', 'mode'];
  return `
  (func $gated_rows (export "gated_rows") (param $tid i32) (param $nth i32) (param $p i32)
    ${declare([...names, 'lo', 'hi', 'j'], 'i32')}
    ${declare(['va', 'vx', 'ax', 'v', 'e', 't', 'nk', 'r', 'd', 's', 'f', 'df'], 'v128')}
    ${names.map((n, i) => set(n, param(i))).join('\n    ')}
    ${set('va', `(v128.load32_splat offset=28 (local.get $p))`)}
    ${claimLoop(get('n'), i32(1024), 'lo', 'hi', forLoop('j', get('lo'), get('hi'), 4, `
      ${set('vx', load('x'))}
      ${set('ax', `(f32x4.mul ${get('va')} ${get('vx')})`)}
      ${set('v', `(f32x4.neg (f32x4.abs ${get('ax')}))`)}
      ${exp4(o, 'v')}
      ${set('d', `(f32x4.div (v128.const f32x4 1 1 1 1) (f32x4.add (v128.const f32x4 1 1 1 1) ${get('e')}))`)}
      ${set('s', `(v128.bitselect ${get('d')} (f32x4.mul ${get('e')} ${get('d')}) (f32x4.ge ${get('ax')} (v128.const f32x4 0 0 0 0)))`)}
      ${set('f', `(f32x4.mul ${get('vx')} ${get('s')})`)}
      ${set('df', `(f32x4.add ${get('s')} (f32x4.mul (f32x4.mul ${get('ax')} ${get('s')}) (f32x4.sub (v128.const f32x4 1 1 1 1) ${get('s')})))`)}
      (block $done
        (if (i32.eqz ${get('mode')}) (then (v128.store ${at('o1')} (f32x4.mul ${get('f')} ${load('u')})) (br $done)))
        (if (i32.eq ${get('mode')} (i32.const 1)) (then
          (v128.store ${at('o1')} (f32x4.mul (f32x4.mul ${load('gy')} ${load('u')}) ${get('df')}))
          (v128.store ${at('o2')} (f32x4.mul ${load('gy')} ${get('f')})) (br $done)))
        (if (i32.eq ${get('mode')} (i32.const 2)) (then (v128.store ${at('o1')} ${get('f')}) (br $done)))
        (v128.store ${at('o1')} (f32x4.mul ${load('gy')} ${get('df')})))`))})`;
}
