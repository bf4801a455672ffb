/**
 * Captioning metrics as the COCO caption evaluation defines them (tylin/coco-caption, pycocoevalcap):
 *
 *   tokenisation  Stanford PTBTokenizer -preserveLines -lowerCase, then the tokens in PUNCTUATIONS dropped
 *                 (ptbtokenizer.py). ptbTokenize() implements the PTB rules that matter for captions:
 *                 lower case, punctuation split off, clitics ('s 're 've 'll 'd 'm n't) split, word-internal
 *                 hyphens, dotted abbreviations and digit groups kept, brackets as -LRB-/-LSB-/-LCB-
 *                 (only -LRB- -RRB- -LCB- -RCB- are in PUNCTUATIONS, so -LSB-/-RSB- stay, as there).
 *   BLEU-4        bleu_scorer.py with option "closest": corpus-level clipped n-gram precisions (max count
 *                 over the references), the reference length closest to each hypothesis (ties: the
 *                 shorter), one brevity penalty exp(1 − r/c) from the corpus totals, tiny = 1e-15 and
 *                 small = 1e-9 in every ratio.
 *   CIDEr-D       cider_scorer.py: tf-idf n-gram vectors (n = 1..4) with document frequencies from the
 *                 references of the evaluated set, idf = log(#images) − log(max(1, df)), clipped cosine
 *                 min(h, r)·r / (|h||r|), the Gaussian length penalty exp(−δ²/2σ²) with σ = 6 — δ is the
 *                 difference in bigram counts, the `if n == 1: length += term_freq` of the original —
 *                 averaged over n and the references, × 10, then averaged over images.
 *
 * METEOR and SPICE need Java tools (Meteor 1.5, SPICE 1.0) that are not available here; the reports
 * name them as not computed.
 */

/** ptbtokenizer.py's PUNCTUATIONS: the tokens removed after tokenisation. */
const PUNCTUATIONS = new Set(["''", "'", '``', '`', '-LRB-', '-RRB-', '-LCB-', '-RCB-', '.', '?', '!', ',', ':', '-', '--', '...', ';']);
/** PTB escapes: a double quote becomes a closing quote (removed), brackets their -LRB- names. */
const ESCAPES: Record<string, string> = { '"': "''", '(': '-LRB-', ')': '-RRB-', '[': '-LSB-', ']': '-RSB-', '{': '-LCB-', '}': '-RCB-' };

/** One caption → its PTB tokens, lower-cased, punctuation tokens removed. */
export function ptbTokenize(text: string): string[] {
  let t = ` ${text.toLowerCase().replace(/\s+/g, ' ')} `;
  t = t.replace(/"/g, ' " ').replace(/([()[\]{}])/g, ' $1 ').replace(/([?!;$%])/g, ' $1 ');
  t = t.replace(/\.\.\./g, ' ... ').replace(/--/g, ' -- ');
  t = t.replace(/,(?!\d)|(?<!\d),/g, ' , ').replace(/:(?!\d)|(?<!\d):/g, ' : ');
  t = t.replace(/(\s)'(?=\S)/g, "$1' ").replace(/`/g, ' ` ');
  t = t.replace(/([a-z0-9])('s|'re|'ve|'ll|'d|'m)(?=[\s])/g, '$1 $2').replace(/([a-z])(n't)(?=[\s])/g, '$1 $2');
  t = t.replace(/(?<=[a-z0-9])'(\s)/g, " '$1");
  const tokens = t.split(' ').flatMap((w) => {
    // A word-final period is its own token unless the word is a dotted abbreviation ("u.s.", "e.g.").
    if (w.length > 1 && w !== '...' && w.endsWith('.') && !/^(?:[a-z]\.){2,}$/.test(w)) return [w.slice(0, -1), '.'];
    return [w];
  });
  return tokens.map((w) => ESCAPES[w] ?? w).filter((w) => w !== '' && !PUNCTUATIONS.has(w));
}

/** n-gram counts (n = 1..4) of a token list, keyed by the n-gram joined with spaces. */
function ngrams(words: readonly string[], n = 4): Map<string, number>[] {
  const out = Array.from({ length: n }, () => new Map<string, number>());
  for (let k = 1; k <= n; k++) {
    for (let i = 0; i + k <= words.length; i++) {
      const g = words.slice(i, i + k).join(' ');
      out[k - 1].set(g, (out[k - 1].get(g) ?? 0) + 1);
    }
  }
  return out;
}

export interface CaptionPair {
  /** The hypothesis, already tokenised (tokens joined by spaces, as pycocoevalcap passes them). */
  hypothesis: string;
  references: string[];
}

const words = (s: string) => s.split(' ').filter((w) => w !== '');

/** Corpus BLEU-1..4 (bleu_scorer.py, option "closest"); [3] is BLEU-4. In [0, 1]. */
export function bleu(pairs: readonly CaptionPair[], n = 4): number[] {
  const [tiny, small] = [1e-15, 1e-9];
  const guess = new Array<number>(n).fill(0);
  const correct = new Array<number>(n).fill(0);
  let [testlen, reflen] = [0, 0];
  for (const { hypothesis, references } of pairs) {
    const hyp = words(hypothesis);
    const lens = references.map((r) => words(r).length);
    // min((|l − c|, l)): the closest reference length, the shorter one on a tie.
    reflen += lens.reduce((best, l) => (Math.abs(l - hyp.length) < Math.abs(best - hyp.length) || (Math.abs(l - hyp.length) === Math.abs(best - hyp.length) && l < best) ? l : best));
    testlen += hyp.length;
    const maxRef = Array.from({ length: n }, () => new Map<string, number>());
    for (const r of references) ngrams(words(r), n).forEach((m, k) => m.forEach((c, g) => maxRef[k].set(g, Math.max(maxRef[k].get(g) ?? 0, c))));
    ngrams(hyp, n).forEach((m, k) => {
      guess[k] += Math.max(0, hyp.length - k);
      m.forEach((c, g) => (correct[k] += Math.min(maxRef[k].get(g) ?? 0, c)));
    });
  }
  const ratio = (testlen + tiny) / (reflen + small);
  const bp = ratio < 1 ? Math.exp(1 - 1 / ratio) : 1;
  let product = 1;
  return correct.map((c, k) => {
    product *= (c + tiny) / (guess[k] + small);
    return product ** (1 / (k + 1)) * bp;
  });
}

/** CIDEr-D (cider_scorer.py, σ = 6): the corpus score (mean over images) and each image's score. */
export function ciderD(pairs: readonly CaptionPair[], sigma = 6, n = 4): { score: number; scores: number[] } {
  const refs = pairs.map((p) => p.references.map((r) => ngrams(words(r), n)));
  const df = new Map<string, number>();
  for (const image of refs) {
    const seen = new Set(image.flatMap((r) => r.flatMap((m) => [...m.keys()])));
    seen.forEach((g) => df.set(g, (df.get(g) ?? 0) + 1));
  }
  const refLen = Math.log(pairs.length);
  const vector = (counts: Map<string, number>[]) => {
    const vec = counts.map((m) => new Map([...m].map(([g, tf]) => [g, tf * (refLen - Math.log(Math.max(1, df.get(g) ?? 0)))])));
    const norm = vec.map((m) => Math.sqrt([...m.values()].reduce((s, x) => s + x * x, 0)));
    const length = [...counts[1].values()].reduce((s, x) => s + x, 0); // bigram count, as the original
    return { vec, norm, length };
  };
  const scores = pairs.map((p, i) => {
    const h = vector(ngrams(words(p.hypothesis), n));
    const sum = new Array<number>(n).fill(0);
    for (const r of refs[i].map(vector)) {
      const penalty = Math.exp(-((h.length - r.length) ** 2) / (2 * sigma * sigma));
      for (let k = 0; k < n; k++) {
        let val = 0;
        h.vec[k].forEach((x, g) => {
          const y = r.vec[k].get(g) ?? 0;
          val += Math.min(x, y) * y;
        });
        if (h.norm[k] !== 0 && r.norm[k] !== 0) val /= h.norm[k] * r.norm[k];
        sum[k] += val * penalty;
      }
    }
    return (10 * sum.reduce((s, x) => s + x, 0)) / n / refs[i].length;
  });
  return { score: scores.reduce((s, x) => s + x, 0) / scores.length, scores };
}

/** BLEU-4 and CIDEr-D of raw answers against raw references, both PTB-tokenised first (as COCOEvalCap). */
export function captionScores(items: ReadonlyArray<{ answer: string; references: readonly string[] }>): { bleu4: number; ciderD: number } {
  if (items.length === 0) return { bleu4: NaN, ciderD: NaN };
  const pairs = items.map((it) => ({ hypothesis: ptbTokenize(it.answer).join(' '), references: it.references.map((r) => ptbTokenize(r).join(' ')) }));
  return { bleu4: bleu(pairs)[3], ciderD: ciderD(pairs).score };
}
