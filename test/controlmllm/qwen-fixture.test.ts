/**
 * ControlMLLM / ControlMLLM++ on Qwen2.5-VL against tiny-qwen25vl (the official controlmllm++/qwen2_5_vl
 * code on HF transformers, float32): the box mask, pooled attention, energies and their gradients, and the
 * 3-step Adam trajectory with the tokens it leads to.
 */
import { valueAndGrad } from '../../src/autograd/grad.js';
import { imageAttention } from '../../src/controlmllm/energy.js';
import { boxMask, boxWindow } from '../../src/controlmllm/grid-box.js';
import { makeObjective } from '../../src/controlmllm/objective.js';
import { optimizeLatent } from '../../src/controlmllm/optimize.js';
import { generate } from '../../src/model/generate.js';
import { loadQwen25VL } from '../../src/model/qwen2_5_vl/load-node.js';
import { Tensor, noGrad } from '../../src/tensor/index.js';
import { maxAbs, qints, qref, qtensor, qwenDir, qwenMeta, relErr } from '../model/qwen2_5_vl/qwen-fixture.js';

const cm = qwenMeta.controlmllm;
const grid = qints('image_grid_thw') as unknown as [number, number, number];

describe('ControlMLLM++ on Qwen2.5-VL vs the official code', () => {
  const model = loadQwen25VL(qwenDir);
  const ids = qints('input_ids');
  const prompt = model.forPrompt(model.ropeIndex(ids, [grid]));
  const embeds = qtensor('image_embeds'); // [24, 48]
  const mask = boxMask(cm.box_xyxy_original_pixels, 150, 100, 4, 6);
  const zeros = () => Tensor.of(new Float32Array(24 * 48), [24, 48], embeds.backend);
  // the v1 / ++ pooling of the fixture (layers 1..2 = attentions[1:3]; all 3 layers)
  const pp = { layers: [1, 2], queries: 'last' as const };
  const v1 = { layers: [0, 1, 2], queries: 'after-image' as const };

  it('box → merged-grid mask (floor/ceil, clipped, no crop)', () => {
    const w = boxWindow(cm.box_xyxy_original_pixels, 150, 100, 4, 6);
    expect([w.xStart, w.yStart, w.xEnd, w.yEnd]).toEqual(cm.att_window_xs_ys_xe_ye);
    expect(Array.from(mask)).toEqual(qints('region_mask_flat'));
    expect(Array.from(mask)).toEqual(qints('region_mask'));
    expect(() => boxMask([200, 10, 220, 20], 150, 100, 4, 6)).toThrow(/lies outside the 150×100 image/);
  });

  it.each([['pp', pp, 1e-6], ['v1', v1, 0]] as const)('%s: pooled attention, energy (1e-5) and dE/dz (1e-4 rel)', (name, pooling, eps) => {
    const objective = makeObjective(prompt, ids, embeds, [mask], pooling, 1, eps);
    const f = valueAndGrad((z: Tensor) => {
      const { loss, attention } = objective(z);
      return { value: loss, aux: attention };
    }, { hasAux: true });
    const { value: e, aux: attention, grads: [g] } = f(zeros());
    expect(relErr(attention.toTypedArray(), qref(`${name}_attn_to_image`).data)).toBeLessThan(1e-5);
    expect(Math.abs(e.item() - qref(`${name}_energy`).data[0]) / qref(`${name}_energy`).data[0]).toBeLessThan(1e-5);
    expect(relErr(g.toTypedArray(), qref(`${name}_energy_grad_z`).data)).toBeLessThan(1e-4);
    expect(prompt.embedWithImageFeatures(ids, embeds).imageSpan).toEqual({ start: 15, length: 24 });
  });

  it('the pooled attention is what imageAttention reads between <|vision_start|> and <|vision_end|>', () => {
    const a = noGrad(() => imageAttention(prompt.attentionMaps(prompt.embedWithImageFeatures(ids, embeds).inputsEmbeds, [1, 2]), { start: 15, length: 24 }, pp));
    expect(relErr(a.toTypedArray(), qref('pp_attn_to_image').data)).toBeLessThan(1e-5);
  });

  it('++ trajectory: 3 Adam steps (lr 0.02, ε 1e-3, α 400): losses, final latent, tokens', () => {
    const s = cm.pp_settings;
    const o = { method: 'pp' as const, steps: s.steps, alpha: s.alpha, lr: s.lr, layers: pp.layers, beta: 0, earlyStopPct: null, accumulate: false, eps: s.eps, energyEps: s.loss_eps };
    const r = optimizeLatent(prompt, ids, embeds, [mask], o);
    const want = qref('pp_losses').data;
    r.losses.forEach((l, i) => expect(Math.abs(l - want[i]) / want[i]).toBeLessThan(1e-4));
    expect(maxAbs(r.finalDelta.toTypedArray(), qref('pp_final_latent').data)).toBeLessThan(2e-4);
    const after = noGrad(() => makeObjective(prompt, ids, embeds, [mask], pp, s.alpha, s.loss_eps)(r.finalDelta).loss.item());
    expect(Math.abs(after - cm.pp_trajectory.loss_after_last_update) / after).toBeLessThan(1e-4);
    expect(relErr(r.attention.before.toTypedArray(), qref('pp_attn_to_image').data)).toBeLessThan(1e-5);
    const { inputsEmbeds } = noGrad(() => prompt.embedWithImageFeatures(ids, embeds.add(r.finalDelta)));
    const tokens = generate(prompt, inputsEmbeds, { maxNewTokens: 5, eosTokenId: null }).tokens;
    expect(tokens).toEqual(qints('pp_tokens'));
    expect(tokens).not.toEqual(qints('greedy_new_tokens')); // the latent changed the answer
  });
});
