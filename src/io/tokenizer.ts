/**
 * Text ↔ token ids: the `Tokenizer` interface the rest of the engine uses, and `loadTokenizer`, which
 * picks an implementation from the files a model folder has. Browser-safe (no `fs`); the Node folder
 * reader is tokenizer-node.ts.
 *
 * - tokenizer.json (+ tokenizer_config.json) → `HfTokenizer` (Hugging Face tokenizers format; this is
 *   what llava-hf/llava-1.5-7b-hf ships: Llama SentencePiece BPE with byte fallback, `<image>` = 32000,
 *   `<pad>` = 32001, BOS `<s>` = 1 prepended).
 * - tokenizer.model as a tiktoken rank file (lines `base64token rank`, Meta Llama-3 format)
 *   + tokenizer_config.json → `TiktokenTokenizer`.
 * A SentencePiece protobuf tokenizer.model on its own is rejected: the folder must also carry tokenizer.json.
 */
import { HfTokenizer } from './tokenizer-hf.js';
import { TiktokenTokenizer, ensureTiktoken, isTiktokenRankFile } from './tokenizer-tiktoken.js';

export interface EncodeOptions {
  /** Prepend the BOS id. Default: tokenizer_config.json's `add_bos_token` (true when absent). */
  addBos?: boolean;
  /** Append the EOS id. Default: tokenizer_config.json's `add_eos_token` (false when absent). */
  addEos?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (`<s>`, `</s>`, `<image>`, `<pad>`, ...) before decoding. Default false. */
  skipSpecial?: boolean;
}

/** What the engine needs from a tokenizer. Ids are plain numbers (vocabulary indices). */
export interface Tokenizer {
  /** Which implementation this is. */
  readonly kind: 'hf' | 'tiktoken';
  /** Id of the beginning-of-sequence token (`<s>` = 1 for LLaVA-1.5; none for Qwen2, which adds no BOS). */
  readonly bosId?: number;
  /** Id of the end-of-sequence token; generation stops here (`</s>` = 2 for LLaVA-1.5). */
  readonly eosId: number;
  /** Id of the padding token, when the tokenizer has one (`<pad>` = 32001 for LLaVA-1.5). */
  readonly padId?: number;
  /** Number of ids the tokenizer can produce: max id + 1 (32002 for LLaVA-1.5; the model's
   * embedding table may be larger, e.g. 32064). */
  readonly vocabSize: number;
  /** Ids of the special tokens (those `skipSpecial` drops). */
  readonly specialIds: ReadonlySet<number>;
  /** Text → ids. Added/special tokens written in the text (`<image>`) map to their ids. */
  encode(text: string, options?: EncodeOptions): number[];
  /** Ids → text. Throws on an id outside the vocabulary. */
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The id of one token as the vocabulary spells it (`'▁the'`, `'<image>'`), or undefined. */
  tokenToId(token: string): number | undefined;
  /** The vocabulary spelling of an id, or undefined when the id is unknown. */
  idToToken(id: number): string | undefined;
}

/** The files of a model folder that a tokenizer may come from, as their text (tokenizer.model may be bytes). */
export interface TokenizerFiles {
  'tokenizer.json'?: string;
  'tokenizer.model'?: string | Uint8Array;
  'tokenizer_config.json'?: string;
  'special_tokens_map.json'?: string;
}

export interface LoadTokenizerOptions {
  /**
   * The tiktoken WebAssembly module (bytes of `tiktoken/lite/tiktoken_bg.wasm`, or a compiled
   * module), needed once per process for the tiktoken path. Node's `loadTokenizerFromDir` supplies it.
   */
  tiktokenWasm?: BufferSource | WebAssembly.Module;
}

/** Builds the tokenizer that `files` describe; see the file comment for how it chooses. */
export async function loadTokenizer(files: TokenizerFiles, options: LoadTokenizerOptions = {}): Promise<Tokenizer> {
  const config = files['tokenizer_config.json'];
  const specialMap = files['special_tokens_map.json'];
  if (config === undefined && specialMap === undefined) {
    throw new Error('tokenizer_config.json is missing: it names the bos/eos tokens and whether BOS is added');
  }
  const hfJson = files['tokenizer.json'];
  if (hfJson !== undefined) return HfTokenizer.fromFiles(hfJson, config, specialMap);

  const model = files['tokenizer.model'];
  if (model === undefined) {
    throw new Error('no tokenizer file: expected tokenizer.json (Hugging Face) or tokenizer.model (tiktoken ranks)');
  }
  const text = typeof model === 'string' ? model : new TextDecoder('utf-8').decode(model);
  if (!isTiktokenRankFile(text)) {
    throw new Error(
      'tokenizer.model: not a tiktoken rank file (lines "base64token rank"); a SentencePiece tokenizer.model ' +
        'is not read directly, ship tokenizer.json next to it',
    );
  }
  await ensureTiktoken(options.tiktokenWasm);
  return TiktokenTokenizer.fromFiles(text, config, specialMap);
}
