/**
 * What autograd needs from the tensor layer: the recorded op of each output, and the grad mode.
 * A node is recorded only when an input requires grad and no `noGrad` scope is active, so plain
 * inference builds no graph and keeps no activations alive.
 *
 * `Op` is a closed union: the gradient table in src/autograd is typed as one entry per `kind`,
 * so adding an op here without its gradient is a compile error.
 */
import type { AttentionSpec } from '../kernels/backend.js';
import type { BinaryOp, UnaryOp } from '../kernels/scalar.js';
import type { HalfWeight } from './half.js';
import type { Tensor } from './tensor.js';

export type Op =
  | { kind: 'unary'; fn: UnaryOp }
  | { kind: 'binary'; fn: Exclude<BinaryOp, 'eq' | 'gt'> }
  | { kind: 'sum'; axis: number } // keepdim
  | { kind: 'max'; axis: number; argmax: Tensor } // keepdim; argmax holds indices along axis
  | { kind: 'matmul' }
  | { kind: 'reshape' }
  | { kind: 'permute'; dims: number[] }
  | { kind: 'expand' }
  | { kind: 'slice'; axis: number; start: number; step: number }
  | { kind: 'contiguous' }
  | { kind: 'cat'; axis: number }
  | { kind: 'gather'; ids: Int32Array }
  | { kind: 'where'; cond: Tensor }
  | { kind: 'softmax'; log: boolean }
  | { kind: 'attentionProbs'; spec: AttentionSpec } // inputs q, k (tensor/fused.ts)
  | { kind: 'attentionValues'; spec: AttentionSpec } // inputs probs, v
  | { kind: 'rmsNorm'; eps: number } // inputs x, w
  | { kind: 'layerNorm'; eps: number } // inputs x, w, b
  | { kind: 'rope'; cos: Tensor; sin: Tensor } // input x; cos, sin constant
  | { kind: 'swiglu' } // inputs gate, up
  | { kind: 'linearHalf'; weight: HalfWeight } // y = x Wᵀ, W frozen half precision (tensor/half.ts)
  | { kind: 'checkpoint'; fn: (x: Tensor) => Tensor }; // y = fn(x), re-run in the backward (model/checkpoint.ts)

export type OpKind = Op['kind'];

export interface Node {
  readonly op: Op;
  readonly inputs: readonly Tensor[];
}

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` with recording off: no node is created inside, whatever requires grad. */
export const noGrad = <T>(fn: () => T): T => withGradMode(false, fn);
/** Runs `fn` with recording on (inside a backward, which runs with it off). */
export const withGrad = <T>(fn: () => T): T => withGradMode(true, fn);

function withGradMode<T>(on: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = on;
  try {
    return fn();
  } finally {
    gradEnabled = previous;
  }
}

/** Attaches `op` to `out` when recording applies; returns `out`. */
export function record(out: Tensor, op: Op, inputs: readonly Tensor[]): Tensor {
  if (gradEnabled && inputs.some((t) => t.requiresGrad)) {
    out.requiresGrad = true;
    out.node = { op, inputs };
  }
  return out;
}
