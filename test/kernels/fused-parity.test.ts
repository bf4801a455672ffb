/**
 * The fused ops (tensor/fused.ts: attention scores, RMSNorm, LayerNorm, RoPE, SwiGLU, and the softmax
 * backward) against the compositions of primitives they replace, written out here as the models used
 * to compute them: forward and every input gradient, on strided (transposed, offset) inputs, on every
 * backend — the reference in float64 (1e-12) and float32, wasm with 1 and 2 threads, GPU.js — in
 * float32 within 2e-6 relative (max |Δ| / max |ref|). Finite differences (float64) check the explicit
 * backward of each fused op on its own.
 */
import { grad, gradcheck } from '../../src/autograd/index.js';
import type { Backend } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { createGpuJsBackend } from '../../src/kernels/gpujs/index.js';
import { createWasmBackend } from '../../src/kernels/wasm/index.js';
import * as T from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { relError } from '../helpers/op-cases.js';

type DType = 'float32' | 'float64';
/** `large`: too many elements for finite differences (its gradients are checked against the composition). */
type Case = { name: string; shapes: number[][]; fused: (xs: Tensor[]) => Tensor; composed: (xs: Tensor[]) => Tensor; large?: true };

/** [B, T, H, D] → [B, H, T, D] views (as the models split heads), and the same for kv. */
const heads = (x: Tensor) => x.transpose(1, 2);
const ropeOf = (x: Tensor) => T.ropeTables([...Array(x.shape[2]).keys()].map((t) => t + 3), x.shape[3], 1e4, x);
const rotateHalf = (x: Tensor) => T.cat([x.slice(-1, x.shape[3] / 2).neg(), x.slice(-1, 0, x.shape[3] / 2)], -1);

/** The composed attention scores: matmul → scale → causal mask → softmax, K repeated per group. */
function composedProbs(q: Tensor, k: Tensor, scale: number, causal: boolean): Tensor {
  const [B, H, Tq] = q.shape;
  const [, Hkv, S, D] = k.shape;
  const kh = T.reshape(k.unsqueeze(2).expand([B, Hkv, H / Hkv, S, D]), [B, H, S, D]);
  let s = T.matmul(q, kh.transpose(-1, -2)).mul(scale);
  if (causal) {
    const m = T.fromArray(Array.from({ length: Tq * S }, (_, i) => (i % S <= Math.floor(i / S) + S - Tq ? 1 : 0)), [Tq, S], { like: q });
    s = T.where(m, s, -Infinity);
  }
  return s.softmax(-1);
}

const cases: Case[] = [
  {
    name: 'attention scores, causal, GQA (H 4, Hkv 2), T 5 of S 7',
    shapes: [[1, 5, 4, 6], [1, 7, 2, 6]],
    fused: ([q, k]) => T.attentionProbs(heads(q), heads(k), { scale: 0.37, causal: true }),
    composed: ([q, k]) => composedProbs(heads(q), heads(k), 0.37, true),
  },
  {
    name: 'attention output through the probabilities, not causal, B 2',
    shapes: [[2, 6, 3, 4], [2, 6, 3, 4], [2, 6, 3, 4]],
    fused: ([q, k, v]) => T.attention(heads(q), heads(k), heads(v)).out,
    composed: ([q, k, v]) => T.matmul(composedProbs(heads(q), heads(k), 0.5, false), heads(v)),
  },
  {
    name: 'causal attention in blocks (T 130 of S 133, GQA): output and probabilities',
    shapes: [[1, 130, 4, 8], [1, 133, 2, 8], [1, 133, 2, 8]],
    fused: ([q, k, v]) => {
      const { out, probs } = T.attention(heads(q), heads(k), heads(v), { causal: true });
      return T.cat([out.reshape([-1]), probs.slice(2, 120).reshape([-1])], 0);
    },
    composed: ([q, k, v]) => {
      const probs = composedProbs(heads(q), heads(k), 1 / Math.sqrt(8), true);
      const vh = T.reshape(heads(v).unsqueeze(2).expand([1, 2, 2, 133, 8]), [1, 4, 133, 8]);
      return T.cat([T.matmul(probs, vh).reshape([-1]), probs.slice(2, 120).reshape([-1])], 0);
    },
  },
  {
    name: 'causal scores over 600 keys (several softmax chunks per query block)',
    shapes: [[1, 600, 2, 4], [1, 600, 1, 4]],
    fused: ([q, k]) => T.attentionProbs(heads(q), heads(k), { scale: 0.5, causal: true }).slice(2, 100, 460),
    composed: ([q, k]) => composedProbs(heads(q), heads(k), 0.5, true).slice(2, 100, 460),
  },
  {
    name: 'RMSNorm over a transposed view',
    shapes: [[6, 2, 5], [6]],
    fused: ([x, w]) => T.rmsNorm(x.transpose(0, 2), w, 1e-5),
    composed: ([x, w]) => x.transpose(0, 2).mul(T.mean(x.transpose(0, 2).square(), -1, true).add(1e-5).rsqrt()).mul(w),
  },
  {
    name: 'RMSNorm on 300 dense rows of 256 from an offset (the wasm kernel: two chunks, the weight gradient summed over both)',
    shapes: [[1, 302, 256], [256]],
    fused: ([x, w]) => T.rmsNorm(x.slice(1, 2), w, 1e-6),
    composed: ([x, w]) => x.slice(1, 2).mul(T.mean(x.slice(1, 2).square(), -1, true).add(1e-6).rsqrt()).mul(w),
    large: true,
  },
  {
    name: 'LayerNorm over an offset slice',
    shapes: [[3, 9, 8], [8], [8]],
    fused: ([x, w, b]) => T.layerNorm(x.slice(1, 2), w, b, 1e-5),
    composed: ([x, w, b]) => {
      const xs = x.slice(1, 2);
      const c = xs.sub(T.mean(xs, -1, true));
      return c.mul(T.mean(c.square(), -1, true).add(1e-5).rsqrt()).mul(w).add(b);
    },
  },
  {
    name: 'LayerNorm on 300 dense rows of 256 from an offset (the wasm kernel: two chunks)',
    shapes: [[1, 302, 256], [256], [256]],
    fused: ([x, w, b]) => T.layerNorm(x.slice(1, 2).mul(3).add(1), w, b, 1e-5),
    composed: ([x, w, b]) => {
      const xs = x.slice(1, 2).mul(3).add(1);
      const c = xs.sub(T.mean(xs, -1, true));
      return c.mul(T.mean(c.square(), -1, true).add(1e-5).rsqrt()).mul(w).add(b);
    },
    large: true,
  },
  {
    name: 'RoPE on split heads (positions 3…)',
    shapes: [[1, 5, 3, 8]],
    fused: ([x]) => { const { cos, sin } = ropeOf(heads(x)); return T.applyRope(heads(x), cos, sin); },
    composed: ([x]) => { const { cos, sin } = ropeOf(heads(x)); return heads(x).mul(cos).add(rotateHalf(heads(x)).mul(sin)); },
  },
  {
    name: 'SwiGLU (dense, 4099 elements: SIMD chunks and a tail) and on transposed views',
    shapes: [[4099], [4099], [7, 5], [5, 7]],
    fused: ([g, u, g2, u2]) => T.cat([T.swiglu(g.mul(4), u), T.swiglu(g2.transpose(0, 1), u2).reshape([35])], 0),
    composed: ([g, u, g2, u2]) => T.cat([T.silu(g.mul(4)).mul(u), T.silu(g2.transpose(0, 1)).mul(u2).reshape([35])], 0),
  },
  {
    name: 'softmax backward (a softmax over the middle axis)',
    shapes: [[3, 7, 4]],
    fused: ([x]) => x.mul(3).softmax(1),
    composed: ([x]) => { const e = x.mul(3).sub(x.mul(3).max(1, true).detach()).exp(); return e.div(T.sum(e, 1, true)); },
  },
];

function inputs(c: Case, dtype: DType, backend: Backend, seed: number): Tensor[] {
  return c.shapes.map((s, i) => T.randn(s, { seed: seed + i, dtype, backend }));
}

/** Output and every input gradient of fn under a fixed random cotangent. */
function evaluate(fn: (xs: Tensor[]) => Tensor, xs: Tensor[]): Tensor[] {
  const leaves = xs.map((x) => x.detach().requireGrad());
  const y = fn(leaves);
  const seed = T.randn(y.shape, { seed: 99, dtype: y.dtype, backend: y.backend });
  return [y.detach(), ...grad(y, leaves, { seed })];
}

const backends: Array<[string, () => Promise<Backend & { dispose?: () => void }>]> = [
  ['cpu (reference)', async () => cpu],
  ['wasm 1T', () => createWasmBackend({ threads: 1 })],
  ['wasm 2T', () => createWasmBackend({ threads: 2 })],
  ['gpujs', async () => createGpuJsBackend()],
];

describe.each(backends)('fused ops on %s', (_label, create) => {
  let backend: Backend & { dispose?: () => void };
  beforeAll(async () => { backend = await create(); });
  afterAll(() => backend.dispose?.());

  it.each(cases.map((c) => [c.name, c] as const))('%s: float32 equals the composition within 2e-6', (_n, c) => {
    const xs = inputs(c, 'float32', backend, 1);
    const [fused, composed] = [evaluate(c.fused, xs), evaluate(c.composed, inputs(c, 'float32', cpu, 1))];
    fused.forEach((t, i) => expect(relError(t, composed[i])).toBeLessThan(2e-6));
    expect(relError(fused[0], composed[0].mul(1.01))).toBeGreaterThan(1e-3); // the comparison can fail
  });
});

describe('fused ops, float64 on the reference backend', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s: equals the composition within 1e-12', (_n, c) => {
    const xs = inputs(c, 'float64', cpu, 3);
    const [fused, composed] = [evaluate(c.fused, xs), evaluate(c.composed, xs)];
    fused.forEach((t, i) => expect(relError(t, composed[i])).toBeLessThan(1e-12));
  });
  // (the blocked causal cases and the large ones are too big for finite differences; their gradients match the composition above)
  it.each(cases.filter((c) => !c.large && !c.name.startsWith('causal')).map((c) => [c.name, c] as const))('%s: explicit backward matches finite differences', (_n, c) => {
    const xs = inputs(c, 'float64', cpu, 5).map((x) => (x.ndim === 1 && x.size > 200 ? x.slice(0, 0, 40) : x).contiguous());
    if (c.name.startsWith('SwiGLU')) return expect(gradcheck((g, u) => T.swiglu(g.mul(4), u), xs.slice(0, 2)).ok).toBe(true);
    const r = gradcheck((...ts) => c.fused(ts), xs);
    expect(r.failures).toEqual([]);
  });
});
