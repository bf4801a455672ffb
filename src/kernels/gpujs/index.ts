/**
 * The GPU.js backend: the reference CPU backend with matmul and softmax overridden by GPU.js kernels
 * (`{...cpu, matmul, softmax}`); every other op is the reference kernel, visibly inherited.
 *
 * - Mode: chosen explicitly (`createGpuJsBackend({ mode })`, default `gpu` = GPU.js's best GPU-class
 *   kernel); the kernel mode actually in use is `backend.mode` and part of `backend.name`
 *   (`gpujs:webasm`), so `setBackend` logs it through `onBackendLog`. An unsupported mode is an error.
 * - Precision: GPU.js computes in float32 (`precision: 'single'`). Float64 tensors — used for
 *   finite-difference gradient checks — run the reference kernels (`cpu.matmul`, `cpu.softmax`) by
 *   design, so float64 results stay exact.
 * - The fused attention scores (attentionProbs) are composed from these two kernels and the shared
 *   mask-and-scale pass; the other fused ops (norms, RoPE, SwiGLU, the softmax backward) are row passes
 *   like the elementwise ops, and like them inherited from the reference:
 * - Elementwise ops are not overridden: measured here (webasm mode, 4M elements) GPU.js was 1.1–3×
 *   slower than the reference loops for exp and mul, and on WebGL each op would pay an upload and a
 *   readback. They pay only with data kept on the GPU between ops (pipeline mode), which the eager,
 *   synchronous core does not do.
 * - Kernels are compiled per shape and kept in an LRU cache (`backend.cache`, `kernelCacheSize`).
 * - Size limit: GPU.js computes index arithmetic in float32 (measured in webasm mode: reading element
 *   2^24 + 1 returns element 2^24), so no kernel may index more than 2^24 elements. Larger operands run
 *   as several kernels — matmul in tiles of rows × columns, softmax in chunks of rows — each within
 *   `maxKernelElements` (default 2^24; tests lower it to exercise the tiling).
 */
import type { Backend, Data, View } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { attentionProbsVia } from '../cpu/attention.js';
import { KernelCache } from './kernel-cache.js';
import { gpuMatmul } from './matmul.js';
import { GpuJsRuntime, type GpuJsKernelMode, type GpuJsMode } from './runtime.js';
import { gpuSoftmax } from './softmax.js';

export { GpuJsRuntime, gpuJsSupport, type GpuJsMode, type GpuJsKernelMode } from './runtime.js';
export { KernelCache } from './kernel-cache.js';

export interface GpuJsBackendOptions {
  /** GPU.js mode to run; refused with an error if this runtime lacks it. Default `gpu`. */
  mode?: GpuJsMode;
  /** Compiled kernels kept (LRU). Default 64. */
  kernelCacheSize?: number;
  /** Most elements one kernel may index (operands and output); default 2^24, exact in float32. */
  maxKernelElements?: number;
  /** Told once which mode was requested and which runs, e.g. `console.error`. */
  log?: (message: string) => void;
}

export interface GpuJsBackend extends Backend {
  /** The GPU.js kernel mode in use (`webgl2`, `headlessgl`, `webasm`, `cpu`, ...). */
  readonly mode: GpuJsKernelMode;
  /** The mode that was asked for (`gpu` resolves to one of the above). */
  readonly requestedMode: GpuJsMode;
  /** The compiled-kernel cache (compile count, keys). */
  readonly cache: KernelCache;
  /** Releases GPU.js resources; the backend must not be used afterwards. */
  dispose(): void;
}

/** 2^24: the largest range of integers float32 holds exactly, hence of indices GPU.js computes. */
export const MAX_EXACT_INDEX = 2 ** 24;

const isF32 = (...xs: Array<View | Data>) => xs.every((x) => ('data' in x ? x.data : x) instanceof Float32Array);

/** Creates a GPU.js backend in the requested mode (see the module comment). */
export function createGpuJsBackend(opts: GpuJsBackendOptions = {}): GpuJsBackend {
  const rt = new GpuJsRuntime(opts.mode ?? 'gpu');
  const cache = new KernelCache(opts.kernelCacheSize ?? 64);
  const limit = opts.maxKernelElements ?? MAX_EXACT_INDEX;
  if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_EXACT_INDEX)) {
    throw new Error(`gpujs: maxKernelElements must be an integer in [1, 2^24], got ${limit}`);
  }
  opts.log?.(`gpujs: requested mode "${rt.requested}", running GPU.js kernel mode "${rt.mode}"`);
  return {
    ...cpu,
    name: `gpujs:${rt.mode}`,
    mode: rt.mode,
    requestedMode: rt.requested,
    cache,
    /** float32: GPU.js kernel; float64: the reference kernel (GPU.js has no double precision). */
    matmul(a: View, b: View, out: Data): void {
      if (isF32(a, b, out)) gpuMatmul(rt, cache, a, b, out, limit);
      else cpu.matmul(a, b, out);
    },
    /** float32: GPU.js kernels; float64: the reference kernel. */
    softmax(x: View, out: Data, log: boolean): void {
      if (isF32(x, out)) gpuSoftmax(rt, cache, x, out, log, limit);
      else cpu.softmax(x, out, log);
    },
    /** The fused attention scores composed from the GPU.js matmul and softmax above (float64: the reference). */
    attentionProbs(q, k, spec, p): void {
      if (!isF32(q, k, p)) return cpu.attentionProbs(q, k, spec, p);
      attentionProbsVia({ matmul: this.matmul, softmax: this.softmax }, q, k, spec, p);
    },
    dispose(): void {
      cache.clear();
      rt.dispose();
    },
  };
}
