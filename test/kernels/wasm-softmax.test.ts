/** The wasm row softmax (vectorised exp) against the reference: widths around the 4-lane vector, masks, layouts. */
import { cpu } from '../../src/kernels/cpu/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { contiguous, random, relErr, view } from './wasm-helpers.js';

let be: WasmBackend;
let be2: WasmBackend;
beforeAll(async () => {
  be = await createWasmBackend();
  be2 = await createWasmBackend({ threads: 2, relaxed: false });
});
afterAll(() => [be, be2].forEach((b) => b.dispose()));

function check(x: ReturnType<typeof view>, log: boolean, tol: number) {
  const n = x.shape.reduce((a, b) => a * b, 1);
  const ref = new Float32Array(n);
  cpu.softmax(x, ref, log);
  for (const b of [be, be2]) {
    const out = new Float32Array(n);
    b.softmax(x, out, log);
    expect(relErr(out, ref)).toBeLessThan(tol);
  }
}

it.each([1, 2, 3, 4, 5, 7, 33, 600, 1031])('rows of %i: softmax and log-softmax', (n) => {
  const rows = 37;
  const x = random(rows * n, n).map((v) => v * 20);
  check(contiguous(x, [rows, n]), false, 1e-5);
  check(contiguous(x, [rows, n]), true, 1e-5);
});

it('large logits, -inf masks (exact zeros) and a fully masked row (NaN, as torch)', () => {
  const n = 13;
  const x = random(4 * n, 2).map((v, i) => (i % n > 8 ? -Infinity : v * 1e4));
  x.fill(-Infinity, 3 * n, 4 * n);
  const out = new Float32Array(4 * n);
  const ref = new Float32Array(4 * n);
  cpu.softmax(contiguous(x, [4, n]), ref, false);
  be.softmax(contiguous(x, [4, n]), out, false);
  expect(relErr(out.subarray(0, 3 * n), ref.subarray(0, 3 * n))).toBeLessThan(1e-6);
  for (let r = 0; r < 3; r++) for (let j = 9; j < n; j++) expect(out[r * n + j]).toBe(0);
  expect(Array.from(out.subarray(3 * n)).every(Number.isNaN)).toBe(true);
});

it('a transposed (strided) input and a 4-D batch', () => {
  const x = random(6 * 50, 3);
  check(view(x, [50, 6], [1, 50]), false, 1e-5);
  check(contiguous(random(2 * 3 * 5 * 600, 4), [2, 3, 5, 600]), false, 1e-5);
  check(contiguous(random(2 * 3 * 5 * 600, 4), [2, 3, 5, 600]), true, 1e-5);
});

it('float64 goes to the reference (bit-identical)', () => {
  const x = contiguous(Float64Array.from(random(30, 5)), [3, 10]);
  const ref = new Float64Array(30);
  const out = new Float64Array(30);
  cpu.softmax(x, ref, false);
  be.softmax(x, out, false);
  expect(Array.from(out)).toEqual(Array.from(ref));
});
