/**
 * Reading referring questions in the official ControlMLLM ROC / RTC form: a JSON array, or JSON Lines
 * (one record per line, as `question_roc.json`, whose first 1,548 lines are the test split). A record
 * names its image, a question containing `<location>`, the answer (class name) with optional synonyms,
 * and the region as a COCO [x, y, w, h] box, a mask PNG, a scribble (list of [x, y]) and a centre point.
 * Field names vary between files, so a few spellings are accepted (first found wins).
 */
import type { VisualPrompt } from './regions.js';

export type PromptType = 'box' | 'mask' | 'scribble' | 'point';
export const PROMPT_TYPES: readonly PromptType[] = ['box', 'mask', 'scribble', 'point'];

export interface ReferQuestion {
  id: string;
  /** Image path relative to the images folder. */
  image: string;
  /** As stored, with `<location>`. */
  question: string;
  answer: string;
  synonyms: string[];
  alternatives: string[];
  task?: string;
  bbox?: [number, number, number, number];
  mask?: string;
  scribble?: Array<[number, number]>;
  centerPoint?: [number, number];
}

const ALIASES = {
  image: ['image', 'image_path', 'img_path', 'file_name', 'image_file'],
  answer: ['answer', 'name', 'label', 'gt', 'text'],
  bbox: ['bbox', 'box'],
  mask: ['mask', 'mask_path', 'seg_mask', 'mask_file'],
  scribble: ['scribble', 'scribbles'],
  centerPoint: ['center_point', 'point', 'centre_point'],
};

type Json = Record<string, unknown>;

function field(rec: Json, names: readonly string[]): unknown {
  for (const n of names) if (rec[n] !== undefined && rec[n] !== null) return rec[n];
  return undefined;
}

function numbers(v: unknown, count: number, what: string): number[] {
  if (!Array.isArray(v) || v.length !== count || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`${what}: expected ${count} numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

/** Parses one record; `where` names it in errors ("file.json line 3"). */
export function parseQuestion(rec: unknown, where: string, index: number): ReferQuestion {
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new Error(`${where}: expected a JSON object`);
  const r = rec as Json;
  const str = (names: readonly string[], what: string): string => {
    const v = field(r, names);
    if (typeof v !== 'string' || v === '') throw new Error(`${where}: missing "${what}" (one of ${names.join(', ')})`);
    return v;
  };
  const list = (name: string): string[] => {
    const v = r[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new Error(`${where}: "${name}" must be a list of strings`);
    return v as string[];
  };
  const q: ReferQuestion = {
    id: typeof r.id === 'string' || typeof r.id === 'number' ? String(r.id) : String(index),
    image: str(ALIASES.image, 'image'),
    question: str(['question', 'text_prompt', 'prompt'], 'question'),
    answer: str(ALIASES.answer, 'answer'),
    synonyms: list('synonyms'),
    alternatives: list('alternatives'),
  };
  if (typeof r.task === 'string') q.task = r.task;
  const box = field(r, ALIASES.bbox);
  if (box !== undefined) q.bbox = numbers(box, 4, `${where}: bbox`) as [number, number, number, number];
  const mask = field(r, ALIASES.mask);
  if (mask !== undefined) {
    if (typeof mask !== 'string') throw new Error(`${where}: mask must be a PNG path`);
    q.mask = mask;
  }
  const scribble = field(r, ALIASES.scribble);
  if (scribble !== undefined) {
    if (!Array.isArray(scribble) || scribble.length === 0) throw new Error(`${where}: scribble must be a non-empty list of [x, y]`);
    q.scribble = scribble.map((p, i) => numbers(p, 2, `${where}: scribble[${i}]`) as [number, number]);
  }
  const point = field(r, ALIASES.centerPoint);
  if (point !== undefined) q.centerPoint = numbers(point, 2, `${where}: center_point`) as [number, number];
  return q;
}

/** Parses a question file's text: a JSON array (or {"questions": [...]}) or JSON Lines. */
export function parseQuestionFile(text: string, file = 'questions'): ReferQuestion[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[') || (trimmed.startsWith('{') && !trimmed.includes('\n'))) {
    let v: unknown;
    try {
      v = JSON.parse(trimmed);
    } catch (e) {
      throw new Error(`${file}: malformed JSON (${(e as Error).message})`);
    }
    const arr = Array.isArray(v) ? v : (v as Json).questions;
    if (!Array.isArray(arr)) throw new Error(`${file}: expected a list of questions`);
    return arr.map((r, i) => parseQuestion(r, `${file} [${i}]`, i));
  }
  return trimmed.split('\n').flatMap((line, i) => {
    if (line.trim() === '') return [];
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new Error(`${file} line ${i + 1}: malformed JSON (${(e as Error).message})`);
    }
    return [parseQuestion(v, `${file} line ${i + 1}`, i)];
  });
}

/** The question the model sees: `<location>` removed with the space before it (or after it). */
export function modelQuestion(question: string): string {
  return question.replace(/ <location>/g, '').replace(/<location> ?/g, '').trim();
}

/** The record's region of one prompt type; `readMask` loads the mask PNG (path relative to the images folder). */
export function visualPrompt(q: ReferQuestion, type: PromptType, readMask: (path: string) => { width: number; height: number; data: Uint8Array }): VisualPrompt {
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
      if (!q.scribble) throw missing('scribble');
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
