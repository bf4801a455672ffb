/**
 * Writes a random-weight Qwen2.5-VL checkpoint folder (see random-qwen-checkpoint.ts), by default at the
 * published Qwen2.5-VL-7B-Instruct sizes:
 *
 *   npx esbuild scripts/make-random-qwen-checkpoint.ts --bundle --platform=node --format=esm --packages=external \
 *     --outfile=tmp/make-random-qwen-checkpoint.mjs && node tmp/make-random-qwen-checkpoint.mjs \
 *     --out /work/scratch-qwen7b [--config config.json] [--dtype BF16|F16] [--shards N] [--seed S]
 *
 * The 7B needs 16.6 GB of disk (written in 42 s here); memory holds one 64 MB chunk at a time.
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { QWEN25VL_7B_CONFIG, writeRandomQwenCheckpoint } from './random-qwen-checkpoint.js';

const { values: v } = parseArgs({ options: { config: { type: 'string' }, out: { type: 'string' }, dtype: { type: 'string' }, shards: { type: 'string' }, seed: { type: 'string' } } });
if (!v.out) {
  console.error('usage: make-random-qwen-checkpoint --out <new dir> [--config config.json (default: Qwen2.5-VL-7B-Instruct)] [--dtype BF16|F16] [--shards N] [--seed S]');
  process.exit(2);
}
if (v.dtype !== undefined && v.dtype !== 'F16' && v.dtype !== 'BF16') {
  console.error(`--dtype: expected BF16 or F16, got ${v.dtype}`);
  process.exit(2);
}
const config = v.config === undefined ? QWEN25VL_7B_CONFIG : (JSON.parse(fs.readFileSync(v.config, 'utf8')) as Record<string, unknown>);
const t0 = Date.now();
writeRandomQwenCheckpoint(config, v.out, {
  dtype: v.dtype as 'F16' | 'BF16' | undefined,
  shards: v.shards === undefined ? undefined : Number(v.shards),
  seed: v.seed === undefined ? undefined : Number(v.seed),
  progress: (file, bytes) => console.log(`${file}: ${(bytes / 1e9).toFixed(2)} GB (${((Date.now() - t0) / 1000).toFixed(0)} s)`),
});
console.log(`done in ${((Date.now() - t0) / 1000).toFixed(0)} s → ${v.out}`);
