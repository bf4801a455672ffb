/**
 * `TiktokenTokenizer`: byte-level BPE from a tiktoken rank file, run by the `tiktoken` WebAssembly package.
 *
 * The rank file is Meta Llama-3's `tokenizer.model`: one line per token, `base64(bytes) rank`; a token's
 * rank is its id and also its merge priority (lower merges first). Text is split by a regex (Llama-3's by
 * default) and each piece is merged from single bytes, so all 256 single bytes must have a rank.
 * Special tokens (`<|begin_of_text|>`, ...) are not in the rank file: they come from tokenizer_config.json's
 * `added_tokens_decoder`, with `bos_token` / `eos_token` / `pad_token` naming the ones the engine uses.
 *
 * Token spellings (`idToToken`, `tokenToId`) use the GPT-2 byte-to-unicode alphabet ("Ġ" for a space),
 * as Hugging Face's converted Llama-3 tokenizer.json does.
 *
 * The WebAssembly module is initialised once per process with `ensureTiktoken(wasm)` (we import
 * `tiktoken/lite/init`, which loads no .wasm by itself, so a browser bundle can supply it).
 */
import { Tiktoken, init } from 'tiktoken/lite/init';
import type { DecodeOptions, EncodeOptions, Tokenizer } from './tokenizer.js';
import { readSpecialTokenConfig, requireTokenId, type SpecialTokenConfig } from './tokenizer-config.js';

/** The split pattern of Llama-3 (`tiktoken` syntax, the same as OpenAI's cl100k_base). */
export const LLAMA3_PATTERN =
  "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const FILE = 'tokenizer.model';
const RANK_LINE = /^([A-Za-z0-9+/]+={0,2}) (\d+)$/;

let wasmReady: Promise<void> | undefined;

/**
 * Initialises tiktoken's WebAssembly module once. Pass the bytes of `tiktoken/lite/tiktoken_bg.wasm`
 * (or a compiled module) on the first call; later calls need nothing.
 */
export async function ensureTiktoken(wasm?: BufferSource | WebAssembly.Module): Promise<void> {
  if (wasmReady === undefined) {
    if (wasm === undefined) {
      throw new Error(
        'tiktoken: the WebAssembly module is not initialised; pass the bytes of tiktoken/lite/tiktoken_bg.wasm ' +
          '(Node: loadTokenizerFromDir does this)',
      );
    }
    const instantiate = (imports: WebAssembly.Imports) =>
      wasm instanceof WebAssembly.Module ? WebAssembly.instantiate(wasm, imports) : WebAssembly.instantiate(wasm, imports);
    wasmReady = init(instantiate).then(() => undefined);
    wasmReady.catch(() => (wasmReady = undefined));
  }
  await wasmReady;
}

/** Whether `text` looks like a tiktoken rank file (its first line is `base64 rank`). */
export function isTiktokenRankFile(text: string): boolean {
  const firstLine = text.split('\n', 1)[0]!.replace(/\r$/, '');
  return RANK_LINE.test(firstLine);
}

/** GPT-2's reversible byte → printable character table (bytes_to_unicode). */
function byteAlphabet(): string[] {
  const table: string[] = [];
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    table.push(String.fromCharCode(printable ? b : next++));
  }
  return table;
}
const BYTE_CHARS = byteAlphabet();
const CHAR_BYTES = new Map(BYTE_CHARS.map((c, b) => [c, b]));

function decodeBase64(text: string, line: number): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new Error(`${FILE}: line ${line}: invalid base64 "${text}"`);
  }
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Parses the rank file into byte-level spellings by id; errors name the line. */
function parseRanks(text: string): Map<number, string> {
  const byId = new Map<number, string>();
  const seen = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line === '') return;
    const m = RANK_LINE.exec(line);
    if (m === null) throw new Error(`${FILE}: line ${i + 1}: expected "base64token rank", got "${line.slice(0, 60)}"`);
    const rank = Number(m[2]);
    const spelling = Array.from(decodeBase64(m[1]!, i + 1), (b) => BYTE_CHARS[b]!).join('');
    if (byId.has(rank)) throw new Error(`${FILE}: line ${i + 1}: rank ${rank} appears twice`);
    if (seen.has(spelling)) throw new Error(`${FILE}: line ${i + 1}: token "${m[1]}" appears twice`);
    byId.set(rank, spelling);
    seen.add(spelling);
  });
  for (const c of BYTE_CHARS) {
    if (!seen.has(c)) throw new Error(`${FILE}: byte 0x${CHAR_BYTES.get(c)!.toString(16)} has no rank (all 256 single bytes are needed)`);
  }
  return byId;
}

function toBase64(spelling: string): string {
  return btoa(Array.from(spelling, (c) => String.fromCharCode(CHAR_BYTES.get(c)!)).join(''));
}

export class TiktokenTokenizer implements Tokenizer {
  readonly kind = 'tiktoken' as const;
  readonly bosId: number;
  readonly eosId: number;
  readonly padId?: number;
  readonly vocabSize: number;
  readonly specialIds: ReadonlySet<number>;
  private readonly bpe: Tiktoken;
  private readonly idToSpelling = new Map<number, string>();
  private readonly spellingToId = new Map<string, number>();
  private readonly utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

  /** Builds from the files' text (call `ensureTiktoken` first); errors name the file. */
  static fromFiles(ranks: string, configJson?: string, specialTokensMapJson?: string, pattern = LLAMA3_PATTERN) {
    return new TiktokenTokenizer(ranks, readSpecialTokenConfig(configJson, specialTokensMapJson), pattern);
  }

  constructor(
    ranks: string,
    private readonly config: SpecialTokenConfig,
    pattern = LLAMA3_PATTERN,
  ) {
    const byId = parseRanks(ranks);
    const specials: Record<string, number> = {};
    const specialIds = new Set<number>();
    for (const { id, content, special } of config.addedTokens) {
      if (byId.has(id)) throw new Error(`tokenizer_config.json: added token ${id} "${content}" collides with a rank in ${FILE}`);
      specials[content] = id;
      if (special) specialIds.add(id);
      this.idToSpelling.set(id, content);
      this.spellingToId.set(content, id);
    }
    for (const [id, spelling] of byId) {
      this.idToSpelling.set(id, spelling);
      if (!this.spellingToId.has(spelling)) this.spellingToId.set(spelling, id);
    }
    const lookup = (t: string): number | undefined => this.tokenToId(t);
    this.bosId = requireTokenId(config.bosToken, 'bos_token', lookup);
    this.eosId = requireTokenId(config.eosToken, 'eos_token', lookup);
    this.padId = config.padToken === undefined ? undefined : lookup(config.padToken);
    for (const id of [this.bosId, this.eosId, this.padId]) if (id !== undefined) specialIds.add(id);
    this.specialIds = specialIds;
    let maxId = -1;
    for (const id of this.idToSpelling.keys()) maxId = Math.max(maxId, id);
    this.vocabSize = maxId + 1;

    const rankText = Array.from(byId, ([id, spelling]) => `${toBase64(spelling)} ${id}`).join('\n');
    try {
      this.bpe = new Tiktoken(rankText, specials, pattern);
    } catch (e) {
      throw new Error(`${FILE}: tiktoken could not build the encoder (${String((e as Error).message ?? e)})`);
    }
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const ids = Array.from(this.bpe.encode(text, 'all'));
    if (options.addBos ?? this.config.addBos) ids.unshift(this.bosId);
    if (options.addEos ?? this.config.addEos) ids.push(this.eosId);
    return ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    for (const id of ids) {
      if (!this.idToSpelling.has(id)) {
        throw new RangeError(`decode: id ${id} is not in the vocabulary (ids 0..${this.vocabSize - 1})`);
      }
    }
    const kept = options.skipSpecial ? ids.filter((id) => !this.specialIds.has(id)) : ids;
    return this.utf8.decode(this.bpe.decode(Uint32Array.from(kept)));
  }

  tokenToId(token: string): number | undefined {
    return this.spellingToId.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.idToSpelling.get(id);
  }

  /** Frees the WebAssembly encoder; the tokenizer is unusable afterwards. */
  dispose(): void {
    this.bpe.free();
  }
}
