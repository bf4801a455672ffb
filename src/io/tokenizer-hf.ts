/**
 * `HfTokenizer`: a Hugging Face `tokenizer.json` run by `@huggingface/tokenizers` (pure JS, browser-safe).
 *
 * For llava-1.5-7b-hf the file holds (SPEC-llava §8.2): normalizer Prepend("▁") + Replace(" " → "▁"), no
 * pre-tokenizer, BPE with byte fallback over the Llama-2 vocabulary, added tokens `<unk>` 0, `<s>` 1,
 * `</s>` 2, `<image>` 32000, `<pad>` 32001, and a decoder that maps "▁" back to spaces, fuses byte pieces
 * and strips one leading space. The library reproduces the sentencepiece ids exactly, including the
 * "▁" (29871) that the Prepend normalizer puts after `<image>` (the text after an added token is a new
 * segment and is normalized on its own).
 *
 * BOS/EOS: like transformers' LlamaTokenizerFast (which rebuilds its post-processor from
 * `add_bos_token` / `add_eos_token`), we encode without the file's post-processor and add BOS/EOS from
 * tokenizer_config.json's flags. For llava-1.5-7b-hf both give `<s>` + text.
 *
 * One difference from the Rust `tokenizers` crate is fixed here: its ByteFallback decoder turns a run of
 * `<0xXX>` pieces that is not valid UTF-8 into one U+FFFD per byte and keeps a leading U+FEFF, whereas
 * the JS library's TextDecoder gives one U+FFFD per broken sequence and drops a BOM.
 */
import { ByteFallbackDecoder, type Decoder, SequenceDecoder, Tokenizer as HfLibTokenizer } from '@huggingface/tokenizers';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer.js';
import { parseJsonObject, readSpecialTokenConfig, requireTokenId, type SpecialTokenConfig } from './tokenizer-config.js';

/** Decodes a run of byte-fallback bytes as Rust's ByteFallback does (see the file comment). */
class RustByteRunDecoder extends TextDecoder {
  constructor() {
    super('utf-8', { fatal: true, ignoreBOM: true });
  }
  override decode(input?: Parameters<TextDecoder['decode']>[0], options?: TextDecodeOptions): string {
    try {
      return super.decode(input, options);
    } catch {
      return '\uFFFD'.repeat(input === undefined ? 0 : input.byteLength);
    }
  }
}

/** Points every ByteFallback step of the decoder pipeline at `RustByteRunDecoder`. */
function useRustByteFallback(decoder: Decoder | null): void {
  if (decoder instanceof ByteFallbackDecoder) decoder.text_decoder = new RustByteRunDecoder();
  if (decoder instanceof SequenceDecoder) decoder.decoders.forEach(useRustByteFallback);
}

export class HfTokenizer implements Tokenizer {
  readonly kind = 'hf' as const;
  readonly bosId?: number;
  readonly eosId: number;
  readonly padId?: number;
  readonly vocabSize: number;
  readonly specialIds: ReadonlySet<number>;

  /** Builds from the files' text; errors name the file. */
  static fromFiles(tokenizerJson: string, configJson?: string, specialTokensMapJson?: string): HfTokenizer {
    const json = parseJsonObject(tokenizerJson, 'tokenizer.json');
    if (typeof json.model !== 'object' || json.model === null) {
      throw new Error('tokenizer.json: no "model" section (is this a Hugging Face tokenizers file?)');
    }
    const special = readSpecialTokenConfig(configJson, specialTokensMapJson);
    const configObject = configJson === undefined ? {} : parseJsonObject(configJson, 'tokenizer_config.json');
    let lib: HfLibTokenizer;
    try {
      lib = new HfLibTokenizer(json, configObject);
    } catch (e) {
      throw new Error(`tokenizer.json: cannot build the tokenizer (${(e as Error).message})`);
    }
    return new HfTokenizer(lib, special);
  }

  constructor(
    private readonly lib: HfLibTokenizer,
    private readonly config: SpecialTokenConfig,
  ) {
    useRustByteFallback(lib.decoder);
    const lookup = (t: string): number | undefined => lib.token_to_id(t);
    // A tokenizer that never prepends BOS (Qwen2: `bos_token: null`) may have none.
    this.bosId = config.bosToken === undefined && !config.addBos ? undefined : requireTokenId(config.bosToken, 'bos_token', lookup);
    this.eosId = requireTokenId(config.eosToken, 'eos_token', lookup);
    this.padId = config.padToken === undefined ? undefined : lookup(config.padToken);

    let maxId = -1;
    for (const id of lib.get_vocab(true).values()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const special = new Set<number>();
    for (const [id, token] of lib.get_added_tokens_decoder()) if (token.special) special.add(id);
    for (const id of [this.bosId, this.eosId, this.padId]) if (id !== undefined) special.add(id);
    this.specialIds = special;
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = this.lib.encode(text, { add_special_tokens: false }).ids;
    if (options.addBos ?? this.config.addBos) {
      if (this.bosId === undefined) throw new Error('encode: addBos was asked for, but tokenizer_config.json names no bos_token');
      ids.unshift(this.bosId);
    }
    if (options.addEos ?? this.config.addEos) ids.push(this.eosId);
    return ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) {
      if (!Number.isInteger(id) || this.lib.id_to_token(id) === undefined) {
        throw new RangeError(`decode: id ${id} is not in the vocabulary (ids 0..${this.vocabSize - 1})`);
      }
    }
    // `specialIds` decides what skipSpecial drops (the library's own list is only the added special tokens).
    const kept = options.skipSpecial ? ids.filter((id) => !this.specialIds.has(id)) : [...ids];
    if (kept.length === 0) return ''; // the library refuses an empty list
    return this.lib.decode(kept, { skip_special_tokens: false, clean_up_tokenization_spaces: this.config.cleanUpSpaces });
  }

  tokenToId(token: string): number | undefined {
    return this.lib.token_to_id(token);
  }

  idToToken(id: number): string | undefined {
    return this.lib.id_to_token(id);
  }
}
