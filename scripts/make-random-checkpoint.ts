/**
 * Writes a random-weight LLaVA checkpoint shaped like a real one (see random-checkpoint.ts):
 *
 *   npx esbuild scripts/make-random-checkpoint.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=tmp/make-random-checkpoint.mjs && node tmp/make-random-checkpoint.mjs \
 *     --from ../shared/llava-1.5-7b-hf --out /work/scratch-7b [--dtype F16|BF16] [--shards N] [--seed S]
 *
 * The 7B needs 14.1 GB of disk and about 100 MB of memory (one 64 MB chunk at a time).
 */
import { parseArgs } from 'node:util';
import { writeRandomCheckpoint } from './random-checkpoint.js';

const { values: v } = parseArgs({ options: { from: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' }, shards: { type: 'string' }, seed: { type: 'string' } } });
if (!v.from || !v.out) {
  console.error('usage: make-random-checkpoint --from <dir with config.json> --out <new dir> [--dtype F16|BF16] [--shards N] [--seed S]');
  process.exit(2);
}
if (v.dtype !== undefined && v.dtype !== 'F16' && v.dtype !== 'BF16') {
  console.error(`--dtype: expected F16 or BF16, got ${v.dtype}`);
  process.exit(2);
}
const t0 = Date.now();
writeRandomCheckpoint(v.from, v.out, {
  dtype: v.dtype as 'F16' | 'BF16' | undefined,
  shards: v.shards === undefined ? undefined : Number(v.shards),
  seed: v.seed === undefined ? undefined : Number(v.seed),
  progress: (file, bytes) => console.log(`${file}: ${(bytes / 1e9).toFixed(2)} GB (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
});
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s → ${v.out}`);
