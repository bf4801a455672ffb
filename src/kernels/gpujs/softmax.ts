/**
 * Softmax / log-softmax over the last axis in two GPU.js kernels, O(rows·n) work in all:
 *   1. row statistics, output [rows, 2]: cell 2r holds the row max m, cell 2r+1 the sum Σ exp(x − m);
 *   2. apply, output [rows, n]: exp(x − m) / sum, or x − m − log(sum) for log-softmax.
 * As in the reference, a row that is entirely −∞ uses m = 0, giving 0/0 = NaN like torch. Inputs over
 * the kernel element limit run in chunks of whole rows.
 */
import type { Data, View } from '../backend.js';
import { formatShape, numel } from '../layout.js';
import type { KernelCache } from './kernel-cache.js';
import { packFloat32 } from './pack.js';
import type { GpuJsRuntime, KernelThis } from './runtime.js';

function rowStats(this: KernelThis, x: Float32Array): number {
  const r = Math.floor(this.thread.x / 2);
  const wantSum = this.thread.x - r * 2;
  const base = r * this.constants.n;
  let mx = x[base];
  for (let j = 1; j < this.constants.n; j++) {
    mx = Math.max(mx, x[base + j]);
  }
  if (mx < -3.4e38) {
    mx = 0;
  }
  let result = mx;
  if (wantSum > 0) {
    let sum = 0;
    for (let j = 0; j < this.constants.n; j++) {
      sum += Math.exp(x[base + j] - mx);
    }
    result = sum;
  }
  return result;
}

function applySoftmax(this: KernelThis, x: Float32Array, stats: Float32Array): number {
  const r = Math.floor(this.thread.x / this.constants.n);
  return Math.exp(x[this.thread.x] - stats[r * 2]) / stats[r * 2 + 1];
}

function applyLogSoftmax(this: KernelThis, x: Float32Array, stats: Float32Array): number {
  const r = Math.floor(this.thread.x / this.constants.n);
  return x[this.thread.x] - stats[r * 2] - Math.log(stats[r * 2 + 1]);
}

/**
 * out = softmax(x) (or log-softmax) over the last axis of a float32 view, on GPU.js, in chunks of
 * whole rows of at most `limit` elements (see index.ts: GPU.js indexes in float32).
 */
export function gpuSoftmax(rt: GpuJsRuntime, cache: KernelCache, x: View, out: Data, log: boolean, limit: number): void {
  const size = numel(x.shape);
  if (size === 0) return;
  const n = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  if (n > limit) {
    throw new Error(`gpujs softmax: rows of ${n} in ${formatShape(x.shape)} exceed the ${limit}-element kernel limit (${rt.mode})`);
  }
  const rows = size / n;
  const chunk = Math.min(rows, Math.floor(limit / Math.max(n, 2)));
  const X = packFloat32(x, [...x.shape.keys()]);
  for (let r0 = 0; r0 < rows; r0 += chunk) {
    const r = Math.min(chunk, rows - r0);
    const xs = X.subarray(r0 * n, (r0 + r) * n);
    const stats = cache.get(`softmax-stats:${r}×${n}`, () => rt.compile(rowStats, { size: r * 2, constants: { n } }));
    const apply = cache.get(`${log ? 'log-softmax' : 'softmax'}:${r}×${n}`, () =>
      rt.compile(log ? applyLogSoftmax : applySoftmax, { size: r * n, constants: { n } }),
    );
    out.set(apply.run(xs, stats.run(xs)), r0 * n);
  }
}
