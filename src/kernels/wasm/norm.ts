/**
 * Host side of the wasm row norms (wat/norm.ts): RMSNorm forward and backward, LayerNorm forward (its
 * backward, used only when training a vision tower, is the reference kernel). Rows of x (and gy) stream through
 * wasm memory in chunks of about 256 KiB, or are read in place when they live there, as the row softmax
 * does; the weight gradient is summed chunk by chunk into one slot. Used when x and gy have contiguous
 * rows of a multiple of 4 and w is contiguous float32 (what every Llama layer gives); index.ts sends
 * other layouts to the reference kernels.
 */
import type { Backend, Data, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { isDense, isF32 } from './gated.js';
import { operand, type Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { PARAMS } from './wat/layout.js';

const CHUNK_ELEMENTS = 1 << 16;
const MODE = { rms: 0, backward: 1, gw: 2, layerNorm: 3 } as const;

/** Whether the wasm kernel takes these operands (else the reference kernel runs). */
function fits(x: View, w: View, ...more: View[]): boolean {
  const n = x.shape[x.shape.length - 1];
  return n % 4 === 0 && n > 0 && isDense(x) && isDense(w) && more.every(isDense);
}

/** The backend's rmsNorm, rmsNormBackward and layerNorm: the wasm kernel where it `fits`, else the reference. */
export function normOps(heap: Heap, pool: ThreadPool): Pick<Backend, 'rmsNorm' | 'rmsNormBackward' | 'layerNorm'> {
  return {
    layerNorm(x, w, b, eps, out) {
      if (!isF32(out) || !fits(x, w, b)) return cpu.layerNorm(x, w, b, eps, out);
      run(heap, pool, { x, w, b, gy: null, eps, out: out as Float32Array, gw: null });
    },
    rmsNorm(x, w, eps, out) {
      if (!isF32(out) || !fits(x, w)) return cpu.rmsNorm(x, w, eps, out);
      run(heap, pool, { x, w, b: null, gy: null, eps, out: out as Float32Array, gw: null });
    },
    rmsNormBackward(x, w, gy, eps, gx, gw) {
      if (!isF32(gx) || (gw && !isF32(gw)) || !fits(x, w, gy)) return cpu.rmsNormBackward(x, w, gy, eps, gx, gw);
      run(heap, pool, { x, w, b: null, gy, eps, out: gx as Float32Array, gw: gw as Float32Array | null });
    },
  };
}

function run(heap: Heap, pool: ThreadPool, a: { x: View; w: View; b: View | null; gy: View | null; eps: number; out: Float32Array; gw: Float32Array | null }): void {
  const n = a.x.shape[a.x.shape.length - 1];
  const rows = a.out.length / n;
  if (rows === 0) return;
  const chunkRows = Math.max(1, Math.floor(CHUNK_ELEMENTS / n));
  const bytes = 4 * Math.min(rows, chunkRows) * n;
  const x = operand(heap, a.x.data as Float32Array, 'norm_x', bytes);
  const gy = a.gy && operand(heap, a.gy.data as Float32Array, 'norm_gy', bytes);
  const out = operand(heap, a.out, 'norm_out', bytes);
  const wAt = operand(heap, a.w.data as Float32Array, 'norm_w', 4 * n).load(a.w.offset, n);
  const bAt = a.b ? operand(heap, a.b.data as Float32Array, 'norm_b', 4 * n).load(a.b.offset, n) : 0;
  const rAt = gy ? heap.scratch('norm_r', 4 * Math.min(rows, chunkRows)) : 0; // r of each row, for gw
  const gwAt = a.gw ? heap.scratch('norm_gw', 4 * n) : 0;
  if (a.gw) heap.f32.fill(0, gwAt / 4, gwAt / 4 + n);
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r = Math.min(chunkRows, rows - r0);
    const xAt = x.load(a.x.offset + r0 * n, r * n);
    const gyAt = gy ? gy.load(a.gy!.offset + r0 * n, r * n) : 0;
    const params = (mode: number, o: number) => {
      heap.i32.set([xAt, wAt, o, r, n, 0, mode, gyAt, rAt, bAt], PARAMS / 4);
      heap.f32[PARAMS / 4 + 5] = a.eps;
    };
    params(a.b ? MODE.layerNorm : gy ? MODE.backward : MODE.rms, out.at(r0 * n));
    pool.run('rms_rows', PARAMS, r * n < 1 << 14 ? 1 : pool.threads);
    out.store(r0 * n, r * n);
    if (!a.gw) continue;
    params(MODE.gw, gwAt);
    pool.run('rms_rows', PARAMS, n < 256 ? 1 : pool.threads);
  }
  if (a.gw) a.gw.set(heap.f32.subarray(gwAt / 4, gwAt / 4 + n));
}
