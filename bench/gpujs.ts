/**
 * GPU.js backend benchmark: each case is validated against the reference backend first (float32,
 * relative error reported and bounded), then timed interleaved with it in the same process, quoting
 * the ratio (the machine is shared and noisy: absolute times drift, side-by-side ratios hold).
 *
 * `createGpuJsBenchBackend()` is the factory for a backends list (bench/backends.ts); `benchGpuJs()`
 * runs the cases below and returns one row per case.
 */
import type { Backend, View } from '../src/kernels/backend.js';
import { cpu } from '../src/kernels/cpu/index.js';
import { createGpuJsBackend, type GpuJsBackend, type GpuJsMode } from '../src/kernels/gpujs/index.js';
import { randomView } from './random-data.js';
import { numel } from '../src/kernels/layout.js';

/** The GPU.js backend as the benchmark uses it (mode `gpu`: GPU.js's best; `webasm` in plain Node). */
export function createGpuJsBenchBackend(mode: GpuJsMode = 'gpu'): GpuJsBackend {
  return createGpuJsBackend({ mode });
}

export interface GpuJsBenchRow {
  case: string;
  /** max |gpujs − reference| / max |reference| */
  relError: number;
  referenceMs: number;
  gpujsMs: number;
  /** referenceMs / gpujsMs: above 1 means GPU.js is faster */
  speedup: number;
  /** GFLOP/s of the GPU.js run (matmul cases only) */
  gflops?: number;
}

interface BenchCase {
  name: string;
  flops?: number;
  inputs: View[];
  outSize: number;
  run: (backend: Backend, inputs: View[], out: Float32Array) => void;
}

/** A Linear weight [N, K] seen as [K, N] (the transposed layout `x @ W.T` hands the backend). */
function weightT(N: number, K: number, seed: number): View {
  const w = randomView([N, K], seed);
  return { ...w, shape: [K, N], strides: [1, K] };
}

function matmulCase(name: string, a: View, b: View): BenchCase {
  const nd = a.shape.length;
  const [M, K, N] = [a.shape[nd - 2], a.shape[nd - 1], b.shape[nd - 1]];
  const batch = numel(a.shape.slice(0, nd - 2));
  return { name, flops: 2 * batch * M * N * K, inputs: [a, b], outSize: batch * M * N, run: (be, [x, y], out) => be.matmul(x, y, out) };
}

function softmaxCase(name: string, x: View, log: boolean): BenchCase {
  return { name, inputs: [x], outSize: numel(x.shape), run: (be, [v], out) => be.softmax(v, out, log) };
}

/** Cases sized for a 2-core machine: LLaVA-shaped but scaled down (C = 256 instead of 4096). */
export function defaultGpuJsCases(): BenchCase[] {
  return [
    matmulCase('matmul 1×256 @ W[256,256]ᵀ (decode GEMV)', randomView([1, 256], 1), weightT(256, 256, 2)),
    matmulCase('matmul 128×256 @ W[512,256]ᵀ (Linear)', randomView([128, 256], 3), weightT(512, 256, 4)),
    matmulCase('matmul 256×256 @ 256×256', randomView([256, 256], 5), randomView([256, 256], 6)),
    matmulCase('matmul [8]×64×32 @ [8]×32×64 (attention scores)', randomView([8, 64, 32], 7), randomView([8, 32, 64], 8)),
    softmaxCase('softmax 512×577 (CLIP attention rows)', randomView([512, 577], 9), false),
    softmaxCase('log-softmax 4×32000 (vocab logits)', randomView([4, 32000], 10), true),
  ];
}

function relError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? err : err / scale;
}

function timeOnce(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

const median = (xs: number[]) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];

/**
 * Validates then times every case (median of `reps` interleaved runs, after one warm-up that also
 * compiles the GPU.js kernel). Throws if a case differs from the reference by more than `tolerance`.
 */
export function benchGpuJs(opts: { backend?: GpuJsBackend; cases?: BenchCase[]; reps?: number; tolerance?: number } = {}): GpuJsBenchRow[] {
  const backend = opts.backend ?? createGpuJsBenchBackend();
  const reps = opts.reps ?? 5;
  const tolerance = opts.tolerance ?? 1e-4;
  const rows: GpuJsBenchRow[] = [];
  for (const c of opts.cases ?? defaultGpuJsCases()) {
    const ref = new Float32Array(c.outSize);
    const got = new Float32Array(c.outSize);
    c.run(cpu, c.inputs, ref);
    c.run(backend, c.inputs, got);
    const err = relError(got, ref);
    if (!(err <= tolerance)) throw new Error(`bench gpujs (${backend.name}): ${c.name}: relative error ${err} exceeds ${tolerance}`);
    const [tr, tg]: [number[], number[]] = [[], []];
    for (let r = 0; r < reps; r++) {
      tr.push(timeOnce(() => c.run(cpu, c.inputs, ref)));
      tg.push(timeOnce(() => c.run(backend, c.inputs, got)));
    }
    const [referenceMs, gpujsMs] = [median(tr), median(tg)];
    rows.push({
      case: c.name,
      relError: err,
      referenceMs,
      gpujsMs,
      speedup: referenceMs / gpujsMs,
      ...(c.flops ? { gflops: c.flops / gpujsMs / 1e6 } : {}),
    });
  }
  return rows;
}

/** A printable table of `benchGpuJs` rows. */
export function formatGpuJsBench(rows: GpuJsBenchRow[], backendName: string): string {
  const lines = rows.map(
    (r) =>
      `${r.case.padEnd(52)} ref ${r.referenceMs.toFixed(2).padStart(8)} ms  ${backendName} ${r.gpujsMs.toFixed(2).padStart(8)} ms  ` +
      `×${r.speedup.toFixed(2)}${r.gflops ? `  ${r.gflops.toFixed(2)} GFLOP/s` : ''}  err ${r.relError.toExponential(1)}`,
  );
  return lines.join('\n');
}
