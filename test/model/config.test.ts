/**
 * config.json parsing: HF defaults, the real llava-1.5-7b-hf config and index (every checkpoint name maps
 * to a module field, with no weights allocated), and unsupported values rejected by key and value.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, numImageTokens, parseLlavaConfig } from '../../src/model/config.js';
import { parameterSpecs, sanitize } from '../../src/model/load.js';
import { fixturesDir, tinyDir } from './tiny-fixture.js';

const realDir = path.join(fixturesDir, 'llava-1.5-7b-hf');
const realConfig = parseLlavaConfig(readFileSync(path.join(realDir, 'config.json'), 'utf8'));
const index = JSON.parse(readFileSync(path.join(realDir, 'model.safetensors.index.json'), 'utf8'));

describe('llava-1.5-7b-hf config.json', () => {
  it('parses to the documented 7B shapes, defaults filled as HF does', () => {
    expect(realConfig.text_config).toMatchObject({
      vocab_size: 32064, hidden_size: 4096, intermediate_size: 11008, num_hidden_layers: 32, num_attention_heads: 32,
      num_key_value_heads: 32, head_dim: 128, hidden_act: 'silu', rms_norm_eps: 1e-5, rope_theta: 10000,
      max_position_embeddings: 4096, attention_bias: false, tie_word_embeddings: false, bos_token_id: 1, eos_token_id: [2],
    });
    expect(realConfig.vision_config).toMatchObject({
      hidden_size: 1024, intermediate_size: 4096, num_hidden_layers: 24, num_attention_heads: 16, image_size: 336,
      patch_size: 14, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5, num_channels: 3,
    });
    expect(realConfig).toMatchObject({
      image_token_index: 32000, projector_hidden_act: 'gelu', vision_feature_layer: [-2], vision_feature_select_strategy: 'default',
    });
    expect(numImageTokens(realConfig)).toBe(576);
  });

  it('every name in model.safetensors.index.json is a module field with the right count; none missing or unexpected', () => {
    const specs = parameterSpecs(realConfig);
    const ours = specs.map((s) => s.name).sort();
    const theirs = Object.keys(index.weight_map).map((n) => sanitize(n)!).sort();
    expect(theirs).toHaveLength(686);
    expect(ours).toEqual(theirs);
    const params = specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    expect(params).toBe(7_063_427_072);
    expect(params * 2).toBe(index.metadata.total_size); // F16: 2 bytes per parameter
    const shape = (name: string) => specs.find((s) => s.name === name)!.shape;
    expect(shape('vision_tower.vision_model.embeddings.patch_embedding.weight')).toEqual([1024, 3, 14, 14]);
    expect(shape('vision_tower.vision_model.embeddings.position_embedding.weight')).toEqual([577, 1024]);
    expect(shape('multi_modal_projector.linear_1.weight')).toEqual([4096, 1024]);
    expect(shape('language_model.model.layers.31.mlp.down_proj.weight')).toEqual([4096, 11008]);
    expect(shape('language_model.lm_head.weight')).toEqual([32064, 4096]);
  });
});

describe('defaults and the tiny config', () => {
  it('an empty config is LlavaConfig(): ViT-L/14-336 + LlamaConfig()', () => {
    const c = parseLlavaConfig({});
    expect(c.vision_config).toMatchObject({ hidden_size: 1024, num_hidden_layers: 24, image_size: 336, patch_size: 14, hidden_act: 'quick_gelu' });
    expect(c.text_config).toMatchObject({ vocab_size: 32000, hidden_size: 4096, num_key_value_heads: 32, rms_norm_eps: 1e-6, max_position_embeddings: 2048 });
    expect(c).toMatchObject({ image_token_index: 32000, vision_feature_layer: [-2], multimodal_projector_bias: true });
  });

  it('a vision_config without keys gets CLIPVisionConfig defaults; newer keys are understood', () => {
    const c = parseLlavaConfig({ vision_config: {}, image_token_id: 7, vision_feature_layer: [-2, -5], text_config: { num_key_value_heads: 8 } });
    expect(c.vision_config).toMatchObject({ hidden_size: 768, num_hidden_layers: 12, image_size: 224, patch_size: 32 });
    expect(c.image_token_index).toBe(7);
    expect(c.vision_feature_layer).toEqual([-2, -5]);
    expect(c.text_config.num_key_value_heads).toBe(8);
  });

  it('the tiny fixture config: GQA, eps 1e-6, 25 image tokens', () => {
    const c = parseLlavaConfig(readFileSync(path.join(tinyDir, 'config.json'), 'utf8'));
    expect(c.text_config).toMatchObject({ num_attention_heads: 4, num_key_value_heads: 2, head_dim: 8, rms_norm_eps: 1e-6, vocab_size: 99 });
    expect(c.image_token_index).toBe(98);
    expect(numImageTokens(c)).toBe(25);
  });
});

describe('unsupported values name the key and the value', () => {
  const cases: Array<[string, object, RegExp]> = [
    ['model_type', { model_type: 'llava_next' }, /model_type: unsupported value "llava_next"/],
    ['text model_type', { text_config: { model_type: 'mistral' } }, /text_config\.model_type: unsupported value "mistral"/],
    ['vision model_type', { vision_config: { model_type: 'siglip_vision_model' } }, /vision_config\.model_type: unsupported value "siglip_vision_model"/],
    ['text activation', { text_config: { hidden_act: 'relu' } }, /text_config\.hidden_act: unsupported value "relu"/],
    ['projector activation', { projector_hidden_act: 'swish' }, /projector_hidden_act: unsupported value "swish"/],
    ['rope_scaling', { text_config: { rope_scaling: { type: 'linear', factor: 2 } } }, /text_config\.rope_scaling: unsupported value \{"type":"linear","factor":2\}/],
    ['strategy', { vision_feature_select_strategy: 'cls' }, /vision_feature_select_strategy: unsupported value "cls" \(supported: default, full\)/],
    ['feature layer', { vision_feature_layer: 30 }, /vision_feature_layer: 30 is out of range/],
    ['kv heads', { text_config: { num_attention_heads: 32, num_key_value_heads: 5 } }, /text_config\.num_key_value_heads: 5 does not divide/],
    ['negative size', { text_config: { hidden_size: -1 } }, /text_config\.hidden_size: expected an integer in \[1, 65536\], got -1/],
  ];
  it.each(cases)('%s', (_name, json, re) => {
    expect(() => parseLlavaConfig(json)).toThrow(ConfigError);
    expect(() => parseLlavaConfig(json)).toThrow(re);
  });
  it('bad JSON text', () => {
    expect(() => parseLlavaConfig('{')).toThrow(/not valid JSON/);
  });
});
