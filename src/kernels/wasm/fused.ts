/**
 * The wasm backend's fused and gated ops: silu / quick_gelu (forward and backward) and SwiGLU run the
 * SIMD kernel of wat/gated.ts on dense float32 operands, the softmax backward that of wat/softmax.ts
 * (other layouts and float64: the reference kernels); the attention scores are the shared definition (cpu/attention.ts) over this backend's GEMM
 * and row softmax.
 */
import type { Backend } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { attentionProbsVia } from '../cpu/attention.js';
import { unary } from './elementwise.js';
import { GATED_ALPHA, GATED_MODE, gatedRows, isDense } from './gated.js';
import type { Heap } from './heap.js';
import type { WasmMatmul } from './matmul.js';
import type { ThreadPool } from './pool.js';
import { wasmSoftmax, wasmSoftmaxBackward } from './softmax.js';

const isF32 = (...xs: unknown[]) => xs.every((x) => x instanceof Float32Array);

export function fusedOps(heap: Heap, pool: ThreadPool, mm: WasmMatmul): Pick<Backend, 'unary' | 'unaryBackward' | 'swiglu' | 'swigluBackward' | 'attentionProbs' | 'softmaxBackward'> {
  return {
    unary(op, x, out) {
      const alpha = GATED_ALPHA[op];
      if (alpha === undefined || !isDense(x) || !isF32(out)) return unary(op, x, out);
      gatedRows(heap, pool, GATED_MODE.forward, alpha, [x], [out]);
    },
    unaryBackward(op, x, gy, out) {
      const alpha = GATED_ALPHA[op];
      if (alpha === undefined || !isDense(x) || !isDense(gy) || !isF32(out)) return cpu.unaryBackward(op, x, gy, out);
      gatedRows(heap, pool, GATED_MODE.backward, alpha, [x, null, gy], [out]);
    },
    swiglu(gate, up, out) {
      if (!isDense(gate) || !isDense(up) || !isF32(out)) return cpu.swiglu(gate, up, out);
      gatedRows(heap, pool, GATED_MODE.swiglu, 1, [gate, up], [out]);
    },
    swigluBackward(gate, up, gy, gGate, gUp) {
      if (!isDense(gate) || !isDense(up) || !isDense(gy) || !isF32(gGate, gUp)) return cpu.swigluBackward(gate, up, gy, gGate, gUp);
      gatedRows(heap, pool, GATED_MODE.swigluBackward, 1, [gate, up, gy], [gGate, gUp]);
    },
    softmaxBackward(y, gy, scale, out) {
      const unit = gy.shape.length > 0 && (gy.strides[gy.shape.length - 1] === 1 || gy.shape[gy.shape.length - 1] === 1);
      if (!isDense(y) || !unit || !isF32(gy.data, out)) return cpu.softmaxBackward(y, gy, scale, out);
      wasmSoftmaxBackward(heap, pool, y, gy, scale, out as Float32Array);
    },
    attentionProbs(q, k, spec, p) {
      if (!isF32(q.data, k.data, p)) return cpu.attentionProbs(q, k, spec, p);
      attentionProbsVia({ matmul: (a, b, out) => mm.matmul(a, b, out as Float32Array), softmax: (x, out, log) => wasmSoftmax(heap, pool, x, out as Float32Array, log) }, q, k, spec, p);
    },
  };
}
