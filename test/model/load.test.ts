/**
 * The strict loader: F16/BF16 storage, sharded checkpoints, the newer transformers naming layout, and one
 * error listing missing, unexpected and mis-shaped tensors. Variants of the tiny model are written with
 * the project's writer into a temp dir and must reproduce the fixture's logits.
 */
import { mkdtempSync, copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadLlava } from '../../src/model/load-node.js';
import { WeightLoadError, loadLlavaFromSource, sanitize } from '../../src/model/load.js';
import { openSafetensorsFile, writeSafetensorsFile } from '../../src/safetensors/node.js';
import { bytesSource, f32ToBf16, f32ToF16, f16ToF32, SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../src/safetensors/index.js';
import type { LlavaForConditionalGeneration } from '../../src/model/llava.js';
import { fromArray, noGrad } from '../../src/tensor/index.js';
import { HalfWeight } from '../../src/tensor/half.js';
import { cpu } from '../../src/kernels/cpu/index.js';
import { inputIds, ref, relErr, tinyDir } from './tiny-fixture.js';

const original = openSafetensorsFile(path.join(tinyDir, 'model.safetensors'));
const f32Tensors = (): TensorToWrite[] =>
  original.names().map((name) => ({ name, dtype: 'F32', shape: original.info(name).shape, data: original.readFloat32(name) }));

function logitsOf(model: LlavaForConditionalGeneration): Float32Array {
  const px = ref('pixel_values');
  return noGrad(() => {
    const { inputsEmbeds } = model.embed(inputIds(), fromArray(px.data, px.shape, { backend: model.backend }));
    return Float32Array.from(model.decode(inputsEmbeds).logits.toTypedArray());
  });
}
const wantLogits = ref('logits').data;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'llava-load-'));
  copyFileSync(path.join(tinyDir, 'config.json'), path.join(dir, 'config.json'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Writes `tensors` as n shards plus model.safetensors.index.json. */
function writeSharded(tensors: TensorToWrite[], n: number): void {
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < n; s++) {
    const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(n).padStart(5, '0')}.safetensors`;
    const part = tensors.filter((_, i) => i % n === s);
    part.forEach((t) => (weightMap[t.name] = file));
    writeSafetensorsFile(path.join(dir, file), part, { format: 'pt' });
  }
  writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
}

describe('loader variants reproduce the fixture logits', () => {
  it('F16 storage: exactly the f16-rounded weights, and within 1e-2 of the f32 reference', () => {
    const half = f32Tensors().map((t) => ({ ...t, dtype: 'F16' as const, data: Uint16Array.from(t.data as Float32Array, f32ToF16) }));
    writeSafetensorsFile(path.join(dir, 'model.safetensors'), half);
    const fromF16 = logitsOf(loadLlava(dir));
    // The same values stored as F32: decoding F16 → F32 is exact, so the logits are bit-identical.
    const rounded = half.map((t) => ({ ...t, dtype: 'F32' as const, data: Float32Array.from(t.data as Uint16Array, f16ToF32) }));
    const src = SafetensorsFile.open(bytesSource('rounded', writeSafetensors(rounded)));
    expect(fromF16).toEqual(logitsOf(loadLlavaFromSource(src, JSON.parse(JSON.stringify(loadLlava(tinyDir).config)))));
    // Against the f32 reference, f16 weight rounding (relative 2^-11 ≈ 4.9e-4 per weight, O(1)-scale
    // weights, ~6 matmul layers and two softmax stacks) moves the logits by 1.5e-3 relative (measured); 1e-2 bounds that.
    const err = relErr(fromF16, wantLogits);
    expect(err).toBeGreaterThan(1e-6); // the rounding really happened
    expect(err).toBeLessThan(1e-2);
  });

  it('the backend option puts every weight on the named backend, whatever the default', () => {
    const other = { ...cpu, name: 'other' };
    const model = loadLlavaFromSource(original, JSON.parse(JSON.stringify(loadLlava(tinyDir).config)), { backend: other });
    expect(model.backend).toBe(other);
    expect(model.multi_modal_projector.linear_2.weight).toHaveProperty('backend', other);
    expect(logitsOf(model)).toEqual(logitsOf(loadLlava(tinyDir)));
  });

  it('halfWeights keeps F16/BF16 Linear weights as 2-byte bits and gives the widened model\'s logits', () => {
    for (const [dtype, encode] of [['F16', f32ToF16], ['BF16', f32ToBf16]] as const) {
      const half = f32Tensors().map((t) => ({ ...t, dtype, data: Uint16Array.from(t.data as Float32Array, encode) }));
      const bytes = writeSafetensors(half);
      const config = loadLlava(tinyDir).config;
      const widened = loadLlavaFromSource(SafetensorsFile.open(bytesSource('w', bytes)), config);
      const kept = loadLlavaFromSource(SafetensorsFile.open(bytesSource('h', bytes)), config, { halfWeights: true });
      const layer = kept.language_model.model.layers[0];
      expect(layer.self_attn.q_proj.weight).toBeInstanceOf(HalfWeight);
      expect(layer.mlp.down_proj.weight).toBeInstanceOf(HalfWeight);
      expect(kept.multi_modal_projector.linear_1.weight).toBeInstanceOf(HalfWeight);
      expect((layer.self_attn.q_proj.weight as HalfWeight).bits.BYTES_PER_ELEMENT).toBe(2);
      expect(kept.language_model.model.embed_tokens.weight).toBeInstanceOf(HalfWeight); // only gathered rows are widened
      expect(kept.dtype).toBe('float32');
      // Widening inside the matmul is exact; only the summation order may differ.
      expect(relErr(logitsOf(kept), logitsOf(widened))).toBeLessThan(1e-6);
    }
  });

  it('halfWeights refuses float64 compute', () => {
    const half = f32Tensors().map((t) => ({ ...t, dtype: 'F16' as const, data: Uint16Array.from(t.data as Float32Array, f32ToF16) }));
    const src = SafetensorsFile.open(bytesSource('h', writeSafetensors(half)));
    expect(() => loadLlavaFromSource(src, loadLlava(tinyDir).config, { halfWeights: true, dtype: 'float64' })).toThrow('halfWeights computes in float32');
  });

  it('BF16 storage decodes exactly (bit-identical to its F32 twin)', () => {
    const bf = f32Tensors().map((t) => ({ ...t, dtype: 'BF16' as const, data: Uint16Array.from(t.data as Float32Array, f32ToBf16) }));
    const model = loadLlavaFromSource(SafetensorsFile.open(bytesSource('bf16', writeSafetensors(bf))), loadLlava(tinyDir).config);
    const twin = bf.map((t) => ({ ...t, dtype: 'F32' as const, data: Float32Array.from(t.data as Uint16Array, (b) => new Float32Array(new Uint32Array([b << 16]).buffer)[0]) }));
    const twinModel = loadLlavaFromSource(SafetensorsFile.open(bytesSource('twin', writeSafetensors(twin))), loadLlava(tinyDir).config);
    expect(logitsOf(model)).toEqual(logitsOf(twinModel));
  });

  it.each([2, 3])('%i shards + index.json', (n) => {
    writeSharded(f32Tensors(), n);
    expect(relErr(logitsOf(loadLlava(dir)), wantLogits)).toBeLessThan(1e-4);
  });

  it('newer transformers names (model.vision_tower.*, model.language_model.*, lm_head.weight), sharded', () => {
    const renamed = f32Tensors().map((t) => ({
      ...t,
      name: t.name
        .replace(/^language_model\.model\./, 'model.language_model.')
        .replace(/^language_model\.lm_head\./, 'lm_head.')
        .replace(/^(vision_tower|multi_modal_projector)\./, 'model.$1.'),
    }));
    expect(renamed.some((t) => t.name === 'lm_head.weight')).toBe(true);
    writeSharded(renamed, 2);
    expect(relErr(logitsOf(loadLlava(dir)), wantLogits)).toBeLessThan(1e-4);
  });

  it('float64 loading gives the same logits', () => {
    expect(relErr(logitsOf(loadLlava(tinyDir, { dtype: 'float64' })), wantLogits)).toBeLessThan(1e-4);
  });
});

describe('sanitize', () => {
  it('maps both layouts onto llava-hf names and drops buffers', () => {
    expect(sanitize('model.language_model.layers.3.mlp.up_proj.weight')).toBe('language_model.model.layers.3.mlp.up_proj.weight');
    expect(sanitize('lm_head.weight')).toBe('language_model.lm_head.weight');
    expect(sanitize('model.vision_tower.vision_model.pre_layrnorm.bias')).toBe('vision_tower.vision_model.pre_layrnorm.bias');
    expect(sanitize('model.multi_modal_projector.linear_1.weight')).toBe('multi_modal_projector.linear_1.weight');
    expect(sanitize('language_model.model.norm.weight')).toBe('language_model.model.norm.weight');
    expect(sanitize('language_model.model.layers.0.self_attn.rotary_emb.inv_freq')).toBeNull();
    expect(sanitize('vision_tower.vision_model.embeddings.position_ids')).toBeNull();
  });
});

describe('strict errors', () => {
  it('lists missing, unexpected and mis-shaped tensors in one error with names, counts and shapes; nothing is returned', () => {
    const tensors = f32Tensors()
      .filter((t) => t.name !== 'language_model.model.norm.weight' && t.name !== 'multi_modal_projector.linear_2.bias')
      .map((t) => (t.name === 'language_model.model.layers.1.self_attn.k_proj.weight' ? { ...t, shape: [32, 16] } : t));
    tensors.push({ name: 'language_model.model.extra.weight', dtype: 'F32', shape: [2, 3], data: new Float32Array(6) });
    writeSafetensorsFile(path.join(dir, 'model.safetensors'), tensors);
    let err: unknown;
    try {
      loadLlava(dir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WeightLoadError);
    const msg = (err as Error).message;
    expect(msg).toContain('2 missing, 1 unexpected, 1 mis-shaped');
    expect(msg).toContain('missing (2):\n  language_model.model.norm.weight [32]\n  multi_modal_projector.linear_2.bias [32]');
    expect(msg).toContain('unexpected (1):\n  language_model.model.extra.weight [2, 3]');
    expect(msg).toContain('mis-shaped (1):\n  language_model.model.layers.1.self_attn.k_proj.weight: checkpoint [32, 16], model expects [16, 32]');
    const p = (err as WeightLoadError).problems;
    expect([p.missing.length, p.unexpected.length, p.misshaped.length]).toEqual([2, 1, 1]);
  });

  it('rejects a checkpoint that holds a tensor under both layouts, and integer tensors', () => {
    const t = f32Tensors();
    const dup = [...t, { ...t.find((x) => x.name === 'language_model.lm_head.weight')!, name: 'lm_head.weight' }];
    expect(() => loadLlavaFromSource(SafetensorsFile.open(bytesSource('dup', writeSafetensors(dup))), loadLlava(tinyDir).config)).toThrow(
      /holds "language_model.lm_head.weight" twice/,
    );
    const ints = t.map((x) => (x.name === 'language_model.model.norm.weight' ? { ...x, dtype: 'I32' as const, data: new Int32Array(32) } : x));
    expect(() => loadLlavaFromSource(SafetensorsFile.open(bytesSource('ints', writeSafetensors(ints))), loadLlava(tinyDir).config)).toThrow(
      /non-float dtype \(1\):\n {2}language_model.model.norm.weight: I32/,
    );
  });
});
