/** Shared helpers of the wasm kernel tests: seeded data, views, a float64 reference GEMM, errors. */
import type { View } from '../../src/kernels/backend.js';
import { compileKernels, detectFeatures } from '../../src/kernels/wasm/assemble.js';
import { Heap } from '../../src/kernels/wasm/heap.js';
import { ThreadPool } from '../../src/kernels/wasm/pool.js';
import { defaultGemmConfig } from '../../src/kernels/wasm/wat/gemm.js';
import { HEAP_BASE } from '../../src/kernels/wasm/wat/layout.js';
import { MAX_PAGES } from '../../src/kernels/wasm/wat/module.js';

/** Deterministic uniform values in [−1, 1) (mulberry32). */
export function random(n: number, seed = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

export const view = (data: Float32Array | Float64Array, shape: number[], strides: number[], offset = 0): View => ({ data, shape, strides, offset });
export const contiguous = (data: Float32Array | Float64Array, shape: number[]): View => {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return view(data, shape, strides);
};

/** C rows `rows` of A·B in float64; A, B 2-D views. */
export function refGemmRows(a: View, b: View, rows: number[]): Map<number, Float64Array> {
  const [K, N] = [a.shape[1], b.shape[1]];
  const out = new Map<number, Float64Array>();
  const bcol = new Float64Array(K);
  for (const i of rows) out.set(i, new Float64Array(N));
  for (let j = 0; j < N; j++) {
    for (let k = 0; k < K; k++) bcol[k] = b.data[b.offset + k * b.strides[0] + j * b.strides[1]];
    for (const i of rows) {
      let acc = 0;
      const base = a.offset + i * a.strides[0];
      for (let k = 0; k < K; k++) acc += a.data[base + k * a.strides[1]] * bcol[k];
      out.get(i)![j] = acc;
    }
  }
  return out;
}

/** max |a − b| / max |b| */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    err = Number.isNaN(d) ? (Number.isNaN(a[i]) && Number.isNaN(b[i]) ? err : Infinity) : Math.max(err, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? err : err / scale;
}

/** Random F16 bits of moderate values, with zeros, negatives and a few subnormals mixed in. */
export function randomF16(n: number, seed = 3): Uint16Array {
  const u = random(n, seed);
  const bits = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    if (i % 97 === 0) bits[i] = 0;
    else if (i % 89 === 0) bits[i] = 0x8000 | (i & 0x3ff); // negative subnormal
    else if (i % 83 === 0) bits[i] = i & 0x3ff; // subnormal
    else {
      const sign = u[i] < 0 ? 0x8000 : 0;
      const e = 10 + ((i * 7) % 8); // 2^-5 .. 2^2
      bits[i] = sign | (e << 10) | (Math.floor(Math.abs(u[i]) * 1024) & 0x3ff);
    }
  }
  return bits;
}

/** Random BF16 bits: the upper halves of random float32 values. */
export function randomBf16(n: number, seed = 4): Uint16Array {
  const f = random(n, seed);
  const u32 = new Uint32Array(f.buffer);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = u32[i] >>> 16;
  return out;
}

/** The kernels' module on a heap and a pool of 2 threads, for tests of one host routine; `resident` puts values in its memory. */
export async function kernelRig() {
  const features = await detectFeatures(true);
  const { module } = await compileKernels({ relaxed: features.relaxed, gemm: defaultGemmConfig, shared: true });
  const memory = new WebAssembly.Memory({ initial: HEAP_BASE / 65536 + 16, maximum: MAX_PAGES, shared: true });
  const pool = await ThreadPool.create(module, memory, 2);
  const heap = new Heap(memory);
  /** A float32 array in wasm memory holding `values` (or n zeros), as resident.ts hands them out. */
  const resident = (values: Float32Array | number): Float32Array => {
    const n = typeof values === 'number' ? values : values.length;
    const at = heap.alloc(4 * n);
    const data = new Float32Array(heap.memory.buffer, at, n);
    if (typeof values === 'number') data.fill(0);
    else data.set(values);
    heap.handOut(data, at);
    return data;
  };
  return { heap, pool, resident };
}

/** `kernelRig()` for a test file: set up before its tests, the pool stopped after them. */
export function useKernelRig(): Awaited<ReturnType<typeof kernelRig>> {
  const rig = {} as Awaited<ReturnType<typeof kernelRig>>;
  beforeAll(async () => void Object.assign(rig, await kernelRig()));
  afterAll(() => rig.pool.dispose());
  return rig;
}
