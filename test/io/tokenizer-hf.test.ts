/**
 * HfTokenizer over the real llava-1.5-7b-hf tokenizer.json. Golden ids: test/fixtures/preprocess/tokens.json
 * (sentencepiece 0.1.97 over the checkpoint's tokenizer.model) and SPEC-llava §8.4 (the canonical prompt).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadTokenizerFromDir } from '../../src/io/tokenizer-node.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';

const MODEL_DIR = join(process.cwd(), 'test/fixtures/llava-1.5-7b-hf');
const golden = JSON.parse(readFileSync(join(process.cwd(), 'test/fixtures/preprocess/tokens.json'), 'utf8')) as {
  bos_added: boolean;
  cases: { text: string; ids: number[] }[];
};

const PROMPT = "USER: <image>\nWhat's the content of the image? ASSISTANT:";
//              <s> ▁US   ER    :      ▁      <image> ▁      \n  What  '      s      ▁the ▁content ▁of ▁the ▁image ?      ▁A   SS    IST   ANT    :
const PROMPT_IDS = [1, 3148, 1001, 29901, 29871, 32000, 29871, 13, 5618, 29915, 29879, 278, 2793, 310, 278, 1967, 29973, 319, 1799, 9047, 13566, 29901];

let tok: Tokenizer;
beforeAll(async () => {
  tok = await loadTokenizerFromDir(MODEL_DIR);
});

describe('llava-1.5-7b-hf tokenizer.json', () => {
  test('is the HF implementation with the checkpoint special tokens', () => {
    expect(tok.kind).toBe('hf');
    expect([tok.bosId, tok.eosId, tok.padId]).toEqual([1, 2, 32001]);
    expect(tok.vocabSize).toBe(32002); // 32000 Llama-2 pieces + <image> + <pad>
    expect([...tok.specialIds].sort((a, b) => a - b)).toEqual([0, 1, 2, 32000, 32001]);
    expect(tok.tokenToId('<image>')).toBe(32000);
    expect(tok.tokenToId('▁the')).toBe(278);
    expect(tok.idToToken(13)).toBe('<0x0A>'); // byte fallback piece: byte b → id b + 3
    expect(tok.idToToken(29871)).toBe('▁');
    expect(tok.tokenToId('no-such-piece')).toBeUndefined();
    expect(tok.idToToken(40000)).toBeUndefined();
  });

  test.each(golden.cases.map((c) => [JSON.stringify(c.text), c] as const))(
    'tokens.json %s: ids equal and decode round-trips',
    (_name, { text, ids }) => {
      expect(golden.bos_added).toBe(true);
      expect(tok.encode(text)).toEqual(ids);
      expect(tok.encode(text, { addBos: false })).toEqual(ids.slice(1));
      // Skipping <s>, the Strip decoder removes the "▁" the normalizer prepended: the text comes back exactly.
      expect(tok.decode(ids, { skipSpecial: true })).toBe(text);
      expect(tok.decode(ids.slice(1))).toBe(text);
      // Keeping <s>, that "▁" is no longer at the start of the string and shows as a space (as in transformers).
      expect(tok.decode(ids)).toBe(text === '' ? '<s>' : `<s> ${text}`);
    },
  );

  test('the canonical LLaVA prompt gives the 22 ids of SPEC §8.4', () => {
    expect(tok.encode(PROMPT)).toEqual(PROMPT_IDS);
    expect(tok.encode(PROMPT).indexOf(32000)).toBe(5);
  });

  test('the "▁" after <image> shows in decode: two spaces when skipped, "<image> " when kept', () => {
    // transformers' LLaVA test expects "USER:  \nWhat are ..." for the skip_special_tokens decode.
    expect(tok.decode(PROMPT_IDS, { skipSpecial: true })).toBe("USER:  \nWhat's the content of the image? ASSISTANT:");
    expect(tok.decode(PROMPT_IDS)).toBe("<s> USER: <image> \nWhat's the content of the image? ASSISTANT:");
  });

  test('the second SPEC prompt and the transformers.js Llama vectors', () => {
    expect(tok.encode('USER: <image>\nWhat are the things I should be cautious about when I visit this place? ASSISTANT:')).toEqual([
      1, 3148, 1001, 29901, 29871, 32000, 29871, 13, 5618, 526, 278, 2712, 306, 881, 367, 274, 1300, 2738, 1048, 746, 306,
      6493, 445, 2058, 29973, 319, 1799, 9047, 13566, 29901,
    ]);
    expect(tok.encode('How are you doing?')).toEqual([1, 1128, 526, 366, 2599, 29973]);
    expect(tok.encode('Hi  Hello')).toEqual([1, 6324, 29871, 15043]);
    expect(tok.encode('\n')).toEqual([1, 29871, 13]);
  });

  test('special tokens written in the text map to their ids; addEos appends </s>', () => {
    expect(tok.encode('<s></s><pad>', { addBos: false })).toEqual([1, 2, 32001]);
    expect(tok.encode('Hello world', { addEos: true })).toEqual([1, 15043, 3186, 2]);
  });

  test('decode fuses byte-fallback pieces; broken UTF-8 gives one U+FFFD per byte, as the Rust crate does', () => {
    expect(tok.decode([243, 162, 167, 153], { skipSpecial: true })).toBe('🤖'); // <0xF0><0x9F><0xA4><0x96>
    expect(tok.decode([243, 162])).toBe('\uFFFD\uFFFD'); // <0xF0><0x9F>: a cut-off 4-byte sequence
    expect(tok.decode([243, 162, 15043])).toBe('\uFFFD\uFFFD Hello');
    expect(tok.decode([242, 190, 194, 15043])).toBe('\uFEFF Hello'); // <0xEF><0xBB><0xBF>: a BOM is kept
    expect(tok.decode([])).toBe('');
  });

  test('decode rejects ids outside the vocabulary', () => {
    expect(() => tok.decode([1, 32002])).toThrow(/id 32002 is not in the vocabulary/);
    expect(() => tok.decode([-1])).toThrow(/id -1/);
    expect(() => tok.decode([1.5])).toThrow(/id 1.5/);
  });
});
