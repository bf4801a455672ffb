/**
 * `controlmllm eval`: the ROC/RTC benchmark protocol on a question file in the official form. For each
 * question the model answers once without a region (the baseline: the unedited prefill, as `answers[0]`
 * of the official scripts) and once per prompt type and method with ControlMLLM; answers are scored
 * with the official rule (src/controlmllm/score.ts). Writes a JSON report and a Markdown table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readImageFile } from '../../io/image-node.js';
import type { RgbImage } from '../../io/image.js';
import { askAboutRegion, type AskOptions, type Method } from '../../controlmllm/pipeline.js';
import { isCorrect, Tally } from '../../controlmllm/score.js';
import { PROMPT_TYPES, maskFromRgb, modelQuestion, parseQuestionFile, visualPrompt, type PromptType, type ReferQuestion } from '../../controlmllm/score-questions.js';
import { loadSession } from '../../controlmllm/session-node.js';
import { layersFlag, numberFlag } from '../flags.js';
import type { Command, CommandIO } from '../command.js';
import { backendOption, useBackend } from '../backend-args.js';

const usage = `usage: controlmllm eval --model DIR --questions FILE.json --images DIR
        [--prompt box|mask|scribble|point|all] [--method v1|pp|both] [--limit N] [--offset N]
        [--out report.json] [--markdown table.md]
        [--steps T] [--alpha A] [--lr LR] [--beta B] [--early-stop PCT|off] [--sigma S] [--eps E]
        [--pp-steps T] [--pp-alpha A] [--pp-lr LR] [--pp-sigma S] [--layers all|last|i,j,..] [--pp-layers ...]
        [--max-new-tokens N] [--accumulate] [--quiet] [--backend cpu|wasm[:threads]|gpujs[:mode]]

Reads questions in the official ControlMLLM ROC/RTC form (JSON array or JSON Lines; image, question with
<location>, answer, synonyms, bbox, mask PNG, scribble, center_point), answers each without a region
(baseline) and with ControlMLLM per prompt type and method, and scores with the official rule
(remove_not_phrases_v2, case-sensitive substring of the answer or a synonym).
Hyperparameters default to the method's defaults (v1: T 5, α 400, lr 1, β 0.5, ES 25 %, σ 0.1, all
layers; ++: 3 Adam steps, lr 0.03, σ 0.4, the spec's middle layers). --pp-* override ++ only.`;

const OPTIONS = {
  model: { type: 'string' },
  questions: { type: 'string' },
  images: { type: 'string' },
  prompt: { type: 'string' },
  method: { type: 'string' },
  limit: { type: 'string' },
  offset: { type: 'string' },
  out: { type: 'string' },
  markdown: { type: 'string' },
  steps: { type: 'string' },
  alpha: { type: 'string' },
  lr: { type: 'string' },
  beta: { type: 'string' },
  'early-stop': { type: 'string' },
  sigma: { type: 'string' },
  eps: { type: 'string' },
  'pp-steps': { type: 'string' },
  'pp-alpha': { type: 'string' },
  'pp-lr': { type: 'string' },
  'pp-sigma': { type: 'string' },
  layers: { type: 'string' },
  'pp-layers': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  accumulate: { type: 'boolean' },
  quiet: { type: 'boolean' },
  ...backendOption,
} as const;

export interface EvalRow {
  id: string;
  task?: string;
  question: string;
  answer: string;
  baseline: { text: string; correct: boolean };
  runs: Array<{ method: Method; prompt: PromptType; text: string; correct: boolean; insideBefore: number; insideAfter: number; steps: number; error?: string }>;
}

/** Accuracy table: rows baseline + each method, columns prompt types. */
export function markdownTable(title: string, baseline: Tally, cells: Map<string, Tally>, methods: readonly Method[], prompts: readonly PromptType[], labels: Record<string, string>): string {
  const fmt = (t: Tally | undefined) => (t && t.n ? `${t.pct().toFixed(1)} (n=${t.n})` : '–');
  const lines = [`**${title}**`, '', `| method | ${prompts.join(' | ')} |`, `|---|${prompts.map(() => '---').join('|')}|`];
  lines.push(`| baseline (no region) | ${prompts.map(() => fmt(baseline)).join(' | ')} |`);
  for (const m of methods) lines.push(`| ${labels[m]} | ${prompts.map((p) => fmt(cells.get(`${m}/${p}`))).join(' | ')} |`);
  return lines.join('\n');
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'score baseline vs ControlMLLM on ROC/RTC-style referring questions',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values: v } = parseArgs({ args: argv, strict: true, options: OPTIONS });
    for (const flag of ['model', 'questions', 'images'] as const) if (!v[flag]) throw new Error(`--${flag} is required\n${usage}`);
    const prompts: PromptType[] = !v.prompt || v.prompt === 'all' ? [...PROMPT_TYPES] : v.prompt.split(',').map((p) => {
      if (!PROMPT_TYPES.includes(p as PromptType)) throw new Error(`--prompt must be box, mask, scribble, point or all, got '${p}'`);
      return p as PromptType;
    });
    const methods: Method[] = !v.method || v.method === 'both' ? ['v1', 'pp'] : v.method === 'v1' || v.method === 'pp' ? [v.method] : (() => { throw new Error(`--method must be v1, pp or both, got '${v.method}'`); })();
    const all = parseQuestionFile(readFileSync(v.questions!, 'utf8'), v.questions!);
    const offset = numberFlag(v.offset, '--offset', { integer: true }) ?? 0;
    const limit = numberFlag(v.limit, '--limit', { integer: true }) ?? all.length;
    const questions = all.slice(offset, offset + limit);
    const release = await useBackend(v.backend, (s) => io.stderr(s));
    try {
      return await evaluate(v, questions, prompts, methods, offset, io);
    } finally {
      release();
    }
  },
};

type Values = ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: typeof OPTIONS }>>['values'];

async function evaluate(v: Values, questions: ReferQuestion[], prompts: PromptType[], methods: Method[], offset: number, io: CommandIO): Promise<number> {
  const session = await loadSession(v.model!);
  const es = v['early-stop'];
  const common: AskOptions = { maxNewTokens: numberFlag(v['max-new-tokens'], '--max-new-tokens', { integer: true }) ?? 30 };
  const settings: Record<Method, AskOptions> = {
    v1: {
      ...common, method: 'v1', steps: numberFlag(v.steps, '--steps', { integer: true }), alpha: numberFlag(v.alpha, '--alpha'), lr: numberFlag(v.lr, '--lr'), beta: numberFlag(v.beta, '--beta'),
      earlyStopPct: es === undefined ? undefined : es === 'off' ? null : numberFlag(es, '--early-stop'), sigma: numberFlag(v.sigma, '--sigma'),
      layers: layersFlag(v.layers, '--layers'), accumulate: v.accumulate ?? false,
    },
    pp: {
      ...common, method: 'pp', steps: numberFlag(v['pp-steps'], '--pp-steps', { integer: true }), alpha: numberFlag(v['pp-alpha'], '--pp-alpha'), lr: numberFlag(v['pp-lr'], '--pp-lr'),
      sigma: numberFlag(v['pp-sigma'], '--pp-sigma'), eps: numberFlag(v.eps, '--eps'), layers: layersFlag(v['pp-layers'], '--pp-layers'),
    },
  };
  const labels: Record<string, string> = {};
  for (const m of methods) {
    const s = Object.entries(settings[m]).filter(([k, x]) => x !== undefined && k !== 'method' && k !== 'maxNewTokens' && !(k === 'accumulate' && x === false));
    labels[m] = `${m === 'v1' ? 'ControlMLLM v1' : 'ControlMLLM++'}${s.length ? ` (${s.map(([k, x]) => `${k} ${Array.isArray(x) ? x.join(',') : x}`).join(', ')})` : ' (defaults)'}`;
  }

  const tasks = [...new Set(questions.map((q) => q.task ?? 'all'))];
  const tallies = new Map<string, { baseline: Tally; cells: Map<string, Tally>; inside: Map<string, { before: number; after: number; n: number }> }>();
  const tallyFor = (task: string) => {
    let t = tallies.get(task);
    if (!t) tallies.set(task, (t = { baseline: new Tally(), cells: new Map(), inside: new Map() }));
    return t;
  };
  const rows: EvalRow[] = [];
  const total = questions.length * prompts.length * methods.length;
  const t0 = performance.now();
  let done = 0;
  const progress = () => {
    if (v.quiet) return;
    const s = (performance.now() - t0) / 1000;
    const eta = done ? (s / done) * (total - done) : 0;
    const w = 30;
    const bar = '='.repeat(Math.round((w * done) / total)).padEnd(w);
    io.stderr(`\r[${bar}] ${done}/${total} runs, ${rows.length}/${questions.length} questions, ${s.toFixed(0)} s, eta ${eta.toFixed(0)} s `);
  };
  const imageCache = new Map<string, RgbImage>();
  const readImage = (p: string) => {
    let img = imageCache.get(p);
    if (!img) {
      img = readImageFile(join(v.images!, p));
      if (imageCache.size > 64) imageCache.clear();
      imageCache.set(p, img);
    }
    return img;
  };
  const readMask = (p: string) => maskFromRgb(readImage(p));

  for (const q of questions) {
    const image = readImage(q.image);
    const question = modelQuestion(q.question);
    const task = q.task ?? 'all';
    const t = tallyFor(task);
    const row: EvalRow = { id: q.id, task: q.task, question, answer: q.answer, baseline: { text: '', correct: false }, runs: [] };
    let haveBaseline = false;
    for (const prompt of prompts) {
      for (const method of methods) {
        const key = `${method}/${prompt}`;
        try {
          const region = visualPrompt(q, prompt, readMask);
          const r = await askAboutRegion(session, { image, question, regions: [region] }, { ...settings[method], computeBaseline: !haveBaseline });
          if (!haveBaseline && r.baseline) {
            haveBaseline = true;
            row.baseline = { text: r.baseline.text, correct: isCorrect(r.baseline.text, q.answer, q.synonyms) };
            t.baseline.add(row.baseline.correct);
          }
          const correct = isCorrect(r.controlled.text, q.answer, q.synonyms);
          row.runs.push({ method, prompt, text: r.controlled.text, correct, insideBefore: r.insideRatio.before, insideAfter: r.insideRatio.after, steps: r.steps });
          let cell = t.cells.get(key);
          if (!cell) t.cells.set(key, (cell = new Tally()));
          cell.add(correct);
          const ins = t.inside.get(key) ?? { before: 0, after: 0, n: 0 };
          t.inside.set(key, { before: ins.before + r.insideRatio.before, after: ins.after + r.insideRatio.after, n: ins.n + 1 });
        } catch (e) {
          // A region the grid cannot see (e.g. cropped away) counts as wrong, as a failed run would.
          row.runs.push({ method, prompt, text: '', correct: false, insideBefore: NaN, insideAfter: NaN, steps: 0, error: (e as Error).message });
          let cell = t.cells.get(key);
          if (!cell) t.cells.set(key, (cell = new Tally()));
          cell.add(false);
        }
        done++;
        progress();
      }
    }
    rows.push(row);
  }
  if (!v.quiet) io.stderr('\n');

  const summary = Object.fromEntries([...tallies].map(([task, t]) => [task, {
    baseline: { accuracy: t.baseline.pct(), n: t.baseline.n, ci95: t.baseline.ci95() },
    ...Object.fromEntries(methods.map((m) => [m, Object.fromEntries(prompts.map((p) => {
      const c = t.cells.get(`${m}/${p}`);
      const ins = t.inside.get(`${m}/${p}`);
      return [p, { accuracy: c?.pct() ?? NaN, n: c?.n ?? 0, ci95: c?.ci95() ?? NaN, insideBefore: ins ? ins.before / ins.n : NaN, insideAfter: ins ? ins.after / ins.n : NaN }];
    }))])),
  }]));
  const seconds = (performance.now() - t0) / 1000;
  const report = { model: v.model, questions: v.questions, offset, count: questions.length, prompts, methods, settings: Object.fromEntries(methods.map((m) => [m, settings[m]])), seconds, summary, rows };
  const md = [...tallies].map(([task, t]) => markdownTable(`${task === 'all' ? v.questions! : `task ${task}`}: accuracy % (${t.baseline.n} questions)`, t.baseline, t.cells, methods, prompts, labels)).join('\n\n');
  const insideLines = [...tallies].flatMap(([task, t]) => methods.flatMap((m) => prompts.map((p) => {
    const ins = t.inside.get(`${m}/${p}`);
    return ins ? `${task} ${m} ${p}: in-region attention ${(ins.before / ins.n).toFixed(3)} → ${(ins.after / ins.n).toFixed(3)}` : '';
  }))).filter(Boolean);
  if (v.out) writeFileSync(v.out, `${JSON.stringify(report, null, 1)}\n`);
  if (v.markdown) writeFileSync(v.markdown, `${md}\n`);
  io.stdout(`${md}\n\n${insideLines.join('\n')}\n${seconds.toFixed(0)} s\n`);
  return 0;
}
