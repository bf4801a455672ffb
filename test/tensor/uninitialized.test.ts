/**
 * Op outputs are allocated without zeros (`empty`, as torch.empty): every kernel must write all of its
 * output. With setUninitializedFill(NaN) every such array starts as NaN, so a kernel that reads or
 * skips part of its output would change the numbers: the ControlMLLM energy and gradient (with and
 * without recomputation, repeated in scopes so pooled arrays come back) and a cached greedy decode must
 * come out bit for bit as with zeros — on the tiny-llava fixture (reference, wasm and gpu.js backends), and on a
 * random model large enough for the wasm kernels' own paths (arrays in wasm memory, causal query blocks
 * past 128 tokens, grouped-query heads), with float32 and with half weights.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeRandomCheckpoint } from '../../scripts/random-checkpoint.js';
import { grad } from '../../src/autograd/index.js';
import { makeObjective } from '../../src/controlmllm/objective.js';
import type { Backend } from '../../src/kernels/backend.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { createGpuJsBackend } from '../../src/kernels/gpujs/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/kernels/wasm/index.js';
import { generate } from '../../src/model/generate.js';
import { loadLlava } from '../../src/model/load-node.js';
import { alloc, setUninitializedFill } from '../../src/tensor/arena.js';
import * as T from '../../src/tensor/index.js';
import { empty } from '../../src/tensor/ops.js';
import { inputIds, ref, tinyDir } from '../model/tiny-fixture.js';

let wasm: WasmBackend;
const scratch = mkdtempSync(path.join(tmpdir(), 'uninitialized-'));
/** 224/14 → 256 image tokens + 5 prompt ids: 261 positions; 4 query heads over 2 KV heads. */
const random = { dir: path.join(scratch, 'model'), ids: [1, 5, 999, 7, 8, 9], image: 224 };
beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 2 });
  writeFileSync(path.join(scratch, 'config.json'), JSON.stringify({
    model_type: 'llava', image_token_index: 999, projector_hidden_act: 'gelu', vision_feature_layer: -2, vision_feature_select_strategy: 'default', vocab_size: 1000,
    vision_config: { model_type: 'clip_vision_model', image_size: 224, patch_size: 14, hidden_size: 64, intermediate_size: 128, num_hidden_layers: 3, num_attention_heads: 4, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5 },
    text_config: { model_type: 'llama', vocab_size: 1000, hidden_size: 64, intermediate_size: 176, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, hidden_act: 'silu', rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 512, tie_word_embeddings: false },
  }));
  writeRandomCheckpoint(scratch, random.dir, { shards: 1, seed: 3 });
});
afterAll(() => {
  setUninitializedFill(null);
  wasm.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

interface Case { dir: string; ids: number[]; pixels: { data: Float32Array; shape: number[] }; region: Float32Array; halfWeights?: boolean }
const tiny = (): Case => ({ dir: tinyDir, ids: inputIds(), pixels: ref('pixel_values'), region: ref('region_mask_flat').data });
const large = (halfWeights: boolean): Case => {
  const rng = new T.Rng(7);
  const n = 3 * random.image * random.image;
  return { dir: random.dir, ids: random.ids, halfWeights, pixels: { data: Float32Array.from({ length: n }, () => rng.normal()), shape: [1, 3, random.image, random.image] }, region: Float32Array.from({ length: 256 }, (_, k) => (k % 16 < 8 && k < 128 ? 1 : 0)) };
};

/** Energy, gradient and 4 greedy tokens' logits on `backend`, each in its own scope, twice. */
function run(backend: Backend, c: Case): number[][] {
  const model = loadLlava(c.dir, { backend, halfWeights: c.halfWeights });
  const pixels = T.fromArray(c.pixels.data, c.pixels.shape, { backend });
  const [ids, region] = [c.ids, c.region];
  const out: number[][] = [];
  for (let repeat = 0; repeat < 2; repeat++) {
    for (const recompute of [false, true]) {
      out.push(T.tidy(() => {
        const features = T.noGrad(() => model.encodeImage(pixels).imageFeatures);
        const objective = makeObjective(model, ids, features, [region], { layers: [0, 1], queries: 'after-image' }, 1, 0, recompute);
        const z = features.mul(0).detach().requireGrad();
        const e = objective(z).loss;
        const [g] = grad(e, [z]);
        return [e.item(), ...g.toTypedArray()];
      }));
    }
    out.push(T.tidy(() => {
      const prefill = T.noGrad(() => model.embed(ids, pixels).inputsEmbeds);
      const r = generate(model, prefill, { maxNewTokens: 4, eosTokenId: null, keepLogits: true });
      return [...r.tokens, ...r.stepLogits.flatMap((l) => Array.from(l))];
    }));
  }
  return out;
}

it.each([
  ['tiny-llava, cpu', () => cpu, tiny],
  ['tiny-llava, wasm', () => wasm, tiny],
  ['tiny-llava, gpujs', () => createGpuJsBackend(), tiny],
  ['random 261 tokens, wasm', () => wasm, () => large(false)],
  ['random 261 tokens, wasm, half weights', () => wasm, () => large(true)],
] as const)('%s: outputs allocated as NaN give the numbers they give as zeros', (_, backend, model) => {
  setUninitializedFill(null);
  const zeros = run(backend(), model());
  setUninitializedFill(NaN);
  const nans = run(backend(), model());
  setUninitializedFill(null);
  expect(zeros.flat().every(Number.isFinite)).toBe(true);
  expect(nans).toEqual(zeros);
});

it.each([['cpu', () => cpu], ['wasm', () => wasm]] as const)('%s: a sum over an empty axis is 0 and a max -inf (no row writes them)', (_, backend) => {
  setUninitializedFill(NaN);
  const x = T.zeros([5, 0, 6], { backend: backend() });
  const [s, m] = T.tidy(() => [T.sum(x, 1).toTypedArray(), T.max(x, 1).toTypedArray()]);
  setUninitializedFill(null);
  expect([Array.from(s), Array.from(m)]).toEqual([new Array(30).fill(0), new Array(30).fill(-Infinity)]);
});

it('the fill reaches op outputs (a kernel that adds into its output would read NaN) and not zeroed arrays', () => {
  setUninitializedFill(NaN);
  const x = T.fromArray(new Float32Array(4096).fill(1), [4096]);
  const out = empty(x, [4096]);
  expect(Number.isNaN(out.data[0]) && Number.isNaN(out.data[4095])).toBe(true);
  cpu.scatterAdd({ data: x.data, shape: [1, 4096], strides: [4096, 1], offset: 0 }, Int32Array.from([0]), out.data);
  expect(Number.isNaN(out.data[7])).toBe(true); // what an output that needs zeros would show
  expect(alloc('float32', 4096).every((v) => v === 0)).toBe(true);
  setUninitializedFill(null);
});
