/**
 * Training the bundled default model: a small LLaVA (CLIP-style ViT → projector → Llama) learns to
 * *describe* synthetic scenes (synthetic.ts), never regions, the way LLaVA is instruction-tuned:
 * multi-turn conversations `USER: <image>\nQ1 ASSISTANT: A1</s>USER: Q2 ASSISTANT: A2</s>…`,
 * cross-entropy on the answer tokens (and their </s>) only, AdamW with warm-up + cosine decay and
 * gradient clipping.
 *
 * Reproducible: weights are initialised from the seed, and the batch of step s is drawn from an Rng
 * seeded by (seed, s), so a run resumed from a checkpoint (weights + AdamW moments + step) continues
 * exactly as an uninterrupted one. The output folder is a llava-hf model folder the normal loader reads.
 */
import { existsSync, mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { AdamW } from '../optim/adamw.js';
import { grad } from '../autograd/grad.js';
import { ChatTemplate } from '../io/chat-template.js';
import { parseClipProcessorConfig } from '../io/clip-preprocess.js';
import { HfTokenizer } from '../io/tokenizer-hf.js';
import type { Backend } from '../kernels/backend.js';
import { Rng, tidy } from '../tensor/index.js';
import { featurePerturbation, tokenKeepMask } from './augment.js';
import { loadCheckpoint, saveCheckpoint, writeWeights } from './checkpoint.js';
import { encodeConversation, pixelBatch } from './conversation.js';
import { heldOutAccuracy, type HeldOutReport } from './held-out.js';
import { freezeVisionTower, initModel } from './init.js';
import { llavaTrainLoss, mergedTargets } from './loss.js';
import { modelFiles, type ModelShape } from './synthetic-files.js';
import { trainSample, type TrainSample } from './synthetic.js';


export interface TrainOptions {
  seed: number;
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  /** Final learning rate as a fraction of lr (cosine decay). */
  minLrFrac: number;
  weightDecay: number;
  clip: number;
  shape: ModelShape;
  /** Conversation turns per image. */
  turns: number;
  /** Share of one-object scenes. */
  singleShare: number;
  /** Multi-object scenes also ask "What shape is the red object?" / "What colour is the circle?". */
  named?: boolean;
  /** Two-choice wrong options share an attribute with the right one half the time. */
  hardNegatives?: boolean;
  /** Multi-object scenes are also asked to count and to list their objects left to right (default true). */
  listing?: boolean;
  /** Share of multi-object scenes of one shape, also asked "What shape is the object?" (default 0). */
  sameShapeShare?: number;
  /** Share of multi-object scenes with one clearly larger main object, also asked the one-object questions about it (default 0). */
  mainObjectShare?: number;
  radius: [number, number];
  checkpointEvery: number;
  /** Held-out description questions answered at the end (0: skip). */
  evalQuestions: number;
  /** Std of Gaussian noise added to the image features while training (0 or absent: none). */
  featureNoise?: number;
  /** Std per channel of a per-sample shift added inside and (another) outside a random box of the token grid (augment.ts; 0 or absent: none). */
  featureShift?: number;
  /** Probability of zeroing each image token of a sample, or a range to draw it from per sample (augment.ts; 0 or absent: none). */
  tokenDrop?: number | [number, number];
  /** A model folder whose vision tower starts this one and stays frozen (LLaVA's frozen CLIP). */
  visionFrom?: string;
}

/**
 * The previous bundled model (until 2026-12-02; weights/default/TRAINING.md, "History"): 48 px images,
 * 6×6 tokens, a 48-wide vision tower trained with the decoder. It reads colour, not shape.
 */
export const SMALL_TRAIN: TrainOptions = {
  seed: 1,
  steps: 900,
  batch: 16,
  lr: 2e-3,
  warmup: 50,
  minLrFrac: 0.1,
  weightDecay: 0.01,
  clip: 1,
  shape: {
    imageSize: 48,
    patchSize: 8,
    vision: { hidden: 48, layers: 3, heads: 4, intermediate: 192 },
    text: { hidden: 64, layers: 2, heads: 4, intermediate: 172 },
  },
  turns: 3,
  singleShare: 0.6,
  radius: [6, 10],
  checkpointEvery: 100,
  evalQuestions: 200,
};

/**
 * Stage 1 of the bundled model, and a model of its own (`--recipe shape`): 64 px images with objects of
 * radius 10–16 (8×8 tokens), a 96-wide vision tower trained with a 96-wide decoder, per-object questions in
 * multi-object scenes and two-choice options that share an attribute. It reads shape (95 % on one-object
 * scenes) but ControlMLLM does not steer it; its vision tower is what the bundled model sees with.
 */
export const SHAPE_TRAIN: TrainOptions = {
  ...SMALL_TRAIN,
  steps: 2500,
  warmup: 100,
  shape: {
    imageSize: 64,
    patchSize: 8,
    vision: { hidden: 96, layers: 4, heads: 6, intermediate: 384 },
    text: { hidden: 96, layers: 2, heads: 6, intermediate: 256 },
  },
  singleShare: 0.55,
  radius: [10, 16],
  named: true,
  hardNegatives: true,
};

/**
 * The bundled model, stage 2 (stage 1 is SHAPE_TRAIN, whose vision tower it freezes, as LLaVA freezes
 * CLIP): a 64-wide decoder trained on descriptions in which half the multi-object scenes have a main
 * object that "the object" questions ask about, with Gaussian noise (σ 0.3) on the image features and 30 %
 * of the image tokens zeroed per sample, for 5000 steps (twice stage 1's). The token drop makes the
 * decoder read an object from the tokens inside it, which is where a mask prompt moves the attention.
 * How much ControlMLLM can steer this decoder depends on the run (TRAINING.md); this seed was chosen on
 * validation. `visionFrom` is filled in by the caller (train-default trains stage 1 first when it is not given).
 */
export const DEFAULT_TRAIN: TrainOptions = {
  ...SHAPE_TRAIN,
  steps: 5000,
  shape: { ...SHAPE_TRAIN.shape, text: SMALL_TRAIN.shape.text },
  featureNoise: 0.3,
  tokenDrop: 0.3,
  mainObjectShare: 0.5,
};

/** A model small enough for tests (a few steps in seconds). */
export const TINY_TRAIN: TrainOptions = {
  ...SMALL_TRAIN,
  steps: 4,
  batch: 4,
  warmup: 2,
  shape: {
    imageSize: 16,
    patchSize: 8,
    vision: { hidden: 8, layers: 2, heads: 2, intermediate: 16 },
    text: { hidden: 16, layers: 1, heads: 2, intermediate: 32 },
  },
  turns: 2,
  radius: [3, 5],
  checkpointEvery: 2,
  evalQuestions: 0,
};

export interface TrainHooks {
  /** Called after every step. */
  progress?: (info: StepLog & { total: number }) => void;
  log?: (line: string) => void;
  /** Stop (as if interrupted) once this many steps are done and checkpointed; for resume tests. */
  stopAfter?: number;
  /** Where the model is trained (default: the default backend). */
  backend?: Backend;
}

export interface StepLog {
  step: number;
  loss: number;
  lr: number;
  gradNorm: number;
  seconds: number;
}

export interface TrainResult {
  steps: number;
  resumedFrom: number;
  finalLoss: number;
  seconds: number;
  heldOut?: HeldOutReport;
}

/** Learning rate at step s (0-based): linear warm-up, then cosine to minLrFrac·lr. */
export function lrAt(o: Pick<TrainOptions, 'lr' | 'warmup' | 'steps' | 'minLrFrac'>, s: number): number {
  if (s < o.warmup) return (o.lr * (s + 1)) / o.warmup;
  const p = Math.min(1, (s - o.warmup) / Math.max(1, o.steps - o.warmup));
  return o.lr * (o.minLrFrac + (1 - o.minLrFrac) * 0.5 * (1 + Math.cos(Math.PI * p)));
}

/** Seed of the batch of step s: a 32-bit mix of (seed, s). */
export function stepSeed(seed: number, s: number): number {
  let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(s + 1, 0xc2b2ae35)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0;
  return (h ^ (h >>> 15)) >>> 0;
}

function sampleBatch(o: TrainOptions, s: number): TrainSample[] {
  const rng = new Rng(stepSeed(o.seed, s));
  const grid = o.shape.imageSize / o.shape.patchSize;
  return Array.from({ length: o.batch }, () => trainSample(rng, { size: o.shape.imageSize, radius: o.radius, grid, turns: o.turns, singleShare: o.singleShare, named: o.named, hardNegatives: o.hardNegatives, listing: o.listing, sameShapeShare: o.sameShapeShare, mainObjectShare: o.mainObjectShare }));
}

/** What every step of one training run shares. */
interface Run {
  model: ReturnType<typeof initModel>['model'];
  tok: HfTokenizer;
  template: ChatTemplate;
  processor: ReturnType<typeof parseClipProcessorConfig>;
  o: TrainOptions;
  trained: ReturnType<typeof initModel>['params'];
  opt: AdamW;
  imageTokens: number;
}

/**
 * Step s: a batch, the loss, its gradients and one AdamW update, in one tidy scope, so that its arrays
 * come back for the next step (and live in the backend's memory, where its kernels work in place)
 * instead of becoming garbage.
 */
function trainStep(r: Run, s: number, lr: number): { loss: number; gradNorm: number } {
  const { model, tok, template, processor, o, trained, opt, imageTokens } = r;
  return tidy(() => {
    const samples = sampleBatch(o, s);
    const augmentSeed = stepSeed(o.seed ^ 0x5eed, s);
    const enc = samples.map((x) => encodeConversation(tok, template, model.config.image_token_index, x.turns));
    const L = Math.max(...enc.map((e) => e.suffix.length));
    const pad = (xs: number[], v: number) => [...xs, ...new Array<number>(L - xs.length).fill(v)];
    const leaves = trained.map((p) => p.tensor.requireGrad());
    const { loss } = llavaTrainLoss(model, {
      pixels: pixelBatch(samples.map((x) => x.image), processor, model.backend),
      prefix: enc[0].prefix,
      suffix: enc.map((e) => pad(e.suffix, tok.padId ?? 0)),
      targets: enc.map((e) => mergedTargets(e.prefix.length, imageTokens, pad(e.labels, -100))),
      featureNoise: featurePerturbation(o.batch, imageTokens, model.config.text_config.hidden_size, { noise: o.featureNoise ?? 0, shift: o.featureShift ?? 0 }, augmentSeed, model.backend),
      featureKeep: tokenKeepMask(o.batch, imageTokens, o.tokenDrop ?? 0, augmentSeed, model.backend),
    });
    const grads = grad(loss, leaves);
    leaves.forEach((p) => p.requireGrad(false));
    return { loss: loss.item(), gradNorm: opt.step(grads, lr, o.clip) };
  });
}

// ---------------------------------------------------------------------------------------------------
// The loop

/**
 * Trains into the model folder `outDir`; checkpoints (weights, AdamW moments, step) and train-log.jsonl
 * go to `checkpointDir` (default outDir/checkpoint), from which a later call resumes.
 */
export function trainDefaultModel(o: TrainOptions, outDir: string, hooks: TrainHooks = {}, resume = true, checkpointDir = join(outDir, 'checkpoint')): TrainResult {
  const t0 = performance.now();
  mkdirSync(outDir, { recursive: true });
  const files = modelFiles(o.shape);
  const tok = HfTokenizer.fromFiles(files['tokenizer.json'], files['tokenizer_config.json']);
  const template = ChatTemplate.fromFiles({ 'tokenizer_config.json': files['tokenizer_config.json'] });
  const processor = parseClipProcessorConfig(JSON.parse(files['preprocessor_config.json']));
  const { model, params } = initModel(JSON.parse(files['config.json']), o.seed, hooks.backend);
  const trained = o.visionFrom ? freezeVisionTower(params, o.visionFrom) : params;
  const imageTokens = (o.shape.imageSize / o.shape.patchSize) ** 2;
  const opt = new AdamW(trained.map((p) => p.tensor), { weightDecay: o.weightDecay, beta2: 0.98 });
  const ckpt = checkpointDir;
  mkdirSync(ckpt, { recursive: true });
  const logFile = join(ckpt, 'train-log.jsonl');
  let start = 0;
  if (resume && existsSync(join(ckpt, 'state.json'))) {
    start = loadCheckpoint(ckpt, trained, opt, o);
    hooks.log?.(`resumed from ${ckpt} at step ${start}`);
  } else {
    writeFileSync(logFile, '');
  }
  if (start >= o.steps) hooks.log?.(`already trained for ${start} steps`);
  hooks.log?.(`model: ${params.reduce((n, p) => n + p.tensor.size, 0)} parameters (${trained.reduce((n, p) => n + p.tensor.size, 0)} trained), ${imageTokens} image tokens, backend ${model.backend.name}`);
  let last = NaN;
  for (let s = start; s < o.steps; s++) {
    const ts = performance.now();
    const lr = lrAt(o, s);
    const { loss: stepLoss, gradNorm } = trainStep({ model, tok, template, processor, o, trained, opt, imageTokens }, s, lr);
    last = stepLoss;
    const entry: StepLog = { step: s + 1, loss: last, lr, gradNorm, seconds: (performance.now() - ts) / 1000 };
    appendFileSync(logFile, `${JSON.stringify(entry)}\n`);
    hooks.progress?.({ ...entry, total: o.steps });
    if (!Number.isFinite(last)) throw new Error(`loss is ${last} at step ${s + 1}; lower --lr`);
    if ((s + 1) % o.checkpointEvery === 0 || s + 1 === o.steps) saveCheckpoint(ckpt, trained, opt, s + 1, o);
    if (hooks.stopAfter !== undefined && s + 1 >= hooks.stopAfter && s + 1 < o.steps) {
      return { steps: s + 1, resumedFrom: start, finalLoss: last, seconds: (performance.now() - t0) / 1000 };
    }
  }
  // The model files go in only now, with the weights: an interrupted run leaves no half-written model.
  for (const [name, text] of Object.entries(files)) writeFileSync(join(outDir, name), text);
  writeWeights(join(outDir, 'model.safetensors'), params);
  const result: TrainResult = { steps: o.steps, resumedFrom: start, finalLoss: last, seconds: (performance.now() - t0) / 1000 };
  if (o.evalQuestions > 0) result.heldOut = heldOutAccuracy(model, tok, template, processor, o, o.evalQuestions);
  return result;
}
