/**
 * The official ControlMLLM question files, read as the official scripts read them (mrwu-mac/ControlMLLM
 * at 57e16e7; layouts in its DATASETS.md), with --data the task folder:
 *
 *   ROC        question_roc.json, JSON Lines: id, image_path, text ("<location> "), name, synonyms,
 *              bbox (x,y,w,h), seg_mask, center_point, scribble. Image DATA/image/<last two parts of
 *              image_path>, mask DATA/mask/<seg_mask>. test = the first 1,548 lines, val = the rest.
 *   RTC        question_rtc.json, JSON Lines: question_id, image, text, label, box, mask. Image
 *              DATA/image/<image>, mask DATA/mask/<mask>. test = the first 1,172 (++), val = the rest.
 *   ScreenSpot question_screenspot.json, JSON Lines: id, image_path, text (the question by element type),
 *              name (the reference description), bbox, center_point. Image DATA/image/<image_path> (the
 *              script itself joins DATA/<image_path>; both are tried).
 *   RefCOCOg   refcocog.json, one JSON object {"test": [...], ...}: image_id, bbox, expressions (the
 *              references). Image DATA/COCO2014/train2014/COCO_train2014_<12-digit id>.jpg (or
 *              DATA/train2014/…), the COCO file name the script looks up in instances_train2014.json.
 */
import { Fields, jsonRecords, type Json } from './json-fields.js';
import type { EvalQuestion, QuestionForm } from './question.js';
import { isSyntheticRecord, syntheticQuestion } from './questions-synthetic.js';
import { normaliseName, normaliseSynonyms } from './score.js';

export type Split = 'test' | 'val';

/** The official test split is the first N questions of the file (eval.py:49, llava_7b_rtc.py:109-111). */
const TEST_SIZE: Partial<Record<QuestionForm, number>> = { roc: 1548, rtc: 1172 };

export const REFCOCOG_QUESTION = 'Can you provide a description of the region in a sentence?';

function formOf(r: Fields): QuestionForm {
  if (isSyntheticRecord(r)) return 'synthetic';
  if (r.has('question_id') && r.has('label')) return 'rtc';
  if (r.has('image_path') && r.has('name')) return r.has('synonyms') ? 'roc' : 'screenspot';
  const fields = Object.keys(r.rec).join(', ');
  throw new Error(`${r.where}: not a question in a known form (ROC: id, image_path, text, name, synonyms; RTC: question_id, image, text, label; ScreenSpot: id, image_path, text, name; synthetic: question, answer); fields: ${fields}`);
}

function rocQuestion(r: Fields, index: number): EvalQuestion {
  const imagePath = r.str(['image_path']).split('/');
  if (imagePath.length < 2) throw new Error(`${r.where}: image_path '${imagePath.join('/')}' has no folder (the ROC layout is image/<folder>/<file>)`);
  const name = r.str(['name']);
  return {
    index, id: r.id('id'), form: 'roc', text: r.str(['text']), images: [`image/${imagePath.slice(-2).join('/')}`],
    mask: r.has('seg_mask') ? `mask/${r.str(['seg_mask'])}` : undefined, label: name,
    name: normaliseName(name), synonyms: normaliseSynonyms(r.strings('synonyms'), `${r.where}: synonyms`), references: [],
    bbox: r.box(['bbox']), scribble: r.points(['scribble']), centerPoint: r.point(['center_point']),
  };
}

function rtcQuestion(r: Fields, index: number): EvalQuestion {
  const label = r.str(['label']);
  return {
    index, id: r.id('question_id'), form: 'rtc', text: r.str(['text']), images: [`image/${r.str(['image'])}`],
    mask: r.has('mask') ? `mask/${r.str(['mask'])}` : undefined, label,
    // rtc/eval.py scores the label only: ann['synonyms'] = [].
    name: normaliseName(label), synonyms: [], references: [], bbox: r.box(['box']),
  };
}

function screenspotQuestion(r: Fields, index: number): EvalQuestion {
  const name = r.str(['name']);
  const image = r.str(['image_path']);
  const mask = r.first(['seg_mask']);
  return {
    index, id: r.id('id'), form: 'screenspot', text: r.str(['text']), images: [`image/${image}`, image],
    mask: typeof mask === 'string' && mask !== '' ? `mask/${mask}` : undefined, label: name, name, synonyms: [], references: [name],
    bbox: r.box(['bbox']), scribble: r.points(['scribble']), centerPoint: r.point(['center_point']),
  };
}

function refcocogQuestion(r: Fields, index: number): EvalQuestion {
  const imageId = r.id('image_id');
  const raw = r.rec.expressions;
  if (!Array.isArray(raw) || raw.length === 0) throw new Error(`${r.where}: "expressions" must be a non-empty list`);
  // Plain strings, or RefCOCO-style {sent} / {raw} records.
  const references = raw.map((e, i) => {
    const s = typeof e === 'string' ? e : (e as Json | null)?.sent ?? (e as Json | null)?.raw;
    if (typeof s !== 'string') throw new Error(`${r.where}: expressions[${i}] is neither a string nor {sent}`);
    return s;
  });
  const file = `COCO_train2014_${String(imageId).padStart(12, '0')}.jpg`;
  return {
    index, id: imageId, form: 'refcocog', text: REFCOCOG_QUESTION, images: [`COCO2014/train2014/${file}`, `train2014/${file}`, file],
    label: raw, name: '', synonyms: [], references, bbox: r.box(['bbox']),
  };
}

const READERS: Record<QuestionForm, (r: Fields, index: number) => EvalQuestion> = {
  roc: rocQuestion, rtc: rtcQuestion, screenspot: screenspotQuestion, refcocog: refcocogQuestion, synthetic: syntheticQuestion,
};

export interface QuestionFile {
  form: QuestionForm;
  /** Every question of the file (RefCOCOg: of the split's list). */
  all: EvalQuestion[];
  /** The split's questions (all of them when no split applies). */
  selected: EvalQuestion[];
  split: Split | null;
}

/** Reads a question file in any of the forms, and selects the official split by name. */
export function readQuestionFile(text: string, file: string, split: Split | null = null): QuestionFile {
  const { records, where, whole } = jsonRecords(text, file);
  if (whole && (Array.isArray(whole.test) || Array.isArray(whole.val))) return refcocogFile(whole, file, split);
  if (records.length === 0) throw new Error(`${file}: no questions`);
  const fields = records.map((rec, i) => Fields.of(rec, where(i)));
  const form = formOf(fields[0]);
  const all = fields.map((r, i) => {
    const f = formOf(r);
    if (f !== form) throw new Error(`${r.where}: a question in the ${f} form, but ${fields[0].where} is in the ${form} form`);
    return READERS[form](r, i);
  });
  if (!split) return { form, all, selected: all, split };
  const n = TEST_SIZE[form];
  if (n === undefined) throw new Error(`--split: the ${form} form has no official split (only ROC, RTC and RefCOCOg do)`);
  if (all.length <= n) throw new Error(`--split ${split}: ${file} has ${all.length} questions; the official ${form} test split is the first ${n}`);
  return { form, all, selected: split === 'test' ? all.slice(0, n) : all.slice(n), split };
}

function refcocogFile(whole: Json, file: string, split: Split | null): QuestionFile {
  const name = split ?? 'test'; // the official script reads ['test']
  const list = whole[name];
  if (!Array.isArray(list)) throw new Error(`${file}: no "${name}" list (keys: ${Object.keys(whole).join(', ')})`);
  const all = list.map((rec, i) => refcocogQuestion(Fields.of(rec, `${file} ${name}[${i}]`), i));
  return { form: 'refcocog', all, selected: all, split: name };
}
