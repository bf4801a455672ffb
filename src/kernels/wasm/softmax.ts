/**
 * Host side of the wasm row softmax. Contiguous rows stream through wasm memory in chunks of about
 * 256 KiB: copy a chunk in, run `softmax_rows` on it (threads claim rows), copy it out. The chunk
 * stays in cache between the three steps, so the data crosses main memory once each way instead of
 * three times. Other layouts are first made contiguous by the reference `copy`.
 */
import type { AttentionSpec, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { forEachRow } from '../cpu/rows.js';
import { operand, type Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { PARAMS } from './wat/layout.js';

const CHUNK_ELEMENTS = 1 << 16;

export function wasmSoftmax(heap: Heap, pool: ThreadPool, x: View, out: Float32Array, log: boolean): void {
  const nd = x.shape.length;
  const n = nd ? x.shape[nd - 1] : 1;
  const rows = n === 0 ? 0 : out.length / n;
  if (rows === 0) return;
  let src = x.data as Float32Array;
  let offset = x.offset;
  if (!(nd === 0 || ((x.strides[nd - 1] === 1 || n === 1) && rowsCollapse(x)))) {
    src = new Float32Array(rows * n); // an unusual layout: made contiguous first
    cpu.copy(x, src);
    offset = 0;
  }
  const chunkRows = Math.max(1, Math.floor(CHUNK_ELEMENTS / n));
  const input = operand(heap, src, 'softmax_in', 4 * Math.min(rows, chunkRows) * n);
  const output = operand(heap, out, 'softmax_out', 4 * Math.min(rows, chunkRows) * n);
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r = Math.min(chunkRows, rows - r0);
    const [inAt, outAt] = [input.load(offset + r0 * n, r * n), output.at(r0 * n)];
    heap.i32.set([inAt, n, outAt, r, n, log ? 1 : 0, 0, 1, 0, 0, n], PARAMS / 4);
    heap.f32[PARAMS / 4 + 6] = 1; // no scale, no mask
    pool.run('softmax_rows', PARAMS, r * n < 1 << 14 ? 1 : pool.threads);
    output.store(r0 * n, r * n);
  }
}

/**
 * The attention scores' scale, causal mask and softmax in one pass of softmax_rows: `block` holds the
 * products q kᵀ of query rows [t0, t0 + rows) of every head against keys [0, n), [heads, rows, n];
 * each row's softmax over scale · (its visible keys) lands in p [heads, T, S], zeros beyond. Rows stream
 * through wasm memory in chunks of about 256 KiB, as above.
 */
export function wasmAttentionSoftmax(heap: Heap, pool: ThreadPool, block: Float32Array, g: { heads: number; rows: number; n: number; T: number; S: number; t0: number }, spec: AttentionSpec, p: Float32Array): void {
  const { heads, rows, n, T, S, t0 } = g;
  const chunkRows = Math.max(1, Math.min(rows, Math.floor(CHUNK_ELEMENTS / S)));
  const input = operand(heap, block, 'softmax_in', 4 * chunkRows * n);
  const output = operand(heap, p, 'softmax_out', 4 * chunkRows * S);
  for (let h = 0; h < heads; h++) {
    for (let r0 = 0; r0 < rows; r0 += chunkRows) {
      const r = Math.min(chunkRows, rows - r0);
      const inAt = input.load((h * rows + r0) * n, r * n);
      const outAt = output.at((h * T + t0 + r0) * S);
      const vis0 = spec.causal ? Math.max(0, t0 + r0 + S - T + 1) : n;
      heap.i32.set([inAt, n, outAt, r, n, 0, 0, r, vis0, spec.causal ? 1 : 0, S], PARAMS / 4);
      heap.f32[PARAMS / 4 + 6] = spec.scale;
      pool.run('softmax_rows', PARAMS, r * n < 1 << 14 ? 1 : pool.threads);
      output.store((h * T + t0 + r0) * S, r * S);
    }
  }
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

/**
 * The softmax backward (softmax_grad_rows) on contiguous y and out, gy rows with unit element stride
 * (any row layout: rows are gathered into the chunk one by one), streamed in chunks as above.
 */
export function wasmSoftmaxBackward(heap: Heap, pool: ThreadPool, y: View, gy: View, scale: number, out: Float32Array): void {
  const nd = y.shape.length;
  const n = y.shape[nd - 1];
  const rows = n === 0 ? 0 : out.length / n;
  if (rows === 0) return;
  const chunkRows = Math.max(1, Math.floor(CHUNK_ELEMENTS / n));
  const bytes = 4 * Math.min(rows, chunkRows) * n;
  const [input, output] = [operand(heap, y.data as Float32Array, 'softmax_in', bytes), operand(heap, out, 'softmax_out', bytes)];
  const g = gy.data as Float32Array;
  // gy in place when it lives in wasm memory with contiguous rows, else gathered row by row
  const gyResident = rowsCollapse(gy) ? heap.addressOf(g) : undefined;
  const gAt = gyResident === undefined ? heap.scratch('softmax_gy', bytes) : 0;
  const rowOffsets: number[] = [];
  if (gyResident === undefined) forEachRow(gy.shape, [gy.strides], [gy.offset], (o) => void rowOffsets.push(o[0]));
  for (let r0 = 0; r0 < rows; r0 += chunkRows) {
    const r = Math.min(chunkRows, rows - r0);
    const [yAt, oAt] = [input.load(y.offset + r0 * n, r * n), output.at(r0 * n)];
    const f32 = heap.f32;
    if (gyResident === undefined) for (let i = 0; i < r; i++) f32.set(g.subarray(rowOffsets[r0 + i], rowOffsets[r0 + i] + n), gAt / 4 + i * n);
    heap.i32.set([yAt, gyResident === undefined ? gAt : gyResident + 4 * (gy.offset + r0 * n), oAt, r, n], PARAMS / 4);
    heap.f32[PARAMS / 4 + 5] = scale;
    pool.run('softmax_grad_rows', PARAMS, r * n < 1 << 14 ? 1 : pool.threads);
    output.store(r0 * n, r * n);
  }
}
