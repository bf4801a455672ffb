/**
 * Tensor storage in wasm memory (Backend.allocate, kernels/wasm/resident.ts): the kernels read and
 * write such arrays in place. Every op is checked with its operands resident, as host arrays, and
 * mixed, against the reference kernels; the tensor layer's allocation and the budget are checked too.
 */
import type { Data, View } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { setBufferPooling } from '../../src/tensor/arena.js';
import { randn, tidy } from '../../src/tensor/index.js';
import { contiguous, random, view } from './wasm-helpers.js';

let wasm: WasmBackend;
beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 2 });
});
afterAll(() => wasm.dispose());

/** `values` in an array the backend owns (resident) or a host array. */
function place(values: Float32Array, resident: boolean): Float32Array {
  if (!resident) return values.slice();
  const a = wasm.allocate!(values.length)!;
  a.set(values);
  return a;
}
const out = (n: number, resident: boolean) => place(new Float32Array(n), resident);
const maxDiff = (a: Data, b: Data) => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const modes = [[true, true], [true, false], [false, true]] as const; // [inputs resident, output resident]

describe.each(modes)('inputs resident %s, output resident %s', (inRes, outRes) => {
  it('matmul: a contiguous and a transposed operand, batched', () => {
    const [B, M, K, N] = [2, 37, 29, 23];
    const a = contiguous(place(random(B * M * K, 1), inRes), [B, M, K]);
    const bt = place(random(B * N * K, 2), inRes); // [B, N, K], read as [B, K, N]
    const b = view(bt, [B, K, N], [N * K, 1, K]);
    const [o, ref] = [out(B * M * N, outRes), new Float32Array(B * M * N)];
    wasm.matmul(a, b, o);
    cpu.matmul(a, b, ref);
    expect(maxDiff(o, ref)).toBeLessThan(1e-5);
  });

  it('RMSNorm forward and backward (gx, gw), LayerNorm forward, over 70 rows of 1024 (two chunks)', () => {
    const [R, C] = [70, 1024];
    const x = contiguous(place(random(R * C, 5), inRes), [R, C]);
    const gy = contiguous(place(random(R * C, 6), inRes), [R, C]);
    const w = contiguous(place(random(C, 7), inRes), [C]);
    const [o, ref] = [out(R * C, outRes), new Float32Array(R * C)];
    wasm.rmsNorm(x, w, 1e-5, o);
    cpu.rmsNorm(x, w, 1e-5, ref);
    expect(maxDiff(o, ref)).toBeLessThan(1e-5);
    const [gx, gw, gxRef, gwRef] = [out(R * C, outRes), new Float32Array(C), new Float32Array(R * C), new Float32Array(C)];
    wasm.rmsNormBackward(x, w, gy, 1e-5, gx, gw);
    cpu.rmsNormBackward(x, w, gy, 1e-5, gxRef, gwRef);
    expect(maxDiff(gx, gxRef)).toBeLessThan(1e-5);
    expect(maxDiff(gw, gwRef)).toBeLessThan(1e-4);
    const b = contiguous(place(random(C, 8), inRes), [C]);
    const [ln, lnRef] = [out(R * C, outRes), new Float32Array(R * C)];
    wasm.layerNorm(x, w, b, 1e-5, ln);
    cpu.layerNorm(x, w, b, 1e-5, lnRef);
    expect(maxDiff(ln, lnRef)).toBeLessThan(1e-5);
  });

  it('softmax, attention probabilities (causal, with an offset view of q) and the softmax backward', () => {
    const [T, D, n] = [40, 16, 300];
    const x = contiguous(place(random(5 * n, 3), inRes), [5, n]);
    const [o, ref] = [out(5 * n, outRes), new Float32Array(5 * n)];
    wasm.softmax(x, o, false);
    cpu.softmax(x, ref, false);
    expect(maxDiff(o, ref)).toBeLessThan(1e-6);

    const qData = place(random(2 * T * D + 7, 4), inRes);
    const q = view(qData, [1, 2, T, D], [2 * T * D, T * D, D, 1], 7);
    const k = contiguous(place(random(2 * T * D, 5), inRes), [1, 2, T, D]);
    const [p, pRef] = [out(2 * T * T, outRes), new Float32Array(2 * T * T)];
    wasm.attentionProbs(q, k, { scale: 0.25, causal: true }, p);
    cpu.attentionProbs(q, k, { scale: 0.25, causal: true }, pRef);
    expect(maxDiff(p, pRef)).toBeLessThan(1e-6);

    const y: View = contiguous(place(pRef, inRes), [2, T, T]);
    const gy = view(place(random(2 * T * T + 3, 6), inRes), [2, T, T], [T * T, T, 1], 3);
    const [g, gRef] = [out(2 * T * T, outRes), new Float32Array(2 * T * T)];
    wasm.softmaxBackward(y, gy, 0.5, g);
    cpu.softmaxBackward(y, gy, 0.5, gRef);
    expect(maxDiff(g, gRef)).toBeLessThan(1e-6);
  });

  it.each([4096 * 5, 4096 * 5 + 3])('SwiGLU forward and backward, silu, over %i elements (whole vectors of 4 or not)', (n) => {
    const gate = contiguous(place(random(n, 7), inRes), [n]);
    const up = contiguous(place(random(n, 8), inRes), [n]);
    const gy = contiguous(place(random(n, 9), inRes), [n]);
    const [o, ref] = [out(n, outRes), new Float32Array(n)];
    wasm.swiglu(gate, up, o);
    cpu.swiglu(gate, up, ref);
    expect(maxDiff(o, ref)).toBeLessThan(1e-6);
    const [gg, gu, ggRef, guRef] = [out(n, outRes), out(n, outRes), new Float32Array(n), new Float32Array(n)];
    wasm.swigluBackward(gate, up, gy, gg, gu);
    cpu.swigluBackward(gate, up, gy, ggRef, guRef);
    expect(Math.max(maxDiff(gg, ggRef), maxDiff(gu, guRef))).toBeLessThan(1e-6);
    wasm.unary('silu', gate, o);
    cpu.unary('silu', gate, ref);
    expect(maxDiff(o, ref)).toBeLessThan(1e-6);
  });
});

it('resident arrays are zero-filled even where a freed block is reused, and the budget is kept', async () => {
  const small = await createWasmBackend({ threads: 2, residentArrayBytes: 40000 });
  try {
    const a = small.allocate!(5000)!; // 20000 bytes
    expect(a).toBeInstanceOf(Float32Array);
    a.fill(7);
    expect(small.residentArrayBytes()).toBe(20000);
    expect(small.allocate!(6000)).toBeUndefined(); // 24000 more: past 40000
    const b = small.allocate!(4000)!;
    expect(b.every((v) => v === 0)).toBe(true);
  } finally {
    small.dispose();
  }
});

it('inside a tidy scope the tensor layer allocates on the backend (outside it, host arrays); a budget of 0 gives host arrays', async () => {
  const before = wasm.residentArrayBytes();
  const x = randn([64, 256], { seed: 1, backend: wasm }); // outside any scope: a host array
  expect(wasm.residentArrayBytes()).toBe(before);
  const ref = randn([64, 256], { seed: 1 });
  const want = ref.matmul(ref.transpose(0, 1)).sum().item();
  const y = tidy(() => {
    const xr = randn([64, 256], { seed: 1, backend: wasm });
    expect(wasm.residentArrayBytes()).toBeGreaterThanOrEqual(before + 64 * 256 * 4);
    return xr.matmul(x.transpose(0, 1)).sum().detach();
  });
  expect(y.item()).toBeCloseTo(want, 1);
  const host = await createWasmBackend({ threads: 1, residentArrayBytes: 0 });
  try {
    const h = tidy(() => {
      const hx = randn([64, 256], { seed: 1, backend: host });
      expect(host.residentArrayBytes()).toBe(0);
      return hx.matmul(hx.transpose(0, 1)).detach();
    });
    expect(Array.from(h.data.slice(0, 5))).toEqual(Array.from(x.matmul(x.transpose(0, 1)).data.slice(0, 5)));
  } finally {
    host.dispose();
  }
});

it('a tensor a scope returns moves to a host copy and its block goes back to the pool: repeated scopes hold no more wasm memory', async () => {
  const b = await createWasmBackend({ threads: 1 });
  try {
    const x = randn([64, 256], { seed: 2, backend: b }); // a host array
    const run = () => tidy(() => randn([64, 256], { seed: 3, backend: b }).add(x).mul(2));
    const first = run();
    const want = Array.from(first.data);
    const held = b.residentArrayBytes();
    expect(held).toBeGreaterThan(0);
    for (let i = 0; i < 4; i++) expect(Array.from(run().data)).toEqual(want);
    expect(b.residentArrayBytes()).toBe(held); // the blocks were reused, none waits for a finalizer
    expect(Array.from(first.data)).toEqual(want); // and the later scopes did not write into a returned tensor
  } finally {
    b.dispose();
  }
});

it('a dead array the pool has no room for goes back to the backend at once', async () => {
  const b = await createWasmBackend({ threads: 1 });
  setBufferPooling(false);
  try {
    const y = tidy(() => randn([128, 128], { seed: 4, backend: b }).exp().sum().detach());
    expect(Number.isFinite(y.item())).toBe(true);
    expect(b.residentArrayBytes()).toBe(0);
  } finally {
    setBufferPooling(true);
    b.dispose();
  }
});
