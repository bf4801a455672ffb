/**
 * Host side of the wasm sigmoid-gated activations (wat/gated.ts): SwiGLU forward and backward, and
 * silu / quick_gelu with their backward. Contiguous operands stream through wasm memory in chunks of
 * 16 Ki elements (each chunk stays in cache between copy in, kernel and copy out), as the row softmax
 * does, or read and written in place when they live in wasm memory; other layouts go to the reference kernels (see index.ts).
 */
import type { Data, View } from '../backend.js';
import { operand, type Heap } from './heap.js';
import type { ThreadPool } from './pool.js';
import { PARAMS } from './wat/layout.js';

const CHUNK = 1 << 14;
export const GATED_MODE = { swiglu: 0, swigluBackward: 1, forward: 2, backward: 3 } as const;
/** α of f(x) = x·σ(αx) for the unary ops the kernel computes. */
export const GATED_ALPHA: Partial<Record<string, number>> = { silu: 1, quick_gelu: 1.702 };

/** True when every array is float32 (float64 inputs, used for gradient checks, go to the reference kernels). */
export const isF32 = (...xs: unknown[]) => xs.every((x) => x instanceof Float32Array);

/** True when v walks its elements contiguously (float32, row-major, no gaps). */
export function isDense(v: View): boolean {
  if (!(v.data instanceof Float32Array)) return false;
  let expected = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d] !== 1 && v.strides[d] !== expected) return false;
    expected *= v.shape[d];
  }
  return true;
}

/**
 * Runs `gated_rows` (or `gelu_rows`, which reads the same parameter words) over n elements: inputs
 * [x, u?, gy?] (dense views or null), outputs [out1, out2?].
 */
export function gatedRows(heap: Heap, pool: ThreadPool, mode: number, alpha: number, inputs: ReadonlyArray<View | null>, outs: ReadonlyArray<Data | null>, kernel: 'gated_rows' | 'gelu_rows' = 'gated_rows'): void {
  const n = outs[0]!.length;
  // the kernel runs over whole vectors of 4: a resident operand whose length is not a multiple of 4
  // would be read and written past its end, so it goes through the scratch slots too
  const place = (d: Data, name: string) => operand(heap, d as Float32Array, name, 4 * Math.min(CHUNK, n + 3), n % 4 === 0);
  const ins = inputs.map((v, i) => (v ? { v, o: place(v.data, `gated_in${i}`) } : null));
  const os = outs.map((d, i) => (d ? { d, o: place(d, `gated_out${i}`) } : null));
  for (let c0 = 0; c0 < n; c0 += CHUNK) {
    const m = Math.min(CHUNK, n - c0);
    const [a, b, c] = ins.map((x) => (x ? x.o.load(x.v.offset + c0, m) : 0)) as number[];
    const [o1, o2] = os.map((x) => (x ? x.o.at(c0) : 0)) as number[];
    heap.i32.set([a, b, c, o1, o2, Math.ceil(m / 4) * 4, mode], PARAMS / 4);
    heap.f32[PARAMS / 4 + 7] = alpha;
    pool.run(kernel, PARAMS, m < 1 << 13 ? 1 : pool.threads);
    os.forEach((x) => x?.o.store(c0, m));
  }
}
