/**
 * Tiny helpers for writing WebAssembly text (WAT) from TypeScript. Kernels are emitted as folded
 * S-expressions; these helpers only name the recurring shapes (loops, fused multiply-add) so the
 * generators read like the loops they produce.
 */

/** Options every kernel generator receives. */
export interface EmitOptions {
  /** Emit `f32x4.relaxed_madd` (one FMA instruction) instead of `f32x4.mul` + `f32x4.add`. */
  relaxed: boolean;
}

/** a·b + c on f32x4 operands, fused when relaxed SIMD is on. */
export function fma(o: EmitOptions, a: string, b: string, c: string): string {
  return o.relaxed ? `(f32x4.relaxed_madd ${a} ${b} ${c})` : `(f32x4.add (f32x4.mul ${a} ${b}) ${c})`;
}

export const get = (name: string) => `(local.get $${name})`;
export const set = (name: string, value: string) => `(local.set $${name} ${value})`;
export const i32 = (n: number) => `(i32.const ${n | 0})`;
export const add = (a: string, b: string) => `(i32.add ${a} ${b})`;
export const mul = (a: string, b: string) => `(i32.mul ${a} ${b})`;
export const inc = (name: string, by: string | number) =>
  set(name, add(get(name), typeof by === 'number' ? i32(by) : by));
/** min of two signed i32 */
export const min = (a: string, b: string) => `(select ${a} ${b} (i32.lt_s ${a} ${b}))`;
export const declare = (names: readonly string[], type: 'i32' | 'f32' | 'f64' | 'v128' | 'i64') =>
  names.map((n) => `(local $${n} ${type})`).join(' ');
/** Loads i32 word `index` of the parameter block at $p. */
export const param = (index: number) => `(i32.load offset=${index * 4} (local.get $p))`;

/**
 * `for (v = from; v < to; v += step) body` as a block/loop pair; `to` is re-evaluated each trip,
 * so pass a local.
 */
export function forLoop(v: string, from: string, to: string, step: string | number, body: string): string {
  const label = `${v}_${counter++}`;
  return `${set(v, from)}
  (block $B${label} (loop $L${label}
    (br_if $B${label} (i32.ge_s ${get(v)} ${to}))
    ${body}
    ${inc(v, step)}
    (br $L${label})))`;
}
let counter = 0;

/** Word of the parameter block that threads claim work from (zeroed by the pool before each dispatch). */
export const WORK_COUNTER = 63;

/**
 * Dynamic scheduling: each thread repeatedly claims the next chunk [lo, hi) of `total` units with an
 * atomic add on the work counter, until none is left. On a machine shared with other processes a
 * delayed thread then costs only its last chunk, where a static split would wait for its whole share.
 * Which thread computes a chunk never changes the arithmetic, so results do not depend on threads.
 */
export function claimLoop(total: string, chunk: string, lo: string, hi: string, body: string): string {
  const label = `claim_${counter++}`;
  return `(block $B${label} (loop $L${label}
    ${set(lo, `(i32.mul (i32.atomic.rmw.add offset=${WORK_COUNTER * 4} (local.get $p) (i32.const 1)) ${chunk})`)}
    (br_if $B${label} (i32.ge_s ${get(lo)} ${total}))
    ${set(hi, min(`(i32.add ${get(lo)} ${chunk})`, total))}
    ${body}
    (br $L${label})))`;
}
