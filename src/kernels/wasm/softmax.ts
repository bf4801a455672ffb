/** Host side of the wasm row softmax: rows of the view → wasm memory → `softmax_rows` → out. */
import type { View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import type { Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { PARAMS } from './wat/layout.js';

export function wasmSoftmax(heap: Heap, pool: ThreadPool, x: View, out: Float32Array, log: boolean): void {
  const nd = x.shape.length;
  const n = nd ? x.shape[nd - 1] : 1;
  const rows = n === 0 ? 0 : out.length / n;
  if (rows === 0) return;
  const src = heap.scratch('softmax_in', 4 * rows * n);
  const f32 = heap.f32;
  // rows must be contiguous for the kernel: a contiguous view is copied as one block, others
  // through the reference copy
  const contiguous = nd === 0 || (x.strides[nd - 1] === 1 || n === 1) && rowsCollapse(x);
  if (contiguous) f32.set((x.data as Float32Array).subarray(x.offset, x.offset + rows * n), src / 4);
  else cpu.copy(x, f32.subarray(src / 4, src / 4 + rows * n));
  const dst = heap.scratch('softmax_out', 4 * rows * n);

  heap.i32.set([src, n, dst, rows, n, log ? 1 : 0], PARAMS / 4);
  pool.run('softmax_rows', PARAMS, rows * n < 1 << 15 ? 1 : pool.threads);
  out.set(heap.f32.subarray(dst / 4, dst / 4 + rows * n));
}

/** True when the rows of x follow each other with no gap (row r starts at offset + r·n). */
function rowsCollapse(x: View): boolean {
  const nd = x.shape.length;
  let expected = x.shape[nd - 1];
  for (let d = nd - 2; d >= 0; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== expected) return false;
    expected *= x.shape[d];
  }
  return true;
}
