/**
 * Reverse-mode differentiation: one reverse topological walk over the recorded nodes, pruned to the
 * part of the graph that leads to the requested tensors. Gradients are fresh tensors; nothing is
 * stored on the inputs (no `.grad` fields), so frozen weights never get a gradient formed.
 */
import { formatShape } from '../kernels/layout.js';
import { TensorError } from '../tensor/errors.js';
import { add } from '../tensor/ops.js';
import { noGrad } from '../tensor/record.js';
import { Tensor } from '../tensor/tensor.js';
import { full } from '../tensor/create.js';
import { gradients, type VjpArgs } from './gradients.js';
import type { OpKind } from '../tensor/record.js';

export interface GradOptions {
  /** d(loss)/d(loss) for a non-scalar loss (same shape as loss). */
  seed?: Tensor;
  /** Called for every input gradient the walk forms (for inspection and tests; a later contribution may be added into it in place). */
  onGradient?: (input: Tensor, gradient: Tensor) => void;
  /**
   * Cut the graph as the walk consumes it (PyTorch's retain_graph=False), so each activation can be
   * freed as soon as its gradient is formed; `loss`'s graph cannot be differentiated again afterwards.
   */
  release?: boolean;
}

/** Tensors reachable from `root` through recorded nodes, inputs before outputs. */
function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: Array<[Tensor, number]> = [[root, 0]];
  seen.add(root);
  while (stack.length) {
    const top = stack[stack.length - 1];
    const [t, i] = top;
    const inputs = t.node?.inputs ?? [];
    if (i < inputs.length) {
      top[1]++;
      const next = inputs[i];
      if (!seen.has(next)) {
        seen.add(next);
        stack.push([next, 0]);
      }
    } else {
      order.push(t);
      stack.pop();
    }
  }
  return order;
}

/**
 * Sums the contributions to one gradient. Storage made by this backward that nothing else shares is
 * added into in place instead of into a fresh array (a vjp that passes gy on, or returns it for two
 * inputs, shares its storage: seen twice, never owned; the seed is never owned). The sets are weak:
 * a gradient freed as the backward goes (below) must not be kept alive by having been seen (a 7B
 * step's backward would otherwise hold every layer's input gradient, 20 MB each, to its end).
 */
class GradientSums {
  private readonly seen = new WeakSet<object>();
  private readonly owned = new WeakSet<object>();
  constructor(seed: Tensor) {
    this.seen.add(seed.data);
  }
  add(prev: Tensor | undefined, g: Tensor): Tensor {
    if (this.seen.has(g.data)) this.owned.delete(g.data);
    else { this.seen.add(g.data); this.owned.add(g.data); }
    if (!prev) return g;
    const inPlace = this.owned.has(prev.data) && prev.offset === 0 && prev.data.length === prev.size && prev.isContiguous && g.dtype === prev.dtype;
    if (!inPlace) return add(prev, g);
    prev.backend.binary('add', prev, g.shape.length === prev.shape.length ? g : g.reshape(prev.shape), prev.data);
    return prev;
  }
}

/** Gradients of `loss` with respect to each tensor in `wrt` (zeros where the graph does not reach). */
export function grad(loss: Tensor, wrt: readonly Tensor[], opts: GradOptions = {}): Tensor[] {
  if (!opts.seed && loss.size !== 1) {
    throw new TensorError('grad', `loss has shape ${formatShape(loss.shape)}; backward on a non-scalar needs a seed of the same shape`);
  }
  if (opts.seed && formatShape(opts.seed.shape) !== formatShape(loss.shape)) {
    throw new TensorError('grad', `seed shape ${formatShape(opts.seed.shape)} does not match loss shape ${formatShape(loss.shape)}`);
  }
  const targets = new Set(wrt);
  const order: Array<Tensor | undefined> = topoOrder(loss);
  // A tensor "leads to" a target when it is one or one of its inputs leads to one.
  const leads = new Set<Tensor>();
  for (const t of order) {
    if (targets.has(t!) || t!.node?.inputs.some((i) => leads.has(i))) leads.add(t!);
  }
  const grads = new Map<Tensor, Tensor>();
  const seed = opts.seed ?? full(loss.shape, 1, { like: loss });
  grads.set(loss, seed);
  const sums = new GradientSums(seed);
  noGrad(() => {
    for (let n = order.length - 1; n >= 0; n--) {
      const t = order[n]!;
      const [lead, node] = [leads.has(t), t.node];
      // every consumer of t is behind us: with release, drop our references to it
      if (opts.release) { order[n] = undefined; t.node = null; leads.delete(t); }
      const gy = grads.get(t);
      if (!node || !gy || !lead) continue;
      const { op, inputs } = node;
      const needs = inputs.map((i) => leads.has(i));
      const vjp = gradients[op.kind] as (a: VjpArgs<OpKind>) => Array<Tensor | null>;
      const gis = vjp({ op, inputs, out: t, gy, needs } as VjpArgs<OpKind>);
      inputs.forEach((input, i) => {
        const g = gis[i];
        if (!needs[i] || !g) return;
        opts.onGradient?.(input, g);
        const prev = grads.get(input);
        grads.set(input, sums.add(prev, g));
      });
      if (!targets.has(t)) grads.delete(t); // free as we go
    }
  });
  return wrt.map((w) => {
    const g = grads.get(w);
    if (!g) return full(w.shape, 0, { like: w });
    const fresh = g.isContiguous && g !== seed ? g.detach() : Tensor.of(g.toTypedArray(), w.shape, w.backend);
    return fresh.shape.length === w.shape.length ? fresh : fresh.reshape(w.shape).detach();
  });
}

/**
 * Wraps `fn` so that calling it returns its value and the gradients with respect to every argument.
 * Arguments are re-wrapped as fresh leaves (sharing storage), so the caller's tensors are untouched.
 * With `{ hasAux: true }` (as JAX's `has_aux`), `fn` returns `{ value, aux }`: the gradients are of
 * `value`, and `aux` (a tensor or an object of tensors computed on the way) comes back detached, so it
 * holds no graph. The graph is released as the backward walks it (nothing else can reach it), so
 * activations are freed as their gradients are formed.
 */
export function valueAndGrad(fn: (...args: Tensor[]) => Tensor): (...args: Tensor[]) => { value: Tensor; grads: Tensor[] };
export function valueAndGrad<A extends Aux>(
  fn: (...args: Tensor[]) => { value: Tensor; aux: A },
  opts: { hasAux: true },
): (...args: Tensor[]) => { value: Tensor; aux: A; grads: Tensor[] };
export function valueAndGrad(fn: (...args: Tensor[]) => Tensor | { value: Tensor; aux: Aux }, opts?: { hasAux: true }) {
  return (...args: Tensor[]) => {
    const leaves = args.map((a) => a.detach().requireGrad());
    const out = fn(...leaves);
    if (!opts?.hasAux) {
      const value = out as Tensor;
      return { value: value.detach(), grads: grad(value, leaves, { release: true }) };
    }
    const { value, aux } = out as { value: Tensor; aux: Aux };
    return { value: value.detach(), aux: detachAux(aux), grads: grad(value, leaves, { release: true }) };
  };
}

/** What `valueAndGrad(fn, { hasAux: true })` lets `fn` return beside its value. */
export type Aux = Tensor | Readonly<Record<string, Tensor>>;

function detachAux<A extends Aux>(aux: A): A {
  if (aux instanceof Tensor) return aux.detach() as A;
  return Object.fromEntries(Object.entries(aux).map(([k, t]) => [k, t.detach()])) as A;
}
