/**
 * Frozen half-precision weights: a checkpoint's F16/BF16 matrix kept as its 2-byte bits and widened
 * inside the backend's matmul, so a 7B model stays at 2 bytes per parameter. Gradients flow to the
 * activations only: the weight is data, never a variable.
 */
import type { Backend, HalfBits } from '../kernels/backend.js';
import { formatShape } from '../kernels/layout.js';
import { checkSame } from './checks.js';
import { TensorError } from './errors.js';
import { getBackend } from './backend-select.js';
import { add, empty } from './ops.js';
import { Tensor } from './tensor.js';
import { record } from './record.js';

/** A [N, K] (out × in) weight as F16 or BF16 bits, row-major as stored in safetensors. */
export class HalfWeight implements HalfBits {
  readonly shape: readonly [number, number];
  /** The bits, handed to the backend when it owns memory (`adoptHalf`): do not write into them. */
  readonly bits: Uint16Array;
  constructor(
    bits: Uint16Array,
    shape: readonly [number, number],
    readonly format: 'f16' | 'bf16',
    /** Where tensors made from it (embedding rows) live. */
    readonly backend: Backend = getBackend(),
  ) {
    const [N, K] = shape;
    if (!(Number.isInteger(N) && Number.isInteger(K) && N >= 0 && K >= 0) || bits.length !== N * K) {
      throw new TensorError('HalfWeight', `${bits.length} values do not fill shape ${formatShape(shape)}`);
    }
    if (format !== 'f16' && format !== 'bf16') throw new TensorError('HalfWeight', `format must be 'f16' or 'bf16', got '${format}'`);
    this.shape = [N, K];
    this.bits = backend.adoptHalf?.(bits) ?? bits;
  }
  toString(): string {
    return `HalfWeight${formatShape(this.shape)} ${this.format}`;
  }
}

function backendOf(op: string, x: Tensor) {
  const f = x.backend.matmulHalf;
  if (!f) throw new TensorError(op, `backend '${x.backend.name}' has no matmulHalf (half-precision weights)`);
  return f;
}

/** y = x Wᵀ (+ b) with a half-precision W [out, in]. x: [..., in] → [..., out]. */
export function linearHalf(x: Tensor, w: HalfWeight, bias?: Tensor | null): Tensor {
  const [N, K] = w.shape;
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== K) {
    throw new TensorError('linearHalf', `${formatShape(x.shape)} @ ${w}ᵀ: inner dims ${x.shape[x.ndim - 1]} vs ${K}`);
  }
  if (bias) checkSame('linearHalf', [x, bias]);
  const out = empty(x, [...x.shape.slice(0, -1), N]);
  backendOf('linearHalf', x).call(x.backend, x, w, out.data, true);
  const y = record(out, { kind: 'linearHalf', weight: w }, [x]);
  return bias ? add(y, bias) : y;
}

/** The input gradient of linearHalf: gy [..., out] · W → [..., in] (not recorded). */
export function linearHalfInputGrad(gy: Tensor, w: HalfWeight): Tensor {
  const out = empty(gy, [...gy.shape.slice(0, -1), w.shape[1]]);
  backendOf('linearHalf backward', gy).call(gy.backend, gy, w, out.data, false);
  return out;
}
