/**
 * One evaluation question, whatever file it came from: the official ControlMLLM forms (ROC on LVIS, RTC
 * on COCO-Text, RefCOCOg and ScreenSpot referring description) and the project's own synthetic form. The
 * readers (questions-official.ts, questions-synthetic.ts) fill it in; the loop, scoring and reports read
 * only this.
 */
import type { VisualPrompt } from '../controlmllm/regions.js';
import type { Method } from '../controlmllm/pipeline.js';

export type PromptType = 'box' | 'mask' | 'scribble' | 'point';
export const PROMPT_TYPES: readonly PromptType[] = ['box', 'mask', 'scribble', 'point'];

/** The file forms `eval` reads; each official one has the preset of the same name. */
export type QuestionForm = 'roc' | 'rtc' | 'refcocog' | 'screenspot' | 'synthetic';

/** How an answer is scored: the official substring rule, or captioning metrics against references. */
export type Scoring = 'accuracy' | 'caption';

export const SCORING: Record<QuestionForm, Scoring> = { roc: 'accuracy', rtc: 'accuracy', synthetic: 'accuracy', refcocog: 'caption', screenspot: 'caption' };

export interface EvalQuestion {
  /** Position in the file's question list (the official splits and shards are ranges of it). */
  index: number;
  /** `question_id` of the official answers line (the file's id, its type kept). */
  id: string | number;
  form: QuestionForm;
  /** The question as stored (with `<location>` in the ROC/RTC forms). */
  text: string;
  /** Image path candidates relative to --data, first existing one wins (the official layouts differ). */
  images: string[];
  /** Mask PNG relative to --data, when the record has one. */
  mask?: string;
  /** What the official answers line records as `label`. */
  label: unknown;
  /** Accuracy forms: the answer and synonyms, normalised as the official eval.py does. */
  name: string;
  synonyms: string[];
  /** Caption forms: the reference descriptions. */
  references: string[];
  task?: string;
  bbox?: [number, number, number, number];
  scribble?: Array<[number, number]>;
  centerPoint?: [number, number];
}

/**
 * The question the model sees. The official scripts delete `'<location> '` (ROC, ScreenSpot and every ++
 * script) or `' <location>'` (v1 RTC, rtc:114) with Python's str.replace and nothing else; the
 * synthetic form deletes either spelling.
 */
export function modelQuestion(q: EvalQuestion, method: Method): string {
  if (q.form === 'synthetic') return q.text.replace(/ <location>/g, '').replace(/<location> ?/g, '').trim();
  return q.form === 'rtc' && method === 'v1' ? q.text.split(' <location>').join('') : q.text.split('<location> ').join('');
}

/** The record's region of one prompt type; `readMask` loads the mask PNG (path relative to --data). */
export function visualPrompt(q: EvalQuestion, type: PromptType, readMask: (path: string) => { width: number; height: number; data: Uint8Array }): VisualPrompt {
  const missing = (what: string) => new Error(`question ${q.id}: no ${what} for the ${type} prompt`);
  switch (type) {
    case 'box':
      if (!q.bbox) throw missing('bbox');
      return { type: 'box', box: q.bbox, format: 'xywh' };
    case 'mask': {
      if (!q.mask) throw missing('mask');
      const m = readMask(q.mask);
      return { type: 'mask', width: m.width, height: m.height, data: m.data };
    }
    case 'scribble':
      if (!q.scribble || q.scribble.length === 0) throw missing('scribble');
      // The official code marks the listed pixels only (no line between them).
      return { type: 'scribble', points: q.scribble, connect: false };
    case 'point':
      if (!q.centerPoint) throw missing('center_point');
      return { type: 'point', point: q.centerPoint };
  }
}

/** An RGB (or grey) mask image → one byte per pixel, nonzero where channel 0 is nonzero (ToTensor()[0]). */
export function maskFromRgb(img: { width: number; height: number; data: Uint8Array }): { width: number; height: number; data: Uint8Array } {
  const n = img.width * img.height;
  const channels = img.data.length / n;
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) data[i] = img.data[i * channels] !== 0 ? 1 : 0;
  return { width: img.width, height: img.height, data };
}
