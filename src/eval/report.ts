/**
 * The report of a run (or of merged shards): built only from the questions, the answers lines and the
 * run's settings, so that a resumed run, a sharded run merged and an uninterrupted run give the same
 * report. Accuracy forms are scored with the official rule; caption forms with BLEU-4 and CIDEr-D.
 * Failed questions are counted and listed apart: they are neither right nor wrong.
 */
import type { Method } from '../controlmllm/pipeline.js';
import { configKey, type AnswerLine, type RunMeta } from './answers-file.js';
import { captionScores } from './metrics.js';
import { SCORING, type EvalQuestion, type PromptType } from './question.js';
import { isCorrect, Tally } from './score.js';

export interface CellReport {
  n: number;
  failed: number;
  /** Accuracy forms, percent. */
  baseline?: number;
  controlled?: number;
  /** Half-widths of the 95 % intervals of baseline and controlled, in points. */
  baselineCi95?: number;
  ci95?: number;
  /** Caption forms, ×100 as the papers print them. */
  bleu4?: [number, number];
  ciderD?: [number, number];
  insideBefore: number;
  insideAfter: number;
}

export interface Report {
  meta: Omit<RunMeta, 'shard'>;
  scoring: 'accuracy' | 'caption';
  /** task → "method/prompt" → cell. */
  cells: Record<string, Record<string, CellReport>>;
  failures: Array<{ question_id: string | number; index: number; method: Method; prompt: PromptType; error: string }>;
  notComputed?: string[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

function accuracyCell(lines: AnswerLine[], byIndex: Map<number, EvalQuestion>): Partial<CellReport> {
  const [b, c] = [new Tally(), new Tally()];
  for (const l of lines) {
    const q = byIndex.get(l.index)!;
    b.add(isCorrect(l.answers![0], q.name, q.synonyms));
    c.add(isCorrect(l.answers![1], q.name, q.synonyms));
  }
  return { baseline: b.pct(), controlled: c.pct(), baselineCi95: b.ci95(), ci95: c.ci95() };
}

function captionCell(lines: AnswerLine[], byIndex: Map<number, EvalQuestion>): Partial<CellReport> {
  const score = (t: 0 | 1) => captionScores(lines.map((l) => ({ answer: l.answers![t], references: byIndex.get(l.index)!.references })));
  const [b, c] = [score(0), score(1)];
  return { bleu4: [100 * b.bleu4, 100 * c.bleu4], ciderD: [100 * b.ciderD, 100 * c.ciderD] };
}

/** The report over `questions` (the run's selection) from the latest line per question and config. */
export function buildReport(meta: RunMeta, questions: readonly EvalQuestion[], latest: ReadonlyMap<string, AnswerLine>): Report {
  const { shard: _shard, ...rest } = meta;
  const scoring = SCORING[meta.questions.form as EvalQuestion['form']];
  const byIndex = new Map(questions.map((q) => [q.index, q]));
  const groups = new Map<string, Map<string, AnswerLine[]>>();
  const failures: Report['failures'] = [];
  for (const q of questions) {
    for (const method of meta.methods) {
      for (const prompt of meta.prompts) {
        const l = latest.get(`${method}/${prompt}#${q.index}`);
        if (!l) continue;
        const task = q.task ?? meta.questions.form;
        if (!groups.has(task)) groups.set(task, new Map());
        const g = groups.get(task)!;
        if (!g.has(configKey(l))) g.set(configKey(l), []);
        g.get(configKey(l))!.push(l);
        if (l.error !== undefined) failures.push({ question_id: l.question_id, index: l.index, method, prompt, error: l.error });
      }
    }
  }
  const cells: Report['cells'] = {};
  for (const [task, g] of groups) {
    cells[task] = {};
    for (const [key, all] of g) {
      const ok = all.filter((l) => l.error === undefined);
      const scored = scoring === 'accuracy' ? accuracyCell(ok, byIndex) : captionCell(ok, byIndex);
      cells[task][key] = { n: ok.length, failed: all.length - ok.length, ...scored, insideBefore: mean(ok.map((l) => l.inside?.[0] ?? NaN)), insideAfter: mean(ok.map((l) => l.inside?.[1] ?? NaN)) };
    }
  }
  const report: Report = { meta: rest, scoring, cells, failures };
  if (scoring === 'caption') report.notComputed = ['METEOR (needs the Java Meteor 1.5 jar)', 'SPICE (needs the Java SPICE 1.0 jar)'];
  return report;
}

const fmt = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '–' : x.toFixed(1));
/** "81.5 ± 3.1 (n=600)": an accuracy with its 95 % interval. */
const fmtCi = (x: number | undefined, ci: number | undefined, n: number | undefined) => `${fmt(x)}${ci === undefined || Number.isNaN(ci) ? '' : ` ± ${ci.toFixed(1)}`} (n=${n ?? 0})`;

/** The accuracy table of one task: rows baseline + each method, columns prompt types, failures apart. */
function accuracyTable(task: string, cells: Record<string, CellReport>, meta: Report['meta'], labels: Record<string, string>): string[] {
  const cell = (m: Method, p: PromptType) => cells[`${m}/${p}`];
  const lines = [`**${task}: accuracy % (official rule), ± the 95 % interval**`, '', `| method | ${meta.prompts.join(' | ')} |`, `|---|${meta.prompts.map(() => '---').join('|')}|`];
  const first = meta.methods[0];
  lines.push(`| baseline (no region) | ${meta.prompts.map((p) => fmtCi(cell(first, p)?.baseline, cell(first, p)?.baselineCi95, cell(first, p)?.n)).join(' | ')} |`);
  for (const m of meta.methods) lines.push(`| ${labels[m]} | ${meta.prompts.map((p) => fmtCi(cell(m, p)?.controlled, cell(m, p)?.ci95, cell(m, p)?.n)).join(' | ')} |`);
  for (const m of meta.methods) {
    if (meta.prompts.some((p) => cell(m, p)?.failed)) lines.push(`| failed, ${m} (not scored) | ${meta.prompts.map((p) => cell(m, p)?.failed ?? 0).join(' | ')} |`);
  }
  return lines;
}

function captionTable(task: string, cells: Record<string, CellReport>, labels: Record<string, string>): string[] {
  const lines = [`**${task}: referring description (×100)**`, '', '| method | prompt | BLEU-4 | CIDEr-D | METEOR | SPICE | n | failed |', '|---|---|---|---|---|---|---|---|'];
  for (const [key, c] of Object.entries(cells)) {
    const [m, p] = key.split('/');
    lines.push(`| baseline (no region) | ${p} | ${fmt(c.bleu4?.[0])} | ${fmt(c.ciderD?.[0])} | not computed | not computed | ${c.n} | ${c.failed} |`);
    lines.push(`| ${labels[m]} | ${p} | ${fmt(c.bleu4?.[1])} | ${fmt(c.ciderD?.[1])} | not computed | not computed | ${c.n} | ${c.failed} |`);
  }
  return lines;
}

/** The Markdown tables of a report, then the failures (at most 20 listed). */
export function markdownReport(report: Report): string {
  const labels: Record<string, string> = { v1: 'ControlMLLM v1', pp: 'ControlMLLM++' };
  const parts = Object.entries(report.cells).map(([task, cells]) =>
    (report.scoring === 'accuracy' ? accuracyTable(task, cells, report.meta, labels) : captionTable(task, cells, labels)).join('\n'),
  );
  const inside = Object.entries(report.cells).flatMap(([task, cells]) =>
    Object.entries(cells).filter(([, c]) => c.n > 0).map(([key, c]) => `${task} ${key}: ${c.insideBefore.toFixed(3)} → ${c.insideAfter.toFixed(3)}`),
  );
  if (inside.length) parts.push(`In-region share of the image attention, before → after:\n${inside.join('\n')}`);
  if (report.failures.length) {
    const list = report.failures.slice(0, 20).map((f) => `- question ${f.question_id} (${f.method}/${f.prompt}): ${f.error}`);
    if (report.failures.length > 20) list.push(`- … ${report.failures.length - 20} more in the JSON report`);
    parts.push([`**${report.failures.length} failed (counted apart, not as wrong answers)**`, '', ...list].join('\n'));
  }
  if (report.notComputed) parts.push(`Not computed: ${report.notComputed.join('; ')}.`);
  return parts.join('\n\n');
}
