/**
 * Reading the small JSON files that sit next to a tokenizer: `tokenizer_config.json` and
 * `special_tokens_map.json` (Hugging Face layout). Shared by the HF and tiktoken tokenizers.
 *
 * Every error names the file it is about, so "tokenizer_config.json: malformed JSON (...)" tells the
 * user which of a folder's files to look at.
 */

/** A JSON object as parsed from a file. */
export type JsonObject = Record<string, unknown>;

/** One entry of `added_tokens_decoder` (or of tokenizer.json's `added_tokens`). */
export interface AddedTokenSpec {
  id: number;
  content: string;
  special: boolean;
}

/** What the tokenizers need from tokenizer_config.json / special_tokens_map.json. */
export interface SpecialTokenConfig {
  bosToken?: string;
  eosToken?: string;
  padToken?: string;
  unkToken?: string;
  /** `add_bos_token` (HF LlamaTokenizer default: true; Qwen2Tokenizer adds none, so false for it). */
  addBos: boolean;
  /** `add_eos_token` (HF LlamaTokenizer default: false). */
  addEos: boolean;
  /** `clean_up_tokenization_spaces` (default false: decode returns the pieces as they are). */
  cleanUpSpaces: boolean;
  /** `added_tokens_decoder`, sorted by id (empty when the config has none). */
  addedTokens: AddedTokenSpec[];
}

/** Parses `text` as a JSON object; errors name `file`. */
export function parseJsonObject(text: string, file: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: malformed JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${file}: expected a JSON object at the top level`);
  }
  return value as JsonObject;
}

/**
 * A special token in tokenizer_config.json is a string, an AddedToken object `{content, ...}`
 * (with `"__type": "AddedToken"` in older files) or null.
 */
function tokenContent(value: unknown, key: string, file: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && typeof (value as JsonObject).content === 'string') {
    return (value as JsonObject).content as string;
  }
  throw new Error(`${file}: "${key}" must be a string or an object with "content"`);
}

function booleanOr(value: unknown, fallback: boolean, key: string, file: string): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${file}: "${key}" must be true or false`);
  return value;
}

/** Reads `added_tokens_decoder` ({"32000": {"content": "<image>", "special": true, ...}, ...}). */
function addedTokensDecoder(value: unknown, file: string): AddedTokenSpec[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${file}: "added_tokens_decoder" must be an object keyed by token id`);
  }
  const tokens: AddedTokenSpec[] = [];
  for (const [key, entry] of Object.entries(value as JsonObject)) {
    const id = Number(key);
    const e = entry as JsonObject | null;
    if (!Number.isInteger(id) || id < 0 || typeof e !== 'object' || e === null || typeof e.content !== 'string') {
      throw new Error(`${file}: added_tokens_decoder["${key}"] must be {"content": string, ...} under an integer id`);
    }
    tokens.push({ id, content: e.content, special: e.special === true });
  }
  return tokens.sort((a, b) => a.id - b.id);
}

/** Byte-level BPE tokenizers of Qwen2 / Qwen2.5-VL: no BOS token (`bos_token: null`), nothing prepended. */
const QWEN2_CLASSES = ['Qwen2Tokenizer', 'Qwen2TokenizerFast'];

/**
 * Merges tokenizer_config.json with special_tokens_map.json (the config wins where both say something,
 * as in HF `from_pretrained`). Either file may be absent; at least one must name the special tokens that
 * the caller needs (checked by the caller, which knows which it needs).
 */
export function readSpecialTokenConfig(configText?: string, specialMapText?: string): SpecialTokenConfig {
  const CONFIG = 'tokenizer_config.json';
  const MAP = 'special_tokens_map.json';
  const config = configText === undefined ? {} : parseJsonObject(configText, CONFIG);
  const map = specialMapText === undefined ? {} : parseJsonObject(specialMapText, MAP);
  const special = (key: string): string | undefined =>
    tokenContent(config[key], key, CONFIG) ?? tokenContent(map[key], key, MAP);
  return {
    bosToken: special('bos_token'),
    eosToken: special('eos_token'),
    padToken: special('pad_token'),
    unkToken: special('unk_token'),
    addBos: booleanOr(config.add_bos_token, !QWEN2_CLASSES.includes(config.tokenizer_class as string), 'add_bos_token', CONFIG),
    addEos: booleanOr(config.add_eos_token, false, 'add_eos_token', CONFIG),
    cleanUpSpaces: booleanOr(config.clean_up_tokenization_spaces, false, 'clean_up_tokenization_spaces', CONFIG),
    addedTokens: addedTokensDecoder(config.added_tokens_decoder, CONFIG),
  };
}

/** Looks up a configured special token's id, with an error naming the config key when it is unknown. */
export function requireTokenId(
  token: string | undefined,
  key: 'bos_token' | 'eos_token',
  lookup: (token: string) => number | undefined,
): number {
  if (token === undefined) {
    throw new Error(`tokenizer_config.json: "${key}" is missing (and special_tokens_map.json does not name it either)`);
  }
  const id = lookup(token);
  if (id === undefined) throw new Error(`tokenizer_config.json: ${key} "${token}" is not in the vocabulary`);
  return id;
}
