/** Resumable training state on disk: weights, AdamW moments and step, written atomically. */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AdamW } from '../optim/adamw.js';
import { openSafetensorsFile, writeSafetensorsFile } from '../safetensors/node.js';
import { Tensor } from '../tensor/index.js';
import type { NamedParam } from './init.js';
import type { TrainOptions } from './train-default.js';

export function writeWeights(file: string, params: readonly NamedParam[], metadata?: Record<string, string>) {
  // Atomic (temp file + rename), so an interrupted run never leaves half a checkpoint.
  writeSafetensorsFile(file, params.map((p) => ({ name: p.name, dtype: 'F32' as const, shape: [...p.tensor.shape], data: p.tensor.data as Float32Array })), metadata);
}

export function saveCheckpoint(dir: string, params: readonly NamedParam[], opt: AdamW, step: number, o: TrainOptions) {
  mkdirSync(dir, { recursive: true });
  writeWeights(join(dir, 'model.safetensors'), params);
  const moments = params.flatMap((p, i) => [
    { name: `m.${p.name}`, tensor: Tensor.of(opt.state.m[i], p.tensor.shape, p.tensor.backend) },
    { name: `v.${p.name}`, tensor: Tensor.of(opt.state.v[i], p.tensor.shape, p.tensor.backend) },
  ]);
  writeWeights(join(dir, 'optimizer.safetensors'), moments, { step: String(opt.state.step) });
  const tmp = join(dir, 'state.json.tmp');
  writeFileSync(tmp, `${JSON.stringify({ step, options: o }, null, 2)}\n`);
  renameSync(tmp, join(dir, 'state.json'));
}

export function loadCheckpoint(dir: string, params: readonly NamedParam[], opt: AdamW, o: TrainOptions): number {
  const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { step: number; options: TrainOptions };
  const same = (x: TrainOptions) => JSON.stringify({ ...x, evalQuestions: 0, checkpointEvery: 0 });
  if (same(state.options) !== same(o)) {
    throw new Error(`${dir}: the checkpoint was made with other options; use a fresh --out or --no-resume\n  checkpoint: ${JSON.stringify(state.options)}\n  now:        ${JSON.stringify(o)}`);
  }
  const w = openSafetensorsFile(join(dir, 'model.safetensors'));
  const m = openSafetensorsFile(join(dir, 'optimizer.safetensors'));
  params.forEach((p, i) => {
    p.tensor.data.set(w.readFloat32(p.name));
    opt.state.m[i].set(m.readFloat32(`m.${p.name}`));
    opt.state.v[i].set(m.readFloat32(`v.${p.name}`));
  });
  opt.state.step = state.step;
  return state.step;
}
