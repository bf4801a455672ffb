/**
 * The ControlMLLM parts of `controlmllm trace`, for comparing the method with a PyTorch run:
 *   --region-mask FILE:NAME --energy v1|last|pp   → energy [1], energy_grad_z [1,N,C], attn_to_image [N]
 *   --optimize v1|pp (+ optimiser flags)           → losses [k], final_delta [1,N,C], tokens [n]
 * `energy` is E (without α); `losses` are α·E per step, as the reference fixture stores them.
 */
import { valueAndGrad } from '../../autograd/index.js';
import { makeObjective } from '../../controlmllm/objective.js';
import { optimizeLatent } from '../../controlmllm/optimize.js';
import { resolveOptions, type AskOptions } from '../../controlmllm/pipeline.js';
import { generate } from '../../model/generate.js';
import type { PromptModel, Session } from '../../controlmllm/session.js';
import type { TensorToWrite } from '../../safetensors/index.js';
import { noGrad, type Tensor } from '../../tensor/index.js';

export type EnergyMode = 'v1' | 'last' | 'pp';

const f32 = (name: string, t: Tensor | Float32Array, shape?: number[]): TensorToWrite =>
  t instanceof Float32Array
    ? { name, dtype: 'F32', shape: shape ?? [t.length], data: t }
    : { name, dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.toTypedArray()) };

/** What the method runs on: a model bound to its prompt, its depth and its family (defaults differ). */
export interface TraceTarget {
  model: PromptModel;
  numLayers: number;
  family: Session['family'];
}

/** Layers, queries and ε of an energy mode (pp: --layers or the family's default range scaled to the depth). */
function pooling(t: TraceTarget, mode: EnergyMode, opts: AskOptions) {
  const { layers, energyEps } = resolveOptions({ ...opts, method: mode === 'pp' ? 'pp' : 'v1' }, t.numLayers, t.family); // v1 default: all layers
  return { pooling: { layers, queries: mode === 'v1' ? ('after-image' as const) : ('last' as const) }, eps: energyEps };
}

export function traceEnergy(t: TraceTarget, ids: readonly number[], features: Tensor, region: Float32Array, mode: EnergyMode, opts: AskOptions): TensorToWrite[] {
  const p = pooling(t, mode, opts);
  const objective = makeObjective(t.model, ids, features, [region], p.pooling, 1, p.eps);
  const f = valueAndGrad((z: Tensor) => {
    const { loss, attention } = objective(z);
    return { value: loss, aux: attention };
  }, { hasAux: true });
  const { value: e, aux: attention, grads: [g] } = f(noGrad(() => features.mul(0)));
  return [f32('energy', e.reshape([1])), f32('energy_grad_z', g), f32('attn_to_image', attention)];
}

export function traceOptimize(t: TraceTarget, ids: readonly number[], features: Tensor, region: Float32Array, method: 'v1' | 'pp', opts: AskOptions, newTokens: number): TensorToWrite[] {
  const { model } = t;
  const r = optimizeLatent(model, ids, features, [region], resolveOptions({ ...opts, method }, t.numLayers, t.family));
  const embeds = noGrad(() => model.embedWithImageFeatures(ids, features.add(r.finalDelta)).inputsEmbeds);
  const { tokens } = generate(model, embeds, { maxNewTokens: newTokens, eosTokenId: null });
  return [
    f32('losses', Float32Array.from(r.losses)),
    f32('final_delta', r.finalDelta),
    { name: 'tokens', dtype: 'I64', shape: [tokens.length], data: BigInt64Array.from(tokens, (t) => BigInt(t)) },
  ];
}
