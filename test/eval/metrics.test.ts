/**
 * BLEU-4 and CIDEr-D as pycocoevalcap defines them, against values computed by hand (the arithmetic is in
 * the comments), and the PTB-style tokenisation of COCOEvalCap.
 */
import { bleu, captionScores, ciderD, ptbTokenize } from '../../src/eval/metrics.js';

describe('PTB tokenisation (PTBTokenizer -lowerCase, PUNCTUATIONS removed)', () => {
  test('lower case, punctuation dropped, clitics split, hyphenated words and abbreviations kept', () => {
    expect(ptbTokenize("A man's red T-shirt (left), isn't it?")).toEqual(['a', 'man', "'s", 'red', 't-shirt', 'left', 'is', "n't", 'it']);
    expect(ptbTokenize('"Hello," she said... The U.S. flag.')).toEqual(['hello', 'she', 'said', 'the', 'u.s.', 'flag']);
    expect(ptbTokenize('It costs $5.50; 1,000 people -- wow!')).toEqual(['it', 'costs', '$', '5.50', '1,000', 'people', 'wow']);
  });
  test('square brackets become -LSB-/-RSB-, which PUNCTUATIONS does not remove', () => {
    expect(ptbTokenize('a [red] box')).toEqual(['a', '-LSB-', 'red', '-RSB-', 'box']);
  });
});

describe('BLEU (bleu_scorer.py, option closest)', () => {
  test('corpus-level clipped precisions and one brevity penalty', () => {
    // pair 1: hyp 5 tokens; refs of 6 and 5 → closest 5.
    //   1-grams a×2 man riding horse: all 5 in the refs (a clipped at 2)   → 5/5
    //   2-grams a man, man riding, riding a, a horse: 3 in ref 1            → 3/4
    //   3-grams: only "riding a horse"                                      → 1/3
    //   4-grams: none                                                       → 0/2
    // pair 2: hyp 6 tokens = the first 6 of its 7-token ref: 6/6, 5/5, 4/4, 3/3; reflen 7.
    // corpus: correct [11, 8, 5, 3], guess [11, 9, 7, 5], c = 11, r = 12 → BP = exp(1 − 12/11).
    //   BLEU-4 = (11/11 · 8/9 · 5/7 · 3/5)^(1/4) · e^(−1/11) = (8/21)^(1/4) · e^(−1/11) = 0.717359…
    const pairs = [
      { hypothesis: 'a man riding a horse', references: ['a man is riding a horse', 'a person on a horse'] },
      { hypothesis: 'the cat is on the mat', references: ['the cat is on the mat today'] },
    ];
    const b = bleu(pairs);
    const bp = Math.exp(1 - 12 / 11);
    expect(b[0]).toBeCloseTo(bp, 9);
    expect(b[1]).toBeCloseTo(Math.sqrt(8 / 9) * bp, 9);
    expect(b[2]).toBeCloseTo(Math.cbrt((8 / 9) * (5 / 7)) * bp, 9);
    expect(b[3]).toBeCloseTo((8 / 21) ** 0.25 * bp, 9);
    expect(b[3]).toBeCloseTo(0.7173587, 6);
  });
  test('the closest reference length, the shorter one on a tie (no penalty here)', () => {
    // hyp 5 tokens, refs 4 and 6: min((|l − 5|, l)) picks 4, so c > r and BP = 1 (6 would give e^(1 − 6/5)).
    expect(bleu([{ hypothesis: 'a b c d e', references: ['a b c d', 'a b c d e f'] }])[0]).toBeCloseTo(1, 9);
  });
  test('no 4-gram match gives (tiny/…)^(1/4), not NaN', () => {
    const b = bleu([{ hypothesis: 'a b c', references: ['a b c'] }])[3]; // no 4-grams: (1e-15 / 1e-9)^(1/4) ≈ 0.0316
    expect(b).toBeCloseTo((1 * 1 * 1 * (1e-15 / 1e-9)) ** 0.25, 6);
  });
});

describe('CIDEr-D (cider_scorer.py, σ = 6)', () => {
  test('tf-idf with document frequencies from the references, clipped cosine, ×10', () => {
    // Two images → idf = log 2 − log df. df: a b "a b" "a c" d "c d" = 1 (idf log 2), c = 2 (idf 0).
    // image 1, hyp "a b": vs ref "a b" identical → n=1: 1, n=2: 1.
    //   vs ref "a c" (vector a: log 2, c: 0): n=1: log²2 / (√2·log 2 · log 2) = 1/√2; n=2: 0.
    //   (1 + 1/√2 + 1 + 0) / 4 n-gram orders / 2 refs × 10 = 1.25·(2 + 1/√2) = 3.383883…
    // image 2, hyp "c d" = ref: n=1: (0·0 + log²2) / (log 2 · log 2) = 1; n=2: 1 → 2/4 × 10 = 5.
    const r = ciderD([
      { hypothesis: 'a b', references: ['a b', 'a c'] },
      { hypothesis: 'c d', references: ['c d'] },
    ]);
    expect(r.scores[0]).toBeCloseTo(1.25 * (2 + Math.SQRT1_2), 9);
    expect(r.scores[1]).toBeCloseTo(5, 9);
    expect(r.score).toBeCloseTo((1.25 * (2 + Math.SQRT1_2) + 5) / 2, 9);
  });
  test('the Gaussian length penalty on the bigram counts', () => {
    // image A, hyp "a b c" vs ref "a b" (every idf log 2): n=1: 2 log²2 / (√3 log 2 · √2 log 2) = 2/√6;
    // n=2: log²2 / (√2 log 2 · log 2) = 1/√2; n=3: the ref has no trigram (norm 0) → 0.
    // bigram counts 2 vs 1 → δ = 1 → × e^(−1/72). Score = 10 · (2/√6 + 1/√2) · e^(−1/72) / 4.
    const r = ciderD([
      { hypothesis: 'a b c', references: ['a b'] },
      { hypothesis: 'd e', references: ['d e'] },
    ]);
    expect(r.scores[0]).toBeCloseTo((10 * (2 / Math.sqrt(6) + Math.SQRT1_2) * Math.exp(-1 / 72)) / 4, 9);
    expect(r.scores[0]).toBeCloseTo(3.7564712, 6);
  });
  test('captionScores tokenises answers and references first', () => {
    const s = captionScores([
      { answer: 'A b.', references: ['a B', 'a, c'] },
      { answer: 'C d!', references: ['c d'] },
    ]);
    expect(s.ciderD).toBeCloseTo((1.25 * (2 + Math.SQRT1_2) + 5) / 2, 9);
    expect(captionScores([]).bleu4).toBeNaN();
  });
});
