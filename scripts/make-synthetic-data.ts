/**
 * Writes the synthetic referring benchmark (validation + test splits) for the default model:
 *
 *   npx esbuild scripts/make-synthetic-data.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=tmp/make-synthetic-data.mjs && node tmp/make-synthetic-data.mjs [--out tmp/synthetic] [--per-task N] [--split val|test]
 *     [--official-roc]
 *
 * --official-roc also writes the ROC questions in the official ROC form and layout under <split>/ROC/
 * (question_roc.json, image/, mask/): the same scenes and questions as <split>/question_roc.json, since
 * ROC is the first task drawn from the seed.
 *
 * Each split is a pure function of its seed (val 2001, test 3001), so the files need not be committed.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { writeOfficialRoc } from '../src/eval/write-official.js';
import { DEFAULT_SPLITS, writeReferSplit } from '../src/train/synthetic-write.js';

const { values: v } = parseArgs({ options: { out: { type: 'string' }, 'per-task': { type: 'string' }, split: { type: 'string' }, size: { type: 'string' }, 'official-roc': { type: 'boolean' } } });
const out = v.out ?? 'tmp/synthetic';
const size = Number(v.size ?? 48);
for (const spec of DEFAULT_SPLITS) {
  if (v.split && v.split !== spec.name) continue;
  const perTask = v['per-task'] ? Number(v['per-task']) : spec.perTask;
  const files = writeReferSplit(out, { ...spec, perTask }, { size, grid: size / 8 });
  console.log(`${spec.name}: ${perTask} questions per task → ${files.join(', ')}`);
  if (v['official-roc']) console.log(`${spec.name}: official ROC form → ${writeOfficialRoc(join(out, spec.name, 'ROC'), spec.seed, perTask, { size, grid: size / 8 })}`);
}
