/**
 * The wasm backend's fused and gated ops: silu / quick_gelu (forward and backward) and SwiGLU run the
 * SIMD kernel of wat/gated.ts on dense float32 operands, the exact GELU that of wat/gelu.ts, the softmax backward that of wat/softmax.ts
 * (other layouts and float64: the reference kernels); the attention scores run the GEMM per query block
 * and the scale, causal mask and softmax as one pass of softmax_rows (the reference: cpu/attention.ts;
 * float64 and a scale ≤ 0, which the pass does not take, run it).
 */
import type { Backend } from '../backend.js';
import { cpu } from '../cpu/index.js';
import { groupedHeads, narrow, queryBlocks } from '../cpu/attention.js';
import { unary } from './elementwise.js';
import { GATED_ALPHA, GATED_MODE, gatedRows, isDense, isF32 } from './gated.js';
import type { Heap } from './heap.js';
import type { WasmMatmul } from './matmul.js';
import type { ThreadPool } from './pool.js';
import { wasmAttentionSoftmax, wasmSoftmaxBackward } from './softmax.js';

/** Elements of the q kᵀ block buffer kept between calls (64 MiB); larger blocks get their own array. */
const KEPT_SCORES = 16 * 2 ** 20;

export function fusedOps(heap: Heap, pool: ThreadPool, mm: WasmMatmul, allocate: (n: number) => Float32Array | undefined): Pick<Backend, 'unary' | 'unaryBackward' | 'swiglu' | 'swigluBackward' | 'attentionProbs' | 'softmaxBackward'> {
  let scores: Float32Array = new Float32Array(0); // q kᵀ of one query block, reused across calls
  return {
    unary(op, x, out) {
      if (op === 'gelu' && isDense(x) && isF32(out)) return gatedRows(heap, pool, 0, 0, [x], [out], 'gelu_rows');
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
    // the GEMM per query block (cpu/attention.ts queryBlocks), then scale, mask and softmax in one wasm pass
    attentionProbs(q, k, spec, p) {
      if (!isF32(q.data, k.data, p) || !(spec.scale > 0)) return cpu.attentionProbs(q, k, spec, p);
      const [B, H, T] = q.shape;
      const [, Hkv, S] = k.shape;
      const [q5, kT5] = [groupedHeads(q, H / Hkv, false), groupedHeads(k, H / Hkv, true, true)]; // [B, Hkv, g, T, D], [B, Hkv, g, D, S]
      for (const { t0, t1, n } of queryBlocks(spec, T, S)) {
        const size = B * H * (t1 - t0) * n;
        // kept: no fresh pages per call, and in wasm memory while its budget allows (read there in place);
        // a larger one-off block is a host array (a resident one would hold its block until finalized)
        if (scores.length < size && size <= KEPT_SCORES) scores = allocate(size) ?? new Float32Array(size);
        const block = scores.length >= size ? scores : new Float32Array(size);
        mm.matmul(narrow(q5, 3, t0, t1), narrow(kT5, 4, 0, n), block);
        wasmAttentionSoftmax(heap, pool, block, { heads: B * H, rows: t1 - t0, n, T, S, t0 }, spec, p as Float32Array);
      }
    },
  };
}
