/**
 * Batched matmul as one GPU.js kernel: one output cell per thread, a K-long dot product each.
 *
 * Operands are packed to what the kernel reads (see pack.ts): `a` as row-major [batch?, M, K]; `b`
 * either as [batch?, K, N] ("kn") or, when its memory already runs along K — a Linear weight [N, K]
 * seen through a transpose — as [batch?, N, K] ("nk"), which then needs no copy. An operand whose batch
 * axes are all broadcast is passed once with batch stride 0, so a shared weight is never expanded.
 * Compiled kernels are cached per shape key `kn:M×N×K×batch:a1b0` (sizes are baked into the code).
 * A product whose operands or output exceed the kernel element limit runs in tiles (matmulTiled).
 */
import type { Data, View } from '../backend.js';
import { formatShape, numel } from '../layout.js';
import type { KernelCache } from './kernel-cache.js';
import { batchIsShared, packFloat32, trailingView } from './pack.js';
import type { GpuJsRuntime, KernelThis } from './runtime.js';

/* Kernel sources: sent to GPU.js as text; plain arithmetic only, no closures. Cell i = (batch, m, n). */

function matmulKN(this: KernelThis, a: Float32Array, b: Float32Array): number {
  const i = this.thread.x;
  const n = i % this.constants.N;
  const row = Math.floor(i / this.constants.N);
  const batch = Math.floor(row / this.constants.M);
  const aBase = batch * this.constants.aBatch + (row - batch * this.constants.M) * this.constants.K;
  const bBase = batch * this.constants.bBatch + n;
  let acc = 0;
  for (let k = 0; k < this.constants.K; k++) {
    acc += a[aBase + k] * b[bBase + k * this.constants.N];
  }
  return acc;
}

function matmulNK(this: KernelThis, a: Float32Array, bt: Float32Array): number {
  const i = this.thread.x;
  const n = i % this.constants.N;
  const row = Math.floor(i / this.constants.N);
  const batch = Math.floor(row / this.constants.M);
  const aBase = batch * this.constants.aBatch + (row - batch * this.constants.M) * this.constants.K;
  const bBase = batch * this.constants.bBatch + n * this.constants.K;
  let acc = 0;
  for (let k = 0; k < this.constants.K; k++) {
    acc += a[aBase + k] * bt[bBase + k];
  }
  return acc;
}

interface MatmulDims {
  M: number;
  N: number;
  K: number;
  batch: number;
  aShared: boolean;
  bShared: boolean;
}

/** The cached kernel for one layout and shape, compiling it on first use. */
function kernelFor(rt: GpuJsRuntime, cache: KernelCache, layout: 'kn' | 'nk', d: MatmulDims) {
  const key = `${layout}:${d.M}×${d.N}×${d.K}×${d.batch}:a${d.aShared ? 0 : 1}b${d.bShared ? 0 : 1}`;
  return cache.get(key, () =>
    rt.compile(layout === 'nk' ? matmulNK : matmulKN, {
      size: d.batch * d.M * d.N,
      constants: { M: d.M, N: d.N, K: d.K, aBatch: d.aShared ? 0 : d.M * d.K, bBatch: d.bShared ? 0 : d.K * d.N },
    }),
  );
}

/**
 * out = a @ b on GPU.js; a: [...batch, M, K], b: [...batch, K, N] (float32), out contiguous.
 * `limit` is the most elements one kernel may index (see index.ts: GPU.js indexes in float32).
 */
export function gpuMatmul(rt: GpuJsRuntime, cache: KernelCache, a: View, b: View, out: Data, limit: number): void {
  const nd = a.shape.length;
  const [M, K] = [a.shape[nd - 2], a.shape[nd - 1]];
  const N = b.shape[nd - 1];
  const what = () => `gpujs matmul: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`;
  if (b.shape[nd - 2] !== K) throw new Error(`${what()}: inner dims ${K} vs ${b.shape[nd - 2]}`);
  const batch = numel(a.shape.slice(0, nd - 2));
  const size = batch * M * N;
  if (size === 0) return;
  if (K === 0) {
    out.fill(0, 0, size);
    return;
  }
  if (K > limit) throw new Error(`${what()}: K = ${K} exceeds the ${limit}-element kernel limit (${rt.mode})`);
  const aShared = batch > 1 && batchIsShared(a, 2);
  const bShared = batch > 1 && batchIsShared(b, 2);
  const fits = (aShared ? 1 : batch) * M * K <= limit && (bShared ? 1 : batch) * K * N <= limit && size <= limit;
  // "nk" when b's memory runs along K (stride 1 on K): the packed transposed copy is then free.
  // Tiling always uses "nk", where a block of N columns is one contiguous slice.
  const layout = !fits || (b.strides[nd - 2] === 1 && K > 1 && N > 1) ? 'nk' : 'kn';
  const batchAxes = [...Array(nd - 2).keys()];
  const A = aShared ? packFloat32(trailingView(a, 2), [0, 1]) : packFloat32(a, [...batchAxes, nd - 2, nd - 1]);
  const bPerm = layout === 'nk' ? [nd - 1, nd - 2] : [nd - 2, nd - 1];
  const B = bShared
    ? packFloat32(trailingView(b, 2), bPerm.map((p) => p - (nd - 2)))
    : packFloat32(b, [...batchAxes, ...bPerm]);
  const dims = { M, N, K, batch, aShared, bShared };
  if (fits) out.set(kernelFor(rt, cache, layout, dims).run(A, B));
  else matmulTiled(rt, cache, A, B, dims, out, limit);
}

/**
 * The same product in tiles of rows × cols output cells (one batch element at a time), each tile's
 * operands and output within `limit` elements; b is in the "nk" layout.
 */
function matmulTiled(rt: GpuJsRuntime, cache: KernelCache, A: Float32Array, B: Float32Array, d: MatmulDims, out: Data, limit: number) {
  const { M, N, K } = d;
  const nb = Math.min(N, Math.floor(limit / K));
  const mb = Math.max(1, Math.min(M, Math.floor(limit / K), Math.floor(limit / nb)));
  for (let bt = 0; bt < d.batch; bt++) {
    const aOff = d.aShared ? 0 : bt * M * K;
    const bOff = d.bShared ? 0 : bt * N * K;
    for (let m0 = 0; m0 < M; m0 += mb) {
      const rows = Math.min(mb, M - m0);
      const aTile = A.subarray(aOff + m0 * K, aOff + (m0 + rows) * K);
      for (let n0 = 0; n0 < N; n0 += nb) {
        const cols = Math.min(nb, N - n0);
        const tileDims = { M: rows, N: cols, K, batch: 1, aShared: false, bShared: false };
        const res = kernelFor(rt, cache, 'nk', tileDims).run(aTile, B.subarray(bOff + n0 * K, bOff + (n0 + cols) * K));
        const outBase = (bt * M + m0) * N + n0;
        for (let r = 0; r < rows; r++) out.set(res.subarray(r * cols, (r + 1) * cols), outBase + r * N);
      }
    }
  }
}
