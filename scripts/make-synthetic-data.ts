/**
 * Writes the synthetic referring benchmark (validation + test splits) for the default model:
 *
 *   npx esbuild scripts/make-synthetic-data.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=tmp/make-synthetic-data.mjs && node tmp/make-synthetic-data.mjs [--out tmp/synthetic] [--per-task N] [--split val|test]
 *
 * Each split is a pure function of its seed (val 2001, test 3001), so the files need not be committed.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_SPLITS, writeReferSplit } from '../src/train/synthetic-write.js';

const { values: v } = parseArgs({ options: { out: { type: 'string' }, 'per-task': { type: 'string' }, split: { type: 'string' }, size: { type: 'string' } } });
const out = v.out ?? 'tmp/synthetic';
const size = Number(v.size ?? 48);
for (const spec of DEFAULT_SPLITS) {
  if (v.split && v.split !== spec.name) continue;
  const perTask = v['per-task'] ? Number(v['per-task']) : spec.perTask;
  const files = writeReferSplit(out, { ...spec, perTask }, { size, grid: size / 8 });
  console.log(`${spec.name}: ${perTask} questions per task → ${files.join(', ')}`);
}
