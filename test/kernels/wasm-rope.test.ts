/**
 * RoPE in wasm (kernels/wasm/rope.ts, wat/rope.ts) against the reference kernel, bit for bit: forward
 * and adjoint, q/k as a Linear's output viewed per head ([B, T, H, D] memory as [B, H, T, D]), a
 * contiguous x, head dims 8 and 12 (pairs of lanes), enough rows for both threads, tables in wasm
 * memory and copied in; and what it declines.
 */
import type { View } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { ropeRows } from '../../src/kernels/wasm/rope.js';
import { useKernelRig, random, view } from './wasm-helpers.js';

const rig = useKernelRig();
const resident = (values: Float32Array | number) => rig.resident(values);

/** cos/sin tables [T, D] as ropeTables builds them (positions from 3, θ = 10000). */
function tables(T: number, D: number): [Float32Array, Float32Array] {
  const [c, s] = [new Float32Array(T * D), new Float32Array(T * D)];
  for (let t = 0; t < T; t++) for (let i = 0; i < D; i++) {
    const angle = (t + 3) / 10000 ** ((2 * (i % (D / 2))) / D);
    [c[t * D + i], s[t * D + i]] = [Math.cos(angle), Math.sin(angle)];
  }
  return [c, s];
}

describe.each([false, true])('transpose %s', (transpose) => {
  it.each([[2, 3, 5, 8], [1, 8, 300, 64], [1, 2, 7, 12]])('B %i, H %i, T %i, D %i: per-head view and contiguous x', (B, H, T, D) => {
    const values = random(B * T * H * D, T + D).map((v, i) => (i % 17 === 0 ? -3 * v : v));
    const [c, s] = tables(T, D);
    const layouts: View[] = [
      view(resident(values), [B, H, T, D], [T * H * D, D, H * D, 1]), // [B, T, H, D] memory, per head
      view(resident(values), [B, H, T, D], [H * T * D, T * D, D, 1]),
    ];
    for (const x of layouts) for (const [cos, sin] of [[resident(c), resident(s)], [c, s]]) {
      const [cv, sv] = [view(cos, [T, D], [D, 1]), view(sin, [T, D], [D, 1])];
      const want = new Float32Array(B * H * T * D);
      cpu.rope(x, cv, sv, want, transpose);
      const got = resident(want.length);
      expect(ropeRows(rig.heap, rig.pool, x, cv, sv, got, transpose)).toBe(true);
      expect(got).toEqual(want);
    }
  });
});

it('declines a head dim that is not a multiple of 4, a host x or output, strided rows and a strided table', () => {
  const [c, s] = tables(5, 8);
  const tab = (d: Float32Array) => view(d, [5, 8], [8, 1]);
  const x = view(resident(random(3 * 5 * 8, 1)), [3, 5, 8], [40, 8, 1]);
  const cases: Array<[View, View, Float32Array]> = [
    [view(resident(90), [3, 5, 6], [30, 6, 1]), view(c, [5, 6], [6, 1]), resident(90)],
    [view(random(120, 2), [3, 5, 8], [40, 8, 1]), tab(c), resident(120)],
    [x, tab(c), new Float32Array(120)],
    [view(x.data, [3, 5, 4], [40, 8, 2]), view(c, [5, 4], [8, 2]), resident(60)],
    [x, view(c, [5, 8], [1, 5]), resident(120)],
  ];
  for (const [xv, cv, out] of cases) {
    expect(ropeRows(rig.heap, rig.pool, xv, cv, tab(s).shape[1] === cv.shape[1] ? tab(s) : cv, out, false)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
  }
});
