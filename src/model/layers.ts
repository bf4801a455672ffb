/**
 * Small nn layers holding their weights as Tensors, with field names equal to the last segment of the
 * checkpoint key (`weight`, `bias`), plus `Params`: the scoped name → tensor lookup that every module
 * constructor takes, so that a module tree *is* its list of checkpoint names.
 *
 * The same constructors serve two purposes: given a `Params` over loaded tensors they build the model;
 * given a `Params` that only records names and shapes they yield `parameterSpecs` (load.ts) without
 * allocating any weight.
 */
import { Tensor, embedding, layerNorm, linear, rmsNorm } from '../tensor/index.js';
import { HalfWeight, linearHalf } from '../tensor/half.js';
import { TensorError } from '../tensor/errors.js';
import { formatShape } from '../kernels/layout.js';
import { bf16Value, f16Value } from '../kernels/cpu/half.js';

/** Where module constructors get their weights: `take(fullName, shape)` returns a tensor of that shape. */
export class Params {
  constructor(
    private readonly take: (name: string, shape: readonly number[]) => Tensor,
    readonly prefix = '',
    /** Optional: how Linear weight matrices are taken (e.g. kept as half-precision bits). */
    private readonly takeMatrix?: (name: string, shape: readonly [number, number]) => Tensor | HalfWeight,
  ) {}

  /** The weight `prefix + name` with the given shape. */
  get(name: string, shape: readonly number[]): Tensor {
    return this.take(this.prefix + name, shape);
  }

  /** A Linear weight [out, in]: a Tensor, or half-precision bits when the loader keeps them. */
  matrix(name: string, shape: readonly [number, number]): Tensor | HalfWeight {
    return this.takeMatrix ? this.takeMatrix(this.prefix + name, shape) : this.get(name, shape);
  }

  /** A scope one level down: `at('encoder').at('layers.0')` names `…encoder.layers.0.…`. */
  at(name: string | number): Params {
    return new Params(this.take, `${this.prefix}${name}.`, this.takeMatrix);
  }
}

/**
 * torch.nn.Linear: y = x Wᵀ + b. weight [out, in], bias [out] (optional). x: [..., in] → [..., out].
 * The weight may be half-precision bits (F16/BF16 checkpoints loaded with `halfWeights`), widened
 * inside the backend's matmul.
 */
export class Linear {
  readonly weight: Tensor | HalfWeight;
  readonly bias: Tensor | null;
  constructor(p: Params, inFeatures: number, outFeatures: number, bias: boolean) {
    this.weight = p.matrix('weight', [outFeatures, inFeatures]);
    this.bias = bias ? p.get('bias', [outFeatures]) : null;
  }
  forward(x: Tensor): Tensor {
    return this.weight instanceof HalfWeight ? linearHalf(x, this.weight, this.bias) : linear(x, this.weight, this.bias);
  }
}

/** torch.nn.LayerNorm over the last axis (biased variance). weight, bias: [C]. */
export class LayerNorm {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(p: Params, dim: number, readonly eps: number) {
    this.weight = p.get('weight', [dim]);
    this.bias = p.get('bias', [dim]);
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

/** LlamaRMSNorm: w · x / √(mean(x²) + ε). weight: [C]. */
export class RMSNorm {
  readonly weight: Tensor;
  constructor(p: Params, dim: number, readonly eps: number) {
    this.weight = p.get('weight', [dim]);
  }
  forward(x: Tensor): Tensor {
    return rmsNorm(x, this.weight, this.eps);
  }
}

/** torch.nn.Embedding: weight [V, C]; ids (B·T of them) → [B, T, C]. */
export class Embedding {
  readonly weight: Tensor;
  constructor(p: Params, num: number, dim: number) {
    this.weight = p.get('weight', [num, dim]);
  }
  forward(ids: readonly number[], shape: readonly number[] = [1, ids.length]): Tensor {
    return embedding(this.weight, ids, shape);
  }
}

/**
 * The token embedding of a decoder: like Embedding, but its table may stay half-precision bits (F16/BF16
 * checkpoints loaded with `halfWeights`): only the gathered rows are widened. `project` is the tied LM
 * head, h · weightᵀ. weight [V, C]; ids (B·T of them) → [B, T, C].
 */
export class TokenEmbedding {
  readonly weight: Tensor | HalfWeight;
  constructor(p: Params, num: number, dim: number) {
    this.weight = p.matrix('weight', [num, dim]);
  }
  forward(ids: readonly number[], shape: readonly number[] = [1, ids.length]): Tensor {
    return this.weight instanceof HalfWeight ? embeddingHalf(this.weight, ids, shape) : embedding(this.weight, ids, shape);
  }
  /** h [..., C] → [..., V]. */
  project(h: Tensor): Tensor {
    return this.weight instanceof HalfWeight ? linearHalf(h, this.weight) : h.matmul(this.weight.transpose(0, 1));
  }
}

let f16Wide: Float32Array | undefined;

/**
 * Embedding lookup in a half-precision table: only the gathered rows are widened to float32 (exact).
 * w: [V, C]; ids (idsShape) → [...idsShape, C], on w's backend. Not recorded: the table is frozen.
 */
export function embeddingHalf(w: HalfWeight, ids: readonly number[] | Int32Array, idsShape: readonly number[] = [ids.length]): Tensor {
  const [V, C] = w.shape;
  if (idsShape.reduce((n, d) => n * d, 1) !== ids.length) throw new TensorError('embeddingHalf', `${ids.length} ids do not fill shape ${formatShape(idsShape)}`);
  const out = new Float32Array(ids.length * C);
  const wide = w.format === 'f16' ? (f16Wide ??= Float32Array.from({ length: 65536 }, (_, b) => f16Value(b))) : null;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new TensorError('embeddingHalf', `id ${id} at position ${i} is out of range for ${V} rows`);
    const row = w.bits.subarray(id * C, (id + 1) * C);
    for (let c = 0; c < C; c++) out[i * C + c] = wide ? wide[row[c]] : bf16Value(row[c]);
  }
  return Tensor.of(out, [...idsShape, C], w.backend);
}
