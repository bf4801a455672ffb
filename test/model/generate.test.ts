/** Greedy decoding against the fixture's 5 tokens and step logits, with and without the KV cache; sampling. */
import { generate, pickToken } from '../../src/model/generate.js';
import { loadLlava } from '../../src/model/load-node.js';
import { Rng, fromArray, noGrad } from '../../src/tensor/index.js';
import { inputIds, ref, relErr, tinyDir } from './tiny-fixture.js';

describe('generate', () => {
  const model = loadLlava(tinyDir);
  const px = ref('pixel_values');
  const prefill = noGrad(() => model.embed(inputIds(), fromArray(px.data, px.shape)).inputsEmbeds);
  const want = Array.from(ref('greedy_new_tokens').data);
  const stepLogits = ref('greedy_step_logits');

  it.each([true, false])('greedy with useCache=%s gives greedy_new_tokens and greedy_step_logits', (useCache) => {
    const streamed: number[] = [];
    const r = generate(model, prefill, { maxNewTokens: 5, useCache, keepLogits: true, eosTokenId: null, onToken: (t) => void streamed.push(t) });
    expect(r.tokens).toEqual(want);
    expect(streamed).toEqual(want);
    expect(r.finishReason).toBe('length');
    const ours = new Float32Array(5 * 99);
    r.stepLogits.forEach((l, i) => ours.set(l, i * 99));
    expect(relErr(ours, stepLogits.data)).toBeLessThan(1e-4);
  });

  it('stops at EOS (included) and when onToken returns false', () => {
    const atEos = generate(model, prefill, { maxNewTokens: 5, eosTokenId: want[1] });
    expect(atEos).toMatchObject({ tokens: want.slice(0, 2), finishReason: 'eos' });
    const cut = generate(model, prefill, { maxNewTokens: 5, eosTokenId: null, onToken: (_t, step) => step < 2 });
    expect(cut).toMatchObject({ tokens: want.slice(0, 3), finishReason: 'callback' });
  });

  it('continues from a cache of a prefix of the prefill', () => {
    const prefix = noGrad(() => model.decode(prefill.slice(1, 0, 20)).cache);
    expect(generate(model, prefill, { maxNewTokens: 5, eosTokenId: null, cache: prefix }).tokens).toEqual(want);
  });

  it('decodes write into the room a prefill reserved; a second continuation of the same cache copies and leaves the first intact', () => {
    noGrad(() => {
      const T = prefill.shape[1];
      const first = model.decode(prefill, { reserve: T + 2 }).cache;
      const [x, y] = [prefill.slice(1, T - 1, T), prefill.slice(1, 0, 1)]; // two [1, 1, C] inputs
      const a = model.decode(x, { cache: first });
      expect(a.cache.length).toBe(T + 1);
      expect(a.cache.layers[0].k.data).toBe(first.layers[0].k.data); // in place: no copy of the cache
      const aKeys = Array.from(a.cache.layers[1].k.toTypedArray());
      const b = model.decode(y, { cache: first }); // the store is filled past `first` now
      expect(b.cache.layers[0].k.data).not.toBe(first.layers[0].k.data);
      expect(Array.from(a.cache.layers[1].k.toTypedArray())).toEqual(aKeys);
      expect(first.length).toBe(T);
      const plain = model.decode(prefill).cache; // no room: every continuation concatenates
      expect(plain.layers[0].store).toBeUndefined();
      expect(Array.from(model.decode(x, { cache: plain }).logits.data)).toEqual(Array.from(a.logits.data));
      expect(Array.from(model.decode(y, { cache: plain }).logits.data)).toEqual(Array.from(b.logits.data));
    });
  });

  it('sampling is seeded; top-k 1 is greedy; top-p keeps the nucleus', () => {
    const a = generate(model, prefill, { maxNewTokens: 5, eosTokenId: null, temperature: 1, seed: 7 });
    const b = generate(model, prefill, { maxNewTokens: 5, eosTokenId: null, temperature: 1, seed: 7 });
    expect(a.tokens).toEqual(b.tokens);
    expect(generate(model, prefill, { maxNewTokens: 5, eosTokenId: null, temperature: 0.7, topK: 1, seed: 3 }).tokens).toEqual(want);
    // logits with probabilities ≈ [0.665, 0.245, 0.09]: top-p 0.6 keeps only id 0, 0.9 never picks id 2.
    const logits = [2, 1, 0];
    const rng = new Rng(1);
    for (let i = 0; i < 50; i++) expect(pickToken(logits, { temperature: 1, topP: 0.6 }, rng)).toBe(0);
    const seen = new Set(Array.from({ length: 200 }, () => pickToken(logits, { temperature: 1, topP: 0.9 }, rng)));
    expect(seen).toEqual(new Set([0, 1]));
    expect(() => pickToken(logits, { temperature: -1 }, rng)).toThrow(/temperature/);
  });
});
