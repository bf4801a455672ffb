/**
 * Batched products in one dispatch (kernels/wasm/batched.ts, the batch words of wat/gemm.ts) against
 * the reference and against the per-item loop of the wasm backend (the same kernels and K blocking, so
 * bit for bit): the attention's shapes per head (q kᵀ with both operands viewed across heads, p v),
 * two batch dims that collapse, K past the K block, and what it declines.
 */
import type { View } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { batchedProduct } from '../../src/kernels/wasm/batched.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { defaultGemmConfig } from '../../src/kernels/wasm/wat/gemm.js';
import { useKernelRig, random, relErr, view } from './wasm-helpers.js';

const rig = useKernelRig();
const resident = (values: Float32Array | number) => rig.resident(values);
let wasm: WasmBackend;
beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 2 });
});
afterAll(() => wasm.dispose());

const numel = (s: readonly number[]) => s.reduce((n, d) => n * d, 1);
const T = 37;
const D = 16;
const H = 8;
/** [name, a's shape, strides, b's shape, strides] over memory laid out as a Linear's output [T, H, D] (q, k, v) or dense. */
const cases: Array<[string, number[], number[], number[], number[]]> = [
  ['q kᵀ per head', [1, H, T, D], [0, D, H * D, 1], [1, H, D, T], [0, D, 1, H * D]],
  ['p v per head', [1, H, T, T], [0, T * T, T, 1], [1, H, T, D], [0, D, H * D, 1]],
  ['two batch dims that collapse', [2, 4, T, D], [4 * T * D, T * D, D, 1], [2, 4, D, 300], [4 * D * 300, D * 300, 300, 1]],
  ['K past the K block', [3, 9, 300], [2700, 300, 1], [3, 300, 13], [3900, 13, 1]],
];

it.each(cases)('%s: as the per-item loop, bit for bit, and as the reference', (_, as, sa, bs, sb) => {
  const span = (shape: number[], strides: number[]) => 1 + shape.reduce((n, d, i) => n + (d - 1) * strides[i], 0);
  const [A, B] = [random(span(as, sa), 11), random(span(bs, sb), 12)];
  const [M, N] = [as[as.length - 2], bs[bs.length - 1]];
  const outLength = numel(as.slice(0, -2)) * M * N;
  const got = resident(outLength);
  expect(batchedProduct(rig.heap, rig.pool, defaultGemmConfig, view(resident(A), as, sa), view(resident(B), bs, sb), got)).toBe(true);
  const [perItem, want] = [new Float32Array(outLength), new Float32Array(outLength)];
  wasm.matmul(view(A, as, sa), view(B, bs, sb), perItem); // host arrays: one GEMM per item
  cpu.matmul(view(A, as, sa), view(B, bs, sb), want);
  expect(got).toEqual(perItem);
  expect(relErr(got, want)).toBeLessThan(1e-5);
});

it('declines M = 1, one B for every item, a host operand, irregular batch strides and one item', () => {
  const a = (shape: number[], strides: number[]) => view(resident(random(4000, 1)), shape, strides);
  const b = view(resident(random(4000, 2)), [4, D, 5], [D * 5, 5, 1]);
  const declined: Array<[View, View]> = [
    [a([4, 1, D], [D, D, 1]), b],
    [a([4, 3, D], [3 * D, D, 1]), view(b.data, [4, D, 5], [0, 5, 1])],
    [view(random(4000, 3), [4, 3, D], [3 * D, D, 1]), b],
    [a([2, 2, 3, D], [500, 3 * D, D, 1]), view(b.data, [2, 2, D, 5], [2 * D * 5, D * 5, 5, 1])],
    [a([1, 3, D], [3 * D, D, 1]), view(b.data, [1, D, 5], [D * 5, 5, 1])],
  ];
  for (const [x, y] of declined) {
    const out = resident(numel(x.shape.slice(0, -1)) * 5);
    expect(batchedProduct(rig.heap, rig.pool, defaultGemmConfig, x, y, out)).toBe(false);
    expect(out.every((v) => v === 0)).toBe(true);
  }
});
