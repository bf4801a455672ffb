/**
 * Host side of the wasm matrix products: strided `View`s → operands in wasm memory → kernel
 * dispatch → contiguous output.
 *
 * Operand handling (no per-call allocation: every buffer is a named scratch slot of the heap):
 *   A: the span of A's typed array that the view touches is copied as is and its strides are passed
 *      to the packing routine; layouts whose span is much larger than the matrix go through the
 *      reference `copy` into a contiguous slot instead.
 *   B: a transposed contiguous [N, K] matrix (how a Linear weight arrives: x @ Wᵀ) that is the same
 *      for every batch item is packed once and cached (weights.ts); any other B is copied and packed
 *      into a scratch slot for this call.
 *   Batch dims fold into M when B is shared and A's batch and row dims collapse to one stride,
 *   so [B, T, C] @ Wᵀ is one GEMM; otherwise each batch item is a GEMM.
 *   M = 1 uses the streaming GEMV over the same packed B.
 */
import type { Data, HalfBits, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { forEachRow } from '../cpu/rows.js';
import { roundUp, type Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import type { WeightCache } from './weights.js';
import { gemmScratchBytes, type GemmConfig } from './wat/gemm.js';
import { THREAD_MIN_WORK, batchedProduct, gemmBlocks } from './batched.js';
import { PARAMS } from './wat/layout.js';

/** A 2-D strided operand: element (i, j) at data[offset + i·rs + j·cs]. */
export interface Matrix {
  data: Float32Array;
  offset: number;
  rows: number;
  cols: number;
  rs: number;
  cs: number;
}

/** Column block of the half-precision GEMM: widened into f32 panels block by block. */
const HALF_BLOCK = 1024;
/** Bytes of half-precision weight rows the GEMV streams through wasm memory per block. */
const HALF_BLOCK_BYTES = 4 * 2 ** 20;


export class WasmMatmul {
  constructor(
    private readonly heap: Heap,
    private readonly pool: ThreadPool,
    private readonly cache: WeightCache,
    private readonly config: GemmConfig,
  ) {}

  private params(words: readonly number[]): number {
    this.heap.i32.set(words, PARAMS / 4);
    return PARAMS;
  }

  private threadsFor(work: number): number {
    return work < THREAD_MIN_WORK ? 1 : this.pool.threads;
  }

  /** A strided operand's address and strides in wasm memory: in place when resident, else copied into slot `name`. */
  private load(m: Matrix, name: string): { at: number; rs: number; cs: number } {
    const resident = this.heap.addressOf(m.data);
    if (resident !== undefined) return { at: resident + 4 * m.offset, rs: m.rs, cs: m.cs }; // read in place
    const n = m.rows * m.cols;
    const span = n === 0 ? 0 : (m.rows - 1) * m.rs + (m.cols - 1) * m.cs + 1;
    if (span <= 6 * n + 64) { // e.g. a transposed block of a larger matrix: copied as is, read with its strides
      const at = this.heap.scratch(name, 4 * span);
      this.heap.f32.set(m.data.subarray(m.offset, m.offset + span), at / 4);
      return { at, rs: m.rs, cs: m.cs };
    }
    const at = this.heap.scratch(name, 4 * n);
    const view: View = { data: m.data, shape: [m.rows, m.cols], strides: [m.rs, m.cs], offset: m.offset };
    cpu.copy(view, this.heap.f32.subarray(at / 4, at / 4 + n));
    return { at, rs: m.cols, cs: 1 };
  }

  /** Packs B (K×N) into GEMM panels: cached when `constant` and laid out as a transposed [N, K]. */
  private packedB(b: Matrix, constant: boolean): { at: number; nbPad: number } {
    const [K, N] = [b.rows, b.cols];
    const nbPad = roundUp(N, 8);
    const bytes = 4 * K * nbPad;
    const pack = (dst: number) => {
      const src = this.load(b, 'b');
      const p = this.params([src.at, src.rs, src.cs, K, N, dst, nbPad, 1, 0, 0]);
      this.pool.run('pack_b_f32', p, this.threadsFor(K * N * 8));
    };
    if (constant && b.rs === 1 && b.cs === K) {
      return { at: this.cache.get(b.data, `f32:${b.offset}:${K}:${N}`, bytes, pack), nbPad };
    }
    const at = this.heap.scratch('bpack', bytes);
    pack(at);
    return { at, nbPad };
  }

  /**
   * C = A·B for one pair of matrices (B already packed); writes M×N floats to out at outOffset.
   * `cOffset`/`ldc` let the half-precision path fill column blocks of a wider C.
   */
  private run(a: Matrix, bp: { at: number; nbPad: number }, N: number, c: number, ldc: number): void {
    const [M, K] = [a.rows, a.cols];
    const nth = this.threadsFor(M * N * K);
    if (M === 1) {
      const x = this.heap.scratch('x', 4 * K);
      const f32 = this.heap.f32;
      for (let k = 0, p = a.offset; k < K; k++, p += a.cs) f32[x / 4 + k] = a.data[p];
      const y = this.heap.scratch('y', 4 * bp.nbPad);
      this.pool.run('gemv_packed', this.params([x, bp.at, bp.nbPad, y, K]), nth);
      f32.copyWithin(c / 4, y / 4, y / 4 + N);
      return;
    }
    const src = this.load(a, 'a');
    const stride = roundUp(gemmScratchBytes(this.config), 64);
    const scratch = this.heap.scratch('gemm', stride * this.pool.threads);
    const [rowChunk, colChunk] = gemmBlocks(this.config, M, N, nth);
    const p = this.params([src.at, src.rs, src.cs, bp.at, bp.nbPad, c, ldc, M, N, K, scratch, stride, rowChunk, colChunk, 1, 0, 0, 0]);
    this.pool.run('gemm', p, nth);
  }

  /** out[M×N] at outOffset = A · B. `constantB`: B is a weight shared by all calls (cacheable). */
  gemm(a: Matrix, b: Matrix, out: Float32Array, outOffset: number, constantB: boolean): void {
    const [M, K, N] = [a.rows, a.cols, b.cols];
    if (M === 0 || N === 0) return;
    if (K === 0) {
      out.fill(0, outOffset, outOffset + M * N);
      return;
    }
    const bp = this.packedB(b, constantB);
    const resident = this.heap.addressOf(out);
    const c = resident !== undefined ? resident + 4 * outOffset : this.heap.scratch('c', 4 * M * N);
    this.run(a, bp, N, c, N);
    if (resident === undefined) out.set(this.heap.f32.subarray(c / 4, c / 4 + M * N), outOffset);
  }

  /** Batched matmul over views (see the file comment); float32 only. */
  matmul(a: View, b: View, out: Float32Array): void {
    const nd = a.shape.length;
    const [M, K, N] = [a.shape[nd - 2], a.shape[nd - 1], b.shape[nd - 1]];
    const batch = a.shape.slice(0, nd - 2);
    const bShared = b.strides.slice(0, nd - 2).every((s, i) => s === 0 || batch[i] === 1);
    const A = a.data as Float32Array;
    const B = b.data as Float32Array;
    const bm: Matrix = { data: B, offset: b.offset, rows: K, cols: N, rs: b.strides[nd - 2], cs: b.strides[nd - 1] };
    const rowStride = bShared ? foldedRowStride(a.shape.slice(0, nd - 1), a.strides.slice(0, nd - 1)) : null;
    if (rowStride !== null) {
      const rows = a.shape.slice(0, nd - 1).reduce((n, d) => n * d, 1);
      this.gemm({ data: A, offset: a.offset, rows, cols: K, rs: rowStride, cs: a.strides[nd - 1] }, bm, out, 0, true);
      return;
    }
    if (batchedProduct(this.heap, this.pool, this.config, a, b, out)) return; // every item's own B, in one dispatch
    const as = [...a.strides.slice(0, nd - 2), 0];
    const bs = [...b.strides.slice(0, nd - 2), 0];
    forEachRow([...batch, 1], [as, bs], [a.offset, b.offset], (o, r) => {
      const am: Matrix = { data: A, offset: o[0], rows: M, cols: K, rs: a.strides[nd - 2], cs: a.strides[nd - 1] };
      this.gemm(am, { ...bm, offset: o[1] }, out, r * M * N, bShared);
    });
  }

  /**
   * With W half-precision bits [N, K]: out = x · Wᵀ (x: [..., K] → [..., N], the Linear product), or
   * with transposeW = false out = x · W (x: [..., N] → [..., K], its input gradient). float32 x.
   */
  matmulHalf(x: View, w: HalfBits, out: Float32Array, transposeW: boolean): void {
    const [N, K] = w.shape;
    const [inner, outer] = transposeW ? [K, N] : [N, K];
    const nd = x.shape.length;
    if (x.shape[nd - 1] !== inner) {
      throw new Error(`matmulHalf: x (${x.shape.join(',')}) @ W[${N}, ${K}]${transposeW ? 'ᵀ' : ''}: inner dims ${x.shape[nd - 1]} vs ${inner}`);
    }
    if (w.bits.length !== N * K) throw new Error(`matmulHalf: ${w.bits.length} weight values for shape [${N}, ${K}]`);
    const rows = x.shape.slice(0, nd - 1).reduce((n, d) => n * d, 1);
    if (rows === 0 || outer === 0) return;
    let xm: Matrix;
    const rs = foldedRowStride(x.shape.slice(0, nd - 1), x.strides.slice(0, nd - 1));
    if (rs !== null) {
      xm = { data: x.data as Float32Array, offset: x.offset, rows, cols: inner, rs, cs: x.strides[nd - 1] };
    } else {
      const flat = new Float32Array(rows * inner); // an unusual layout: made contiguous by the reference copy
      cpu.copy(x, flat);
      xm = { data: flat, offset: 0, rows, cols: inner, rs: inner, cs: 1 };
    }
    const resident = this.heap.addressOf(out);
    const c = resident ?? this.heap.scratch('c', 4 * rows * outer);
    if (rows === 1 && transposeW) this.gemvHalf(xm, w, N, K, c);
    else this.gemmHalf(xm, w, transposeW, c);
    if (resident === undefined) out.set(this.heap.f32.subarray(c / 4, c / 4 + rows * outer), 0);
  }

  /**
   * y = x · Wᵀ, W read in place when adopted (resident.ts), else streamed through wasm memory in blocks
   * of whole rows (HALF_BLOCK_BYTES each), never copied whole: a 7B's bits past the budget stay host memory.
   */
  private gemvHalf(x: Matrix, w: HalfBits, N: number, K: number, y: number): void {
    // x permuted per group of 8 as [x0 x2 x4 x6 x1 x3 x5 x7] (gemv.ts), plus the plain copy for the tail
    const xp = this.heap.scratch('xperm', 4 * K);
    const xs = this.heap.scratch('x', 4 * K);
    const f32 = this.heap.f32;
    const [P, S] = [xp / 4, xs / 4];
    let maxAbs = 0;
    for (let k = 0, q = x.offset; k < K; k++, q += x.cs) {
      const v = x.data[q];
      f32[S + k] = v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    // The f16 kernel widens W to W·2^-112 (gemv.ts); x·2^t makes the products x·W·2^(t−112) without
    // rounding (powers of two), with t chosen so that |x|·2^t stays near 2^100: no overflow, and only
    // products below 2^-107 of |x|max become subnormal. The sum is scaled back by 2^(112−t) (t ≥ −15:
    // a finite float32 factor).
    const t = w.format === 'bf16' || !(maxAbs > 0 && maxAbs < Infinity) ? 0 : Math.max(-15, Math.min(112, 100 - Math.ceil(Math.log2(maxAbs))));
    const scale = 2 ** t;
    for (let k = 0; k < K; k++) f32[P + (k & ~7) + (k & 1) * 4 + ((k & 7) >> 1)] = f32[S + k] * scale;
    const factor = 2 ** ((w.format === 'f16' ? 112 : 0) - t);
    const kernel = w.format === 'f16' ? 'gemv_f16' : 'gemv_bf16';
    const at = this.heap.addressOf(w.bits);
    const params = (W: number, y0: number, n: number) => {
      const p = this.params([xp, xs, W, y0, n, K]);
      this.heap.f32[p / 4 + 6] = factor;
      return p;
    };
    if (at !== undefined) { // adopted bits: read in place, all rows at once
      this.pool.run(kernel, params(at, y, N), this.threadsFor(N * K * 4));
      return;
    }
    const rowsPer = Math.max(8, Math.floor(HALF_BLOCK_BYTES / (2 * K) / 8) * 8);
    const W = this.heap.scratch('wblock', 2 * Math.min(N, rowsPer) * K);
    for (let n0 = 0; n0 < N; n0 += rowsPer) {
      const nb = Math.min(rowsPer, N - n0);
      this.heap.u16.set(w.bits.subarray(n0 * K, (n0 + nb) * K), W / 2);
      this.pool.run(kernel, params(W, y + 4 * n0, nb), this.threadsFor(nb * K * 4));
    }
  }

  /**
   * GEMM against the half weight, one block of HALF_BLOCK output columns at a time: the block's bits
   * are read in place (adopted W) or copied into wasm memory, widened into f32 panels (pack_b_f16/bf16), then multiplied into C's
   * columns. B(k', n') = W[n', k'] when transposeW (the Linear product; a block is nb whole rows of W),
   * else W[k', n'] (a block is nb columns of every row). Only one block is ever widened.
   */
  private gemmHalf(x: Matrix, w: HalfBits, transposeW: boolean, c: number): void {
    const [N, K] = w.shape;
    const [inner, outer] = transposeW ? [K, N] : [N, K];
    const kernel = w.format === 'f16' ? 'pack_b_f16' : 'pack_b_bf16';
    const at = this.heap.addressOf(w.bits); // adopted bits are read in place, with W's own strides
    const W = at ?? this.heap.scratch('wblock', 2 * inner * Math.min(HALF_BLOCK, outer));
    for (let n0 = 0; n0 < outer; n0 += HALF_BLOCK) {
      const nb = Math.min(HALF_BLOCK, outer - n0);
      // B(k', n') at block + 2·(k'·ssk + n'·ssn)
      const [block, ssk, ssn] = at !== undefined ? (transposeW ? [at + 2 * n0 * K, 1, K] : [at + 2 * n0, K, 1]) : this.copyHalfBlock(w, transposeW, n0, nb, W);
      const nbPad = roundUp(nb, 8);
      const bp = this.heap.scratch('bpack', 4 * inner * nbPad);
      const p = this.params([block, ssk, ssn, inner, nb, bp, nbPad, 1, 0, 0]);
      this.pool.run(kernel, p, this.threadsFor(inner * nb * 8));
      this.run(x, { at: bp, nbPad }, nb, c + 4 * n0, outer);
    }
  }

  /** Copies the bits of output columns n0..n0+nb into the block at W; returns where B(k', n') is and its strides. */
  private copyHalfBlock(w: HalfBits, transposeW: boolean, n0: number, nb: number, W: number): [number, number, number] {
    const [N, K] = w.shape;
    const u16 = this.heap.u16;
    if (transposeW) {
      u16.set(w.bits.subarray(n0 * K, (n0 + nb) * K), W / 2); // nb whole rows of W
      return [W, 1, K];
    }
    for (let r = 0; r < N; r++) u16.set(w.bits.subarray(r * K + n0, r * K + n0 + nb), W / 2 + r * nb); // nb columns of every row
    return [W, nb, 1];
  }
}

/**
 * The single element stride that walks all rows of [...batch, M] in order, or null when the dims do
 * not collapse (size-1 dims are ignored).
 */
function foldedRowStride(shape: readonly number[], strides: readonly number[]): number | null {
  let stride: number | null = null;
  let expected = 0;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] === 1) continue;
    if (stride === null) stride = strides[d];
    else if (strides[d] !== expected) return null;
    expected = strides[d] * shape[d];
  }
  return stride ?? 0;
}
