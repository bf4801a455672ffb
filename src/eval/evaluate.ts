/**
 * One evaluation run, as `controlmllm eval` does it: read the question file (any form), choose the preset,
 * settle every setting, select split / window / shard, check every file the run will read before the
 * model is loaded, open (or resume) the answers file, run the loop with a progress bar, and build the
 * report from the answers.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AskOptions, Method } from '../controlmllm/pipeline.js';
import { loadSession, modelFamily } from '../controlmllm/session-node.js';
import { appendAnswer, latestByKey, lineKey, openAnswers, type AnswerLine, type RunMeta } from './answers-file.js';
import { missingFiles, runEval, type EvalPlan } from './loop.js';
import { describeSettings, preset, presetForForm, PROJECT_DEFAULTS, withOverrides, type ModelFamily, type Preset } from './presets.js';
import { Progress } from './progress.js';
import { PROMPT_TYPES, type EvalQuestion, type PromptType } from './question.js';
import { readQuestionFile, type QuestionFile, type Split } from './questions-official.js';
import { buildReport, type Report } from './report.js';
import { shardOf, window, type Shard } from './selection.js';

export interface EvalRequest {
  model: string;
  questions: string;
  data: string;
  /** A preset name, 'none', or undefined to choose it from the file's form. */
  preset?: string;
  split: Split | null;
  offset: number;
  limit: number | null;
  shard: Shard | null;
  methods?: Method[];
  prompts?: PromptType[];
  /** Explicit flags per method; they beat the preset. */
  overrides: Record<Method, AskOptions>;
  padToSquare: boolean;
  answersFile?: string;
  resume: boolean;
  keepGoing: boolean;
  quiet: boolean;
}

export interface EvalOutcome {
  report: Report;
  /** Failed (question, config) runs in this run's selection. */
  failed: number;
  seconds: number;
}

export interface Printer {
  stderr: (s: string) => void;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The preset of a request: explicit, 'none', or the form's own (printed with the reason). */
/** The model folder's family for the presets (a folder without config.json fails later, when it is loaded). */
function familyOf(model: string): ModelFamily {
  return existsSync(join(model, 'config.json')) ? modelFamily(model) : 'llava';
}

function choosePreset(req: EvalRequest, file: QuestionFile, io: Printer): Preset | null {
  if (req.preset === 'none') return null;
  const name = req.preset ?? presetForForm(file.form);
  if (!name) return null;
  const p = preset(name, familyOf(req.model));
  io.stderr(`preset ${p.name}${req.preset ? '' : ` (chosen from the ${file.form} form of ${req.questions})`}: ${p.source}\n`);
  return p;
}

/** Methods, prompts and per-method settings of a request (preset, then flags). */
export function settle(req: EvalRequest, p: Preset | null) {
  const methods = req.methods ?? ['v1', 'pp'];
  const prompts = req.prompts ?? (p ? ['box' as PromptType] : [...PROMPT_TYPES]);
  if (p) {
    const bad = prompts.filter((x) => !p.prompts.includes(x));
    if (bad.length) throw new Error(`--prompt ${bad.join(',')}: the official ${p.name} task has only ${p.prompts.join(', ')}`);
  }
  const settings = Object.fromEntries(methods.map((m) => [m, withOverrides(p?.settings[m] ?? PROJECT_DEFAULTS[m], req.overrides[m])])) as Record<Method, AskOptions>;
  return { methods, prompts, settings };
}

/** The request's meta (what --resume and merge compare) and its questions before sharding. */
export function planOf(req: EvalRequest, io: Printer): { meta: RunMeta; selection: EvalQuestion[]; all: QuestionFile; questionSuffix: string } {
  const text = readFileSync(req.questions, 'utf8');
  const file = readQuestionFile(text, req.questions, req.split);
  const p = choosePreset(req, file, io);
  const { methods, prompts, settings } = settle(req, p);
  const selection = window(file.selected, req.offset, req.limit);
  const meta: RunMeta = {
    questions: { file: req.questions, sha256: sha256(text), form: file.form, split: file.split, offset: req.offset, limit: req.limit },
    preset: p?.name ?? null, methods, prompts, settings, padToSquare: req.padToSquare, shard: req.shard,
  };
  return { meta, selection, all: file, questionSuffix: p?.questionSuffix ?? '' };
}

function announce(meta: RunMeta, selection: number, slice: number, io: Printer): void {
  const q = meta.questions;
  io.stderr(`${q.form} questions: ${selection}${q.split ? ` (split ${q.split})` : ''}${meta.shard ? `, shard ${meta.shard.index}/${meta.shard.count}: ${slice}` : ''}; prompts ${meta.prompts.join(', ')}\n`);
  for (const m of meta.methods) io.stderr(`${describeSettings(m, meta.settings[m] as AskOptions)}\n`);
  if (meta.padToSquare) io.stderr('pad to square (original LLaVA preprocessing)\n');
}

export async function evaluate(req: EvalRequest, io: Printer): Promise<EvalOutcome> {
  const { meta, selection, questionSuffix } = planOf(req, io);
  const slice = shardOf(selection, req.shard);
  announce(meta, selection.length, slice.length, io);
  const plan: EvalPlan = { data: req.data, questions: slice, methods: meta.methods, prompts: meta.prompts, settings: meta.settings as Record<Method, AskOptions>, padToSquare: req.padToSquare, questionSuffix };
  const missing = missingFiles(plan);
  if (missing.length && !req.keepGoing) throw new Error(`${missing.length} file(s) missing under --data ${req.data} (pass --keep-going to count them as failed):\n  ${missing.slice(0, 5).join('\n  ')}`);
  if ((req.resume || req.shard) && !req.answersFile) throw new Error(`--${req.resume ? 'resume' : 'shard'} needs --answers-file`);
  if (req.answersFile && meta.methods.length * meta.prompts.length > 1) io.stderr(`note: ${req.answersFile} will hold ${meta.methods.length * meta.prompts.length} (method, prompt) pairs; the official eval.py reads one (pass one --method and one --prompt)\n`);
  const lines: AnswerLine[] = req.answersFile ? openAnswers(req.answersFile, meta, req.resume, io.stderr) : [];
  const done = new Set(lines.filter((l) => l.error === undefined).map(lineKey));
  const perQuestion = meta.methods.length * meta.prompts.length;
  const todo = slice.flatMap((q) => meta.methods.flatMap((method) => meta.prompts.map((prompt) => lineKey({ method, prompt, index: q.index })))).filter((k) => !done.has(k)).length;
  if (done.size) io.stderr(`--resume: ${done.size} answers already in ${req.answersFile}\n`);
  const progress = new Progress(todo, perQuestion, req.quiet ? () => {} : io.stderr);
  if (todo > 0) {
    const session = await loadSession(req.model);
    const emit = (l: AnswerLine) => {
      lines.push(l);
      if (req.answersFile) appendAnswer(req.answersFile, l);
    };
    await runEval(session, plan, { done, emit, tick: () => progress.tick() });
  }
  progress.finish();
  const report = buildReport(meta, slice, latestByKey(lines));
  return { report, failed: report.failures.length, seconds: progress.seconds };
}
