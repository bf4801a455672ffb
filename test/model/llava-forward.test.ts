/** LLaVA forward pass against every intermediate of the tiny-llava fixture (see tiny-fixture.ts). */
import { loadLlava } from '../../src/model/load-node.js';
import { imageTokenPositions } from '../../src/model/llava.js';
import { fromArray, noGrad } from '../../src/tensor/index.js';
import { compare, inputIds, ref, tinyDir, tinyMeta } from './tiny-fixture.js';

const TOL = 1e-4;

describe('tiny LLaVA forward vs HF transformers', () => {
  const model = loadLlava(tinyDir);
  const px = ref('pixel_values');
  const pixels = fromArray(px.data, px.shape);
  const ids = inputIds();
  const run = noGrad(() => {
    const vision = model.encodeImage(pixels, { allHiddenStates: true });
    const merged = model.embedWithImageFeatures(ids, vision.imageFeatures);
    const out = model.decode(merged.inputsEmbeds, { captureAttention: 'all', outputHiddenStates: true });
    return { vision, merged, out };
  });

  it.each([0, 1, 2])('vision_hidden_states.%i', (i) => {
    expect(compare(run.vision.hiddenStates[i], `vision_hidden_states.${i}`)).toBeLessThan(TOL);
  });
  it('vision_selected_features and image_features', () => {
    expect(compare(run.vision.selected, 'vision_selected_features')).toBeLessThan(TOL);
    expect(compare(run.vision.imageFeatures, 'image_features')).toBeLessThan(TOL);
  });
  it('merged_inputs_embeds and image_token_positions', () => {
    expect(compare(run.merged.inputsEmbeds, 'merged_inputs_embeds')).toBeLessThan(TOL);
    expect(imageTokenPositions(run.merged.imageSpan)).toEqual(tinyMeta.image_token_positions);
    expect(imageTokenPositions(run.merged.imageSpan)).toEqual(Array.from(ref('image_token_positions').data));
  });
  it.each([0, 1, 2])('decoder_hidden_states.%i', (i) => {
    expect(compare(run.out.hiddenStates![i], `decoder_hidden_states.${i}`)).toBeLessThan(TOL);
  });
  it.each([0, 1])('attentions.%i', (i) => {
    expect(compare(run.out.attentions.get(i)!, `attentions.${i}`)).toBeLessThan(TOL);
  });
  it('logits', () => {
    expect(compare(run.out.logits, 'logits')).toBeLessThan(TOL);
  });
});

describe('merge conventions', () => {
  const model = loadLlava(tinyDir);
  const feats = ref('image_features');
  const features = fromArray(feats.data, feats.shape);

  it('N image ids already in the prompt (expanded_input_ids) give the same merged embeddings', () => {
    const expanded = Array.from(ref('expanded_input_ids').data);
    const r = noGrad(() => model.embedWithImageFeatures(expanded, features));
    expect(r.imageSpan).toEqual({ start: 4, length: 25 });
    expect(compare(r.inputsEmbeds, 'merged_inputs_embeds')).toBeLessThan(1e-6);
  });

  it('rejects prompts without an image token or with a wrong number of them', () => {
    const ids = inputIds();
    expect(() => model.embedWithImageFeatures(ids.filter((i) => i !== 98), features)).toThrow(/no image token \(id 98\)/);
    expect(() => model.embedWithImageFeatures([98, 98, ...ids], features)).toThrow(/3 image tokens .* expected one \(expanded to 25 features\) or 25 consecutive/);
    expect(() => model.embed(ids, fromArray(new Float32Array(3 * 20 * 20), [1, 3, 20, 20]))).toThrow(/pixel_values \[1, 3, 20, 20\].*\[B, 3, 30, 30\]/);
  });
});
