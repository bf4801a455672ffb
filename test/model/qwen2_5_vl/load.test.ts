/**
 * The Qwen2.5-VL loader: the ≥ 4.52 weight layout renamed in one place, every problem reported at once,
 * and F16/BF16 checkpoints with --half-weights (Linear weights kept as 2-byte bits, widened in the matmul).
 */
import path from 'node:path';
import { loadQwen25VLFromSource, sanitizeQwen } from '../../../src/model/qwen2_5_vl/load.js';
import { readQwenConfig } from '../../../src/model/qwen2_5_vl/load-node.js';
import { SafetensorsFile, bytesSource, f32ToBf16, f32ToF16, writeSafetensors, type TensorToWrite } from '../../../src/safetensors/index.js';
import { openSafetensorsFile } from '../../../src/safetensors/node.js';
import { HalfWeight } from '../../../src/tensor/half.js';
import { noGrad } from '../../../src/tensor/index.js';
import { qints, qref, qtensor, qwenDir, relErr } from './qwen-fixture.js';

const config = readQwenConfig(qwenDir);
const stored = openSafetensorsFile(path.join(qwenDir, 'model.safetensors'));
const tensors = (rename = (n: string) => n): TensorToWrite[] =>
  stored.names().map((name) => ({ name: rename(name), dtype: 'F32', shape: stored.info(name).shape, data: stored.readFloat32(name) }));
const open = (t: TensorToWrite[]) => SafetensorsFile.open(bytesSource('ckpt', writeSafetensors(t)));

function logitsOf(model: ReturnType<typeof loadQwen25VLFromSource>): Float32Array {
  const ids = qints('input_ids');
  return noGrad(() => {
    const embeds = model.embedWithImageFeatures(ids, model.encodeImage(qtensor('pixel_values'), [[1, 8, 12]]).imageEmbeds).inputsEmbeds;
    return model.decode(embeds, { rope: model.ropeIndex(ids, [[1, 8, 12]]) }).logits.toTypedArray() as Float32Array;
  });
}

describe('Qwen2.5-VL loader', () => {
  it('reads the ≥ 4.52 layout (model.visual.*, model.language_model.*) as the 4.50 one', () => {
    expect(sanitizeQwen('model.visual.blocks.0.attn.qkv.weight')).toBe('visual.blocks.0.attn.qkv.weight');
    expect(sanitizeQwen('model.language_model.layers.1.mlp.up_proj.weight')).toBe('model.layers.1.mlp.up_proj.weight');
    expect(sanitizeQwen('model.layers.0.self_attn.rotary_emb.inv_freq')).toBeNull();
    const newer = tensors((n) => (n.startsWith('visual.') ? `model.${n}` : n.startsWith('model.') ? `model.language_model.${n.slice(6)}` : n));
    expect(relErr(logitsOf(loadQwen25VLFromSource(open(newer), config)), qref('logits').data)).toBeLessThan(1e-4);
  });

  it('reports missing, unexpected and mis-shaped tensors together, naming the family', () => {
    const t = tensors().filter((x) => x.name !== 'lm_head.weight');
    t.push({ name: 'visual.extra.weight', dtype: 'F32', shape: [2], data: new Float32Array(2) });
    const qkv = t.find((x) => x.name === 'visual.blocks.0.attn.qkv.bias')!;
    Object.assign(qkv, { shape: [95], data: (qkv.data as Float32Array).slice(0, 95) });
    expect(() => loadQwen25VLFromSource(open(t), config)).toThrow(
      /cannot load Qwen2.5-VL weights from .*: 1 missing, 1 unexpected, 1 mis-shaped[\s\S]*lm_head.weight \[200, 48\][\s\S]*visual.extra.weight[\s\S]*visual.blocks.0.attn.qkv.bias: checkpoint \[95\], model expects \[96\]/,
    );
  });

  it('halfWeights keeps F16/BF16 Linear weights as 2-byte bits; logits as the widened model', () => {
    for (const [dtype, encode] of [['F16', f32ToF16], ['BF16', f32ToBf16]] as const) {
      const half = tensors().map((t) => ({ ...t, dtype, data: Uint16Array.from(t.data as Float32Array, encode) }));
      const widened = loadQwen25VLFromSource(open(half), config);
      const kept = loadQwen25VLFromSource(open(half), config, { halfWeights: true });
      expect(kept.visual.blocks[0].attn.qkv.weight).toBeInstanceOf(HalfWeight);
      expect(kept.model.layers[0].self_attn.q_proj.weight).toBeInstanceOf(HalfWeight);
      expect(kept.model.lm_head!.weight).toBeInstanceOf(HalfWeight);
      expect(kept.model.embed_tokens.weight.dtype).toBe('float32');
      expect(relErr(logitsOf(kept), logitsOf(widened))).toBeLessThan(1e-5);
      const err = relErr(logitsOf(kept), qref('logits').data);
      expect(err).toBeGreaterThan(1e-6); // the rounding really happened
      expect(err).toBeLessThan(dtype === 'F16' ? 1e-2 : 1e-1);
    }
  });
});
