/**
 * The strict Qwen2.5-VL weight loader (browser-safe): the module tree's names and shapes, the one place
 * stored names are bent (transformers ≥ 4.52 stores `model.visual.*` and `model.language_model.*`),
 * and the shared checks of ../load.ts (missing / unexpected / mis-shaped / non-float, all at once).
 */
import { parseQwen25VLConfig, type Qwen25VLConfig } from './config.js';
import { Qwen25VLForConditionalGeneration } from './model.js';
import { buildFromSource, matchWeights, specsOf, type LoadOptions, type ParamSpec, type WeightProblems } from '../load.js';
import type { TensorSource } from '../../safetensors/index.js';

/** Keys a checkpoint may hold that carry no weights. */
const IGNORED = [/\.rotary_emb\.inv_freq$/];

/** A stored name in the 4.49/4.50 layout (`visual.`, `model.`, `lm_head.`), or null for a key to skip. */
export function sanitizeQwen(name: string): string | null {
  let n = name;
  if (n.startsWith('model.visual.')) n = n.slice('model.'.length);
  else if (n.startsWith('model.language_model.')) n = `model.${n.slice('model.language_model.'.length)}`;
  return IGNORED.some((re) => re.test(n)) ? null : n;
}

export function qwenParameterSpecs(config: Qwen25VLConfig): ParamSpec[] {
  return specsOf((p) => new Qwen25VLForConditionalGeneration(p, config));
}

export function checkQwenWeights(source: TensorSource, config: Qwen25VLConfig): WeightProblems {
  return matchWeights(source, qwenParameterSpecs(config), sanitizeQwen);
}

/** Builds a Qwen2.5-VL model from `source` after checking every name and shape (see ../load.ts LoadOptions). */
export function loadQwen25VLFromSource(source: TensorSource, config: Qwen25VLConfig | string | object, opts: LoadOptions = {}): Qwen25VLForConditionalGeneration {
  const cfg = isParsed(config) ? config : parseQwen25VLConfig(config);
  return buildFromSource(source, {
    family: 'Qwen2.5-VL', specs: qwenParameterSpecs(cfg), rename: sanitizeQwen, build: (p) => new Qwen25VLForConditionalGeneration(p, cfg),
  }, opts);
}

function isParsed(c: unknown): c is Qwen25VLConfig {
  const t = (c as Qwen25VLConfig | null)?.text_config;
  return typeof c === 'object' && c !== null && typeof t === 'object' && t !== null && Array.isArray(t.mrope_section);
}
