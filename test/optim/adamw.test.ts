/** AdamW against its formula: bias correction, decoupled decay on matrices only, global-norm clipping. */
import { AdamW } from '../../src/optim/adamw.js';
import { tensor } from '../../src/tensor/index.js';

describe('AdamW', () => {
  test('first step moves each weight by lr·sign(g) (bias-corrected), with decoupled decay on matrices only', () => {
    const w = tensor([[1, -2], [3, 4]]);
    const b = tensor([1, 1]);
    const opt = new AdamW([w, b], { weightDecay: 0.1, eps: 1e-12 });
    opt.step([tensor([[0.5, -0.25], [0, 2]]), tensor([-1, 1])], 0.1);
    const got = w.toArray();
    const want = [1 * 0.99 - 0.1, -2 * 0.99 + 0.1, 3 * 0.99, 4 * 0.99 - 0.1];
    got.forEach((x, i) => expect(x).toBeCloseTo(want[i], 5)); // g = 0 → only the decay moves it
    b.toArray().forEach((x, i) => expect(x).toBeCloseTo([1.1, 0.9][i], 6));
  });

  test('clipping scales the gradient to the max norm; step 2 uses both moments', () => {
    const w = tensor([0]);
    const opt = new AdamW([w], { weightDecay: 0, eps: 1e-8 });
    const norm = opt.step([tensor([10])], 1, 1);
    expect(norm).toBeCloseTo(10);
    expect(opt.state.m[0][0]).toBeCloseTo(0.1 * (1 / (10 + 1e-6)) * 10, 5); // (1−β1)·clipped g
    expect(w.item()).toBeCloseTo(-1, 5);
    opt.step([tensor([-1])], 1);
    const m = 0.9 * 0.1 + 0.1 * -1;
    const v = 0.999 * 0.001 + 0.001 * 1;
    expect(w.item()).toBeCloseTo(-1 - (m / (1 - 0.81)) / Math.sqrt(v / (1 - 0.999 ** 2)), 4);
  });
});
