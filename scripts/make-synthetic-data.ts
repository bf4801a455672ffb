/**
 * Writes the synthetic referring benchmark (validation + test splits) for the default model:
 *
 *   npx esbuild scripts/make-synthetic-data.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=tmp/make-synthetic-data.mjs && node tmp/make-synthetic-data.mjs [--out tmp/synthetic] [--per-task N] [--split val|test]
 *     [--official-roc] [--single] [--size PX] [--recipe default|shape|small]
 *
 * Scenes have the bundled model's geometry (src/train/train-default.ts DEFAULT_TRAIN: 64 px, object radius
 * 10–16, 8×8 token grid; --recipe shape has the same), or with --recipe small that of the previous bundled
 * model (SMALL_TRAIN: 48 px, radius 6–10, 6×6); --size changes the image side (radius and grid scale with it).
 *
 * --single writes instead the one-object splits val-single (seed 2002) and test-single (seed 3002): the
 * same three tasks on scenes with a single object, where the baseline (no region) measures what the model
 * reads without any region: its own caption accuracy.
 * --official-roc also writes the ROC questions in the official ROC form and layout under <split>/ROC/
 * (question_roc.json, image/, mask/): the same scenes and questions as <split>/question_roc.json, since
 * ROC is the first task drawn from the seed.
 *
 * Each split is a pure function of its seed (val 2001, test 3001), so the files need not be committed.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { writeOfficialRoc } from '../src/eval/write-official.js';
import { DEFAULT_TRAIN, SHAPE_TRAIN, SMALL_TRAIN } from '../src/train/train-default.js';
import { DEFAULT_SPLITS, writeReferSplit } from '../src/train/synthetic-write.js';
import type { SceneOptions } from '../src/train/synthetic.js';

const { values: v } = parseArgs({ options: { out: { type: 'string' }, 'per-task': { type: 'string' }, split: { type: 'string' }, size: { type: 'string' }, 'official-roc': { type: 'boolean' }, single: { type: 'boolean' }, recipe: { type: 'string' } } });
const out = v.out ?? 'tmp/synthetic';
const RECIPES = { default: DEFAULT_TRAIN, shape: SHAPE_TRAIN, small: SMALL_TRAIN };
if (v.recipe && !(v.recipe in RECIPES)) throw new Error(`--recipe must be default, shape or small, got '${v.recipe}'`);
const recipe = RECIPES[(v.recipe ?? 'default') as keyof typeof RECIPES];
const { imageSize, patchSize } = recipe.shape;
const size = v.size ? Number(v.size) : imageSize;
if (!Number.isInteger(size) || size % patchSize !== 0) throw new Error(`--size must be a multiple of the patch size ${patchSize}, got '${v.size}'`);
const scale = size / imageSize;
const scene: SceneOptions = { size, grid: size / patchSize, radius: [recipe.radius[0] * scale, recipe.radius[1] * scale], ...(v.single ? { objects: [1, 1] } : {}) };
const splits = v.single ? DEFAULT_SPLITS.map((s) => ({ ...s, name: `${s.name}-single`, seed: s.seed + 1 })) : DEFAULT_SPLITS;
for (const spec of splits) {
  if (v.split && v.split !== spec.name) continue;
  const perTask = v['per-task'] ? Number(v['per-task']) : spec.perTask;
  const files = writeReferSplit(out, { ...spec, perTask }, scene);
  console.log(`${spec.name}: ${perTask} questions per task → ${files.join(', ')}`);
  if (v['official-roc']) console.log(`${spec.name}: official ROC form → ${writeOfficialRoc(join(out, spec.name, 'ROC'), spec.seed, perTask, scene)}`);
}
