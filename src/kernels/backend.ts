/**
 * The backend interface: the lowest layer of the engine. A backend sees raw typed arrays and strided
 * layouts only — no Tensor, no autograd. Every op writes into a contiguous, pre-allocated output.
 *
 * Inputs arrive as strided views (`View`): broadcasting is expressed by the caller as stride 0, so a
 * binary kernel always sees two views of exactly the output's shape.
 */
import type { BinaryOp, UnaryOp } from './scalar.js';

export type DType = 'float32' | 'float64';
export type Data = Float32Array | Float64Array;

export interface Layout {
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

/** A strided window onto a typed array. */
export interface View extends Layout {
  readonly data: Data;
}

export type ReduceOp = 'sum' | 'max' | 'argmax';

/**
 * A frozen half-precision weight as stored in a checkpoint: raw F16 or BF16 bits of a row-major
 * [N, K] matrix (the Linear layout, out × in). Backends widen it on the fly.
 */
export interface HalfBits {
  readonly bits: Uint16Array;
  readonly shape: readonly [number, number];
  readonly format: 'f16' | 'bf16';
}

/** The scores of scaled-dot-product attention: p = softmax(scale · q kᵀ), optionally causal (key j masked for query i when j > i + S − T). */
export interface AttentionSpec {
  readonly scale: number;
  readonly causal: boolean;
}

export interface Backend {
  readonly name: string;
  /**
   * Optional: the tensor layer is about to reuse `data` for other contents (buffer pool). A backend
   * that caches derived copies of arrays (e.g. packed weights) must drop them here.
   */
  forget?(data: Data): void;
  /** Copy a strided view into a contiguous output (row-major, same shape). */
  copy(x: View, out: Data): void;
  /** Write `src` into the strided window `dst` of `dst.data` (same shapes). */
  assign(src: View, dst: View): void;
  /** out = f(x), elementwise. */
  unary(op: UnaryOp, x: View, out: Data): void;
  /** out = gy · f'(x), elementwise (the backward of `unary`). */
  unaryBackward(op: UnaryOp, x: View, gy: View, out: Data): void;
  /** out = a ∘ b; `a` and `b` have the output's shape (broadcast dims have stride 0). */
  binary(op: BinaryOp, a: View, b: View, out: Data): void;
  /** Reduce one axis; `out` has x's shape with that axis of size 1. `argmax` stores the index. */
  reduce(op: ReduceOp, x: View, axis: number, out: Data): void;
  /**
   * Batched matrix product. a: [...batch, M, K], b: [...batch, K, N] with identical batch shapes
   * (broadcast batch dims have stride 0); out: contiguous [...batch, M, N].
   */
  matmul(a: View, b: View, out: Data): void;
  /** Softmax over the last axis, numerically stable; `log` gives log-softmax. */
  softmax(x: View, out: Data, log: boolean): void;
  /** out[i, :] = table[ids[i], :]; table: [V, C]. */
  gather(table: View, ids: Int32Array, out: Data): void;
  /** out[ids[i], :] += g[i, :]; out: contiguous [V, C], zero-filled by the caller. */
  scatterAdd(g: View, ids: Int32Array, out: Data): void;
  /** out = cond ≠ 0 ? a : b; all three of the output's shape. */
  where(cond: View, a: View, b: View, out: Data): void;
  /**
   * Optional: out = x · Wᵀ with W a half-precision weight [N, K]; x: [..., K] (any strides), out:
   * contiguous [..., N]. With `transposeW = false`, out = x · W instead (x: [..., N] → [..., K]; the
   * input gradient of `linearHalf`). Backends without it cannot run `linearHalf`.
   */
  matmulHalf?(x: View, w: HalfBits, out: Data, transposeW?: boolean): void;
  /**
   * Optional: takes a frozen half weight's bits into memory the backend owns (the wasm heap), so that
   * `matmulHalf` reads them in place instead of copying them in on every call. Returns the array to use
   * from now on: a copy the backend owns, or `bits` itself when it keeps none (e.g. past its budget).
   * The caller drops its own array and never writes into the returned one.
   */
  adoptHalf?(bits: Uint16Array): Uint16Array;
  /**
   * Optional: n float32 elements in memory the backend owns (the wasm heap), which its kernels then
   * read and write in place — zero-filled unless `zero` is false (an op's output that its kernel writes
   * whole); undefined when it has no room (the tensor layer then takes a host array, which every kernel
   * also takes). The tensor layer allocates tensor storage through it.
   */
  allocate?(n: number, zero?: boolean): Float32Array | undefined;
  /** With `allocate`: gives its storage back now; the caller guarantees nothing reads or writes `data` again. */
  free?(data: Float32Array): void;

  // Fused ops (one pass each instead of the composition of the primitives above; the reference
  // kernels in cpu/fused.ts and cpu/attention.ts are their definition).
  /** p [B, H, T, S] from q [B, H, T, D], k [B, Hkv, S, D]; query head h reads KV head ⌊h / (H/Hkv)⌋. */
  attentionProbs(q: View, k: View, spec: AttentionSpec, p: Data): void;
  /** The backward of softmax over the last axis: out = scale · y ⊙ (gy − Σ gy ⊙ y); y contiguous, gy any strides. */
  softmaxBackward(y: View, gy: View, scale: number, out: Data): void;
  /** Llama RMSNorm over the last axis: out = w · x / √(mean(x²) + ε); x [..., C], w [C]. */
  rmsNorm(x: View, w: View, eps: number, out: Data): void;
  /** gx [..., C]; gw [C] (Σ over rows) unless null. */
  rmsNormBackward(x: View, w: View, gy: View, eps: number, gx: Data, gw: Data | null): void;
  /** Layer norm over the last axis: out = (x − μ)/√(σ² + ε) · w + b; x [..., C], w, b [C]. */
  layerNorm(x: View, w: View, b: View, eps: number, out: Data): void;
  /** gx [..., C]; gw, gb [C] (Σ over rows) unless null. */
  layerNormBackward(x: View, w: View, gy: View, eps: number, gx: Data, gw: Data | null, gb: Data | null): void;
  /**
   * Half-split RoPE: out = x·cos + rotate_half(x)·sin; x [..., T, D], cos, sin [T, D]. With `transpose`,
   * the adjoint (the backward): out = x·cos + rotate_halfᵀ(x·sin).
   */
  rope(x: View, cos: View, sin: View, out: Data, transpose: boolean): void;
  /** SwiGLU: out = silu(gate) · up, all of one shape. */
  swiglu(gate: View, up: View, out: Data): void;
  /** gGate, gUp from gy (contiguous, gate's shape). */
  swigluBackward(gate: View, up: View, gy: View, gGate: Data, gUp: Data): void;
}
