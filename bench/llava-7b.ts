/**
 * The 7B row: a LLaVA-1.5-7B-shaped checkpoint (scripts/make-random-checkpoint.ts) loaded with half
 * weights on the wasm backend (2 threads): load time, vision encode, prefill tokens/s (597 tokens),
 * decode tokens/s (KV cache), and one ControlMLLM v1 step with every decoder layer recomputed in the
 * backward. Peak RSS is measured from outside:
 *
 *   node scripts/build.mjs && /usr/bin/time -v node dist/bench-7b.js /work/scratch-7b [--decode N] [--layers a-b] [--text-prefill]
 *
 * `--layers a-b` limits the step's energy to those decoder layers (the decoder then runs only up to b),
 * for machines where the full 32-layer step takes too long; the printed row says which were used.
 */
import { parseArgs } from 'node:util';
import { grad } from '../src/autograd/index.js';
import { makeObjective } from '../src/controlmllm/objective.js';
import { createWasmBackend } from '../src/kernels/wasm/index.js';
import { generate } from '../src/model/generate.js';
import { loadLlava } from '../src/model/load-node.js';
import { Rng, cat, fromArray, noGrad, tidy } from '../src/tensor/index.js';
import { PROMPT, REGION } from './llava-step.js';


/** Euclidean norm (a loop: spreading 2.4 M values into Math.hypot overflows the stack). */
function norm(x: ArrayLike<number>): number {
  let acc = 0;
  for (let i = 0; i < x.length; i++) acc += x[i] * x[i];
  return Math.sqrt(acc);
}

const { values: v, positionals } = parseArgs({ allowPositionals: true, options: { decode: { type: 'string' }, layers: { type: 'string' }, 'text-prefill': { type: 'boolean' } } });
const dir = positionals[0];
if (!dir) throw new Error('usage: bench-7b DIR [--decode N] [--layers a-b]');
const decodeTokens = Number(v.decode ?? 4);
const wasm = await createWasmBackend({ threads: 2 });
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rss = () => `${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB RSS`;

let t = performance.now();
const model = loadLlava(dir, { halfWeights: true, backend: wasm });
const load = performance.now() - t;
console.log(`load ${s(load)} (${rss()})`);
const L = model.config.text_config.num_hidden_layers;
const [lo, hi] = v.layers ? v.layers.split('-').map(Number) : [0, L - 1];
const layers = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

const rng = new Rng(5);
const pixels = fromArray(Float32Array.from({ length: 3 * 336 * 336 }, () => rng.normal()), [1, 3, 336, 336], { backend: wasm });
t = performance.now();
const features = noGrad(() => model.encodeImage(pixels).imageFeatures);
const encode = performance.now() - t;
console.log(`vision encode ${s(encode)} (${rss()})`);

/** Prefill and decode in a function of their own, so that the KV cache is garbage before the step. */
function prefillAndDecode() {
  // --text-prefill: the prompt's text tokens only (21), to time the decode without the long prefill
  const embeds = v['text-prefill'] ? model.embedText(PROMPT.filter((id) => id !== 32000)) : model.embedWithImageFeatures(PROMPT, features).inputsEmbeds; // [1, T, 4096]
  const T = embeds.shape[1];
  let t0 = performance.now();
  // with room for the tokens to come, as `generate` reserves it: the decode writes into this cache
  const cache = tidy(() => noGrad(() => model.decode(embeds, { lastLogitsOnly: true, reserve: T + 1 + decodeTokens }).cache));
  const prefillMs = performance.now() - t0;
  console.log(`prefill ${T} tokens ${s(prefillMs)} = ${((T * 1000) / prefillMs).toFixed(1)} tok/s (${rss()})`);
  t0 = performance.now();
  const out = generate(model, cat([embeds, model.embedText([29871])], 1), { maxNewTokens: decodeTokens, eosTokenId: null, cache }); // the cache covers embeds
  const decodeMs = performance.now() - t0;
  console.log(`decode ${out.tokens.length} tokens ${s(decodeMs)} = ${((out.tokens.length * 1000) / decodeMs).toFixed(2)} tok/s (${rss()})`);
  return { T, prefillMs, decodeRate: (out.tokens.length * 1000) / decodeMs };
}
const { T, prefillMs, decodeRate } = prefillAndDecode();

const objective = makeObjective(model, PROMPT, features, [REGION], { layers, queries: 'after-image' }, 1, 0, true);
t = performance.now();
const step = tidy(() => {
  const z = features.mul(0).detach().requireGrad();
  const e = objective(z).loss;
  const f = performance.now() - t;
  const [g] = grad(e, [z], { release: true });
  return { energy: e.item(), forward: f, total: performance.now() - t, gnorm: norm(g.toTypedArray()) };
});
console.log(`step (v1, layers ${lo}-${hi}, recomputed): forward ${s(step.forward)}, total ${s(step.total)}, E ${step.energy.toPrecision(5)}, |g| ${step.gnorm.toExponential(2)} (${rss()})`);
console.log(`\n| load | vision encode | prefill (${T} tokens) | decode | one step (v1, layers ${lo}–${hi}) |\n|---|---|---|---|---|\n` +
  `| ${s(load)} | ${s(encode)} | ${s(prefillMs)} (${((T * 1000) / prefillMs).toFixed(1)} tok/s) | ${decodeRate.toFixed(2)} tok/s | ${s(step.total)} |`);
wasm.dispose();
