/**
 * The 41 PyTorch autograd cases of test/fixtures/ops (copied from shared/fixtures/ops), each mapped to
 * the engine's own API. Inputs x0..xn are float32-exact values stored as F64; `y` is the output and
 * `dxi` = d(Σ y·dy)/dxi, all from PyTorch 1.13 in float64.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { Backend, DType } from '../../src/kernels/backend.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import * as T from '../../src/tensor/index.js';
import type { Tensor } from '../../src/tensor/index.js';
import { grad } from '../../src/autograd/index.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'ops');

export interface OpCase {
  name: string;
  semantics: string;
  inputs: number;
  shapes: number[][];
  out_shape: number[];
  targets?: number[];
  ids?: number[];
}

export const opCases: OpCase[] = JSON.parse(readFileSync(path.join(dir, 'ops.json'), 'utf8')).cases;
const file = openSafetensorsFile(path.join(dir, 'ops.safetensors'));

type Fn = (x: Tensor[], c: OpCase) => Tensor;

export const opFunctions: Record<string, Fn> = {
  matmul_2d: ([a, b]) => a.matmul(b),
  matmul_batched_broadcast: ([a, b]) => a.matmul(b),
  matmul_batch_broadcast_both: ([a, b]) => a.matmul(b),
  linear_bias: ([x, w, b]) => T.linear(x, w, b),
  add_broadcast: ([a, b]) => a.add(b),
  sub_broadcast: ([a, b]) => a.sub(b),
  mul_broadcast: ([a, b]) => a.mul(b),
  div_broadcast: ([a, b]) => a.div(b),
  exp: ([x]) => x.exp(),
  log: ([x]) => x.log(),
  sqrt: ([x]) => x.sqrt(),
  rsqrt: ([x]) => x.rsqrt(),
  tanh: ([x]) => x.tanh(),
  sigmoid: ([x]) => x.sigmoid(),
  neg: ([x]) => x.neg(),
  square: ([x]) => x.square(),
  sum_all: ([x]) => x.sum(),
  sum_dim1_keepdim: ([x]) => x.sum(1, true),
  mean_lastdim: ([x]) => x.mean(-1),
  max_lastdim: ([x]) => x.max(-1),
  softmax_lastdim: ([x]) => x.softmax(-1),
  softmax_large_logits: ([x]) => x.softmax(-1),
  log_softmax_lastdim: ([x]) => x.logSoftmax(-1),
  layer_norm: ([x, w, b]) => T.layerNorm(x, w, b, 1e-5),
  rms_norm: ([x, w]) => T.rmsNorm(x, w, 1e-6),
  gelu_erf: ([x]) => T.gelu(x),
  gelu_tanh: ([x]) => T.geluTanh(x),
  quick_gelu: ([x]) => T.quickGelu(x),
  silu: ([x]) => T.silu(x),
  swiglu_mlp: ([x, gate, up, down]) => T.linear(T.swiglu(T.linear(x, gate), T.linear(x, up)), down), // the fused SwiGLU
  transpose_last2: ([x]) => x.transpose(-1, -2),
  permute_0213: ([x]) => x.permute([0, 2, 1, 3]),
  reshape_split_heads: ([x]) => x.reshape([2, 5, 3, 4]),
  slice_middle: ([x]) => x.slice(1, 2, 7, 2).slice(2, 1),
  cat_dim1: ([a, b]) => T.cat([a, b], 1),
  stack_dim0: ([a, b]) => T.stack([a, b], 0),
  rope_half_split: ([x]) => {
    const T_ = x.shape[2];
    const { cos, sin } = T.ropeTables([...Array(T_).keys()], x.shape[3], 1e4, x);
    return T.applyRope(x, cos, sin);
  },
  causal_attention_gqa: ([q, k, v]) => T.attention(q, k, v, { causal: true }).out,
  patch_embed_conv: ([x, w]) => T.conv2dPatch(x, w),
  cross_entropy_mean: ([x], c) => T.crossEntropy(x, c.targets!, -100),
  embedding_rows: ([w], c) => T.embedding(w, c.ids!),
};

export function loadCase(c: OpCase, dtype: DType, backend: Backend) {
  const load = (name: string) => T.fromArray(file.readFloat64(`${c.name}.${name}`), file.info(`${c.name}.${name}`).shape, { dtype, backend });
  const xs = Array.from({ length: c.inputs }, (_, i) => load(`x${i}`));
  return { xs, y: load('y'), dy: load('dy'), dxs: xs.map((_, i) => load(`dx${i}`)) };
}

/** max |a − b| / max |b|: the relative error the fixtures are judged by. */
export function relError(a: Tensor | ArrayLike<number>, b: Tensor | ArrayLike<number>): number {
  const av = 'toArray' in a ? a.toArray() : Array.from(a);
  const bv = 'toArray' in b ? b.toArray() : Array.from(b);
  if (av.length !== bv.length) return Infinity;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < av.length; i++) {
    err = Math.max(err, Math.abs(av[i] - bv[i]));
    scale = Math.max(scale, Math.abs(bv[i]));
  }
  return scale === 0 ? err : err / scale;
}

/** Runs one case: forward output and every input gradient, returning the worst relative errors. */
export function runCase(c: OpCase, dtype: DType, backend: Backend) {
  const { xs, y, dy, dxs } = loadCase(c, dtype, backend);
  const leaves = xs.map((x) => x.requireGrad());
  const out = opFunctions[c.name](leaves, c);
  const gs = grad(out, leaves, { seed: dy });
  return {
    shape: out.shape,
    forward: relError(out, y),
    backward: Math.max(...gs.map((g, i) => relError(g, dxs[i]))),
  };
}

/** The fixture tolerances: float64 within 1e-9 relative, float32 within 1e-4 (output and every gradient). */
export const PARITY_TOLERANCE = { float64: 1e-9, float32: 1e-4 } as const;

/** Runs one case on `backend` and asserts its shape and the tolerances above (jest's expect). */
export function expectParity(c: OpCase, dtype: DType, backend: Backend): void {
  const r = runCase(c, dtype, backend);
  expect(r.shape).toEqual(c.out_shape);
  expect(r.forward).toBeLessThan(PARITY_TOLERANCE[dtype]);
  expect(r.backward).toBeLessThan(PARITY_TOLERANCE[dtype]);
}
