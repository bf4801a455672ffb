/**
 * The official ControlMLLM ROC/RTC scoring rule (`mrwu-mac/ControlMLLM:controlmllm/llava/roc/eval.py` and
 * `rtc/eval.py`, SPEC-controlmllm §6.1):
 *
 *   name     = ann['name'].replace('_', ' ').strip()                  # RTC: ann['label'], no synonyms
 *   synonyms = each LVIS synonym with '_' → ' ', stripped; 'bow_(weapon)' gives 'bow' and 'weapon'
 *   text     = remove_not_phrases_v2(answer)   # deletes \s+not[^,.]*[,.] then \s+no[^,.]*[,.]
 *   correct  = name in text or any(s in text for s in synonyms)       # case-sensitive substrings
 *
 * The absence of the wrong option is not checked (an answer naming both options counts as correct), and
 * a synonym that normalises to '' matches every answer (Python's `'' in text` is true).
 */

/** Python `re.sub(r"\s+not[^,.]*[,.]", "", t)` followed by the same for `\s+no[^,.]*[,.]`. */
export function removeNotPhrases(text: string): string {
  return text.replace(/\s+not[^,.]*[,.]/g, '').replace(/\s+no[^,.]*[,.]/g, '');
}

/** Python's str.strip() (whitespace at both ends). */
const strip = (s: string) => s.replace(/^\s+|\s+$/g, '');

/** eval.py's synonym normalisation: `_` → space, and `a_(b)` → `a`, `b`; `where` names the record in errors. */
export function normaliseSynonyms(synonyms: readonly string[], where = 'synonyms'): string[] {
  return synonyms.flatMap((s) => {
    if (!s.includes('(')) return [strip(s.replace(/_/g, ' '))];
    const parts = s.split('(');
    // eval.py asserts both; a synonym breaking them would stop the official scorer too.
    if (!s.includes(')') || parts.length !== 2) throw new Error(`${where}: synonym '${s}' is not of the form 'a_(b)'`);
    return [strip(parts[0].replace(/_/g, ' ')), strip(parts[1].replace(/_/g, ' ').replace(/\)/g, ''))];
  });
}

/** The official name normalisation: `_` → space, stripped. */
export const normaliseName = (name: string) => strip(name.replace(/_/g, ' '));

/**
 * Whether `output` answers with `name` or one of `synonyms`, both already normalised (normaliseName,
 * normaliseSynonyms): the official comparison, nothing more.
 */
export function isCorrect(output: string, name: string, synonyms: readonly string[] = []): boolean {
  const text = removeNotPhrases(output);
  return text.includes(name) || synonyms.some((s) => text.includes(s));
}

/** Accuracy bookkeeping: n answered, c correct; pct() in percent (NaN when n = 0). */
export class Tally {
  n = 0;
  correct = 0;
  add(ok: boolean): void {
    this.n++;
    if (ok) this.correct++;
  }
  pct(): number {
    return this.n ? (100 * this.correct) / this.n : NaN;
  }
  /** Half-width of the 95 % normal-approximation interval, in points. */
  ci95(): number {
    if (!this.n) return NaN;
    const p = this.correct / this.n;
    return 196 * Math.sqrt((p * (1 - p)) / this.n);
  }
}
