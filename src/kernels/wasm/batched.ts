/**
 * Batched products whose every item has a B of its own (the attention's q kᵀ and p v, per head, and
 * their gradients): all items' B packed by one `pack_b_f32` dispatch and all products computed by one
 * `gemm` dispatch whose threads claim blocks across items — instead of two dispatches per head, each
 * waking the workers for a product of a few million multiply-adds. Taken when A, B and the output
 * live in wasm memory, the batch dims walk each operand with one stride (B's not 0), and M > 1; the per-item
 * loop of matmul.ts computes everything else (the same kernels, so the same numbers).
 */
import type { View } from '../backend.js';
import { contiguousStrides } from '../layout.js';
import { roundUp, type Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { collapse } from './strided.js';
import { gemmScratchBytes, type GemmConfig } from './wat/gemm.js';
import { PARAMS } from './wat/layout.js';


/** Products below this many multiply-adds in all run on the main thread only (waking workers costs more). */
export const THREAD_MIN_WORK = 1 << 18;

/**
 * The C blocks threads claim (wat/gemm.ts) in each of `items` products: NC columns, and rows in whole
 * MR panels (at most MC) cut so that there are about 4 claims per thread over all items; when that
 * leaves too few, narrower column blocks make up the count.
 */
export function gemmBlocks(config: GemmConfig, M: number, N: number, nth: number, items = 1): [number, number] {
  const { mr, nr, mc, nc } = config;
  const claims = Math.ceil((4 * nth) / items);
  const colBlocks = Math.ceil(N / nc);
  const rowChunk = Math.max(mr, Math.min(Math.floor(mc / mr) * mr, roundUp(Math.ceil((M * colBlocks) / claims), mr)));
  const rowBlocks = Math.ceil(M / rowChunk);
  if (rowBlocks * colBlocks >= claims || nth === 1) return [rowChunk, nc];
  const colChunk = Math.max(nr, roundUp(Math.ceil((N * rowBlocks) / claims), nr));
  return [rowChunk, Math.min(nc, colChunk)];
}

/** out[b] = a[b] · b[b] over the batch dims in one dispatch each for packing and products; false when not taken. */
export function batchedProduct(heap: Heap, pool: ThreadPool, config: GemmConfig, a: View, b: View, out: Float32Array): boolean {
  const nd = a.shape.length;
  const [M, K, N] = [a.shape[nd - 2], a.shape[nd - 1], b.shape[nd - 1]];
  const [aAt, bAt, cAt] = [heap.addressOf(a.data), heap.addressOf(b.data), heap.addressOf(out)];
  if (aAt === undefined || bAt === undefined || cAt === undefined || M <= 1 || K === 0 || N === 0 || nd < 3) return false;
  const items = collapse(a.shape.slice(0, nd - 2), [a.strides.slice(0, nd - 2), b.strides.slice(0, nd - 2), contiguousStrides(a.shape.slice(0, nd - 2))]);
  if (items.shape.length !== 1) return false; // one item (nothing to batch) or irregular batch strides
  const [count, [sa], [sb]] = [items.shape[0], ...items.strides];
  if (sb === 0) return false; // one B for all: matmul.ts packs it once (and caches a weight)
  const nbPad = roundUp(N, 8);
  const packed = 4 * K * nbPad;
  const bp = heap.scratch('bpack', count * packed);
  const nth = M * N * K * count < THREAD_MIN_WORK ? 1 : pool.threads;
  heap.i32.set([bAt + 4 * b.offset, b.strides[nd - 2], b.strides[nd - 1], K, N, bp, nbPad, count, 4 * sb, packed], PARAMS / 4);
  pool.run('pack_b_f32', PARAMS, nth);
  const stride = roundUp(gemmScratchBytes(config), 64);
  const scratch = heap.scratch('gemm', stride * pool.threads);
  const [rowChunk, colChunk] = gemmBlocks(config, M, N, nth, count);
  heap.i32.set([aAt + 4 * a.offset, a.strides[nd - 2], a.strides[nd - 1], bp, nbPad, cAt, N, M, N, K, scratch, stride, rowChunk, colChunk, count, 4 * sa, packed, 4 * M * N], PARAMS / 4);
  pool.run('gemm', PARAMS, nth);
  return true;
}
