/**
 * Batched matmul as one GPU.js kernel: one output cell per thread, a K-long dot product each.
 *
 * Operands are packed to what the kernel reads (see pack.ts): `a` as row-major [batch?, M, K]; `b`
 * either as [batch?, K, N] ("kn") or, when its memory already runs along K — a Linear weight [N, K]
 * seen through a transpose — as [batch?, N, K] ("nk"), which then needs no copy. An operand whose batch
 * axes are all broadcast is passed once with batch stride 0, so a shared weight is never expanded.
 * Compiled kernels are cached per shape key `kn:M×N×K×batch:a1b0` (sizes are baked into the code).
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

/** out = a @ b on GPU.js; a: [...batch, M, K], b: [...batch, K, N] (float32), out contiguous. */
export function gpuMatmul(rt: GpuJsRuntime, cache: KernelCache, a: View, b: View, out: Data): void {
  const nd = a.shape.length;
  const [M, K] = [a.shape[nd - 2], a.shape[nd - 1]];
  const N = b.shape[nd - 1];
  if (b.shape[nd - 2] !== K) {
    throw new Error(`gpujs matmul: ${formatShape(a.shape)} @ ${formatShape(b.shape)}: inner dims ${K} vs ${b.shape[nd - 2]}`);
  }
  const batch = numel(a.shape.slice(0, nd - 2));
  const size = batch * M * N;
  if (size === 0) return;
  if (K === 0) {
    out.fill(0, 0, size);
    return;
  }
  const batchAxes = [...Array(nd - 2).keys()];
  // "nk" when b's memory runs along K (stride 1 on K): the packed transposed copy is then free.
  const layout = b.strides[nd - 2] === 1 && K > 1 && N > 1 ? 'nk' : 'kn';
  const aShared = batch > 1 && batchIsShared(a, 2);
  const bShared = batch > 1 && batchIsShared(b, 2);
  const A = aShared ? packFloat32(trailingView(a, 2), [0, 1]) : packFloat32(a, [...batchAxes, nd - 2, nd - 1]);
  const bPerm = layout === 'nk' ? [nd - 1, nd - 2] : [nd - 2, nd - 1];
  const B = bShared
    ? packFloat32(trailingView(b, 2), bPerm.map((p) => p - (nd - 2)))
    : packFloat32(b, [...batchAxes, ...bPerm]);
  const key = `${layout}:${M}×${N}×${K}×${batch}:a${aShared ? 0 : 1}b${bShared ? 0 : 1}`;
  const kernel = cache.get(key, () =>
    rt.compile(layout === 'nk' ? matmulNK : matmulKN, {
      size,
      constants: { M, N, K, aBatch: aShared ? 0 : M * K, bBatch: bShared ? 0 : K * N },
    }),
  );
  out.set(kernel.run(A, B));
}
