/**
 * ControlMLLM against Hugging Face's LLaVA (test/fixtures/tiny-llava): energies and their gradients
 * w.r.t. the latent, and whole optimisation trajectories (v1 accumulate/clean × early stop on/off, ++).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { grad } from '../../src/autograd/index.js';
import { makeObjective } from '../../src/controlmllm/objective.js';
import { optimizeLatent, optimizePP, optimizeV1 } from '../../src/controlmllm/optimize.js';
import { generate } from '../../src/model/generate.js';
import { loadLlava } from '../../src/model/load-node.js';
import { openSafetensorsFile } from '../../src/safetensors/node.js';
import * as T from '../../src/tensor/index.js';
import { relError } from '../helpers/op-cases.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'tiny-llava');
const meta = JSON.parse(readFileSync(path.join(dir, 'fixture.json'), 'utf8'));
const fx = openSafetensorsFile(path.join(dir, 'fixture.safetensors'));
const model = loadLlava(dir);
const ids = Array.from(fx.readFloat64('input_ids'));
const pixels = T.fromArray(fx.readFloat32('pixel_values'), [1, 3, 30, 30]);
const features = T.noGrad(() => model.encodeImage(pixels).imageFeatures); // [1, 25, 32]
const hard = fx.readFloat32('region_mask_flat');
const soft = fx.readFloat32('soft_weights');
const zeros = T.zeros([1, 25, 32]);
const allLayers = [0, 1];

function energyAndGrad(weights: Float32Array, queries: 'last' | 'after-image', recompute = false) {
  const objective = makeObjective(model, ids, features, [weights], { layers: allLayers, queries }, 1, 0, recompute);
  const z = zeros.detach().requireGrad();
  const { loss: e, attention: a } = objective(z);
  const [g] = grad(e, [z]);
  return { e: e.item(), g, a };
}

describe('energies and gradients w.r.t. the latent', () => {
  it('last-token energy, hard mask (energy, energy_grad_z)', () => {
    const { e, g } = energyAndGrad(hard, 'last');
    expect(relError([e], fx.readFloat32('energy'))).toBeLessThan(1e-4);
    expect(relError(g, fx.readFloat32('energy_grad_z'))).toBeLessThan(1e-3);
  });
  it('v1 energy: every token after the image (v1_energy, v1_energy_grad_z, v1_attn_to_image)', () => {
    const { e, g, a } = energyAndGrad(hard, 'after-image');
    expect(relError([e], fx.readFloat32('v1_energy'))).toBeLessThan(1e-4);
    expect(relError(g, fx.readFloat32('v1_energy_grad_z'))).toBeLessThan(1e-3);
    expect(relError(a, fx.readFloat32('v1_attn_to_image'))).toBeLessThan(1e-4);
  });
  it('v1 energy with every decoder layer recomputed in the backward (checkpoints) matches too', () => {
    const plain = energyAndGrad(hard, 'after-image');
    const { e, g } = energyAndGrad(hard, 'after-image', true);
    expect(relError([e], fx.readFloat32('v1_energy'))).toBeLessThan(1e-4);
    expect(relError(g, fx.readFloat32('v1_energy_grad_z'))).toBeLessThan(1e-3);
    expect(relError(g, plain.g)).toBeLessThan(1e-6);
  });
  it('soft energy with Gaussian weights (soft_energy, soft_energy_grad_z)', () => {
    const { e, g } = energyAndGrad(soft, 'after-image');
    expect(relError([e], fx.readFloat32('soft_energy'))).toBeLessThan(1e-4);
    expect(relError(g, fx.readFloat32('soft_energy_grad_z'))).toBeLessThan(1e-3);
  });
  it('a wrong region gives a different energy (the test can fail)', () => {
    const flipped = hard.map((w) => 1 - w);
    expect(Math.abs(energyAndGrad(flipped, 'last').e - fx.readFloat32('energy')[0])).toBeGreaterThan(1e-2);
  });
});

/** Greedy tokens from the prefill with `delta` added to the image features. */
function tokensWith(delta: T.Tensor, n: number): number[] {
  const { inputsEmbeds } = T.noGrad(() => model.embedWithImageFeatures(ids, features.add(delta)));
  return generate(model, inputsEmbeds, { maxNewTokens: n, eosTokenId: null }).tokens;
}

/** Tokens must match wherever HF's choice was not a near-tie (margin > 1e-3). */
function expectTokens(ours: number[], ref: number[], margins: number[]) {
  for (let i = 0; i < ref.length; i++) {
    if (ours.slice(0, i).join() !== ref.slice(0, i).join()) break; // after a legitimate divergence, stop
    if (margins[i] > 1e-3) expect(ours[i]).toBe(ref[i]);
  }
}

describe('v1 trajectories (plain gradient descent on α·E, EMA, early stop)', () => {
  const s = meta.v1_settings;
  it.each([
    ['v1_acc_es', true, true],
    ['v1_acc_noes', true, false],
    ['v1_clean_es', false, true],
    ['v1_clean_noes', false, false],
  ] as const)('%s', (name, accumulate, es) => {
    const objective = makeObjective(model, ids, features, [hard], { layers: allLayers, queries: 'after-image' }, s.alpha);
    const r = optimizeV1(objective, zeros, { steps: s.T, lr: s.lr, beta: s.beta, earlyStopPct: es ? s.thr : null, accumulate });
    const ref = meta.trajectories[name];
    expect(r.losses).toHaveLength(ref.losses.length);
    expect(relError(r.losses, fx.readFloat32(`${name}_losses`))).toBeLessThan(1e-3);
    if (ref.steps !== undefined) expect(r.steps).toBe(ref.steps);
    expect(r.stop).toBe(es && ref.steps < ref.losses.length ? 'early-stop' : 'done');
    expect(relError(r.finalDelta, fx.readFloat32(`${name}_final_delta`))).toBeLessThan(1e-3);
    expectTokens(tokensWith(r.finalDelta, s.n_new), ref.tokens, ref.top1_top2_margins);
  });
});

describe('++ trajectory (Adam, last token, layer range)', () => {
  it('pp', () => {
    const s = meta.pp_settings;
    const objective = makeObjective(model, ids, features, [hard], { layers: s.layers, queries: 'last' }, s.alpha);
    const r = optimizePP(objective, zeros, { steps: s.steps, lr: s.lr, beta1: s.b1, beta2: s.b2, eps: s.eps });
    const ref = meta.trajectories.pp;
    expect(r.losses).toHaveLength(ref.losses.length);
    expect(relError(r.losses, fx.readFloat32('pp_losses'))).toBeLessThan(1e-3);
    expect(relError(r.finalDelta, fx.readFloat32('pp_final_delta'))).toBeLessThan(1e-3);
    expectTokens(tokensWith(r.finalDelta, s.n_new), ref.tokens, ref.top1_top2_margins);
  });
});

describe('optimizeLatent (the one entry point of pipeline, trace and bench)', () => {
  const s = meta.v1_settings;
  const v1 = { method: 'v1' as const, steps: s.T, alpha: s.alpha, lr: s.lr, layers: allLayers, beta: s.beta, earlyStopPct: null, accumulate: false, eps: 1e-3 };
  it('follows the v1 trajectory; step 0 reports the unedited attention, which is the "before"', () => {
    const seen: number[][] = [];
    const r = optimizeLatent(model, ids, features, [hard], { ...v1, onStep: (st) => seen.push(st.attention.toArray()) });
    expect(relError(r.losses, fx.readFloat32('v1_clean_noes_losses'))).toBeLessThan(1e-3);
    expect(relError(r.finalDelta, fx.readFloat32('v1_clean_noes_final_delta'))).toBeLessThan(1e-3);
    expect(relError(r.attention.before, fx.readFloat32('v1_attn_to_image'))).toBeLessThan(1e-4);
    expect(r.attention.before.toArray()).toEqual(seen[0]);
    expect(seen).toHaveLength(s.T);
    const after = T.noGrad(() => makeObjective(model, ids, features, [hard], { layers: allLayers, queries: 'after-image' }, 1)(r.finalDelta).attention);
    expect(r.attention.after.toArray()).toEqual(after.toArray());
    expect(relError(r.attention.after, r.attention.before)).toBeGreaterThan(1e-2); // the optimisation moved it
  });
  it('++ (Adam on the latent) follows the pp trajectory and leaves its start untouched', () => {
    const p = meta.pp_settings;
    const start = T.zeros([1, 25, 32]);
    const r = optimizePP(makeObjective(model, ids, features, [hard], { layers: p.layers, queries: 'last' }, p.alpha), start, { steps: p.steps, lr: p.lr, beta1: p.b1, beta2: p.b2, eps: p.eps });
    const viaLatent = optimizeLatent(model, ids, features, [hard], { ...v1, method: 'pp', steps: p.steps, alpha: p.alpha, lr: p.lr, layers: p.layers, eps: p.eps });
    expect(viaLatent.finalDelta.toArray()).toEqual(r.finalDelta.toArray());
    expect(relError(viaLatent.losses, fx.readFloat32('pp_losses'))).toBeLessThan(1e-3);
    expect(start.toArray().every((x) => x === 0)).toBe(true);
  });
});

describe('robustness', () => {
  it('a non-finite energy stops with a warning and keeps the last finite latent', () => {
    let calls = 0;
    const objective = makeObjective(model, ids, features, [hard], { layers: allLayers, queries: 'after-image' }, 40);
    const poisoned = (d: T.Tensor) => {
      const { loss, attention } = objective(d);
      return { loss: ++calls === 3 ? loss.mul(NaN) : loss, attention };
    };
    const r = optimizeV1(poisoned, zeros, { steps: 5, lr: 1, beta: 0.5, earlyStopPct: null, accumulate: false });
    expect(r.stop).toBe('non-finite');
    expect(r.losses).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/^step 2: non-finite loss \(NaN\)/);
    expect(r.finalDelta.toArray().every(Number.isFinite)).toBe(true);
  });
});

describe('attentionMaps (the optimisation prefill)', () => {
  it('stops at the deepest requested layer and returns the same probabilities as a full decode', () => {
    const embeds = T.noGrad(() => model.embedWithImageFeatures(ids, features).inputsEmbeds);
    const full = T.noGrad(() => model.decode(embeds, { captureAttention: 'all' }).attentions);
    const partial = T.noGrad(() => model.attentionMaps(embeds, [0]));
    expect([...partial.keys()]).toEqual([0]);
    expect(relError(partial.get(0)!, full.get(0)!)).toBe(0);
    expect(relError(full.get(0)!, fx.readFloat32('attentions.0'))).toBeLessThan(1e-4);
  });
});

describe('several regions and contrastive decoding', () => {
  it('the energy of several regions is the sum of their energies', async () => {
    const { energy, regionEnergy, imageAttention } = await import('../../src/controlmllm/energy.js');
    const embeds = T.noGrad(() => model.embedWithImageFeatures(ids, features).inputsEmbeds);
    const a = imageAttention(model.attentionMaps(embeds, allLayers), { start: 4, length: 25 }, { layers: allLayers, queries: 'after-image' });
    const other = hard.map((w, i) => (i % 2 ? 1 : 0) * (1 - w));
    const both = energy(a, [hard, other]).item();
    expect(both).toBeCloseTo(regionEnergy(a, hard).item() + regionEnergy(a, other).item(), 6);
    expect(both).toBeGreaterThan(regionEnergy(a, hard).item() + 1e-3);
  });

  it('contrastive decoding: α = 0 is greedy; α > 0 follows (1+α)·cond − α·uncond over the plausible tokens', async () => {
    const { contrastiveGenerate } = await import('../../src/controlmllm/contrastive.js');
    const delta = T.randn([1, 25, 32], { seed: 9, std: 2 });
    const cond = T.noGrad(() => model.embedWithImageFeatures(ids, features.add(delta)).inputsEmbeds);
    const uncond = T.noGrad(() => model.embedWithImageFeatures(ids, features).inputsEmbeds);
    const greedy = generate(model, cond, { maxNewTokens: 4 }).tokens;
    expect(contrastiveGenerate(model, cond, uncond, { alpha: 0, beta: 0.1, maxNewTokens: 4 })).toEqual(greedy);
    const lc = T.noGrad(() => model.decode(cond).logits.select(1, -1).toArray());
    const lu = T.noGrad(() => model.decode(uncond).logits.select(1, -1).toArray());
    const max = Math.max(...lc);
    const pc = lc.map((l) => Math.exp(l - max)); // unnormalised p_cond / max p_cond
    let best = -1;
    lc.forEach((l, i) => {
      if (pc[i] >= 0.1 && (best < 0 || 2 * l - lu[i] > 2 * lc[best] - lu[best])) best = i;
    });
    expect(contrastiveGenerate(model, cond, uncond, { alpha: 1, beta: 0.1, maxNewTokens: 1 })[0]).toBe(best);
  });
});
