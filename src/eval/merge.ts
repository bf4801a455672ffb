/**
 * `eval merge`: the answers files of a sharded run → one answers file (question order, one block per
 * method and prompt: what the official eval.py reads) and one report, the report an unsharded run gives.
 * Refuses files made with other settings or another question file, answers present in two files
 * (overlap), and questions answered by none (gap).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { latestByKey, lineKey, metaMismatch, metaPath, readAnswers, readMeta, type AnswerLine, type RunMeta } from './answers-file.js';
import { sha256 } from './evaluate.js';
import { readQuestionFile, type Split } from './questions-official.js';
import { buildReport, type Report } from './report.js';
import { window } from './selection.js';

export interface MergeResult {
  meta: RunMeta;
  lines: AnswerLine[];
  report: Report;
}

/** The shards' metas, checked to agree with the first. */
function agreedMeta(files: readonly string[]): RunMeta {
  if (files.length === 0) throw new Error('eval merge: no answers files given');
  const metas = files.map(readMeta);
  metas.forEach((m, i) => {
    const why = metaMismatch(metas[0], m);
    if (why) throw new Error(`eval merge: ${files[i]} was made with other settings than ${files[0]} (${why})`);
  });
  return { ...metas[0], shard: null };
}

/** Every (method, prompt, question) exactly once over the files, or an error naming the overlap or gap. */
function combine(files: readonly string[], meta: RunMeta, indices: readonly number[], warn: (s: string) => void): Map<string, AnswerLine> {
  const merged = new Map<string, AnswerLine>();
  const from = new Map<string, string>();
  for (const f of files) {
    for (const [key, line] of latestByKey(readAnswers(f, warn))) {
      if (merged.has(key)) throw new Error(`eval merge: overlap: ${key} (question ${line.question_id}) is in both ${from.get(key)} and ${f}`);
      merged.set(key, line);
      from.set(key, f);
    }
  }
  const expected = indices.flatMap((index) => meta.methods.flatMap((method) => meta.prompts.map((prompt) => lineKey({ method, prompt, index }))));
  const missing = expected.filter((k) => !merged.has(k));
  if (missing.length) throw new Error(`eval merge: gap: ${missing.length} of ${expected.length} answers missing (first: ${missing.slice(0, 5).join(', ')}); is a shard missing or unfinished?`);
  const extra = [...merged.keys()].filter((k) => !expected.includes(k));
  if (extra.length) throw new Error(`eval merge: ${extra.length} answers are outside the run's questions (first: ${extra[0]})`);
  return merged;
}

/** Merges `files` (answers files of one sharded run) against the question file they were made from. */
export function mergeAnswers(questionsFile: string, files: readonly string[], warn: (s: string) => void = () => {}): MergeResult {
  const meta = agreedMeta(files);
  const text = readFileSync(questionsFile, 'utf8');
  if (sha256(text) !== meta.questions.sha256) throw new Error(`eval merge: ${questionsFile} is not the question file the answers were made from (sha256 differs)`);
  const q = meta.questions;
  const selection = window(readQuestionFile(text, questionsFile, q.split as Split | null).selected, q.offset, q.limit);
  const merged = combine(files, meta, selection.map((x) => x.index), warn);
  const lines = meta.methods.flatMap((method) => meta.prompts.flatMap((prompt) => selection.map((x) => merged.get(lineKey({ method, prompt, index: x.index }))!)));
  return { meta: { ...meta, questions: { ...q, file: questionsFile } }, lines, report: buildReport(meta, selection, merged) };
}

/** Writes a merged answers file and its meta, refusing to overwrite. */
export function writeMerged(out: string, r: MergeResult): void {
  if (existsSync(out)) throw new Error(`${out} exists: choose another --answers-file for the merged answers`);
  writeFileSync(out, r.lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  writeFileSync(metaPath(out), `${JSON.stringify(r.meta, null, 1)}\n`);
}
