/**
 * config.json of a `LlavaForConditionalGeneration` checkpoint, parsed into snake_case interfaces with
 * HF's defaults filled in for absent keys (SPEC-llava.md §1.2) and unsupported values rejected.
 *
 * Mirrors: transformers configuration_llava.py (LlavaConfig), configuration_llama.py (LlamaConfig),
 * configuration_clip.py (CLIPVisionConfig). Unknown keys are ignored, as HF ignores them.
 */

export interface LlamaTextConfig {
  model_type: 'llama';
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  head_dim: number;
  hidden_act: string;
  max_position_embeddings: number;
  rms_norm_eps: number;
  rope_theta: number;
  attention_bias: boolean;
  mlp_bias: boolean;
  tie_word_embeddings: boolean;
  bos_token_id: number | null;
  eos_token_id: number[];
  pad_token_id: number | null;
}

export interface ClipVisionConfig {
  model_type: 'clip_vision_model';
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_channels: number;
  image_size: number;
  patch_size: number;
  hidden_act: string;
  layer_norm_eps: number;
}

export interface LlavaConfig {
  model_type: 'llava';
  text_config: LlamaTextConfig;
  vision_config: ClipVisionConfig;
  image_token_index: number;
  projector_hidden_act: string;
  multimodal_projector_bias: boolean;
  /** HF hidden-state indices (0 = embeddings after pre_layrnorm, negative counts from the end); several are concatenated. */
  vision_feature_layer: number[];
  vision_feature_select_strategy: 'default' | 'full';
}

/** A config.json value this engine does not support; the message names the key and the value. */
export class ConfigError extends Error {
  constructor(readonly key: string, detail: string) {
    super(`config.json: ${key}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/**
 * Upper bounds on sizes, far above any released model, so that a corrupt or hostile config is refused
 * before a module tree of a million layers (or a huge table) is built.
 */
export const LIMITS = {
  layers: 512,
  hidden: 65_536,
  intermediate: 262_144,
  heads: 1024,
  vocab: 4_194_304,
  positions: 16_777_216,
  channels: 16,
  imageSize: 4096,
  default: 16_777_216,
} as const;

const ACTIVATIONS = ['gelu', 'gelu_pytorch_tanh', 'gelu_new', 'quick_gelu', 'silu'];

type Json = Record<string, unknown>;

/** A config value for a message (short; one nested too deep to print says so instead of overflowing the stack). */
function show(v: unknown): string {
  try {
    const s = JSON.stringify(v) ?? String(v);
    return s.length > 80 ? `${s.slice(0, 77)}...` : s;
  } catch {
    return '(a value nested too deep to print)';
  }
}

/** Reads typed keys of one JSON object, with HF defaults and errors that name `prefix.key`. */
export class Reader {
  constructor(private readonly obj: Json, private readonly prefix: string) {}
  private key(k: string) {
    return this.prefix ? `${this.prefix}.${k}` : k;
  }
  private raw(k: string): unknown {
    const v = this.obj[k];
    return v === undefined ? undefined : v;
  }
  int(k: string, dflt: number, min = 1, max: number = LIMITS.default): number {
    const v = this.raw(k) ?? dflt;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ConfigError(this.key(k), `expected an integer in [${min}, ${max}], got ${show(v)}`);
    }
    return v;
  }
  num(k: string, dflt: number): number {
    const v = this.raw(k) ?? dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ConfigError(this.key(k), `expected a positive number, got ${show(v)}`);
    return v;
  }
  bool(k: string, dflt: boolean): boolean {
    const v = this.raw(k) ?? dflt;
    if (typeof v !== 'boolean') throw new ConfigError(this.key(k), `expected true or false, got ${show(v)}`);
    return v;
  }
  optId(k: string, dflt: number | null): number | null {
    const v = this.obj[k] === undefined ? dflt : this.obj[k];
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) throw new ConfigError(this.key(k), `expected a token id or null, got ${show(v)}`);
    return v;
  }
  oneOf<T extends string>(k: string, dflt: T, allowed: readonly T[]): T {
    const v = this.raw(k) ?? dflt;
    if (typeof v !== 'string' || !allowed.includes(v as T)) {
      throw new ConfigError(this.key(k), `unsupported value ${show(v)} (supported: ${allowed.join(', ')})`);
    }
    return v as T;
  }
  /** Rejects a key unless it is absent or has one of the neutral values. */
  neutral(k: string, ok: unknown[], why: string): void {
    const v = this.obj[k];
    if (v !== undefined && !ok.includes(v)) throw new ConfigError(this.key(k), `unsupported value ${show(v)} (${why})`);
  }
}

export function asObject(v: unknown, key: string): Json {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(key, `expected an object, got ${show(v)}`);
  return v as Json;
}

/** LlamaConfig with HF defaults (configuration_llama.py `__init__`). */
export function parseTextConfig(json: Json, prefix = 'text_config'): LlamaTextConfig {
  const r = new Reader(json, prefix);
  const model_type = r.oneOf('model_type', 'llama', ['llama'] as const);
  const hidden_size = r.int('hidden_size', 4096, 1, LIMITS.hidden);
  const num_attention_heads = r.int('num_attention_heads', 32, 1, LIMITS.heads);
  const num_key_value_heads = r.int('num_key_value_heads', num_attention_heads, 1, LIMITS.heads);
  if (num_attention_heads % num_key_value_heads !== 0) {
    throw new ConfigError(`${prefix}.num_key_value_heads`, `${num_key_value_heads} does not divide num_attention_heads ${num_attention_heads}`);
  }
  if (json.head_dim === undefined && hidden_size % num_attention_heads !== 0) {
    throw new ConfigError(`${prefix}.hidden_size`, `${hidden_size} is not a multiple of num_attention_heads ${num_attention_heads}`);
  }
  const head_dim = r.int('head_dim', hidden_size / num_attention_heads, 1, LIMITS.hidden);
  if (head_dim % 2 !== 0) throw new ConfigError(`${prefix}.head_dim`, `RoPE needs an even head_dim, got ${head_dim}`);
  r.neutral('rope_scaling', [null], 'only plain RoPE is implemented (rope_scaling must be null)');
  r.neutral('pretraining_tp', [1], 'only pretraining_tp 1 is implemented');
  const eos = json.eos_token_id === undefined ? 2 : json.eos_token_id;
  const eosList = eos === null ? [] : Array.isArray(eos) ? eos : [eos];
  if (!eosList.every((e) => Number.isInteger(e))) throw new ConfigError(`${prefix}.eos_token_id`, `expected a token id or a list of ids, got ${show(eos)}`);
  return {
    model_type,
    vocab_size: r.int('vocab_size', 32000, 1, LIMITS.vocab),
    hidden_size,
    intermediate_size: r.int('intermediate_size', 11008, 1, LIMITS.intermediate),
    num_hidden_layers: r.int('num_hidden_layers', 32, 1, LIMITS.layers),
    num_attention_heads,
    num_key_value_heads,
    head_dim,
    hidden_act: r.oneOf('hidden_act', 'silu', ACTIVATIONS),
    max_position_embeddings: r.int('max_position_embeddings', 2048, 1, LIMITS.positions),
    rms_norm_eps: r.num('rms_norm_eps', 1e-6),
    rope_theta: r.num('rope_theta', 10000),
    attention_bias: r.bool('attention_bias', false),
    mlp_bias: r.bool('mlp_bias', false),
    tie_word_embeddings: r.bool('tie_word_embeddings', false),
    bos_token_id: r.optId('bos_token_id', 1),
    eos_token_id: eosList as number[],
    pad_token_id: r.optId('pad_token_id', null),
  };
}

/** CLIPVisionConfig with HF defaults (configuration_clip.py `CLIPVisionConfig.__init__`). */
export function parseVisionConfig(json: Json, prefix = 'vision_config'): ClipVisionConfig {
  const r = new Reader(json, prefix);
  const cfg: ClipVisionConfig = {
    model_type: r.oneOf('model_type', 'clip_vision_model', ['clip_vision_model'] as const),
    hidden_size: r.int('hidden_size', 768, 1, LIMITS.hidden),
    intermediate_size: r.int('intermediate_size', 3072, 1, LIMITS.intermediate),
    num_hidden_layers: r.int('num_hidden_layers', 12, 1, LIMITS.layers),
    num_attention_heads: r.int('num_attention_heads', 12, 1, LIMITS.heads),
    num_channels: r.int('num_channels', 3, 1, LIMITS.channels),
    image_size: r.int('image_size', 224, 1, LIMITS.imageSize),
    patch_size: r.int('patch_size', 32, 1, LIMITS.imageSize),
    hidden_act: r.oneOf('hidden_act', 'quick_gelu', ACTIVATIONS),
    layer_norm_eps: r.num('layer_norm_eps', 1e-5),
  };
  if (cfg.hidden_size % cfg.num_attention_heads !== 0) {
    throw new ConfigError(`${prefix}.hidden_size`, `${cfg.hidden_size} is not a multiple of num_attention_heads ${cfg.num_attention_heads}`);
  }
  if (cfg.image_size % cfg.patch_size !== 0) throw new ConfigError(`${prefix}.image_size`, `${cfg.image_size} is not a multiple of patch_size ${cfg.patch_size}`);
  return cfg;
}

/** config.json's top-level object, from its text or already-parsed JSON. */
export function configObject(input: string | unknown): Json {
  let json: unknown = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (e) {
      throw new ConfigError('(file)', `not valid JSON (${(e as Error).message})`);
    }
  }
  return asObject(json, '(top level)');
}

/** The CLIP ViT-L/14-336 config LlavaConfig builds when `vision_config` is absent. */
const LLAVA_DEFAULT_VISION = {
  hidden_size: 1024, intermediate_size: 4096, num_hidden_layers: 24, num_attention_heads: 16,
  image_size: 336, patch_size: 14, projection_dim: 768, vocab_size: 32000,
};

/** Parses a LlavaForConditionalGeneration config.json (text or already-parsed JSON). */
export function parseLlavaConfig(input: string | unknown): LlavaConfig {
  const top = configObject(input);
  const r = new Reader(top, '');
  const model_type = r.oneOf('model_type', 'llava', ['llava'] as const);
  const vision = top.vision_config === undefined || top.vision_config === null ? LLAVA_DEFAULT_VISION : asObject(top.vision_config, 'vision_config');
  const text = asObject(top.text_config, 'text_config');
  const image_token_index = top.image_token_index !== undefined ? r.int('image_token_index', 32000, 0) : r.int('image_token_id', 32000, 0);
  const vfl = top.vision_feature_layer ?? -2;
  const layers = Array.isArray(vfl) ? vfl : [vfl];
  if (layers.length === 0 || !layers.every((l) => Number.isInteger(l))) {
    throw new ConfigError('vision_feature_layer', `expected an integer or a list of integers, got ${show(vfl)}`);
  }
  const cfg: LlavaConfig = {
    model_type,
    text_config: parseTextConfig(text),
    vision_config: parseVisionConfig(vision),
    image_token_index,
    projector_hidden_act: r.oneOf('projector_hidden_act', 'gelu', ACTIVATIONS),
    multimodal_projector_bias: r.bool('multimodal_projector_bias', true),
    vision_feature_layer: layers as number[],
    vision_feature_select_strategy: r.oneOf('vision_feature_select_strategy', 'default', ['default', 'full'] as const),
  };
  const nHidden = cfg.vision_config.num_hidden_layers + 1;
  for (const l of cfg.vision_feature_layer) {
    if (l < -nHidden || l >= nHidden) {
      throw new ConfigError('vision_feature_layer', `${l} is out of range for ${nHidden} vision hidden states (valid: ${-nHidden}..${nHidden - 1})`);
    }
  }
  return cfg;
}

/** Patches per image side and in total: N = (image_size / patch_size)². */
export function numPatches(v: ClipVisionConfig): number {
  return (v.image_size / v.patch_size) ** 2;
}

/** Image features per image after the strategy: N (default, CLS dropped) or N + 1 (full). */
export function numImageTokens(cfg: LlavaConfig): number {
  return numPatches(cfg.vision_config) + (cfg.vision_feature_select_strategy === 'full' ? 1 : 0);
}
