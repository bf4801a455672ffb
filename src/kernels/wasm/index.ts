/**
 * The WebAssembly SIMD backend: `{ ...cpu, name: 'wasm', matmul, softmax, matmulHalf, binary, copy,
 * reduce, unary, where, ...fused }`. The products (batched per head where every head has its own B),
 * softmax, the sigmoid-gated activations (silu, quick_gelu, SwiGLU), GELU, the row norms, RoPE, and
 * binary ops, copies and sums / maxima over strided views run kernels that are written as WAT from
 * TypeScript (wat/), assembled at startup by `wabt`, and shared by a pool of threads over one shared
 * memory. Binary ops on host arrays, the other unary ops and where are specialised JS loops
 * (elementwise.ts); the attention scores compose the GEMM and softmax (fused.ts); every other op is the
 * reference kernel, inherited visibly below. Float64 inputs (used for gradient checks) go to the
 * reference kernels.
 *
 * SIMD is required: without it `createWasmBackend` throws. Relaxed-SIMD FMA is used when the runtime
 * has it (or `relaxed: false` forces the mul+add build); `info` reports what was chosen.
 */
import type { Backend, Data, HalfBits, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { compileKernels, detectFeatures } from './assemble.js';
import { where } from './elementwise.js';
import { fusedOps } from './fused.js';
import { Heap } from './heap.js';
import { WasmMatmul } from './matmul.js';
import { ThreadPool } from './pool.js';
import { wasmSoftmax } from './softmax.js';
import { isF32 } from './gated.js';
import { normOps } from './norm.js';
import { defaultGemmConfig, type GemmConfig } from './wat/gemm.js';
import { HEAP_BASE } from './wat/layout.js';
import { MAX_PAGES } from './wat/module.js';
import { Resident } from './resident.js';
import { ropeOp } from './rope.js';
import { stridedOps } from './strided.js';
import { WeightCache } from './weights.js';

export interface WasmBackendOptions {
  /** Threads including the main one (default 1). */
  threads?: number;
  /** Use relaxed-SIMD FMA when available (default true); false builds the mul+add kernels. */
  relaxed?: boolean;
  /** Byte budget of the weight cache in wasm memory (default 2.5 GiB). */
  cacheBytes?: number;
  /** Byte budget of the half-precision weights held in wasm memory (resident.ts; default 1 GiB). */
  residentHalfBytes?: number;
  /** Byte budget of the float32 tensor storage held in wasm memory (`allocate`, resident.ts; default 512 MiB). */
  residentArrayBytes?: number;
  /** Use a shared memory (default true when the runtime has one); false is one thread only. */
  sharedMemory?: boolean;
  /** GEMM blocking (tile, unroll, block sizes); default `defaultGemmConfig`. */
  gemm?: GemmConfig;
}

export interface WasmBackendInfo {
  simd: boolean;
  relaxed: boolean;
  threads: number;
  /** Whether the memory is shared (always, except one thread without SharedArrayBuffer). */
  sharedMemory: boolean;
  /** Size of the assembled kernel module. */
  moduleBytes: number;
  gemm: GemmConfig;
}

export interface WasmBackend extends Backend {
  readonly info: WasmBackendInfo;
  /** Drop the cached copies of `data` (call after writing into a weight's array directly). */
  invalidate(data: Data | Uint16Array): void;
  /** Bytes of wasm memory held by cached weights. */
  cachedBytes(): number;
  /** Bytes of wasm memory held by adopted half-precision weights. */
  residentBytes(): number;
  /** Bytes of wasm memory held by float32 tensor storage (`allocate`). */
  residentArrayBytes(): number;
  /** Size of the wasm memory (it grows, never shrinks). */
  memoryBytes(): number;
  /** Stops the worker threads; the backend cannot be used afterwards. */
  dispose(): void;
}

/**
 * One thread runs on an unshared memory where SharedArrayBuffer is missing (a page that is not
 * cross-origin isolated); more threads need it (the pool says why they cannot run).
 */
function sharedMemoryFor(threads: number, wanted: boolean, available: boolean): boolean {
  if (threads > 1 && !(wanted && available)) {
    throw new Error(`wasm backend: ${threads} threads need a shared memory: ${available ? 'sharedMemory: false was asked for' : 'SharedArrayBuffer is unavailable (a page must be cross-origin isolated)'}`);
  }
  return wanted && available;
}

export async function createWasmBackend(opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const threads = opts.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`wasm backend: threads must be a positive integer, got ${threads}`);
  const features = await detectFeatures(opts.relaxed ?? true);
  if (!features.simd) throw new Error('wasm backend: this runtime has no WebAssembly SIMD (fixed-width SIMD is required)');
  const shared = sharedMemoryFor(threads, opts.sharedMemory ?? true, features.sharedMemory);
  const gemm = opts.gemm ?? defaultGemmConfig;
  const { module, bytes } = await compileKernels({ relaxed: features.relaxed, gemm, shared });
  const memory = new WebAssembly.Memory({ initial: HEAP_BASE / 65536 + 16, maximum: MAX_PAGES, shared });
  const pool = await ThreadPool.create(module, memory, threads);
  const heap = new Heap(memory);
  const cache = new WeightCache(heap, opts.cacheBytes ?? 2.5 * 2 ** 30);
  const halves = new Resident(heap, shared, opts.residentHalfBytes ?? 2 ** 30);
  const arrays = new Resident(heap, shared, opts.residentArrayBytes ?? 2 ** 29);
  const mm = new WasmMatmul(heap, pool, cache, gemm);
  const strided = stridedOps(heap, pool);

  return {
    ...cpu,
    name: 'wasm',
    info: { simd: features.simd, relaxed: features.relaxed, threads, sharedMemory: shared, moduleBytes: bytes, gemm },
    // specialised JS loops for the memory-bound elementwise ops the kernels decline (elementwise.ts);
    // inherited from the reference backend: argmax, gather, scatterAdd,
    // the other unary backwards and the LayerNorm backward (single loops)
    binary: strided.binary, // with broadcasting, and copy, assign: SIMD where the operands allow (strided.ts)
    copy: strided.copy,
    reduce: strided.reduce,
    where,
    ...fusedOps(heap, pool, mm, (n) => arrays.allocate(n)), // silu, quick_gelu, SwiGLU in SIMD; the attention scores over the GEMM (fused.ts)
    ...ropeOp(heap, pool), // RoPE and its adjoint in float64 SIMD, bit-identical to the reference (rope.ts)
    ...normOps(heap, pool), // RMSNorm (forward, backward) and LayerNorm (forward) in SIMD (norm.ts)
    assign(src: View, dst: View) {
      cache.invalidate(dst.data);
      strided.assign(src, dst);
    },
    matmul(a: View, b: View, out: Data) {
      if (!isF32(a.data, b.data, out)) return cpu.matmul(a, b, out);
      mm.matmul(a, b, out as Float32Array);
    },
    softmax(x: View, out: Data, log: boolean) {
      if (!isF32(x.data, out)) return cpu.softmax(x, out, log);
      wasmSoftmax(heap, pool, x, out as Float32Array, log);
    },
    matmulHalf(x: View, w: HalfBits, out: Data, transposeW = true) {
      if (!isF32(x.data, out)) return cpu.matmulHalf!(x, w, out, transposeW);
      mm.matmulHalf(x, w, out as Float32Array, transposeW);
    },
    adoptHalf: (bits) => halves.adopt(bits),
    allocate: (n, zero) => arrays.allocate(n, zero),
    free: (data) => arrays.free(data),
    invalidate: (data) => cache.invalidate(data),
    forget: (data) => cache.invalidate(data),
    cachedBytes: () => cache.bytes,
    residentBytes: () => halves.bytes,
    residentArrayBytes: () => arrays.bytes,
    memoryBytes: () => memory.buffer.byteLength,
    dispose: () => pool.dispose(),
  };
}
