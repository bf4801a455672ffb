/**
 * `controlmllm train-default`: trains the bundled default model (a small LLaVA on synthetic scenes, see
 * src/train/train-default.ts) with this engine's autograd, resumable from its checkpoint.
 */
import { parseArgs } from 'node:util';
import { existsSync } from 'node:fs';
import { writeFileAtomic } from '../../io/output-file-node.js';
import { join } from 'node:path';
import { DEFAULT_TRAIN, SHAPE_TRAIN, SMALL_TRAIN, TINY_TRAIN, trainDefaultModel, type TrainOptions } from '../../train/train-default.js';
import type { Backend } from '../../kernels/backend.js';
import { createWasmBackend } from '../../kernels/wasm/index.js';
import { cpu } from '../../kernels/cpu/index.js';
import { numberFlag } from '../flags.js';
import type { Command, CommandIO } from '../command.js';

const DEFAULT_OUT = 'weights/trained';

const usage = `usage: controlmllm train-default [--out DIR] [--force] [--checkpoint DIR] [--steps N] [--batch B] [--lr LR]
        [--seed S] [--tiny] [--recipe default|shape|small] [--vision-from DIR] [--backend wasm|cpu] [--no-resume]
        [--eval-questions N]

Trains the default LLaVA-architecture model on synthetic scene descriptions (never regions) and writes
a llava-hf model folder (config.json, model.safetensors, tokenizer files, preprocessor_config.json).
Checkpoints (weights + AdamW state + step) and train-log.jsonl go to --checkpoint (default
OUT/checkpoint); running the same command again resumes from there. The model files are written at
the end; a folder that already holds a model (the bundled weights/default included) is only
overwritten with --force.

options:
  --out DIR             model folder to write (default ${DEFAULT_OUT})
  --force               replace the model already in --out (regenerating weights/default is: --out weights/default --force)
  --checkpoint DIR      checkpoint folder (default OUT/checkpoint)
  --steps N --batch B --lr LR --seed S   override the defaults (${DEFAULT_TRAIN.steps}, ${DEFAULT_TRAIN.batch}, ${DEFAULT_TRAIN.lr}, ${DEFAULT_TRAIN.seed})
  --tiny                a tiny model (tests, smoke runs)
  --recipe R            default: the bundled model, in two stages as LLaVA (stage 1 is the shape recipe,
                        whose vision tower stage 2 freezes; stage 1 goes to CHECKPOINT/vision-tower unless
                        --vision-from names it); shape: stage 1 alone (a 64 px model that reads shape but that
                        ControlMLLM does not steer); small: the previous bundled model (48 px, 6×6 tokens)
  --vision-from DIR     a model folder whose vision tower this model starts from and keeps frozen
  --backend wasm|cpu    wasm (one thread, default) or the reference CPU backend
  --no-resume           start from scratch even if a checkpoint exists
  --eval-questions N    held-out description questions answered at the end (default ${DEFAULT_TRAIN.evalQuestions})`;

/** A folder with config.json or model.safetensors holds a model: refuse to replace it unless forced. */
export function refuseOverwrite(out: string, force: boolean): void {
  const present = ['config.json', 'model.safetensors'].filter((f) => existsSync(join(out, f)));
  if (present.length && !force) {
    throw new Error(`${out} already holds a model (${present.join(', ')}); pass --force to replace it, or choose another --out`);
  }
}

const fmtTime = (s: number) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, '0')}`;

/** One training run with a progress line, then OUT/training-result.json (options and result). */
async function trainStage(o: TrainOptions, out: string, checkpoint: string, resume: boolean, backend: Backend, io: CommandIO) {
  const tty = Boolean((process.stderr as { isTTY?: boolean }).isTTY);
  let avg = 0;
  const progress = (p: { step: number; total: number; loss: number; lr: number; gradNorm: number; seconds: number }) => {
    avg = avg ? 0.95 * avg + 0.05 * p.seconds : p.seconds;
    const width = 30;
    const done = Math.round((width * p.step) / p.total);
    const line = `[${'='.repeat(done)}${' '.repeat(width - done)}] ${p.step}/${p.total} loss ${p.loss.toFixed(4)} lr ${p.lr.toExponential(2)} |g| ${p.gradNorm.toFixed(2)} ${avg.toFixed(2)} s/step eta ${fmtTime(avg * (p.total - p.step))}`;
    if (tty) io.stderr(`\r${line}`);
    else if (p.step % 10 === 0 || p.step === p.total) io.stderr(`${line}\n`);
  };
  const result = trainDefaultModel(o, out, { backend, log: (line) => io.stderr(`${line}\n`), progress }, resume, checkpoint);
  if (tty) io.stderr('\n');
  await writeFileAtomic(join(out, 'training-result.json'), `${JSON.stringify({ options: o, ...result }, null, 2)}\n`);
  return result;
}

export const trainDefaultCommand: Command = {
  name: 'train-default',
  summary: 'train the bundled default model on synthetic scenes (resumable)',
  usage,
  async run(argv: string[], io: CommandIO): Promise<number> {
    const { values: v } = parseArgs({
      args: argv,
      strict: true,
      options: {
        out: { type: 'string' },
        checkpoint: { type: 'string' },
        steps: { type: 'string' },
        batch: { type: 'string' },
        lr: { type: 'string' },
        seed: { type: 'string' },
        tiny: { type: 'boolean' },
        recipe: { type: 'string' },
        force: { type: 'boolean' },
        backend: { type: 'string' },
        'no-resume': { type: 'boolean' },
        'eval-questions': { type: 'string' },
        'vision-from': { type: 'string' },
      },
    });
    const RECIPES: Record<string, TrainOptions> = { default: DEFAULT_TRAIN, shape: SHAPE_TRAIN, small: SMALL_TRAIN };
    if (v.recipe !== undefined && !(v.recipe in RECIPES)) throw new Error(`--recipe must be default, shape or small, got '${v.recipe}'`);
    if (v.tiny && v.recipe !== undefined) throw new Error('--tiny and --recipe contradict each other');
    const base = v.tiny ? TINY_TRAIN : RECIPES[v.recipe ?? 'default'];
    if (v['vision-from'] !== undefined && !existsSync(join(v['vision-from'], 'model.safetensors'))) throw new Error(`--vision-from ${v['vision-from']}: no model.safetensors there`);
    const o: TrainOptions = {
      ...base,
      steps: numberFlag(v.steps, '--steps', { integer: true }) ?? base.steps,
      batch: numberFlag(v.batch, '--batch', { integer: true }) ?? base.batch,
      lr: numberFlag(v.lr, '--lr') ?? base.lr,
      seed: numberFlag(v.seed, '--seed', { integer: true }) ?? base.seed,
      evalQuestions: numberFlag(v['eval-questions'], '--eval-questions', { integer: true }) ?? base.evalQuestions,
      ...(v['vision-from'] !== undefined ? { visionFrom: v['vision-from'] } : {}),
    };
    const out = v.out ?? DEFAULT_OUT;
    refuseOverwrite(out, Boolean(v.force));
    const name = v.backend ?? 'wasm';
    if (name !== 'wasm' && name !== 'cpu') throw new Error(`--backend must be wasm or cpu, got '${name}'`);
    const backend = name === 'wasm' ? await createWasmBackend({ threads: 1, cacheBytes: 64 * 2 ** 20 }) : cpu;
    const checkpoint = v.checkpoint ?? join(out, 'checkpoint');
    const resume = !v['no-resume'];
    if ((v.recipe ?? 'default') === 'default' && o.visionFrom === undefined) {
      // Stage 1: the vision tower, trained with a decoder of its own that is then dropped (--tiny: both tiny).
      const vision = join(checkpoint, 'vision-tower');
      io.stderr(`stage 1 of 2: the vision tower (${v.tiny ? '--tiny' : '--recipe shape'}, seed ${o.seed}) → ${vision}\n`);
      await trainStage({ ...(v.tiny ? TINY_TRAIN : SHAPE_TRAIN), seed: o.seed, evalQuestions: 0 }, vision, join(vision, 'checkpoint'), resume, backend, io);
      io.stderr(`stage 2 of 2: the decoder on the frozen vision tower → ${out}\n`);
      o.visionFrom = vision;
    }
    const result = await trainStage(o, out, checkpoint, resume, backend, io);
    io.stdout(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  },
};
