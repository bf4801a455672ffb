/**
 * TiktokenTokenizer on a tiny rank file made here: the 256 single bytes at ranks 0..255 (rank = byte value)
 * and six merges. Expected ids are worked out by hand below (tiktoken BPE: split with the Llama-3 regex,
 * then repeatedly merge the adjacent pair whose concatenation has the lowest rank).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTiktoken, TiktokenTokenizer } from '../../src/io/tokenizer-tiktoken.js';
import { readTiktokenWasm, loadTokenizerFromDir } from '../../src/io/tokenizer-node.js';
import { loadTokenizer } from '../../src/io/tokenizer.js';

const b64 = (bytes: string | number[]): string =>
  (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes)).toString('base64');

const MERGES = ['he', 'll', 'llo', 'hello', ' t', ' the']; // ranks 256..261
const RANKS = [
  ...Array.from({ length: 256 }, (_, b) => `${b64([b])} ${b}`),
  ...MERGES.map((m, i) => `${b64(m)} ${256 + i}`),
].join('\n') + '\n';

const CONFIG = JSON.stringify({
  bos_token: '<|begin_of_text|>',
  eos_token: '<|end_of_text|>',
  pad_token: '<|pad|>',
  added_tokens_decoder: {
    '300': { content: '<|begin_of_text|>', special: true },
    '301': { content: '<|end_of_text|>', special: true },
    '302': { content: '<|pad|>', special: true },
  },
});

const [HE, LL, LLO, HELLO, SP_T, SP_THE] = [256, 257, 258, 259, 260, 261];
const BYTE = (c: string): number => c.charCodeAt(0); // rank of a single ASCII byte

let tok: TiktokenTokenizer;

describe('tiktoken tokenizer', () => {
  test('before the WebAssembly module is initialised, loading says what to do', async () => {
    await expect(loadTokenizer({ 'tokenizer.model': RANKS, 'tokenizer_config.json': CONFIG })).rejects.toThrow(
      /tiktoken: the WebAssembly module is not initialised/,
    );
  });

  test('loads from the files once the module is initialised', async () => {
    await ensureTiktoken(readTiktokenWasm());
    const loaded = await loadTokenizer({ 'tokenizer.model': RANKS, 'tokenizer_config.json': CONFIG });
    expect(loaded).toBeInstanceOf(TiktokenTokenizer);
    tok = loaded as TiktokenTokenizer;
    expect([tok.kind, tok.bosId, tok.eosId, tok.padId, tok.vocabSize]).toEqual(['tiktoken', 300, 301, 302, 303]);
    expect([...tok.specialIds].sort()).toEqual([300, 301, 302]);
  });

  test('merges follow the ranks (hand-computed)', () => {
    // "hello": h e l l o → he (256) → he,ll (257) → he,llo (258) → hello (259)
    expect(tok.encode('hello', { addBos: false })).toEqual([HELLO]);
    // "hell": h e l l → he, ll; "ello": e l l o → e, ll → e, llo
    expect(tok.encode('hell', { addBos: false })).toEqual([HE, LL]);
    expect(tok.encode('ello', { addBos: false })).toEqual([BYTE('e'), LLO]);
    // " the": ' ' t h e → he first (256 < 260) → ' ', t, he → ' t' (260), he → ' the' (261)
    // "hello the world" splits into "hello", " the", " world"; " world" has no merges: its 6 bytes.
    expect(tok.encode('hello the world')).toEqual([300, HELLO, SP_THE, ...[...' world'].map(BYTE)]);
    // Multi-byte UTF-8 falls to single bytes: "é" = C3 A9.
    expect(tok.encode('é', { addBos: false })).toEqual([0xc3, 0xa9]);
    expect(tok.encode('', {})).toEqual([300]);
  });

  test('special tokens in the text encode to their ids; addEos appends the eos id', () => {
    expect(tok.encode('<|begin_of_text|>hello<|end_of_text|>', { addBos: false })).toEqual([300, HELLO, 301]);
    expect(tok.encode('hell', { addEos: true })).toEqual([300, HE, LL, 301]);
  });

  test('decode is the inverse; skipSpecial drops the special ids; broken UTF-8 gives U+FFFD', () => {
    const ids = tok.encode('<|pad|>hello the world é');
    expect(ids[0]).toBe(300);
    expect(tok.decode(ids)).toBe('<|begin_of_text|><|pad|>hello the world é');
    expect(tok.decode(ids, { skipSpecial: true })).toBe('hello the world é');
    expect(tok.decode([0xc3])).toBe('\uFFFD');
    expect(tok.decode([0xef, 0xbb, 0xbf, HELLO])).toBe('\uFEFFhello'); // a BOM is kept
    expect(() => tok.decode([303])).toThrow(/id 303 is not in the vocabulary/);
    expect(() => tok.decode([280])).toThrow(/id 280/); // a gap between the ranks and the specials
  });

  test('token spellings use the GPT-2 byte alphabet ("Ġ" = space), specials as written', () => {
    expect(tok.idToToken(SP_THE)).toBe('Ġthe');
    expect(tok.tokenToId('Ġt')).toBe(SP_T);
    expect(tok.idToToken(10)).toBe('Ċ'); // "\n"
    expect(tok.idToToken(301)).toBe('<|end_of_text|>');
    expect(tok.tokenToId('<|pad|>')).toBe(302);
    expect(tok.tokenToId('nope')).toBeUndefined();
  });

  test('loadTokenizerFromDir reads tokenizer.model + tokenizer_config.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiktoken-'));
    try {
      writeFileSync(join(dir, 'tokenizer.model'), RANKS);
      writeFileSync(join(dir, 'tokenizer_config.json'), CONFIG);
      const fromDir = await loadTokenizerFromDir(dir);
      expect(fromDir.encode('hello the world')).toEqual(tok.encode('hello the world'));
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  test('bad rank files and configs are named in the error', () => {
    const missingByte = RANKS.split('\n').filter((l) => l !== `${b64([0x41])} 65`).join('\n');
    expect(() => TiktokenTokenizer.fromFiles(missingByte, CONFIG)).toThrow(/tokenizer\.model: byte 0x41 has no rank/);
    expect(() => TiktokenTokenizer.fromFiles(RANKS + 'aGk= x\n', CONFIG)).toThrow(/tokenizer\.model: line 263: expected "base64token rank"/);
    expect(() => TiktokenTokenizer.fromFiles(RANKS + `${b64('zz')} 5\n`, CONFIG)).toThrow(/line 263: rank 5 appears twice/);
    expect(() => TiktokenTokenizer.fromFiles(RANKS + `${b64('he')} 262\n`, CONFIG)).toThrow(/line 263: token "aGU=" appears twice/);
    expect(() => TiktokenTokenizer.fromFiles(RANKS, '{"bos_token": 1')).toThrow(/tokenizer_config\.json: malformed JSON/);
    expect(() => TiktokenTokenizer.fromFiles(RANKS, JSON.stringify({ eos_token: '<|end_of_text|>' }))).toThrow(
      /tokenizer_config\.json: "bos_token" is missing/,
    );
    expect(() => TiktokenTokenizer.fromFiles(RANKS, JSON.stringify({ bos_token: '<|x|>', eos_token: 'e' }))).toThrow(
      /bos_token "<\|x\|>" is not in the vocabulary/,
    );
  });

  test('a SentencePiece (protobuf) tokenizer.model without tokenizer.json is refused', async () => {
    // The first bytes of llava-1.5-7b-hf's tokenizer.model: field 1 (a piece) holding "<unk>".
    const protobuf = new Uint8Array([0x0a, 0x0e, 0x0a, 0x05, 0x3c, 0x75, 0x6e, 0x6b, 0x3e, 0x15, 0x00, 0x00, 0x00, 0x00, 0x18, 0x02]);
    await expect(loadTokenizer({ 'tokenizer.model': protobuf, 'tokenizer_config.json': CONFIG })).rejects.toThrow(
      /tokenizer\.model: not a tiktoken rank file/,
    );
  });

  afterAll(() => tok?.dispose());
});
