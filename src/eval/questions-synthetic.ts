/**
 * The project's own synthetic question form (src/controlmllm/synthetic.ts writes it): one record per line
 * with `id`, `image` and `mask` (relative to --data), `question` (with `<location>`), `answer`,
 * `synonyms`, `task`, `bbox` (x, y, w, h), `scribble` (list of [x, y]) and `center_point`. Scored with
 * the official ROC rule.
 */
import { Fields } from './json-fields.js';
import type { EvalQuestion } from './question.js';
import { normaliseName, normaliseSynonyms } from './score.js';

/** Whether a record is in the synthetic form (it names `question` and `answer`). */
export const isSyntheticRecord = (r: Fields) => r.has('question') && r.has('answer');

export function syntheticQuestion(r: Fields, index: number): EvalQuestion {
  const answer = r.str(['answer']);
  const mask = r.first(['mask']);
  if (mask !== undefined && typeof mask !== 'string') throw new Error(`${r.where}: mask must be a PNG path`);
  return {
    index,
    id: r.has('id') ? r.id('id') : index,
    form: 'synthetic',
    text: r.str(['question']),
    images: [r.str(['image'])],
    mask: mask as string | undefined,
    label: answer,
    name: normaliseName(answer),
    synonyms: normaliseSynonyms(r.strings('synonyms'), `${r.where}: synonyms`),
    references: [],
    task: typeof r.rec.task === 'string' ? r.rec.task : undefined,
    bbox: r.box(['bbox']),
    scribble: r.points(['scribble']),
    centerPoint: r.point(['center_point']),
  };
}
