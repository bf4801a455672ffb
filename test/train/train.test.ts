/**
 * Training the default model: reproducible (same seed and options → byte-identical safetensors, also
 * across an interruption + resume), the loss goes down, the batched training loss equals the inference
 * path's cross-entropy (AdamW's own tests: test/optim/adamw.test.ts).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_TRAIN, lrAt, trainDefaultModel, type StepLog } from '../../src/train/train-default.js';
import { encodeConversation } from '../../src/train/conversation.js';
import { initModel } from '../../src/train/init.js';
import { modelFiles } from '../../src/train/synthetic-files.js';
import { trainSample } from '../../src/train/synthetic.js';
import { ChatTemplate } from '../../src/io/chat-template.js';
import { parseClipProcessorConfig, preprocess } from '../../src/io/clip-preprocess.js';
import { HfTokenizer } from '../../src/io/tokenizer-hf.js';
import { loadLlava } from '../../src/model/load-node.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import { llavaTrainLoss, mergedTargets } from '../../src/train/loss.js';
import { Rng, fromArray, noGrad } from '../../src/tensor/index.js';
import { arenaStats, resetArenaStats } from '../../src/tensor/arena.js';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('train-default', () => {
  const dirs: string[] = [];
  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'train-test-'));
    dirs.push(d);
    return d;
  };
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  test('the same seed and options give byte-identical weights; an interrupted run resumes to the same bytes', () => {
    const o = { ...TINY_TRAIN, steps: 4 };
    const [a, b, c] = [fresh(), fresh(), fresh()];
    trainDefaultModel(o, a);
    trainDefaultModel(o, b);
    expect(sha(join(a, 'model.safetensors'))).toBe(sha(join(b, 'model.safetensors')));
    const partial = trainDefaultModel(o, c, { stopAfter: 2 });
    expect(partial.steps).toBe(2);
    const resumed = trainDefaultModel(o, c);
    expect(resumed.resumedFrom).toBe(2);
    expect(sha(join(c, 'model.safetensors'))).toBe(sha(join(a, 'model.safetensors')));
    expect(sha(join(a, 'model.safetensors'))).not.toBe(sha(join(trainDefaultModel({ ...o, seed: 2 }, fresh()) && dirs[dirs.length - 1], 'model.safetensors')));
    // the folder is a model folder the strict loader reads
    const model = loadLlava(a);
    expect(model.config.vision_config.image_size).toBe(16);
  });

  test('each step is a tidy scope: later steps take the arrays of the earlier ones instead of fresh ones', () => {
    const counts = [4, 8].map((steps) => {
      resetArenaStats();
      trainDefaultModel({ ...TINY_TRAIN, steps }, fresh());
      return { ...arenaStats };
    });
    const [fresh4, reused4] = [counts[1].fresh - counts[0].fresh, counts[1].reused - counts[0].reused]; // the 4 extra steps
    expect(reused4).toBeGreaterThan(3 * fresh4);
  });

  test('the loss decreases', () => {
    const losses: StepLog[] = [];
    trainDefaultModel({ ...TINY_TRAIN, steps: 12, lr: 1e-2 }, fresh(), { progress: (p) => losses.push(p) });
    expect(losses).toHaveLength(12);
    const first = (losses[0].loss + losses[1].loss) / 2;
    const last = (losses[10].loss + losses[11].loss) / 2;
    expect(last).toBeLessThan(first - 0.5);
  });

  test('visionFrom: the vision tower starts from another model and stays frozen; the rest trains; a mismatched tower is refused', () => {
    const tower = fresh();
    trainDefaultModel({ ...TINY_TRAIN, steps: 2, seed: 7 }, tower);
    const out = fresh();
    const res = trainDefaultModel({ ...TINY_TRAIN, steps: 3, visionFrom: tower }, out, {}, true);
    expect(res.steps).toBe(3);
    const t = openSafetensorsFile(join(tower, 'model.safetensors'));
    const o = openSafetensorsFile(join(out, 'model.safetensors'));
    const init = initModel(JSON.parse(modelFiles(TINY_TRAIN.shape)['config.json']), TINY_TRAIN.seed).params;
    const vision = o.names().filter((n) => n.startsWith('vision_tower.'));
    expect(vision.length).toBeGreaterThan(5);
    for (const n of vision) expect(Array.from(o.readFloat32(n))).toEqual(Array.from(t.readFloat32(n)));
    // the projector and the decoder moved away from their seeded initialisation
    const proj = init.find((p) => p.name === 'multi_modal_projector.linear_1.weight')!;
    const moved = o.readFloat32(proj.name).some((v, i) => Math.abs(v - (proj.tensor.data as Float32Array)[i]) > 1e-6);
    expect(moved).toBe(true);
    // an interrupted run resumes to the same bytes (the frozen tower is reloaded, not checkpointed)
    const resumed = fresh();
    expect(trainDefaultModel({ ...TINY_TRAIN, steps: 3, visionFrom: tower }, resumed, { stopAfter: 2 }).steps).toBe(2);
    expect(trainDefaultModel({ ...TINY_TRAIN, steps: 3, visionFrom: tower }, resumed).resumedFrom).toBe(2);
    expect(sha(join(resumed, 'model.safetensors'))).toBe(sha(join(out, 'model.safetensors')));
    const wider = fresh();
    trainDefaultModel({ ...TINY_TRAIN, steps: 1, shape: { ...TINY_TRAIN.shape, vision: { ...TINY_TRAIN.shape.vision, intermediate: 24 } } }, wider);
    expect(() => trainDefaultModel({ ...TINY_TRAIN, steps: 1, visionFrom: wider }, fresh())).toThrow(/fc1\.weight is \[24,8\], this model's is \[16,8\]/);
  });

  test.each([
    ['featureNoise', { featureNoise: 0.5 }, { featureNoise: 0 }],
    ['tokenDrop', { tokenDrop: 0.5 }, { tokenDrop: 0 }],
  ])('%s: seeded (same bytes twice), and it changes what is learned', (_, on, off) => {
    const o = { ...TINY_TRAIN, steps: 3, ...on };
    const [a, b, c] = [fresh(), fresh(), fresh()];
    trainDefaultModel(o, a);
    trainDefaultModel(o, b);
    trainDefaultModel({ ...o, ...off }, c);
    expect(sha(join(a, 'model.safetensors'))).toBe(sha(join(b, 'model.safetensors')));
    expect(sha(join(a, 'model.safetensors'))).not.toBe(sha(join(c, 'model.safetensors')));
  });

  test('learning-rate schedule: warm-up then cosine to minLrFrac', () => {
    const o = { lr: 1, warmup: 10, steps: 110, minLrFrac: 0.1 };
    expect(lrAt(o, 0)).toBeCloseTo(0.1);
    expect(lrAt(o, 9)).toBeCloseTo(1);
    expect(lrAt(o, 60)).toBeCloseTo(0.55);
    expect(lrAt(o, 110)).toBeCloseTo(0.1);
  });
});

describe('llavaTrainLoss', () => {
  test('batched, padded loss = token-weighted mean of per-sample cross-entropies from the inference decode', () => {
    const files = modelFiles(TINY_TRAIN.shape);
    const tok = HfTokenizer.fromFiles(files['tokenizer.json'], files['tokenizer_config.json']);
    const template = ChatTemplate.fromFiles({ 'tokenizer_config.json': files['tokenizer_config.json'] });
    const processor = parseClipProcessorConfig(JSON.parse(files['preprocessor_config.json']));
    const { model } = initModel(JSON.parse(files['config.json']), 5);
    const N = 4;
    const rng = new Rng(4);
    const samples = [trainSample(rng, { size: 16, radius: [3, 5], grid: 2, turns: 1 }), trainSample(rng, { size: 16, radius: [3, 5], grid: 2, turns: 3 })];
    const enc = samples.map((s) => encodeConversation(tok, template, 3, s.turns));
    const L = Math.max(...enc.map((e) => e.suffix.length));
    const pixels = samples.map((s) => preprocess(s.image, processor).pixelValues);
    // reference: each sample alone through the inference path (embed + decode), CE summed over targets
    let sum = 0;
    let count = 0;
    enc.forEach((e, b) => {
      const ids = [...e.prefix, ...e.suffix];
      const targets = mergedTargets(e.prefix.length, N, e.labels);
      const logits = noGrad(() => model.decode(model.embed(ids, fromArray(pixels[b], [1, 3, 16, 16])).inputsEmbeds).logits);
      const V = logits.shape[2];
      const lp = logits.reshape([targets.length, V]).logSoftmax(-1).toArray();
      targets.forEach((t, i) => {
        if (t === -100) return;
        sum -= lp[i * V + t];
        count++;
      });
    });
    const pad = (xs: number[], v: number) => [...xs, ...new Array<number>(L - xs.length).fill(v)];
    const flat = new Float32Array(2 * 3 * 16 * 16);
    pixels.forEach((p, b) => flat.set(p, b * 3 * 16 * 16));
    const batch = {
      pixels: fromArray(flat, [2, 3, 16, 16]),
      prefix: enc[0].prefix,
      suffix: enc.map((e) => pad(e.suffix, 4)),
      targets: enc.map((e) => mergedTargets(e.prefix.length, N, pad(e.labels, -100))),
    };
    const { loss, count: n } = noGrad(() => llavaTrainLoss(model, batch));
    expect(n).toBe(count);
    expect(loss.item()).toBeCloseTo(sum / count, 4);

    // featureKeep zeroes the dropped tokens' features: the same loss as adding −features there.
    const keep = [1, 0, 1, 1, 0, 0, 1, 1]; // [2, N, 1]
    const clean = noGrad(() => model.encodeImage(batch.pixels).imageFeatures.toArray()); // [2, N, C]
    const C = clean.length / (2 * N);
    const minus = Float32Array.from(clean, (v, i) => (keep[Math.floor(i / C)] ? 0 : -v));
    const kept = noGrad(() => llavaTrainLoss(model, { ...batch, featureKeep: fromArray(keep, [2, N, 1]) }).loss.item());
    const subtracted = noGrad(() => llavaTrainLoss(model, { ...batch, featureNoise: fromArray(minus, [2, N, C]) }).loss.item());
    expect(kept).toBeCloseTo(subtracted, 5);
    expect(Math.abs(kept - loss.item())).toBeGreaterThan(1e-4);
  });

  test('mergedTargets: position t predicts the suffix token at t+1; image and prefix rows have none', () => {
    // prefix [<s>, user, :, <image>] (P = 3 text rows), N = 2 image rows, suffix labels [-100, 7, 2]
    expect(mergedTargets(4, 2, [-100, 7, 2])).toEqual([-100, -100, -100, -100, -100, 7, 2, -100]);
  });
});
