/**
 * One ControlMLLM step on LLaVA-1.5's real geometry (image 336/14 → 576 image tokens, the 22-id prompt →
 * 597 tokens, v1 energy over every layer and every token after the image, region = grid rows 4–11,
 * columns 6–17), at two sizes (issue 11):
 *   s: vision 256/1024 × 4 layers, 4 heads; text 512/1376 × 4 layers, 8 heads; vocab 32064 (49 M params)
 *   m: vision 1024/4096 × 2 layers, 16 heads; text 4096/11008 × 2 layers, 32 heads (the 7B's widths)
 * on each backend, next to the identical step in plain PyTorch (bench/controlmllm_step.py, one thread,
 * run as a subprocess; skipped with the reason when `python3 -c "import torch"` fails).
 *
 * Weights: a random F16 checkpoint written by scripts/random-checkpoint.ts into the OS temp dir (kept
 * between runs), read by both sides; s computes with float32 weights, m keeps them half (the 7B's path,
 * widened exactly, so the arithmetic is the same as PyTorch's float32). Energies and gradients of every
 * contender are compared with PyTorch's before anything is reported.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeRandomCheckpoint } from '../scripts/random-checkpoint.js';
import { grad } from '../src/autograd/index.js';
import { makeObjective } from '../src/controlmllm/objective.js';
import { stepScopeOptions } from '../src/controlmllm/optimize.js';
import type { Backend } from '../src/kernels/backend.js';
import { cpu } from '../src/kernels/cpu/index.js';
import { createWasmBackend } from '../src/kernels/wasm/index.js';
import { loadLlava } from '../src/model/load-node.js';
import { writeSafetensorsFile } from '../src/safetensors/node.js';
import { Rng, fromArray, noGrad, tidy, type Tensor } from '../src/tensor/index.js';

export const PROMPT = [1, 3148, 1001, 29901, 29871, 32000, 29871, 13, 5618, 29915, 29879, 278, 2793, 310, 278, 1967, 29973, 319, 1799, 9047, 13566, 29901];
const GRID = 24;
export const REGION = Float32Array.from({ length: GRID * GRID }, (_, k) => (Math.floor(k / GRID) >= 4 && Math.floor(k / GRID) <= 11 && k % GRID >= 6 && k % GRID <= 17 ? 1 : 0));

interface Size {
  name: 's' | 'm';
  vision: [hidden: number, intermediate: number, layers: number, heads: number];
  text: [hidden: number, intermediate: number, layers: number, heads: number];
  halfWeights: boolean;
}
export const SIZES: Size[] = [
  { name: 's', vision: [256, 1024, 4, 4], text: [512, 1376, 4, 8], halfWeights: false },
  { name: 'm', vision: [1024, 4096, 2, 16], text: [4096, 11008, 2, 32], halfWeights: true },
];

function configOf(s: Size) {
  const [vh, vi, vl, vn] = s.vision;
  const [th, ti, tl, tn] = s.text;
  return {
    model_type: 'llava', image_token_index: 32000, projector_hidden_act: 'gelu', vision_feature_layer: -2, vision_feature_select_strategy: 'default', vocab_size: 32064,
    vision_config: { model_type: 'clip_vision_model', image_size: 336, patch_size: 14, hidden_size: vh, intermediate_size: vi, num_hidden_layers: vl, num_attention_heads: vn, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5 },
    text_config: { model_type: 'llama', vocab_size: 32064, hidden_size: th, intermediate_size: ti, num_hidden_layers: tl, num_attention_heads: tn, num_key_value_heads: tn, hidden_act: 'silu', rms_norm_eps: 1e-5, rope_theta: 10000, max_position_embeddings: 4096, tie_word_embeddings: false },
  };
}

/** The size's checkpoint and inputs file in the temp dir, written on first use. */
function prepare(s: Size): { dir: string; inputs: string } {
  const root = path.join(tmpdir(), 'controlmllm-bench-step');
  const cfgDir = path.join(root, `${s.name}-config`);
  const dir = path.join(root, s.name);
  const inputs = path.join(root, `${s.name}-inputs.safetensors`);
  if (!existsSync(path.join(dir, 'model.safetensors.index.json'))) {
    mkdirSync(cfgDir, { recursive: true });
    writeFileSync(path.join(cfgDir, 'config.json'), JSON.stringify(configOf(s), null, 2));
    writeRandomCheckpoint(cfgDir, dir, { shards: 1, seed: 11 });
  }
  if (!existsSync(inputs)) {
    const rng = new Rng(5);
    writeSafetensorsFile(inputs, [
      { name: 'pixel_values', dtype: 'F32', shape: [1, 3, 336, 336], data: Float32Array.from({ length: 3 * 336 * 336 }, () => rng.normal()) },
      { name: 'input_ids', dtype: 'I64', shape: [1, PROMPT.length], data: BigInt64Array.from(PROMPT, BigInt) },
      { name: 'region', dtype: 'F32', shape: [GRID * GRID], data: REGION },
    ]);
  }
  return { dir, inputs };
}

export interface StepResult {
  contender: string;
  encode: number;
  forward: number;
  backward: number;
  energy: number;
  gradSum: number;
  gradSq: number;
}

const now = () => performance.now();

/** A model loaded on `backend`, and one timed step on it (as optimizeV1 runs a step). */
function ours(s: Size, dir: string, backend: Backend, label: string): () => StepResult {
  const model = loadLlava(dir, { halfWeights: s.halfWeights, backend });
  const rng = new Rng(5);
  const pixels = fromArray(Float32Array.from({ length: 3 * 336 * 336 }, () => rng.normal()), [1, 3, 336, 336], { backend });
  const layers = Array.from({ length: s.text[2] }, (_, i) => i);
  // in the step's tidy scope as optimizeV1 runs it (no recomputation), so later repeats reuse the earlier ones' buffers
  return () => tidy(() => {
    const t0 = now();
    const features: Tensor = noGrad(() => model.encodeImage(pixels).imageFeatures);
    const t1 = now();
    const objective = makeObjective(model, PROMPT, features, [REGION], { layers, queries: 'after-image' }, 1, 0, false);
    const z = features.mul(0).detach().requireGrad();
    const e = objective(z).loss;
    const t2 = now();
    const [g] = grad(e, [z], { release: true });
    const t3 = now();
    const gv = Array.from(g.toTypedArray());
    return { contender: label, encode: t1 - t0, forward: t2 - t1, backward: t3 - t2, energy: e.item(), gradSum: gv.reduce((a: number, v: number) => a + v, 0), gradSq: gv.reduce((a: number, v: number) => a + v * v, 0) };
  }, stepScopeOptions(false));
}

const faster = (a: StepResult | undefined, b: StepResult) => (!a || b.forward + b.backward < a.forward + a.backward ? b : a);

/** The PyTorch peer, or the reason it cannot run. */
function pytorch(dir: string, inputs: string, repeats: number): StepResult | string {
  const probe = spawnSync('python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) return `skipped: python3 -c "import torch" fails (${(probe.error?.message ?? probe.stderr).trim().split('\n').pop()})`;
  const script = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'controlmllm_step.py');
  const run = spawnSync('python3', [script, dir, inputs, String(repeats)], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) return `failed: ${run.stderr.trim().split('\n').pop()}`;
  const j = JSON.parse(run.stdout.trim().split('\n').pop()!);
  return { contender: `PyTorch ${j.torch} eager, ${j.threads} thread`, encode: j.encode, forward: j.forward, backward: j.backward, energy: j.energy, gradSum: j.grad_sum, gradSq: j.grad_sq };
}

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-30);

/** Runs both sizes; returns a Markdown section. `log` gets progress lines. */
/** Rounds of alternation between PyTorch and ours (default 2). */
export async function benchLlavaStep(log: (s: string) => void = console.log, sizes = SIZES, only?: string, noPeer = false, rounds = 2): Promise<string> {
  const lines = [
    '| size | contender | vision encode | forward (prefill + energy) | backward | step (fwd + bwd) | step × PyTorch | encode × PyTorch | energy / grad vs PyTorch |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of sizes) {
    const { dir, inputs } = prepare(s);
    const withPeer = !noPeer;
    const contenders: Array<[string, () => Promise<Backend & { dispose?: () => void }>]> = [
      ['cpu (reference)', async () => cpu],
      ['wasm 1T', () => createWasmBackend({ threads: 1 })],
      ['wasm 2T', () => createWasmBackend({ threads: 2 })],
      // the same without tensor storage in wasm memory (every kernel copies its operands in and out)
      ['wasm 2T host arrays', () => createWasmBackend({ threads: 2, residentArrayBytes: 0 })],
    ];
    const rows: Array<StepResult | string> = [];
    const live: Array<{ label: string; backend: Backend & { dispose?: () => void }; step: () => StepResult; best?: StepResult }> = [];
    for (const [label, create] of contenders) {
      if (only && only !== 'torch' && !label.startsWith(only)) continue;
      if (only === 'torch') continue;
      if (label.startsWith('cpu') && s.name === 'm') {
        rows.push(`${label}: skipped (the reference kernels need tens of minutes at the 7B's widths)`);
        continue;
      }
      const backend = await create();
      live.push({ label, backend, step: ours(s, dir, backend, label) });
    }
    // PyTorch (a subprocess, best of 2 inside) and each of ours (best of 2) take turns, `rounds` times:
    // the ratios carry no load change between contenders that a run one after the other would.
    let peer: StepResult | string | undefined = withPeer ? undefined : 'skipped (--no-torch)';
    try {
      for (let round = 0; round < rounds; round++) {
        if (peer === undefined || typeof peer !== 'string') {
          const p = pytorch(dir, inputs, 2);
          peer = typeof p === 'string' ? p : faster(peer, p);
          log(`${s.name} round ${round + 1}: PyTorch ${typeof p === 'string' ? p : `${(p.forward + p.backward).toFixed(0)} ms per step`}`);
        }
        for (const c of live) {
          for (let r = 0; r < (c.label.startsWith('cpu') ? 1 : 2); r++) c.best = faster(c.best, c.step());
          log(`${s.name} round ${round + 1}: ${c.label} ${(c.best!.forward + c.best!.backward).toFixed(0)} ms per step (best so far)`);
        }
        if (live.some((c) => c.label.startsWith('cpu'))) break; // the reference backend: one round
      }
    } finally {
      for (const c of live) c.backend.dispose?.();
    }
    rows.push(...live.map((c) => c.best!));
    const ms = (x: number) => `${x.toFixed(0)} ms`;
    const ref = typeof peer === 'string' ? null : peer;
    for (const r of [...(ref ? [ref] : []), ...rows]) {
      if (typeof r === 'string') {
        lines.push(`| ${s.name} | ${r} | | | | | | | |`);
        continue;
      }
      const step = r.forward + r.backward;
      const vs = ref && r !== ref ? `E ${rel(r.energy, ref.energy).toExponential(1)}, Σg ${rel(r.gradSum, ref.gradSum).toExponential(1)}, Σg² ${rel(r.gradSq, ref.gradSq).toExponential(1)}` : r === ref ? `E = ${r.energy.toPrecision(6)}` : 'no peer';
      const ratio = (a: number, b: number | undefined) => (ref && b ? `${(a / b).toFixed(2)}×` : '–');
      lines.push(`| ${s.name} | ${r.contender} | ${ms(r.encode)} | ${ms(r.forward)} | ${ms(r.backward)} | ${ms(step)} | ${ratio(step, ref ? ref.forward + ref.backward : undefined)} | ${ratio(r.encode, ref?.encode)} | ${vs} |`);
      if (ref && r !== ref && (rel(r.energy, ref.energy) > 1e-3 || rel(r.gradSq, ref.gradSq) > 1e-2)) {
        throw new Error(`${s.name} ${r.contender} disagrees with PyTorch: energy ${r.energy} vs ${ref.energy}, Σg² ${r.gradSq} vs ${ref.gradSq}`);
      }
    }
  }
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('llava-step.mjs')) {
  // node dist/llava-step.mjs [s|m] [contender prefix: torch | cpu | wasm 1T | wasm 2T] [--no-torch] [--rounds N]
  // A contender runs alternately with the PyTorch peer in this process unless --no-torch; `torch` runs the peer alone.
  const argv = process.argv.slice(2);
  const at = argv.indexOf('--rounds');
  const rounds = at >= 0 ? Number(argv[at + 1]) : 2;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds needs a positive integer, got ${argv[at + 1]}`);
  const [size, contender] = argv.filter((a, i) => a !== '--no-torch' && (at < 0 || (i !== at && i !== at + 1)));
  benchLlavaStep(console.log, SIZES.filter((s) => !size || s.name === size), contender, argv.includes('--no-torch'), rounds).then((md) => console.log(`\n${md}`));
}
