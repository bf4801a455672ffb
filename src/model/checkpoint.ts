/**
 * Gradient checkpointing: y = fn(x) is computed without recording its inside, so none of fn's
 * activations outlive the forward; the backward re-runs fn on x with recording on and differentiates
 * that (autograd/gradients.ts). Memory per checkpoint: x and y instead of everything in between, for one
 * more forward of fn. `fn` must be deterministic and may depend on tensors that require grad only
 * through `x` (anything else it closes over is treated as a constant).
 */
import { isGradEnabled, noGrad, record } from '../tensor/record.js';
import type { Tensor } from '../tensor/tensor.js';
import { tidy } from '../tensor/arena.js';

export function checkpoint(fn: (x: Tensor) => Tensor, x: Tensor): Tensor {
  if (!isGradEnabled() || !x.requiresGrad) return fn(x);
  const out = tidy(() => noGrad(() => fn(x))); // fn's temporaries back to the pool, for the next checkpoint
  return record(out === x ? x.detach() : out, { kind: 'checkpoint', fn }, [x]);
}
