/**
 * Qwen2.5-VL tokenizer and model folders built in the tests (the real tokenizer files are not on these
 * machines): a byte-level BPE tokenizer.json in Qwen2's layout — NFC normaliser, the Qwen2 split regex +
 * ByteLevel pre-tokenizer, ByteLevel decoder, GPT-2 byte↔unicode alphabet, a few merges — with the 14 Qwen
 * special tokens (<|endoftext|> … <|video_pad|>) at consecutive ids, a tokenizer_config.json like the Hub's
 * (bos_token null, eos <|im_end|>, pad <|endoftext|>) and the Qwen2-VL chat template; and `tinyQwenDir()`,
 * the tiny-qwen25vl fixture model (vocab 200, specials at 186…199) with such a tokenizer over printable ASCII.
 */
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { QWEN2_VL_CHAT_TEMPLATE } from '../../src/io/chat-template-qwen.js';
import { qwenDir } from '../model/qwen2_5_vl/qwen-fixture.js';

export const QWEN_SPECIAL_TOKENS = [
  '<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|object_ref_start|>', '<|object_ref_end|>', '<|box_start|>', '<|box_end|>',
  '<|quad_start|>', '<|quad_end|>', '<|vision_start|>', '<|vision_end|>', '<|vision_pad|>', '<|image_pad|>', '<|video_pad|>',
];

/** Qwen2's pre-tokenizer regex (tokenizer.json of Qwen2 / Qwen2.5-VL). */
const QWEN2_SPLIT = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

/** GPT-2's bytes_to_unicode: byte → the printable character that stands for it. */
export function byteChar(b: number): string {
  const direct = (x: number) => (x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255);
  if (direct(b)) return String.fromCharCode(b);
  let n = 0;
  for (let x = 0; x < b; x++) if (!direct(x)) n++;
  return String.fromCharCode(256 + n);
}

/**
 * tokenizer.json text: `bytes` (default all 256) as the base vocabulary in order from id 0, then `merges`
 * (pairs of byte-level strings) as new tokens, filler up to `specialBase`, then the special tokens.
 */
export function qwenTokenizerJson(o: { specialBase: number; bytes?: number[]; merges?: Array<[string, string]> }): string {
  const bytes = o.bytes ?? Array.from({ length: 256 }, (_, b) => b);
  const vocab: Record<string, number> = {};
  bytes.forEach((b, i) => (vocab[byteChar(b)] = i));
  const merges = o.merges ?? [];
  merges.forEach(([a, b]) => (vocab[a + b] = Object.keys(vocab).length));
  for (let id = Object.keys(vocab).length; id < o.specialBase; id++) vocab[`<|filler_${id}|>`] = id;
  if (Object.keys(vocab).length > o.specialBase) throw new Error(`qwenTokenizerJson: ${Object.keys(vocab).length} tokens do not fit below ${o.specialBase}`);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: QWEN_SPECIAL_TOKENS.map((content, i) => ({ id: o.specialBase + i, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'NFC' },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: QWEN2_SPLIT }, behavior: 'Isolated', invert: false }, byteLevel] },
    post_processor: byteLevel,
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  });
}

/** tokenizer_config.json as the Qwen2.5-VL Hub folders have it (no BOS; chat template inside). */
export function qwenTokenizerConfigJson(): string {
  return JSON.stringify({
    add_prefix_space: false, bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', errors: 'replace',
    tokenizer_class: 'Qwen2Tokenizer', split_special_tokens: false, clean_up_tokenization_spaces: false, chat_template: QWEN2_VL_CHAT_TEMPLATE,
  });
}

/** The tiny-qwen25vl model folder plus a printable-ASCII byte-level tokenizer fitting its vocab of 200. */
export function tinyQwenDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'tiny-qwen-'));
  for (const f of ['config.json', 'model.safetensors', 'preprocessor_config.json']) copyFileSync(path.join(qwenDir, f), path.join(dir, f));
  const bytes = [10, ...Array.from({ length: 95 }, (_, i) => 32 + i)]; // \n and printable ASCII
  const merges: Array<[string, string]> = [['Ġ', 't'], ['h', 'e'], ['Ġt', 'he'], ['Ġ', 'a'], ['i', 's'], ['Ġ', 'is']];
  writeFileSync(path.join(dir, 'tokenizer.json'), qwenTokenizerJson({ specialBase: 186, bytes, merges }));
  writeFileSync(path.join(dir, 'tokenizer_config.json'), qwenTokenizerConfigJson());
  return dir;
}
