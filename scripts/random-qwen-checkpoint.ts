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
 * equal bytes in that order. Each tensor is streamed through the project's safetensors writer in chunks, so
 * memory stays at one chunk. Values: norm weights 1, biases 0, everything else uniform with std 0.02 from a
 * per-tensor xorshift stream (deterministic for a given `seed`).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseQwen25VLConfig } from '../src/model/qwen2_5_vl/config.js';
import { qwenParameterSpecs } from '../src/model/qwen2_5_vl/load.js';
import type { ParamSpec } from '../src/model/load.js';
import { f32ToBf16, f32ToF16 } from '../src/safetensors/half.js';
import { streamSafetensorsFile } from '../src/safetensors/node.js';
import { QWEN_SPECIAL_TOKENS, qwenTokenizerConfigJson, qwenTokenizerJson } from './qwen-tokenizer-files.js';

export interface RandomQwenOptions {
  /** Stored dtype (default BF16, as the Hub's Qwen2.5-VL checkpoints). */
  dtype?: 'F16' | 'BF16';
  /** Shard count (default 5, as Qwen2.5-VL-7B-Instruct). */
  shards?: number;
  seed?: number;
  /** Called after each shard is written. */
  progress?: (file: string, bytes: number) => void;
}

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

const INDEX = 'model.safetensors.index.json';
/** The base vocabulary when fewer than 256 ids lie below the special tokens (tiny configs): \n and printable ASCII. */
const PRINTABLE = [10, ...Array.from({ length: 95 }, (_, i) => 32 + i)];
const STD = 0.02;

type Entry = ParamSpec & { dtype: 'F16' | 'BF16' };

/** Writes the folder `outDir` (created; must not hold any of the files written) for `configJson`; returns the shard files. */
export function writeRandomQwenCheckpoint(configJson: Record<string, unknown>, outDir: string, opts: RandomQwenOptions = {}): string[] {
  const dtype = opts.dtype ?? 'BF16';
  const config = parseQwen25VLConfig(configJson);
  const specialBase = config.vision_start_token_id - QWEN_SPECIAL_TOKENS.indexOf('<|vision_start|>');
  if (config.image_token_id !== specialBase + QWEN_SPECIAL_TOKENS.indexOf('<|image_pad|>')) {
    throw new Error(`config.json: image_token_id ${config.image_token_id} is not at its place after vision_start_token_id ${config.vision_start_token_id} in Qwen's special tokens`);
  }
  const groups = shardGroups(qwenParameterSpecs(config), opts.shards ?? 5);
  const textFiles: Record<string, string> = {
    'config.json': JSON.stringify(configJson, null, 2) + '\n',
    'preprocessor_config.json': JSON.stringify(QWEN25VL_PREPROCESSOR, null, 2) + '\n',
    'tokenizer.json': qwenTokenizerJson({ specialBase, bytes: specialBase < 256 ? PRINTABLE : undefined, vocabSize: config.text_config.vocab_size }),
    'tokenizer_config.json': qwenTokenizerConfigJson(),
  };
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of [INDEX, ...groups.keys(), ...Object.keys(textFiles)]) {
    if (fs.existsSync(path.join(outDir, f))) throw new Error(`${path.join(outDir, f)} already exists; refusing to overwrite a checkpoint`);
  }
  const tables = uniformTables(dtype);
  const weightMap: Record<string, string> = {};
  let totalBytes = 0;
  for (const [file, group] of groups) {
    const entries: Entry[] = group.map((s) => ({ ...s, dtype }));
    streamSafetensorsFile(path.join(outDir, file), entries, (e, chunk, first) => fillChunk(e, chunk, first, tables, opts.seed ?? 0), { format: 'pt' });
    const bytes = entries.reduce((n, e) => n + 2 * e.shape.reduce((p, d) => p * d, 1), 0);
    for (const e of entries) weightMap[e.name] = file;
    totalBytes += bytes;
    opts.progress?.(file, bytes);
  }
  const index = { metadata: { total_size: totalBytes }, weight_map: Object.fromEntries(Object.entries(weightMap).sort()) };
  fs.writeFileSync(path.join(outDir, INDEX), JSON.stringify(index, null, 2) + '\n');
  for (const [f, text] of Object.entries(textFiles)) fs.writeFileSync(path.join(outDir, f), text);
  return [...groups.keys()];
}

/** Shard file → its parameters: `n` groups of about equal bytes, in module order. */
function shardGroups(specs: ParamSpec[], n: number): Map<string, ParamSpec[]> {
  if (!(Number.isInteger(n) && n >= 1)) throw new Error(`shards must be a positive integer, got ${n}`);
  const size = (s: ParamSpec) => s.shape.reduce((p, d) => p * d, 1);
  const total = specs.reduce((t, s) => t + size(s), 0);
  const groups = new Map<string, ParamSpec[]>();
  let done = 0;
  for (const s of specs) {
    const file = `model-${String(Math.min(n - 1, Math.floor((done / total) * n)) + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    (groups.get(file) ?? groups.set(file, []).get(file)!).push(s);
    done += size(s);
  }
  return groups;
}

/** 65536 half-precision values spread uniformly over [-a, a] (std 0.02), indexed by 16 random bits. */
function uniformTables(dtype: 'F16' | 'BF16'): { uniform: Uint16Array; one: number } {
  const encode = dtype === 'F16' ? f32ToF16 : f32ToBf16;
  const a = STD * Math.sqrt(3);
  const uniform = new Uint16Array(65536);
  for (let i = 0; i < 65536; i++) uniform[i] = encode(a * ((2 * (i + 0.5)) / 65536 - 1));
  return { uniform, one: encode(1) };
}

/** Per-tensor xorshift32 state, carried from chunk to chunk (chunks of one tensor arrive in order). */
const streams = new Map<string, number>();

/** RMSNorm weights (`norm1`, `norm2`, `ln_q`, `input_layernorm`, `post_attention_layernorm`, `model.norm`). */
const NORM = /(norm\d?|layernorm|ln_q)\.weight$/;

function fillChunk(e: Entry, chunk: Uint8Array, first: number, t: { uniform: Uint16Array; one: number }, seed: number): void {
  const out = new Uint16Array(chunk.buffer, chunk.byteOffset, chunk.byteLength / 2);
  if (NORM.test(e.name)) return void out.fill(t.one);
  if (e.name.endsWith('.bias')) return void out.fill(0);
  let x = first === 0 ? hash(e.name, seed) : streams.get(e.name)!;
  const u = t.uniform;
  for (let i = 0; i + 1 < out.length; i += 2) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = u[x & 0xffff];
    out[i + 1] = u[(x >>> 16) & 0xffff];
  }
  if (out.length % 2) out[out.length - 1] = u[x & 0xffff];
  streams.set(e.name, x);
}

/** FNV-1a of the name mixed with the seed; never 0 (xorshift's fixed point). */
function hash(name: string, seed: number): number {
  let h = (2166136261 ^ seed) | 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h | 1;
}
