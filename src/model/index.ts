/**
 * The model layer's public surface (browser-safe; Node file loading: load-node.ts `loadLlava(dir)`).
 *
 *   parseLlavaConfig(json)                          config.json → LlavaConfig (HF defaults, strict)
 *   loadLlavaFromSource(source, config, {dtype})    strict loader over a TensorSource
 *   model.embed(ids, pixels) / embedWithImageFeatures(ids, features) / decode(inputsEmbeds, opts)
 *   generate(model, inputsEmbeds, opts)             greedy / sampling with a KV cache
 */
export * from './config.js';
export { LlavaForConditionalGeneration, imageTokenPositions, imageTokenRun, type EmbedResult, type ImageSpan, type VisionResult } from './llava.js';
export { type DecodeOptions, type DecodeResult } from './decode-options.js';
export { KVCache, KVStore, type LayerKV } from './kv-cache.js';
export { Params } from './layers.js';
export {
  WeightLoadError, checkWeights, formatProblems, loadLlavaFromSource, parameterSpecs, sanitize,
  type LoadOptions, type ParamSpec, type WeightProblems,
} from './load.js';
export { generate, pickToken, type GenerateOptions, type GenerateResult } from './generate.js';
