/**
 * The engine's backends that bench/main.ts measures, next to the peers. Each entry creates its
 * backend once for the whole run. Other backends join by appending one line, e.g.
 *   benchBackends.push({ name: 'gpujs', create: async () => createGpuJsBenchBackend(), skip: (c) => c.startsWith('gemm 256') });
 */
import type { Backend } from '../src/kernels/backend.js';
import { createWasmBackend } from '../src/kernels/wasm/index.js';
import { createGpuJsBenchBackend } from './gpujs.js';

export interface BenchBackend {
  name: string;
  create: () => Promise<Backend & { dispose?: () => void }>;
  /** Cases (by name) this backend sits out, e.g. shapes too slow for it to finish in the run's time. */
  skip?: (caseName: string) => boolean;
}

export const benchBackends: BenchBackend[] = [
  { name: 'wasm 1T', create: () => createWasmBackend({ threads: 1 }) },
  { name: 'wasm 2T', create: () => createWasmBackend({ threads: 2 }) },
];

// GPU.js: in Node here it runs its WebAssembly mode (no GL), about 0.3 GFLOP/s on GEMM — so only the
// GEMV / LM-head / softmax cases, where a call stays well under a second; in a browser it is WebGL2.
benchBackends.push({ name: 'gpujs', create: async () => createGpuJsBenchBackend(), skip: (c) => c.startsWith('gemm ') });
