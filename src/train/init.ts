/** The seeded initialisation of a new model to train: GPT-2-style N(0, 0.02²), scaled output projections, norms at 1. */
import { join } from 'node:path';
import type { Backend } from '../kernels/backend.js';
import { openSafetensorsFile } from '../safetensors/node.js';
import { parseLlavaConfig } from '../model/config.js';
import { Params } from '../model/layers.js';
import { LlavaForConditionalGeneration } from '../model/llava.js';
import { Rng, Tensor, getBackend } from '../tensor/index.js';

export interface NamedParam {
  name: string;
  tensor: Tensor;
}

/** A freshly initialised model (seeded), with its parameters in construction order. */
export function initModel(configJson: object, seed: number, backend: Backend = getBackend()): { model: LlavaForConditionalGeneration; params: NamedParam[] } {
  const cfg = parseLlavaConfig(configJson);
  const rng = new Rng(seed);
  const params: NamedParam[] = [];
  const L = cfg.text_config.num_hidden_layers;
  const model = new LlavaForConditionalGeneration(
    new Params((name, shape) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(n);
      const isNorm = /(layernorm|layer_norm|layrnorm|\.norm)\.weight$/.test(name);
      if (isNorm) data.fill(1);
      else if (!name.endsWith('.bias')) {
        const out = /(o_proj|down_proj|out_proj|fc2|linear_2)\.weight$/.test(name);
        const std = out ? 0.02 / Math.sqrt(2 * L) : 0.02;
        for (let i = 0; i < n; i++) data[i] = std * rng.normal();
      }
      const tensor = Tensor.of(data, shape, backend);
      params.push({ name, tensor });
      return tensor;
    }),
    cfg,
  );
  return { model, params };
}

/**
 * LLaVA keeps its pretrained CLIP frozen and trains the projector and the language model. This loads
 * the `vision_tower.*` weights of the model folder `dir` into `params` (names and shapes must match)
 * and returns the parameters left to train.
 */
export function freezeVisionTower(params: readonly NamedParam[], dir: string): NamedParam[] {
  const file = join(dir, 'model.safetensors');
  const src = openSafetensorsFile(file);
  const vision = params.filter((p) => p.name.startsWith('vision_tower.'));
  if (vision.length === 0) throw new Error(`freezeVisionTower: the model has no vision_tower.* parameters`);
  for (const p of vision) {
    if (!src.has(p.name)) throw new Error(`${file}: no tensor ${p.name} (the vision tower to freeze must have this model's vision config)`);
    const info = src.info(p.name);
    if (info.shape.join('×') !== p.tensor.shape.join('×')) throw new Error(`${file}: ${p.name} is [${info.shape}], this model's is [${p.tensor.shape}]`);
    p.tensor.data.set(src.readFloat32(p.name));
  }
  return params.filter((p) => !p.name.startsWith('vision_tower.'));
}
