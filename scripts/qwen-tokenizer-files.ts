/**
 * Qwen2.5-VL tokenizer files for models built here (the real tokenizer files are not on these machines): a
 * byte-level BPE tokenizer.json in Qwen2's layout — NFC normaliser, the Qwen2 split regex + ByteLevel
 * pre-tokenizer, ByteLevel decoder, GPT-2 byte↔unicode alphabet, a few merges — with the 14 Qwen special
 * tokens (<|endoftext|> … <|video_pad|>) at consecutive ids, and a tokenizer_config.json like the Hub's
 * (bos_token null, eos <|im_end|>, pad <|endoftext|>) with the Qwen2-VL chat template. Used by the tests
 * (test/helpers/qwen-model-dir.ts) and by random-qwen-checkpoint.ts.
 */
import { QWEN2_VL_CHAT_TEMPLATE } from '../src/io/chat-template-qwen.js';

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
 * (pairs of byte-level strings) as new tokens, filler up to `specialBase`, then the special tokens, then
 * (when `vocabSize` is given) non-special `<|reserved_N|>` added tokens up to id `vocabSize − 1`, so that
 * every id an embedding of that size can produce decodes (the real checkpoints pad the embedding likewise).
 */
export function qwenTokenizerJson(o: { specialBase: number; bytes?: number[]; merges?: Array<[string, string]>; vocabSize?: number }): string {
  const bytes = o.bytes ?? Array.from({ length: 256 }, (_, b) => b);
  const vocab: Record<string, number> = {};
  bytes.forEach((b, i) => (vocab[byteChar(b)] = i));
  const merges = o.merges ?? [];
  merges.forEach(([a, b]) => (vocab[a + b] = Object.keys(vocab).length));
  for (let id = Object.keys(vocab).length; id < o.specialBase; id++) vocab[`<|filler_${id}|>`] = id;
  if (Object.keys(vocab).length > o.specialBase) throw new Error(`qwenTokenizerJson: ${Object.keys(vocab).length} tokens do not fit below ${o.specialBase}`);
  const added = (id: number, content: string, special: boolean) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special });
  const addedTokens = QWEN_SPECIAL_TOKENS.map((content, i) => added(o.specialBase + i, content, true));
  const end = o.specialBase + QWEN_SPECIAL_TOKENS.length;
  if (o.vocabSize !== undefined && o.vocabSize < end) throw new Error(`qwenTokenizerJson: vocabSize ${o.vocabSize} < ${end} (the special tokens end there)`);
  for (let id = end; id < (o.vocabSize ?? end); id++) addedTokens.push(added(id, `<|reserved_${id}|>`, false));
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokens,
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
