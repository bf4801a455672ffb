/** Qwen2.5-VL config.json parsing: the fixture's full HF dump, HF defaults, and refusals by name. */
import { parseQwen25VLConfig } from '../../../src/model/qwen2_5_vl/config.js';
import { qwenConfigJson } from './qwen-fixture.js';

describe('parseQwen25VLConfig', () => {
  it('reads the fixture config (4.50 layout: text at the top, nested vision_config)', () => {
    const c = parseQwen25VLConfig(JSON.stringify(qwenConfigJson));
    expect(c.text_config).toMatchObject({
      vocab_size: 200, hidden_size: 48, intermediate_size: 100, num_hidden_layers: 3, num_attention_heads: 4,
      num_key_value_heads: 2, head_dim: 12, rms_norm_eps: 1e-6, rope_theta: 1e6, mrope_section: [1, 2, 3],
      tie_word_embeddings: false, bos_token_id: 186, eos_token_id: [188],
    });
    expect(c.vision_config).toEqual({
      depth: 4, hidden_size: 32, hidden_act: 'silu', intermediate_size: 56, num_heads: 4, in_channels: 3, patch_size: 14,
      spatial_merge_size: 2, temporal_patch_size: 2, tokens_per_second: 2, window_size: 56, out_hidden_size: 48,
      fullatt_block_indexes: [1, 3],
    });
    expect([c.image_token_id, c.video_token_id, c.vision_start_token_id, c.vision_end_token_id]).toEqual([198, 199, 195, 196]);
  });

  it('fills HF defaults (the published 7B vision tower, Qwen token ids) for absent keys', () => {
    const c = parseQwen25VLConfig({ model_type: 'qwen2_5_vl', hidden_size: 3584, num_attention_heads: 28, num_key_value_heads: 4, rope_scaling: { type: 'mrope', mrope_section: [16, 24, 24] } });
    expect(c.vision_config).toMatchObject({ depth: 32, num_heads: 16, window_size: 112, fullatt_block_indexes: [7, 15, 23, 31], patch_size: 14 });
    expect(c.text_config).toMatchObject({ vocab_size: 152064, num_hidden_layers: 80, rms_norm_eps: 1e-5, rope_theta: 1e6, head_dim: 128, eos_token_id: [151645] });
    expect([c.image_token_id, c.vision_start_token_id, c.vision_end_token_id]).toEqual([151655, 151652, 151653]);
  });

  it('reads a config.json in the shape of the Hub\'s Qwen2.5-VL-7B-Instruct (type "mrope", in_chans, bfloat16)', () => {
    const hub = {
      architectures: ['Qwen2_5_VLForConditionalGeneration'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151645,
      vision_start_token_id: 151652, vision_end_token_id: 151653, vision_token_id: 151654, image_token_id: 151655, video_token_id: 151656,
      hidden_act: 'silu', hidden_size: 3584, initializer_range: 0.02, intermediate_size: 18944, max_position_embeddings: 128000, max_window_layers: 28,
      model_type: 'qwen2_5_vl', num_attention_heads: 28, num_hidden_layers: 28, num_key_value_heads: 4, rms_norm_eps: 1e-6, rope_theta: 1000000.0,
      sliding_window: 32768, tie_word_embeddings: false, torch_dtype: 'bfloat16', transformers_version: '4.41.2', use_cache: true, use_sliding_window: false,
      vision_config: { depth: 32, hidden_act: 'silu', hidden_size: 1280, intermediate_size: 3420, num_heads: 16, in_chans: 3, out_hidden_size: 3584, patch_size: 14, spatial_merge_size: 2, spatial_patch_size: 14, window_size: 112, fullatt_block_indexes: [7, 15, 23, 31], tokens_per_second: 2, temporal_patch_size: 2 },
      rope_scaling: { type: 'mrope', mrope_section: [16, 24, 24] }, vocab_size: 152064,
    };
    const c = parseQwen25VLConfig(hub);
    expect(c.text_config).toMatchObject({ head_dim: 128, mrope_section: [16, 24, 24], num_key_value_heads: 4, max_position_embeddings: 128000 });
    expect(c.vision_config).toMatchObject({ depth: 32, hidden_size: 1280, in_channels: 3, tokens_per_second: 2 });
  });

  it('reads the newer layout with the text parameters in text_config', () => {
    const { hidden_size, num_attention_heads, num_key_value_heads, rope_scaling, num_hidden_layers, ...rest } = qwenConfigJson;
    const c = parseQwen25VLConfig({ ...rest, text_config: { model_type: 'qwen2_5_vl_text', hidden_size, num_attention_heads, num_key_value_heads, rope_scaling, num_hidden_layers } });
    expect(c.text_config).toMatchObject({ hidden_size: 48, head_dim: 12, num_hidden_layers: 3, mrope_section: [1, 2, 3] });
  });

  const bad = (patch: Record<string, unknown>) => () => parseQwen25VLConfig({ ...qwenConfigJson, ...patch });
  it('refuses unsupported values, naming the key', () => {
    expect(bad({ model_type: 'qwen2_vl' })).toThrow(/model_type: unsupported value "qwen2_vl" \(supported: qwen2_5_vl\)/);
    expect(bad({ rope_scaling: { type: 'yarn', factor: 4 } })).toThrow(/rope_scaling.rope_type: unsupported value "yarn"/);
    expect(bad({ rope_scaling: { type: 'mrope', mrope_section: [2, 2, 3] } })).toThrow(/mrope_section: \[2,2,3\] sums to 7, expected head_dim\/2 = 6/);
    expect(bad({ rope_scaling: null })).toThrow(/rope_scaling: missing/);
    expect(bad({ use_sliding_window: true })).toThrow(/use_sliding_window: unsupported value true/);
    expect(bad({ hidden_act: 'gelu' })).toThrow(/hidden_act: unsupported value "gelu"/);
    expect(bad({ num_key_value_heads: 3 })).toThrow(/num_key_value_heads: 3 does not divide num_attention_heads 4/);
    expect(bad({ vision_config: { ...qwenConfigJson.vision_config, fullatt_block_indexes: [1, 4] } })).toThrow(/vision_config.fullatt_block_indexes: block 4 is out of range for depth 4/);
    expect(bad({ vision_config: { ...qwenConfigJson.vision_config, window_size: 50 } })).toThrow(/vision_config.window_size: 50 is not a multiple of patch_size·spatial_merge_size = 28/);
    expect(bad({ vision_config: { ...qwenConfigJson.vision_config, num_heads: 3 } })).toThrow(/vision_config.num_heads/);
    expect(() => parseQwen25VLConfig('{')).toThrow(/not valid JSON/);
  });
});
