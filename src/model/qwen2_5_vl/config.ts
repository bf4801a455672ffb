/**
 * config.json of a `Qwen2_5_VLForConditionalGeneration` checkpoint (`model_type: qwen2_5_vl`), parsed into
 * snake_case interfaces with HF's defaults filled in for absent keys and unsupported values rejected by name.
 *
 * Mirrors: transformers models/qwen2_5_vl/configuration_qwen2_5_vl.py (4.49/4.50: text parameters at the
 * top level, nested `vision_config`; newer exports nest them in `text_config`, read here too) —
 * Qwen2_5_VLVisionConfig and Qwen2_5_VLConfig `__init__`, including the rewrite of the Hub's
 * `rope_scaling {"type": "mrope"}` to `"default"`. Unknown keys are ignored, as HF ignores them.
 */
import { ConfigError, Reader, asObject, configObject } from '../config.js';

export interface Qwen25VisionConfig {
  depth: number;
  hidden_size: number;
  hidden_act: 'silu';
  intermediate_size: number;
  num_heads: number;
  in_channels: number;
  patch_size: number;
  spatial_merge_size: number;
  temporal_patch_size: number;
  tokens_per_second: number;
  window_size: number;
  out_hidden_size: number;
  fullatt_block_indexes: number[];
}

export interface Qwen2TextConfig {
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  hidden_act: 'silu';
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  /** M-RoPE channel split over (t, h, w) of the head_dim/2 frequencies. */
  mrope_section: [number, number, number];
  tie_word_embeddings: boolean;
  bos_token_id: number | null;
  eos_token_id: number[];
}

export interface Qwen25VLConfig {
  model_type: 'qwen2_5_vl';
  text_config: Qwen2TextConfig;
  vision_config: Qwen25VisionConfig;
  image_token_id: number;
  video_token_id: number;
  vision_start_token_id: number;
  vision_end_token_id: number;
}

type Json = Record<string, unknown>;

function intList(json: Json, key: string, dflt: number[], prefix: string): number[] {
  const v = json[key] ?? dflt;
  if (!Array.isArray(v) || !v.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new ConfigError(`${prefix}${key}`, `expected a list of non-negative integers, got ${JSON.stringify(v)}`);
  }
  return [...v] as number[];
}

/** Qwen2_5_VLVisionConfig with HF defaults. */
export function parseQwenVisionConfig(json: Json, prefix = 'vision_config'): Qwen25VisionConfig {
  const r = new Reader(json, prefix);
  const cfg: Qwen25VisionConfig = {
    depth: r.int('depth', 32),
    hidden_size: r.int('hidden_size', 3584),
    hidden_act: r.oneOf('hidden_act', 'silu', ['silu'] as const),
    intermediate_size: r.int('intermediate_size', 3420),
    num_heads: r.int('num_heads', 16),
    in_channels: r.int('in_channels', 3),
    patch_size: r.int('patch_size', 14),
    spatial_merge_size: r.int('spatial_merge_size', 2),
    temporal_patch_size: r.int('temporal_patch_size', 2),
    tokens_per_second: r.int('tokens_per_second', 4),
    window_size: r.int('window_size', 112),
    out_hidden_size: r.int('out_hidden_size', 3584),
    fullatt_block_indexes: intList(json, 'fullatt_block_indexes', [7, 15, 23, 31], `${prefix}.`),
  };
  const D = cfg.hidden_size / cfg.num_heads;
  if (!Number.isInteger(D) || D % 4 !== 0) {
    throw new ConfigError(`${prefix}.num_heads`, `hidden_size ${cfg.hidden_size} / num_heads ${cfg.num_heads} must be an integer multiple of 4 (2-D rotary)`);
  }
  const unit = cfg.patch_size * cfg.spatial_merge_size;
  if (cfg.window_size % unit !== 0) throw new ConfigError(`${prefix}.window_size`, `${cfg.window_size} is not a multiple of patch_size·spatial_merge_size = ${unit}`);
  const bad = cfg.fullatt_block_indexes.find((i) => i >= cfg.depth);
  if (bad !== undefined) throw new ConfigError(`${prefix}.fullatt_block_indexes`, `block ${bad} is out of range for depth ${cfg.depth}`);
  return cfg;
}

/** `rope_scaling` → mrope_section; only the default (unscaled) M-RoPE is implemented. */
function parseMropeSection(json: Json, headDim: number): [number, number, number] {
  const rs = json.rope_scaling;
  if (rs === undefined || rs === null) throw new ConfigError('rope_scaling', 'missing: Qwen2.5-VL needs {"type": "mrope", "mrope_section": [t, h, w]}');
  const o = asObject(rs, 'rope_scaling');
  const type = o.rope_type ?? o.type;
  if (type !== 'mrope' && type !== 'default') {
    throw new ConfigError('rope_scaling.rope_type', `unsupported value ${JSON.stringify(type)} (only "default"/"mrope" M-RoPE is implemented)`);
  }
  const s = o.mrope_section;
  if (!Array.isArray(s) || s.length !== 3 || !s.every((x) => Number.isInteger(x) && x >= 0)) {
    throw new ConfigError('rope_scaling.mrope_section', `expected 3 non-negative integers (t, h, w), got ${JSON.stringify(s)}`);
  }
  const sum = s.reduce((a: number, b: number) => a + b, 0);
  if (sum !== headDim / 2) throw new ConfigError('rope_scaling.mrope_section', `${JSON.stringify(s)} sums to ${sum}, expected head_dim/2 = ${headDim / 2}`);
  return s as [number, number, number];
}

/** Qwen2_5_VLConfig's text part with HF defaults; `json` holds the text keys (top level or text_config). */
export function parseQwenTextConfig(json: Json): Qwen2TextConfig {
  const r = new Reader(json, '');
  const hidden_size = r.int('hidden_size', 8192);
  const num_attention_heads = r.int('num_attention_heads', 64);
  const num_key_value_heads = r.int('num_key_value_heads', 8);
  if (num_attention_heads % num_key_value_heads !== 0) {
    throw new ConfigError('num_key_value_heads', `${num_key_value_heads} does not divide num_attention_heads ${num_attention_heads}`);
  }
  if (hidden_size % num_attention_heads !== 0) throw new ConfigError('hidden_size', `${hidden_size} is not a multiple of num_attention_heads ${num_attention_heads}`);
  const head_dim = hidden_size / num_attention_heads;
  if (head_dim % 2 !== 0) throw new ConfigError('num_attention_heads', `RoPE needs an even head_dim, got ${head_dim}`);
  r.neutral('use_sliding_window', [false], 'sliding-window attention is not implemented');
  const eos = json.eos_token_id === undefined ? 151645 : json.eos_token_id;
  const eosList = eos === null ? [] : Array.isArray(eos) ? eos : [eos];
  if (!eosList.every((e) => Number.isInteger(e))) throw new ConfigError('eos_token_id', `expected a token id or a list of ids, got ${JSON.stringify(eos)}`);
  return {
    vocab_size: r.int('vocab_size', 152064),
    hidden_size,
    intermediate_size: r.int('intermediate_size', 29568),
    num_hidden_layers: r.int('num_hidden_layers', 80),
    num_attention_heads,
    num_key_value_heads,
    head_dim,
    hidden_act: r.oneOf('hidden_act', 'silu', ['silu'] as const),
    max_position_embeddings: r.int('max_position_embeddings', 32768),
    rms_norm_eps: r.num('rms_norm_eps', 1e-5),
    rope_theta: r.num('rope_theta', 1e6),
    mrope_section: parseMropeSection(json, head_dim),
    tie_word_embeddings: r.bool('tie_word_embeddings', false),
    bos_token_id: r.optId('bos_token_id', 151643),
    eos_token_id: eosList as number[],
  };
}

/** Parses a Qwen2_5_VLForConditionalGeneration config.json (text or already-parsed JSON). */
export function parseQwen25VLConfig(input: string | unknown): Qwen25VLConfig {
  const top = configObject(input);
  const r = new Reader(top, '');
  const model_type = r.oneOf('model_type', 'qwen2_5_vl', ['qwen2_5_vl'] as const);
  const nested = top.text_config === undefined || top.text_config === null ? {} : asObject(top.text_config, 'text_config');
  return {
    model_type,
    text_config: parseQwenTextConfig({ ...top, ...nested }),
    vision_config: parseQwenVisionConfig(asObject(top.vision_config, 'vision_config')),
    image_token_id: r.int('image_token_id', 151655, 0),
    video_token_id: r.int('video_token_id', 151656, 0),
    vision_start_token_id: r.int('vision_start_token_id', 151652, 0),
    vision_end_token_id: r.int('vision_end_token_id', 151653, 0),
  };
}

/** A config.json's model_type (for choosing the family before parsing). */
export function isQwen25VLConfig(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as Json).model_type === 'qwen2_5_vl';
}
