/**
 * The ControlMLLM seam: with recording on, an energy built from the captured attention probabilities is
 * differentiable with respect to a latent added to the image features. Checked against central finite
 * differences in float64 (weights loaded exactly as float64), and finite/nonzero in float32.
 */
import { grad } from '../../src/autograd/index.js';
import { loadLlava } from '../../src/model/load-node.js';
import type { LlavaForConditionalGeneration } from '../../src/model/llava.js';
import { Tensor, fromArray, noGrad, zeros } from '../../src/tensor/index.js';
import { inputIds, ref, tinyDir } from './tiny-fixture.js';

/**
 * E(z) = Σ_layers (1 − Σ_{j ∈ region} mean_h A[h, last, image_start + j])², region = first 3 image rows:
 * the shape of ControlMLLM's energy (attention of the last query to a masked part of the image).
 */
function energy(model: LlavaForConditionalGeneration, features: Tensor, z: Tensor): Tensor {
  const { inputsEmbeds, imageSpan } = model.embedWithImageFeatures(inputIds(), features.add(z));
  const { attentions } = model.decode(inputsEmbeds, { captureAttention: 'all' });
  let e: Tensor | null = null;
  for (const probs of attentions.values()) {
    const toRegion = probs.select(2, -1).slice(-1, imageSpan.start, imageSpan.start + 3).sum(-1).mean(); // scalar
    const term = toRegion.neg().add(1).square();
    e = e ? e.add(term) : term;
  }
  return e!;
}

function setup(dtype: 'float32' | 'float64') {
  const model = loadLlava(tinyDir, { dtype });
  const px = ref('pixel_values');
  const features = noGrad(() => model.encodeImage(fromArray(px.data, px.shape, { dtype })).imageFeatures);
  return { model, features };
}

describe('gradients through captured attention', () => {
  it('float64: grad(E, z) matches central differences', () => {
    const { model, features } = setup('float64');
    const z = zeros(features.shape, { dtype: 'float64' }).requireGrad();
    const [g] = grad(energy(model, features, z), [z]);
    const gv = g.toTypedArray();
    const h = 1e-6;
    for (const idx of [0, 5, 2 * 32 + 17, 20 * 32 + 3]) {
      const at = (d: number) => {
        const v = new Float64Array(z.size);
        v[idx] = d;
        return noGrad(() => energy(model, features, fromArray(v, z.shape)).item());
      };
      const fd = (at(h) - at(-h)) / (2 * h);
      expect(Math.abs(gv[idx] - fd)).toBeLessThan(1e-7 + 1e-5 * Math.abs(fd));
    }
    expect(Math.max(...Array.from(gv, Math.abs))).toBeGreaterThan(1e-6);
  });

  it('float32: finite and nonzero; noGrad records nothing', () => {
    const { model, features } = setup('float32');
    const z = zeros(features.shape).requireGrad();
    const e = energy(model, features, z);
    expect(e.requiresGrad).toBe(true);
    const [g] = grad(e, [z]);
    const gv = Array.from(g.toTypedArray());
    expect(gv.every(Number.isFinite)).toBe(true);
    expect(gv.some((v) => v !== 0)).toBe(true);
    expect(noGrad(() => energy(model, features, z)).node).toBeNull();
  });
});
