/**
 * The answers file: one JSON object per line and per question × (method, prompt), in the official
 * prediction form — `question_id`, `answers: [baseline, controlled]`, `label` — plus our own fields (`index`
 * in the question file, `method`, `prompt`, `steps`, `inside`: in-region attention before/after). A run
 * with one method and one prompt type writes exactly the file the official eval.py reads. A failed
 * question is a line with `error` instead of `answers`; it is retried on --resume.
 *
 * Lines are appended as they are produced. Beside the file, `<file>.meta.json` records the run's
 * settings, so that --resume and `eval merge` refuse answers made with other settings.
 */
import { appendFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import type { Method } from '../controlmllm/pipeline.js';
import type { PromptType } from './question.js';

export interface AnswerLine {
  question_id: string | number;
  answers?: [string, string];
  label?: unknown;
  index: number;
  method: Method;
  prompt: PromptType;
  steps?: number;
  inside?: [number, number];
  error?: string;
}

/** What makes two runs' answers comparable: everything but the shard. */
export interface RunMeta {
  questions: { file: string; sha256: string; form: string; split: string | null; offset: number; limit: number | null };
  preset: string | null;
  methods: Method[];
  prompts: PromptType[];
  settings: Record<string, unknown>;
  padToSquare: boolean;
  shard: { index: number; count: number } | null;
}

export const configKey = (l: { method: Method; prompt: PromptType }) => `${l.method}/${l.prompt}`;
export const lineKey = (l: { method: Method; prompt: PromptType; index: number }) => `${configKey(l)}#${l.index}`;

export const metaPath = (answersFile: string) => `${answersFile}.meta.json`;

/** The meta fields that must agree (the shard and the file name may differ). */
function comparable(m: RunMeta): string {
  const { shard: _shard, questions, ...rest } = m;
  const { file: _file, ...q } = questions;
  return JSON.stringify({ ...rest, questions: q });
}

/** Why two metas disagree, naming the first differing field, or null. */
export function metaMismatch(a: RunMeta, b: RunMeta): string | null {
  if (comparable(a) === comparable(b)) return null;
  const ja = JSON.parse(comparable(a)) as Record<string, unknown>;
  const jb = JSON.parse(comparable(b)) as Record<string, unknown>;
  const field = Object.keys(ja).find((k) => JSON.stringify(ja[k]) !== JSON.stringify(jb[k])) ?? '?';
  return `${field}: ${JSON.stringify(ja[field])} vs ${JSON.stringify(jb[field])}`;
}

export function readMeta(answersFile: string): RunMeta {
  const p = metaPath(answersFile);
  if (!existsSync(p)) throw new Error(`${p} is missing: ${answersFile} was not written by controlmllm eval`);
  return JSON.parse(readFileSync(p, 'utf8')) as RunMeta;
}

/**
 * The lines of an answers file. A last line cut off mid-write (an interrupted run) is dropped with a
 * warning; any other malformed line is an error naming it.
 */
export function readAnswers(file: string, warn: (s: string) => void = () => {}): AnswerLine[] {
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const out: AnswerLine[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let v: AnswerLine;
    try {
      v = JSON.parse(line) as AnswerLine;
    } catch (e) {
      if (i === lines.length - 1) return warn(`${file} line ${i + 1}: an incomplete last line (interrupted run) is ignored\n`);
      throw new Error(`${file} line ${i + 1}: malformed JSON (${(e as Error).message})`);
    }
    if (typeof v.index !== 'number' || !v.method || !v.prompt) throw new Error(`${file} line ${i + 1}: not an answers line of controlmllm eval (index, method, prompt)`);
    out.push(v);
  });
  return out;
}

/** The last line per (method, prompt, question): a retried failure is superseded by its answer. */
export function latestByKey(lines: readonly AnswerLine[]): Map<string, AnswerLine> {
  const m = new Map<string, AnswerLine>();
  for (const l of lines) m.set(lineKey(l), l);
  return m;
}

/**
 * Opens an answers file for a run: a new one (refusing to overwrite an existing file), or with `resume`
 * the existing one after checking its settings. Returns the lines already there.
 */
export function openAnswers(file: string, meta: RunMeta, resume: boolean, warn: (s: string) => void): AnswerLine[] {
  if (!resume) {
    if (existsSync(file)) throw new Error(`${file} exists: pass --resume to continue it, or choose another --answers-file`);
    writeFileSync(file, '');
    writeFileSync(metaPath(file), `${JSON.stringify(meta, null, 1)}\n`);
    return [];
  }
  if (!existsSync(file)) {
    warn(`--resume: ${file} does not exist yet; starting it\n`);
    return openAnswers(file, meta, false, warn);
  }
  const old = readMeta(file);
  const why = metaMismatch(old, meta) ?? (JSON.stringify(old.shard) !== JSON.stringify(meta.shard) ? `shard: ${JSON.stringify(old.shard)} vs ${JSON.stringify(meta.shard)}` : null);
  if (why) throw new Error(`--resume: ${file} was written with other settings (${why})`);
  const lines = readAnswers(file, warn);
  // Cut off an incomplete last line, so that appending starts on a fresh line.
  const text = readFileSync(file);
  if (text.length && text[text.length - 1] !== 0x0a) truncateSync(file, text.lastIndexOf(0x0a) + 1);
  return lines;
}

export const appendAnswer = (file: string, line: AnswerLine) => appendFileSync(file, `${JSON.stringify(line)}\n`);
