/**
 * Softmax / log-softmax over the last axis in two GPU.js kernels, O(rows·n) work in all:
 *   1. row statistics, output [rows, 2]: cell 2r holds the row max m, cell 2r+1 the sum Σ exp(x − m);
 *   2. apply, output [rows, n]: exp(x − m) / sum, or x − m − log(sum) for log-softmax.
 * As in the reference, a row that is entirely −∞ uses m = 0, giving 0/0 = NaN like torch.
 */
import type { Data, View } from '../backend.js';
import { numel } from '../layout.js';
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

/** out = softmax(x) (or log-softmax) over the last axis of a float32 view, on GPU.js. */
export function gpuSoftmax(rt: GpuJsRuntime, cache: KernelCache, x: View, out: Data, log: boolean): void {
  const size = numel(x.shape);
  if (size === 0) return;
  const n = x.shape.length ? x.shape[x.shape.length - 1] : 1;
  const rows = size / n;
  const X = packFloat32(x, [...x.shape.keys()]);
  const stats = cache.get(`softmax-stats:${rows}×${n}`, () => rt.compile(rowStats, { size: rows * 2, constants: { n } }));
  const apply = cache.get(`${log ? 'log-softmax' : 'softmax'}:${rows}×${n}`, () =>
    rt.compile(log ? applyLogSoftmax : applySoftmax, { size, constants: { n } }),
  );
  out.set(apply.run(X, stats.run(X)));
}
