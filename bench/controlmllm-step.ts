/**
 * End-to-end bench: one ControlMLLM step — the prefill forward with attention capture and the
 * backward to the latent — on a LLaVA-shaped random model, per backend, split per component
 * (vision encode, prefill forward to the energy, backward). The same inputs run on every backend; the
 * energies and gradients are compared with the reference backend's before anything is reported.
 *
 * Model: see STEP_DESCRIPTION.
 */
import type { Backend } from '../src/kernels/backend.js';
import { cpu } from '../src/kernels/cpu/index.js';
import { createWasmBackend } from '../src/kernels/wasm/index.js';
import { grad } from '../src/autograd/index.js';
import { makeObjective } from '../src/controlmllm/objective.js';
import { loadLlavaFromSource, parameterSpecs, parseLlavaConfig } from '../src/model/index.js';
import { SafetensorsFile, bytesSource, writeSafetensors } from '../src/safetensors/index.js';
import { Rng, arenaStats, fromArray, noGrad, resetArenaStats, setBufferPooling, type Tensor } from '../src/tensor/index.js';
import { optimizeLatent } from '../src/controlmllm/optimize.js';

export const STEP_DESCRIPTION =
  'A LLaVA-shaped random model: CLIP ViT 112/14 (8×8 = 64 image tokens), width 256, 3 layers (features from the ' +
  'second-to-last) → GELU projector → Llama width 384, 4 layers, 6 heads (3 KV heads), SwiGLU 1024, vocab 2000; ' +
  'prompt = 8 text tokens + 64 image tokens + 24 text tokens. One step = the prefill with attention capture of all 4 ' +
  'layers and the v1 energy, then the backward to the latent; best of 2 runs (reference: 1 run). The energies and ' +
  'gradients of every backend are checked against the reference backend first.';

export const stepConfig = {
  model_type: 'llava',
  image_token_index: 1999,
  projector_hidden_act: 'gelu',
  vision_feature_layer: -2,
  vision_feature_select_strategy: 'default',
  vision_config: { model_type: 'clip_vision_model', image_size: 112, patch_size: 14, hidden_size: 256, intermediate_size: 1024, num_hidden_layers: 3, num_attention_heads: 4, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5 },
  text_config: { model_type: 'llama', vocab_size: 2000, hidden_size: 384, intermediate_size: 1024, num_hidden_layers: 4, num_attention_heads: 6, num_key_value_heads: 3, hidden_act: 'silu', rms_norm_eps: 1e-6, rope_theta: 10000, max_position_embeddings: 1024, tie_word_embeddings: false },
};

/** Random weights (N(0, 0.02²), norms at 1) written and read back through the project's own safetensors code. */
function randomSource() {
  const cfg = parseLlavaConfig(stepConfig);
  const rng = new Rng(1);
  const tensors = parameterSpecs(cfg).map(({ name, shape }) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const isNorm = /norm|layrnorm/.test(name) && name.endsWith('weight');
    const data = Float32Array.from({ length: n }, () => (isNorm ? 1 : 0.02 * rng.normal()));
    return { name, dtype: 'F32' as const, shape, data };
  });
  return SafetensorsFile.open(bytesSource('random.safetensors', writeSafetensors(tensors)));
}

export interface StepTiming {
  backend: string;
  encode: number;
  forward: number;
  backward: number;
  total: number;
  energy: number;
  grad: Float32Array;
}

const now = () => performance.now();

export function controlmllmStep(backend: Backend, repeats = 2): StepTiming {
  const model = loadLlavaFromSource(randomSource(), stepConfig, { backend });
  const rng = new Rng(2);
  const pixels = fromArray(Float32Array.from({ length: 3 * 112 * 112 }, () => rng.normal()), [1, 3, 112, 112], { backend });
  const ids = [1, ...Array.from({ length: 7 }, (_, i) => 10 + i), 1999, ...Array.from({ length: 24 }, (_, i) => 100 + i)];
  const weights = Float32Array.from({ length: 64 }, (_, k) => (k % 8 < 4 && k < 32 ? 1 : 0)); // top-left quarter
  let best: StepTiming | null = null;
  for (let r = 0; r < repeats; r++) {
    const t0 = now();
    const features: Tensor = noGrad(() => model.encodeImage(pixels).imageFeatures);
    const t1 = now();
    const objective = makeObjective(model, ids, features, [weights], { layers: [0, 1, 2, 3], queries: 'after-image' }, 400);
    const z = features.mul(0).detach().requireGrad();
    const e = objective(z).loss;
    const t2 = now();
    const [g] = grad(e, [z]);
    const t3 = now();
    const timing = { backend: backend.name, encode: t1 - t0, forward: t2 - t1, backward: t3 - t2, total: t3 - t0, energy: e.item(), grad: Float32Array.from(g.toTypedArray()) };
    if (!best || timing.total < best.total) best = timing;
  }
  return best!;
}

function maxRelError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return err / scale;
}

/**
 * Buffer reuse: 4 optimisation steps (v1) on the wasm backend with the pool on and off, in one run;
 * reports ms per step and how many large arrays were freshly allocated.
 */
export async function benchPooling(log: (s: string) => void = console.log): Promise<string> {
  const wasm = await createWasmBackend({ threads: 1 });
  const rows: string[] = [];
  const counts = { ...arenaStats };
  try {
    for (const on of [false, true, false, true]) {
      setBufferPooling(on);
      resetArenaStats();
      const ms = (() => {
        const model = loadLlavaFromSource(randomSource(), stepConfig, { backend: wasm });
        const features = noGrad(() => model.encodeImage(fromArray(new Float32Array(3 * 112 * 112).fill(0.5), [1, 3, 112, 112], { backend: wasm })).imageFeatures);
        const ids = [1, 10, 11, 1999, ...Array.from({ length: 24 }, (_, i) => 100 + i)];
        const region = Float32Array.from({ length: 64 }, (_, k) => (k < 16 ? 1 : 0));
        const v1 = { method: 'v1' as const, alpha: 400, lr: 1, layers: [0, 1, 2, 3], beta: 0.5, earlyStopPct: null, accumulate: false, eps: 1e-3 };
        optimizeLatent(model, ids, features, [region], { ...v1, steps: 1 }); // warm-up
        resetArenaStats();
        let seconds = 0;
        optimizeLatent(model, ids, features, [region], { ...v1, steps: 4, onStep: (s) => {
          seconds += s.seconds;
          if (s.step === 3) Object.assign(counts, arenaStats); // the 4 steps only, not the attention after
        } });
        return (seconds * 1000) / 4;
      })();
      const line = `| ${on ? 'on' : 'off'} | ${ms.toFixed(0)} ms | ${counts.fresh} | ${counts.reused} |`;
      log(`pooling ${line}`);
      rows.push(line);
    }
  } finally {
    setBufferPooling(true);
    wasm.dispose();
  }
  return ['| buffer pool | ms per optimisation step | fresh large arrays (4 steps) | reused |', '|---|---|---|---|', ...rows].join('\n');
}

/** Runs the step on the reference and the WebAssembly backend; returns a Markdown table. */
export async function benchControlmllmStep(log: (s: string) => void = console.log): Promise<string> {
  const ref = controlmllmStep(cpu, 1);
  log(`reference: ${ref.total.toFixed(0)} ms`);
  const rows = [ref];
  for (const threads of [1, 2]) {
    const wasm = await createWasmBackend({ threads });
    try {
      const t = controlmllmStep(wasm);
      const err = maxRelError(t.grad, ref.grad);
      if (err > 1e-3 || Math.abs(t.energy - ref.energy) > 1e-4 * Math.abs(ref.energy)) {
        throw new Error(`wasm ${threads}T disagrees with the reference: energy ${t.energy} vs ${ref.energy}, gradient rel. error ${err}`);
      }
      rows.push({ ...t, backend: `wasm ${threads}T` });
      log(`wasm ${threads}T: ${t.total.toFixed(0)} ms (gradient rel. error ${err.toExponential(1)})`);
    } finally {
      wasm.dispose();
    }
  }
  const ms = (x: number) => `${x.toFixed(0)} ms`;
  return [
    '| backend | vision encode | prefill forward (+ attention capture, energy) | backward to the latent | step total | speed-up vs reference |',
    '|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.backend} | ${ms(r.encode)} | ${ms(r.forward)} | ${ms(r.backward)} | ${ms(r.total)} | ${(ref.total / r.total).toFixed(1)}× |`),
  ].join('\n');
}

if (process.argv[1]?.endsWith('controlmllm-step.mjs')) {
  benchControlmllmStep()
    .then(async (table) => console.log(`\n${table}\n\n${await benchPooling()}`))
    .then(() => process.exit(0));
}
