/**
 * The official ControlMLLM ROC/RTC scoring rule (`mrwu-mac/ControlMLLM:controlmllm/llava/roc/eval.py`,
 * SPEC-controlmllm §6.1):
 *
 *   text = remove_not_phrases_v2(output)          # deletes \s+not[^,.]*[,.] then \s+no[^,.]*[,.]
 *   correct = name.replace('_', ' ') in text  or  any(synonym in text)     # case-sensitive substrings
 *
 * The absence of the wrong option is not checked (an answer naming both options counts as correct).
 */

/** Python `re.sub(r"\s+not[^,.]*[,.]", "", t)` followed by the same for `\s+no[^,.]*[,.]`. */
export function removeNotPhrases(text: string): string {
  return text.replace(/\s+not[^,.]*[,.]/g, '').replace(/\s+no[^,.]*[,.]/g, '');
}

/** Whether `output` answers with `answer` (underscores read as spaces) or one of `synonyms`. */
export function isCorrect(output: string, answer: string, synonyms: readonly string[] = []): boolean {
  const text = removeNotPhrases(output);
  if (text.includes(answer.replace(/_/g, ' '))) return true;
  return synonyms.some((s) => s.length > 0 && text.includes(s));
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
