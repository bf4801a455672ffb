/**
 * Host side of `rope_rows` (wat/rope.ts): half-split RoPE and its adjoint on x [..., T, D] whose rows
 * are contiguous and whose leading dims walk memory with one stride (q or k as a Linear's output viewed
 * per head), x and out in wasm memory, cos and sin dense [T, D] (read in place, or copied in: a table
 * is small). Anything else runs the reference kernel, which computes the same numbers.
 */
import type { Backend, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { numel } from '../layout.js';
import { isDense, isF32 } from './gated.js';
import { operand, type Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { collapse, forEachIndex } from './strided.js';
import { PARAMS } from './wat/layout.js';

/** Leading blocks dispatched one by one before the reference kernel is as fast. */
const MAX_BLOCKS = 64;
/** Rows per claim, and below this many elements in all, one thread. */
const CLAIM_ELEMENTS = 1 << 13;

export function ropeOp(heap: Heap, pool: ThreadPool): Pick<Backend, 'rope'> {
  return {
    rope(x, cos, sin, out, transpose) {
      if (!isF32(x.data, cos.data, sin.data, out) || !ropeRows(heap, pool, x, cos, sin, out as Float32Array, transpose)) cpu.rope(x, cos, sin, out, transpose);
    },
  };
}

/** Runs the kernel; false, having done nothing, for what it does not take (see above). */
export function ropeRows(heap: Heap, pool: ThreadPool, x: View, cos: View, sin: View, out: Float32Array, transpose: boolean): boolean {
  const nd = x.shape.length;
  if (nd < 2) return false;
  const [T, D] = x.shape.slice(nd - 2);
  const [xa, o] = [heap.addressOf(x.data), heap.addressOf(out)];
  if (xa === undefined || o === undefined || D % 4 !== 0 || T * D === 0 || x.strides[nd - 1] !== 1) return false;
  if (!isDense(cos) || !isDense(sin) || cos.shape.length !== 2 || cos.shape[0] !== T || cos.shape[1] !== D || sin.shape[0] !== T || sin.shape[1] !== D) return false;
  // the leading dims: the last one is the kernel's G, any before it are blocks dispatched one by one
  const g = collapse(x.shape.slice(0, nd - 2), [x.strides.slice(0, nd - 2)]);
  const k = g.shape.length;
  const [G, xg] = k ? [g.shape[k - 1], g.strides[0][k - 1]] : [1, 0];
  const blocks = g.shape.slice(0, Math.max(0, k - 1));
  if (numel(blocks) > MAX_BLOCKS) return false;
  // the tables in place when resident, else copied in (heap.ts `operand`)
  const [c, s] = ([[cos, 'rope_cos'], [sin, 'rope_sin']] as const).map(([t, name]) => operand(heap, t.data as Float32Array, name, 4 * T * D).load(t.offset, T * D));
  const chunk = Math.max(1, Math.ceil(CLAIM_ELEMENTS / D));
  const nth = G * T * D < 4 * CLAIM_ELEMENTS ? 1 : pool.threads;
  forEachIndex(blocks, (idx, blk) => {
    const from = x.offset + idx.reduce((n, i, d) => n + i * g.strides[0][d], 0);
    heap.i32.set([xa + 4 * from, c, s, o + 4 * blk * G * T * D, G, T, D, xg, x.strides[nd - 2], transpose ? 1 : 0, chunk], PARAMS / 4);
    pool.run('rope_rows', PARAMS, nth);
  });
  return true;
}
