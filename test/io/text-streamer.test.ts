/**
 * TextStreamer with the real llava-1.5-7b-hf tokenizer (SentencePiece BPE with byte fallback) and the
 * bundled model's (WordPiece): the streamed pieces, joined, equal the final decoded text — spaces,
 * newlines, byte-fallback emoji and CJK included — and no piece ever carries a broken character.
 */
import path from 'node:path';
import { TextStreamer } from '../../src/io/text-streamer.js';
import { loadTokenizerFromDir } from '../../src/io/tokenizer-node.js';
import type { Tokenizer } from '../../src/io/tokenizer.js';

const root = process.cwd();
let llava: Tokenizer;
let bundled: Tokenizer;
beforeAll(async () => {
  llava = await loadTokenizerFromDir(path.join(root, 'test/fixtures/llava-1.5-7b-hf'));
  bundled = await loadTokenizerFromDir(path.join(root, 'weights/default'));
});

/** Streams `ids` one at a time; returns the pieces (the flush last). */
function stream(tok: Tokenizer, ids: number[], trim = true): string[] {
  const s = new TextStreamer(tok, { trim });
  return [...ids.map((id) => s.push(id)), s.flush()];
}

const LLAVA_TEXTS = [
  'The object is a red square.',
  'Two lines:\nfirst line\n\nsecond line, indented\n    here.',
  'Emoji 😀 and 🎉🎉 between words, and a flag 🇫🇷.',
  'CJK 你好世界 漢字 かな 한국어 mixed with ASCII.',
  'Accents: déjà vu, naïve, Ærøskøbing — and “quotes”.',
];

describe('TextStreamer, llava-1.5-7b-hf tokenizer', () => {
  test.each(LLAVA_TEXTS.map((t) => [JSON.stringify(t), t] as const))('%s streams to the decoded text', (_, text) => {
    const ids = llava.encode(text, { addBos: false });
    const pieces = stream(llava, ids);
    expect(pieces.join('')).toBe(llava.decode(ids, { skipSpecial: true }).trim());
    expect(pieces.join('')).toBe(text);
    for (const p of pieces) expect(p).not.toContain('\uFFFD');
  });

  test('per-token decoding (what it replaces) loses the spaces', () => {
    const ids = llava.encode(LLAVA_TEXTS[0], { addBos: false });
    expect(ids.map((id) => llava.decode([id])).join('')).toBe('Theobjectisaredsquare.');
  });

  test('a byte-fallback emoji is held back until its last byte, then emitted whole', () => {
    const ids = llava.encode('a 😀', { addBos: false });
    const bytes = ids.filter((id) => /^<0x[0-9A-F]{2}>$/.test(llava.idToToken(id)!));
    expect(bytes).toHaveLength(4); // F0 9F 98 80
    const pieces = stream(llava, ids);
    // the space before it ("▁") waits too: trailing whitespace is only emitted once something follows
    expect(pieces.slice(-5)).toEqual(['', '', '', ' 😀', '']);
  });

  test('special ids (BOS, EOS) are skipped; without trim the leading/trailing whitespace is kept', () => {
    const ids = [llava.bosId!, ...llava.encode(' hi there \n', { addBos: false }), llava.eosId];
    expect(stream(llava, ids).join('')).toBe('hi there');
    const raw = stream(llava, ids, false).join('');
    expect(raw).toBe(llava.decode(ids, { skipSpecial: true }));
    expect(raw.endsWith('\n')).toBe(true);
  });
});

describe('TextStreamer, the bundled model tokenizer (WordPiece)', () => {
  test.each(['blue triangle', 'the red circle is left of the square', 'green\nsquare'])('%j streams to the decoded text', (text) => {
    const ids = bundled.encode(text, { addBos: false });
    expect(ids.length).toBeGreaterThan(1);
    const pieces = stream(bundled, ids);
    expect(pieces.join('')).toBe(bundled.decode(ids, { skipSpecial: true }).trim());
    expect(pieces.join('')).toContain(' ');
  });

  test('per-token decoding (what it replaces) gives "bluetriangle"', () => {
    const ids = bundled.encode('blue triangle', { addBos: false });
    expect(ids.map((id) => bundled.decode([id], { skipSpecial: true })).join('')).toBe('bluetriangle');
    expect(stream(bundled, ids).join('')).toBe('blue triangle');
  });
});
