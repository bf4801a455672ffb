/**
 * The backward frees gradients as it goes: after a long chain, the arrays of the gradients it has
 * consumed can be collected before it ends (a 7B step's backward holds one layer's, not 32 layers').
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { grad } from '../../src/autograd/index.js';
import * as T from '../../src/tensor/index.js';
import { cpu } from '../../src/kernels/cpu/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

it('a 40-op chain of 4 MB gradients holds under half of them at its last step, not all 40', () => {
  const n = 2 ** 20; // 4 MB of float32 per gradient
  const x = T.fromArray(new Float32Array(n).fill(1), [n], { backend: cpu }).requireGrad();
  let y = x;
  for (let i = 0; i < 40; i++) y = y.mul(1.01);
  const loss = y.sum();
  let seen = 0;
  let heldAtEnd = Infinity;
  grad(loss, [x], {
    onGradient: (input) => {
      seen++;
      if (input !== x) return;
      gc(); // the last vjp: every earlier gradient has been consumed
      heldAtEnd = process.memoryUsage().arrayBuffers;
    },
  });
  expect(seen).toBeGreaterThanOrEqual(41);
  const base = (gc(), process.memoryUsage().arrayBuffers);
  // 4–7 alone; up to 12 seen when other test files ran before in the same worker (objects a WeakRef
  // handed out in this job live until it ends); holding all 40 is what this guards against
  expect((heldAtEnd - base) / (4 * n)).toBeLessThan(20);
});
