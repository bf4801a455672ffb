/**
 * A Qwen2.5-VL checkpoint folder with random weights at a given config's sizes, laid out like a Hub
 * download: config.json, `model-0000k-of-0000n.safetensors` shards + model.safetensors.index.json with the
 * real checkpoint's tensor names (transformers 4.49/4.50 layout: `visual.*`, `model.*`, `lm_head.weight`),
 * BF16 (the Hub's dtype) or F16 storage, preprocessor_config.json, and a byte-level BPE tokenizer.json with
 * the Qwen special tokens at the config's ids and added tokens up to vocab_size (qwen-tokenizer-files.ts;
 * all 256 bytes, or only printable ASCII where the specials start below 256).
 * For measuring load time, memory and speed at full scale without the real weights (not on these machines).
 *
 * Names and shapes come from the module tree (`qwenParameterSpecs`); shards are `shards` groups of about
 * equal bytes in that order; the values and the streaming are random-checkpoint.ts's (norms 1, biases 0,
 * the rest uniform with std 0.02, deterministic for a given `seed`; one chunk in memory at a time).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseQwen25VLConfig } from '../src/model/qwen2_5_vl/config.js';
import { qwenParameterSpecs } from '../src/model/qwen2_5_vl/load.js';
import { equalShards, writeRandomShards, type RandomCheckpointOptions } from './random-checkpoint.js';
import { QWEN_SPECIAL_TOKENS, qwenTokenizerConfigJson, qwenTokenizerJson } from './qwen-tokenizer-files.js';

/** As for LLaVA, but dtype defaults to BF16 (the Hub's Qwen2.5-VL dtype) and shards to 5 (as Qwen2.5-VL-7B-Instruct). */
export type RandomQwenOptions = RandomCheckpointOptions;

/** config.json of Qwen/Qwen2.5-VL-7B-Instruct (the published sizes and token ids). */
export const QWEN25VL_7B_CONFIG = {
  architectures: ['Qwen2_5_VLForConditionalGeneration'], model_type: 'qwen2_5_vl', torch_dtype: 'bfloat16',
  attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151645, pad_token_id: 151643,
  vision_start_token_id: 151652, vision_end_token_id: 151653, vision_token_id: 151654, image_token_id: 151655, video_token_id: 151656,
  hidden_act: 'silu', hidden_size: 3584, intermediate_size: 18944, num_hidden_layers: 28, num_attention_heads: 28, num_key_value_heads: 4,
  max_position_embeddings: 128000, max_window_layers: 28, rms_norm_eps: 1e-6, rope_theta: 1000000.0, sliding_window: 32768,
  use_sliding_window: false, tie_word_embeddings: false, use_cache: true, vocab_size: 152064,
  rope_scaling: { type: 'mrope', mrope_section: [16, 24, 24] },
  vision_config: {
    depth: 32, hidden_act: 'silu', hidden_size: 1280, intermediate_size: 3420, num_heads: 16, in_chans: 3, out_hidden_size: 3584,
    patch_size: 14, spatial_merge_size: 2, spatial_patch_size: 14, window_size: 112, fullatt_block_indexes: [7, 15, 23, 31],
    tokens_per_second: 2, temporal_patch_size: 2,
  },
};

/** preprocessor_config.json of the Qwen2.5-VL Hub folders. */
export const QWEN25VL_PREPROCESSOR = {
  do_convert_rgb: true, do_normalize: true, do_rescale: true, do_resize: true, image_mean: [0.48145466, 0.4578275, 0.40821073],
  image_std: [0.26862954, 0.26130258, 0.27577711], image_processor_type: 'Qwen2VLImageProcessor', processor_class: 'Qwen2_5_VLProcessor',
  min_pixels: 3136, max_pixels: 12845056, merge_size: 2, patch_size: 14, temporal_patch_size: 2, resample: 3, rescale_factor: 0.00392156862745098,
};

/** The base vocabulary when fewer than 256 ids lie below the special tokens (tiny configs): \n and printable ASCII. */
const PRINTABLE = [10, ...Array.from({ length: 95 }, (_, i) => 32 + i)];
/** Writes the folder `outDir` (created; must not hold any of the files written) for `configJson`; returns the shard files. */
export function writeRandomQwenCheckpoint(configJson: Record<string, unknown>, outDir: string, opts: RandomQwenOptions = {}): string[] {
  const dtype = opts.dtype ?? 'BF16';
  const config = parseQwen25VLConfig(configJson);
  const specialBase = config.vision_start_token_id - QWEN_SPECIAL_TOKENS.indexOf('<|vision_start|>');
  if (config.image_token_id !== specialBase + QWEN_SPECIAL_TOKENS.indexOf('<|image_pad|>')) {
    throw new Error(`config.json: image_token_id ${config.image_token_id} is not at its place after vision_start_token_id ${config.vision_start_token_id} in Qwen's special tokens`);
  }
  const groups = equalShards(qwenParameterSpecs(config), opts.shards ?? 5);
  const textFiles: Record<string, string> = {
    'config.json': JSON.stringify(configJson, null, 2) + '\n',
    'preprocessor_config.json': JSON.stringify(QWEN25VL_PREPROCESSOR, null, 2) + '\n',
    'tokenizer.json': qwenTokenizerJson({ specialBase, bytes: specialBase < 256 ? PRINTABLE : undefined, vocabSize: config.text_config.vocab_size }),
    'tokenizer_config.json': qwenTokenizerConfigJson(),
  };
  writeRandomShards(outDir, groups, dtype, opts, Object.keys(textFiles));
  for (const [f, text] of Object.entries(textFiles)) fs.writeFileSync(path.join(outDir, f), text);
  return [...groups.keys()];
}
