/** Qwen2.5-VL merge, M-RoPE rope index and Qwen2 decoder against tiny-qwen25vl (HF transformers ~4.50, float32). */
import { generate } from '../../../src/model/generate.js';
import { loadQwen25VL } from '../../../src/model/qwen2_5_vl/load-node.js';
import { expandImagePads } from '../../../src/model/qwen2_5_vl/model.js';
import { ropeIndex } from '../../../src/model/qwen2_5_vl/rope.js';
import { noGrad } from '../../../src/tensor/index.js';
import { maxAbs, qcompare, qints, qref, qtensor, qwenDir, qwenMeta, relErr } from './qwen-fixture.js';

const TOL = 1e-4;
const grid = qints('image_grid_thw') as unknown as [number, number, number];

describe('Qwen2.5-VL decoder vs HF transformers', () => {
  const model = loadQwen25VL(qwenDir);
  const ids = qints('input_ids');
  const rope = model.ropeIndex(ids, [grid]);
  const run = noGrad(() => {
    const merged = model.embedWithImageFeatures(ids, qtensor('image_embeds'));
    const out = model.decode(merged.inputsEmbeds, { rope, captureAttention: 'all', outputHiddenStates: true });
    return { merged, out };
  });

  it('get_rope_index: position_ids exact and rope delta −18', () => {
    const want = qints('position_ids');
    expect([...rope.positionIds[0], ...rope.positionIds[1], ...rope.positionIds[2]]).toEqual(want);
    expect(rope.ropeDelta).toBe(qints('rope_deltas')[0]);
    expect(rope.ropeDelta).toBe(-18);
  });
  it('merged_inputs_embeds and the image span 15…38', () => {
    expect(qcompare(run.merged.inputsEmbeds, 'merged_inputs_embeds')).toBeLessThan(1e-6);
    expect(run.merged.imageSpan).toEqual({ start: 15, length: 24 });
    expect(qints('image_token_positions')[0]).toBe(15);
  });
  it.each([0, 1, 2, 3])('decoder_hidden_states.%i', (i) => {
    expect(qcompare(run.out.hiddenStates![i], `decoder_hidden_states.${i}`)).toBeLessThan(TOL);
  });
  it.each([0, 1, 2])('attentions.%i within 1e-5 abs', (i) => {
    const a = run.out.attentions.get(i)!;
    expect([...a.shape]).toEqual([1, 4, 51, 51]);
    expect(maxAbs(a.toTypedArray(), qref(`attentions.${i}`).data)).toBeLessThan(1e-5);
  });
  it('logits', () => expect(qcompare(run.out.logits, 'logits')).toBeLessThan(TOL));

  it('greedy tokens with the KV cache (rope deltas while decoding) and without it are the fixture\'s', () => {
    const dec = model.forPrompt(rope);
    const cached = generate(dec, run.merged.inputsEmbeds, { maxNewTokens: 5, eosTokenId: null, keepLogits: true });
    const full = generate(dec, run.merged.inputsEmbeds, { maxNewTokens: 5, eosTokenId: null, useCache: false });
    expect(cached.tokens).toEqual(qints('greedy_new_tokens'));
    expect(full.tokens).toEqual(qints('greedy_new_tokens_nocache'));
    expect(cached.tokens).toEqual(qwenMeta.greedy_new_tokens[0]);
    const steps = qref('greedy_step_logits').data;
    cached.stepLogits.forEach((l, k) => expect(relErr(l, steps.subarray(k * 200, (k + 1) * 200))).toBeLessThan(TOL));
  });

  it('the same ids with one lone <|image_pad|> expand to the processor\'s 24', () => {
    const lone = ids.filter((id, i) => id !== 198 || i === 15);
    expect(expandImagePads(lone, 198, [24])).toEqual(ids);
    expect(() => expandImagePads(lone, 198, [24, 4])).toThrow(/1 <\|image_pad\|> id\(s\) \(id 198\) for 2 image\(s\)/);
    expect(() => model.embedWithImageFeatures(lone, qtensor('image_embeds'))).toThrow(/expand it to 24 ids first/);
  });
});

describe('get_rope_index', () => {
  const cfg = { image_token_id: 9, video_token_id: 8, vision_start_token_id: 7, spatialMergeSize: 2 };
  it('text only: 0…T−1 on all axes, delta 0', () => {
    const r = ropeIndex([1, 2, 3], [], cfg);
    expect(r.positionIds).toEqual([[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
    expect(r.ropeDelta).toBe(0);
  });
  it('two images: each text run continues after the largest position so far', () => {
    // [a, <vs>, 2 pads (2×4 patches → 1×2 merged), b, <vs>, 4 pads (4×4 → 2×2), c]
    const r = ropeIndex([1, 7, 9, 9, 2, 7, 9, 9, 9, 9, 3], [[1, 2, 4], [1, 4, 4]], cfg);
    expect(r.positionIds).toEqual([
      [0, 1, 2, 2, 4, 5, 6, 6, 6, 6, 8],
      [0, 1, 2, 2, 4, 5, 6, 6, 7, 7, 8],
      [0, 1, 2, 3, 4, 5, 6, 7, 6, 7, 8],
    ]);
    expect(r.ropeDelta).toBe(9 - 11);
  });
  it('refuses videos, missing grids and a wrong number of pads', () => {
    expect(() => ropeIndex([7, 8, 8], [], cfg)).toThrow(/video inputs are not supported/);
    expect(() => ropeIndex([7, 9, 9], [], cfg)).toThrow(/1 image\(s\) after <\|vision_start\|> .* but 0 image_grid_thw row/);
    expect(() => ropeIndex([7, 9, 9, 9], [[1, 2, 4]], cfg)).toThrow(/needs 2 consecutive <\|image_pad\|>/);
  });
});
